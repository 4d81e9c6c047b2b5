import Foundation
import Testing
import VitaAPI
import VitaCore
import VitaStorage
import VitaTestSupport

/// The sweeps a live server runs beside itself (`LearnerAPI.services(logger:)`), with short intervals.
struct BackgroundSweepTests {
    @Test("a server resumes a stalled job by itself: its sweep runs beside it (stalled-job timeout of one second)",
          arguments: TestEngine.available)
    func serversSweepForStalledJobs(_ engine: TestEngine) async throws {
        let options = ServerOptions(rateLimit: .off, signInRateLimit: .off, stalledJobTimeout: 1)
        try await APIHarness.run(engine, options: options, live: true) { api in
            let world = try await api.world(categories: ["credentials"])
            let diplomas = try await IssuanceJobAPITests.diplomas(api, world, count: 3)
            let stalled = try await IssuanceJobAPITests.storeJob(api, world, achievementId: diplomas.achievementId, rows: diplomas.rows,
                                                  movedAt: Date().addingTimeInterval(-60))
            var job = try await api.admin(.get, "/api/v1/issuance-jobs/\(stalled)")
            for _ in 0..<150 where job["finished"] as? Bool != true {
                try await Task.sleep(for: .milliseconds(100))
                job = try await api.admin(.get, "/api/v1/issuance-jobs/\(stalled)")
            }
            #expect(job["finished"] as? Bool == true, "\(job.string)")
            #expect(job["issued"] as? Int == 3)
        }
    }

    @Test("a server purges expired web sessions and OAuth artefacts by itself at start, and leaves live ones",
          arguments: TestEngine.available)
    func serversPurgeExpiredSessions(_ engine: TestEngine) async throws {
        let options = ServerOptions(rateLimit: .off, signInRateLimit: .off, oauthPurgeInterval: 1)
        let now = Timestamp.truncated(Date())
        let expired = StoredWebSession(idHash: "expired", subjectKind: "learner", subjectId: "lrn_1",
                                       createdAt: now.addingTimeInterval(-7_200), lastSeenAt: now.addingTimeInterval(-7_200),
                                       expiresAt: now.addingTimeInterval(-3_600))
        let live = StoredWebSession(idHash: "live", subjectKind: "learner", subjectId: "lrn_1", createdAt: now,
                                    lastSeenAt: now, expiresAt: now.addingTimeInterval(3_600))
        try await APIHarness.run(engine, options: options, live: true) { api in
            try await api.database.transaction { tx in
                try await tx.insert(expired)
                try await tx.insert(live)
            }
            var remaining: StoredWebSession?? = .some(expired)
            for _ in 0..<50 where remaining != .some(nil) {
                try await Task.sleep(for: .milliseconds(100))
                remaining = try await api.database.read { try await $0.webSession(idHash: "expired", now: now.addingTimeInterval(-5_000)) }
            }
            #expect(remaining == .some(nil), "the expired session is gone")
            #expect(try await api.database.read { try await $0.webSession(idHash: "live", now: Date()) } == live)
        }
    }
}

extension BackgroundSweepTests {
    @Test("a server purges the responses stored for idempotency keys once their window has passed, and keeps newer ones",
          arguments: TestEngine.available)
    func serversPurgeExpiredIdempotencyKeys(_ engine: TestEngine) async throws {
        let options = ServerOptions(rateLimit: .off, signInRateLimit: .off, oauthPurgeInterval: 1, idempotencyWindow: 60)
        try await APIHarness.run(engine, options: options, live: true) { api in
            let now = Date()
            try await api.database.transaction { tx in
                for (key, age) in [("old", 3_600.0), ("new", 0.0)] {
                    try await tx.storeIdempotentResponse(.init(requestDigest: "d", status: 201, location: nil, body: "sealed"),
                                                         principal: "key:adm_1", key: key, at: now.addingTimeInterval(-age),
                                                         learnerId: nil)
                }
            }
            var old: IdempotentResponse? = .init(requestDigest: "", status: 0, location: nil, body: "")
            for _ in 0..<50 where old != nil {
                try await Task.sleep(for: .milliseconds(100))
                old = try await api.database.read {
                    try await $0.idempotentResponse(principal: "key:adm_1", key: "old", notBefore: .distantPast)
                }
            }
            #expect(old == nil, "the expired response is gone")
            #expect(try await api.database.read {
                try await $0.idempotentResponse(principal: "key:adm_1", key: "new", notBefore: .distantPast)
            } != nil)
        }
    }
}
