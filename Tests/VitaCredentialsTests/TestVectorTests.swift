import Foundation
import Testing
import VitaJSON
import VitaJSONLD
@testable import VitaCredentials

/// Byte-for-byte reproduction of the W3C vc-di-eddsa and 1EdTech OB 3.0 / CLR 2.0 vectors.
@Suite("Test vectors: W3C Data Integrity EdDSA, 1EdTech OB 3.0 and CLR 2.0")
struct TestVectorTests {
    static let w3c = "vc-di-eddsa/TestVectors/"

    /// Checks every intermediate a vc-di-eddsa vector folder provides.
    func checkW3CVector(
        folder: String, suffix: String, unsigned: JSONValue, config: JSONObject, key: Ed25519KeyPair,
        hashData: (JSONValue, JSONObject) throws -> ProofHashData
    ) throws {
        let dir = Self.w3c + folder + "/"
        let data = try hashData(unsigned, config)
        #expect(String(decoding: data.canonicalDocument, as: UTF8.self) == (try Fixtures.text(dir + "canonDoc\(suffix).txt")))
        #expect(String(decoding: data.canonicalProofConfig, as: UTF8.self) == (try Fixtures.text(dir + "proofCanon\(suffix).txt")))
        #expect(data.documentHash == (try Fixtures.hexFile(dir + "docHash\(suffix).txt")))
        #expect(data.proofConfigHash == (try Fixtures.hexFile(dir + "proofHash\(suffix).txt")))
        #expect(data.hashData == (try Fixtures.hexFile(dir + "combinedHash\(suffix).txt")))
        let expectedSignature = try Fixtures.hexFile(dir + "sigHex\(suffix).txt")
        let expectedProofValue = try Fixtures.text(dir + "sigBTC58\(suffix).txt").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Multibase.encodeBase58btc(expectedSignature) == expectedProofValue)
        #expect(key.publicKey.isValidSignature(expectedSignature, for: data.hashData))
        if signaturesAreDeterministic {
            #expect(try key.signature(for: data.hashData) == expectedSignature)
        }
    }

    @Test("eddsa-rdfc-2022 vector: canonical document, proof config, hashes, signature and signed credential")
    func rdfcVector() async throws {
        let key = try Ed25519KeyPair(secretKeyMultibase: try Fixtures.object(Self.w3c + "keyPair.json")["privateKeyMultibase"]!.stringValue!)
        let unsigned = try Fixtures.json(Self.w3c + "unsigned.json")
        let config = try Fixtures.object(Self.w3c + "eddsa-rdfc-2022/proofConfigDataInt.json")
        try checkW3CVector(folder: "eddsa-rdfc-2022", suffix: "DataInt", unsigned: unsigned, config: config, key: key) {
            try EdDSACryptosuite.hashData(unsecuredDocument: $0, options: $1)
        }
        let signed = try Fixtures.json(Self.w3c + "eddsa-rdfc-2022/signedDataInt.json")
        if signaturesAreDeterministic {
            var options = config
            options.removeValue(forKey: "@context")
            let produced = try DataIntegrity.addProof(to: unsigned, options: ProofOptions(proof: options), signer: key)
            #expect(produced == signed)
            let proof = try EdDSACryptosuite.createProof(unsigned, options: options, signer: key)
            #expect(JSONValue.object(proof) == signed["proof"])
        }
        let results = await DataIntegrity.verifyProofs(of: signed)
        #expect(results.map(\.outcome) == [.verified])
    }

    @Test("eddsa-rdfc-2022 employment-authorization vector (citizenship v4rc1 context) reproduces")
    func rdfcEmployVector() async throws {
        let key = try Ed25519KeyPair(secretKeyMultibase: try Fixtures.object(Self.w3c + "keyPair.json")["privateKeyMultibase"]!.stringValue!)
        let unsigned = try Fixtures.json(Self.w3c + "employmentAuth.json")
        let config = try Fixtures.object(Self.w3c + "eddsa-rdfc-2022/employ/proofConfigDataInt.json")
        try checkW3CVector(folder: "eddsa-rdfc-2022/employ", suffix: "DataInt", unsigned: unsigned, config: config, key: key) {
            try EdDSACryptosuite.hashData(unsecuredDocument: $0, options: $1)
        }
        let signed = try Fixtures.json(Self.w3c + "eddsa-rdfc-2022/employ/signedDataInt.json")
        #expect(await DataIntegrity.verifyProofs(of: signed).map(\.outcome) == [.verified])
    }

    @Test("eddsa-jcs-2022 vector: JCS document, proof config with @context, hashes, signature and signed credential")
    func jcsVector() async throws {
        let key = try Ed25519KeyPair(secretKeyMultibase: try Fixtures.object(Self.w3c + "keyPair.json")["privateKeyMultibase"]!.stringValue!)
        let unsigned = try Fixtures.json(Self.w3c + "unsigned.json")
        let config = try Fixtures.object(Self.w3c + "eddsa-jcs-2022/proofConfigJCS.json")
        try checkW3CVector(folder: "eddsa-jcs-2022", suffix: "JCS", unsigned: unsigned, config: config, key: key) {
            try EdDSACryptosuite.hashData(unsecuredDocument: $0, options: $1)
        }
        let signed = try Fixtures.json(Self.w3c + "eddsa-jcs-2022/signedJCS.json")
        if signaturesAreDeterministic {
            var options = config
            options.removeValue(forKey: "@context")
            let produced = try DataIntegrity.addProof(to: unsigned, options: ProofOptions(proof: options), signer: key)
            #expect(produced == signed)
        }
        #expect(await DataIntegrity.verifyProofs(of: signed).map(\.outcome) == [.verified])
    }

    @Test("Ed25519Signature2020 vector: canonical forms, hashes and signature reproduce; the signed credential verifies")
    func ed25519Signature2020Vector() async throws {
        let key = try Ed25519KeyPair(secretKeyMultibase: try Fixtures.object(Self.w3c + "keyPair.json")["privateKeyMultibase"]!.stringValue!)
        let signed = try Fixtures.json(Self.w3c + "Ed25519Signature2020/signedEdSig.json")
        guard case .object(var unsigned) = signed else { Issue.record("not an object"); return }
        unsigned.removeValue(forKey: "proof")
        var config = try Fixtures.object(Self.w3c + "Ed25519Signature2020/proofConfigEdSig.json")
        config.removeValue(forKey: "@context")
        try checkW3CVector(folder: "Ed25519Signature2020", suffix: "EdSig", unsigned: .object(unsigned), config: config, key: key) {
            try Ed25519Signature2020.hashData(unsecuredDocument: $0, options: $1)
        }
        if signaturesAreDeterministic {
            let proof = try Ed25519Signature2020.createProof(.object(unsigned), options: config, signer: key)
            #expect(JSONValue.object(proof) == signed["proof"])
        }
        #expect(await DataIntegrity.verifyProofs(of: signed).map(\.outcome) == [.verified])
    }

    @Test("proof sets and chains: each signed step reproduces and every proof verifies, previousProof included")
    func proofSetsAndChains() async throws {
        let dir = Self.w3c + "proof-set-chain/"
        let pairs = try Fixtures.object(dir + "multiKeyPairs.json")
        func key(_ n: Int) throws -> Ed25519KeyPair {
            try Ed25519KeyPair(secretKeyMultibase: pairs["keyPair\(n)"]!["privateKeyMultibase"]!.stringValue!)
        }
        var document = try Fixtures.json(dir + "unsigned.json")
        let steps: [(config: String, key: Int, expected: String)] = [
            ("proofSetConfig1.json", 1, "signedProofSet1.json"),
            ("proofSetConfig2.json", 2, "signedProofSet2.json"),
            ("proofChainConfig1.json", 3, "signedProofChain1.json"),
            ("proofChainConfig2.json", 4, "signedProofChain2.json"),
        ]
        for step in steps {
            let expected = try Fixtures.json(dir + step.expected)
            let options = try ProofOptions(proof: try Fixtures.object(dir + step.config))
            let k = try key(step.key)
            #expect(k.didKey.verificationMethodID == options.verificationMethod)
            let produced = try DataIntegrity.addProof(to: document, options: options, signer: k)
            let results = await DataIntegrity.verifyProofs(of: produced)
            #expect(results.allSatisfy { $0.isVerified }, "\(step.expected): \(results.map(\.reason))")
            if signaturesAreDeterministic {
                #expect(produced == expected, "\(step.expected)")
            }
            let expectedResults = await DataIntegrity.verifyProofs(of: expected)
            #expect(expectedResults.count == DataIntegrity.proofs(of: expected).count)
            #expect(expectedResults.allSatisfy { $0.isVerified }, "\(step.expected): \(expectedResults.map(\.reason))")
            document = expected
        }
        // The chain's temporary documents are what the chained proofs sign over.
        let chain1 = try Fixtures.json(dir + "signedProofChain2.json")
        let temp1 = try Fixtures.json(dir + "proofChainTempDoc1.json")
        let temp2 = try Fixtures.json(dir + "proofChainTempDoc2.json")
        let all = DataIntegrity.proofs(of: chain1)
        #expect(try DataIntegrity.matchingProofs(["urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544", "urn:uuid:8cc9022b-6b14-4cf3-8571-74972c5feb54"], in: all) == DataIntegrity.proofs(of: temp1))
        #expect(try DataIntegrity.matchingProofs(["urn:uuid:d94f792a-c546-4d06-b38a-da070ab56c23"], in: all) == DataIntegrity.proofs(of: temp2))
        // Removing a proof another chains to breaks the chain.
        guard case .object(var broken) = chain1 else { return }
        broken["proof"] = .array(all.filter { $0["id"]?.stringValue != "urn:uuid:8cc9022b-6b14-4cf3-8571-74972c5feb54" })
        let brokenResults = await DataIntegrity.verifyProofs(of: .object(broken))
        #expect(brokenResults.map(\.outcome) == [.verified, .invalid, .verified])
    }

    /// The 1EdTech vectors share a layout.
    func checkOneEdTechVector(_ dir: String) async throws {
        let k = try Fixtures.object(dir + "key.json")
        let key = try Ed25519KeyPair(secretKeyMultibase: k["secretKeyMultibase"]!.stringValue!)
        let unsigned = try Fixtures.json(dir + "unsigned.json")
        let options = try Fixtures.object(dir + "proof-options.json")
        let expected = try Fixtures.object(dir + "expected.json")
        let data = try EdDSACryptosuite.hashData(unsecuredDocument: unsigned, options: options)
        #expect(data.canonicalDocument == (try Fixtures.bytes(dir + "document-canon.nq")))
        #expect(data.canonicalProofConfig == (try Fixtures.bytes(dir + "proof-canon.nq")))
        #expect(Fixtures.hexString(data.documentHash) == expected["documentHashHex"]!.stringValue!)
        #expect(Fixtures.hexString(data.proofConfigHash) == expected["proofHashHex"]!.stringValue!)
        #expect(Fixtures.hexString(data.hashData) == expected["dataToSignHex"]!.stringValue!)
        let signature = try Fixtures.hex(expected["signatureHex"]!.stringValue!)
        #expect(Multibase.encodeBase58btc(signature) == expected["proofValue"]!.stringValue!)
        #expect(key.publicKey.isValidSignature(signature, for: data.hashData))
        let signed = try Fixtures.json(dir + "signed.json")
        #expect(DataIntegrity.proofs(of: signed).first?["proofValue"]?.stringValue == expected["proofValue"]!.stringValue!)
        if signaturesAreDeterministic {
            #expect(Fixtures.hexString(try key.signature(for: data.hashData)) == expected["signatureHex"]!.stringValue!)
            let produced = try DataIntegrity.addProof(to: unsigned, options: ProofOptions(proof: options), signer: key)
            // The CLR vector writes the single proof as a one-element array.
            #expect(DataIntegrity.proofs(of: produced) == DataIntegrity.proofs(of: signed))
            var a = produced.objectValue!, b = signed.objectValue!
            a.removeValue(forKey: "proof"); b.removeValue(forKey: "proof")
            #expect(a == b)
        }
        let resolver = StaticVerificationMethodResolver([
            VerificationMethod(id: k["verificationMethod"]!.stringValue!, controller: k["controller"]!.stringValue!,
                               publicKey: key.multikey, relationships: ["assertionMethod"])
        ])
        #expect(await DataIntegrity.verifyProofs(of: signed, resolver: resolver).map(\.outcome) == [.verified])
        // With only did:key resolution the https verification method is unresolvable, not a crash.
        let offline = await DataIntegrity.verifyProofs(of: signed)
        #expect(offline.map(\.outcome) == [.unresolvable])
    }

    @Test("1EdTech OB 3.0 eddsa-rdfc-2022 vector reproduces byte-for-byte and verifies")
    func openBadgesVector() async throws {
        try await checkOneEdTechVector("ob-v3p0/test-vectors/eddsa-rdfc-2022/")
    }

    @Test("1EdTech CLR 2.0 eddsa-rdfc-2022 vector reproduces byte-for-byte and verifies")
    func clrVector() async throws {
        try await checkOneEdTechVector("clr-v2p0/test-vectors/eddsa-rdfc-2022/")
    }
}
