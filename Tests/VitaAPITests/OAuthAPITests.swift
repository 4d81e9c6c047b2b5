import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Testing
import VitaAPI
import VitaCore
import VitaOAuth
import VitaStorage
import VitaTestSupport

/// Collects every log line the application writes.
final class LogCapture: @unchecked Sendable, LogHandler {
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = self.metadata.merging(event.metadata ?? [:]) { $1 }
        lock.withLock { lines.append("\(event.message) \(all) \(event.error.map { "\($0)" } ?? "")") }
    }

    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}

/// The steps of the authorization-code flow as a client and a browser take them.
struct OAuthClientSteps {
    let api: APIHarness
    let clientId: String
    let secret: String
    let redirectURI = "https://wallet.example/callback"

    static var registration: [String: Any] { [
        "client_name": "Wallet <Example>", "client_uri": "https://wallet.example", "logo_uri": "https://wallet.example/logo.png",
        "tos_uri": "https://wallet.example/tos", "policy_uri": "https://wallet.example/privacy",
        "software_id": "wallet", "software_version": "1.0", "redirect_uris": ["https://wallet.example/callback"],
        "scope": "vita:approvals vita:experiences:read offline_access", "grant_types": ["authorization_code", "refresh_token"],
    ] }

    static func register(_ api: APIHarness, _ metadata: [String: Any] = registration) async throws -> OAuthClientSteps {
        let reply = try await api.send(.post, "/oauth/register", json: metadata)
        #expect(reply.status == 201, "\(reply.string)")
        return OAuthClientSteps(api: api, clientId: try #require(reply["client_id"] as? String),
                                secret: try #require(reply["client_secret"] as? String))
    }

    var basic: String { "Basic " + Data("\(clientId):\(secret)".utf8).base64EncodedString() }

    func form(_ path: String, _ parameters: [String: String], authorization: String? = nil,
              cookie: String? = nil) async throws -> Reply {
        let body = parameters.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        var headers = ["Content-Type": "application/x-www-form-urlencoded"]
        if let authorization { headers["Authorization"] = authorization }
        if let cookie { headers["Cookie"] = cookie }
        return try await api.send(.post, path, raw: body, headers: headers)
    }

    /// The consent page for a new authorization request, with its form fields and CSRF cookie.
    struct Page {
        let reply: Reply
        let pending: String
        let csrf: String
        let cookie: String
    }

    func authorizeURL(verifier: String, state: String = "st-1", scope: String = "vita:approvals vita:experiences:read",
                      redirectURI: String? = nil) -> String {
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
        return "/oauth/authorize?response_type=code&client_id=\(clientId)&redirect_uri=\(encode(redirectURI ?? self.redirectURI))"
            + "&scope=\(encode(scope))&state=\(state)&code_challenge=\(PKCE.challenge(for: verifier))&code_challenge_method=S256"
    }

    func page(verifier: String, scope: String = "vita:approvals vita:experiences:read") async throws -> Page {
        let reply = try await api.send(.get, authorizeURL(verifier: verifier, scope: scope))
        #expect(reply.status == 200, "\(reply.string)")
        func field(_ name: String) throws -> String {
            let marker = "name=\"\(name)\" value=\""
            let range = try #require(reply.string.range(of: marker))
            return String(reply.string[range.upperBound...].prefix { $0 != "\"" })
        }
        let setCookie = try #require(reply.headers[.setCookie])
        return Page(reply: reply, pending: try field("pending"), csrf: try field("csrf_token"),
                    cookie: String(setCookie.prefix { $0 != ";" }))
    }

    func answer(_ page: Page, login: String = "ada", password: String = OAuthAPITests.password,
                decision: String = "approve") async throws -> Reply {
        try await form("/oauth/authorize", ["pending": page.pending, "csrf_token": page.csrf, "login": login,
                                            "password": password, "decision": decision], cookie: page.cookie)
    }

    static func query(_ reply: Reply) throws -> [String: String] {
        let location = try #require(reply.headers[.location])
        let items = URLComponents(string: location)?.queryItems ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    /// Signs in, approves, and returns the code.
    func code(verifier: String) async throws -> String {
        let answered = try await answer(try await page(verifier: verifier))
        #expect(answered.status == 303, "\(answered.string)")
        let query = try Self.query(answered)
        #expect(query["state"] == "st-1")
        return try #require(query["code"])
    }

    func exchange(_ code: String, verifier: String, redirectURI: String? = nil) async throws -> Reply {
        try await form("/oauth/token", ["grant_type": "authorization_code", "code": code,
                                        "redirect_uri": redirectURI ?? self.redirectURI, "code_verifier": verifier],
                       authorization: basic)
    }

    func refresh(_ token: String) async throws -> Reply {
        try await form("/oauth/token", ["grant_type": "refresh_token", "refresh_token": token], authorization: basic)
    }
}

struct OAuthAPITests {
    static let password = "correct horse battery staple"
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    /// A learner with the account `ada`.
    @discardableResult
    static func learnerAccount(_ api: APIHarness) async throws -> String {
        let learner = try await api.admin(.post, "/api/v1/learners", json: ["name": ["display": "Ada Lovelace"]])
        let learnerId = try #require(learner["id"] as? String)
        let account = try await api.admin(.post, "/api/v1/learners/\(learnerId)/account",
                                          json: ["login": "Ada", "password": password])
        #expect(account.status == 201, "\(account.string)")
        #expect(account["login"] as? String == "ada")
        #expect(!account.string.contains(password) && !account.string.contains("scrypt"))
        return learnerId
    }

    @Test("register, sign in and approve, exchange the code with PKCE, use and refresh the token; reusing a rotated refresh token revokes the family; revocation ends a grant",
          arguments: TestEngine.available)
    func fullFlow(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let learnerId = try await Self.learnerAccount(api)
            let metadata = try await api.send(.get, "/.well-known/oauth-authorization-server")
            #expect(metadata["code_challenge_methods_supported"] as? [String] == ["S256"])
            #expect((metadata["token_endpoint"] as? String)?.hasSuffix("/oauth/token") == true)
            #expect((metadata["scopes_supported"] as? [String])?.contains("https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly") == true)

            let client = try await OAuthClientSteps.register(api)
            let page = try await client.page(verifier: Self.verifier)
            #expect(page.reply.string.contains("Wallet &lt;Example&gt;"), "the client name is escaped")
            #expect(!page.reply.string.contains("<script"))
            #expect(page.reply.string.contains("Read your experiences records"))
            #expect(page.reply.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
            #expect(page.cookie.hasPrefix("vita_oauth_csrf="))

            let answered = try await client.answer(page)
            #expect(answered.status == 303)
            let code = try #require(try OAuthClientSteps.query(answered)["code"])
            let tokens = try await client.exchange(code, verifier: Self.verifier)
            #expect(tokens.status == 200, "\(tokens.string)")
            #expect(tokens.headers[.cacheControl] == "no-store")
            #expect(tokens["token_type"] as? String == "Bearer")
            #expect(tokens["expires_in"] as? Int == 3600)
            #expect(tokens["scope"] as? String == "vita:experiences:read vita:approvals")
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)

            let approvals = try await api.send(.get, "/api/v1/me/approvals", key: access)
            #expect(approvals.status == 200, "\(approvals.string)")
            #expect(approvals.items.first?["clientId"] as? String == client.clientId)
            #expect(approvals.items.first?["clientName"] as? String == "Wallet <Example>")

            let rotated = try await client.refresh(refresh)
            #expect(rotated.status == 200, "\(rotated.string)")
            let access2 = try #require(rotated["access_token"] as? String)
            let refresh2 = try #require(rotated["refresh_token"] as? String)
            #expect(refresh2 != refresh)
            #expect(try await api.send(.get, "/api/v1/me/approvals", key: access2).status == 200)

            let reused = try await client.refresh(refresh)
            #expect(reused.status == 400)
            #expect(reused["error"] as? String == "invalid_grant")
            #expect(try await api.send(.get, "/api/v1/me/approvals", key: access2).status == 401, "the family is revoked")
            #expect(try await client.refresh(refresh2).status == 400)

            // A second grant, revoked through RFC 7009 by its refresh token: its access token stops working too.
            let verifier2 = String(repeating: "v", count: 50)
            let second = try await client.exchange(try await client.code(verifier: verifier2), verifier: verifier2)
            let access3 = try #require(second["access_token"] as? String)
            #expect(try await api.send(.get, "/api/v1/me/approvals", key: access3).status == 200)
            let revoked = try await client.form("/oauth/revoke", ["token": second["refresh_token"] as! String,
                                                                  "token_type_hint": "refresh_token"],
                                                authorization: client.basic)
            #expect(revoked.status == 200)
            #expect(try await api.send(.get, "/api/v1/me/approvals", key: access3).status == 401)
            let unknown = try await client.form("/oauth/revoke", ["token": "vat_unknown"], authorization: client.basic)
            #expect(unknown.status == 200)
            let unauthenticated = try await client.form("/oauth/revoke", ["token": access3])
            #expect(unauthenticated.status == 401)
            #expect(unauthenticated["error"] as? String == "invalid_client")

            // The learner revokes the approval: every token of that client for the learner stops working.
            let verifier3 = String(repeating: "w", count: 50)
            let third = try await client.exchange(try await client.code(verifier: verifier3), verifier: verifier3)
            let access4 = try #require(third["access_token"] as? String)
            let list = try await api.send(.get, "/api/v1/me/approvals", key: access4)
            let approvalId = try #require(list.items.first?["id"] as? String)
            let withdrawn = try await api.send(.delete, "/api/v1/me/approvals/\(approvalId)", key: access4)
            #expect(withdrawn.status == 200, "\(withdrawn.string)")
            #expect(try await api.send(.get, "/api/v1/me/approvals", key: access4).status == 401)

            let log = try await api.admin(.get, "/api/v1/learners/\(learnerId)/access-log")
            let actions = log.items.map { $0["action"] as! String }
            #expect(actions.filter { $0 == "oauth.authorize" }.count == 3)
            #expect(actions.contains("oauth.approval.revoke"))
        }
    }

    @Test("the token endpoint refuses a wrong verifier, a different redirect URI, another client, and a reused code (which revokes the first exchange's tokens)",
          arguments: TestEngine.available)
    func codeBinding(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            try await Self.learnerAccount(api)
            let client = try await OAuthClientSteps.register(api)
            let other = try await OAuthClientSteps.register(api)
            let code = try await client.code(verifier: Self.verifier)

            let wrongVerifier = try await client.exchange(code, verifier: String(repeating: "x", count: 43))
            #expect(wrongVerifier.status == 400)
            #expect(wrongVerifier["error"] as? String == "invalid_grant")
            let wrongRedirect = try await client.exchange(code, verifier: Self.verifier,
                                                          redirectURI: "https://wallet.example/other")
            #expect(wrongRedirect["error"] as? String == "invalid_grant")
            let otherClient = try await other.exchange(code, verifier: Self.verifier)
            #expect(otherClient["error"] as? String == "invalid_grant")
            let missing = try await client.form("/oauth/token", ["grant_type": "authorization_code", "code": code],
                                                authorization: client.basic)
            #expect(missing["error"] as? String == "invalid_request")
            let badSecret = try await client.form("/oauth/token", ["grant_type": "authorization_code"],
                                                  authorization: "Basic " + Data("\(client.clientId):wrong".utf8).base64EncodedString())
            #expect(badSecret.status == 401)
            #expect(badSecret.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            let grant = try await client.form("/oauth/token", ["grant_type": "password"], authorization: client.basic)
            #expect(grant["error"] as? String == "unsupported_grant_type")
            let credentials = try await client.form("/oauth/token", ["grant_type": "client_credentials"], authorization: client.basic)
            #expect(credentials["error"] as? String == "unauthorized_client")

            let first = try await client.exchange(code, verifier: Self.verifier)
            #expect(first.status == 200, "\(first.string)")
            let access = try #require(first["access_token"] as? String)
            #expect(try await api.send(.get, "/api/v1/me/approvals", key: access).status == 200)
            let reuse = try await client.exchange(code, verifier: Self.verifier)
            #expect(reuse["error"] as? String == "invalid_grant")
            #expect(try await api.send(.get, "/api/v1/me/approvals", key: access).status == 401)
        }
    }

    @Test("codes expire after 600 s and access tokens after 3600 s", arguments: TestEngine.available)
    func expiry(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        try await APIHarness.run(engine, clock: { clock.now }) { api in
            try await Self.learnerAccount(api)
            let client = try await OAuthClientSteps.register(api)
            let stale = try await client.code(verifier: Self.verifier)
            clock.advance(601)
            let expired = try await client.exchange(stale, verifier: Self.verifier)
            #expect(expired["error"] as? String == "invalid_grant")
            #expect((expired["error_description"] as? String)?.contains("expired") == true)

            let tokens = try await client.exchange(try await client.code(verifier: Self.verifier), verifier: Self.verifier)
            let access = try #require(tokens["access_token"] as? String)
            clock.advance(3599)
            #expect(try await api.send(.get, "/api/v1/me/approvals", key: access).status == 200)
            clock.advance(2)
            let late = try await api.send(.get, "/api/v1/me/approvals", key: access)
            #expect(late.status == 401)
            #expect(late.string.contains("expired"))
            let refreshed = try await client.refresh(try #require(tokens["refresh_token"] as? String))
            #expect(refreshed.status == 200, "a refresh token outlives its access token")
        }
    }

    @Test("denied consent redirects with access_denied and the state; an unregistered redirect URI gets an error page, never a redirect",
          arguments: TestEngine.available)
    func denialAndRedirectSafety(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            try await Self.learnerAccount(api)
            let client = try await OAuthClientSteps.register(api)
            let denied = try await client.answer(try await client.page(verifier: Self.verifier), password: "", decision: "deny")
            #expect(denied.status == 303)
            let query = try OAuthClientSteps.query(denied)
            #expect(query["error"] == "access_denied")
            #expect(query["state"] == "st-1")
            #expect(query["code"] == nil)
            #expect(denied.headers[.location]?.hasPrefix(client.redirectURI + "?") == true)

            let evil = try await api.send(.get, client.authorizeURL(verifier: Self.verifier, redirectURI: "https://evil.example/cb"))
            #expect(evil.status == 400)
            #expect(evil.headers[.location] == nil)
            #expect(evil.contentType?.hasPrefix("text/html") == true)
            let unknownClient = try await api.send(.get, "/oauth/authorize?client_id=cli_00000000000000000000000000000000")
            #expect(unknownClient.status == 400)
            #expect(unknownClient.headers[.location] == nil)

            let noState = try await api.send(.get, client.authorizeURL(verifier: Self.verifier, state: ""))
            #expect(noState.status == 303)
            #expect(try OAuthClientSteps.query(noState)["error"] == "invalid_request")
            let wideScope = try await api.send(.get, client.authorizeURL(verifier: Self.verifier, scope: "vita:employment:write"))
            #expect(try OAuthClientSteps.query(wideScope)["error"] == "invalid_scope")
            let plain = try await api.send(.get, client.authorizeURL(verifier: Self.verifier)
                .replacingOccurrences(of: "code_challenge_method=S256", with: "code_challenge_method=plain"))
            #expect(try OAuthClientSteps.query(plain)["error"] == "invalid_request")

            // Without the CSRF cookie the form is refused.
            let page = try await client.page(verifier: Self.verifier)
            let forged = try await client.form("/oauth/authorize", ["pending": page.pending, "csrf_token": page.csrf,
                                                                    "login": "ada", "password": Self.password,
                                                                    "decision": "approve"])
            #expect(forged.status == 403)
            #expect(forged.headers[.location] == nil)
            // A page is answered once.
            #expect(try await client.answer(page).status == 303)
            #expect(try await client.answer(page).status == 400)
        }
    }

    @Test("five wrong passwords lock the account (even the right password is refused, and reading the account shows until when) until the back-off passes",
          arguments: TestEngine.available)
    func lockout(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        try await APIHarness.run(engine, clock: { clock.now }) { api in
            let learnerId = try await Self.learnerAccount(api)
            let accountPath = "/api/v1/learners/\(learnerId)/account"
            let open = try await api.admin(.get, accountPath)
            #expect(open.status == 200 && open["login"] as? String == "ada" && open["lockedUntil"] == nil, "\(open.string)")
            #expect(!open.string.contains("scrypt"), "never the password's hash")
            let client = try await OAuthClientSteps.register(api)
            let page = try await client.page(verifier: Self.verifier)
            for attempt in 1...5 {
                let wrong = try await client.answer(page, password: "wrong password \(attempt)")
                #expect(wrong.status == (attempt < 5 ? 401 : 429), "attempt \(attempt)")
                #expect(wrong.headers[.location] == nil)
            }
            let locked = try await client.answer(page)
            #expect(locked.status == 429)
            #expect(locked.string.contains("locked"))
            let unknown = try await client.answer(page, login: "nobody")
            #expect(unknown.status == 401)
            #expect(unknown.string.contains("The login name or password is wrong."))
            #expect(try await api.admin(.get, accountPath)["lockedUntil"] is String, "support can see the lock")

            clock.advance(61)
            #expect(try await api.admin(.get, accountPath)["lockedUntil"] == nil, "a lock that has passed is not shown")
            let fresh = try await client.page(verifier: Self.verifier)
            let allowed = try await client.answer(fresh)
            #expect(allowed.status == 303, "\(allowed.string)")
        }
    }

    @Test("registration enforces the 1EdTech rules with RFC 7591 errors, and answers every field with the secret once",
          arguments: TestEngine.available)
    func registration(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let created = try await api.send(.post, "/oauth/register", json: OAuthClientSteps.registration)
            #expect(created.status == 201)
            #expect(created.headers[.cacheControl] == "no-store")
            #expect(created["redirect_uris"] as? [String] == ["https://wallet.example/callback"])
            #expect(created["grant_types"] as? [String] == ["authorization_code", "refresh_token"])
            #expect(created["token_endpoint_auth_method"] as? String == "client_secret_basic")
            #expect(created["client_secret_expires_at"] as? Int == 0)
            #expect((created["client_secret"] as? String)?.hasPrefix("vcs_") == true)

            var offHost = OAuthClientSteps.registration
            offHost["redirect_uris"] = ["https://evil.example/callback"]
            let redirect = try await api.send(.post, "/oauth/register", json: offHost)
            #expect(redirect.status == 400)
            #expect(redirect["error"] as? String == "invalid_redirect_uri")
            var single = OAuthClientSteps.registration
            single["redirect_uris"] = "https://wallet.example/callback"
            #expect(try await api.send(.post, "/oauth/register", json: single)["error"] as? String == "invalid_redirect_uri")
            var missing = OAuthClientSteps.registration
            missing["tos_uri"] = nil
            let incomplete = try await api.send(.post, "/oauth/register", json: missing)
            #expect(incomplete["error"] as? String == "invalid_client_metadata")
            #expect((incomplete["error_description"] as? String)?.contains("tos_uri") == true)
            #expect(try await api.send(.post, "/oauth/register", raw: "[1]")["error"] as? String == "invalid_client_metadata")
        }
    }

    @Test("a connected system's client_credentials token acts as the system: allowed under its agreement and scopes, denied beyond either, audited as the system",
          arguments: TestEngine.available)
    func clientCredentials(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world(categories: ["experiences"], extraProfileAgreement: false)
            let client = try await api.admin(.post, "/api/v1/systems/\(world.systemId)/oauth-clients",
                                             json: ["scope": "vita:experiences:read vita:experiences:write vita:employment:read"])
            #expect(client.status == 201, "\(client.string)")
            #expect(client["grant_types"] as? [String] == ["client_credentials"])
            let basic = "Basic " + Data("\(client["client_id"] as! String):\(client["client_secret"] as! String)".utf8).base64EncodedString()
            let steps = OAuthClientSteps(api: api, clientId: "", secret: "")
            let issued = try await steps.form("/oauth/token", ["grant_type": "client_credentials"], authorization: basic)
            #expect(issued.status == 200, "\(issued.string)")
            #expect(issued["refresh_token"] == nil)
            let token = try #require(issued["access_token"] as? String)

            let learner = try await api.learner(key: token)
            let written = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: token,
                                             json: APIHarness.experience(world.organizationId, source: "enr-1"))
            #expect(written.status == 201, "\(written.string)")
            #expect((written["provenance"] as? [String: Any])?["systemId"] as? String == world.systemId)
            #expect(try await api.send(.get, "/api/v1/learners/\(learner)/experiences", key: token).items.count == 1)

            // Within the token's scopes but outside the agreement: the agreement denies, naming its rule.
            let employment = try await api.send(.get, "/api/v1/learners/\(learner)/employment", key: token)
            #expect(employment.status == 403)
            #expect(employment["rule"] != nil)
            // Outside the token's scopes: insufficient_scope before any agreement is consulted.
            let profile = try await api.send(.get, "/api/v1/learners/\(learner)/profile", key: token)
            #expect(profile.status == 403)
            #expect((profile["errors"] as? [[String: String]])?.first?["reason"] == "insufficient_scope")
            #expect(profile.headers[.wwwAuthenticate]?.hasPrefix("Bearer realm=\"vita\", error=\"insufficient_scope\"") == true)
            #expect(employment.headers[.wwwAuthenticate] == nil, "an agreement denial is not an authentication challenge")
            #expect(try await api.send(.get, "/api/v1/competencies", key: token).status == 403)
            let unknownToken = try await api.send(.get, "/api/v1/learners/\(learner)/experiences", key: OAuthSecret.make(.accessToken).value)
            #expect(unknownToken.status == 401)
            #expect(unknownToken.headers[.wwwAuthenticate]?.contains("error=\"invalid_token\"") == true)
            let anonymous = try await api.send(.get, "/api/v1/learners/\(learner)/experiences")
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer realm=\"vita\"")

            let narrow = try await steps.form("/oauth/token", ["grant_type": "client_credentials", "scope": "vita:experiences:read"],
                                              authorization: basic)
            let readOnly = try #require(narrow["access_token"] as? String)
            #expect(narrow["scope"] as? String == "vita:experiences:read")
            let denied = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: readOnly,
                                            json: APIHarness.experience(world.organizationId, source: "enr-2"))
            #expect(denied.status == 403)
            #expect((denied["errors"] as? [[String: String]])?.first?["reason"] == "insufficient_scope")
            let wider = try await steps.form("/oauth/token", ["grant_type": "client_credentials", "scope": "vita:profile:read"],
                                             authorization: basic)
            #expect(wider["error"] as? String == "invalid_scope")

            let log = try await api.admin(.get, "/api/v1/learners/\(learner)/access-log")
            // Agreement decisions are audited as the system; refusals for want of scope as the client (docs/SECURITY.md).
            let clientId = client["client_id"] as! String
            #expect(log.items.allSatisfy {
                let actor = $0["actor"] as! [String: Any]
                return actor["id"] as? String == world.systemId || (actor["kind"] as? String == "client" && actor["id"] as? String == clientId)
            })
            #expect(log.items.contains { ($0["actor"] as! [String: Any])["kind"] as? String == "client" })
            #expect(log.items.contains { $0["outcome"] as? String == "denied" })

            #expect(try await api.admin(.post, "/api/v1/systems/\(world.systemId)/revoke").status == 200)
            #expect(try await api.send(.get, "/api/v1/learners/\(learner)/experiences", key: token).status == 401)
            let afterRevocation = try await steps.form("/oauth/token", ["grant_type": "client_credentials"], authorization: basic)
            #expect(afterRevocation["error"] as? String == "invalid_client")
        }
    }

    @Test("no password, client secret, code or token appears in the logs (application and SQL, at trace level), the audit log, or any response but the one that issues it")
    func secretsStayPut() async throws {
        let capture = LogCapture()
        var logger = Logger(label: "vita.test") { _ in capture }
        logger.logLevel = .trace
        // The database logs every statement (never its binds) at trace level: open one that logs into the capture.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vita-oauth-\(UUID().uuidString)")
        let database = try VitaDatabase.open(.sqlite(path: folder.appendingPathComponent("vita.sqlite").path), logger: logger)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await Migrations.run(on: database)
        let adminId = EntityID.make("adm")
        let (adminKey, adminHash) = APIKeys.make(ownerId: adminId)
        try await database.transaction { try await $0.insertAdminKey(id: adminId, keyHash: adminHash, at: Date()) }
        let learnerAPI = LearnerAPI(database: database, vault: try KeyVault(base64: KeyVault.generateMasterKey()))
        let worker = learnerAPI.issuanceJobWorker
        let conformance = DocumentConformance.shared(document: learnerAPI.openAPIDocument)
        try await Application(router: learnerAPI.router, logger: logger).test(.router) { client in
            let api = APIHarness(client: client, adminKey: adminKey, database: database, issuanceJobWorker: worker,
                                 conformance: conformance)
            try await Self.learnerAccount(api)
            let client = try await OAuthClientSteps.register(api)
            let page = try await client.page(verifier: Self.verifier)
            let wrong = try await client.answer(page, password: "a wrong password")
            let answered = try await client.answer(page)
            let code = try #require(try OAuthClientSteps.query(answered)["code"])
            let tokens = try await client.exchange(code, verifier: Self.verifier)
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)
            let approvals = try await api.send(.get, "/api/v1/me/approvals", key: access)
            let audit = try await api.admin(.get, "/api/v1/audit?limit=200")
            let document = try await api.send(.get, "/openapi.json")

            let secrets = [Self.password, "a wrong password", client.secret, code, access, refresh, page.csrf, Self.verifier]
            for secret in secrets {
                #expect(!capture.text.contains(secret))
                for reply in [approvals, audit, document] {
                    #expect(!reply.string.contains(secret))
                }
                // The sign-in page shown again after a wrong password carries its own CSRF token, nothing else.
                #expect(!wrong.string.contains(secret) || secret == page.csrf)
            }
            #expect(capture.text.contains("oauth_tokens"), "the capture saw the SQL log")
            #expect(!capture.text.contains(OAuthSecret.hash(access)), "the SQL log shows no bind values, not even hashes")
            #expect(!page.reply.string.contains(client.secret))
            #expect(!answered.string.contains(Self.password))
        }
        try await database.shutdown()
    }
}
