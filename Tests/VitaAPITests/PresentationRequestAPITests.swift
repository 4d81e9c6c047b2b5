import Foundation
import Testing
import VitaStorage
import VitaTestSupport

/// A verifier asks a wallet app for credentials through a VC-API exchange or by OpenID4VP (docs/WALLET-APPS.md).
struct PresentationRequestAPITests {
    static let issuer = "http://127.0.0.1:8080"
    static let responseURI = issuer + "/oid4vp/response"
    static let clientID = "redirect_uri:" + responseURI

    /// An OpenID4VP request; its reply, the parameters of its `openid4vp://` URI, and the page token.
    static func openID4VPRequest(_ api: APIHarness, credentialType: String = "OpenBadgeCredential",
                                 sourceLocation: SourceLocation = #_sourceLocation) async throws -> (reply: Reply, parameters: [String: String], view: String) {
        let reply = try await api.send(.post, "/api/v1/presentation-requests",
                                       json: ["protocol": "openid4vp", "credentialType": credentialType, "reason": "Hiring"],
                                       sourceLocation: sourceLocation)
        #expect(reply.status == 201, "\(reply.string)", sourceLocation: sourceLocation)
        let uri = try #require(reply["offerURI"] as? String, sourceLocation: sourceLocation)
        #expect(uri.hasPrefix("openid4vp://?"), sourceLocation: sourceLocation)
        let items = try #require(URLComponents(string: uri)?.queryItems, sourceLocation: sourceLocation)
        let parameters = Dictionary(uniqueKeysWithValues: items.map { ($0.name, $0.value ?? "") })
        return (reply, parameters, try #require(reply["viewToken"] as? String, sourceLocation: sourceLocation))
    }

    /// The wallet's Authorization Response, posted form-encoded to the Response URI (`direct_post`).
    static func respond(_ api: APIHarness, _ form: [(String, String)],
                        sourceLocation: SourceLocation = #_sourceLocation) async throws -> Reply {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        return try await api.send(.post, "/oid4vp/response", raw: body, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                  sourceLocation: sourceLocation)
    }

    /// A credential an organization with a signing key issued, to present.
    static func issuedCredential(_ api: APIHarness, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let world = try await api.world()
        _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
        let issued = try await api.send(.post, "/credentials/issue", key: world.systemKey,
                                        json: ["credential": CredentialAPITests.credential()], sourceLocation: sourceLocation)
        return try #require(issued["verifiableCredential"] as? [String: Any], sourceLocation: sourceLocation)
    }

    /// `vp_token` answering the request's one credential query with `presentation`.
    static func vpToken(_ presentation: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: ["credential": [presentation]]), as: UTF8.self)
    }

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
            let credential = try await Self.issuedCredential(api)

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

    @Test("an OpenID4VP wallet answers a verifier's request: the openid4vp:// request asks by DCQL for an ldp_vc presentation, the wallet posts it to the Response URI with the state, signed over the nonce and the redirect_uri: Client Identifier, and the verifier's page reads it verified",
          arguments: TestEngine.available)
    func openID4VPWalletAnswers(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let credential = try await Self.issuedCredential(api)

            let (created, parameters, view) = try await Self.openID4VPRequest(api)
            #expect(created["protocol"] as? String == "openid4vp" && created["state"] as? String == "waiting")
            #expect(created["exchangeURL"] == nil, "no VC-API exchange")
            #expect((created["qrCodeSVG"] as? String)?.hasPrefix("<svg") == true)
            #expect(parameters["client_id"] == Self.clientID && parameters["response_uri"] == Self.responseURI)
            #expect(parameters["response_mode"] == "direct_post" && parameters["response_type"] == "vp_token")
            let nonce = try #require(parameters["nonce"]), state = try #require(parameters["state"])
            #expect(nonce.count >= 43 && state.hasPrefix("vxp_"))
            let shown = try #require(created["authorizationRequest"] as? [String: Any])
            #expect(shown["nonce"] as? String == nonce && shown["state"] as? String == state)
            #expect(((shown["dcql_query"] as? [String: Any])?["credentials"] as? [[String: Any]])?.first?["format"] as? String == "ldp_vc")
            // The request's state is not a VC-API exchange.
            #expect(try await api.send(.post, "/exchanges/" + state, json: [String: Any]()).status == 404)

            // A presentation signed for the verifier's host alone (the VC-API domain) is not for this Client Identifier.
            let (_, otherParameters, otherView) = try await Self.openID4VPRequest(api)
            let hostOnly = try PresentationAPITests.presentation(credential, challenge: otherParameters["nonce"]!, domain: "127.0.0.1")
            let kept = try await Self.respond(api, [("vp_token", try Self.vpToken(hostOnly)), ("state", otherParameters["state"]!)])
            #expect(kept.status == 200 && kept.json.isEmpty, "\(kept.string)")
            let failed = try await api.send(.get, "/api/v1/presentation-requests/\(otherView)")
            #expect((failed["result"] as? [String: Any])?["verified"] as? Bool == false, "\(failed.string)")

            let presentation = try PresentationAPITests.presentation(credential, challenge: nonce, domain: Self.clientID)
            let answered = try await Self.respond(api, [("vp_token", try Self.vpToken(presentation)), ("state", state)])
            #expect(answered.status == 200 && answered.json.isEmpty, "\(answered.string)")
            #expect(answered.headers[.cacheControl] == "no-store")
            let again = try await Self.respond(api, [("vp_token", try Self.vpToken(presentation)), ("state", state)])
            #expect(again.status == 400 && again["error"] as? String == "invalid_request", "one answer: \(again.string)")

            let read = try await api.send(.get, "/api/v1/presentation-requests/\(view)")
            #expect(read["state"] as? String == "received")
            let result = try #require(read["result"] as? [String: Any])
            #expect(result["verified"] as? Bool == true, "\(read.string)")
            let checks = (result["report"] as? [String: Any])?["checks"] as? [[String: Any]] ?? []
            #expect(checks.contains { $0["name"] as? String == "request" && $0["outcome"] as? String == "pass" }, "\(checks)")
            #expect((result["credentials"] as? [[String: Any]])?.first?["id"] as? String == credential["id"] as? String)
        }
    }

    @Test("the Response URI keeps a wallet's refusal as the answer, fails a credential of another kind than asked, and refuses what answers no waiting request with invalid_request",
          arguments: TestEngine.available)
    func openID4VPRefusalsAndMismatches(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        try await APIHarness.run(engine, clock: { clock.now }) { api in
            let credential = try await Self.issuedCredential(api)

            let (_, declinedParameters, declinedView) = try await Self.openID4VPRequest(api)
            let declined = try await Self.respond(api, [("error", "access_denied"), ("error_description", "The user said no"),
                                                        ("state", declinedParameters["state"]!)])
            #expect(declined.status == 200, "\(declined.string)")
            let declinedRead = try await api.send(.get, "/api/v1/presentation-requests/\(declinedView)")
            #expect(declinedRead["state"] as? String == "declined")
            let walletError = (declinedRead["result"] as? [String: Any])?["walletError"] as? [String: Any]
            #expect(walletError?["error"] as? String == "access_denied" && walletError?["description"] as? String == "The user said no")

            // An Open Badge presented where a CLR was asked for: the presentation verifies, the request check fails.
            let (_, clrParameters, clrView) = try await Self.openID4VPRequest(api, credentialType: "ClrCredential")
            let badge = try PresentationAPITests.presentation(credential, challenge: clrParameters["nonce"]!, domain: Self.clientID)
            #expect(try await Self.respond(api, [("vp_token", try Self.vpToken(badge)), ("state", clrParameters["state"]!)]).status == 200)
            let mismatch = try await api.send(.get, "/api/v1/presentation-requests/\(clrView)")
            let result = mismatch["result"] as? [String: Any]
            #expect(result?["verified"] as? Bool == false, "\(mismatch.string)")
            let checks = (result?["report"] as? [String: Any])?["checks"] as? [[String: Any]] ?? []
            #expect(checks.contains { $0["name"] as? String == "request" && $0["outcome"] as? String == "fail" }, "\(checks)")
            #expect(checks.contains { $0["name"] as? String == "proof" && $0["outcome"] as? String == "pass" }, "\(checks)")

            // Not answers to a waiting OpenID4VP request.
            let (_, parameters, view) = try await Self.openID4VPRequest(api)
            let presentation = try PresentationAPITests.presentation(credential, challenge: parameters["nonce"]!, domain: Self.clientID)
            let token = try Self.vpToken(presentation)
            let (_, vcapiPath, _) = try await Self.request(api)
            for (form, reason) in [
                ([("vp_token", token)], "state is required"),
                ([("vp_token", token), ("state", "vxp_" + String(repeating: "A", count: 43))], "state names no OpenID4VP request"),
                ([("vp_token", token), ("state", String(vcapiPath.dropFirst("/exchanges/".count)))], "state names no OpenID4VP request"),
                ([("vp_token", #"{"credential":[{},{}]}"#), ("state", parameters["state"]!)], "an array of one presentation"),
                ([("vp_token", token), ("state", parameters["state"]!), ("state", parameters["state"]!)], "sent more than once"),
            ] as [([(String, String)], String)] {
                let refused = try await Self.respond(api, form)
                #expect(refused.status == 400 && refused["error"] as? String == "invalid_request", "\(refused.string)")
                #expect((refused["error_description"] as? String)?.contains(reason) == true, "\(reason): \(refused.string)")
            }
            let json = try await api.send(.post, "/oid4vp/response", json: ["vp_token": token, "state": parameters["state"]!])
            #expect(json.status == 400 && (json["error_description"] as? String)?.contains("x-www-form-urlencoded") == true)
            #expect(try await api.send(.get, "/api/v1/presentation-requests/\(view)")["state"] as? String == "waiting",
                    "refused posts leave the request waiting")

            clock.advance(901)
            let late = try await Self.respond(api, [("vp_token", token), ("state", parameters["state"]!)])
            #expect(late.status == 400 && (late["error_description"] as? String)?.contains("expired") == true, "\(late.string)")
            #expect(try await api.send(.get, "/api/v1/presentation-requests/\(view)")["state"] as? String == "expired")
            let badProtocol = try await api.send(.post, "/api/v1/presentation-requests", json: ["protocol": "siop"])
            #expect(badProtocol.status == 400 && (badProtocol["errors"] as? [[String: String]])?.first?["field"] == "protocol")
        }
    }
}
