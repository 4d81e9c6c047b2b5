import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SQLKit
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

/// The issuer console: staff sign-in, sessions and lockout, role denials, another organization's isolation, and bulk
/// issuance from a CSV upload with bad rows, its progress and its report — through the real router.
struct ConsoleTests {
    static let password = "correct horse battery staple"

    /// An organization with a signing key and an achievement, a system that registered `learners` learners with a
    /// credential record each, and staff of each role. Returns what the tests need.
    struct World {
        let organizationId: String
        let achievementId: String
        /// (learner id, record id) per learner.
        let records: [(String, String)]
        /// The organization's connected system.
        let systemId: String
        /// Its API key.
        let systemKey: String
    }

    static func world(_ web: WebHarness, learners: Int = 3, name: String = "Riverside University") async throws -> World {
        let organization = try await web.api(.post, "/api/v1/organizations", json: ["name": name, "kind": "university"])
        let organizationId = try #require(organization.json["id"] as? String)
        #expect(try await web.api(.post, "/api/v1/organizations/\(organizationId)/keys").status == 201)
        let achievement = try await web.api(.post, "/api/v1/achievements", json: [
            "organizationId": organizationId, "name": "BSc Computer Science", "description": "Bachelor of Science",
            "criteriaNarrative": "Complete 180 credits"])
        let achievementId = try #require(achievement.json["id"] as? String, "\(achievement.html)")
        let system = try await web.api(.post, "/api/v1/systems", json: ["organizationId": organizationId, "name": "SIS", "kind": "sis"])
        let systemId = try #require((system.json["system"] as? [String: Any])?["id"] as? String)
        let key = try #require(system.json["apiKey"] as? String)
        let agreement = try await web.api(.post, "/api/v1/agreements", json: [
            "providerOrganizationId": organizationId, "consumerSystemId": systemId, "categories": ["credentials"],
            "permissions": ["read", "write"], "purpose": "Registrar sync", "consentRequired": false, "status": "active"])
        #expect(agreement.status == 201)
        var records: [(String, String)] = []
        for index in 0..<learners {
            let learner = try await web.send(.post, "/api/v1/learners", key: key, json: [
                "name": ["display": "Learner \(index)"], "identifiers": [["scheme": "email", "value": "l\(index)@example.edu"]]])
            let learnerId = try #require(learner.json["id"] as? String, "\(learner.html)")
            let record = try await web.send(.post, "/api/v1/learners/\(learnerId)/credentials", key: key, json: [
                "record": ["organizationId": organizationId, "kind": "degree", "title": "BSc", "awardedDate": "2026-06-30"],
                "provenance": ["sourceRecordId": "deg-\(index)"]])
            records.append((learnerId, try #require(record.json["id"] as? String, "\(record.html)")))
        }
        return World(organizationId: organizationId, achievementId: achievementId, records: records, systemId: systemId,
                     systemKey: key)
    }

    static func staff(_ web: WebHarness, _ organizationId: String, login: String, role: String) async throws -> String {
        let created = try await web.api(.post, "/api/v1/organizations/\(organizationId)/staff",
                                        json: ["login": login, "password": password, "role": role, "displayName": login.capitalized])
        #expect(created.status == 201, "\(created.html)")
        return try #require(created.json["id"] as? String)
    }

    /// A staff member of `organizationId` in `role`, signed in; returns the cookies to send next.
    static func member(_ web: WebHarness, _ organizationId: String, login: String, role: String) async throws -> String {
        _ = try await staff(web, organizationId, login: login, role: role)
        return try await signIn(web, login: login).1
    }

    /// Signs in to the console as a browser does; returns the answer and the cookies to send next.
    static func signIn(_ web: WebHarness, login: String, password: String = password) async throws -> (Page, String) {
        let form = try await web.get("/admin/sign-in")
        #expect(form.status == 200)
        let token = try #require(form.csrfToken)
        let csrfCookie = try #require(form.csrfCookie)
        let answer = try await web.post("/admin/sign-in", form: [("csrf_token", token), ("login", login), ("password", password)],
                                        cookie: csrfCookie)
        return (answer, [csrfCookie, answer.cookie("vita_admin")].compactMap { $0 }.joined(separator: "; "))
    }

    @Test("staff sign in to the console with their own cookie (HttpOnly, SameSite=Lax), see what their role may do, and sign out; a console page asked for without a session is returned to after signing in",
          arguments: TestEngine.available)
    func signInAndOut(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Self.world(web, learners: 0)
            _ = try await Self.staff(web, world.organizationId, login: "iris", role: "issuer")
            #expect(try await web.get("/admin").header("Location") == "/admin/sign-in")
            let (answer, cookies) = try await Self.signIn(web, login: "IRIS")
            #expect(answer.status == 303 && answer.header("Location") == "/admin")
            let setCookie = try #require(answer.setCookie("vita_admin"))
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
            #expect(answer.cookie("vita_wallet") == nil, "the console has its own cookie")
            let home = try await web.get("/admin", cookie: cookies)
            #expect(home.status == 200)
            #expect(home.html.contains("Signed in as Iris, issuer at Riverside University."))
            #expect(home.html.contains("issue credentials, one at a time or in bulk"))
            #expect(!home.html.contains("Read the audit log"), "an issuer is not offered the audit log")
            #expect(!home.html.contains("href=\"/admin/audit\""))
            let token = try #require(home.csrfToken)
            let out = try await web.post("/admin/sign-out", form: [("csrf_token", token)], cookie: cookies)
            #expect(out.status == 303 && out.header("Location") == "/admin/sign-in?signed-out=1")
            #expect(try await web.get("/admin", cookie: cookies).header("Location") == "/admin/sign-in")

            // A console page asked for without a session: sign in, then back to it (a console page only).
            let away = try await web.get("/admin/bulk?x=1")
            #expect(away.header("Location") == "/admin/sign-in?next=%2Fadmin%2Fbulk%3Fx%3D1")
            let form = try await web.get("/admin/sign-in?next=%2Fadmin%2Fbulk%3Fx%3D1")
            #expect(form.html.contains(#"<input type="hidden" name="next" value="/admin/bulk?x=1">"#))
            for (next, expected) in [("/admin/bulk?x=1", "/admin/bulk?x=1"), ("/wallet/credentials", "/admin"), ("//evil.example/admin", "/admin")] {
                let page = try await web.get("/admin/sign-in")
                let csrfCookie = try #require(page.csrfCookie)
                let back = try await web.post("/admin/sign-in", form: [("csrf_token", try #require(page.csrfToken)), ("login", "iris"),
                                                                         ("password", Self.password), ("next", next)],
                                              cookie: csrfCookie)
                #expect(back.status == 303 && back.header("Location") == expected, "\(next)")
            }
        }
    }

    @Test("wrong passwords are refused and audited, five lock the account, and a disabled account cannot sign in or keep its session",
          arguments: TestEngine.available)
    func lockoutAndDisabling(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Self.world(web, learners: 0)
            _ = try await Self.staff(web, world.organizationId, login: "olga", role: "auditor")
            for _ in 0..<4 {
                let (wrong, _) = try await Self.signIn(web, login: "olga", password: "not the password")
                #expect(wrong.status == 401 && wrong.html.contains("The login name or password is wrong."))
            }
            let (locked, _) = try await Self.signIn(web, login: "olga", password: "still not it")
            #expect(locked.status == 429 && locked.html.contains("locked"))
            let (lockedRight, _) = try await Self.signIn(web, login: "olga")
            #expect(lockedRight.status == 429, "a locked account is refused even with the right password")
            let audit = try await web.api(.get, "/api/v1/audit?limit=200")
            let denials = (audit.json["items"] as? [[String: Any]] ?? []).filter {
                ($0["action"] as? String) == "console.signin" && ($0["outcome"] as? String) == "denied"
            }
            #expect(denials.count == 5)

            let cookies = try await Self.member(web, world.organizationId, login: "dora", role: "issuer")
            #expect(try await web.get("/admin", cookie: cookies).status == 200)
            let doraId = try #require(try await web.api(.get, "/api/v1/organizations/\(world.organizationId)/staff")
                .json["items"].flatMap { ($0 as? [[String: Any]])?.first { $0["login"] as? String == "dora" }?["id"] as? String })
            #expect(try await web.api(.post, "/api/v1/staff/\(doraId)/disable").status == 200)
            #expect(try await web.get("/admin", cookie: cookies).header("Location") == "/admin/sign-in", "the session ended")
            let (again, _) = try await Self.signIn(web, login: "dora")
            #expect(again.status == 401)
        }
    }

    @Test("a form field holding the NUL character is refused as an unreadable form (400), on both engines, before any lookup",
          arguments: TestEngine.available)
    func nulInFormIsRefused(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Self.world(web, learners: 0)
            _ = try await Self.staff(web, world.organizationId, login: "olga", role: "auditor")
            let (answer, _) = try await Self.signIn(web, login: "olga\u{0}")
            #expect(answer.status == 400, "\(answer.html.prefix(300))")
            let (fine, _) = try await Self.signIn(web, login: "olga")
            #expect(fine.status == 303, "the account was not locked by the refused form")
        }
    }

    @Test("an auditor cannot issue (the API's 403 names the role) but verifies the audit chain; another organization's staff do not see this one's jobs or credentials",
          arguments: TestEngine.available)
    func roleAndOrganizationDenials(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Self.world(web, learners: 1)
            let cookies = try await Self.member(web, world.organizationId, login: "aldo", role: "auditor")
            let form = try await web.get("/admin/audit", cookie: cookies)
            #expect(form.status == 200)
            let token = try #require(form.csrfToken)
            let (learner, record) = world.records[0]
            let refused = try await web.post("/admin/issue", form: [("csrf_token", token), ("learner", learner), ("record", record),
                                                                    ("achievement", world.achievementId)], cookie: cookies)
            #expect(refused.status == 403)
            #expect(refused.html.contains("Your role does not allow this"))
            let audit = try await web.api(.get, "/api/v1/audit?limit=200")
            #expect((audit.json["items"] as? [[String: Any]] ?? []).contains {
                ($0["action"] as? String) == "issueOpenBadge" && ($0["reason"] as? String)?.hasPrefix("staff-role:") == true
            }, "the denial is audited with its rule")
            let verified = try await web.post("/admin/audit/verify", form: [("csrf_token", token)], cookie: cookies)
            #expect(verified.status == 200)
            #expect(verified.html.contains("The audit log is intact: all "))
            #expect(verified.html.contains("Its head is "), "the anchor to keep is shown")

            // Once the oldest entries are archived, the chain is said to continue from them.
            let archived = try #require(try await web.database.archiveAudit(
                before: Date().addingTimeInterval(-0.001), at: Date(), by: .init(kind: .cli, id: "cli"), write: { _ in },
                seal: { String(repeating: "0", count: 64) }))
            let continued = try await web.post("/admin/audit/verify", form: [("csrf_token", token)], cookie: cookies)
            #expect(continued.html.contains("continue from the archived entries 1 to \(archived.lastSequence)."), "\(continued.html)")
            let page = try await web.get("/admin/audit", cookie: cookies)
            #expect(page.html.contains("Archives made with vita audit archive") && page.html.contains("1–\(archived.lastSequence)"),
                    "the auditor sees the archive")
            #expect(page.html.contains(String(repeating: "0", count: 64)), "with the digest its file must have")

            // Organization B's administrator.
            let other = try await Self.world(web, learners: 0, name: "Hillside College")
            _ = try await Self.staff(web, other.organizationId, login: "bert", role: "admin")
            let ines = try await Self.member(web, world.organizationId, login: "ines", role: "issuer")
            let upload = try await Self.upload(web, cookies: ines, csv: "learner_id,record_id,achievement_id\n\(learner),\(record),\(world.achievementId)\n")
            let jobPath = try #require(upload.header("Location"))
            let (_, bert) = try await Self.signIn(web, login: "bert")
            #expect(try await web.get(jobPath, cookie: bert).status == 404)
            #expect(try await web.get(jobPath + "/report", cookie: bert).status == 404)
            let theirs = try await web.get("/admin/credentials", cookie: bert)
            #expect(theirs.status == 200 && !theirs.html.contains(learner))
            let systems = try await web.get("/admin/systems", cookie: bert)
            #expect(systems.status == 200 && systems.html.contains(other.systemId) && !systems.html.contains(world.systemId),
                    "each organization's staff see their own systems only")
            let ours = try await web.get("/admin/systems", cookie: cookies)
            #expect(ours.html.contains(world.systemId) && ours.html.contains("Registrar sync"))
        }
    }

    @Test("the audit page lists the archives a hundred at a time, and each list's next page keeps the other's place",
          arguments: TestEngine.available)
    func archivesPage(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Self.world(web, learners: 1)
            let cookies = try await Self.member(web, world.organizationId, login: "aldo", role: "auditor")
            // 101 archive checkpoints of ten entries each (the page lists them; it does not check them against files).
            try await web.database.withConnection { db in
                for index in 0..<101 {
                    let first = index * 10 + 1
                    try await db.raw("""
                        INSERT INTO audit_archives (last_sequence, first_sequence, last_hash, digest, cut_off, archived_at)
                        VALUES (\(bind: first + 9), \(bind: first), \(bind: String(repeating: "a", count: 64)),
                          \(bind: String(format: "%064d", index)), 0, 0)
                        """).run()
                }
            }
            let first = try await web.get("/admin/audit", cookie: cookies)
            #expect(first.status == 200)
            #expect(first.html.contains("991–1000") && !first.html.contains("1001–1010"), "the first hundred")
            let more = try #require(first.first(#"<a href="(/admin/audit\?archives=[^"]+)">More archives"#), "\(first.html)")
            let second = try await web.get(more.replacingOccurrences(of: "&amp;", with: "&"), cookie: cookies)
            #expect(second.html.contains("1001–1010") && !second.html.contains(">1–10<"), "the rest")
            #expect(!second.html.contains("More archives"))
            if let next = first.first(#"<a href="(/admin/audit\?cursor=[^"]+)">Next page"#) {
                #expect(!next.contains("archives="), "the entries' next page starts the archives from the top")
            }
        }
    }

    @Test("an organization administrator adds a staff member and disables them on the staff page; an issuer sees the list but no form",
          arguments: TestEngine.available)
    func staffPage(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Self.world(web, learners: 0)
            let cookies = try await Self.member(web, world.organizationId, login: "ada", role: "admin")
            let page = try await web.get("/admin/staff", cookie: cookies)
            let token = try #require(page.csrfToken)
            let created = try await web.post("/admin/staff", form: [("csrf_token", token), ("login", "Ian"), ("name", "Ian Issuer"),
                                                                    ("password", Self.password), ("role", "issuer")], cookie: cookies)
            #expect(created.status == 201, "\(created.html)")
            #expect(created.html.contains("The staff account ian was created."))
            let weak = try await web.post("/admin/staff", form: [("csrf_token", token), ("login", "weak"), ("password", "short"),
                                                                 ("role", "issuer")], cookie: cookies)
            #expect(weak.status == 422 && weak.html.contains("at least 10 characters"))
            let (_, ian) = try await Self.signIn(web, login: "ian")
            let seen = try await web.get("/admin/staff", cookie: ian)
            #expect(seen.status == 200 && seen.html.contains("Ian Issuer") && !seen.html.contains("action=\"/admin/staff\""))
            let ianId = try #require(created.html.firstMatch(of: /name="staffId" value="(stf_[0-9a-z]+)"/)?.1)
            let disabled = try await web.post("/admin/staff/disable", form: [("csrf_token", token), ("staffId", String(ianId))],
                                              cookie: cookies)
            #expect(disabled.status == 200 && disabled.html.contains("was disabled"), "\(disabled.html)")
            #expect(try await web.get("/admin", cookie: ian).header("Location") == "/admin/sign-in")
        }
    }

    @Test("a member changes their password with the current one and signs in again with it (every session ended); a wrong current password is refused and counts towards the lock; an administrator sets a new one for a locked member",
          arguments: TestEngine.available)
    func passwords(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Self.world(web, learners: 0)
            let admin = try await Self.member(web, world.organizationId, login: "ada", role: "admin")
            let ian = try await Self.member(web, world.organizationId, login: "ian", role: "issuer")
            let (_, ianElsewhere) = try await Self.signIn(web, login: "ian")
            let page = try await web.get("/admin/staff", cookie: ian)
            #expect(page.status == 200 && page.html.contains("action=\"/admin/staff/my-password\""))
            #expect(!page.html.contains("/admin/staff/reset-password"), "an issuer resets nobody's password")
            let token = try #require(page.csrfToken)
            func change(current: String, new: String, confirm: String) async throws -> Page {
                try await web.post("/admin/staff/my-password", form: [("csrf_token", token), ("current_password", current),
                                                                      ("new_password", new), ("confirm_password", confirm)],
                                   cookie: ian)
            }
            let mismatch = try await change(current: Self.password, new: "a brand new passphrase", confirm: "a brand new passphrasE")
            #expect(mismatch.status == 422 && mismatch.html.contains("differ"))
            let wrong = try await change(current: "not my password", new: "a brand new passphrase", confirm: "a brand new passphrase")
            #expect(wrong.status == 422 && wrong.html.contains("currentPassword"), "\(wrong.html)")
            let weak = try await change(current: Self.password, new: "short", confirm: "short")
            #expect(weak.status == 422 && weak.html.contains("at least 10 characters"))
            let changed = try await change(current: Self.password, new: "a brand new passphrase", confirm: "a brand new passphrase")
            #expect(changed.status == 303 && changed.header("Location") == "/admin/sign-in?password-changed=1")
            #expect(changed.cookie("vita_admin") == "vita_admin=", "this browser's session cookie is cleared")
            #expect(try await web.get("/admin", cookie: ian).header("Location") == "/admin/sign-in", "this session ended")
            #expect(try await web.get("/admin", cookie: ianElsewhere).header("Location") == "/admin/sign-in", "and the other one")
            let notice = try await web.get("/admin/sign-in?password-changed=1")
            #expect(notice.html.contains("Your password was changed"))
            #expect(try await Self.signIn(web, login: "ian").0.status == 401, "the old password no longer works")
            #expect(try await Self.signIn(web, login: "ian", password: "a brand new passphrase").0.status == 303)
            let audit = try await web.api(.get, "/api/v1/audit?limit=200")
            let changes = (audit.json["items"] as? [[String: Any]] ?? []).filter { ($0["action"] as? String) == "staff.password.change" }
            #expect(changes.map { $0["outcome"] as? String } == ["denied", "allowed"], "the wrong attempt and the change")

            // Ian is locked out by wrong passwords; the administrator sets a new one, which also lifts the lock.
            for _ in 0..<5 { _ = try await Self.signIn(web, login: "ian", password: "not the password") }
            #expect(try await Self.signIn(web, login: "ian", password: "a brand new passphrase").0.status == 429)
            let staffPage = try await web.get("/admin/staff", cookie: admin)
            let ianId = try #require(staffPage.html.firstMatch(of: /data-staff="ian">.*?name="staffId" value="(stf_[0-9a-z]+)"/.dotMatchesNewlines())?.1)
            let listed = try await web.api(.get, "/api/v1/organizations/\(world.organizationId)/staff")
            let adaId = try #require((listed.json["items"] as? [[String: Any]])?.first { $0["login"] as? String == "ada" }?["id"] as? String)
            #expect(staffPage.html.contains("id=\"r-\(ianId)\"") && !staffPage.html.contains("id=\"r-\(adaId)\""),
                    "a reset form for others, none for the administrator's own account")
            let adminToken = try #require(staffPage.csrfToken)
            let reset = try await web.post("/admin/staff/reset-password", form: [("csrf_token", adminToken), ("staffId", String(ianId)),
                                                                                 ("password", "set by the administrator")], cookie: admin)
            #expect(reset.status == 200 && reset.html.contains("The staff account ian has a new password"), "\(reset.html)")
            #expect(try await Self.signIn(web, login: "ian", password: "set by the administrator").0.status == 303)
            let ownReset = try await web.post("/admin/staff/reset-password", form: [("csrf_token", adminToken), ("staffId", adaId),
                                                                                    ("password", "set by the administrator")], cookie: admin)
            #expect(ownReset.status == 422 && ownReset.html.contains("is your own account"), "\(ownReset.html)")
        }
    }

    /// Uploads `csv` on the bulk page as a browser does.
    static func upload(_ web: WebHarness, cookies: String, csv: String) async throws -> Page {
        let page = try await web.get("/admin/bulk", cookie: cookies)
        #expect(page.status == 200)
        let token = try #require(page.csrfToken)
        return try await web.post("/admin/bulk", parts: [.field("csrf_token", token),
                                                         .file("file", filename: "graduates.csv", contentType: "text/csv",
                                                               bytes: Array(csv.utf8))], cookie: cookies)
    }

    @Test("a CSV with bad rows is issued in the background: the progress page and its JSON show it finish, the report names each rejected line and its reason, and resuming issues nothing twice",
          arguments: TestEngine.available)
    func bulkIssuance(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Self.world(web, learners: 30)
            let cookies = try await Self.member(web, world.organizationId, login: "ines", role: "issuer")
            var lines = ["learner_id,record_id,achievement_id"]
            for (learner, record) in world.records { lines.append("\(learner),\(record),\(world.achievementId)") }
            lines.insert("lrn_unknown,\(world.records[0].1),\(world.achievementId)", at: 5)       // line 6: no such learner
            lines.insert("only,two", at: 10)                                                    // line 11: wrong field count
            lines.insert("\(world.records[1].0),\(world.records[1].1),ach_nope", at: 20)         // line 21: no such achievement
            let upload = try await Self.upload(web, cookies: cookies, csv: lines.joined(separator: "\n") + "\n")
            #expect(upload.status == 303)
            let jobPath = try #require(upload.header("Location"))
            let page = try await web.get(jobPath, cookie: cookies)
            #expect(page.status == 200)
            #expect(page.html.contains("<progress id=\"job-progress\" max=\"33\""))
            #expect(page.html.contains("<script src=\"/static/console.js\""))
            #expect(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
            #expect(!page.html.contains("<script>"), "no inline script")

            var progress: [String: Any] = [:]
            for _ in 0..<200 {
                progress = try await web.get(jobPath + "/progress", cookie: cookies).json
                if progress["finished"] as? Bool == true { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(progress["finished"] as? Bool == true, "\(progress)")
            #expect(progress["issued"] as? Int == 30)
            #expect(progress["rejected"] as? Int == 3)
            let report = try await web.get(jobPath + "/report", cookie: cookies)
            #expect(report.status == 200)
            #expect(report.header("Content-Type")?.hasPrefix("text/csv") == true)
            #expect(report.header("Content-Disposition")?.hasPrefix("attachment") == true)
            let rows = report.html.split(separator: "\n").map(String.init)
            #expect(rows.count == 34)
            #expect(rows.filter { $0.contains(",issued,") }.count == 30)
            #expect(rows.contains { $0.hasPrefix("6,rejected,") && $0.contains("no such learner") })
            #expect(rows.contains { $0.hasPrefix("11,rejected,") && $0.contains("2 fields where the header has 3") })
            #expect(rows.contains { $0.hasPrefix("21,rejected,") && $0.contains("no such achievement") })
            let finished = try await web.get(jobPath, cookie: cookies)
            #expect(finished.html.contains("Finished: 30 issued and 3 rejected of 33 rows."))

            // Resuming the finished job issues nothing again.
            let jobId = String(jobPath.split(separator: "/").last!)
            let resumed = try await web.api(.post, "/api/v1/issuance-jobs/\(jobId)/resume")
            #expect(resumed.status == 202)
            try await Task.sleep(for: .milliseconds(200))
            let issued = try await web.api(.get, "/api/v1/organizations/\(world.organizationId)/credentials?limit=200")
            #expect((issued.json["items"] as? [[String: Any]])?.count == 30)
        }
    }

    @Test("an issuer issues one credential from the form, finds it by search and revokes it; the list shows it revoked",
          arguments: TestEngine.available)
    func issueSearchRevoke(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Self.world(web, learners: 1)
            let cookies = try await Self.member(web, world.organizationId, login: "ines", role: "issuer")
            let form = try await web.get("/admin/issue", cookie: cookies)
            #expect(form.html.contains(world.achievementId))
            let token = try #require(form.csrfToken)
            let (learner, record) = world.records[0]
            let issued = try await web.post("/admin/issue", form: [("csrf_token", token), ("learner", learner), ("record", record),
                                                                   ("achievement", world.achievementId)], cookie: cookies)
            #expect(issued.status == 201, "\(issued.html)")
            let credentialId = try #require(issued.html.firstMatch(of: /The credential (urn:uuid:[0-9a-f-]+) was issued/)?.1)
            let found = try await web.get("/admin/credentials?search=\(String(credentialId.suffix(12)))", cookie: cookies)
            #expect(found.html.contains(String(credentialId)) && found.html.contains("Active"))
            let byLearner = try await web.get("/admin/credentials?search=\(learner)", cookie: cookies)
            #expect(byLearner.html.contains(String(credentialId)), "a learner id, underscore and all, is matched literally")
            let wildcard = try await web.get("/admin/credentials?search=lrn%25", cookie: cookies)
            #expect(!wildcard.html.contains(String(credentialId)), "% in a search is not a wildcard")
            let revoked = try await web.post("/admin/credentials/status", form: [
                ("csrf_token", token), ("credentialId", String(credentialId)), ("action", "revoke")], cookie: cookies)
            #expect(revoked.status == 200, "\(revoked.html)")
            #expect(revoked.html.contains("was revoked") && revoked.html.contains("status-revoked"))
        }
    }
}
