import Foundation
import Testing
import VitaStorage
import VitaTestSupport

/// Vita's wallet answering a verifier's OpenID4VP request (docs/WALLET-APPS.md), against a real Vita verifier on
/// loopback: the learner's server posts the answer over HTTP, as it would to any verifier.
struct WalletPresentationTests {
    /// A verifier's OpenID4VP request at `server`: its `openid4vp://` URI and the page token.
    static func verifierRequest(_ server: LiveVita, credentialType: String = "OpenBadgeCredential",
                                sourceLocation: SourceLocation = #_sourceLocation) async throws -> (uri: String, view: String) {
        let created = try await server.send("POST", "/api/v1/presentation-requests",
                                            json: ["protocol": "openid4vp", "credentialType": credentialType, "reason": "Hiring"])
        #expect(created.status == 201, "\(created.string)", sourceLocation: sourceLocation)
        return (try #require(created["offerURI"] as? String, sourceLocation: sourceLocation),
                try #require(created["viewToken"] as? String, sourceLocation: sourceLocation))
    }

    @Test("the learner reads a verifier's OpenID4VP request, sees who asks and which credential answers it, and sends it: the verifier verifies a presentation signed by the learner's holder key over its nonce and Client Identifier; a spent request is reported as the verifier's refusal; a decline reaches the verifier; the access log says what went where; the export names the holder key and erasure deletes it",
          arguments: TestEngine.available)
    func learnerAnswersAVerifier(_ engine: TestEngine) async throws {
        try await LiveVita.run(engine) { vita in
            let (learnerId, _) = try await PlatformConnectionTests.platform(vita)
            let token = try await PlatformConnectionTests.learnerToken(vita, scope: "vita:wallet")
            let (uri, view) = try await Self.verifierRequest(vita)

            let preview = try await vita.send("POST", "/api/v1/me/presentation-requests/preview", key: token, json: ["request": uri])
            #expect(preview.status == 200, "\(preview.string)")
            let verifier = try #require(preview["verifier"] as? [String: Any])
            #expect(verifier["host"] as? String == "127.0.0.1")
            #expect(verifier["clientId"] as? String == "redirect_uri:\(vita.baseURL)/oid4vp/response")
            let queries = try #require(preview["queries"] as? [[String: Any]])
            #expect(queries.map { $0["id"] as? String } == ["credential", "credential_jwt"], "an ldp_vc or a jwt_vc_json credential")
            #expect((queries[1]["matches"] as? [[String: Any]])?.isEmpty == true, "the learner holds no VC-JWT")
            let matches = try #require(queries.first?["matches"] as? [[String: Any]])
            #expect(matches.count == 1)
            let badgeId = try #require(matches.first?["credentialId"] as? String)
            #expect(badgeId.hasPrefix("vcr_") && matches.first?["name"] as? String == "BSc Computer Science")
            #expect(matches.first?["issuer"] as? String == "Riverside University")
            #expect(preview["answerable"] as? Bool == true)
            let selection = try #require(preview["selection"] as? [String: Any])
            #expect(selection["credential"] as? [String] == [badgeId])

            let sent = try await vita.send("POST", "/api/v1/me/presentations", key: token,
                                           json: ["request": uri, "credentials": selection])
            #expect(sent.status == 200, "\(sent.string)")
            #expect(sent["outcome"] as? String == "sent")
            #expect((sent["presented"] as? [[String: Any]])?.first?["credentialId"] as? String == badgeId)

            // The verifier's side: received, verified, held by the learner's did:key.
            let received = try await vita.send("GET", "/api/v1/presentation-requests/\(view)")
            #expect(received["state"] as? String == "received", "\(received.string)")
            let result = try #require(received["result"] as? [String: Any])
            #expect(result["verified"] as? Bool == true, "\(received.string)")
            let holder = try #require(result["holder"] as? String)
            #expect(holder.hasPrefix("did:key:z6Mk"))

            // The same request again: the verifier refuses a spent request, and the learner is told it was sent anyway.
            let again = try await vita.send("POST", "/api/v1/me/presentations", key: token,
                                            json: ["request": uri, "credentials": selection])
            #expect(again.status == 502, "\(again.string)")
            #expect(again.string.contains("the answer was sent; the verifier answered 400 invalid_request"))

            // A second request: the same holder key signs; then a decline on a third.
            let (second, secondView) = try await Self.verifierRequest(vita)
            #expect(try await vita.send("POST", "/api/v1/me/presentations", key: token,
                                        json: ["request": second, "credentials": ["credential": [badgeId]]]).status == 200)
            let secondResult = try await vita.send("GET", "/api/v1/presentation-requests/\(secondView)")
            #expect((secondResult["result"] as? [String: Any])?["holder"] as? String == holder, "one holder key per learner")
            let (third, thirdView) = try await Self.verifierRequest(vita)
            let declined = try await vita.send("POST", "/api/v1/me/presentations", key: token, json: ["request": third, "decline": true])
            #expect(declined.status == 200, "\(declined.string)")
            #expect(declined["outcome"] as? String == "declined")
            let thirdResult = try await vita.send("GET", "/api/v1/presentation-requests/\(thirdView)")
            #expect(thirdResult["state"] as? String == "declined")
            #expect(((thirdResult["result"] as? [String: Any])?["walletError"] as? [String: Any])?["error"] as? String == "access_denied")

            // The learner's access log: what went where, and what the verifier said.
            let log = try await vita.send("GET", "/api/v1/me/access-log?order=newest", key: token)
            let entries = log.items.filter { ($0["action"] as? String)?.hasPrefix("presentation.") == true }
            #expect(entries.map { $0["action"] as? String } == ["presentation.decline", "presentation.send", "presentation.send", "presentation.send"])
            let first = try #require(entries.last?["reason"] as? String)
            #expect(first == "1 credential (\(badgeId)) to \(vita.baseURL)/oid4vp/response; accepted")
            #expect((entries[2]["reason"] as? String)?.hasSuffix("refused (400 invalid_request)") == true)
            #expect(entries[1]["categories"] as? [String] == ["credentials"])

            // The learner's export names the holder key; the key is sealed at rest, and goes with the learner's erasure.
            let export = try await vita.send("GET", "/api/v1/me/export", key: token)
            #expect((export["holderKey"] as? [String: Any])?["did"] as? String == holder, "\(export.string.prefix(300))")
            let stored = try #require(try await vita.database.read { try await $0.holderKey(learnerId: learnerId) })
            #expect(!stored.sealedPrivate.isEmpty && holder.hasSuffix(stored.publicKeyMultibase))
            #expect(try await vita.admin("DELETE", "/api/v1/learners/\(learnerId)", json: ["reason": "the learner asked"]).status == 200)
            #expect(try await vita.database.read { try await $0.holderKey(learnerId: learnerId) } == nil)
        }
    }

    @Test("a learner who holds a VC-JWT answers with it: Vita's verifier asks for an ldp_vc or a jwt_vc_json credential, the wallet offers the badge for one and the VC-JWT for the other, and a JWT presentation signed over the nonce and for the Client Identifier is verified; both alternatives at once are refused",
          arguments: TestEngine.available)
    func learnerAnswersWithAVCJWT(_ engine: TestEngine) async throws {
        try await LiveVita.run(engine) { vita in
            let (_, systemKey) = try await PlatformConnectionTests.platform(vita)
            let token = try await PlatformConnectionTests.learnerToken(vita, scope: "vita:wallet")
            let issued = try await vita.send("POST", "/credentials/issue", key: systemKey, json: [
                "credential": CredentialAPITests.credential("Data Structures"),
                "options": ["format": "vc-jwt", "algorithm": "EdDSA", "credentialStatus": false]])
            #expect(issued.status == 201, "\(issued.string)")
            let jwt = String(try #require((issued["verifiableCredential"] as? [String: Any])?["id"] as? String)
                .dropFirst("data:application/vc+jwt,".count))
            let imported = try await vita.send("POST", "/api/v1/me/credentials", key: token, raw: jwt, headers: [("Content-Type", "text/plain")])
            #expect(imported.status == 201, "\(imported.string)")
            let heldId = try #require(imported["id"] as? String)

            let (uri, view) = try await Self.verifierRequest(vita)
            let preview = try await vita.send("POST", "/api/v1/me/presentation-requests/preview", key: token, json: ["request": uri])
            let queries = try #require(preview["queries"] as? [[String: Any]])
            #expect(queries.map { $0["id"] as? String } == ["credential", "credential_jwt"])
            let ldpMatches = (queries[0]["matches"] as? [[String: Any]] ?? []).compactMap { $0["credentialId"] as? String }
            let jwtMatches = (queries[1]["matches"] as? [[String: Any]] ?? []).compactMap { $0["credentialId"] as? String }
            #expect(jwtMatches == [heldId] && !ldpMatches.contains(heldId) && ldpMatches.count == 1, "\(preview.string)")
            #expect((preview["selection"] as? [String: Any])?.keys.sorted() == ["credential"], "the first option by default")

            let both = try await vita.send("POST", "/api/v1/me/presentations", key: token,
                                           json: ["request": uri, "credentials": ["credential": ldpMatches, "credential_jwt": [heldId]]])
            #expect(both.status == 422 && both.string.contains("not of several"), "\(both.string)")
            let sent = try await vita.send("POST", "/api/v1/me/presentations", key: token,
                                           json: ["request": uri, "credentials": ["credential_jwt": [heldId]]])
            #expect(sent.status == 200, "\(sent.string)")
            let received = try await vita.send("GET", "/api/v1/presentation-requests/\(view)")
            let result = try #require(received["result"] as? [String: Any])
            #expect(result["verified"] as? Bool == true, "\(received.string.prefix(1500))")
            #expect((result["holder"] as? String)?.hasPrefix("did:key:z6Mk") == true)
            #expect(result["credentials"] as? [String] == [jwt])
        }
    }

    @Test("what cannot be answered is refused before anything is sent: not a request, a signed one, a credential that does not answer the query, a choice the query does not allow, a request no credential answers, a Response URI the outbound policy refuses",
          arguments: TestEngine.available)
    func refusals(_ engine: TestEngine) async throws {
        try await LiveVita.run(engine) { vita in
            _ = try await PlatformConnectionTests.platform(vita)
            let token = try await PlatformConnectionTests.learnerToken(vita, scope: "vita:wallet")
            let (uri, view) = try await Self.verifierRequest(vita)
            func preview(_ request: Any) async throws -> LiveReply {
                try await vita.send("POST", "/api/v1/me/presentation-requests/preview", key: token, json: ["request": request])
            }
            func answer(_ body: [String: Any]) async throws -> LiveReply {
                try await vita.send("POST", "/api/v1/me/presentations", key: token, json: body)
            }
            func fieldOf(_ reply: LiveReply) -> String? { (reply["errors"] as? [[String: Any]])?.first?["field"] as? String }

            let garbage = try await preview("https://example.com/not-a-request")
            #expect(garbage.status == 422 && fieldOf(garbage) == "request", "\(garbage.string)")
            #expect(try await preview(42).status == 400)
            let signed = try await preview("openid4vp://?client_id=x509_san_dns%3Averifier.example&request_uri=https%3A%2F%2Fverifier.example%2Fr")
            #expect(signed.status == 422 && signed.string.contains("by reference"), "\(signed.string)")

            // A CLR is asked for: the learner holds none.
            let (clr, _) = try await Self.verifierRequest(vita, credentialType: "ClrCredential")
            let unanswerable = try await preview(clr)
            #expect(unanswerable.status == 200)
            #expect(unanswerable["answerable"] as? Bool == false)
            #expect((unanswerable["unanswerable"] as? String)?.contains("\"credential\"") == true)

            let badgeId = try #require(((try await preview(uri))["selection"] as? [String: Any])?["credential"] as? [String])
            let mismatch = try await answer(["request": clr, "credentials": ["credential": badgeId]])
            #expect(mismatch.status == 422 && fieldOf(mismatch) == "credentials.credential", "\(mismatch.string)")
            let unknown = try await answer(["request": uri, "credentials": ["credential": ["vcr_" + String(repeating: "0", count: 26)]]])
            #expect(unknown.status == 422 && fieldOf(unknown) == "credentials.credential")
            #expect(try await answer(["request": uri, "credentials": ["other": badgeId]]).status == 400)
            #expect(try await answer(["request": uri, "credentials": ["credential": []]]).status == 422, "nothing chosen")
            #expect(try await answer(["request": uri]).status == 400, "credentials or decline")
            #expect(try await answer(["request": uri, "decline": true, "credentials": ["credential": badgeId]]).status == 400)

            // A Response URI on a host the outbound policy does not allow plain http to: nothing is sent.
            let elsewhere = uri.replacingOccurrences(of: "127.0.0.1", with: "verifier.localhost")
            let refused = try await answer(["request": elsewhere, "credentials": ["credential": badgeId]])
            #expect(refused.status == 422 && fieldOf(refused) == "request", "\(refused.string)")

            // Nothing reached the verifier, and nothing was audited as sent.
            #expect(try await vita.send("GET", "/api/v1/presentation-requests/\(view)")["state"] as? String == "waiting")
            let log = try await vita.send("GET", "/api/v1/me/access-log", key: token)
            #expect(!log.items.contains { ($0["action"] as? String)?.hasPrefix("presentation.") == true })
        }
    }
}

/// Vita's wallet claiming another issuer's OpenID4VCI offer (docs/WALLET-APPS.md), the issuer being a second real Vita.
struct WalletOfferClaimTests {
    @Test("a learner claims a badge another Vita offers: the preview names the issuer, the credential and the six-digit code; the code is required and checked by the issuer; the badge comes back verified and is kept as held from that issuer, the issuer hears it was accepted, and the offer cannot be claimed twice",
          arguments: TestEngine.available)
    func claimAnotherIssuersOffer(_ engine: TestEngine) async throws {
        try await LiveVita.run(engine) { issuer in
            try await LiveVita.run(engine) { home in
                _ = try await PlatformConnectionTests.platform(issuer)
                let issuerToken = try await PlatformConnectionTests.learnerToken(issuer, scope: "vita:wallet")
                let badges = try await issuer.send("GET", "/api/v1/me/credentials", key: issuerToken)
                let badgeId = try #require(badges.items.first?["id"] as? String)
                let offered = try await issuer.send("POST", "/api/v1/me/credentials/\(badgeId)/offers", key: issuerToken,
                                                    json: ["protocol": "oid4vci", "transactionCode": true])
                #expect(offered.status == 201, "\(offered.string)")
                let offer = try #require(offered["offerURI"] as? String)
                let code = try #require(offered["transactionCode"] as? String)

                _ = try await PlatformConnectionTests.home(home)
                let token = try await PlatformConnectionTests.learnerToken(home, scope: "vita:wallet")
                let preview = try await home.send("POST", "/api/v1/me/received-offers/preview", key: token, json: ["offer": offer])
                #expect(preview.status == 200, "\(preview.string)")
                #expect((preview["issuer"] as? [String: Any])?["id"] as? String == issuer.baseURL)
                #expect((preview["issuer"] as? [String: Any])?["name"] as? String == "Vita")
                let item = try #require((preview["credentials"] as? [[String: Any]])?.first)
                #expect(item["configurationId"] as? String == "OpenBadgeCredential_ldp_vc" && item["claimable"] as? Bool == true)
                #expect(item["name"] as? String == "Open Badge" && item["format"] as? String == "ldp_vc")
                let codeSpec = try #require(preview["transactionCode"] as? [String: Any])
                #expect(codeSpec["inputMode"] as? String == "numeric" && codeSpec["length"] as? Int == 6)

                func claim(_ body: [String: Any]) async throws -> LiveReply {
                    try await home.send("POST", "/api/v1/me/received-offers", key: token, json: body)
                }
                func fieldOf(_ reply: LiveReply) -> String? { (reply["errors"] as? [[String: Any]])?.first?["field"] as? String }
                let noCode = try await claim(["offer": offer])
                #expect(noCode.status == 400 && fieldOf(noCode) == "transactionCode")
                #expect(try await claim(["offer": offer, "transactionCode": "12ab56"]).status == 400, "not six digits")
                let wrong = try await claim(["offer": offer, "transactionCode": code == "000000" ? "111111" : "000000"])
                #expect(wrong.status == 422 && fieldOf(wrong) == "transactionCode" && wrong.string.contains("invalid_grant"), "\(wrong.string)")

                let claimed = try await claim(["offer": offer, "transactionCode": code])
                #expect(claimed.status == 201, "\(claimed.string)")
                let kept = try #require((claimed["credentials"] as? [[String: Any]])?.first)
                #expect(kept["outcome"] as? String == "created")
                #expect((kept["source"] as? [String: Any])?["kind"] as? String == "issuer")
                #expect((kept["source"] as? [String: Any])?["id"] as? String == issuer.baseURL)
                #expect((kept["verification"] as? [String: Any])?["verdict"] as? String == "valid", "\(claimed.string.prefix(600))")
                let held = try await home.send("GET", "/api/v1/me/credentials", key: token)
                #expect(held.items.contains { $0["kind"] as? String == "held" && $0["source"] as? String == "issuer" })

                // The issuer heard that the credential was accepted.
                let offers = try await issuer.send("GET", "/api/v1/me/credential-offers", key: issuerToken)
                #expect(offers.items.first?["state"] as? String == "delivered")
                #expect(offers.items.first?["walletEvent"] as? String == "credential_accepted")

                let again = try await claim(["offer": offer, "transactionCode": code])
                #expect(again.status == 422 && again.string.contains("invalid_grant"), "\(again.string)")

                let log = try await home.send("GET", "/api/v1/me/access-log?order=newest", key: token)
                let entry = try #require(log.items.first { $0["action"] as? String == "credential.claim" })
                #expect(entry["reason"] as? String == "1 credential from \(issuer.baseURL)")
                #expect(entry["categories"] as? [String] == ["credentials"])
            }
        }
    }

    @Test("what cannot be claimed is refused: not an offer, an offer needing a sign-in at the issuer, an issuer the outbound policy refuses, an issuer that does not answer",
          arguments: TestEngine.available)
    func refusals(_ engine: TestEngine) async throws {
        try await LiveVita.run(engine) { home in
            _ = try await PlatformConnectionTests.home(home)
            let token = try await PlatformConnectionTests.learnerToken(home, scope: "vita:wallet")
            func preview(_ offer: String) async throws -> LiveReply {
                try await home.send("POST", "/api/v1/me/received-offers/preview", key: token, json: ["offer": offer])
            }
            func link(_ offer: [String: Any]) throws -> String {
                let text = String(decoding: try JSONSerialization.data(withJSONObject: offer), as: UTF8.self)
                return "openid-credential-offer://?credential_offer=" + text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            }
            let garbage = try await preview("hello")
            #expect(garbage.status == 422 && garbage.string.contains("not a credential offer"))
            let signIn = try await preview(try link(["credential_issuer": "https://issuer.example", "credential_configuration_ids": ["X"],
                                                      "grants": ["authorization_code": ["issuer_state": "s"]]]))
            #expect(signIn.status == 422 && signIn.string.contains("needs a sign-in at the issuer"), "\(signIn.string)")
            let plain = try await preview(try link(["credential_issuer": "http://issuer.example", "credential_configuration_ids": ["X"],
                                                     "grants": ["urn:ietf:params:oauth:grant-type:pre-authorized_code": ["pre-authorized_code": "c"]]]))
            #expect(plain.status == 422 && plain.string.contains("refused"), "\(plain.string)")
            let silent = try await preview(try link(["credential_issuer": "http://127.0.0.1:\(try LiveVita.freePort())",
                                                      "credential_configuration_ids": ["X"],
                                                      "grants": ["urn:ietf:params:oauth:grant-type:pre-authorized_code": ["pre-authorized_code": "c"]]]))
            #expect(silent.status == 502 && silent.string.contains("did not answer"), "\(silent.string)")
            #expect(try await home.send("POST", "/api/v1/me/received-offers", key: token, json: ["offer": 3]).status == 400)
        }
    }
}
