import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import NIOCore
import Testing
import VitaAPI
import VitaCore
import VitaResolution
import VitaTestSupport

struct CompetencyFrameworkAPITests {
    static let documentId = "9f3c1a52-7d1e-4c3b-8a2f-5e6d7c8b9a01"

    /// One item of a test package: a UUID made from `n`, its statement, code, parent item (by `n`) and sequence number.
    struct Item {
        var n: Int
        var statement: String
        var code: String?
        var parent: Int?
        var sequence: Int?

        var identifier: String { String(format: "00000000-0000-4000-8000-%012d", n) }
    }

    /// A package valid against CASE 1.1 (identifiers are UUIDs, date-times carry their zone).
    static func package(title: String = "Riverside Data Skills", documentId: String = documentId,
                        items: [Item]) -> [String: Any] {
        let uri = { (id: String) in "https://case.riverside.example/uri/\(id)" }
        var associations: [[String: Any]] = []
        for item in items {
            let parent = item.parent.map { Item(n: $0, statement: "").identifier } ?? documentId
            var association: [String: Any] = [
                "identifier": String(format: "a0000000-0000-4000-8000-%012d", item.n), "associationType": "isChildOf",
                "uri": uri("a\(item.n)"), "lastChangeDateTime": "2026-09-01T12:00:00Z",
                "originNodeURI": ["title": item.statement, "identifier": item.identifier, "uri": uri(item.identifier)],
                "destinationNodeURI": ["title": "parent", "identifier": parent, "uri": uri(parent)],
            ]
            if let sequence = item.sequence { association["sequenceNumber"] = sequence }
            associations.append(association)
        }
        return [
            "CFDocument": ["identifier": documentId, "uri": uri(documentId), "creator": "Riverside University",
                           "title": title, "lastChangeDateTime": "2026-09-01T12:00:00Z", "version": "2026"],
            "CFItems": items.map { item -> [String: Any] in
                var object: [String: Any] = ["identifier": item.identifier, "uri": uri(item.identifier),
                                             "fullStatement": item.statement, "lastChangeDateTime": "2026-09-01T12:00:00Z"]
                if let code = item.code { object["humanCodingScheme"] = code }
                return object
            },
            "CFAssociations": associations,
        ]
    }

    static let skills = [
        Item(n: 1, statement: "Analyse data", code: "DS.1"),
        Item(n: 2, statement: "Clean a data set", code: "DS.1.2", parent: 1),
        Item(n: 3, statement: "Summarise a data set", code: "DS.1.10", parent: 1),
        Item(n: 4, statement: "Communicate findings", code: "DS.2"),
    ]

    /// A framework `organizationId` imported (a document of its own each time), by id.
    static func imported(_ api: APIHarness, organizationId: String) async throws -> String {
        let reply = try await api.admin(.post, "/api/v1/competency-frameworks", json: [
            "organizationId": organizationId,
            "package": package(documentId: UUID().uuidString.lowercased(), items: skills)])
        return try #require((reply["framework"] as? [String: Any])?["id"] as? String, "\(reply.string)")
    }

    static func byCode(_ items: [[String: Any]]) -> [String: [String: Any]] {
        Dictionary(uniqueKeysWithValues: items.map { ($0["code"] as? String ?? "", $0) })
    }

    @Test("an organization imports a CASE package: its items become competencies under the framework, with parents and positions, audited; a competency badge aligns to the item with its code",
          arguments: TestEngine.available)
    func importAndUse(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let reply = try await api.admin(.post, "/api/v1/competency-frameworks", json: [
                "organizationId": world.organizationId, "package": Self.package(items: Self.skills)])
            #expect(reply.status == 201, "\(reply.string)")
            #expect(reply["created"] as? Int == 4 && reply["updated"] as? Int == 0 && reply["retired"] as? Int == 0)
            #expect(reply["deviationCount"] as? Int == 0, "\(reply.string)")
            let framework = try #require(reply["framework"] as? [String: Any])
            let frameworkId = try #require(framework["id"] as? String)
            #expect(reply.headers[.location] == "/api/v1/competency-frameworks/\(frameworkId)")
            #expect(framework["title"] as? String == "Riverside Data Skills")
            #expect(framework["caseIdentifier"] as? String == Self.documentId)
            #expect(framework["frameworkVersion"] as? String == "2026")
            #expect(framework["itemCount"] as? Int == 4 && framework["version"] as? Int == 1)
            let source = try #require(framework["source"] as? [String: Any])
            #expect((source["digest"] as? String)?.hasPrefix("sha256:") == true && source["retrievedFrom"] == nil)

            let read = try await api.send(.get, "/api/v1/competency-frameworks/\(frameworkId)", key: world.systemKey)
            #expect(read.status == 200 && read.headers[.eTag] == "\"\(frameworkId).v1\"")
            let listed = try await api.send(.get, "/api/v1/competency-frameworks?organizationId=\(world.organizationId)",
                                            key: world.systemKey)
            #expect(listed.items.map { $0["id"] as? String } == [frameworkId])
            let otherOrganization = try await api.send(.get, "/api/v1/competency-frameworks?organizationId=org_0190000000000000000000000000",
                                                       key: world.systemKey)
            #expect(otherOrganization.status == 200 && otherOrganization.items.isEmpty)

            let items = Self.byCode(try await api.send(.get, "/api/v1/competency-frameworks/\(frameworkId)/competencies?limit=200",
                                                       key: world.systemKey).items)
            #expect(items.count == 4)
            let top = try #require(items["DS.1"])
            #expect(top["parentId"] == nil && top["position"] as? Int == 1)
            #expect(items["DS.2"]?["position"] as? Int == 2)
            #expect(items["DS.1.2"]?["parentId"] as? String == top["id"] as? String)
            #expect(items["DS.1.2"]?["position"] as? Int == 1 && items["DS.1.10"]?["position"] as? Int == 2)
            #expect(items["DS.1.10"]?["framework"] as? String == "Riverside Data Skills")
            #expect(items["DS.1.10"]?["frameworkId"] as? String == frameworkId)
            #expect(items["DS.1.10"]?["caseItemURI"] as? String == "https://case.riverside.example/uri/\(Self.skills[2].identifier)")
            // Framework competencies are competencies like any other, found by their code too.
            let all = try await api.send(.get, "/api/v1/competencies?limit=200", key: world.systemKey).items
            #expect(all.count == 4)
            let byCode = try await api.send(.get, "/api/v1/competencies?code=DS.1.10&organizationId=\(world.organizationId)",
                                            key: world.systemKey).items
            #expect(byCode.map { $0["id"] as? String } == [items["DS.1.10"]?["id"] as? String])
            #expect(try await api.send(.get, "/api/v1/competencies?code=DS.1.10&organizationId=org_0190000000000000000000000000",
                                       key: world.systemKey).items.isEmpty)
            #expect(try await api.send(.get, "/api/v1/competencies?code=DS.9", key: world.systemKey).items.isEmpty)
            let alone = try await api.send(.get, "/api/v1/competencies?organizationId=\(world.organizationId)", key: world.systemKey)
            #expect(alone.status == 400 && alone.string.contains("organizationId"))

            let audit = try await api.admin(.get, "/api/v1/audit?limit=200").items
            let entry = try #require(audit.last { $0["action"] as? String == "competency-framework.import" })
            #expect(entry["reason"] as? String == "created 4, updated 0, retired 0, unchanged 0")

            // A learner demonstrates one; the badge aligns to the CASE item, with its code.
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let learner = try #require(try await api.send(.post, "/api/v1/learners", key: world.systemKey, json: [
                "name": ["display": "Ada Lovelace"], "identifiers": [["scheme": "did", "value": "did:example:ada"]],
            ])["id"] as? String)
            let assertion = try await api.send(.post, "/api/v1/learners/\(learner)/competencies", key: world.systemKey, json: [
                "record": ["competencyId": items["DS.1.10"]!["id"]!, "organizationId": world.organizationId, "level": 3,
                           "evidence": [["url": "https://portfolio.example/summary", "description": "Project report"]]],
                "provenance": ["sourceRecordId": "assessment-7"]])
            #expect(assertion.status == 201, "\(assertion.string)")
            let assertionId = try #require(assertion["id"] as? String)
            let badge = try await api.send(.post, "/api/v1/learners/\(learner)/competencies/\(assertionId)/badges",
                                           key: world.systemKey, json: [:])
            #expect(badge.status == 201, "\(badge.string)")
            let achievement = ((badge["verifiableCredential"] as? [String: Any])?["credentialSubject"] as? [String: Any])?["achievement"] as? [String: Any]
            let alignment = try #require((achievement?["alignment"] as? [[String: Any]])?.first)
            #expect(alignment["targetCode"] as? String == "DS.1.10")
            #expect(alignment["targetFramework"] as? String == "Riverside Data Skills")
            #expect(alignment["targetType"] as? String == "CFItem")
            let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": badge["verifiableCredential"]!])
            #expect(verified["verified"] as? Bool == true, "\(verified.string)")
        }
    }

    @Test("the learner's wallet names a framework competency by its code, name and framework", arguments: TestEngine.available)
    func walletNames(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let s = try await WalletAPITests.setup(api)
            let imported = try await api.admin(.post, "/api/v1/competency-frameworks", json: [
                "organizationId": s.world.organizationId, "package": Self.package(items: Self.skills)])
            let frameworkId = try #require((imported["framework"] as? [String: Any])?["id"] as? String)
            let items = Self.byCode(try await api.admin(.get, "/api/v1/competency-frameworks/\(frameworkId)/competencies").items)
            let assertion = try await api.send(.post, "/api/v1/learners/\(s.learnerId)/competencies", key: s.world.systemKey, json: [
                "record": ["competencyId": items["DS.1.2"]!["id"]!, "organizationId": s.world.organizationId, "level": 2,
                           "evidence": [["url": "https://portfolio.example/clean", "description": "Notebook"]]],
                "provenance": ["sourceRecordId": "assessment-12"]])
            #expect(assertion.status == 201, "\(assertion.string)")
            let sources = try await api.send(.get, "/api/v1/me/sources", key: s.token)
            let named = try #require((sources["competencies"] as? [[String: Any]])?.first)
            #expect(named["code"] as? String == "DS.1.2")
            #expect(named["name"] as? String == "Clean a data set" && named["framework"] as? String == "Riverside Data Skills")
        }
    }

    @Test("importing the framework again changes nothing; a later version updates competencies in place, adds new items and retires removed ones",
          arguments: TestEngine.available)
    func reimport(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let first = try await api.admin(.post, "/api/v1/competency-frameworks", json: [
                "organizationId": world.organizationId, "package": Self.package(items: Self.skills)])
            let frameworkId = try #require((first["framework"] as? [String: Any])?["id"] as? String)
            let path = "/api/v1/competency-frameworks/\(frameworkId)/competencies?limit=200"
            let before = Self.byCode(try await api.admin(.get, path).items)

            let same = try await api.admin(.post, "/api/v1/competency-frameworks", json: [
                "organizationId": world.organizationId, "package": Self.package(items: Self.skills)])
            #expect(same.status == 200, "\(same.string)")
            #expect(same["unchanged"] as? Int == 4 && same["created"] as? Int == 0 && same["updated"] as? Int == 0)
            #expect((same["framework"] as? [String: Any])?["version"] as? Int == 1)

            var revised = Self.skills
            revised[1].statement = "Clean and validate a data set"
            revised.remove(at: 3)
            revised.append(Item(n: 5, statement: "Visualise data", code: "DS.1.11", parent: 1))
            let second = try await api.admin(.post, "/api/v1/competency-frameworks", json: [
                "organizationId": world.organizationId, "package": Self.package(title: "Riverside Data Skills 2027", items: revised)])
            #expect(second.status == 200, "\(second.string)")
            // Every kept item carries the new framework title, so all three kept items changed.
            #expect(second["created"] as? Int == 1 && second["updated"] as? Int == 3 && second["retired"] as? Int == 1)
            #expect((second["framework"] as? [String: Any])?["version"] as? Int == 2)
            #expect((second["framework"] as? [String: Any])?["itemCount"] as? Int == 4)
            let after = Self.byCode(try await api.admin(.get, path).items)
            #expect(after.count == 5)
            #expect(after["DS.1.2"]?["id"] as? String == before["DS.1.2"]?["id"] as? String)
            #expect(after["DS.1.2"]?["description"] as? String == "Clean and validate a data set")
            #expect(after["DS.2"]?["retiredAt"] is String)
            #expect(after["DS.1.11"]?["position"] as? Int == 3)
            let read = try await api.admin(.get, "/api/v1/competency-frameworks/\(frameworkId)")
            #expect(read.headers[.eTag] == "\"\(frameworkId).v2\"")
        }
    }

    @Test("a CASE 1.0 export imports leniently with its deviations reported, and is refused under strict conformance with nothing written",
          arguments: TestEngine.available)
    func conformance(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            var package = Self.package(items: Array(Self.skills.prefix(2)))
            var document = package["CFDocument"] as! [String: Any]
            document["lastChangeDateTime"] = "2017-05-25T18:05:33"
            document["CFPackageURI"] = "https://case.riverside.example/uri/package"
            package["CFDocument"] = document
            let strict = try await api.admin(.post, "/api/v1/competency-frameworks", json: [
                "organizationId": world.organizationId, "package": package, "conformance": "strict"])
            #expect(strict.status == 422, "\(strict.string)")
            let fields = (strict["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(Set(fields) == ["package/CFDocument/lastChangeDateTime", "package/CFDocument/CFPackageURI"], "\(fields)")
            #expect(try await api.admin(.get, "/api/v1/competency-frameworks").items.isEmpty)
            #expect(try await api.admin(.get, "/api/v1/competencies").items.isEmpty)

            let lenient = try await api.admin(.post, "/api/v1/competency-frameworks", json: [
                "organizationId": world.organizationId, "package": package])
            #expect(lenient.status == 201, "\(lenient.string)")
            #expect(lenient["deviationCount"] as? Int == 2)
            let paths = (lenient["deviations"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            #expect(Set(paths) == ["/CFDocument/lastChangeDateTime", "/CFDocument/CFPackageURI"])
        }
    }

    @Test("bad imports are refused with the field and reason, and nothing is written", arguments: TestEngine.available)
    func refusals(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let package = Self.package(items: Self.skills)
            var broken = package
            broken["CFItems"] = [["identifier": "x", "uri": "https://case.example/x"]]
            let cases: [([String: Any], Int, String)] = [
                (["package": package], 422, "organizationId"),
                (["organizationId": world.organizationId], 422, "package"),
                (["organizationId": world.organizationId, "package": package, "packageURL": "https://case.example/p"], 422, "package"),
                (["organizationId": world.organizationId, "package": [1, 2]], 422, "package"),
                (["organizationId": world.organizationId, "package": broken], 422, "package.CFItems[0].fullStatement"),
                (["organizationId": "org_0190000000000000000000000000", "package": package], 422, "organizationId"),
                (["organizationId": world.organizationId, "package": package, "conformance": "loose"], 422, "conformance"),
                (["organizationId": 7, "package": package], 400, "organizationId"),
                (["organizationId": world.organizationId, "packageURL": "https://case.example/p"], 503, ""),
            ]
            for (body, status, field) in cases {
                let reply = try await api.admin(.post, "/api/v1/competency-frameworks", json: body)
                #expect(reply.status == status, "\(body.keys.sorted()): \(reply.string)")
                #expect(reply.contentType == "application/problem+json")
                if !field.isEmpty {
                    let fields = (reply["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                    #expect(fields.contains(field), "\(reply.string)")
                }
            }
            // A connected system cannot import: frameworks are an organization's definitions.
            let bySystem = try await api.send(.post, "/api/v1/competency-frameworks", key: world.systemKey,
                                              json: ["organizationId": world.organizationId, "package": package])
            #expect(bySystem.status == 403)
            #expect(try await api.admin(.get, "/api/v1/competency-frameworks").items.isEmpty)
            #expect(try await api.admin(.get, "/api/v1/competencies").items.isEmpty)
            #expect(try await api.admin(.get, "/api/v1/competency-frameworks/cfw_0190000000000000000000000000").status == 404)
            #expect(try await api.admin(.get, "/api/v1/competency-frameworks/nonsense/competencies").status == 404)
        }
    }

    @Test("a package larger than the server's body limit imports (up to 32 MiB), and two imports of one framework at once both succeed with one framework",
          arguments: TestEngine.available)
    func largeAndConcurrent(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let items = (1...3_000).map { n in
                Item(n: n, statement: "Competency statement number \(n) of a large framework, long enough to weigh something",
                     code: "L.\(n / 100).\(n)", parent: n > 100 ? n / 100 : nil)
            }
            let body = String(decoding: try JSONSerialization.data(withJSONObject: [
                "organizationId": world.organizationId, "package": Self.package(items: items)]), as: UTF8.self)
            #expect(body.utf8.count > 1 << 20)
            async let a = api.send(.post, "/api/v1/competency-frameworks", key: api.adminKey, raw: body)
            async let b = api.send(.post, "/api/v1/competency-frameworks", key: api.adminKey, raw: body)
            let replies = try await [a, b]
            #expect(replies.map(\.status).sorted() == [200, 201], "\(replies.map(\.string))")
            let frameworks = try await api.admin(.get, "/api/v1/competency-frameworks").items
            #expect(frameworks.count == 1)
            #expect(frameworks.first?["itemCount"] as? Int == 3_000)
            var count = 0
            var cursor: String?
            repeat {
                let page = try await api.admin(.get, "/api/v1/competency-frameworks/\(frameworks[0]["id"] as! String)/competencies?limit=200"
                                                + (cursor.map { "&cursor=\($0)" } ?? ""))
                count += page.items.count
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(count == 3_000)
        }
    }

    /// A CASE server on a loopback port: `/ims/case/v1p1/CFPackages/<documentId>` serves the test package, `/html` a
    /// page, anything else 404.
    static func withCASEServer(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        let package = try JSONSerialization.data(withJSONObject: Self.package(items: Self.skills))
        router.get("/ims/case/v1p1/CFPackages/\(documentId)") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: package)))
        }
        router.get("/html") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "<html>")))
        }
        try await LiveVita.serving(router, body)
    }

    @Test("a package is fetched from a CASE server by its URL under the outbound policy, and the framework names where it came from; a server's error or a page is refused",
          arguments: TestEngine.available)
    func importByURL(_ engine: TestEngine) async throws {
        try await LiveVita.withLoopbackClient { http in
            try await Self.withCASEServer { server in
                let options = ServerOptions(rateLimit: .off, signInRateLimit: .off, frameworkClient: http)
                try await APIHarness.run(engine, options: options) { api in
                    let world = try await api.world()
                    let url = server + "/ims/case/v1p1/CFPackages/\(Self.documentId)"
                    let reply = try await api.admin(.post, "/api/v1/competency-frameworks", json: [
                        "organizationId": world.organizationId, "packageURL": url])
                    #expect(reply.status == 201, "\(reply.string)")
                    #expect(reply["created"] as? Int == 4)
                    let source = (reply["framework"] as? [String: Any])?["source"] as? [String: Any]
                    #expect(source?["retrievedFrom"] as? String == url)
                    // The same package in the body is the same framework, unchanged (the digest is of the package).
                    let inBody = try await api.admin(.post, "/api/v1/competency-frameworks", json: [
                        "organizationId": world.organizationId, "package": Self.package(items: Self.skills)])
                    #expect(inBody.status == 200 && inBody["unchanged"] as? Int == 4, "\(inBody.string)")

                    let refusals: [(String, Int)] = [
                        (server + "/ims/case/v1p1/CFPackages/missing", 502),
                        (server + "/html", 422),
                        ("http://case.example/ims/case/v1p1/CFPackages/x", 422),
                        ("ftp://127.0.0.1/package.json", 422),
                    ]
                    for (url, status) in refusals {
                        let refused = try await api.admin(.post, "/api/v1/competency-frameworks", json: [
                            "organizationId": world.organizationId, "packageURL": url])
                        #expect(refused.status == status, "\(url): \(refused.string)")
                        #expect(refused.contentType == "application/problem+json")
                        #expect((refused["detail"] as? String)?.hasPrefix("packageURL") == true, "\(refused.string)")
                    }
                    #expect(try await api.admin(.get, "/api/v1/competency-frameworks").items.count == 1)
                }
            }
        }
    }
}
