import Foundation
import Testing
import VitaTestSupport

/// The console's achievement page: the definition as credentials carry it, and the form issuers and organization
/// administrators correct it with, under the version it was filled from.
struct ConsoleAchievementTests {
    /// A 1×1 PNG.
    static let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

    /// Submits the form of the page at `path` (an achievement's, the organization's) as `cookies` with `fields` and
    /// `file`, under the version the page was read with unless `version` names another.
    static func save(_ web: WebHarness, _ path: String, cookies: String, version: String? = nil,
                     _ fields: [(String, String)], file: FormPart? = nil) async throws -> Page {
        let page = try await web.get(path, cookie: cookies)
        let token = try #require(page.csrfToken)
        let current = try #require(version ?? ConsoleAgreementTests.version(page), "the page has the form")
        let parts: [FormPart] = [.field("csrf_token", token), .field("version", current)] + fields.map { .field($0.0, $0.1) }
            + (file.map { [$0] } ?? [])
        return try await web.post(path, parts: parts, cookie: cookies)
    }

    @Test("an issuer corrects an achievement on its page: new codes are aligned, alignments it had stay as they were, the image stays until removed; a save from a stale page is refused and shows the current definition",
          arguments: TestEngine.available)
    func issuerCorrectsAnAchievement(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await ConsoleTests.world(web, learners: 0)
            let issuer = try await ConsoleTests.member(web, world.organizationId, login: "iris", role: "issuer")
            #expect(try await ConsoleFrameworkTests.upload(web, cookies: issuer,
                                                           file: ConsoleFrameworkTests.package(ConsoleFrameworkTests.skills)).status == 201)
            let created = try await web.api(.post, "/api/v1/achievements", json: [
                "organizationId": world.organizationId, "name": "Data Analyst", "description": "Data work",
                "criteriaNarrative": "Pass the project", "image": Self.png,
                "alignments": [["targetName": "ACM data curriculum", "targetUrl": "https://acm.example/data"],
                               ["targetName": "Statistics 1", "targetUrl": "https://sfia.example/stat1", "targetCode": "STAT1"]]])
            let achievementId = try #require(created.json["id"] as? String, "\(created.html)")
            let path = "/admin/achievements/\(achievementId)"

            let list = try await web.get("/admin/achievements", cookie: issuer)
            #expect(list.html.contains(#"<a href="\#(path)">Data Analyst</a>"#))
            let opened = try await web.get(path, cookie: issuer)
            #expect(opened.status == 200 && opened.html.contains("Achievement: Data Analyst"), "\(opened.html)")
            #expect(opened.html.contains(">STAT1</textarea>"), "the codes it is aligned to fill the field")
            #expect(opened.html.contains("Alignments made without a code"))
            let firstVersion = try #require(ConsoleAgreementTests.version(opened))

            let saved = try await Self.save(web, path, cookies: issuer, [
                ("name", "Data Analyst I"), ("description", "Data work, first level"), ("criteria", "Pass the project"),
                ("type", "Certificate"), ("alignments", "STAT1\nDS.2")])
            #expect(saved.status == 200 && saved.html.contains("The achievement was corrected."), "\(saved.html)")
            #expect(saved.html.contains(#"id="achievement-name">Data Analyst I<"#))
            var achievement = try await web.api(.get, "/api/v1/achievements/\(achievementId)").json
            #expect(achievement["achievementType"] as? String == "Certificate")
            #expect(achievement["image"] as? String == Self.png, "no new image and not removed: it stays")
            let alignments = achievement["alignments"] as? [[String: Any]] ?? []
            #expect(alignments.map { $0["targetName"] as? String } == ["ACM data curriculum", "Statistics 1", "Communicate findings"])
            #expect(alignments[1]["targetUrl"] as? String == "https://sfia.example/stat1", "an alignment kept is kept as it was")
            #expect(alignments[2]["targetType"] as? String == "CFItem")

            let stale = try await Self.save(web, path, cookies: issuer, version: firstVersion, [
                ("name", "Data Analyst (old form)"), ("description", "Data work"), ("criteria", "Pass"), ("alignments", "")])
            #expect(stale.status == 412 && stale.html.contains("Someone changed this achievement after you opened it"), "\(stale.html)")
            #expect(stale.html.contains(#"id="achievement-name">Data Analyst I<"#), "the stale save changed nothing")

            let unknown = try await Self.save(web, path, cookies: issuer, [
                ("name", "Data Analyst I"), ("description", "Data work"), ("criteria", "Pass"), ("alignments", "DS.9")])
            #expect(unknown.status == 422 && unknown.html.contains("has the code “DS.9”"), "\(unknown.html)")

            let removed = try await Self.save(web, path, cookies: issuer, [
                ("name", "Data Analyst I"), ("description", "Data work"), ("criteria", "Pass"), ("alignments", "DS.2"),
                ("removeImage", "1")])
            #expect(removed.status == 200, "\(removed.html)")
            achievement = try await web.api(.get, "/api/v1/achievements/\(achievementId)").json
            #expect(achievement["image"] == nil)
            #expect((achievement["alignments"] as? [[String: Any]] ?? []).map { $0["targetName"] as? String }
                    == ["ACM data curriculum", "Communicate findings"], "a code taken out of the field is no longer aligned")
        }
    }

    @Test("an auditor reads an achievement's page without the form and is refused a correction; another organization's staff find nothing",
          arguments: TestEngine.available)
    func othersCannotCorrect(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await ConsoleTests.world(web, learners: 0)
            let path = "/admin/achievements/\(world.achievementId)"
            let auditor = try await ConsoleTests.member(web, world.organizationId, login: "aude", role: "auditor")
            let page = try await web.get(path, cookie: auditor)
            #expect(page.status == 200 && page.html.contains("BSc Computer Science"))
            #expect(!page.html.contains(#"name="version""#))
            let tag = try #require(try await web.api(.get, "/api/v1/achievements/\(world.achievementId)").headers[.eTag])
            let refused = try await Self.save(web, path, cookies: auditor, version: tag, [
                ("name", "Renamed"), ("description", "d"), ("criteria", "c")])
            #expect(refused.status == 403, "\(refused.html)")

            let other = try await ConsoleTests.world(web, learners: 0, name: "Hillside College")
            let stranger = try await ConsoleTests.member(web, other.organizationId, login: "hal", role: "admin")
            #expect(try await web.get(path, cookie: stranger).status == 404)
            #expect(try await web.get("/admin/achievements/not-an-id", cookie: stranger).status == 404)
            #expect(try await web.api(.get, "/api/v1/achievements/\(world.achievementId)").json["name"] as? String == "BSc Computer Science")
        }
    }
}
