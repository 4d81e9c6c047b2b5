import Foundation
import Testing
import VitaJSON
@testable import VitaCredentials

/// CLR 2.0 ClrCredential assembly from signed AchievementCredentials.
@Suite("ClrIssuance: assembly, schema, signing and nested verification; clear errors")
struct ClrIssuanceTests {
    static let now = XSDDateTime.parse("2026-06-01T12:00:00Z")!
    static let learner = "did:example:ebfeb1f712ebc6f1c276e12ec21"
    static let verifier = CredentialVerifier(clock: { now })

    static func achievementID(_ name: String) -> String { "https://example.edu/achievements/\(name)" }

    /// The OB 3.0 test-vector credential, re-issued by `key` for `achievement`, signed (eddsa-rdfc-2022).
    static func signedAchievementCredential(_ achievement: String, key: Ed25519KeyPair, type: String = "Course") throws -> JSONValue {
        guard case .object(var o) = try Fixtures.json("ob-v3p0/test-vectors/eddsa-rdfc-2022/unsigned.json"),
              case .object(var subject)? = o["credentialSubject"], case .object(var a)? = subject["achievement"] else {
            throw CredentialError(.malformedDocument, "fixture")
        }
        o["id"] = .string("urn:uuid:\(UUID().uuidString.lowercased())")
        o["name"] = .string("\(achievement) credential")
        o["issuer"] = ["id": .string(key.didKey.did), "type": ["Profile"], "name": "Example University"]
        a["id"] = .string(achievementID(achievement))
        a["name"] = .string(achievement)
        a["achievementType"] = .string(type)
        subject["achievement"] = .object(a)
        subject["id"] = .string(learner)
        o["credentialSubject"] = .object(subject)
        return try sign(.object(o), key)
    }

    static func sign(_ document: JSONValue, _ key: Ed25519KeyPair) throws -> JSONValue {
        try DataIntegrity.addProof(to: document, options: ProofOptions(cryptosuite: .eddsaRdfc2022, verificationMethod: key.didKey.verificationMethodID),
                                   signer: key, now: now)
    }

    static func issuance(key: Ed25519KeyPair, credentials: [JSONValue], associations: [ClrIssuance.Association], learner: ClrIssuance.Learner = .id(learner),
                         achievements: [JSONValue] = []) -> ClrIssuance {
        ClrIssuance(id: "urn:uuid:0b1c9a52-5f37-4ac6-9d6f-2a3a1c0e8a11", name: "Transcript", issuer: ["id": .string(key.didKey.did), "name": "Example University"],
                    learner: learner, credentials: credentials, achievements: achievements, associations: associations,
                    validFrom: XSDDateTime.parse("2026-05-01T00:00:00Z")!)
    }

    static func standardCLR(key: Ed25519KeyPair) throws -> (ClrIssuance, [JSONValue]) {
        let credentials = try [
            signedAchievementCredential("databases", key: key),
            signedAchievementCredential("algorithms", key: key),
            signedAchievementCredential("computer-science", key: key, type: "LearningProgram"),
        ]
        let associations = [
            ClrIssuance.Association(.isPartOf, sourceId: achievementID("databases"), targetId: achievementID("computer-science")),
            try ClrIssuance.Association(associationType: "isPartOf", sourceId: achievementID("algorithms"), targetId: achievementID("computer-science")),
            ClrIssuance.Association(.precedes, sourceId: achievementID("algorithms"), targetId: achievementID("databases")),
        ]
        return (issuance(key: key, credentials: credentials, associations: associations), credentials)
    }

    @Test("a CLR of 3 signed credentials with course-isPartOf-program associations is schema-valid, signs, and verifies with every nested report passing")
    func assembleSignVerify() async throws {
        let key = Ed25519KeyPair()
        let (issuance, credentials) = try Self.standardCLR(key: key)
        let clr = try issuance.credential()
        #expect(clr["@context"] == .array(ClrIssuance.contexts.map { .string($0) }))
        #expect(clr["type"] == ["VerifiableCredential", "ClrCredential"])
        #expect(clr["credentialSubject"]?["verifiableCredential"] == .array(credentials))
        #expect(clr["credentialSubject"]?["association"]?.arrayValue?.count == 3)
        #expect(clr["credentialSchema"]?[0]?["id"]?.stringValue == ClrIssuance.schema)
        let signed = try Self.sign(clr, key)
        let report = await Self.verifier.verify(signed)
        #expect(report.verdict == .valid, "\(report)")
        #expect(report.passed("schema") && report.passed("nested") && report.passed("proof") && report.passed("issuer"))
        #expect(report.nested.count == 3)
        #expect(report.nested.allSatisfy { $0.verdict == .valid && $0.passed("proof") })
    }

    @Test("the learner as hashed identifiers, and a program achievement listed in achievement[] only, also verify")
    func identifiersAndListedAchievement() async throws {
        let key = Ed25519KeyPair()
        let course = try Self.signedAchievementCredential("databases", key: key)
        let program: JSONValue = [
            "id": .string(Self.achievementID("computer-science")), "type": ["Achievement"], "name": "Computer Science",
            "description": "The BSc programme", "criteria": ["narrative": "Complete every course."], "achievementType": "LearningProgram",
        ]
        let issuance = Self.issuance(key: key, credentials: [course],
                                     associations: [.init(.isChildOf, sourceId: Self.achievementID("databases"), targetId: Self.achievementID("computer-science"))],
                                     learner: .identifiers([.hashed("learner@example.edu", type: "emailAddress", salt: "s4lt")]),
                                     achievements: [program])
        let clr = try issuance.credential()
        #expect(clr["credentialSubject"]?["id"] == nil)
        #expect(clr["credentialSubject"]?["identifier"]?[0]?["identityHash"]?.stringValue == OpenBadgeIssuance.identityHash("learner@example.edu", salt: "s4lt"))
        #expect(clr["credentialSubject"]?["achievement"] == [program])
        let report = await Self.verifier.verify(try Self.sign(clr, key))
        #expect(report.verdict == .valid, "\(report)")
    }

    @Test("tampering a nested credential fails the nested check (assembled tampered: outer proof passes, nested fails; tampered after signing: both fail)")
    func tamperedNested() async throws {
        let key = Ed25519KeyPair()
        var (issuance, credentials) = try Self.standardCLR(key: key)
        guard case .object(var forged) = credentials[1] else { return }
        forged["name"] = "Forged credential"
        issuance.credentials[1] = .object(forged)
        let report = await Self.verifier.verify(try Self.sign(try issuance.credential(), key))
        #expect(report.verdict == .invalid)
        #expect(report.passed("proof"))
        #expect(report.failed("nested"))
        #expect(report.checks(named: "nested").first?.message.contains("1 of 3 nested credentials failed") == true)
        #expect(report.nested[1].failed("proof") && report.nested[0].passed("proof") && report.nested[2].passed("proof"))

        let (good, _) = try Self.standardCLR(key: key)
        guard case .object(var clr) = try Self.sign(try good.credential(), key),
              case .object(var subject)? = clr["credentialSubject"], case .array(var vcs)? = subject["verifiableCredential"],
              case .object(var first)? = vcs.first else { return }
        first["validFrom"] = "2000-01-01T00:00:00Z"
        vcs[0] = .object(first)
        subject["verifiableCredential"] = .array(vcs)
        clr["credentialSubject"] = .object(subject)
        let after = await Self.verifier.verify(.object(clr))
        #expect(after.failed("proof") && after.failed("nested") && after.nested[0].failed("proof"))
    }

    static func reason(_ body: () throws -> Any) -> String? {
        do { _ = try body() } catch let error as CredentialError {
            #expect(error.code == .invalidClr)
            return error.reason
        } catch { return "\(error)" }
        return nil
    }

    @Test("invalid association type, unknown sourceId/targetId, self association: clear errors")
    func associationErrors() throws {
        let key = Ed25519KeyPair()
        let (issuance, _) = try Self.standardCLR(key: key)
        let bad = Self.reason { try ClrIssuance.Association(associationType: "isFriendOf", sourceId: "a", targetId: "b") }
        #expect(bad == "associationType \"isFriendOf\" is not a CLR 2.0 association type (exactMatchOf, isChildOf, isParentOf, isPartOf, isPeerOf, isRelatedTo, precedes, replacedBy)")
        var unknown = issuance
        unknown.associations.append(.init(.isPartOf, sourceId: "https://example.edu/achievements/nope", targetId: Self.achievementID("computer-science")))
        #expect(Self.reason { try unknown.credential() }
            == "association[3] (isPartOf): sourceId https://example.edu/achievements/nope is not the id of an achievement in this CLR (listed in achievement or asserted by a nested credential)")
        var unknownTarget = issuance
        unknownTarget.associations = [.init(.replacedBy, sourceId: Self.achievementID("databases"), targetId: "urn:x")]
        #expect(Self.reason { try unknownTarget.credential() }?.contains("targetId urn:x is not the id of an achievement") == true)
        var selfLink = issuance
        selfLink.associations = [.init(.isPeerOf, sourceId: Self.achievementID("databases"), targetId: Self.achievementID("databases"))]
        #expect(Self.reason { try selfLink.credential() }?.contains("relates achievement") == true)
        for type in ClrIssuance.AssociationType.allCases {
            #expect(try ClrIssuance.AssociationType(named: type.rawValue) == type)
        }
    }

    @Test("other assembly errors: unsigned, duplicate or non-achievement credentials, no credentials, no learner, schema violations")
    func assemblyErrors() throws {
        let key = Ed25519KeyPair()
        let (issuance, credentials) = try Self.standardCLR(key: key)
        var unsigned = issuance
        guard case .object(var o) = credentials[0] else { return }
        o["proof"] = nil
        unsigned.credentials[0] = .object(o)
        #expect(Self.reason { try unsigned.credential() }?.contains("has no proof; sign each AchievementCredential") == true)
        var duplicate = issuance
        duplicate.credentials.append(credentials[0])
        #expect(Self.reason { try duplicate.credential() }?.contains("is included twice") == true)
        var none = issuance
        none.credentials = []
        #expect(Self.reason { try none.credential() }?.contains("at least one AchievementCredential") == true)
        var notAchievement = issuance
        notAchievement.credentials = [["id": "urn:x", "type": ["VerifiableCredential"], "proof": [:]]]
        #expect(Self.reason { try notAchievement.credential() }?.contains("is not an AchievementCredential") == true)
        var noLearner = issuance
        noLearner.learner = .identifiers([])
        #expect(Self.reason { try noLearner.credential() }?.contains("neither an id nor an identifier") == true)
        var noIssuer = issuance
        noIssuer.issuer = ["name": "Nameless"]
        #expect(Self.reason { try noIssuer.credential() } == "the issuer profile has no id")
        var badDates = issuance
        badDates.validUntil = XSDDateTime.parse("2020-01-01T00:00:00Z")
        #expect(Self.reason { try badDates.credential() } == "validUntil is not after validFrom")
        // Only the JSON Schema catches this one: an achievement without its required criteria.
        var schemaInvalid = issuance
        schemaInvalid.achievements = [["id": "urn:a", "type": ["Achievement"], "name": "A", "description": "A"]]
        #expect(Self.reason { try schemaInvalid.credential() }?.hasPrefix("the assembled CLR is not valid against the CLR 2.0 JSON Schema: /credentialSubject/achievement") == true)
    }
}
