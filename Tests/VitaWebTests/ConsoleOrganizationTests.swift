import Foundation
import Testing
import VitaTestSupport

/// The console's organization page: the organization as the API holds it, and the form an organization administrator
/// corrects its name, kind and identifiers with, under the version it was filled from.
struct ConsoleOrganizationTests {
    typealias Console = ConsoleTests

    @Test("an organization administrator corrects the organization's name, kind and identifiers on its page (an emptied row drops its identifier, a filled empty row adds one); a save from a stale page is refused; an invalid identifier is named with what was typed kept; an issuer sees the organization without the form and cannot change it",
          arguments: TestEngine.available)
    func administratorCorrectsTheOrganization(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Console.world(web, learners: 0, name: "Riverside Univeristy")
            let organizationPath = "/api/v1/organizations/\(world.organizationId)"
            let admin = try await Console.member(web, world.organizationId, login: "ada", role: "admin")
            #expect(try await web.get("/admin", cookie: admin).html.contains(#"<a href="/admin/organization">Organization</a>"#))
            let page = "/admin/organization"

            // Two identifiers given through the API first, so the form has rows to keep and to empty.
            let tag = try #require(try await web.api(.get, organizationPath).headers[.eTag])
            let seeded = try await web.api(.put, organizationPath, json: [
                "name": "Riverside Univeristy", "kind": "school",
                "identifiers": [["scheme": "domain", "value": "riverside.example"], ["scheme": "duns", "value": "123456789"]]],
                headers: [.ifMatch: tag])
            #expect(seeded.status == 200, "\(seeded.html)")

            let opened = try await web.get(page, cookie: admin)
            #expect(opened.status == 200 && opened.html.contains("<h1>Organization: Riverside Univeristy</h1>"), "\(opened.html)")
            #expect(opened.html.contains("Web domain: <span class=\"mono\">riverside.example</span></li>"),
                    "an identifier without an assigner shows none")
            #expect(opened.html.contains(#"<option value="school" selected>"#), "the form is filled with the current kind")
            #expect(opened.html.contains(#"name="value_3""#) && !opened.html.contains(#"name="value_4""#),
                    "its two identifiers and two empty rows")
            let first = try #require(ConsoleAgreementTests.version(opened))

            let corrected = try await web.submit(page, action: page, [
                ("version", first), ("name", "Riverside University"), ("kind", "university"),
                ("scheme_0", "domain"), ("value_0", "riverside.example"), ("issuer_0", ""),
                ("scheme_1", "duns"), ("value_1", " "), ("issuer_1", ""),
                ("scheme_2", "ipeds"), ("value_2", "123456"), ("issuer_2", "NCES"),
                ("scheme_3", "domain"), ("value_3", ""), ("issuer_3", ""),
            ], cookies: admin)
            #expect(corrected.status == 200 && corrected.html.contains("The organization was saved as shown."),
                    "\(corrected.html)")
            #expect(corrected.html.contains("<h1>Organization: Riverside University</h1>"))
            #expect(corrected.html.contains("at Riverside University."), "the console's frame names it as corrected")
            let stored = try await web.api(.get, organizationPath).json
            #expect(stored["name"] as? String == "Riverside University" && stored["kind"] as? String == "university")
            let identifiers = (stored["identifiers"] as? [[String: Any]] ?? []).map {
                [$0["scheme"] as? String, $0["value"] as? String, $0["issuer"] as? String]
            }
            #expect(identifiers == [["domain", "riverside.example", nil], ["ipeds", "123456", "NCES"]])

            let stale = try await web.submit(page, action: page, [("version", first), ("name", "Old form"), ("kind", "school")],
                                             cookies: admin)
            #expect(stale.status == 412 && stale.html.contains("Someone changed the organization after you opened this page"),
                    "\(stale.html)")

            let current = try #require(ConsoleAgreementTests.version(corrected))
            let invalid = try await web.submit(page, action: page, [
                ("version", current), ("name", "Riverside University"), ("kind", "university"),
                ("scheme_0", "ipeds"), ("value_0", "12ab"), ("issuer_0", ""), ("scheme_1", "domain"), ("value_1", ""),
            ], cookies: admin)
            #expect(invalid.status == 422 && invalid.html.contains("identifiers[0].value") && invalid.html.contains("6-digit IPEDS"),
                    "\(invalid.html)")
            #expect(invalid.html.contains(#"value="12ab""#), "what was typed stays in the form")
            let unchanged = try await web.api(.get, organizationPath).json
            #expect((unchanged["identifiers"] as? [[String: Any]])?.count == 2, "the refused save changed nothing")

            let issuer = try await Console.member(web, world.organizationId, login: "ian", role: "issuer")
            let seen = try await web.get(page, cookie: issuer)
            #expect(seen.status == 200 && seen.html.contains("Riverside University") && !seen.html.contains(#"name="version""#),
                    "\(seen.html)")
            let refused = try await web.post(page, form: [("csrf_token", try #require(seen.csrfToken)), ("version", current),
                                                          ("name", "Taken over"), ("kind", "other")], cookie: issuer)
            #expect(refused.status == 403, "\(refused.html)")
            #expect(try await web.api(.get, organizationPath).json["name"] as? String == "Riverside University")
        }
    }

    @Test("an organization administrator sets the organization's website, email, description and logo (a PNG upload) on its page; the logo stays through a later save until its removal is ticked; a file that is no image is refused with nothing changed",
          arguments: TestEngine.available)
    func administratorSetsTheIssuerProfile(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Console.world(web, learners: 0)
            let organizationPath = "/api/v1/organizations/\(world.organizationId)"
            let admin = try await Console.member(web, world.organizationId, login: "ada", role: "admin")
            let page = "/admin/organization"
            func save(_ fields: [(String, String)], file: FormPart? = nil) async throws -> Page {
                try await ConsoleAchievementTests.save(web, page, cookies: admin,
                                                       [("name", "Riverside University"), ("kind", "university")] + fields, file: file)
            }
            let png = try #require(Data(base64Encoded: String(ConsoleAchievementTests.png.dropFirst("data:image/png;base64,".count))))
            let saved = try await save([("url", "https://riverside.example"), ("email", "registrar@riverside.example"),
                                        ("description", "A public university by the river")],
                                       file: .file("image", filename: "logo.png", contentType: "image/png", bytes: Array(png)))
            #expect(saved.status == 200 && saved.html.contains("The organization was saved as shown."), "\(saved.html)")
            #expect(saved.html.contains(#"<a href="https://riverside.example" rel="noopener noreferrer">"#))
            #expect(saved.html.contains(#"<img src="data:image/png;base64,"#))
            var stored = try await web.api(.get, organizationPath).json
            #expect(stored["url"] as? String == "https://riverside.example")
            #expect(stored["email"] as? String == "registrar@riverside.example")
            #expect(stored["description"] as? String == "A public university by the river")
            #expect(stored["image"] as? String == ConsoleAchievementTests.png)

            let kept = try await save([("url", "https://www.riverside.example"), ("email", ""), ("description", "")])
            #expect(kept.status == 200, "\(kept.html)")
            #expect(!kept.html.contains(#"id="organization-email""#) && !kept.html.contains(#"id="organization-description""#),
                    "what is not set is not shown")
            stored = try await web.api(.get, organizationPath).json
            #expect(stored["url"] as? String == "https://www.riverside.example")
            #expect(stored["email"] == nil && stored["description"] == nil, "an emptied field is cleared")
            #expect(stored["image"] as? String == ConsoleAchievementTests.png, "no new logo and not removed: it stays")

            let notImage = try await save([("url", "https://www.riverside.example")],
                                          file: .file("image", filename: "logo.png", contentType: "image/png", bytes: Array("hello".utf8)))
            #expect(notImage.status == 422, "\(notImage.html)")
            #expect(try await web.api(.get, organizationPath).json["image"] as? String == ConsoleAchievementTests.png)
            let badURL = try await save([("url", "riverside.example")])
            #expect(badURL.status == 422 && badURL.html.contains("url") && badURL.html.contains(#"value="riverside.example""#),
                    "\(badURL.html)")

            let removed = try await save([("url", "https://www.riverside.example"), ("removeImage", "1")])
            #expect(removed.status == 200, "\(removed.html)")
            #expect(try await web.api(.get, organizationPath).json["image"] == nil)
        }
    }
}
