import Foundation
import Testing
import VitaCredentials
import VitaJSON
import VitaTestSupport

/// Credentials signed with the ECDSA cryptosuites: issued with an organization's P-256 key, and signed by other
/// issuers, through the issue and verify endpoints.
struct ECDSACredentialAPITests {
    /// An Open Badge signed by a did:key issuer with `suite` on `curve`.
    static func signed(_ suite: String, _ curve: ECDSACurve) throws -> [String: Any] {
        let key = ECDSAKeyPair(curve: curve)
        var credential = CredentialAPITests.credential()
        credential["issuer"] = ["id": key.didKey.did, "type": ["Profile"], "name": "Lakeside Training"]
        let document = try JSONValue(parsing: try JSONSerialization.data(withJSONObject: credential))
        let proof = try ECDSACryptosuite.createProof(document, options: [
            "type": "DataIntegrityProof", "cryptosuite": .string(suite), "created": "2026-02-01T00:00:00Z",
            "verificationMethod": .string(key.didKey.verificationMethodID), "proofPurpose": "assertionMethod",
        ], signer: key)
        credential["proof"] = try JSONSerialization.jsonObject(with: Data(JSONValue.object(proof).serialized()))
        return credential
    }

    @Test("POST /credentials/verify accepts ecdsa-rdfc-2019 on P-256 and P-384 and ecdsa-jcs-2019, and rejects them altered",
          arguments: TestEngine.available)
    func ecdsaSignedBadges(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            for (suite, curve) in [("ecdsa-rdfc-2019", ECDSACurve.p256), ("ecdsa-rdfc-2019", .p384), ("ecdsa-jcs-2019", .p256)] {
                let signed = try Self.signed(suite, curve)
                let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": signed])
                #expect(verified.status == 200)
                #expect(verified["verified"] as? Bool == true, "\(suite) \(curve): \(verified.string)")

                var tampered = signed
                tampered["name"] = "Advanced Algorithms"
                let rejected = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": tampered])
                #expect(rejected["verified"] as? Bool == false)
                let checks = (rejected["report"] as? [String: Any])?["checks"] as? [[String: String]] ?? []
                #expect(checks.contains { $0["name"] == "proof" && $0["outcome"] == "fail" }, "\(suite) \(curve)")
            }
        }
    }

    static func checks(_ reply: Reply) -> [[String: String]] {
        (reply["report"] as? [String: Any])?["checks"] as? [[String: String]] ?? []
    }

    @Test("an organization's P-256 key issues ecdsa-rdfc-2019 and ecdsa-jcs-2019 credentials, with a status entry as its did:web",
          arguments: TestEngine.available)
    func issueWithTheOrganizationsP256Key(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let path = "/api/v1/organizations/\(world.organizationId)/keys"
            func issue(_ options: [String: Any]) async throws -> Reply {
                try await api.send(.post, "/credentials/issue", key: world.systemKey,
                                   json: ["credential": CredentialAPITests.credential(), "options": options])
            }
            #expect(try await api.admin(.post, path).status == 201)  // Ed25519: the status lists' key
            let noP256 = try await issue(["cryptosuite": "ecdsa-rdfc-2019", "credentialStatus": false])
            #expect(noP256.status == 422, "\(noP256.string)")
            #expect(noP256.string.contains("P-256"))
            let p256 = try await api.admin(.post, path, json: ["type": "p256"])
            let did = "did:web:127.0.0.1%3A8080:organizations:\(world.organizationId)"

            for suite in ["ecdsa-rdfc-2019", "ecdsa-jcs-2019"] {
                // Without status, as the key's did:key (zDn…): verifiable offline anywhere.
                let plain = try await issue(["cryptosuite": suite, "credentialStatus": false])
                #expect(plain.status == 201, "\(plain.string)")
                let signed = plain["verifiableCredential"] as! [String: Any]
                let proof = signed["proof"] as! [String: Any]
                #expect(proof["cryptosuite"] as? String == suite)
                #expect(proof["verificationMethod"] as? String == p256["verificationMethod"] as? String)
                #expect((signed["issuer"] as? [String: Any])?["id"] as? String == p256["did"] as? String)
                let offline = try JSONValue(parsing: try JSONSerialization.data(withJSONObject: signed))
                #expect(await DataIntegrity.verifyProofs(of: offline).map(\.outcome) == [.verified])
                let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": signed])
                #expect(verified["verified"] as? Bool == true, "\(verified.string)")

                // With status: as the organization's did:web, the P-256 key named in its document; revocable.
                let listed = try await issue(["cryptosuite": suite])
                #expect(listed.status == 201, "\(listed.string)")
                let credential = listed["verifiableCredential"] as! [String: Any]
                #expect((credential["proof"] as? [String: Any])?["verificationMethod"] as? String == "\(did)#\(p256["id"] as! String)")
                #expect((credential["issuer"] as? [String: Any])?["id"] as? String == did)
                let good = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
                #expect(good["verified"] as? Bool == true, "\(good.string)")
                #expect(Self.checks(good).contains { $0["name"] == "status" && $0["outcome"] == "pass" })
                let revoked = try await api.send(.post, "/credentials/status", key: world.systemKey,
                                                 json: ["credentialId": credential["id"]!, "action": "revoke"])
                #expect(revoked.status == 200, "\(revoked.string)")
                let bad = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
                #expect(bad["verified"] as? Bool == false)
                #expect(Self.checks(bad).contains { $0["name"] == "status" && $0["outcome"] == "fail" })
            }

            let asDIDKey = try await issue(["cryptosuite": "ecdsa-rdfc-2019", "issuerIdentifier": "did:key"])
            #expect(asDIDKey.status == 400)
            #expect(asDIDKey.string.contains("options.issuerIdentifier"))
            let unknown = try await issue(["cryptosuite": "ecdsa-sd-2023"])
            #expect(unknown.status == 400)
            #expect(unknown.string.contains("ecdsa-jcs-2019"))
        }
    }

    /// The derived credential of the W3C vc-di-ecdsa ecdsa-sd-2023 vectors
    /// (`TestVectors/ecdsa-sd-2023/prc/derivedRevealDocument.json` at 00781de5, minified): a permanent
    /// resident card disclosing only the birth country, valid until 2025-12-16.
    static let derivedPermanentResidentCard = #"""
    {"@context":["https://www.w3.org/ns/credentials/v2","https://w3id.org/citizenship/v4rc1"],"type":["VerifiableCredential","PermanentResidentCardCredential"],"issuer":{"id":"did:key:zDnaeTHxNEBZoKaEo6PdA83fq98ebiFvo3X273Ydu4YmV96rg","image":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVQIW2P4z/DiPwAG0ALnwgz64QAAAABJRU5ErkJggg=="},"validFrom":"2024-12-16T00:00:00Z","validUntil":"2025-12-16T23:59:59Z","credentialSubject":{"type":["PermanentResident","Person"],"birthCountry":"Arcadia"},"proof":{"type":"DataIntegrityProof","cryptosuite":"ecdsa-sd-2023","created":"2023-08-15T23:36:38Z","verificationMethod":"did:key:zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP#zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP","proofPurpose":"assertionMethod","proofValue":"u2V0BhVhAHADSALdqTIftV6rg8JpqBetOJUiYhCp1jTsAaVF-qJd_mhGLTcwXvsM-n570G4Pc3glX3AhkP1RsjKI2DRsfL1gjgCQCKnLOGbY_FuM-ASpSkkOxsIR2E8n7Ml2q1UQ6tEwzi5OGWED9kexIs1JJZfehRT6f-gZwVOym99YzioRSXrMoi7DK96llHwL-4U1tM-4WeaqIKDSMzFdOGU1_V_yovjVMGzD3WEA1aOFAKvZyyxpMNg7XAwyosadE7tPEVyd06W0j46iQ2xSN6NvQZZQkSig_RiR6VA540UeJ4ODGTulrblOGNwe8WEDdyEMKG_jNu7boweLctDTcDbWasMVQG9fazuniwCNOI5ntlXZdYu9Mq_D-gRfuMvJLj4xk0ZVd3UNiJp2UkwNeWEDVTQBWsnmhfFkb2FgAFPicjNq-IMgNhPfBN8Sjb5eFDdCAP9bx1wgUoLWNzp1Q8wGSyYDVvEUd6pplafkOtdi4WECmeKxixUFtDpO529Pvqa3UweGnnmcHuj2DH_wRn2g3wYSnZSNAy4piAE9FnJBQZ7nMA_Q7PGd6Ai7qsdfXJDwFWEBjcwxCAQrKwyOR1y1PdVsIWI4cKJq5PiosLZpdhabT0G_es5k59hTvtLMZGWa65vUA7kQmeuRJkPMLRObJKUO0ogBYINy79kKRYKPmAHoHNXEECliRVtrBI0BehX7mdFRKDCh4AVggVkUuBrlOaELGVQWJD4M_qW5bcKEHWGNbOrPA_qAOKKyEAAQFBw"}}
    """#

    @Test("POST /credentials/verify checks an ecdsa-sd-2023 derived credential's proof, and reports its own expiry apart",
          arguments: TestEngine.available)
    func selectivelyDisclosedCredential(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let credential = try JSONSerialization.jsonObject(with: Data(Self.derivedPermanentResidentCard.utf8))
            let reply = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
            #expect(reply.status == 200)
            let checks = (reply["report"] as? [String: Any])?["checks"] as? [[String: String]] ?? []
            let proof = checks.first { $0["name"] == "proof" }
            #expect(proof?["outcome"] == "pass", "\(reply.string)")
            #expect(proof?["message"]?.contains("ecdsa-sd-2023") == true)
            #expect(reply["verified"] as? Bool == false)  // expired in 2025: the validity check fails, not the proof
        }
    }
}
