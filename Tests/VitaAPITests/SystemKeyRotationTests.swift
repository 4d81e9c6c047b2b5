import Foundation
import Testing
import VitaAPI
import VitaTestSupport

/// Reading a connected system, and rotating its API key without downtime.
struct SystemKeyRotationTests {
    @Test("a system is read where its creation's Location points, with no key or hash; revoked, it shows when; an unknown or malformed id is 404",
          arguments: TestEngine.available)
    func readSystem(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let created = try await api.admin(.post, "/api/v1/systems",
                                              json: ["organizationId": world.organizationId, "name": "Career LMS", "kind": "lms"])
            #expect(created.status == 201, "\(created.string)")
            let location = try #require(created.headers[.location])
            let read = try await api.admin(.get, location)
            #expect(read.status == 200 && read["name"] as? String == "Career LMS" && read["kind"] as? String == "lms")
            #expect(read["organizationId"] as? String == world.organizationId && read["revokedAt"] == nil)
            #expect(!read.string.contains("vk.") && !read.string.lowercased().contains("hash"), "neither key nor hash")
            #expect(try await api.admin(.post, location + "/revoke").status == 200)
            #expect(try await api.admin(.get, location)["revokedAt"] is String)
            #expect(try await api.admin(.get, "/api/v1/systems/sys_0123456789abcdef0123456789abcdef").status == 404)
            #expect(try await api.admin(.get, "/api/v1/systems/nope").status == 404)
        }
    }

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
