import Foundation
import HTTPTypes
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

/// Signing in to the wallet, sessions that any node answers, their expiry, and signing out (here and everywhere).
struct WalletSessionTests {
    static let password = "correct horse battery staple"

    /// A learner with an account `ada`; returns the learner id.
    static func learnerWithAccount(_ web: WebHarness) async throws -> String {
        let learner = try await web.api(.post, "/api/v1/learners", json: [
            "name": ["given": "Ada", "family": "Lovelace", "display": "Ada Lovelace"],
        ])
        let learnerId = try #require(learner.json["id"] as? String, "\(learner.html)")
        let account = try await web.api(.post, "/api/v1/learners/\(learnerId)/account",
                                        json: ["login": "ada", "password": password])
        #expect(account.status == 201, "\(account.html)")
        return learnerId
    }

    /// Signs in as a browser does (the form, then its submission); returns the answer and the cookies to send next.
    static func signIn(_ web: WebHarness, login: String = "ada", password: String = password) async throws -> (Page, String) {
        let form = try await web.get("/wallet/sign-in")
        #expect(form.status == 200)
        let token = try #require(form.csrfToken)
        let csrfCookie = try #require(form.csrfCookie)
        let answer = try await web.post("/wallet/sign-in", form: [("csrf_token", token), ("login", login), ("password", password)],
                                        cookie: csrfCookie)
        let cookies = [csrfCookie, answer.cookie("vita_wallet")].compactMap { $0 }.joined(separator: "; ")
        return (answer, cookies)
    }

    @Test("a learner signs in with their account and sees their wallet; the session cookie is HttpOnly and SameSite=Lax and its secret is not what the database keeps",
          arguments: TestEngine.available)
    func signInStartsASession(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            _ = try await Self.learnerWithAccount(web)
            let (answer, cookies) = try await Self.signIn(web)
            #expect(answer.status == 303)
            #expect(answer.header("Location") == "/wallet")
            let setCookie = try #require(answer.setCookie("vita_wallet"))
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax") && setCookie.contains("Path=/"))
            let home = try await web.get("/wallet", cookie: cookies)
            #expect(home.status == 200)
            #expect(home.html.contains("Signed in as Ada Lovelace."))
            #expect(home.header("Content-Security-Policy")?.contains("default-src 'none'") == true)

            let secret = String(try #require(answer.cookie("vita_wallet")).dropFirst("vita_wallet=".count))
            let hashes = try await web.database.withConnection { db in
                try await db.raw("SELECT id_hash FROM web_sessions").all().map { try $0.decode(column: "id_hash", as: String.self) }
            }
            #expect(hashes.count == 1 && !hashes.contains(secret))
            #expect(try await web.get("/wallet/sign-in", cookie: cookies).header("Location") == "/wallet",
                    "a signed-in learner is not asked to sign in again")
        }
    }

    @Test("the wallet without a session, or with an unknown one, sends the browser to the sign-in page", arguments: TestEngine.available)
    func walletNeedsASession(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let none = try await web.get("/wallet")
            #expect(none.status == 303 && none.header("Location") == "/wallet/sign-in")
            let forged = try await web.get("/wallet", cookie: "vita_wallet=" + String(repeating: "A", count: 43))
            #expect(forged.status == 303 && forged.header("Location") == "/wallet/sign-in")
            #expect(forged.setCookie("vita_wallet")?.contains("Max-Age=0") == true, "the stale cookie is dropped")
        }
    }

    @Test("a wrong password is answered on the page and audited; a locked account is refused even with the right password",
          arguments: TestEngine.available)
    func wrongPasswordsCountTowardsTheLock(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let learnerId = try await Self.learnerWithAccount(web)
            let (wrong, _) = try await Self.signIn(web, password: "not the password")
            #expect(wrong.status == 401)
            #expect(wrong.html.contains("The login name or password is wrong."))
            #expect(wrong.cookie("vita_wallet") == nil)
            let (unknown, _) = try await Self.signIn(web, login: "nobody")
            #expect(unknown.status == 401, "an unknown login reads exactly like a wrong password")
            for _ in 0..<4 { _ = try await Self.signIn(web, password: "still wrong") }
            let (locked, _) = try await Self.signIn(web)
            #expect(locked.status == 429)
            #expect(locked.html.contains("locked"))
            let audit = try await web.api(.get, "/api/v1/learners/\(learnerId)/access-log")
            let entries = audit.json["items"] as? [[String: Any]] ?? []
            #expect(entries.filter { $0["action"] as? String == "web.signin" && $0["outcome"] as? String == "denied" }.count == 5,
                    "\(audit.html)")
        }
    }

    @Test("a sign-in or sign-out form without the page's CSRF token is refused", arguments: TestEngine.available)
    func formsNeedTheirToken(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            _ = try await Self.learnerWithAccount(web)
            let form = try await web.get("/wallet/sign-in")
            let refused = try await web.post("/wallet/sign-in", form: [("login", "ada"), ("password", Self.password)],
                                             cookie: form.csrfCookie)
            #expect(refused.status == 403)
            #expect(refused.cookie("vita_wallet") == nil)
            let (_, cookies) = try await Self.signIn(web)
            let signOut = try await web.post("/wallet/sign-out", form: [], cookie: cookies)
            #expect(signOut.status == 403)
            #expect(try await web.get("/wallet", cookie: cookies).status == 200, "the session is still there")
        }
    }

    @Test("signing out ends this browser's session; signing out everywhere ends every browser's", arguments: TestEngine.available)
    func signingOut(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            _ = try await Self.learnerWithAccount(web)
            let (_, first) = try await Self.signIn(web)
            let (_, second) = try await Self.signIn(web)
            let (_, third) = try await Self.signIn(web)
            let home = try await web.get("/wallet", cookie: first)
            let token = try #require(home.csrfToken)
            let out = try await web.post("/wallet/sign-out", form: [("csrf_token", token)], cookie: first)
            #expect(out.status == 303 && out.header("Location") == "/wallet/sign-in?signed-out=1")
            #expect(out.setCookie("vita_wallet")?.contains("Max-Age=0") == true)
            #expect(try await web.get("/wallet", cookie: first).status == 303)
            #expect(try await web.get("/wallet", cookie: second).status == 200)

            let other = try await web.get("/wallet", cookie: second)
            let everywhere = try await web.post("/wallet/sign-out", form: [("csrf_token", try #require(other.csrfToken)),
                                                                           ("everywhere", "yes")], cookie: second)
            #expect(everywhere.status == 303)
            #expect(try await web.get("/wallet", cookie: second).status == 303)
            #expect(try await web.get("/wallet", cookie: third).status == 303, "every device is signed out")
            #expect(try await web.get("/wallet/sign-in?signed-out=1").html.contains("You are signed out."))
        }
    }

    @Test("a session ends after 30 minutes without a request, and 12 hours after sign-in however busy", arguments: TestEngine.available)
    func sessionsExpire(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        try await WebHarness.run(engine, clock: { clock.now }) { web in
            _ = try await Self.learnerWithAccount(web)
            let (_, idle) = try await Self.signIn(web)
            clock.advance(29 * 60)
            #expect(try await web.get("/wallet", cookie: idle).status == 200, "a request within 30 minutes keeps it")
            clock.advance(29 * 60)
            #expect(try await web.get("/wallet", cookie: idle).status == 200, "the deadline moved with the last request")
            clock.advance(31 * 60)
            #expect(try await web.get("/wallet", cookie: idle).status == 303, "30 idle minutes end it")

            let (_, busy) = try await Self.signIn(web)
            for _ in 0..<25 {
                clock.advance(29 * 60)
                _ = try await web.get("/wallet", cookie: busy)
            }
            #expect(try await web.get("/wallet", cookie: busy).status == 303, "12 hours end it however busy")
            let purged = try await web.database.transaction {
                try await $0.purgeExpiredOAuthArtefacts(now: clock.now, grace: 0)
            }
            #expect(purged.webSessions == 2)
        }
    }

    @Test("the wallet's cookie opens no API operation: the API takes only bearer credentials", arguments: TestEngine.available)
    func cookieIsNotAnAPICredential(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            _ = try await Self.learnerWithAccount(web)
            let (_, cookies) = try await Self.signIn(web)
            let me = try await web.get("/api/v1/me", cookie: cookies)
            #expect(me.status == 401)
        }
    }

    @Test("an erased learner's sessions end with the erasure", arguments: TestEngine.available)
    func erasureEndsSessions(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let learnerId = try await Self.learnerWithAccount(web)
            let (_, cookies) = try await Self.signIn(web)
            let erased = try await web.api(.delete, "/api/v1/learners/\(learnerId)", json: ["reason": "learner request"])
            #expect(erased.status == 200, "\(erased.html)")
            #expect(try await web.get("/wallet", cookie: cookies).status == 303)
        }
    }
}
