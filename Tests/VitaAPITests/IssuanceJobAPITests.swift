import Foundation
import Testing
import VitaAPI
import VitaCore
import VitaStorage
import VitaTestSupport

/// Bulk issuance jobs through the API: a job worked on by several workers at once (its own and resumed ones) issues
/// each row exactly once, and the CSV's bad lines are rejected with their reason.
struct IssuanceJobAPITests {
    @Test("a job resumed three times while it runs still issues every good row exactly once; bad lines are rejected with their reason",
          arguments: TestEngine.available)
    func resumedJobsIssueEachRowOnce(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world(categories: ["credentials"])
            let diplomas = try await Self.diplomas(api, world, count: 60)
            var lines = ["achievement_id,learner_id,record_id,note"]
            for row in diplomas.rows {
                lines.append("\(diplomas.achievementId),\(row.learnerId),\(row.recordId),\"graduated, with merit\"")
            }
            let achievementId = diplomas.achievementId
            lines.append("\(achievementId),lrn_missing")
            let created = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/issuance-jobs",
                                              json: ["fileName": "diplomas.csv", "csv": lines.joined(separator: "\r\n")])
            #expect(created.status == 202, "\(created.string)")
            #expect(created["totalRows"] as? Int == 61)
            let jobId = try #require(created["id"] as? String)
            async let a = api.admin(.post, "/api/v1/issuance-jobs/\(jobId)/resume")
            async let b = api.admin(.post, "/api/v1/issuance-jobs/\(jobId)/resume")
            async let c = api.admin(.post, "/api/v1/issuance-jobs/\(jobId)/resume")
            let resumed = try await [a, b, c]
            #expect(resumed.allSatisfy { $0.status == 202 })
            var job: Reply = created
            for _ in 0..<400 {
                job = try await api.admin(.get, "/api/v1/issuance-jobs/\(jobId)")
                if job["finished"] as? Bool == true { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(job["finished"] as? Bool == true, "\(job.string)")
            #expect(job["issued"] as? Int == 60)
            #expect(job["rejected"] as? Int == 1)
            // Give any worker still in flight time to try again: it finds nothing pending.
            try await Task.sleep(for: .milliseconds(300))
            let stored = try await api.database.read { tx in
                try await tx.issuedCredentials(organizationId: world.organizationId, search: nil, after: nil, limit: 500)
            }
            #expect(stored.items.count == 60, "each row issued once")
            #expect(Set(stored.items.map(\.recordId)).count == 60)
            let report = try await api.admin(.get, "/api/v1/issuance-jobs/\(jobId)/report")
            let rows = report.string.split(separator: "\n").map(String.init)
            #expect(rows.first == "line,status,credential_id_or_reason")
            #expect(rows.filter { $0.contains(",issued,urn:uuid:") }.count == 60)
            #expect(rows.last?.hasPrefix("62,rejected,") == true && rows.last?.contains("2 fields where the header has 4") == true,
                    "\(rows.last ?? "")")
            var audited = 0
            var cursor: String?
            repeat {
                let page = try await api.admin(.get, "/api/v1/audit?limit=200" + (cursor.map { "&cursor=\($0)" } ?? ""))
                audited += page.items.filter { ($0["reason"] as? String)?.hasPrefix("issuance job \(jobId)") == true }.count
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(audited == 60, "one audit entry per issued row")
        }
    }

    /// An organization signing key, a Diploma achievement and `count` learners with a diploma record each.
    static func diplomas(_ api: APIHarness, _ world: APIHarness.World, count: Int) async throws
        -> (achievementId: String, rows: [(learnerId: String, recordId: String)]) {
        #expect(try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys").status == 201)
        let achievement = try await api.admin(.post, "/api/v1/achievements", json: [
            "organizationId": world.organizationId, "name": "Diploma", "description": "Diploma", "criteriaNarrative": "Pass"])
        var rows: [(learnerId: String, recordId: String)] = []
        for index in 0..<count {
            let learner = try await api.send(.post, "/api/v1/learners", key: world.systemKey, json: [
                "name": ["display": "Learner \(index)"], "identifiers": [["scheme": "email", "value": "l\(index)@example.edu"]]])
            let learnerId = try #require(learner["id"] as? String)
            let record = try await api.send(.post, "/api/v1/learners/\(learnerId)/credentials", key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "kind": "diploma", "title": "Diploma",
                           "awardedDate": "2026-06-30"],
                "provenance": ["sourceRecordId": "d-\(index)"]])
            rows.append((learnerId, try #require(record["id"] as? String)))
        }
        return (try #require(achievement["id"] as? String), rows)
    }

    /// Stores a job as a node that stopped before working on it left it: every row pending, last moved at `movedAt`.
    static func storeJob(_ api: APIHarness, _ world: APIHarness.World, achievementId: String,
                         rows: [(learnerId: String, recordId: String)], movedAt: Date) async throws -> String {
        let job = IssuanceJob(id: EntityID.make("job"), organizationId: world.organizationId, createdBy: "admin:adm_stopped",
                              fileName: "diplomas.csv", totalRows: rows.count, createdAt: movedAt, updatedAt: movedAt)
        try await api.database.transaction { tx in
            try await tx.insert(job, rows: rows.enumerated().map { index, row in
                IssuanceJobRow(line: index + 2, learnerId: row.learnerId, recordId: row.recordId, achievementId: achievementId)
            })
        }
        return job.id
    }

    @Test("a job whose node stopped is claimed by one of two sweeps at once and finished, each row issued once; a job moved recently is left to its worker",
          arguments: TestEngine.available)
    func stalledJobsAreResumedOnce(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world(categories: ["credentials"])
            let diplomas = try await Self.diplomas(api, world, count: 25)
            let stalled = try await Self.storeJob(api, world, achievementId: diplomas.achievementId,
                                                  rows: Array(diplomas.rows.prefix(24)), movedAt: Date().addingTimeInterval(-600))
            let working = try await Self.storeJob(api, world, achievementId: diplomas.achievementId,
                                                  rows: Array(diplomas.rows.suffix(1)), movedAt: Date())
            let worker = api.issuanceJobWorker
            async let first = worker.resumeStalled(idleFor: 120)
            async let second = worker.resumeStalled(idleFor: 120)
            let claimed = try await first + second
            #expect(claimed == [stalled], "claimed once")
            let job = try await api.admin(.get, "/api/v1/issuance-jobs/\(stalled)")
            #expect(job["finished"] as? Bool == true, "\(job.string)")
            #expect(job["issued"] as? Int == 24)
            let other = try await api.admin(.get, "/api/v1/issuance-jobs/\(working)")
            #expect(other["pending"] as? Int == 1, "a job its worker moved recently is not taken from it")
            #expect(try await worker.resumeStalled(idleFor: 120).isEmpty)
            let stored = try await api.database.read { tx in
                try await tx.issuedCredentials(organizationId: world.organizationId, search: nil, after: nil, limit: 500)
            }
            #expect(stored.items.count == 24, "each row issued once")
        }
    }

    @Test("a file without the three columns, or with no rows, is refused (422 naming csv)", arguments: TestEngine.available)
    func unreadableFilesAreRefused(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            for csv in ["learner,record\nx,y\n", "learner_id,record_id,achievement_id\n", ""] {
                let refused = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/issuance-jobs",
                                                  json: ["csv": csv])
                #expect(refused.status == 422, "\(refused.string)")
                #expect(refused.string.contains("csv"))
            }
        }
    }
}
