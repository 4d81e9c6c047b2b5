import Foundation
import Testing
import VitaJSON
import VitaJSONLD
@testable import VitaCredentials

/// The W3C vc-di-ecdsa vectors (Resources/vc-di-ecdsa): every intermediate of ecdsa-rdfc-2019
/// and ecdsa-jcs-2019 on P-256 and P-384, and the derived proofs of ecdsa-sd-2023.
@Suite("Test vectors: W3C Data Integrity ECDSA (ecdsa-rdfc-2019, ecdsa-jcs-2019, ecdsa-sd-2023)")
struct ECDSATestVectorTests {
    static let w3c = "vc-di-ecdsa/TestVectors/"

    static func keyPair(_ curve: ECDSACurve) throws -> ECDSAKeyPair {
        let file = curve == .p256 ? "p256KeyPair.json" : "p384KeyPair.json"
        return try ECDSAKeyPair(secretKeyMultibase: try Fixtures.object(w3c + file)["secretKeyMultibase"]!.stringValue!)
    }

    /// One vector folder of ecdsa-rdfc-2019 or ecdsa-jcs-2019: `(folder, unsigned document, file suffix, curve)`.
    static let vectors: [(folder: String, unsigned: String, suffix: String, curve: ECDSACurve)] = [
        ("ecdsa-rdfc-2019-p256", "unsigned.json", "ECDSAP256", .p256),
        ("ecdsa-rdfc-2019-p256/employ", "employmentAuth.json", "ECDSAP256", .p256),
        ("ecdsa-rdfc-2019-p384", "unsigned.json", "ECDSAP384", .p384),
        ("ecdsa-rdfc-2019-p384/employ", "employmentAuth.json", "ECDSAP384", .p384),
        ("ecdsa-jcs-2019-p256", "unsigned.json", "JCSECDSAP256", .p256),
        ("ecdsa-jcs-2019-p384", "unsigned.json", "JCSECDSAP384", .p384),
    ]

    @Test("each vector's canonical document, canonical proof configuration, hashes and signature reproduce",
          arguments: 0..<6)
    func intermediates(_ index: Int) throws {
        let v = Self.vectors[index]
        let dir = Self.w3c + v.folder + "/"
        let key = try Self.keyPair(v.curve)
        let unsigned = try Fixtures.json(Self.w3c + v.unsigned)
        let config = try Fixtures.object(dir + "proofConfig\(v.suffix).json")
        let data = try ECDSACryptosuite.hashData(unsecuredDocument: unsigned, options: config, curve: v.curve)
        #expect(String(decoding: data.canonicalDocument, as: UTF8.self) == (try Fixtures.text(dir + "canonDoc\(v.suffix).txt")))
        #expect(String(decoding: data.canonicalProofConfig, as: UTF8.self) == (try Fixtures.text(dir + "proofCanon\(v.suffix).txt")))
        #expect(data.documentHash == (try Fixtures.hexFile(dir + "docHash\(v.suffix).txt")))
        #expect(data.proofConfigHash == (try Fixtures.hexFile(dir + "proofHash\(v.suffix).txt")))
        #expect(data.hashData == (try Fixtures.hexFile(dir + "combinedHash\(v.suffix).txt")))
        let signature = try Fixtures.hexFile(dir + "sigHex\(v.suffix).txt")
        #expect(signature.count == v.curve.signatureLength)
        let proofValue = try Fixtures.text(dir + "sigBTC58\(v.suffix).txt").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Multibase.encodeBase58btc(signature) == proofValue)
        let publicKey = try key.multikey.ecdsaPublicKey()
        #expect(publicKey.isValidSignature(signature, for: data.hashData))
        #expect(!publicKey.isValidSignature(signature, for: data.proofConfigHash + data.proofConfigHash))
        // Vita's own (randomized) signature of the same data verifies too.
        #expect(publicKey.isValidSignature(try key.signature(for: data.hashData), for: data.hashData))
    }

    @Test("each vector's signed credential verifies through Data Integrity with its did:key; altered, it does not",
          arguments: 0..<6)
    func signedCredential(_ index: Int) async throws {
        let v = Self.vectors[index]
        let signed = try Fixtures.json(Self.w3c + v.folder + "/signed\(v.suffix).json")
        let results = await DataIntegrity.verifyProofs(of: signed)
        #expect(results.map(\.outcome) == [.verified], "\(results.map(\.reason))")
        #expect(results.first?.cryptosuite == (v.folder.contains("jcs") ? "ecdsa-jcs-2019" : "ecdsa-rdfc-2019"))
        guard case .object(var altered) = signed else { Issue.record("not an object"); return }
        altered["validFrom"] = "2001-01-01T00:00:00Z"
        let tampered = await DataIntegrity.verifyProofs(of: .object(altered))
        #expect(tampered.map(\.outcome) == [.signatureMismatch])
    }

    @Test("the public key multibases of the vectors' key pairs are the keys derived from their secret keys")
    func keyPairs() throws {
        for (curve, file) in [(ECDSACurve.p256, "p256KeyPair.json"), (.p384, "p384KeyPair.json")] {
            let expected = try Fixtures.object(Self.w3c + file)["publicKeyMultibase"]!.stringValue!
            let key = try Self.keyPair(curve)
            #expect(key.publicKeyMultibase == expected)
            #expect(key.curve == curve)
            #expect(key.didKey.did == "did:key:" + expected)
            #expect(!key.description.contains(try Fixtures.object(Self.w3c + file)["secretKeyMultibase"]!.stringValue!))
        }
        #expect(throws: CredentialError.self) { try ECDSAKeyPair(secretKeyMultibase: "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK") }
    }

    /// The W3C P-384 vector key as a JWK (x and y of the point its `publicKeyMultibase` compresses).
    static let p384JWK: JSONValue = [
        "kty": "EC", "crv": "P-384",
        "x": "7DpOQVtOGaRWhhgCn0J_pdqai8SukuAuBqrlKGswDGTe-PDqkFWGYGSiVFFUgLwT",
        "y": "gBXZty19VyROqO-awMYhiWcIpZNn-d-59UyoSz8cnbEoiyMcOuDU_nNE_SUzJkcg",
    ]

    @Test("a P-384 JWK is the Multikey of the same point; a private, malformed or off-curve one is refused")
    func p384JWK() throws {
        let expected = try Fixtures.object(Self.w3c + "p384KeyPair.json")["publicKeyMultibase"]!.stringValue!
        #expect(try Multikey(p384JWK: Self.p384JWK).multibase == expected)
        var withPrivate = Self.p384JWK.objectValue!
        withPrivate["d"] = "AAAA"
        var offCurve = Self.p384JWK.objectValue!
        offCurve["y"] = offCurve["x"]
        var p256 = Self.p384JWK.objectValue!
        p256["crv"] = "P-256"
        for bad in [JSONValue.object(withPrivate), .object(offCurve), .object(p256), ["kty": "EC", "crv": "P-384", "x": "AA"]] {
            #expect(throws: CredentialError.self, "\(bad)") { try Multikey(p384JWK: bad) }
        }
    }

    @Test("a private JWK opens as the ECDSA key pair of the same key; one whose x and y are another point is refused")
    func secretJWK() throws {
        let jwtKey = try VCJWTSigningKey.generate(.p256)
        let pair = try ECDSAKeyPair(secretJWK: jwtKey.secretJWK)
        #expect(pair.curve == .p256)
        #expect(pair.multikey == jwtKey.publicKey.multikey)
        var mismatched = jwtKey.secretJWK.objectValue!
        mismatched["x"] = try VCJWTSigningKey.generate(.p256).secretJWK["x"]!
        #expect(throws: CredentialError.self) { try ECDSAKeyPair(secretJWK: .object(mismatched)) }
        #expect(throws: CredentialError.self) { try ECDSAKeyPair(secretJWK: jwtKey.publicKey.jwk) }
        #expect(throws: CredentialError.self) { try ECDSAKeyPair(secretJWK: try VCJWTSigningKey.generate(.ed25519).secretJWK) }
    }

    @Test("Add Proof signs with the ECDSA suites given an ECDSA key pair on either curve; a signer of the other kind is refused",
          arguments: [Cryptosuite.ecdsaRdfc2019, .ecdsaJcs2019])
    func addProof(_ suite: Cryptosuite) async throws {
        let unsigned = try Fixtures.json(Self.w3c + "unsigned.json")
        for curve in ECDSACurve.allCases {
            let key = ECDSAKeyPair(curve: curve)
            let signed = try DataIntegrity.addProof(
                to: unsigned, options: ProofOptions(cryptosuite: suite, verificationMethod: key.didKey.verificationMethodID), signer: key)
            #expect(signed["proof"]?["cryptosuite"]?.stringValue == suite.rawValue)
            #expect(signed["proof"]?["proofValue"]?.stringValue.map { try? Multibase.decodeBase58btc($0) }??.count == curve.signatureLength)
            #expect(await DataIntegrity.verifyProofs(of: signed).map(\.outcome) == [.verified])
        }
        let ed25519 = Ed25519KeyPair()
        #expect(throws: CredentialError.self) {
            try DataIntegrity.addProof(to: unsigned, options: ProofOptions(cryptosuite: suite, verificationMethod: ed25519.didKey.verificationMethodID), signer: ed25519)
        }
        let p256 = ECDSAKeyPair(curve: .p256)
        #expect(throws: CredentialError.self) {
            try DataIntegrity.addProof(to: unsigned, options: ProofOptions(cryptosuite: .eddsaRdfc2022, verificationMethod: p256.didKey.verificationMethodID), signer: p256)
        }
    }

    // MARK: ecdsa-sd-2023

    /// The derived credential of a vc-di-ecdsa sd folder (`prc` or `employ`).
    static func derived(_ folder: String) throws -> JSONValue {
        try Fixtures.json(w3c + "ecdsa-sd-2023/\(folder)/derivedRevealDocument.json")
    }

    @Test("a derived proof value parses to the components the vector lists", arguments: ["prc", "employ"])
    func parseDerivedProofValue(_ folder: String) throws {
        let expected = try Fixtures.json(Self.w3c + "ecdsa-sd-2023/\(folder)/verifyDerivedProofValue.json")
        let proofValue = try Self.derived(folder)["proof"]!["proofValue"]!.stringValue!
        let parsed = try ECDSASDCryptosuite.parseDerivedProofValue(proofValue)
        #expect(Fixtures.hexString(parsed.baseSignature) == expected["baseSignature"]?.stringValue)
        #expect(Multibase.encodeBase58btc(parsed.publicKey) == expected["publicKey"]?.stringValue)
        #expect(parsed.signatures.map(Fixtures.hexString) == expected["signatures"]?.arrayValue?.compactMap(\.stringValue))
        let labels = (expected["labelMap"]?.arrayValue ?? []).compactMap { pair -> (String, String)? in
            guard let p = pair.arrayValue, p.count == 2, let k = p[0].stringValue, let v = p[1].stringValue else { return nil }
            return (k, v)
        }
        #expect(parsed.labelMap == Dictionary(uniqueKeysWithValues: labels))
        #expect(parsed.mandatoryIndexes == expected["mandatoryIndexes"]?.arrayValue?.compactMap { $0.numberValue?.intValue })
    }

    @Test("createVerifyData reproduces the vector's N-Quads, proof hash, non-mandatory statements and mandatory hash",
          arguments: ["prc", "employ"])
    func createVerifyData(_ folder: String) throws {
        let dir = Self.w3c + "ecdsa-sd-2023/\(folder)/"
        let document = try Self.derived(folder)
        guard case .object(let proof)? = document["proof"] else { Issue.record("no proof"); return }
        let data = try ECDSASDCryptosuite.createVerifyData(document, proof: proof)
        #expect(data.nquads == (try Fixtures.json(dir + "verifyNQuads.json")).arrayValue?.compactMap(\.stringValue))
        let expected = try Fixtures.json(dir + "verifyCreateVerifyData.json")
        #expect(Fixtures.hexString(data.proofHash) == expected["proofHash"]?.stringValue)
        #expect(data.nonMandatory == expected["nonMandatory"]?.arrayValue?.compactMap(\.stringValue))
        #expect(Fixtures.hexString(data.mandatoryHash) == expected["mandatoryHash"]?.stringValue)
    }

    @Test("a derived credential verifies with the issuer's did:key; a changed disclosed value, a dropped statement or another key do not",
          arguments: ["prc", "employ"])
    func verifyDerivedProof(_ folder: String) async throws {
        let document = try Self.derived(folder)
        let results = await DataIntegrity.verifyProofs(of: document)
        #expect(results.map(\.outcome) == [.verified], "\(results.map(\.reason))")
        #expect(results.first?.reason.contains("ecdsa-sd-2023") == true)

        // A disclosed value changed: its statement's signature no longer matches.
        guard case .object(var altered) = document, case .object(var subject)? = altered["credentialSubject"] else {
            Issue.record("no credentialSubject"); return
        }
        let disclosed = subject.keys.sorted().first { $0 != "type" && $0 != "id" && subject[$0]?.stringValue != nil }!
        subject[disclosed] = "Changed"
        altered["credentialSubject"] = .object(subject)
        #expect(await DataIntegrity.verifyProofs(of: .object(altered)).map(\.outcome) == [.signatureMismatch])

        // A disclosed statement dropped: one signature too many.
        subject = document["credentialSubject"]!.objectValue!
        subject.removeValue(forKey: disclosed)
        altered["credentialSubject"] = .object(subject)
        let dropped = await DataIntegrity.verifyProofs(of: .object(altered))
        #expect(dropped.map(\.outcome) == [.invalid])
        #expect(dropped.first?.reason.contains("statement signature(s)") == true)

        // Another issuer's key: the base signature does not match.
        guard case .object(var proof)? = document["proof"] else { return }
        let other = ECDSAKeyPair(curve: .p256)
        proof["verificationMethod"] = .string(other.didKey.verificationMethodID)
        altered = document.objectValue!
        altered["proof"] = .object(proof)
        #expect(await DataIntegrity.verifyProofs(of: .object(altered)).map(\.outcome) == [.signatureMismatch])
    }

    @Test("an ecdsa-sd-2023 base proof is refused with a reason: the holder derives a proof to disclose")
    func baseProofIsNotVerified() async throws {
        let base = try Fixtures.json(Self.w3c + "ecdsa-sd-2023/prc/addSignedSDBase.json")
        let results = await DataIntegrity.verifyProofs(of: base)
        #expect(results.map(\.outcome) == [.invalid])
        #expect(results.first?.reason.contains("base proof") == true)
    }

    @Test("malformed derived proof values are invalid with a reason, never a crash",
          arguments: [
            "z2V0BhVhA",  // not base64url multibase
            "u!!!",  // not base64url
            "u2V0C",  // another header
            "u2V0B",  // header only
            "u2V0BhQ",  // array of five, nothing in it
            "u2V0BhUA",  // first component an empty byte string
            "u2V0Bn_8",  // indefinite-length array
            "u2V0B2QEAAA",  // tagged item
            "u2V0BmxAAAAAAAAAA",  // array claiming 2^60 items
            "u2V0BgYGBgYGBgYGBgYGBgYGBgYGBgYGBgA",  // nested twenty levels
          ])
    func malformedProofValues(_ proofValue: String) async throws {
        guard case .object(var document) = try Self.derived("prc"), case .object(var proof)? = document["proof"] else { return }
        proof["proofValue"] = .string(proofValue)
        document["proof"] = .object(proof)
        let results = await DataIntegrity.verifyProofs(of: .object(document))
        #expect(results.map(\.outcome) == [.invalid])
        #expect(results.first?.reason.contains("PROOF_VERIFICATION_ERROR") == true, "\(results.map(\.reason))")
    }

    @Test("a derived proof value with a byte after the CBOR array is malformed")
    func trailingBytes() throws {
        let proofValue = try Self.derived("prc")["proof"]!["proofValue"]!.stringValue!
        let bytes = try Base64URL.decode(proofValue.dropFirst()) + [0x00]
        #expect(throws: CredentialError.self) { try ECDSASDCryptosuite.parseDerivedProofValue("u" + Base64URL.encode(bytes)) }
    }
}
