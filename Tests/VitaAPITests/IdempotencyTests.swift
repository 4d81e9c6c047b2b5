import Foundation
import HTTPTypes
import SQLKit
import Testing
import VitaAPI
import VitaStorage
import VitaTestSupport

/// What an `Idempotency-Key` leaves in the database: sealed responses, kept for the window, gone with the learner.
struct IdempotencyTests {
    static func storedBodies(_ database: VitaDatabase) async throws -> [String] {
        try await database.withConnection { db in
            try await db.raw("SELECT body FROM idempotency_keys").all().map { try $0.decode(column: "body", as: String.self) }
        }
    }

    @Test("a system's API key shown once is not stored in the clear for a replay, and a replay still shows it",
          arguments: TestEngine.available)
    func secretsAreSealed(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let organization = try await api.admin(.post, "/api/v1/organizations", json: ["name": "Riverside", "kind": "university"])
            let body: [String: Any] = ["organizationId": organization["id"] as! String, "name": "SIS", "kind": "sis"]
            let first = try await api.admin(.post, "/api/v1/systems", json: body, headers: ["Idempotency-Key": "sys-1"])
            let key = try #require(first["apiKey"] as? String)
            let stored = try await Self.storedBodies(api.database)
            #expect(stored.count == 1)
            #expect(!stored[0].contains(key) && !stored[0].contains("vk.") && !stored[0].contains("Riverside") && !stored[0].contains("SIS"),
                    "the stored response is sealed")
            let replay = try await api.admin(.post, "/api/v1/systems", json: body, headers: ["Idempotency-Key": "sys-1"])
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(replay["apiKey"] as? String == key)
            // The key still works: the replay did not make a second system.
            #expect(try await api.send(.get, "/api/v1/learners/lrn_00000000000000000000000000000000/profile", key: key).status != 401)
        }
    }

    @Test("a key is replayed within the window; after it the key may be used again, and the purge deletes the old response",
          arguments: TestEngine.available)
    func windowAndPurge(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        try await APIHarness.run(engine, clock: { clock.now },
                                 options: ServerOptions(rateLimit: .off, signInRateLimit: .off, idempotencyWindow: 600)) { api in
            let body: [String: Any] = ["name": "Riverside", "kind": "university"]
            let first = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "org-1"])
            clock.advance(599)
            let replay = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "org-1"])
            #expect(replay["id"] as? String == first["id"] as? String)
            clock.advance(2)
            let fresh = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "org-1"])
            #expect(fresh.status == 201 && fresh.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(fresh["id"] as? String != first["id"] as? String, "an expired key counts as new")
            #expect(try await Self.storedBodies(api.database).count == 1, "the expired response was replaced")

            clock.advance(300)
            _ = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "org-2"])
            clock.advance(400)
            let purged = try await api.database.transaction {
                try await $0.purgeIdempotentResponses(storedBefore: clock.now.addingTimeInterval(-600))
            }
            #expect(purged == 1, "org-1's response is past the window, org-2's is not")
            #expect(try await Self.storedBodies(api.database).count == 1)
        }
    }

    @Test("erasing a learner deletes the responses stored for writes about them", arguments: TestEngine.available)
    func erasureRemovesStoredResponses(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let created = try await api.send(.post, "/api/v1/learners", key: world.systemKey,
                                             json: ["name": ["given": "Ada", "family": "Lovelace", "display": "Ada Lovelace"]],
                                             headers: ["Idempotency-Key": "lrn-1"])
            let learner = try #require(created["id"] as? String)
            let record = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                            json: APIHarness.experience(world.organizationId, source: "enr-1"),
                                            headers: ["Idempotency-Key": "rec-1"])
            #expect(record.status == 201)
            let before = try await Self.storedBodies(api.database).count
            #expect(try await api.admin(.delete, "/api/v1/learners/\(learner)", json: ["reason": "erasure request"]).status == 200)
            #expect(try await Self.storedBodies(api.database).count == before - 2)
        }
    }

    @Test("a response stored in the clear by an earlier version is still replayed", arguments: TestEngine.available)
    func plaintextResponsesStillReplay(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let body: [String: Any] = ["name": "Riverside", "kind": "university"]
            let first = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "old"])
            let plain = first.string
            try await api.database.withConnection { try await $0.raw("UPDATE idempotency_keys SET body = \(bind: plain)").run() }
            let replay = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "old"])
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true" && replay.string == plain)
        }
    }
}
