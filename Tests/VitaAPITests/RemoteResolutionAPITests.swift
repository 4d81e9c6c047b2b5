import Foundation
import Testing
import VitaAPI
import VitaCredentials
import VitaJSON
import VitaTestSupport

/// The verify endpoint uses the resolvers `ServerOptions` carries (VitaResolution's network resolvers in `vita serve`)
/// for issuers this server does not host.
@Suite("Verify endpoint with remote resolvers")
struct RemoteResolutionAPITests {
    static let key = try! Ed25519KeyPair(seed: Array(repeating: 21, count: 32))
    static let did = "did:web:remote.example:issuers:alice"
    static let listURL = "https://remote.example/status/1"

    /// A credential by a did:web issuer of another server, with a revocation entry at index 5.
    static func credential() throws -> JSONValue {
        var o = JSONObject()
        o["@context"] = ["https://www.w3.org/ns/credentials/v2"]
        o["id"] = "urn:uuid:0f4c1e6a-2b3d-4e5f-8a9b-1c2d3e4f5a6b"
        o["type"] = ["VerifiableCredential"]
        o["issuer"] = .string(did)
        o["validFrom"] = "2026-01-01T00:00:00Z"
        o["credentialSubject"] = ["id": "did:example:learner"]
        o["credentialStatus"] = BitstringStatusListEntry(purpose: .revocation, index: 5, listCredential: listURL).json
        return try DataIntegrity.addProof(
            to: .object(o), options: ProofOptions(cryptosuite: .eddsaRdfc2022, verificationMethod: "\(did)#key-1"), signer: key)
    }

    static func options(revoked: Bool) throws -> ServerOptions {
        var bits = try BitstringStatusList()
        try bits.set(5, revoked)
        let list = try DataIntegrity.addProof(
            to: try StatusListCredential.unsigned(id: listURL, issuer: .string(did), purpose: .revocation, list: bits,
                                                  validFrom: XSDDateTime.parse("2026-01-01T00:00:00Z")!),
            options: ProofOptions(cryptosuite: .eddsaRdfc2022, verificationMethod: "\(did)#key-1"), signer: key)
        let method = VerificationMethod(id: "\(did)#key-1", controller: did, publicKey: key.multikey,
                                        relationships: ["assertionMethod"])
        return ServerOptions(verificationMethodResolver: StaticVerificationMethodResolver([method]),
                             statusListResolver: StaticStatusListResolver([listURL: list]))
    }

    static func report(_ api: APIHarness) async throws -> Reply {
        let credential = try JSONSerialization.jsonObject(with: Data(try Self.credential().serialized()))
        return try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
    }

    static func check(_ reply: Reply, _ name: String) -> [String: String]? {
        ((reply["report"] as? [String: Any])?["checks"] as? [[String: String]])?.first { $0["name"] == name }
    }

    @Test("a credential of another issuer verifies through the configured resolvers, and fails \"revoked\" when its bit is set")
    func remoteIssuer() async throws {
        try await APIHarness.run(.sqlite, options: try Self.options(revoked: false)) { api in
            let reply = try await Self.report(api)
            #expect(reply["verified"] as? Bool == true, "\(reply.string)")
            #expect(Self.check(reply, "status")?["outcome"] == "pass")
        }
        try await APIHarness.run(.sqlite, options: try Self.options(revoked: true)) { api in
            let reply = try await Self.report(api)
            #expect(reply["verified"] as? Bool == false)
            #expect(Self.check(reply, "status")?["message"]?.hasPrefix("revoked: index 5 of \(Self.listURL)") == true, "\(reply.string)")
        }
    }

    @Test("without remote resolvers (the default) another issuer's did:web is not resolved")
    func offlineDefault() async throws {
        try await APIHarness.run(.sqlite) { api in
            let reply = try await Self.report(api)
            #expect(reply["verified"] as? Bool == false)
            #expect(Self.check(reply, "proof")?["message"]?.contains("cannot be resolved") == true, "\(reply.string)")
        }
    }
}
