import Foundation
import Testing
import VitaTestSupport

/// `lookUpLearners`: learners found by an identifier's value, each finding audited.
struct LearnerLookupAPITests {
    @Test("an administrator finds a learner by an identifier in any case and of one scheme if asked, or by the beginnings of the words of their name, each finding audited under the learner; a missing value, an unknown scheme, a name with a value or without a word is 400 naming it",
          arguments: TestEngine.available)
    func lookUp(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let created = try await api.send(.post, "/api/v1/learners", key: world.systemKey, json: [
                "name": ["display": "Ada Lovelace"],
                "identifiers": [["scheme": "email", "value": "Ada@Riverside.edu"], ["scheme": "institutional", "value": "S-1001"]]])
            let learnerId = try #require(created["id"] as? String, "\(created.string)")

            let byEmail = try await api.admin(.get, "/api/v1/learner-lookup?value=ada%40riverside.edu")
            #expect(byEmail.status == 200 && byEmail.items.map { $0["id"] as? String } == [learnerId], "\(byEmail.string)")
            #expect(try await api.admin(.get, "/api/v1/learner-lookup?value=s-1001&scheme=institutional").items.count == 1)
            #expect(try await api.admin(.get, "/api/v1/learner-lookup?value=S-1001&scheme=email").items.isEmpty)
            #expect(try await api.admin(.get, "/api/v1/learner-lookup?value=nobody%40riverside.edu").items.isEmpty)

            let byName = try await api.admin(.get, "/api/v1/learner-lookup?name=LOVE%20ad")
            #expect(byName.status == 200 && byName.items.map { $0["id"] as? String } == [learnerId], "\(byName.string)")
            #expect(try await api.admin(.get, "/api/v1/learner-lookup?name=ada%20byron").items.isEmpty, "every word must match")

            for (query, field) in [("", "value"), ("value=%20", "value"), ("value=S-1001&scheme=castle", "scheme"),
                                   ("value=S-1001&name=ada", "name"), ("name=--", "name"), ("name=ada&scheme=email", "scheme"),
                                   ("name=a%20b%20c%20d%20e%20f", "name"), ("name=" + String(repeating: "a", count: 201), "name")] {
                let refused = try await api.admin(.get, "/api/v1/learner-lookup?\(query)")
                let fields = (refused["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(refused.status == 400 && fields == [field], "\(query): \(refused.string)")
            }
            let log = try await api.admin(.get, "/api/v1/learners/\(learnerId)/access-log")
            #expect(log.items.filter { $0["action"] as? String == "learner.lookup" }.count == 3, "\(log.string)")
        }
    }

    @Test("an administrator lists every learner in the order they were registered, a page at a time, each listed learner audited under the learner",
          arguments: TestEngine.available)
    func list(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            var created: [String] = []
            for name in ["Ada", "Grace", "Alan"] {
                let learner = try await api.send(.post, "/api/v1/learners", key: world.systemKey, json: ["name": ["display": name]])
                created.append(try #require(learner["id"] as? String, "\(learner.string)"))
            }
            let first = try await api.admin(.get, "/api/v1/learners?limit=2")
            let cursor = try #require(first["nextCursor"] as? String, "\(first.string)")
            let second = try await api.admin(.get, "/api/v1/learners?limit=2&cursor=\(cursor)")
            let listed = (first.items + second.items).compactMap { $0["id"] as? String }
            #expect(listed.filter(created.contains) == created, "\(listed)")
            let log = try await api.admin(.get, "/api/v1/learners/\(created[2])/access-log")
            #expect(log.items.filter { $0["action"] as? String == "learner.list" }.count == 1, "\(log.string)")
        }
    }
}
