import Foundation
import Testing
import VitaJSON
import VitaJSONLD
@testable import VitaCredentials

/// JSON-LD safe mode in signing (refuse) and verification (the `jsonld` check).
@Suite("Safe mode: RDF signing refuses dropped data; verification reports data the signature does not cover")
struct SafeModeSigningTests {
    static let key = Ed25519KeyPair()

    static func credential(_ edit: (inout JSONObject) -> Void = { _ in }) throws -> JSONValue {
        guard case .object(var o) = try RoundTripTests.credential(issuer: key.didKey) else {
            throw CredentialError(.malformedDocument, "fixture")
        }
        edit(&o)
        return .object(o)
    }

    static func sign(_ doc: JSONValue, suite: Cryptosuite = .eddsaRdfc2022) throws(CredentialError) -> JSONValue {
        try DataIntegrity.addProof(
            to: doc, options: ProofOptions(cryptosuite: suite, verificationMethod: key.didKey.verificationMethodID),
            signer: key, now: RoundTripTests.now)
    }

    /// What a signer without safe mode produces: eddsa-rdfc-2022 over the canonical form
    /// that silently lacks the dropped data (built from the public algorithm steps).
    static func signWithoutSafeMode(_ doc: JSONValue) throws -> JSONValue {
        guard case .object(var o) = doc else { throw CredentialError(.malformedDocument, "not an object") }
        var options = ProofOptions(cryptosuite: .eddsaRdfc2022, verificationMethod: key.didKey.verificationMethodID)
            .proofObject(now: RoundTripTests.now)
        let data = try EdDSACryptosuite.hashData(unsecuredDocument: doc, options: options)
        options["proofValue"] = .string(Multibase.encodeBase58btc(try EdDSACryptosuite.proofSerialization(hashData: data, signer: key)))
        o["proof"] = .object(options)
        return .object(o)
    }

    static func withSubjectEntry(_ key: String, _ value: JSONValue) -> (inout JSONObject) -> Void {
        { o in
            var s = o["credentialSubject"]!.objectValue!
            s[key] = value
            o["credentialSubject"] = .object(s)
        }
    }

    @Test("eddsa-rdfc-2022 refuses an undefined term, naming its JSON path (never its value)")
    func refusesUndefinedTerm() throws {
        let doc = try Self.credential(Self.withSubjectEntry("grade", "A+"))
        do {
            _ = try Self.sign(doc)
            Issue.record("signed a document with an undefined term")
        } catch {
            #expect(error.code == .unsignedData)
            #expect(error.violations.map(\.path) == ["$.credentialSubject.grade"])
            #expect(error.violations.map(\.kind) == [.invalidProperty])
            #expect(error.reason.contains("$.credentialSubject.grade"))
            #expect(!error.reason.contains("A+"))
        }
    }

    @Test("the quick-start \"type\": \"\" and a 1EdTech type without the extensions context are refused")
    func refusesRelativeTypes() throws {
        let empty = try Self.credential { o in
            var s = o["credentialSubject"]!.objectValue!
            var a = s["achievement"]!.objectValue!
            a["criteria"] = ["type": "", "narrative": "Do it"]
            s["achievement"] = .object(a)
            o["credentialSubject"] = .object(s)
        }
        #expect(throws: CredentialError.self) { try Self.sign(empty) }
        do { _ = try Self.sign(empty) } catch {
            #expect(error.violations.map(\.path) == ["$.credentialSubject.achievement.criteria.type"])
            #expect(error.violations.map(\.kind) == [.relativeTypeReference])
        }
        let schema: JSONValue = [["id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                                  "type": "1EdTechJsonSchemaValidator2019"]]
        let withoutExtensions = try Self.credential { $0["credentialSchema"] = schema }
        do {
            _ = try Self.sign(withoutExtensions)
            Issue.record("signed 1EdTechJsonSchemaValidator2019 without the extensions context")
        } catch {
            #expect(error.violations.map(\.path) == ["$.credentialSchema[0].type"])
        }
        let withExtensions = try Self.credential { o in
            o["credentialSchema"] = schema
            o["@context"] = .array(o["@context"]!.arrayValue! + ["https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"])
        }
        let signed = try Self.sign(withExtensions)
        #expect(DataIntegrity.proofs(of: signed).count == 1)
    }

    @Test("a credential whose nodes have only non-IRI ids is refused (it would canonicalize to almost nothing)")
    func refusesNonIRIIdentifiers() async throws {
        let doc = try Self.credential { o in
            o["id"] = "credential-1"
            o["issuer"] = ["id": "issuer-1", "type": ["Profile"], "name": "Example"]
            var s = o["credentialSubject"]!.objectValue!
            s["id"] = "learner-1"
            o["credentialSubject"] = .object(s)
        }
        do {
            _ = try Self.sign(doc)
            Issue.record("signed a credential with relative ids")
        } catch {
            #expect(Set(error.violations.map(\.path)) == ["$.id", "$.issuer.id", "$.credentialSubject.id"])
        }
        // Signed anyway by a processor without safe mode: the signature verifies, but the
        // verifier fails the credential because the ids (and the nodes they name) are unsigned.
        let signed = try Self.signWithoutSafeMode(doc)
        let report = await RoundTripTests.verifier.verify(signed)
        #expect(report.passed("proof"))
        #expect(report.failed("jsonld"))
        #expect(report.verdict == .invalid)
        // Whatever the unsigned nodes say can be changed without breaking the signature.
        guard case .object(var forged) = signed else { return }
        forged["issuer"] = ["id": "issuer-1", "type": ["Profile"], "name": "Someone Else"]
        let forgedReport = await RoundTripTests.verifier.verify(.object(forged))
        #expect(forgedReport.passed("proof"))
        #expect(forgedReport.failed("jsonld"))
    }

    @Test("an undefined term added after eddsa-rdfc-2022 signing keeps the signature valid but fails the jsonld check")
    func addedTermFailsVerification() async throws {
        let signed = try Self.sign(try Self.credential())
        #expect(await RoundTripTests.verifier.verify(signed).verdict == .valid)
        guard case .object(var o) = signed else { return }
        Self.withSubjectEntry("grade", "A+")(&o)
        let report = await RoundTripTests.verifier.verify(.object(o))
        #expect(report.passed("proof"))
        #expect(report.failed("jsonld"))
        #expect(report.checks(named: "jsonld").first?.message.contains("not covered by the eddsa-rdfc-2022 signature") == true)
        #expect(report.checks(named: "jsonld").first?.message.contains("$.credentialSubject.grade") == true)
        #expect(report.verdict == .invalid)
        // Policy .warn: the same report with a warning.
        var lenient = RoundTripTests.verifier
        lenient.droppedData = .warn
        let warned = await lenient.verify(.object(o))
        #expect(warned.checks(named: "jsonld").first?.outcome == .warning)
        #expect(warned.verdict == .valid)
    }

    @Test("eddsa-jcs-2022 signs undefined terms (all bytes are signed) and verification warns that they mean nothing in JSON-LD")
    func jcsWarns() async throws {
        let doc = try Self.credential(Self.withSubjectEntry("grade", "A+"))
        let signed = try Self.sign(doc, suite: .eddsaJcs2022)
        let report = await RoundTripTests.verifier.verify(signed)
        #expect(report.passed("proof"))
        #expect(report.checks(named: "jsonld").first?.outcome == .warning)
        #expect(report.checks(named: "jsonld").first?.message.contains("covers the JSON bytes") == true)
        #expect(report.verdict == .valid)
    }

    @Test("a VC-JWT with an undefined term: the JWT signs the bytes, the jsonld check warns")
    func jwtWarns() async throws {
        let doc = try Self.credential(Self.withSubjectEntry("grade", "A+"))
        let jwt = try await VCJWT.sign(credential: doc, key: VCJWTSigningKey(ed25519: Self.key),
                                       kid: Self.key.didKey.verificationMethodID, issuedAt: RoundTripTests.now)
        let report = await RoundTripTests.verifier.verify(jwt: jwt)
        #expect(report.passed("proof"))
        #expect(report.checks(named: "jsonld").map(\.outcome) == [.warning])
        #expect(report.checks(named: "jsonld").first?.message.contains("covers the JSON bytes") == true)
    }

    @Test("a clean signed credential passes the jsonld check; an unsigned one with dropped data warns")
    func cleanAndUnsigned() async throws {
        let report = await RoundTripTests.verifier.verify(try Self.sign(try Self.credential()))
        #expect(report.passed("jsonld"))
        let unsigned = await RoundTripTests.verifier.verify(try Self.credential(Self.withSubjectEntry("grade", "A+")))
        #expect(unsigned.checks(named: "jsonld").first?.outcome == .warning)
        #expect(unsigned.failed("proof"))
    }

    @Test("undefined proof options are refused at signing and fail verification (VC 1.1 without the data-integrity context)")
    func proofConfiguration() async throws {
        let v1: JSONValue = [
            "@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"],
            "issuer": .string(Self.key.didKey.did), "issuanceDate": "2020-01-01T00:00:00Z",
            "credentialSubject": ["id": "did:example:1"],
        ]
        do {
            _ = try Self.sign(v1)
            Issue.record("signed a DataIntegrityProof whose options VC 1.1 does not define")
        } catch {
            #expect(error.code == .unsignedData)
            #expect(error.reason.contains("proof configuration"))
            #expect(error.violations.contains { $0.path == "$.cryptosuite" })
        }
        let signed = try Self.signWithoutSafeMode(v1)
        let report = await RoundTripTests.verifier.verify(signed)
        #expect(report.passed("proof"))
        #expect(report.failed("jsonld"))
        #expect(report.checks(named: "jsonld").first?.message.contains("$.proof.cryptosuite") == true)
    }
}
