import Foundation
import HTTPTypes
import NIOCore
import Testing
import VitaCredentials
import VitaJSON
import VitaTestSupport

struct VerifyUploadAPITests {
    /// A valid 1×1 PNG with no credential baked in.
    static let plainPNG = Array(Data(base64Encoded:
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")!)

    func post(_ api: APIHarness, _ contentType: String, _ bytes: [UInt8]) async throws -> Reply {
        try await api.client.execute(uri: "/credentials/verify", method: .post, headers: [.contentType: contentType],
                                     body: ByteBuffer(bytes: bytes)) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
        }
    }

    @Test("POST /credentials/verify takes a baked PNG badge or a VC-JWT as the raw body, and documents it",
          arguments: TestEngine.available)
    func rawBodies(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            #expect(try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys").status == 201)
            let issued = try await api.admin(.post, "/credentials/issue",
                                             json: ["credential": CredentialAPITests.credential(), "options": ["organizationId": world.organizationId]])
            let signed = try JSONValue(parsing: try JSONSerialization.data(withJSONObject: issued["verifiableCredential"]!))
            let baked = try BadgeBaking.bake(.json(signed), intoPNG: Self.plainPNG)
            let verified = try await post(api, "image/png", baked)
            #expect(verified.status == 200)
            #expect(verified["verified"] as? Bool == true, "\(verified.string)")
            let checks = (verified["report"] as? [String: Any])?["checks"] as? [[String: String]] ?? []
            #expect(checks.first { $0["name"] == "format" }?["message"]?.hasPrefix("baked PNG") == true)

            let plain = try await post(api, "image/png", Self.plainPNG)
            #expect(plain.status == 200 && plain["verified"] as? Bool == false)
            #expect(try await post(api, "image/png", []).status == 400)

            let jwt = try await api.admin(.post, "/credentials/issue", json: [
                "credential": CredentialAPITests.credential(),
                "options": ["organizationId": world.organizationId, "format": "vc-jwt", "algorithm": "EdDSA"]])
            #expect(jwt.status == 201, "\(jwt.string)")
            let envelope = try #require((jwt["verifiableCredential"] as? [String: Any])?["id"] as? String)
            let compact = String(envelope.drop { $0 != "," }.dropFirst())
            let viaBody = try await post(api, "application/jwt", Array(compact.utf8))
            #expect(viaBody["verified"] as? Bool == true, "\(viaBody.string)")

            let document = try await api.send(.get, "/openapi.json")
            let paths = document["paths"] as? [String: Any]
            let verify = (paths?["/credentials/verify"] as? [String: Any])?["post"] as? [String: Any]
            let content = (verify?["requestBody"] as? [String: Any])?["content"] as? [String: Any]
            #expect(Set(content?.keys.map { $0 } ?? []) == ["application/json", "image/png", "image/svg+xml", "application/jwt"])
        }
    }
}
