import Foundation
import Testing
import VitaOAuth
import VitaTestSupport

/// Vita as a client of another platform's 1EdTech API, tested against a second real Vita: register, authorize,
/// pull, push, and the platform ending the access.
struct PlatformConnectionTests {
    /// A's side: an organization with a signing key and an achievement, a learner `ada` (email, account) holding one
    /// badge, a second badge-worthy record. Returns the learner's id at A.
    static func platform(_ a: LiveVita) async throws -> (learnerId: String, systemKey: String) {
        let organization = try await a.admin("POST", "/api/v1/organizations", json: ["name": "Riverside University", "kind": "university"])
        let organizationId = try #require(organization["id"] as? String)
        let system = try await a.admin("POST", "/api/v1/systems", json: ["organizationId": organizationId, "name": "SIS", "kind": "sis"])
        let systemKey = try #require(system["apiKey"] as? String)
        let systemId = try #require((system["system"] as? [String: Any])?["id"] as? String)
        let agreement = try await a.admin("POST", "/api/v1/agreements", json: [
            "providerOrganizationId": organizationId, "consumerSystemId": systemId, "categories": ["credentials"],
            "permissions": ["read", "write"], "purpose": "Registrar", "consentRequired": false, "status": "active",
        ])
        #expect(agreement.status == 201, "\(agreement.string)")
        #expect(try await a.admin("POST", "/api/v1/organizations/\(organizationId)/keys").status == 201)
        let achievement = try await a.admin("POST", "/api/v1/achievements", json: [
            "organizationId": organizationId, "name": "BSc Computer Science", "description": "Bachelor of Science",
            "criteriaNarrative": "Complete 180 credits",
        ])
        let learner = try await a.send("POST", "/api/v1/learners", key: systemKey, json: [
            "name": ["display": "Ada Lovelace"], "identifiers": [["scheme": "email", "value": "ada@example.edu"]],
        ])
        let learnerId = try #require(learner["id"] as? String)
        #expect(try await a.admin("POST", "/api/v1/learners/\(learnerId)/account",
                                  json: ["login": "ada", "password": OAuthAPITests.password]).status == 201)
        let record = try await a.send("POST", "/api/v1/learners/\(learnerId)/credentials", key: systemKey, json: [
            "record": ["organizationId": organizationId, "kind": "degree", "title": "BSc Computer Science", "awardedDate": "2026-06-30"],
            "provenance": ["sourceRecordId": "degree-1"],
        ])
        let badge = try await a.send("POST", "/api/v1/learners/\(learnerId)/credentials/\(record["id"] as! String)/badges",
                                     key: systemKey, json: ["achievementId": achievement["id"] as! String])
        #expect(badge.status == 201, "\(badge.string)")
        return (learnerId, systemKey)
    }

    /// B's side: a learner with one badge B issued.
    static func home(_ b: LiveVita) async throws -> String {
        let (learnerId, _) = try await platform(b)
        return learnerId
    }

    @Test("Vita registers at another Vita, the learner authorizes it there, and it pulls the learner's badge (verified) and pushes its own; when the learner revokes the approval there, the next pull ends the connection with the reason",
          arguments: TestEngine.available)
    func connectPullPushAndRevocation(_ engine: TestEngine) async throws {
        try await LiveVita.run(engine) { a in
            try await LiveVita.run(engine) { b in
                let (atA, _) = try await Self.platform(a)
                let atB = try await Self.home(b)

                let created = try await b.admin("POST", "/api/v1/learners/\(atB)/connections",
                                                json: ["discoveryURL": a.baseURL + "/ims/ob/v3p0/discovery"])
                #expect(created.status == 201, "\(created.string)")
                #expect(created["status"] as? String == "pending")
                let connectionId = try #require(created["id"] as? String)
                let authorizationURL = try #require(created["authorizationURL"] as? String)
                #expect(authorizationURL.hasPrefix(a.baseURL + "/oauth/authorize?"))
                #expect(authorizationURL.contains("code_challenge_method=S256"))

                // The learner's browser: sign in at A, approve, come back to B.
                let back = try await LiveBrowser.authorize(a, authorizationURL, login: "ada", password: OAuthAPITests.password)
                #expect(back.hasPrefix(b.baseURL + "/connections/callback?"))
                let landed = try await b.send("GET", back)
                #expect(landed.status == 200)
                #expect(landed.string.contains("Connected"), "\(landed.string)")
                let replay = try await b.send("GET", back)
                #expect(!replay.string.contains("<h1>Connected"), "a callback is answered once")

                let connections = try await b.admin("GET", "/api/v1/learners/\(atB)/connections")
                #expect(connections.items.first?["status"] as? String == "active")
                #expect(!connections.string.contains("vat_") && !connections.string.contains("vrt_"), "no tokens leave B")

                let pulled = try await b.admin("POST", "/api/v1/learners/\(atB)/connections/\(connectionId)/pull")
                #expect(pulled.status == 200, "\(pulled.string)")
                #expect(pulled["received"] as? Int == 1)
                #expect(pulled["created"] as? Int == 1)
                let held = try await b.admin("GET", "/api/v1/learners/\(atB)/held-credentials")
                #expect(held.items.count == 1)
                #expect((held.items.first?["source"] as? [String: Any])?["kind"] as? String == "platform")
                #expect((held.items.first?["source"] as? [String: Any])?["id"] as? String == connectionId)
                let again = try await b.admin("POST", "/api/v1/learners/\(atB)/connections/\(connectionId)/pull")
                #expect(again["unchanged"] as? Int == 1)
                #expect(again["created"] as? Int == 0)

                let pushed = try await b.admin("POST", "/api/v1/learners/\(atB)/connections/\(connectionId)/push")
                #expect(pushed.status == 200, "\(pushed.string)")
                #expect(pushed["sent"] as? Int == 1)
                #expect(pushed["created"] as? Int == 1)
                let atAHeld = try await a.admin("GET", "/api/v1/learners/\(atA)/held-credentials")
                #expect(atAHeld.items.count == 1, "B's badge is held at A now")
                #expect((atAHeld.items.first?["source"] as? [String: Any])?["kind"] as? String == "client")

                // Audit at both ends.
                let logA = try await a.admin("GET", "/api/v1/learners/\(atA)/access-log?limit=200")
                let actionsA = logA.items.compactMap { $0["action"] as? String }
                #expect(actionsA.contains("ims.ob.credentials.read") && actionsA.contains("ims.ob.credentials.upsert"))
                let logB = try await b.admin("GET", "/api/v1/learners/\(atB)/access-log?limit=200")
                let actionsB = logB.items.compactMap { $0["action"] as? String }
                #expect(actionsB.contains("connection.authorize") && actionsB.contains("connection.pull") && actionsB.contains("connection.push"))

                // The learner revokes Vita B's approval at A: B's tokens stop working there, refresh included.
                let wallet = try await Self.learnerToken(a)
                let approvals = try await a.send("GET", "/api/v1/me/approvals", key: wallet)
                let bApproval = try #require(approvals.items.first { ($0["clientName"] as? String)?.hasPrefix("Vita (") == true })
                #expect(try await a.send("DELETE", "/api/v1/me/approvals/\(bApproval["id"] as! String)", key: wallet).status == 200)
                let refused = try await b.admin("POST", "/api/v1/learners/\(atB)/connections/\(connectionId)/pull")
                #expect(refused.status == 409, "\(refused.string)")
                #expect(refused.string.contains("no longer honours"))
                let ended = try await b.admin("GET", "/api/v1/learners/\(atB)/connections")
                #expect(ended.items.first?["status"] as? String == "failed")
                #expect(try await b.admin("GET", "/api/v1/learners/\(atB)/held-credentials").items.count == 1,
                        "what was pulled stays")
            }
        }
    }

    @Test("a learner who denies at the platform leaves the connection failed with the platform's answer; a bad discovery URL is refused",
          arguments: TestEngine.available)
    func denialAndBadPlatforms(_ engine: TestEngine) async throws {
        try await LiveVita.run(engine) { a in
            try await LiveVita.run(engine) { b in
                _ = try await Self.platform(a)
                let atB = try await Self.home(b)
                let created = try await b.admin("POST", "/api/v1/learners/\(atB)/connections",
                                                json: ["discoveryURL": a.baseURL + "/ims/clr/v2p0/discovery"])
                #expect(created.status == 201, "\(created.string)")
                let back = try await LiveBrowser.authorize(a, try #require(created["authorizationURL"] as? String),
                                                           login: "ada", password: OAuthAPITests.password, decision: "deny")
                let landed = try await b.send("GET", back)
                #expect(landed.string.contains("Not connected"))
                let listed = try await b.admin("GET", "/api/v1/learners/\(atB)/connections")
                #expect(listed.items.first?["status"] as? String == "failed")
                #expect((listed.items.first?["reason"] as? String)?.contains("access_denied") == true)
                let pull = try await b.admin("POST", "/api/v1/learners/\(atB)/connections/\(created["id"] as! String)/pull")
                #expect(pull.status == 409)

                let notAPlatform = try await b.admin("POST", "/api/v1/learners/\(atB)/connections",
                                                     json: ["discoveryURL": a.baseURL + "/ims/ob/v3p0/nothing-here/discovery"])
                #expect(notAPlatform.status == 502, "\(notAPlatform.string)")
                let wrongPath = try await b.admin("POST", "/api/v1/learners/\(atB)/connections",
                                                  json: ["discoveryURL": a.baseURL + "/openapi.json"])
                #expect(wrongPath.status == 400)
                let insecure = try await b.admin("POST", "/api/v1/learners/\(atB)/connections",
                                                 json: ["discoveryURL": "http://platform.example/ims/ob/v3p0/discovery"])
                #expect(insecure.status == 502, "plain http to a non-loopback host is refused: \(insecure.string)")
            }
        }
    }

    /// A learner token of `ada` at `a` with `scope` (`vita:approvals` by default), through a wallet client registered there.
    static func learnerToken(_ a: LiveVita, scope: String = "vita:approvals") async throws -> String {
        let registration = try await a.send("POST", "/oauth/register", json: [
            "client_name": "Wallet", "client_uri": "https://wallet.example", "logo_uri": "https://wallet.example/logo.png",
            "tos_uri": "https://wallet.example/tos", "policy_uri": "https://wallet.example/privacy", "software_id": "wallet",
            "software_version": "1.0", "redirect_uris": ["https://wallet.example/callback"], "scope": scope,
        ])
        let clientId = try #require(registration["client_id"] as? String)
        let secret = try #require(registration["client_secret"] as? String)
        let verifier = String(repeating: "z", count: 48)
        let url = "\(a.baseURL)/oauth/authorize?response_type=code&client_id=\(clientId)"
            + "&redirect_uri=https%3A%2F%2Fwallet.example%2Fcallback&scope=\(scope.replacingOccurrences(of: ":", with: "%3A"))&state=s1"
            + "&code_challenge=\(PKCE.challenge(for: verifier))&code_challenge_method=S256"
        let back = try await LiveBrowser.authorize(a, url, login: "ada", password: OAuthAPITests.password)
        let code = try #require(URLComponents(string: back)?.queryItems?.first { $0.name == "code" }?.value)
        let basic = "Basic " + Data("\(clientId):\(secret)".utf8).base64EncodedString()
        let tokens = try await a.send("POST", "/oauth/token", key: basic, form: [
            "grant_type": "authorization_code", "code": code, "redirect_uri": "https://wallet.example/callback",
            "code_verifier": verifier,
        ])
        return try #require(tokens["access_token"] as? String)
    }
}
