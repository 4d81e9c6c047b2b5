import Foundation
import Testing
import VitaTestSupport

/// The console's competency frameworks: importing a CASE package from a file, what the import did and where the
/// package deviates, the framework's items as a tree, strict refusals, and who may see and do what.
struct ConsoleFrameworkTests {
    /// A CASE package of `items` (code, statement, parent code), its document's date-time without a zone (a CASE 1.0
    /// habit, so one deviation).
    static func package(_ items: [(String, String, String?)], title: String = "Riverside Data Skills") -> [UInt8] {
        let document = "9f3c1a52-7d1e-4c3b-8a2f-5e6d7c8b9a01"
        func uuid(_ code: String) -> String {
            let digits = code.unicodeScalars.map { String($0.value % 10) }.joined()
            return "00000000-0000-4000-8000-" + String((digits + String(repeating: "0", count: 12)).prefix(12))
        }
        let cfItems = items.map { code, statement, _ in
            #"{"identifier":"\#(uuid(code))","uri":"https://case.example/\#(code)","fullStatement":"\#(statement)","humanCodingScheme":"\#(code)","lastChangeDateTime":"2026-09-01T12:00:00Z"}"#
        }
        let associations = items.map { code, _, parent in
            let destination = parent.map(uuid) ?? document
            return #"{"identifier":"\#(uuid("a" + code))","associationType":"isChildOf","uri":"https://case.example/a/\#(code)","lastChangeDateTime":"2026-09-01T12:00:00Z","originNodeURI":{"title":"c","identifier":"\#(uuid(code))","uri":"https://case.example/\#(code)"},"destinationNodeURI":{"title":"p","identifier":"\#(destination)","uri":"https://case.example/p"}}"#
        }
        return Array(#"""
            {"CFDocument":{"identifier":"\#(document)","uri":"https://case.example/doc","creator":"Riverside University","title":"\#(title)","lastChangeDateTime":"2026-09-01T12:00:00"},
             "CFItems":[\#(cfItems.joined(separator: ","))],"CFAssociations":[\#(associations.joined(separator: ","))]}
            """#.utf8)
    }

    static let skills: [(String, String, String?)] = [
        ("DS.1", "Analyse data", nil), ("DS.1.10", "Summarise a data set", "DS.1"), ("DS.1.2", "Clean a data set", "DS.1"),
        ("DS.2", "Communicate findings", nil),
    ]

    static func upload(_ web: WebHarness, cookies: String, file: [UInt8]?, strict: Bool = false) async throws -> Page {
        let page = try await web.get("/admin/frameworks", cookie: cookies)
        let token = try #require(page.csrfToken)
        var parts: [FormPart] = [.field("csrf_token", token)]
        if let file { parts.append(.file("package", filename: "framework.json", contentType: "application/json", bytes: file)) }
        if strict { parts.append(.field("strict", "yes")) }
        return try await web.post("/admin/frameworks", parts: parts, cookie: cookies)
    }

    @Test("an issuer imports a CASE package file: the page says what the import did and where the package deviates; the framework's page shows its items as a tree in order, retired items marked after a later import",
          arguments: TestEngine.available)
    func importFromFile(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await ConsoleTests.world(web, learners: 0)
            let issuer = try await ConsoleTests.member(web, world.organizationId, login: "iris", role: "issuer")
            let empty = try await web.get("/admin/frameworks", cookie: issuer)
            #expect(empty.status == 200)
            #expect(empty.html.contains(#"<a href="/admin/frameworks" aria-current="page">Competency frameworks</a>"#))
            #expect(empty.html.contains(#"name="packageURL""#))

            let neither = try await Self.upload(web, cookies: issuer, file: nil)
            #expect(neither.status == 422 && neither.html.contains("Choose a package file or give its address"))
            let notJSON = try await Self.upload(web, cookies: issuer, file: Array("CFDocument,title\n".utf8))
            #expect(notJSON.status == 422 && notJSON.html.contains("The file is not JSON"))
            let strict = try await Self.upload(web, cookies: issuer, file: Self.package(Self.skills), strict: true)
            #expect(strict.status == 422, "\(strict.html)")
            #expect(strict.html.contains("deviates from CASE 1.1 in 1 place (conformance strict)"))
            #expect(strict.html.contains("package/CFDocument/lastChangeDateTime"))

            let imported = try await Self.upload(web, cookies: issuer, file: Self.package(Self.skills))
            #expect(imported.status == 201, "\(imported.html)")
            #expect(imported.html.contains("“Riverside Data Skills” imported: 4 new, 0 updated, 0 retired, 0 unchanged."))
            #expect(imported.html.contains("The package deviates from CASE 1.1 in one place; it was imported as it is."))
            #expect(imported.html.contains(#"<span class="mono">/CFDocument/lastChangeDateTime</span>"#))
            let link = try #require(imported.html.range(of: #"href="/admin/frameworks/cfw_[0-9a-f]+""#, options: .regularExpression))
            let path = String(imported.html[link].dropFirst(6).dropLast())

            let tree = try await web.get(path, cookie: issuer)
            #expect(tree.status == 200)
            #expect(tree.html.contains("<h1>Riverside Data Skills</h1>"))
            #expect(tree.html.contains("uploaded file") && tree.html.contains("sha256:"))
            // What the package does not say is not listed (no publisher, version, adoption status or language).
            #expect(tree.html.contains("Created by") && !tree.html.contains("Published by") && !tree.html.contains("Adoption status"))
            // DS.1.2 before DS.1.10 under DS.1, and DS.1's list closes before DS.2.
            let items = String(tree.html[try #require(tree.html.range(of: "framework-items")).lowerBound...])
            let order = ["DS.1</span>", "DS.1.2</span>", "DS.1.10</span>", "</ul>", "DS.2</span>"].map {
                items.range(of: $0)?.lowerBound
            }
            #expect(order.allSatisfy { $0 != nil })
            #expect(zip(order, order.dropFirst()).allSatisfy { $0! < $1! }, "\(items)")
            #expect(!items.contains("retired"))

            let revised = try await Self.upload(web, cookies: issuer, file: Self.package(Array(Self.skills.prefix(3))))
            #expect(revised.status == 200 && revised.html.contains("0 new, 0 updated, 1 retired, 3 unchanged"), "\(revised.html)")
            let after = try await web.get(path, cookie: issuer)
            #expect(after.html.contains("Communicate findings <span class=\"detail\">(retired: no longer in the framework)</span>"))
        }
    }

    @Test("an auditor reads frameworks but is not offered the import, and the API refuses one; another organization's staff find nothing",
          arguments: TestEngine.available)
    func rolesAndOrganizations(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await ConsoleTests.world(web, learners: 0)
            let issuer = try await ConsoleTests.member(web, world.organizationId, login: "iris", role: "issuer")
            let imported = try await Self.upload(web, cookies: issuer, file: Self.package(Self.skills))
            let link = try #require(imported.html.range(of: #"/admin/frameworks/cfw_[0-9a-f]+"#, options: .regularExpression))
            let path = String(imported.html[link])

            let auditor = try await ConsoleTests.member(web, world.organizationId, login: "aude", role: "auditor")
            let page = try await web.get("/admin/frameworks", cookie: auditor)
            #expect(page.status == 200 && page.html.contains("Riverside Data Skills"))
            #expect(!page.html.contains(#"name="packageURL""#))
            #expect(try await web.get(path, cookie: auditor).status == 200)
            let refused = try await Self.upload(web, cookies: auditor, file: Self.package(Self.skills, title: "Other"))
            #expect(refused.status == 403, "\(refused.html)")

            let other = try await ConsoleTests.world(web, learners: 0, name: "Hillside College")
            let stranger = try await ConsoleTests.member(web, other.organizationId, login: "hal", role: "admin")
            let theirs = try await web.get("/admin/frameworks", cookie: stranger)
            #expect(theirs.status == 200 && !theirs.html.contains("Riverside Data Skills"))
            #expect(try await web.get(path, cookie: stranger).status == 404)
            #expect(try await web.get("/admin/frameworks/not-an-id", cookie: stranger).status == 404)
        }
    }

    @Test("an achievement is aligned to framework items by their codes: the list shows them, an unknown or retired code is refused with nothing created",
          arguments: TestEngine.available)
    func alignedAchievement(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await ConsoleTests.world(web, learners: 0)
            let issuer = try await ConsoleTests.member(web, world.organizationId, login: "iris", role: "issuer")
            #expect(try await Self.upload(web, cookies: issuer, file: Self.package(Self.skills)).status == 201)
            func create(_ name: String, alignments: String) async throws -> Page {
                let page = try await web.get("/admin/achievements", cookie: issuer)
                #expect(page.html.contains(#"name="alignments""#))
                return try await web.post("/admin/achievements", parts: [
                    .field("csrf_token", try #require(page.csrfToken)), .field("name", name),
                    .field("description", "Data work"), .field("criteria", "Pass the project"), .field("alignments", alignments),
                ], cookie: issuer)
            }
            let created = try await create("Data Analyst", alignments: "DS.1.10,\n DS.2 , DS.1.10")
            #expect(created.status == 201, "\(created.html)")
            #expect(created.html.contains("Aligned to: DS.1.10 Summarise a data set; DS.2 Communicate findings"), "\(created.html)")
            let achievements = try await web.api(.get, "/api/v1/achievements?limit=200").json["items"] as? [[String: Any]] ?? []
            let alignments = try #require(achievements.first { $0["name"] as? String == "Data Analyst" }?["alignments"] as? [[String: Any]])
            #expect(alignments.map { $0["targetCode"] as? String } == ["DS.1.10", "DS.2"])
            #expect(alignments.allSatisfy { $0["targetType"] as? String == "CFItem" && $0["targetFramework"] as? String == "Riverside Data Skills" })
            #expect((alignments.first?["targetUrl"] as? String)?.hasPrefix("https://case.example/DS.1.10") == true)

            let unknown = try await create("Data Scientist", alignments: "DS.9")
            #expect(unknown.status == 422 && unknown.html.contains("competency frameworks has the code “DS.9”"), "\(unknown.html)")
            let tooMany = try await create("Data Everything", alignments: (1...51).map { "DS.\($0)" }.joined(separator: ","))
            #expect(tooMany.status == 422 && tooMany.html.contains("at most 50 items"), "\(tooMany.html)")
            // DS.2 leaves the framework: it can no longer be aligned to.
            #expect(try await Self.upload(web, cookies: issuer, file: Self.package(Array(Self.skills.prefix(3)))).status == 200)
            let retired = try await create("Data Communicator", alignments: "DS.2")
            #expect(retired.status == 422 && retired.html.contains("has the code “DS.2”"))
            let names = (try await web.api(.get, "/api/v1/achievements?limit=200").json["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(!names.contains("Data Scientist") && !names.contains("Data Communicator") && !names.contains("Data Everything"))
        }
    }

    @Test("the wallet names a competency of an imported framework by its code, name and framework", arguments: TestEngine.available)
    func walletShowsCodes(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            let organizations = try await web.api(.get, "/api/v1/organizations").json["items"] as? [[String: Any]] ?? []
            let organizationId = try #require(organizations.first?["id"] as? String)
            let package = try JSONSerialization.jsonObject(with: Data(Self.package(Self.skills)))
            let imported = try await web.api(.post, "/api/v1/competency-frameworks", json: ["organizationId": organizationId, "package": package])
            #expect(imported.status == 201, "\(imported.html)")
            let found = try await web.api(.get, "/api/v1/competencies?code=DS.1.2&organizationId=\(organizationId)")
            let competencyId = try #require((found.json["items"] as? [[String: Any]])?.first?["id"] as? String)
            let assertion = try await web.send(.post, "/api/v1/learners/\(world.learnerId)/competencies", key: world.systemKey, json: [
                "record": ["competencyId": competencyId, "organizationId": organizationId, "level": 3,
                           "evidence": [["url": "https://portfolio.example/clean"]]],
                "provenance": ["sourceRecordId": "assessment-clean"]])
            #expect(assertion.status == 201, "\(assertion.html)")
            let home = try await web.get("/wallet?all=1", cookie: world.cookies)
            #expect(home.html.contains("DS.1.2 Clean a data set (Riverside Data Skills)"), "\(home.html)")
        }
    }
}
