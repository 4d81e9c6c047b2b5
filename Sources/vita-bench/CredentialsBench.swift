import Crypto
import Foundation
import VitaCredentials
import VitaJSON

// vita-bench credentials [--resources DIR] [--out DIR] [--seconds S]
//
// Medians (ms) in one run, on the 1EdTech OB 3.0 test-vector credential and key
// (Tests/VitaCredentialsTests/Resources/ob-v3p0/test-vectors/eddsa-rdfc-2022): sign, verify the proof
// only, and the full CredentialVerifier report (context, type, JSON Schema, proof, issuer, validity) for
// eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019 (P-256, P-384), ecdsa-jcs-2019 (P-256) and VC-JWT
// (EdDSA, ES256, RS256); verifying the W3C ecdsa-sd-2023 derived credential; a ClrCredential with 100 nested
// signed AchievementCredentials (built with ClrIssuance; sign the CLR, verify 101 proofs, full report
// with nested reports); raw swift-crypto Ed25519 sign/verify of the 64-byte hash data as the floor.
// Inputs, outputs and keys (throwaway, except the public test-vector key) are written to --out so
// scripts/bench-credentials-peers can run the same operations with PyLD + cryptography.

enum CredentialsBench {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func measure(seconds: Double, _ body: () async throws -> Void) async rethrows -> Stats {
        try await body()  // warm-up (context and schema caches, jwt-kit)
        var samples: [Double] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        while samples.count < 5 || (clock.now < deadline && samples.count < 5000) {
            let start = clock.now
            try await body()
            let d = clock.now - start
            samples.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
        }
        return Stats(samples: samples)
    }

    static func check(_ condition: Bool, _ what: String) throws {
        if !condition { throw Failure(description: what) }
    }

    static func run(arguments: [String]) async -> Int32 {
        var resources = "Tests/VitaCredentialsTests/Resources"
        var outDir = ".build-bench/credentials-inputs"
        var seconds = 1.0
        var rest = arguments
        while let a = rest.first {
            rest.removeFirst()
            guard let v = rest.first else { return usage() }
            rest.removeFirst()
            switch a {
            case "--resources": resources = v
            case "--out": outDir = v
            case "--seconds": seconds = Double(v) ?? 1.0
            default: return usage()
            }
        }
        do {
            try await bench(resources: resources, outDir: outDir, seconds: seconds)
            return 0
        } catch {
            FileHandle.standardError.write(Data("vita-bench credentials: \(error)\n".utf8))
            return 1
        }
    }

    static func usage() -> Int32 {
        FileHandle.standardError.write(Data("usage: vita-bench credentials [--resources DIR] [--out DIR] [--seconds S]\n".utf8))
        return 64
    }

    static func bench(resources: String, outDir: String, seconds: Double) async throws {
        let vectorDir = resources + "/ob-v3p0/test-vectors/eddsa-rdfc-2022/"
        func json(_ path: String) throws -> JSONValue {
            guard let d = FileManager.default.contents(atPath: path) else { throw Failure(description: "cannot read \(path)") }
            return try JSONValue(parsing: Array(d))
        }
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        func write(_ name: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: outDir + "/" + name))
        }

        let keyFile = try json(vectorDir + "key.json")
        let unsigned = try json(vectorDir + "unsigned.json")
        let vectorSigned = try json(vectorDir + "signed.json")
        guard let secret = keyFile["secretKeyMultibase"]?.stringValue, let vm = keyFile["verificationMethod"]?.stringValue,
              let controller = keyFile["controller"]?.stringValue,
              let created = vectorSigned["proof"]?["created"]?.stringValue.flatMap(XSDDateTime.parse) else {
            throw Failure(description: "unexpected key.json / signed.json shape")
        }
        let key = try Ed25519KeyPair(secretKeyMultibase: secret)
        let resolver = StaticVerificationMethodResolver([
            VerificationMethod(id: vm, controller: controller, publicKey: key.multikey, relationships: ["assertionMethod"]),
        ])
        let now = XSDDateTime.parse("2026-01-01T00:00:00Z")!
        let verifier = CredentialVerifier(resolver: resolver, clock: { now })
        let expectations = ProofExpectations(now: now)

        print("vita-bench credentials: ms median [p10–p90]; OB 3.0 test-vector credential and key; inputs written to \(outDir)")
        var results: [(String, String, Stats)] = []
        func report(_ name: String, _ op: String, _ stats: Stats) {
            results.append((name, op, stats))
            print(String(format: "%-22@ %-7@ ", name as NSString, op as NSString) + stats.text)
        }

        // Floor: raw Ed25519 over 64 bytes (the size of eddsa hash data).
        let message = Array(repeating: UInt8(0x5a), count: 64)
        let raw = try Curve25519.Signing.PrivateKey(rawRepresentation: Array(key.privateKey.rawRepresentation))
        let rawSignature = try raw.signature(for: message)
        report("ed25519-raw", "sign", try await measure(seconds: seconds) { _ = try raw.signature(for: message) })
        report("ed25519-raw", "verify", await measure(seconds: seconds) { _ = raw.publicKey.isValidSignature(rawSignature, for: message) })

        // Data Integrity: eddsa-rdfc-2022 and eddsa-jcs-2022.
        try write("ob3-unsigned.json", unsigned.serialized())
        for suite in [Cryptosuite.eddsaRdfc2022, .eddsaJcs2022] {
            let options = ProofOptions(cryptosuite: suite, verificationMethod: vm, created: .at(created))
            let signed = try DataIntegrity.addProof(to: unsigned, options: options, signer: key)
            if suite == .eddsaRdfc2022 {
                try check(signed["proof"]?["proofValue"] == vectorSigned["proof"]?["proofValue"] || !signaturesAreDeterministic,
                          "eddsa-rdfc-2022 does not reproduce the test vector's proofValue")
            }
            let proofs = await DataIntegrity.verifyProofs(of: signed, resolver: resolver, expectations: expectations)
            try check(proofs.count == 1 && proofs.allSatisfy(\.isVerified), "\(suite.rawValue): the proof does not verify")
            let full = await verifier.verify(signed)
            try check(full.verdict == .valid, "\(suite.rawValue): the report is not valid:\n\(full)")
            try write("ob3-\(suite.rawValue).json", signed.serialized())
            report(suite.rawValue, "sign", try await measure(seconds: seconds) { _ = try DataIntegrity.addProof(to: unsigned, options: options, signer: key) })
            report(suite.rawValue, "verify", await measure(seconds: seconds) { _ = await DataIntegrity.verifyProofs(of: signed, resolver: resolver, expectations: expectations) })
            report(suite.rawValue, "report", await measure(seconds: seconds) { _ = await verifier.verify(signed) })
        }

        // Data Integrity with ECDSA (what other issuers sign with): ecdsa-rdfc-2019 on P-256 and P-384 and
        // ecdsa-jcs-2019 on P-256, throwaway keys named under the vector's controller.
        for (suite, curve) in [(ECDSACryptosuite.rdfc2019, ECDSACurve.p256), (ECDSACryptosuite.rdfc2019, .p384),
                               (ECDSACryptosuite.jcs2019, .p256)] {
            let name = "\(suite)-\(curve == .p256 ? "p256" : "p384")"
            let ecKey = ECDSAKeyPair(curve: curve)
            let ecVM = controller + "#key-" + name
            let ecResolver = StaticVerificationMethodResolver([
                VerificationMethod(id: ecVM, controller: controller, publicKey: ecKey.multikey, relationships: ["assertionMethod"]),
            ])
            let ecVerifier = CredentialVerifier(resolver: ecResolver, clock: { now })
            let options: JSONObject = [
                "type": "DataIntegrityProof", "cryptosuite": .string(suite), "created": .string(XSDDateTime.format(created)),
                "verificationMethod": .string(ecVM), "proofPurpose": "assertionMethod",
            ]
            func sign() throws -> JSONValue {
                guard case .object(var document) = unsigned else { throw Failure(description: "unexpected vector shape") }
                document["proof"] = .object(try ECDSACryptosuite.createProof(unsigned, options: options, signer: ecKey))
                return .object(document)
            }
            let signed = try sign()
            let proofs = await DataIntegrity.verifyProofs(of: signed, resolver: ecResolver, expectations: expectations)
            try check(proofs.count == 1 && proofs.allSatisfy(\.isVerified), "\(name): the proof does not verify")
            let full = await ecVerifier.verify(signed)
            try check(full.verdict == .valid, "\(name): the report is not valid:\n\(full)")
            try write("ob3-\(name).json", signed.serialized())
            try write("ob3-\(name).key.txt", Array(ecKey.publicKeyMultibase.utf8))
            report(name, "sign", try await measure(seconds: seconds) { _ = try sign() })
            report(name, "verify", await measure(seconds: seconds) { _ = await DataIntegrity.verifyProofs(of: signed, resolver: ecResolver, expectations: expectations) })
            report(name, "report", await measure(seconds: seconds) { _ = await ecVerifier.verify(signed) })
        }

        // ecdsa-sd-2023: the W3C derived credential (a permanent resident card disclosing the birth country: ten
        // statements, six of them signed one by one), its issuer a did:key.
        let derived = try json(resources + "/vc-di-ecdsa/TestVectors/ecdsa-sd-2023/prc/derivedRevealDocument.json")
        let sdProofs = await DataIntegrity.verifyProofs(of: derived, expectations: expectations)
        try check(sdProofs.count == 1 && sdProofs.allSatisfy(\.isVerified), "ecdsa-sd-2023: the derived proof does not verify")
        report("ecdsa-sd-2023", "verify", await measure(seconds: seconds) { _ = await DataIntegrity.verifyProofs(of: derived, expectations: expectations) })

        // VC-JWT: the same credential; kid resolved through known keys bound to the issuer.
        let jwtKeys: [(String, VCJWTSigningKey, String)] = [
            ("EdDSA", VCJWTSigningKey(ed25519: key), vm),
            ("ES256", try VCJWTSigningKey.generate(.p256), controller + "#key-p256"),
            ("RS256", try VCJWTSigningKey.generate(.rsa), controller + "#key-rsa"),
        ]
        for (alg, signingKey, kid) in jwtKeys {
            let known = [VCJWTKnownKey(kid: kid, controller: controller, key: signingKey.publicKey)]
            let jwt = try await VCJWT.sign(credential: unsigned, key: signingKey, kid: kid, issuedAt: nil)
            let parsed = try CompactJWS(parsing: jwt)
            let publicKey = signingKey.publicKey
            try check(await publicKey.verifiesSignature(of: parsed), "VC-JWT \(alg): the signature does not verify")
            let full = await verifier.verify(jwt: jwt, knownKeys: known)
            try check(full.verdict == .valid, "VC-JWT \(alg): the report is not valid:\n\(full)")
            try write("jwt-\(alg).txt", Array(jwt.utf8))
            try write("jwt-\(alg).jwk.json", signingKey.secretJWK.serialized())
            report("vc-jwt-\(alg)", "sign", try await measure(seconds: seconds) { _ = try await VCJWT.sign(credential: unsigned, key: signingKey, kid: kid, issuedAt: nil) })
            report("vc-jwt-\(alg)", "verify", try await measure(seconds: seconds) {
                let jws = try CompactJWS(parsing: jwt)
                _ = await publicKey.verifiesSignature(of: jws)
            })
            report("vc-jwt-\(alg)", "report", await measure(seconds: seconds) { _ = await verifier.verify(jwt: jwt, knownKeys: known) })
        }

        // CLR 2.0 with 100 nested signed AchievementCredentials.
        let n = 100
        var nested: [JSONValue] = []
        var achievementIDs: [String] = []
        let rdfc = ProofOptions(cryptosuite: .eddsaRdfc2022, verificationMethod: vm, created: .at(created))
        for i in 0..<n {
            guard case .object(var vc) = unsigned, case .object(var subject)? = vc["credentialSubject"],
                  case .object(var achievement)? = subject["achievement"] else { throw Failure(description: "unexpected vector shape") }
            let suffix = String(format: "%04d", i)
            vc["id"] = .string("urn:uuid:91537dba-56cb-11ec-bf63-0242ac13\(suffix)")
            vc["name"] = .string("Achievement Credential \(i)")
            achievement["id"] = .string("urn:uuid:a7467ef6-56cb-11ec-bf63-0242ac13\(suffix)")
            achievement["name"] = .string("Achievement \(i)")
            achievementIDs.append("urn:uuid:a7467ef6-56cb-11ec-bf63-0242ac13\(suffix)")
            subject["achievement"] = .object(achievement)
            vc["credentialSubject"] = .object(subject)
            nested.append(try DataIntegrity.addProof(to: .object(vc), options: rdfc, signer: key))
        }
        let associations = (1..<n).map { ClrIssuance.Association(.isPartOf, sourceId: achievementIDs[$0], targetId: achievementIDs[0]) }
        guard case .object(let issuer)? = unsigned["issuer"], let learner = unsigned["credentialSubject"]?["id"]?.stringValue else {
            throw Failure(description: "unexpected vector shape")
        }
        let clr = try ClrIssuance(id: "http://example.edu/credentials/clr-100", name: "Transcript of 100 achievements", issuer: issuer,
                                  learner: .id(learner), credentials: nested, associations: associations,
                                  validFrom: XSDDateTime.parse("2010-01-01T00:00:00Z")!).credential()
        let clrSigned = try DataIntegrity.addProof(to: clr, options: rdfc, signer: key)
        func clrProofs() async -> [ProofVerification] {
            var all = await DataIntegrity.verifyProofs(of: clrSigned, resolver: resolver, expectations: expectations)
            for vc in nested { all += await DataIntegrity.verifyProofs(of: vc, resolver: resolver, expectations: expectations) }
            return all
        }
        let clrResults = await clrProofs()
        try check(clrResults.count == n + 1 && clrResults.allSatisfy(\.isVerified), "CLR: not every proof verifies")
        let clrReport = await verifier.verify(clrSigned)
        try check(clrReport.verdict == .valid && clrReport.nested.count == n, "CLR: the report is not valid")
        try write("clr-100-unsigned.json", clr.serialized())
        try write("clr-100-signed.json", clrSigned.serialized())
        report("clr-100", "sign", try await measure(seconds: seconds) { _ = try DataIntegrity.addProof(to: clr, options: rdfc, signer: key) })
        report("clr-100", "verify", await measure(seconds: seconds) { _ = await clrProofs() })
        report("clr-100", "report", await measure(seconds: seconds) { _ = await verifier.verify(clrSigned) })

        // Machine-readable lines for scripts/bench-credentials-peers.
        for (name, op, stats) in results {
            print(String(format: "RESULT %@ %@ %.4f", name as NSString, op as NSString, stats.median))
        }
    }

    /// Ed25519 signatures from swift-crypto are deterministic with BoringSSL (Linux); CryptoKit randomizes.
    #if os(Linux)
    static let signaturesAreDeterministic = true
    #else
    static let signaturesAreDeterministic = false
    #endif
}
