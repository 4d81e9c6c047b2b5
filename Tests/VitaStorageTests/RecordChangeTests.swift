import Foundation
import SQLKit
import Testing
import VitaCore
@testable import VitaStorage
import VitaTestSupport

/// The change feed's storage: numbering in commit order, and migration 32's changes for records stored before it.
struct RecordChangeTests {
    static func everything(_ tx: StoreTransaction, after: Int64 = 0) async throws -> [RecordChange] {
        try await tx.recordChanges(after: after, limit: 10_000, categories: Set(RecordCategory.stored), providers: nil)
            .map(\.change)
    }

    @Test("changes written by concurrent transactions on two nodes are numbered in commit order: a reader following the feed never sees a change before one with a smaller number",
          arguments: TestEngine.available)
    func commitOrder(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let (organization, learner) = try await test.database.transaction { try await StorageTests.seed($0) }
            let writers = 6, perWriter = 12
            try await test.withAnotherNode { other in
                try await withThrowingTaskGroup(of: [[Int64]].self) { group in
                    for writer in 0 ..< writers {
                        group.addTask {
                            let database = writer.isMultiple(of: 2) ? test.database : other
                            for index in 0 ..< perWriter {
                                let record = StorageTests.experience(EntityID.make("rec"), learner: learner.id,
                                                                     organization: organization.id, version: 1,
                                                                     title: "Course \(writer)-\(index)", source: "w\(writer)-\(index)")
                                try await database.transaction { tx in try await tx.insert(record) }
                            }
                            return []
                        }
                    }
                    // The reader: every poll continues exactly where the last one ended.
                    group.addTask {
                        var pages: [[Int64]] = []
                        var last: Int64 = 0
                        while last < Int64(writers * perWriter) {
                            let page = try await test.database.read { [last] tx in
                                try await tx.recordChanges(after: last, limit: 7, categories: [.experiences], providers: nil)
                            }.map(\.change.sequence)
                            pages.append(page)
                            last = page.last ?? last
                            await Task.yield()
                        }
                        return pages
                    }
                    var polls: [[Int64]] = []
                    for try await pages in group { polls += pages }
                    let seen = polls.flatMap { $0 }
                    #expect(seen == Array(1 ... Int64(writers * perWriter)), "the reader saw \(seen)")
                }
            }
            let last = try await test.database.read { try await $0.lastRecordChange() }
            #expect(last == Int64(writers * perWriter))
        }
    }

    @Test("migration 32 gives the records stored before it the changes they would have had — created, updated, deleted, erased — in the order they were recorded",
          arguments: TestEngine.available)
    func backfill(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let start = StorageTests.now
            @Sendable func at(_ minutes: Double) -> Date { start.addingTimeInterval(minutes * 60) }
            try await test.database.transaction { tx in
                let (organization, ada) = try await StorageTests.seed(tx)
                let alan = Learner(id: EntityID.make("lrn"), name: .init(display: "Alan Turing"), identifiers: [], createdAt: start, updatedAt: start)
                try await tx.insert(alan)
                let org = organization.id
                try await tx.insert(StorageTests.experience("rec_1", learner: ada.id, organization: org, version: 1,
                                                            title: "Algorithms", source: "s-1", at: at(1)))
                try await tx.insert(StorageTests.experience("rec_1", learner: ada.id, organization: org, version: 2,
                                                            title: "Algorithms II", source: "s-1", at: at(2)))
                try await tx.insert(StorageTests.experience("rec_2", learner: ada.id, organization: org, version: 1,
                                                            title: "Databases", source: "s-2", at: at(3)))
                try await tx.insert(StorageTests.experience("rec_3", learner: alan.id, organization: org, version: 1,
                                                            title: "Logic", source: "s-3", at: at(4)))
                var tombstone = StorageTests.experience("rec_3", learner: alan.id, organization: org, version: 2,
                                                        title: "Logic", source: "s-3", at: at(5))
                tombstone.body = nil
                tombstone.deletion = Tombstone(reason: "entered in error", at: at(5), by: "sys_1")
                try await tx.insert(tombstone)
                try await tx.erase(learnerId: ada.id, tombstone: Tombstone(reason: "the learner asked", at: at(6), by: "adm_1"))
            }
            let original = try await test.database.read { try await Self.everything($0) }
            #expect(original.map { "\($0.kind.rawValue) \($0.recordId) v\($0.version)" } == [
                "created rec_1 v1", "updated rec_1 v2", "created rec_2 v1", "created rec_3 v1", "deleted rec_3 v2",
                "erased rec_1 v2", "erased rec_2 v1"])
            #expect(original.map(\.sequence) == Array(1 ... 7))

            // As a database stored before migration 32 holds them: no changes, the counter at zero.
            try await test.database.withConnection { db in
                try await db.raw("DELETE FROM record_changes").run()
                try await db.raw("UPDATE audit_head SET record_change_sequence = 0 WHERE id = 1").run()
            }
            try await test.database.transaction { try await $0.fillRecordChanges() }
            let filled = try await test.database.read { try await Self.everything($0) }
            #expect(filled == original)
            #expect(try await test.database.read { try await $0.lastRecordChange() } == 7)
            // The next change continues after them.
            try await test.database.transaction { tx in
                let alan = try #require(try await Self.everything(tx).last { $0.recordId == "rec_3" }?.learnerId)
                try await tx.insert(StorageTests.experience("rec_4", learner: alan, organization: original[0].organizationId,
                                                            version: 1, title: "Compilers", source: "s-4", at: at(7)))
            }
            #expect(try await test.database.read { try await Self.everything($0, after: 7) }.map(\.sequence) == [8])
        }
    }
}
