import Foundation
import Testing
import VitaResolution
import VitaTestSupport

/// The console's connected systems, agreements and consents, through the real router: what an organization
/// administrator changes there takes effect on the Learner API at once, other roles see but cannot change, and another
/// organization's staff reach nothing.
struct ConsoleAgreementTests {
    typealias Console = ConsoleTests

    /// Registers a system on the systems page as `cookies`; returns the page, the system's id and its key.
    static func register(_ web: WebHarness, _ name: String, cookies: String) async throws -> (Page, String, String) {
        let created = try await web.submit("/admin/systems", action: "/admin/systems", [("name", name), ("kind", "lms")],
                                           cookies: cookies)
        #expect(created.status == 201, "\(created.html)")
        let key = try #require(created.first(#"id="created-key" class="mono" readonly value="([^"]+)""#))
        let systemId = try #require(created.first(#"<tr data-system="(sys_[0-9a-z]+)"><th scope="row"><a href="/admin/systems/sys_[0-9a-z]+">\#(name)<"#))
        return (created, systemId, key)
    }

    /// The agreement version (ETag) an agreement page's change form carries, as the browser submits it.
    static func version(_ page: Page) -> String? {
        page.first(#"name="version" value="([^"]+)""#)?.replacingOccurrences(of: "&quot;", with: "\"")
    }

    @Test("an organization administrator registers a system whose key, shown once, works on the API, gives it a new key (the old one still works for a day) and revokes it on the page; an issuer sees the systems but no forms and is refused",
          arguments: TestEngine.available)
    func registerAndRevokeSystem(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Console.world(web, learners: 0)
            let ada = try await Console.member(web, world.organizationId, login: "ada", role: "admin")
            let (created, systemId, key) = try await Self.register(web, "Career LMS", cookies: ada)
            #expect(created.html.contains("The system Career LMS was registered."))
            #expect(try await web.send(.get, "/api/v1/competencies", key: key).status == 200, "the new key authenticates")
            let again = try await web.get("/admin/systems", cookie: ada)
            #expect(again.status == 200 && again.html.contains(systemId) && !again.html.contains(key), "the key is shown once")

            let empty = try await web.submit("/admin/systems", action: "/admin/systems", [("name", " "), ("kind", "lms")],
                                             cookies: ada)
            #expect(empty.status == 422 && empty.html.contains("name"), "\(empty.html)")

            let ian = try await Console.member(web, world.organizationId, login: "ian", role: "issuer")
            let seen = try await web.get("/admin/systems", cookie: ian)
            #expect(seen.status == 200 && seen.html.contains("Career LMS"))
            #expect(!seen.html.contains(#"action="/admin/systems""#) && !seen.html.contains(#"action="/admin/systems/revoke""#))
            let token = try #require(seen.csrfToken)
            let refused = try await web.post("/admin/systems/revoke", form: [("csrf_token", token), ("systemId", systemId)],
                                             cookie: ian)
            #expect(refused.status == 403 && refused.html.contains("Your role does not allow this"))
            #expect(try await web.send(.get, "/api/v1/competencies", key: key).status == 200)

            let rotated = try await web.submit("/admin/systems", action: "/admin/systems/key", [("systemId", systemId)],
                                               cookies: ada)
            #expect(rotated.status == 201 && rotated.html.contains("Career LMS has a new API key"), "\(rotated.html)")
            let newKey = try #require(rotated.first(#"id="created-key" class="mono" readonly value="([^"]+)""#))
            #expect(newKey != key)
            #expect(try await web.send(.get, "/api/v1/competencies", key: newKey).status == 200, "the new key works")
            #expect(try await web.send(.get, "/api/v1/competencies", key: key).status == 200, "the old one for a day")
            #expect(!seen.html.contains(#"action="/admin/systems/key""#), "an issuer has no key form")

            let revoked = try await web.submit("/admin/systems", action: "/admin/systems/revoke", [("systemId", systemId)],
                                               cookies: ada)
            #expect(revoked.status == 200 && revoked.html.contains("The API key of Career LMS was revoked"), "\(revoked.html)")
            #expect(try await web.send(.get, "/api/v1/competencies", key: key).status == 401, "the revoked key fails")
            #expect(try await web.send(.get, "/api/v1/competencies", key: newKey).status == 401, "both of them")
        }
    }

    @Test("an organization administrator corrects a system's name and kind on its page (its key still works); a save from a stale page or with no name is refused and changes nothing; an issuer sees no form; a revoked system has none",
          arguments: TestEngine.available)
    func renameSystem(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Console.world(web, learners: 0)
            let ada = try await Console.member(web, world.organizationId, login: "ada", role: "admin")
            let (_, systemId, key) = try await Self.register(web, "Career LMS", cookies: ada)
            let page = "/admin/systems/\(systemId)"
            let opened = try await web.get(page, cookie: ada)
            #expect(opened.html.contains(#"<option value="lms" selected>"#), "the form is filled with the current kind")
            let first = try #require(Self.version(opened))

            let renamed = try await web.submit(page, action: page, [("version", first), ("name", "Careers Moodle"), ("kind", "lms")],
                                               cookies: ada)
            #expect(renamed.status == 200 && renamed.html.contains("The system&#39;s name and kind were saved."), "\(renamed.html)")
            #expect(renamed.html.contains("<h1>Connected system: Careers Moodle</h1>"), "\(renamed.html)")
            #expect(try await web.api(.get, "/api/v1/systems/\(systemId)").json["name"] as? String == "Careers Moodle")
            #expect(try await web.send(.get, "/api/v1/competencies", key: key).status == 200, "its key still works")

            let stale = try await web.submit(page, action: page, [("version", first), ("name", "Old form"), ("kind", "hr")],
                                             cookies: ada)
            #expect(stale.status == 412 && stale.html.contains("Someone changed this system after you opened it"), "\(stale.html)")
            let blank = try await web.submit(page, action: page,
                                             [("version", try #require(Self.version(renamed))), ("name", " "), ("kind", "lms")],
                                             cookies: ada)
            #expect(blank.status == 422 && blank.html.contains("name"), "\(blank.html)")
            let system = try await web.api(.get, "/api/v1/systems/\(systemId)").json
            #expect(system["name"] as? String == "Careers Moodle" && system["kind"] as? String == "lms", "nothing else changed")

            let ian = try await Console.member(web, world.organizationId, login: "ian", role: "issuer")
            #expect(!(try await web.get(page, cookie: ian)).html.contains(#"name="version""#))
            _ = try await web.submit("/admin/systems", action: "/admin/systems/revoke", [("systemId", systemId)], cookies: ada)
            #expect(!(try await web.get(page, cookie: ada)).html.contains(#"name="version""#), "a revoked system keeps its name")
        }
    }

    @Test("an organization administrator sets where a system's change notifications go on its page (the signing secret shown once; a URL the outbound policy refuses is named and kept in the field), sees failed posts with the next try, and stops them; an issuer sees the system but not its notifications and is refused; another organization's staff find nothing",
          arguments: TestEngine.available)
    func systemNotifications(_ engine: TestEngine) async throws {
        let http = ResolutionHTTPClient(configuration: ResolutionConfiguration(allowInsecureHTTPForHosts: ["127.0.0.1"],
                                                                               timeout: .seconds(5)))
        do {
            try await WebHarness.run(engine, notificationClient: http) { web in
                let world = try await Console.world(web, learners: 0)
                let page = "/admin/systems/\(world.systemId)"
                let ada = try await Console.member(web, world.organizationId, login: "ada", role: "admin")
                let listed = try await web.get("/admin/systems", cookie: ada)
                #expect(listed.html.contains(#"<a href="\#(page)">SIS</a>"#), "the list links each system's page")
                let first = try await web.get(page, cookie: ada)
                #expect(first.status == 200 && first.html.contains("Connected system: SIS"), "\(first.html)")
                #expect(first.html.contains(#"id="notification-none""#))

                let refused = try await web.submit(page, action: page + "/notifications", [("url", "http://hooks.example/vita")],
                                                   cookies: ada)
                #expect(refused.status == 422 && refused.html.contains("url") && refused.html.contains("https only"), "\(refused.html)")
                #expect(refused.html.contains(#"value="http://hooks.example/vita""#), "what was typed stays in the field")

                // Nothing listens on port 9: every post fails to connect.
                let url = "http://127.0.0.1:9/hooks/vita"
                let set = try await web.submit(page, action: page + "/notifications", [("url", url)], cookies: ada)
                #expect(set.status == 200 && set.html.contains("Change notifications now go to \(url)"), "\(set.html)")
                let secret = try #require(set.first(#"id="created-secret" class="mono" readonly value="([^"]+)""#))
                #expect(secret.hasPrefix("vns_"))
                let shown = try await web.get(page, cookie: ada)
                #expect(!shown.html.contains(secret), "the secret is shown once")
                #expect(shown.html.contains(#"id="notification-url">\#(url)<"#) && shown.html.contains("Not yet"))

                let key = try #require(try await web.api(.post, "/api/v1/systems/\(world.systemId)/key").json["apiKey"] as? String)
                let learner = try await web.send(.post, "/api/v1/learners", key: key, json: ["name": ["display": "Ada"]])
                let learnerId = try #require(learner.json["id"] as? String)
                let record = try await web.send(.post, "/api/v1/learners/\(learnerId)/credentials", key: key, json: [
                    "record": ["organizationId": world.organizationId, "kind": "degree", "title": "BSc", "awardedDate": "2026-06-30"],
                    "provenance": ["sourceRecordId": "deg-1"]])
                #expect(record.status == 201)
                let round = try await #require(web.changeNotifier).deliverDue()
                #expect(round == .init(failed: 1), "\(round)")
                let failing = try await web.get(page, cookie: ada)
                #expect(failing.html.contains(#"id="notification-failing">The last 1 post(s) failed"#), "\(failing.html)")

                let ian = try await Console.member(web, world.organizationId, login: "ian", role: "issuer")
                let seen = try await web.get(page, cookie: ian)
                #expect(seen.status == 200 && seen.html.contains("SIS") && !seen.html.contains("Change notifications"))
                let token = try #require(seen.csrfToken)
                let denied = try await web.post(page + "/notifications/remove", form: [("csrf_token", token)], cookie: ian)
                #expect(denied.status == 403 && denied.html.contains("Your role does not allow this"), "\(denied.html)")

                let stopped = try await web.submit(page, action: page + "/notifications/remove", [], cookies: ada)
                #expect(stopped.status == 200 && stopped.html.contains("Change notifications stopped."), "\(stopped.html)")
                #expect(stopped.html.contains(#"id="notification-none""#))
                #expect(try await web.api(.get, "/api/v1/systems/\(world.systemId)/change-notifications").status == 404)

                let other = try await Console.world(web, learners: 0, name: "Lakeside College")
                let bert = try await Console.member(web, other.organizationId, login: "bert", role: "admin")
                #expect(try await web.get(page, cookie: bert).status == 404)
                #expect(try await web.get("/admin/systems/sys_0123456789abcdef0123456789abcdef", cookie: ada).status == 404)
            }
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    @Test("an administrator creates an agreement requiring consent and activates it; a change from a stale page is refused; the consent recorded on the page lets the system read, and withdrawing it denies the next read",
          arguments: TestEngine.available)
    func agreementLifecycleAndConsents(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Console.world(web, learners: 1)
            let (learnerId, _) = world.records[0]
            let ada = try await Console.member(web, world.organizationId, login: "ada", role: "admin")
            let (_, systemId, key) = try await Self.register(web, "Career LMS", cookies: ada)
            let fields = [("purpose", "Career advising"), ("consumerSystemId", systemId), ("category_credentials", "on"),
                          ("permission_read", "on"), ("consentRequired", "on"), ("status", "draft"), ("validFrom", ""),
                          ("validUntil", "2099-12-31")]

            let badDate = try await web.submit("/admin/systems", action: "/admin/agreements",
                                               fields.filter { $0.0 != "validUntil" } + [("validUntil", "31/12/2099")], cookies: ada)
            #expect(badDate.status == 422 && badDate.html.contains("Ends on (after this day): enter a date as YYYY-MM-DD."))
            let noCategory = try await web.submit("/admin/systems", action: "/admin/agreements",
                                                  fields.filter { $0.0 != "category_credentials" }, cookies: ada)
            #expect(noCategory.status == 422 && noCategory.html.contains("categories"), "\(noCategory.html)")

            let created = try await web.submit("/admin/systems", action: "/admin/agreements", fields, cookies: ada)
            #expect(created.status == 201, "\(created.html)")
            #expect(created.html.contains("The agreement was created.") && created.html.contains("Draft"))
            #expect(created.html.contains("2099-12-31T23:59:59"))
            let agreementId = try #require(created.first(#"data-agreement="(agr_[0-9a-z]+)""#))
            let page = "/admin/agreements/\(agreementId)"
            let read = "/api/v1/learners/\(learnerId)/credentials"
            #expect(try await web.send(.get, read, key: key).status == 403, "a draft agreement lets nothing through")

            let opened = try await web.get(page, cookie: ada)
            let staleVersion = try #require(Self.version(opened))
            let activated = try await web.submit(page, action: page, [("version", staleVersion), ("status", "active")], cookies: ada)
            #expect(activated.status == 200 && activated.html.contains("The agreement was changed."), "\(activated.html)")
            #expect(activated.html.contains(#"id="agreement-status">Active<"#))
            let stale = try await web.submit(page, action: page, [("version", staleVersion), ("status", "suspended")], cookies: ada)
            #expect(stale.status == 412 && stale.html.contains("Someone changed this agreement after you opened it"))
            #expect(stale.html.contains(#"id="agreement-status">Active<"#), "the stale change was not applied")

            let denied = try await web.send(.get, read, key: key)
            #expect(denied.status == 403 && denied.html.contains("consent"), "\(denied.html)")
            let badLearner = try await web.submit(page, action: page + "/consents", [("learnerId", "Ada Lovelace")], cookies: ada)
            #expect(badLearner.status == 422 && badLearner.html.contains("Enter the learner&#39;s identifier (lrn_…)."))
            let recorded = try await web.submit(page, action: page + "/consents", [("learnerId", learnerId)], cookies: ada)
            #expect(recorded.status == 201 && recorded.html.contains("The consent of learner \(learnerId) was recorded."))
            #expect(recorded.html.contains("In force"))
            #expect(try await web.send(.get, read, key: key).status == 200, "the consent lets the system read")

            let consentId = try #require(recorded.first(#"name="consentId" value="(cns_[0-9a-z]+)""#))
            let withdrawn = try await web.submit(page, action: page + "/consents/withdraw",
                                                 [("learnerId", learnerId), ("consentId", consentId)], cookies: ada)
            #expect(withdrawn.status == 200 && withdrawn.html.contains("was withdrawn"), "\(withdrawn.html)")
            #expect(withdrawn.html.contains("Withdrawn "))
            #expect(try await web.send(.get, read, key: key).status == 403, "the next read is denied")

            let consents = try await web.api(.get, "/api/v1/agreements/\(agreementId)/consents")
            let items = try #require(consents.json["items"] as? [[String: Any]])
            #expect(items.count == 1 && items[0]["withdrawnAt"] is String)

            let terminated = try await web.submit(page, action: page,
                                                  [("version", try #require(Self.version(withdrawn))),
                                                   ("status", "terminated")], cookies: ada)
            #expect(terminated.status == 200 && terminated.html.contains(#"id="agreement-status">Terminated<"#))
            #expect(!terminated.html.contains(#"action="\#(page)/consents""#), "a terminated agreement takes no new consents")
        }
    }

    @Test("an auditor reads an agreement and its consents without forms; another organization's administrator cannot open, change or record consents for it, and the refusals are audited",
          arguments: TestEngine.available)
    func otherRolesAndOrganizations(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Console.world(web, learners: 1)
            let (learnerId, _) = world.records[0]
            let agreements = try await web.api(.get, "/api/v1/agreements")
            let agreementId = try #require((agreements.json["items"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await web.api(.post, "/api/v1/learners/\(learnerId)/consents", json: ["agreementId": agreementId]).status == 201)
            let page = "/admin/agreements/\(agreementId)"

            let aldo = try await Console.member(web, world.organizationId, login: "aldo", role: "auditor")
            let seen = try await web.get(page, cookie: aldo)
            #expect(seen.status == 200 && seen.html.contains("Registrar sync") && seen.html.contains(learnerId))
            #expect(!seen.html.contains(#"name="version""#) && !seen.html.contains(#"action="\#(page)/consents"#))

            let other = try await Console.world(web, learners: 0, name: "Hillside College")
            let bert = try await Console.member(web, other.organizationId, login: "bert", role: "admin")
            let hidden = try await web.get(page, cookie: bert)
            #expect(hidden.status == 404 && !hidden.html.contains(learnerId))
            let token = try #require(try await web.get("/admin/systems", cookie: bert).csrfToken)
            let changed = try await web.post(page, form: [("csrf_token", token), ("version", "\"1\""), ("status", "suspended")],
                                             cookie: bert)
            #expect(changed.status == 404, "refused by the API, then nothing to show")
            let consent = try await web.post(page + "/consents", form: [("csrf_token", token), ("learnerId", learnerId)], cookie: bert)
            #expect(consent.status == 404 && !consent.html.contains(learnerId), "refused by the API, then nothing to show")

            var entries: [[String: Any]] = []
            var cursor: String?
            repeat {
                let audit = try await web.api(.get, "/api/v1/audit?limit=200" + (cursor.map { "&cursor=\($0)" } ?? ""))
                entries += try #require(audit.json["items"] as? [[String: Any]])
                cursor = audit.json["nextCursor"] as? String
            } while cursor != nil
            let denials = entries.filter { ($0["outcome"] as? String) == "denied" }
            #expect(denials.contains { ($0["action"] as? String) == "updateAgreement"
                    && ($0["reason"] as? String)?.hasPrefix("staff-organization:") == true }, "the refused change is audited")
            #expect(denials.contains { ($0["action"] as? String) == "consent.grant" && ($0["learnerId"] as? String) == learnerId },
                    "the refused consent is audited")
            let status = try await web.api(.get, "/api/v1/agreements/\(agreementId)")
            #expect(status.json["status"] as? String == "active", "nothing changed")
        }
    }
}
