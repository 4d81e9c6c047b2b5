import Foundation
import HTTPTypes
import Testing
@testable import VitaAPI
import VitaStorage
import VitaTestSupport

/// OpenID4VCI pre-authorized code flow: a learner offers a credential Vita issued them to a wallet app, which reads
/// the issuer metadata, exchanges the code at the token endpoint and fetches the credential (docs/WALLET-APPS.md).
struct CredentialOfferAPITests {
    static let preAuthorized = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    static let issuer = "http://127.0.0.1:8080"

    /// The wallet app's token request (no client authentication).
    static func token(_ api: APIHarness, code: String, transactionCode: String? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) async throws -> Reply {
        var form = "grant_type=\(preAuthorized)&pre-authorized_code=\(code)"
        if let transactionCode { form += "&tx_code=\(transactionCode)" }
        return try await api.send(.post, "/oauth/token", raw: form, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                  sourceLocation: sourceLocation)
    }

    /// An offer of `credentialId` by the learner of `token`; its pre-authorized code and transaction code.
    static func offer(_ api: APIHarness, token: String, credentialId: String, transactionCode: Bool = true,
                      sourceLocation: SourceLocation = #_sourceLocation) async throws -> (reply: Reply, code: String, pin: String?) {
        let reply = try await api.send(.post, "/api/v1/me/credentials/\(credentialId)/offers", key: token,
                                       json: ["transactionCode": transactionCode], sourceLocation: sourceLocation)
        #expect(reply.status == 201, "\(reply.string)", sourceLocation: sourceLocation)
        let grants = (reply["credentialOffer"] as? [String: Any])?["grants"] as? [String: Any]
        let code = (grants?[preAuthorized] as? [String: Any])?["pre-authorized_code"] as? String
        return (reply, try #require(code, sourceLocation: sourceLocation), reply["transactionCode"] as? String)
    }

    static func error(_ reply: Reply) -> String? { reply["error"] as? String }

    /// The badge of the setup as the learner's wallet lists it: the signed credential as issued.
    static func issuedBadge(_ api: APIHarness, _ s: WalletAPITests.Setup,
                            sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let mine = try await api.send(.get, "/api/v1/me/credentials", key: s.token, sourceLocation: sourceLocation)
        return try #require(mine.items.first { $0["id"] as? String == s.badgeId }?["credential"] as? [String: Any],
                            sourceLocation: sourceLocation)
    }

    @Test("a wallet app receives an offered badge: issuer metadata, the code and transaction code exchanged once for a token, the credential as issued (it verifies), the wallet's notification; the learner sees every step",
          arguments: TestEngine.available)
    func offerAndClaim(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let s = try await WalletAPITests.setup(api)
            let metadata = try await api.send(.get, "/.well-known/openid-credential-issuer")
            #expect(metadata["credential_issuer"] as? String == Self.issuer)
            #expect(metadata["credential_endpoint"] as? String == Self.issuer + "/oid4vci/credential")
            let configurations = metadata["credential_configurations_supported"] as? [String: Any] ?? [:]
            #expect(Set(configurations.keys) == ["OpenBadgeCredential_ldp_vc", "ClrCredential_ldp_vc"])
            let server = try await api.send(.get, "/.well-known/oauth-authorization-server")
            #expect((server["grant_types_supported"] as? [String])?.contains(Self.preAuthorized) == true)
            #expect(server["pre-authorized_grant_anonymous_access_supported"] as? Bool == true)

            let (offer, code, pin) = try await Self.offer(api, token: s.token, credentialId: s.badgeId)
            let transactionCode = try #require(pin)
            #expect(transactionCode.count == 6 && transactionCode.allSatisfy(\.isASCII) && Int(transactionCode) != nil)
            #expect(offer["state"] as? String == "offered")
            #expect(offer["configurationId"] as? String == "OpenBadgeCredential_ldp_vc")
            #expect((offer["qrCodeSVG"] as? String)?.hasPrefix("<svg") == true)
            let uri = try #require(offer["offerURI"] as? String)
            #expect(uri.hasPrefix("openid-credential-offer://?credential_offer="))
            let inURI = try #require(String(uri.dropFirst("openid-credential-offer://?credential_offer=".count)).removingPercentEncoding)
            let parsed = try JSONSerialization.jsonObject(with: Data(inURI.utf8)) as? [String: Any]
            #expect(parsed?["credential_issuer"] as? String == Self.issuer)
            #expect(parsed?["credential_configuration_ids"] as? [String] == ["OpenBadgeCredential_ldp_vc"])

            let missing = try await Self.token(api, code: code)
            #expect(missing.status == 400 && Self.error(missing) == "invalid_request", "\(missing.string)")
            let wrongPin = transactionCode == "000000" ? "111111" : "000000"
            let wrong = try await Self.token(api, code: code, transactionCode: wrongPin)
            #expect(wrong.status == 400 && Self.error(wrong) == "invalid_grant", "\(wrong.string)")
            let unknown = try await Self.token(api, code: "vpc_" + String(repeating: "A", count: 43), transactionCode: transactionCode)
            #expect(Self.error(unknown) == "invalid_grant")

            let granted = try await Self.token(api, code: code, transactionCode: transactionCode)
            #expect(granted.status == 200, "\(granted.string)")
            #expect(granted["token_type"] as? String == "Bearer")
            #expect(granted["expires_in"] as? Int == 900)
            #expect(granted.headers[.cacheControl] == "no-store")
            let accessToken = try #require(granted["access_token"] as? String)

            let anonymous = try await api.send(.post, "/oid4vci/credential", json: ["credential_configuration_id": "OpenBadgeCredential_ldp_vc"])
            #expect(anonymous.status == 401 && Self.error(anonymous) == "invalid_token")
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer error=\"invalid_token\"") == true)
            let otherKind = try await api.send(.post, "/oid4vci/credential", key: s.token,
                                               json: ["credential_configuration_id": "OpenBadgeCredential_ldp_vc"])
            #expect(otherKind.status == 401, "a learner's API token is no credential offer token")
            let wrongConfiguration = try await api.send(.post, "/oid4vci/credential", key: accessToken,
                                                        json: ["credential_configuration_id": "ClrCredential_ldp_vc"])
            #expect(wrongConfiguration.status == 400 && Self.error(wrongConfiguration) == "unknown_credential_configuration")
            let malformed = try await api.send(.post, "/oid4vci/credential", key: accessToken, raw: "{")
            #expect(malformed.status == 400 && Self.error(malformed) == "invalid_credential_request")

            let delivered = try await api.send(.post, "/oid4vci/credential", key: accessToken, json: [
                "credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                "proofs": ["jwt": ["eyJhbGciOiJFZERTQSJ9.e30.c2ln"]],
            ])
            #expect(delivered.status == 200, "\(delivered.string)")
            let credential = try #require((delivered["credentials"] as? [[String: Any]])?.first?["credential"] as? [String: Any])
            let issued = try await Self.issuedBadge(api, s)
            #expect(NSDictionary(dictionary: credential).isEqual(to: issued), "the credential as issued, proof and all")
            let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
            #expect(verified["verified"] as? Bool == true, "\(verified.string)")
            let notificationId = try #require(delivered["notification_id"] as? String)
            #expect(notificationId == offer["id"] as? String)

            let badNotice = try await api.send(.post, "/oid4vci/notification", key: accessToken,
                                               json: ["notification_id": "cof_other", "event": "credential_accepted"])
            #expect(badNotice.status == 400 && Self.error(badNotice) == "invalid_notification_id")
            let notice = try await api.send(.post, "/oid4vci/notification", key: accessToken,
                                            json: ["notification_id": notificationId, "event": "credential_accepted"])
            #expect(notice.status == 204, "\(notice.string)")

            let listed = try await api.send(.get, "/api/v1/me/credential-offers", key: s.token)
            #expect(listed.items.count == 1)
            #expect(listed.items.first?["state"] as? String == "delivered")
            #expect(listed.items.first?["walletEvent"] as? String == "credential_accepted")
            #expect(!listed.string.contains(code) && !listed.string.contains(accessToken), "codes are shown once")

            let log = try await api.send(.get, "/api/v1/me/access-log?limit=200", key: s.token)
            let steps = log.items.filter { ($0["action"] as? String)?.hasPrefix("oid4vci.") == true }
            #expect(steps.map { "\($0["action"] as? String ?? "") \($0["outcome"] as? String ?? "")" } == [
                "oid4vci.offer allowed", "oid4vci.token denied", "oid4vci.token allowed", "oid4vci.credential allowed",
                "oid4vci.notification allowed",
            ])
            #expect(steps.dropFirst().allSatisfy { ($0["actor"] as? [String: Any])?["id"] as? String == notificationId })

            // The code presented again: refused, and the offer is withdrawn, so its token stops working too.
            let reused = try await Self.token(api, code: code, transactionCode: transactionCode)
            #expect(reused.status == 400 && Self.error(reused) == "invalid_grant")
            let afterReuse = try await api.send(.post, "/oid4vci/credential", key: accessToken,
                                                json: ["credential_configuration_id": "OpenBadgeCredential_ldp_vc"])
            #expect(afterReuse.status == 401)
        }
    }

    @Test("an offer expires, locks after five wrong transaction codes, is withdrawn by the learner, its token expires, and a credential revoked meanwhile is refused",
          arguments: TestEngine.available)
    func limits(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        try await APIHarness.run(engine, clock: { clock.now }) { api in
            let s = try await WalletAPITests.setup(api)
            // No transaction code: none may be sent; the code expires after ten minutes.
            let plain = try await Self.offer(api, token: s.token, credentialId: s.badgeId, transactionCode: false)
            #expect(plain.pin == nil && plain.reply["hasTransactionCode"] as? Bool == false)
            #expect(Self.error(try await Self.token(api, code: plain.code, transactionCode: "123456")) == "invalid_request")
            clock.advance(601)
            let expired = try await Self.token(api, code: plain.code)
            #expect(Self.error(expired) == "invalid_grant" && (expired["error_description"] as? String)?.contains("expired") == true)

            // Five wrong transaction codes lock the offer: the right one no longer works.
            let guarded = try await Self.offer(api, token: s.token, credentialId: s.badgeId)
            let pin = try #require(guarded.pin)
            let wrongPin = pin == "000000" ? "111111" : "000000"
            for _ in 0..<5 { _ = try await Self.token(api, code: guarded.code, transactionCode: wrongPin) }
            #expect(Self.error(try await Self.token(api, code: guarded.code, transactionCode: pin)) == "invalid_grant")

            // Withdrawn by the learner.
            let withdrawn = try await Self.offer(api, token: s.token, credentialId: s.badgeId, transactionCode: false)
            let withdrawal = try await api.send(.delete, "/api/v1/me/credential-offers/\(withdrawn.reply["id"] as! String)", key: s.token)
            #expect(withdrawal.status == 200 && withdrawal["state"] as? String == "withdrawn", "\(withdrawal.string)")
            #expect(Self.error(try await Self.token(api, code: withdrawn.code)) == "invalid_grant")

            // The token lasts fifteen minutes.
            let late = try await Self.offer(api, token: s.token, credentialId: s.badgeId, transactionCode: false)
            let lateToken = try #require(try await Self.token(api, code: late.code)["access_token"] as? String)
            clock.advance(901)
            let lateFetch = try await api.send(.post, "/oid4vci/credential", key: lateToken,
                                               json: ["credential_configuration_id": "OpenBadgeCredential_ldp_vc"])
            #expect(lateFetch.status == 401)

            let states = try await api.send(.get, "/api/v1/me/credential-offers", key: s.token).items.compactMap { $0["state"] as? String }
            #expect(states.sorted() == ["expired", "expired", "locked", "withdrawn"], "three made in the same millisecond: any order")

            // Revoked between the token and the fetch: refused (and audited); no new offer for it.
            let revokedLater = try await Self.offer(api, token: s.token, credentialId: s.badgeId, transactionCode: false)
            let revokedToken = try #require(try await Self.token(api, code: revokedLater.code)["access_token"] as? String)
            let credentialId = try #require(try await Self.issuedBadge(api, s)["id"] as? String)
            let revoke = try await api.send(.post, "/credentials/status", key: s.world.systemKey,
                                            json: ["credentialId": credentialId, "action": "revoke"])
            #expect(revoke.status == 200, "\(revoke.string)")
            let denied = try await api.send(.post, "/oid4vci/credential", key: revokedToken,
                                            json: ["credential_configuration_id": "OpenBadgeCredential_ldp_vc"])
            #expect(denied.status == 400 && Self.error(denied) == "credential_request_denied", "\(denied.string)")
            let refused = try await api.send(.post, "/api/v1/me/credentials/\(s.badgeId)/offers", key: s.token, json: [:])
            #expect(refused.status == 422 && (refused["errors"] as? [[String: String]])?.first?["field"] == "credentialId")
            let log = try await api.send(.get, "/api/v1/me/access-log?limit=200", key: s.token)
            #expect(log.items.contains { $0["action"] as? String == "oid4vci.credential" && $0["outcome"] as? String == "denied" })

            // Not the learner's, or not a credential Vita issued: not found; a bad option: named.
            #expect(try await api.send(.post, "/api/v1/me/credentials/vcr_unknown/offers", key: s.token, json: [:]).status == 404)
            #expect(try await api.send(.post, "/api/v1/me/credentials/hcr_x/offers", key: s.token, json: [:]).status == 404)
            let badOption = try await api.send(.post, "/api/v1/me/credentials/\(s.badgeId)/offers", key: s.token,
                                               json: ["transactionCode": "yes"])
            #expect(badOption.status == 400 && (badOption["errors"] as? [[String: String]])?.first?["field"] == "transactionCode")
            #expect(try await api.send(.post, "/api/v1/me/credentials/\(s.badgeId)/offers", json: [:]).status == 401)

            // Thirty days after an offer stopped working (its code, and any token it gave) the sweep deletes it: the
            // one whose token outlived its code is kept until thirty days after the token.
            func purge() async throws -> Int {
                try await api.database.transaction {
                    try await $0.purgeCredentialOffers(endedBefore: clock.now.addingTimeInterval(-CredentialOfferRoutes.retention))
                }
            }
            func remaining() async throws -> Int { try await api.database.read { try await $0.credentialOffers(learnerId: s.learnerId, after: nil, limit: 200).items }.count }
            #expect(try await purge() == 0)
            #expect(try await remaining() == 5)
            clock.advance(CredentialOfferRoutes.retention - 300)
            #expect(try await purge() == 3, "the three whose codes expired thirty days ago, not the two whose tokens lasted longer")
            clock.advance(1_500)
            #expect(try await purge() == 2)
            #expect(try await remaining() == 0)
        }
    }

    @Test("erasing the learner takes their offers with them: an outstanding code no longer works", arguments: TestEngine.available)
    func erasure(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let s = try await WalletAPITests.setup(api)
            let outstanding = try await Self.offer(api, token: s.token, credentialId: s.badgeId, transactionCode: false)
            let erased = try await api.admin(.delete, "/api/v1/learners/\(s.learnerId)", json: ["reason": "the learner asked"])
            #expect(erased.status == 200, "\(erased.string)")
            #expect(try await api.database.read { try await $0.credentialOffers(learnerId: s.learnerId, after: nil, limit: 200).items }.isEmpty)
            #expect(Self.error(try await Self.token(api, code: outstanding.code)) == "invalid_grant")
        }
    }

    /// A VC-API offer of the badge: the reply and the exchange's path.
    static func exchange(_ api: APIHarness, _ s: WalletAPITests.Setup,
                         sourceLocation: SourceLocation = #_sourceLocation) async throws -> (reply: Reply, path: String) {
        let reply = try await api.send(.post, "/api/v1/me/credentials/\(s.badgeId)/offers", key: s.token,
                                       json: ["protocol": "vcapi"], sourceLocation: sourceLocation)
        #expect(reply.status == 201, "\(reply.string)", sourceLocation: sourceLocation)
        let url = try #require(reply["exchangeURL"] as? String, sourceLocation: sourceLocation)
        #expect(url.hasPrefix(Self.issuer + "/exchanges/vxe_"), sourceLocation: sourceLocation)
        return (reply, String(url.dropFirst(Self.issuer.count)))
    }

    @Test("the Learner Credential Wallet receives an offered badge through a VC-API exchange: its link carries the invitation, the exchange answers {} with the credential as issued in a presentation, once; withdrawn, expired and revoked exchanges are refused",
          arguments: TestEngine.available)
    func vcAPIExchange(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        try await APIHarness.run(engine, clock: { clock.now }) { api in
            let s = try await WalletAPITests.setup(api)
            let (offer, path) = try await Self.exchange(api, s)
            #expect(offer["protocol"] as? String == "vcapi" && offer["transactionCode"] == nil && offer["hasTransactionCode"] as? Bool == false)
            let link = try #require(offer["offerURI"] as? String)
            #expect(link.hasPrefix("https://lcw.app/request.html?request="))
            #expect((offer["deepLink"] as? String)?.hasPrefix("dccrequest://request?request=") == true)
            let request = try #require(URLComponents(string: link)?.queryItems?.first { $0.name == "request" }?.value)
            let invitation = try JSONSerialization.jsonObject(with: Data(request.utf8)) as? [String: Any]
            #expect(invitation?["credentialRequestOrigin"] as? String == Self.issuer)
            #expect((invitation?["protocols"] as? [String: Any])?["vcapi"] as? String == Self.issuer + path)

            let interaction = try await api.send(.get, path + "?iuv=1")
            #expect((interaction["protocols"] as? [String: Any])?["vcapi"] as? String == Self.issuer + path, "\(interaction.string)")
            let asking = try await api.send(.post, path, json: ["verifiablePresentation": ["type": ["VerifiablePresentation"]]])
            #expect(asking.status == 400 && (asking["errors"] as? [[String: String]])?.first?["field"] == "body")
            #expect(try await api.send(.post, "/exchanges/vxe_" + String(repeating: "A", count: 43), json: [:]).status == 404)

            let answered = try await api.send(.post, path, json: [String: Any]())
            #expect(answered.status == 200, "\(answered.string)")
            let presentation = try #require(answered["verifiablePresentation"] as? [String: Any])
            #expect(presentation["type"] as? [String] == ["VerifiablePresentation"])
            let credential = try #require((presentation["verifiableCredential"] as? [[String: Any]])?.first)
            let issued = try await Self.issuedBadge(api, s)
            #expect(NSDictionary(dictionary: credential).isEqual(to: issued), "the credential as issued")
            let again = try await api.send(.post, path, json: [String: Any]())
            #expect(again.status == 410, "once")
            #expect(try await api.send(.get, path + "?iuv=1").status == 410)
            // An exchange's secret is no pre-authorized code.
            #expect(Self.error(try await Self.token(api, code: String(path.dropFirst("/exchanges/".count)))) == "invalid_grant")

            let withdrawn = try await Self.exchange(api, s)
            _ = try await api.send(.delete, "/api/v1/me/credential-offers/\(withdrawn.reply["id"] as! String)", key: s.token)
            #expect(try await api.send(.post, withdrawn.path, json: [String: Any]()).status == 410)
            let late = try await Self.exchange(api, s)
            clock.advance(601)
            #expect(try await api.send(.post, late.path, json: [String: Any]()).status == 410)

            let revokedLater = try await Self.exchange(api, s)
            let credentialId = try #require(issued["id"] as? String)
            #expect(try await api.send(.post, "/credentials/status", key: s.world.systemKey,
                                       json: ["credentialId": credentialId, "action": "revoke"]).status == 200)
            let refused = try await api.send(.post, revokedLater.path, json: [String: Any]())
            #expect(refused.status == 422, "\(refused.string)")

            let states = try await api.send(.get, "/api/v1/me/credential-offers", key: s.token).items
                .compactMap { $0["state"] as? String }.sorted()
            #expect(states == ["delivered", "expired", "offered", "withdrawn"], "the revoked one stays offered but is refused")
            let log = try await api.send(.get, "/api/v1/me/access-log?limit=200", key: s.token)
            let steps = log.items.filter { $0["action"] as? String == "vcapi.exchange" }
                .map { $0["outcome"] as? String ?? "" }.sorted()
            #expect(steps == ["allowed", "denied", "denied", "denied", "denied"], "\(steps)")
            let bad = try await api.send(.post, "/api/v1/me/credentials/\(s.badgeId)/offers", key: s.token,
                                         json: ["protocol": "vcapi", "transactionCode": true])
            #expect(bad.status == 400 && (bad["errors"] as? [[String: String]])?.first?["field"] == "transactionCode")
            let unknown = try await api.send(.post, "/api/v1/me/credentials/\(s.badgeId)/offers", key: s.token,
                                             json: ["protocol": "chapi"])
            #expect(unknown.status == 400 && (unknown["errors"] as? [[String: String]])?.first?["field"] == "protocol")
        }
    }
}
