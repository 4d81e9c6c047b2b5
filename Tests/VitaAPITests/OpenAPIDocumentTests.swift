import Foundation
import Hummingbird
import Testing
import VitaAPI
import VitaCore
import VitaTestSupport

struct OpenAPIDocumentTests {
    @Test("every list is read a page at a time: each GET answering a list documents limit and cursor, and its list schema the next cursor")
    func everyListPages() async throws {
        try await TestDatabase.with(.sqlite) { test in
            let api = LearnerAPI(database: test.database, vault: try KeyVault(base64: KeyVault.generateMasterKey()))
            let document = try #require(try JSONSerialization.jsonObject(with: api.openAPIDocument) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
            var lists = 0
            for (path, operations) in paths {
                guard let get = operations["get"] as? [String: Any],
                      let success = (get["responses"] as? [String: Any])?["200"] as? [String: Any],
                      let content = success["content"] as? [String: [String: Any]] else { continue }
                for (_, media) in content {
                    guard let reference = (media["schema"] as? [String: Any])?["$ref"] as? String,
                          reference.hasSuffix("List") else { continue }
                    lists += 1
                    let name = String(reference.split(separator: "/").last!)
                    let parameters = (get["parameters"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                    #expect(parameters.contains("limit") && parameters.contains("cursor"), "GET \(path) answers \(name) without paging")
                    // The change feed answers its `cursor` on every page (docs/CHANGES.md); the other lists `nextCursor`.
                    let properties = schemas[name]?["properties"] as? [String: Any]
                    #expect(properties?["nextCursor"] != nil || properties?["cursor"] != nil, "\(name) has no next cursor")
                }
            }
            #expect(lists > 40, "the lists were found (\(lists))")
        }
    }

    @Test("the OpenAPI document lists exactly the routes the router serves, each with responses and known schemas")
    func documentMatchesRouter() async throws {
        try await TestDatabase.with(.sqlite) { test in
            let api = LearnerAPI(database: test.database, vault: try KeyVault(base64: KeyVault.generateMasterKey()))
            let document = try #require(try JSONSerialization.jsonObject(with: api.openAPIDocument) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths {
                for (method, operation) in operations {
                    documented.insert("\(method.uppercased()) \(path)")
                    let responses = (operation as? [String: Any])?["responses"] as? [String: Any]
                    #expect(responses?.isEmpty == false, "\(method) \(path) documents no response")
                }
            }
            let served = Set(api.router.routes.map { route in
                let path = route.path.description.split(separator: "/", omittingEmptySubsequences: false).map { segment in
                    segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
                }.joined(separator: "/")
                return "\(route.method.rawValue) \(path)"
            })
            // Besides: on each documented path, every other method — HEAD with GET's answer, OPTIONS with Allow, the
            // rest 405 (RouteCatalog.answerUndeclaredMethods).
            var paths2methods: [String: Set<String>] = [:]
            for entry in documented {
                let parts = entry.split(separator: " ", maxSplits: 1)
                paths2methods[String(parts[1]), default: []].insert(String(parts[0]))
            }
            var expected = documented
            for (path, methods) in paths2methods {
                for method in ["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD"] where !methods.contains(method) {
                    expected.insert("\(method) \(path)")
                }
            }
            #expect(served == expected, "\(served.symmetricDifference(expected).sorted().prefix(10))")

            // A JSON body without a named schema is an object (a credential as issued), not a string; a query parameter an
            // operation refuses to go without is required.
            let download = (paths["/api/v1/me/credentials/{credentialId}/download"]?["get"] as? [String: Any])?["responses"] as? [String: Any]
            let content = (download?["200"] as? [String: Any])?["content"] as? [String: Any]
            #expect(((content?["application/vc+ld+json"] as? [String: Any])?["schema"] as? [String: Any])?["type"] as? String == "object")
            #expect(((content?["application/vc+jwt"] as? [String: Any])?["schema"] as? [String: Any])?["type"] as? String == "string")
            let deletion = paths["/api/v1/learners/{learnerId}/affiliations/{recordId}"]?["delete"] as? [String: Any]
            let reason = (deletion?["parameters"] as? [[String: Any]])?.first { $0["name"] as? String == "reason" }
            #expect(reason?["required"] as? Bool == true)

            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let text = String(decoding: api.openAPIDocument, as: UTF8.self)
            let references = text.components(separatedBy: "#/components/schemas/").dropFirst().map { $0.prefix { $0 != "\"" } }
            for reference in Set(references) {
                #expect(schemas[String(reference)] != nil, "unknown schema \(reference)")
            }
        }
    }

    @Test("the replies of every API suite are held to the document: an undocumented status, media type or body is an issue")
    func conformanceCheckFlagsDepartures() async throws {
        try await TestDatabase.with(.sqlite) { test in
            let api = LearnerAPI(database: test.database, vault: try KeyVault(base64: KeyVault.generateMasterKey()))
            let conformance = DocumentConformance.shared(document: api.openAPIDocument)
            func reply(_ status: Int, _ type: String, _ body: String) -> Reply {
                Reply(status: status, headers: [.contentType: type], body: Data(body.utf8))
            }
            let learner = #"{"id":"lrn_1","name":{"display":"Ada"},"identifiers":[],"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","version":1}"#
            // A documented reply passes (and a path the document does not describe is not checked).
            conformance.check(method: "GET", uri: "/health", reply: reply(200, "application/json", #"{"status":"ok"}"#),
                              sourceLocation: #_sourceLocation)
            conformance.check(method: "GET", uri: "/nowhere", reply: reply(500, "text/plain", "x"), sourceLocation: #_sourceLocation)
            withKnownIssue("a status the operation does not list") {
                conformance.check(method: "GET", uri: "/health", reply: reply(418, "application/json", "{}"), sourceLocation: #_sourceLocation)
            }
            withKnownIssue("a media type the status does not list") {
                conformance.check(method: "GET", uri: "/api/v1/learners/lrn_1?asOf=x", reply: reply(200, "text/plain", learner),
                                  sourceLocation: #_sourceLocation)
            }
            withKnownIssue("a body the documented schema rejects") {
                conformance.check(method: "GET", uri: "/api/v1/learners/lrn_1", reply: reply(404, "application/problem+json", #"{"status":"404"}"#),
                                  sourceLocation: #_sourceLocation)
            }
        }
    }

    @Test("the audit entry schema lists exactly the kinds of actor the audit log records")
    func auditActorKindsDocumented() async throws {
        try await TestDatabase.with(.sqlite) { test in
            let api = LearnerAPI(database: test.database, vault: try KeyVault(base64: KeyVault.generateMasterKey()))
            let document = try #require(try JSONSerialization.jsonObject(with: api.openAPIDocument) as? [String: Any])
            let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
            let entry = schemas?["AuditEntry"] as? [String: Any]
            let actor = (entry?["properties"] as? [String: Any])?["actor"] as? [String: Any]
            let kind = (actor?["properties"] as? [String: Any])?["kind"] as? [String: Any]
            let documented = try #require(kind?["enum"] as? [String])
            #expect(Set(documented) == Set(AuditEntry.Actor.Kind.allCases.map(\.rawValue)))
        }
    }

    @Test("the server publishes the document at /openapi.json and a docs page at /docs")
    func published() async throws {
        try await APIHarness.run(.sqlite) { api in
            let document = try await api.send(.get, "/openapi.json")
            #expect(document.status == 200)
            #expect(document["openapi"] as? String == "3.1.0")
            let docs = try await api.send(.get, "/docs")
            #expect(docs.status == 200)
            #expect(docs.string.contains("/api/v1/learners/{learnerId}/profile"))
            #expect(try await api.send(.get, "/health").status == 200)
            #expect(try await api.send(.get, "/ready").status == 200)
        }
    }
}
