import Foundation
import Testing
import VitaJSON
import VitaJSONLD
import VitaSchema
@testable import VitaCredentials

/// EndorsementCredential issuance and the verifier's `endorsements` check (OB 3.0 §9.1 step 6, §9.2).
@Suite("Endorsements: issued schema-valid; every endorsement verified against the object it is attached to")
struct EndorsementTests {
    static let issuer = Ed25519KeyPair()
    static let endorser = Ed25519KeyPair()
    static let achievementID = "https://example.edu/achievements/1"

    static func endorsement(of endorsedID: String = achievementID, comment: String = "Meets the guild's standard") -> JSONValue {
        EndorsementIssuance.credential(
            id: "urn:uuid:5f0bd1d6-8c0a-4b34-9d2e-0f4d2d1f9a10", endorsedID: endorsedID,
            issuer: .init(id: endorser.didKey.did, name: "Guild of Examples"), name: "Guild endorsement",
            comment: comment, validFrom: XSDDateTime.parse("2026-01-01T00:00:00Z")!)
    }

    static func signedEndorsement(of endorsedID: String = achievementID) throws -> JSONValue {
        try RoundTripTests.sign(endorsement(of: endorsedID), endorser)
    }

    /// The test-vector credential issued by `issuer`, with `endorsement` attached to its achievement.
    static func credential(achievementEndorsement: JSONValue?, issuerEndorsement: JSONValue? = nil) throws -> JSONValue {
        guard case .object(var o) = try RoundTripTests.credential(issuer: issuer.didKey) else { return .null }
        var subject = o["credentialSubject"]!.objectValue!
        var achievementObject = subject["achievement"]!.objectValue!
        achievementObject["id"] = .string(achievementID)
        var achievement = JSONValue.object(achievementObject)
        if let achievementEndorsement { achievement = EndorsementIssuance.attach(achievementEndorsement, to: achievement) }
        subject["achievement"] = achievement
        o["credentialSubject"] = .object(subject)
        if let issuerEndorsement { o["issuer"] = EndorsementIssuance.attach(issuerEndorsement, to: o["issuer"]!) }
        return try RoundTripTests.sign(.object(o), issuer)
    }

    @Test("the builder's EndorsementCredential is valid against the 1EdTech schema and signs in safe mode")
    func builder() async throws {
        let unsigned = Self.endorsement()
        let result = try OneEdTechSchemas.shared.validate(credential: unsigned)
        #expect(result.isValid, "\(result.errors)")
        #expect(try JSONLD.safeModeViolations(in: unsigned).isEmpty)
        #expect(unsigned["type"] == ["VerifiableCredential", "EndorsementCredential"])
        #expect(unsigned["credentialSubject"]?["type"] == ["EndorsementSubject"])
        #expect(unsigned["credentialSchema"]?[0]?["id"]?.stringValue == EndorsementIssuance.schema)
        let report = await RoundTripTests.verifier.verify(try Self.signedEndorsement())
        #expect(report.verdict == .valid, "\(report)")
        #expect(report.passed("schema"))
    }

    @Test("a valid endorsement of the achievement passes, with its own sub-report")
    func validEndorsement() async throws {
        let credential = try Self.credential(achievementEndorsement: try Self.signedEndorsement())
        let report = await RoundTripTests.verifier.verify(credential)
        #expect(report.verdict == .valid, "\(report)")
        #expect(report.passed("endorsements"))
        #expect(report.endorsements.count == 1)
        #expect(report.endorsements.first?.verdict == .valid)
        #expect(report.endorsements.first?.passed("endorsement") == true)
        #expect(report.json["endorsements"]?.arrayValue?.count == 1)
    }

    @Test("a tampered endorsement fails its sub-report: a warning by default, a failure under EndorsementPolicy.fail")
    func tamperedEndorsement() async throws {
        guard case .object(var e) = try Self.signedEndorsement() else { return }
        var subject = e["credentialSubject"]!.objectValue!
        subject["endorsementComment"] = "Exceeds every standard"
        e["credentialSubject"] = .object(subject)
        let credential = try Self.credential(achievementEndorsement: .object(e))
        let report = await RoundTripTests.verifier.verify(credential)
        #expect(report.passed("proof"))
        #expect(report.checks(named: "endorsements").first?.outcome == .warning)
        #expect(report.checks(named: "endorsements").first?.message.contains("$.credentialSubject.achievement.endorsement[0]") == true)
        #expect(report.endorsements.first?.proofs.first?.outcome == .signatureMismatch)
        #expect(report.verdict == .valid)
        var strict = RoundTripTests.verifier
        strict.endorsementPolicy = .fail
        let strictReport = await strict.verify(credential)
        #expect(strictReport.failed("endorsements"))
        #expect(strictReport.verdict == .invalid)
    }

    @Test("an endorsement of another object is reported, even with a valid signature")
    func endorsementOfAnotherObject() async throws {
        let credential = try Self.credential(achievementEndorsement: try Self.signedEndorsement(of: "https://example.edu/achievements/other"))
        var strict = RoundTripTests.verifier
        strict.endorsementPolicy = .fail
        let report = await strict.verify(credential)
        #expect(report.endorsements.first?.passed("proof") == true)
        #expect(report.endorsements.first?.failed("endorsement") == true)
        #expect(report.failed("endorsements"))
        #expect(report.checks(named: "endorsements").first?.message.contains("endorses https://example.edu/achievements/other, not \(Self.achievementID)") == true)
    }

    @Test("an endorsementJwt on the issuer profile is verified as a VC-JWT; a plain credential is not an endorsement")
    func jwtAndWrongType() async throws {
        let issuerDID = Self.issuer.didKey.did
        let jwt = try await VCJWT.sign(credential: Self.endorsement(of: issuerDID), key: VCJWTSigningKey(ed25519: Self.endorser),
                                       kid: Self.endorser.didKey.verificationMethodID, issuedAt: RoundTripTests.now)
        let credential = try Self.credential(achievementEndorsement: nil, issuerEndorsement: .string(jwt))
        let report = await RoundTripTests.verifier.verify(credential)
        #expect(report.passed("endorsements"), "\(report)")
        #expect(report.endorsements.first?.checks(named: "proof").first?.message.hasPrefix("VC-JWT (EdDSA)") == true)
        // An OpenBadgeCredential where an endorsement belongs.
        let notEndorsement = try RoundTripTests.sign(try RoundTripTests.credential(issuer: Self.endorser.didKey), Self.endorser)
        var strict = RoundTripTests.verifier
        strict.endorsementPolicy = .fail
        let wrong = await strict.verify(try Self.credential(achievementEndorsement: notEndorsement))
        #expect(wrong.failed("endorsements"))
        #expect(wrong.endorsements.first?.checks(named: "endorsement").first?.message.contains("is not an EndorsementCredential") == true)
    }

    @Test("1EdTech fixtures: complete.json keeps its valid verdict with its five sample endorsements reported; endorsement-valid.json is valid")
    func fixtures() async throws {
        let verifier = ValidatorFixtureTests.verifier()
        let complete = await verifier.verify(try ValidatorFixtureTests.credential("ob-v3p0/validator-fixtures/complete.json"))
        #expect(complete.verdict == .valid, "\(complete)")
        #expect(complete.endorsements.count == 5)
        #expect(complete.checks(named: "endorsements").first?.outcome == .warning)
        #expect(complete.endorsements.allSatisfy { $0.checks(named: "proof").contains { $0.message.contains("eddsa-rdf-2022") } })
        let endorsement = await verifier.verify(try ValidatorFixtureTests.credential("ob-v3p0/validator-fixtures/endorsement-valid.json"))
        #expect(endorsement.verdict == .valid, "\(endorsement)")
    }
}
