import Foundation
import Testing
import VitaJSON
import VitaJSONLD
@testable import VitaCredentials

/// Sign with a generated key, verify; then tamper in every way and check the right check fails.
@Suite("Round trips and tampering")
struct RoundTripTests {
    static let now = XSDDateTime.parse("2026-06-01T12:00:00Z")!

    /// The OB 3.0 test-vector credential re-issued by a fresh did:key issuer.
    static func credential(issuer: DIDKey) throws -> JSONValue {
        guard case .object(var o) = try Fixtures.json("ob-v3p0/test-vectors/eddsa-rdfc-2022/unsigned.json") else {
            throw CredentialError(.malformedDocument, "fixture")
        }
        o["issuer"] = ["id": .string(issuer.did), "type": ["Profile"], "name": "Vita Test Issuer"]
        return .object(o)
    }

    static func sign(_ doc: JSONValue, _ key: Ed25519KeyPair, suite: Cryptosuite = .eddsaRdfc2022,
                     vm: String? = nil, expires: Date? = nil) throws -> JSONValue {
        try DataIntegrity.addProof(
            to: doc,
            options: ProofOptions(cryptosuite: suite, verificationMethod: vm ?? key.didKey.verificationMethodID, expires: expires),
            signer: key, now: now)
    }

    static let verifier = CredentialVerifier(clock: { now })

    /// Every leaf (string, number, boolean) with a JSON path, excluding `proof`.
    static func leaves(_ v: JSONValue, _ path: [String] = []) -> [[String]] {
        switch v {
        case .object(let o):
            return o.flatMap { (k, v) in k == "proof" && path.isEmpty ? [] : leaves(v, path + [k]) }
        case .array(let a):
            return a.enumerated().flatMap { leaves($1, path + ["\($0)"]) }
        default: return [path]
        }
    }

    static func modify(_ v: JSONValue, at path: ArraySlice<String>) -> JSONValue {
        guard let step = path.first else {
            switch v {
            case .string(let s): return .string(s + "x")
            case .number(let n): return .number(JSONNumber((n.intValue ?? 0) + 1))
            case .bool(let b): return .bool(!b)
            default: return .string("x")
            }
        }
        switch v {
        case .object(var o):
            o[step] = modify(o[step]!, at: path.dropFirst())
            return .object(o)
        case .array(var a):
            let i = Int(step)!
            a[i] = modify(a[i], at: path.dropFirst())
            return .array(a)
        default: return v
        }
    }

    @Test("an OB 3.0 credential signed with a fresh did:key verifies with every check passing", arguments: [Cryptosuite.eddsaRdfc2022, .eddsaJcs2022])
    func signAndVerify(suite: Cryptosuite) async throws {
        let key = Ed25519KeyPair()
        let signed = try Self.sign(try Self.credential(issuer: key.didKey), key, suite: suite)
        #expect(signed["proof"]?["created"]?.stringValue == "2026-06-01T12:00:00Z")
        #expect(signed["proof"]?["cryptosuite"]?.stringValue == suite.rawValue)
        let report = await Self.verifier.verify(signed)
        #expect(report.verdict == .valid, "\(report)")
        for name in ["format", "context", "type", "schema", "proof", "issuer", "validity"] {
            #expect(report.passed(name), "\(name): \(report)")
        }
        #expect(report.json["verdict"]?.stringValue == "valid")
    }

    @Test("changing any field of a signed credential breaks the proof", arguments: [Cryptosuite.eddsaRdfc2022, .eddsaJcs2022])
    func tamperEveryField(suite: Cryptosuite) async throws {
        let key = Ed25519KeyPair()
        let signed = try Self.sign(try Self.credential(issuer: key.didKey), key, suite: suite)
        // @context values are excluded: changing them makes the context unknown (its own failure, tested below).
        let paths = Self.leaves(signed).filter { $0.first != "@context" }
        #expect(paths.count > 10)
        for path in paths {
            let tampered = Self.modify(signed, at: path[...])
            let results = await DataIntegrity.verifyProofs(of: tampered, expectations: ProofExpectations(now: Self.now))
            #expect(results.map(\.outcome) == [.signatureMismatch], "\(path.joined(separator: "/")): \(results.map(\.reason))")
        }
        // And the report names it.
        let tampered = Self.modify(signed, at: ["name"])
        let report = await Self.verifier.verify(tampered)
        #expect(report.verdict == .invalid)
        #expect(report.checks(named: "proof").first?.message.hasPrefix("signature does not match; the document was altered after signing") == true)
    }

    @Test("a removed proof, a proof moved to another credential and a proof by the wrong key are rejected")
    func swappedRemovedWrongKey() async throws {
        let key = Ed25519KeyPair()
        let a = try Self.sign(try Self.credential(issuer: key.didKey), key)
        // Removed.
        guard case .object(var stripped) = a else { return }
        stripped.removeValue(forKey: "proof")
        let noProof = await Self.verifier.verify(.object(stripped))
        #expect(noProof.failed("proof"))
        #expect(noProof.checks(named: "proof").first?.message == "the credential has no proof")
        #expect(noProof.checks(named: "issuer").first?.outcome == .notChecked)
        // Swapped onto another credential by the same issuer.
        guard case .object(var other) = Self.modify(try Self.credential(issuer: key.didKey), at: ["id"]) else { return }
        other["proof"] = a["proof"]
        let swapped = await Self.verifier.verify(.object(other))
        #expect(swapped.failed("proof"))
        #expect(swapped.proofs.map(\.outcome) == [.signatureMismatch])
        // Signed by one key, claiming another's verification method.
        let mallory = Ed25519KeyPair()
        let forged = try Self.sign(try Self.credential(issuer: key.didKey), mallory, vm: key.didKey.verificationMethodID)
        let forgedReport = await Self.verifier.verify(forged)
        #expect(forgedReport.proofs.map(\.outcome) == [.signatureMismatch])
        // Signed by another key that names itself: the signature verifies but the issuer does not control it.
        let impostor = try Self.sign(try Self.credential(issuer: key.didKey), mallory)
        let impostorReport = await Self.verifier.verify(impostor)
        #expect(impostorReport.passed("proof"))
        #expect(impostorReport.failed("issuer"))
        #expect(impostorReport.verdict == .invalid)
    }

    @Test("expired and not-yet-valid credentials fail the validity check; VC 1.1 dates are read too")
    func validityPeriod() async throws {
        let key = Ed25519KeyPair()
        guard case .object(var o) = try Self.credential(issuer: key.didKey) else { return }
        o["validUntil"] = "2026-01-01T00:00:00Z"
        let expired = await Self.verifier.verify(try Self.sign(.object(o), key))
        #expect(expired.passed("proof"))
        #expect(expired.failed("validity"))
        #expect(expired.checks(named: "validity").first?.message.hasPrefix("expired: validUntil 2026-01-01T00:00:00Z") == true)
        o["validUntil"] = nil
        o["validFrom"] = "2027-01-01T00:00:00+02:00"
        let early = await Self.verifier.verify(try Self.sign(.object(o), key))
        #expect(early.failed("validity"))
        #expect(early.checks(named: "validity").first?.message.hasPrefix("not yet valid") == true)
        // The same credential is valid once the clock reaches validFrom.
        let later = CredentialVerifier(clock: { XSDDateTime.parse("2027-06-01T00:00:00Z")! })
        #expect(await later.verify(try Self.sign(.object(o), key)).passed("validity"))
        // VC 1.1 names.
        let v1: JSONValue = [
            // A DataIntegrityProof needs the data-integrity context under VC 1.1, or its options are not signed.
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/data-integrity/v2"],
            "type": ["VerifiableCredential"],
            "issuer": .string(key.didKey.did), "issuanceDate": "2020-01-01T00:00:00Z",
            "expirationDate": "2021-01-01T00:00:00Z", "credentialSubject": ["id": "did:example:1"],
        ]
        let v1Report = await Self.verifier.verify(try Self.sign(v1, key))
        #expect(v1Report.checks(named: "context").first?.outcome == .warning)
        #expect(v1Report.passed("proof"))
        #expect(v1Report.checks(named: "validity").first?.message.hasPrefix("expired: expirationDate") == true)
    }

    @Test("an unknown @context cannot be signed and fails the context check when verifying")
    func unknownContext() async throws {
        let key = Ed25519KeyPair()
        guard case .object(var o) = try Self.credential(issuer: key.didKey) else { return }
        let signed = try Self.sign(.object(o), key)
        o["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://example.com/unknown-context/v1"]
        #expect(throws: CredentialError.self) { _ = try Self.sign(.object(o), key) }
        guard case .object(var altered) = signed else { return }
        altered["@context"] = o["@context"]
        let report = await Self.verifier.verify(.object(altered))
        #expect(report.failed("context"))
        #expect(report.checks(named: "context").first?.message.contains("https://example.com/unknown-context/v1") == true)
        #expect(report.failed("proof"))
        #expect(report.proofs.map(\.outcome) == [.invalid])
    }

    @Test("proof purpose, expiry, challenge and domain are enforced")
    func proofExpectations() async throws {
        let key = Ed25519KeyPair()
        let doc = try Self.credential(issuer: key.didKey)
        let expiring = try Self.sign(doc, key, expires: XSDDateTime.parse("2026-03-01T00:00:00Z"))
        let r1 = await DataIntegrity.verifyProofs(of: expiring, expectations: ProofExpectations(now: Self.now))
        #expect(r1.map(\.outcome) == [.invalid])
        #expect(r1.first?.reason.contains("expired") == true)
        let auth = try DataIntegrity.addProof(
            to: doc, options: ProofOptions(verificationMethod: key.didKey.verificationMethodID, proofPurpose: "authentication",
                                           challenge: "c-123", domain: "vita.example"), signer: key, now: Self.now)
        #expect(await DataIntegrity.verifyProofs(of: auth).map(\.outcome) == [.invalid])  // expects assertionMethod
        let ok = await DataIntegrity.verifyProofs(of: auth, expectations: ProofExpectations(proofPurpose: "authentication", challenge: "c-123", domain: "vita.example"))
        #expect(ok.map(\.outcome) == [.verified])
        let wrong = await DataIntegrity.verifyProofs(of: auth, expectations: ProofExpectations(proofPurpose: "authentication", challenge: "other"))
        #expect(wrong.map(\.outcome) == [.invalid])
        // A key not authorized for assertionMethod.
        let limited = StaticVerificationMethodResolver([
            VerificationMethod(id: "https://issuer.example/keys#1", controller: "https://issuer.example", publicKey: key.multikey, relationships: ["authentication"])
        ])
        let signed = try Self.sign(doc, key, vm: "https://issuer.example/keys#1")
        #expect(await DataIntegrity.verifyProofs(of: signed, resolver: limited).map(\.outcome) == [.invalid])
    }

    @Test("Ed25519Signature2020 proofs created here verify; eddsa-jcs-2022 proofs carry @context; proof sets add proofs")
    func otherSuitesAndSets() async throws {
        let key = Ed25519KeyPair()
        let second = Ed25519KeyPair()
        var doc = try Self.credential(issuer: key.didKey)
        if case .object(var o) = doc {
            o["@context"] = .array((o["@context"]!.arrayValue!) + ["https://w3id.org/security/suites/ed25519-2020/v1"])
            doc = .object(o)
        }
        let proof = try Ed25519Signature2020.createProof(doc, options: [
            "type": "Ed25519Signature2020", "created": "2026-01-01T00:00:00Z",
            "verificationMethod": .string(key.didKey.verificationMethodID), "proofPurpose": "assertionMethod",
        ], signer: key)
        guard case .object(var legacy) = doc else { return }
        legacy["proof"] = .object(proof)
        #expect(await DataIntegrity.verifyProofs(of: .object(legacy)).map(\.outcome) == [.verified])
        // A proof set: two independent proofs; both verify; removing the first leaves the second valid.
        let one = try Self.sign(try Self.credential(issuer: key.didKey), key, suite: .eddsaJcs2022)
        #expect(one["proof"]?["@context"] != nil)
        let two = try Self.sign(one, second)
        #expect(DataIntegrity.proofs(of: two).count == 2)
        #expect(await DataIntegrity.verifyProofs(of: two).map(\.outcome) == [.verified, .verified])
        let report = await Self.verifier.verify(two)
        #expect(report.checks(named: "proof").map(\.outcome) == [.pass, .pass])
        #expect(report.passed("issuer"))
    }

    @Test("errors and key descriptions never contain private key material")
    func noSecretsInDescriptions() throws {
        let key = Ed25519KeyPair()
        let secret = key.secretKeyMultibase
        #expect(!String(describing: key).contains(secret))
        #expect(!String(reflecting: key.description).contains(Fixtures.hexString(key.seed)))
        do {
            _ = try Ed25519KeyPair(secretKeyMultibase: "z" + String(secret.dropFirst().dropLast(3)))
            Issue.record("a truncated secret key was accepted")
        } catch {
            #expect(!error.description.contains(String(secret.dropFirst().prefix(10))))
        }
    }

    @Test("verification never throws or crashes on junk input")
    func junk() async {
        for junk: JSONValue in [nil, 1, "text", [], ["proof": 1], ["proof": ["type": "DataIntegrityProof"]],
                                ["@context": 5, "proof": ["type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "verificationMethod": "did:key:zzz", "proofPurpose": "assertionMethod", "proofValue": "z1"]]] {
            let report = await Self.verifier.verify(junk)
            #expect(report.verdict == .invalid)
        }
    }
}
