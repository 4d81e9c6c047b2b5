import Foundation
import Testing
import VitaAPI
import VitaTestSupport

/// Rotating a connected system's API key without downtime.
struct SystemKeyRotationTests {
    @Test("after a rotation the new key works at once and the old one until its grace ends, then 401; with no grace the old key stops at once; a revoked system cannot rotate (409); a bad grace is 422 naming previousKeyValidFor",
          arguments: TestEngine.available)
    func rotation(_ engine: TestEngine) async throws {
        let clock = TestClock()
        try await APIHarness.run(engine, clock: { clock.now }) { api in
            let world = try await api.world(categories: ["affiliations"])
            let learner = try await api.send(.post, "/api/v1/learners", key: world.systemKey,
                                             json: ["name": ["display": "Ada"], "identifiers": [["scheme": "email", "value": "ada@example.edu"]]])
            let learnerId = try #require(learner["id"] as? String)
            func profileStatus(_ key: String) async throws -> Int {
                try await api.send(.get, "/api/v1/learners/\(learnerId)/profile", key: key).status
            }
            func listStatus(_ key: String) async throws -> Int {
                try await api.send(.get, "/api/v1/learners/\(learnerId)/affiliations", key: key).status
            }

            let rotated = try await api.admin(.post, "/api/v1/systems/\(world.systemId)/key", json: ["previousKeyValidFor": 3_600])
            #expect(rotated.status == 201, "\(rotated.string)")
            let newKey = try #require(rotated["apiKey"] as? String)
            #expect(newKey != world.systemKey && newKey.hasPrefix("vk.\(world.systemId)."))
            #expect(rotated["previousKeyValidUntil"] is String)
            for key in [newKey, world.systemKey] {
                #expect(try await profileStatus(key) == 200, "both keys during the grace (the profile read's own path)")
                #expect(try await listStatus(key) == 200, "both keys during the grace (every other route)")
            }
            clock.advance(3_601)
            #expect(try await profileStatus(world.systemKey) == 401)
            #expect(try await listStatus(world.systemKey) == 401)
            #expect(try await profileStatus(newKey) == 200)

            let immediate = try await api.admin(.post, "/api/v1/systems/\(world.systemId)/key", json: ["previousKeyValidFor": 0])
            #expect(immediate.status == 201 && immediate["previousKeyValidUntil"] == nil)
            let newest = try #require(immediate["apiKey"] as? String)
            #expect(try await listStatus(newKey) == 401, "no grace: the replaced key stops at once")
            #expect(try await listStatus(newest) == 200)

            let bad = try await api.admin(.post, "/api/v1/systems/\(world.systemId)/key", json: ["previousKeyValidFor": 700_000])
            #expect(bad.status == 422 && bad.string.contains("previousKeyValidFor"))
            let defaulted = try await api.send(.post, "/api/v1/systems/\(world.systemId)/key", key: api.adminKey)
            #expect(defaulted.status == 201, "an empty body takes the default grace of a day")
            #expect(try await api.admin(.post, "/api/v1/systems/sys_0123456789abcdef0123456789abcdef/key").status == 404)

            #expect(try await api.admin(.post, "/api/v1/systems/\(world.systemId)/revoke").status == 200)
            let revoked = try await api.admin(.post, "/api/v1/systems/\(world.systemId)/key")
            #expect(revoked.status == 409, "\(revoked.string)")
            let audit = try await api.admin(.get, "/api/v1/audit?limit=200")
            #expect(audit.items.filter { $0["action"] as? String == "system.key.rotate" }.count == 3)
        }
    }
}
