import Foundation
import Testing
import VitaStorage
import VitaTestSupport

/// A verifier asks a wallet app for credentials through a VC-API exchange (docs/WALLET-APPS.md).
struct PresentationRequestAPITests {
    static let issuer = "http://127.0.0.1:8080"

    /// A request; its reply, the exchange's path and the page token.
    static func request(_ api: APIHarness, _ json: [String: Any] = ["credentialType": "VerifiableCredential", "reason": "Hiring"],
                        sourceLocation: SourceLocation = #_sourceLocation) async throws -> (reply: Reply, path: String, view: String) {
        let reply = try await api.send(.post, "/api/v1/presentation-requests", json: json, sourceLocation: sourceLocation)
        #expect(reply.status == 201, "\(reply.string)", sourceLocation: sourceLocation)
        let url = try #require(reply["exchangeURL"] as? String, sourceLocation: sourceLocation)
        #expect(url.hasPrefix(Self.issuer + "/exchanges/vxp_"), sourceLocation: sourceLocation)
        return (reply, String(url.dropFirst(Self.issuer.count)), try #require(reply["viewToken"] as? String, sourceLocation: sourceLocation))
    }

    @Test("a wallet app answers a verifier's request: the exchange asks for credentials with DID authentication, takes one presentation signed over its challenge and this Vita's domain, verifies it, and the verifier's page reads the credentials and the report",
          arguments: TestEngine.available)
    func walletAnswers(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let issued = try await api.send(.post, "/credentials/issue", key: world.systemKey,
                                            json: ["credential": CredentialAPITests.credential()])
            let credential = try #require(issued["verifiableCredential"] as? [String: Any])

            let (created, path, view) = try await Self.request(api)
            #expect(created["state"] as? String == "waiting")
            #expect((created["offerURI"] as? String)?.hasPrefix("https://lcw.app/request.html?request=") == true)
            #expect((created["qrCodeSVG"] as? String)?.hasPrefix("<svg") == true)
            let interaction = try await api.send(.get, path + "?iuv=1")
            #expect((interaction["protocols"] as? [String: Any])?["vcapi"] as? String == Self.issuer + path)

            let asked = try await api.send(.post, path, json: [String: Any]())
            #expect(asked.status == 200, "\(asked.string)")
            let request = try #require(asked["verifiablePresentationRequest"] as? [String: Any])
            let challenge = try #require(request["challenge"] as? String)
            #expect(request["domain"] as? String == "127.0.0.1")
            let queries = request["query"] as? [[String: Any]] ?? []
            #expect(queries.map { $0["type"] as? String } == ["QueryByExample", "DIDAuthentication"])
            #expect(((queries.first?["credentialQuery"] as? [String: Any])?["reason"] as? String) == "Hiring")

            // A presentation for another verifier's domain is kept, and fails; the exchange then takes no other.
            let (_, otherPath, otherView) = try await Self.request(api)
            let otherChallenge = try #require((try await api.send(.post, otherPath, json: [String: Any]())["verifiablePresentationRequest"]
                as? [String: Any])?["challenge"] as? String)
            let elsewhere = try PresentationAPITests.presentation(credential, challenge: otherChallenge, domain: "employer.example")
            #expect(try await api.send(.post, otherPath, json: ["verifiablePresentation": elsewhere]).status == 200)
            let failed = try await api.send(.get, "/api/v1/presentation-requests/\(otherView)")
            #expect((failed["result"] as? [String: Any])?["verified"] as? Bool == false, "\(failed.string)")
            #expect(try await api.send(.post, otherPath, json: [String: Any]()).status == 410)

            #expect(try await api.send(.get, "/api/v1/presentation-requests/\(view)")["state"] as? String == "waiting")
            #expect(try await api.send(.post, path, json: ["verifiableCredential": credential]).status == 400)
            let presentation = try PresentationAPITests.presentation(credential, challenge: challenge, domain: "127.0.0.1")
            let answered = try await api.send(.post, path, json: ["verifiablePresentation": presentation])
            #expect(answered.status == 200 && answered.json.isEmpty, "\(answered.string)")
            #expect(try await api.send(.post, path, json: ["verifiablePresentation": presentation]).status == 410, "one presentation")

            let read = try await api.send(.get, "/api/v1/presentation-requests/\(view)")
            #expect(read["state"] as? String == "received")
            let result = try #require(read["result"] as? [String: Any])
            #expect(result["verified"] as? Bool == true, "\(read.string)")
            #expect((result["holder"] as? String)?.hasPrefix("did:key:") == true)
            #expect((result["credentials"] as? [[String: Any]])?.first?["id"] as? String == credential["id"] as? String)
            #expect(try await api.send(.get, "/api/v1/presentation-requests/vpv_" + String(repeating: "A", count: 43)).status == 404)
        }
    }

    @Test("a request names what it asks for, expires unanswered after fifteen minutes, and is gone an hour after it was made",
          arguments: TestEngine.available)
    func limits(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        try await APIHarness.run(engine, clock: { clock.now }) { api in
            let bad = try await api.send(.post, "/api/v1/presentation-requests", json: ["credentialType": "Diploma"])
            #expect(bad.status == 400 && (bad["errors"] as? [[String: String]])?.first?["field"] == "credentialType")
            let long = try await api.send(.post, "/api/v1/presentation-requests", json: ["reason": String(repeating: "x", count: 301)])
            #expect(long.status == 400 && (long["errors"] as? [[String: String]])?.first?["field"] == "reason")
            let (created, path, view) = try await Self.request(api, ["credentialType": "ClrCredential"])
            #expect(created["reason"] as? String == "A verifier asks to see your credentials", "the default reason")
            let asked = try await api.send(.post, path, json: [String: Any]())
            let query = ((asked["verifiablePresentationRequest"] as? [String: Any])?["query"] as? [[String: Any]])?.first
            #expect(((query?["credentialQuery"] as? [String: Any])?["example"] as? [String: Any])?["type"] as? [String] == ["ClrCredential"])
            clock.advance(901)
            #expect(try await api.send(.post, path, json: [String: Any]()).status == 410)
            #expect(try await api.send(.get, "/api/v1/presentation-requests/\(view)")["state"] as? String == "expired")
            clock.advance(2700)
            #expect(try await api.send(.get, "/api/v1/presentation-requests/\(view)").status == 404)
            let purged = try await api.database.transaction {
                try await $0.purgePresentationRequests(createdBefore: clock.now.addingTimeInterval(-3600))
            }
            #expect(purged == 1)
            #expect(try await api.send(.post, path, json: [String: Any]()).status == 404)
        }
    }
}
