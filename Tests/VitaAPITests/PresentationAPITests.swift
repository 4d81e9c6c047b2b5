import Foundation
import Testing
import VitaAPI
import VitaCredentials
import VitaJSON
import VitaTestSupport

struct PresentationAPITests {
    /// A presentation of `credential` signed by a fresh holder key for `challenge` and `domain`.
    static func presentation(_ credential: [String: Any], challenge: String, domain: String) throws -> [String: Any] {
        let holder = Ed25519KeyPair()
        var vp = JSONObject()
        vp["@context"] = ["https://www.w3.org/ns/credentials/v2"]
        vp["type"] = ["VerifiablePresentation"]
        vp["holder"] = .string(holder.didKey.did)
        vp["verifiableCredential"] = [try JSONValue(parsing: Array(JSONSerialization.data(withJSONObject: credential)))]
        let signed = try DataIntegrity.addProof(
            to: .object(vp),
            options: ProofOptions(verificationMethod: holder.didKey.verificationMethodID, proofPurpose: "authentication",
                                  challenge: challenge, domain: domain),
            signer: holder)
        return try JSONSerialization.jsonObject(with: Data(signed.serialized())) as! [String: Any]
    }

    @Test("a holder's signed presentation verifies with its challenge and domain; a wrong challenge or a tampered credential fails",
          arguments: TestEngine.available)
    func presentations(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let issued = try await api.send(.post, "/credentials/issue", key: world.systemKey,
                                            json: ["credential": CredentialAPITests.credential()])
            let credential = issued["verifiableCredential"] as! [String: Any]
            let vp = try Self.presentation(credential, challenge: "n-0S6_WzA2Mj", domain: "employer.example")

            let ok = try await api.send(.post, "/presentations/verify", json: [
                "verifiablePresentation": vp, "options": ["challenge": "n-0S6_WzA2Mj", "domain": "employer.example"]])
            #expect(ok.status == 200)
            #expect(ok["verified"] as? Bool == true, "\(ok.string)")
            #expect(((ok["report"] as? [String: Any])?["nested"] as? [[String: Any]])?.count == 1)

            let replay = try await api.send(.post, "/presentations/verify", json: [
                "verifiablePresentation": vp, "options": ["challenge": "another-nonce", "domain": "employer.example"]])
            #expect(replay["verified"] as? Bool == false)

            var tamperedCredential = credential
            tamperedCredential["name"] = "Something else"
            let tampered = try Self.presentation(tamperedCredential, challenge: "c", domain: "d")
            let rejected = try await api.send(.post, "/presentations/verify", json: [
                "verifiablePresentation": tampered, "options": ["challenge": "c", "domain": "d"]])
            #expect(rejected["verified"] as? Bool == false)

            var unsigned = vp
            unsigned["proof"] = nil
            let notBound = try await api.send(.post, "/presentations/verify", json: ["verifiablePresentation": unsigned])
            #expect(notBound["verified"] as? Bool == false)

            let bad = try await api.send(.post, "/presentations/verify", json: ["verifiablePresentation": 42])
            #expect(bad.status == 400)
            #expect((bad["errors"] as? [[String: String]])?.first?["field"] == "verifiablePresentation")
            let badOption = try await api.send(.post, "/presentations/verify",
                                               json: ["verifiablePresentation": vp, "options": ["challenge": 7]])
            #expect(badOption.status == 400)
        }
    }

    @Test("an organization endorses an achievement: the EndorsementCredential verifies, and another organization's system cannot issue it",
          arguments: TestEngine.available)
    func endorsements(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let endorsed = try await api.send(.post, "/api/v1/organizations/\(world.organizationId)/endorsements",
                                              key: world.systemKey, json: [
                "endorsedId": "https://other.example/achievements/cs-230", "name": "Accreditation",
                "comment": "Meets the state's computing standards"])
            #expect(endorsed.status == 201, "\(endorsed.string)")
            let credential = endorsed["verifiableCredential"] as! [String: Any]
            #expect((credential["type"] as? [String]) == ["VerifiableCredential", "EndorsementCredential"])
            #expect((credential["credentialSubject"] as? [String: Any])?["id"] as? String == "https://other.example/achievements/cs-230")
            let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
            #expect(verified["verified"] as? Bool == true, "\(verified.string)")

            let other = try await api.admin(.post, "/api/v1/organizations", json: ["name": "Other", "kind": "school"])
            let foreign = try await api.send(.post, "/api/v1/organizations/\(other["id"] as! String)/endorsements",
                                             key: world.systemKey, json: ["endorsedId": "https://x.example/a"])
            #expect(foreign.status == 403)
            let badId = try await api.send(.post, "/api/v1/organizations/\(world.organizationId)/endorsements",
                                           key: world.systemKey, json: ["endorsedId": "not a uri"])
            #expect(badId.status == 400)
        }
    }

    @Test("a credential JSON-LD would partly drop is not signed: 422 naming each dropped field")
    func safeModeRefusal() async throws {
        try await APIHarness.run(.sqlite) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            var credential = CredentialAPITests.credential()
            var subject = credential["credentialSubject"] as! [String: Any]
            subject["favouriteColour"] = "green"
            credential["credentialSubject"] = subject
            let refused = try await api.send(.post, "/credentials/issue", key: world.systemKey, json: ["credential": credential])
            #expect(refused.status == 422, "\(refused.string)")
            let fields = (refused["errors"] as? [[String: String]])?.compactMap { $0["field"] } ?? []
            #expect(fields.contains("credential.credentialSubject.favouriteColour"), "\(refused.string)")
        }
    }
}
