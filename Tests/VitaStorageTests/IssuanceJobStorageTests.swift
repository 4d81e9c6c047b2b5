import Foundation
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

/// Bulk issuance jobs in storage: claiming the jobs whose node stopped.
struct IssuanceJobStorageTests {
    static let now = StorageTests.now

    static func job(_ organizationId: String, movedAt: Date, finished: Bool = false) -> (IssuanceJob, [IssuanceJobRow]) {
        let job = IssuanceJob(id: EntityID.make("job"), organizationId: organizationId, createdBy: "admin:adm_1",
                              fileName: "diplomas.csv", totalRows: 2, createdAt: movedAt, updatedAt: movedAt,
                              finishedAt: finished ? movedAt : nil)
        let status: IssuanceJobRow.Status = finished ? .rejected : .pending
        return (job, (1...2).map { IssuanceJobRow(line: $0 + 1, learnerId: "lrn_\($0)", recordId: "rec_\($0)",
                                                  achievementId: "ach_1", status: status) })
    }

    @Test("only unfinished jobs unmoved since the cut-off are claimed, each by one of two nodes claiming at once, and moved to now",
          arguments: TestEngine.available)
    func stalledJobsAreClaimedOnce(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let (organization, _) = try await test.database.transaction { try await StorageTests.seed($0) }
            let longAgo = Self.now.addingTimeInterval(-3_600)
            let stalled = [Self.job(organization.id, movedAt: longAgo), Self.job(organization.id, movedAt: longAgo)]
            let finished = Self.job(organization.id, movedAt: longAgo, finished: true)
            let working = Self.job(organization.id, movedAt: Self.now.addingTimeInterval(-10))
            try await test.database.transaction { tx in
                for (job, rows) in stalled + [finished, working] { try await tx.insert(job, rows: rows) }
            }
            let cutOff = Self.now.addingTimeInterval(-120)
            let claimed = try await test.withAnotherNode { other in
                async let here = test.database.transaction {
                    try await $0.claimStalledIssuanceJobs(idleBefore: cutOff, now: Self.now, limit: 5)
                }
                async let there = other.transaction {
                    try await $0.claimStalledIssuanceJobs(idleBefore: cutOff, now: Self.now, limit: 5)
                }
                return try await here + there
            }
            #expect(claimed.sorted() == stalled.map(\.0.id).sorted(), "each stalled job claimed once, by either node")
            let again = try await test.database.transaction {
                try await $0.claimStalledIssuanceJobs(idleBefore: cutOff, now: Self.now, limit: 5)
            }
            #expect(again.isEmpty, "a claimed job counts as moved")
            for (job, _) in stalled {
                let stored = try #require(try await test.database.read { try await $0.issuanceJob(id: job.id) })
                #expect(stored.updatedAt == Self.now)
                #expect(stored.finishedAt == nil)
            }
            let limited = try await test.database.transaction {
                try await $0.claimStalledIssuanceJobs(idleBefore: Self.now.addingTimeInterval(1), now: Self.now, limit: 1)
            }
            #expect(limited.count == 1, "at most the limit per claim")
        }
    }
}
