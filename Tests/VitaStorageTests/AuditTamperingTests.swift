import Foundation
import SQLKit
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

/// Tampering with the stored audit log, directly in SQL, is detected by `verifyAuditChain`.
struct AuditTamperingTests {
    static func fill(_ db: VitaDatabase, count: Int) async throws {
        for index in 0..<count {
            _ = try await db.transaction { tx in
                try await tx.appendAudit(AuditEntry(occurredAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)),
                                                    actor: .init(kind: .system, id: "sys_\(index % 2)"),
                                                    action: "profile.read", learnerId: "lrn_\(index % 3)",
                                                    categories: [.profile], agreementId: "agr_1", outcome: .allowed, reason: nil))
            }
        }
    }

    @Test("an intact log verifies", arguments: TestEngine.available)
    func intact(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await Self.fill(test.database, count: 12)
            let (firstBreak, checked) = try await test.database.verifyAuditChain(batchSize: 5)
            #expect(firstBreak == nil)
            #expect(checked == 12)
        }
    }

    @Test("a batch larger than one statement holds lands whole, in order, with the head after its last entry",
          arguments: TestEngine.available)
    func largeBatch(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await Self.fill(test.database, count: 3)
            let entries = (0..<400).map { index in
                AuditEntry(occurredAt: Date(timeIntervalSince1970: 1_800_001_000 + Double(index)),
                           actor: .init(kind: .system, id: "sys_batch"), action: "profile.read", learnerId: "lrn_\(index)",
                           categories: [.profile], agreementId: "agr_1", outcome: .allowed, reason: nil)
            }
            let sealed = try await test.database.transaction { try await $0.appendAudit(entries) }
            #expect(sealed.map(\.sequence) == Array(4...403))
            #expect(sealed.map(\.learnerId) == entries.map(\.learnerId))
            let (firstBreak, checked) = try await test.database.verifyAuditChain(batchSize: 64)
            #expect(firstBreak == nil)
            #expect(checked == 403)
            // The next append continues from the batch's last entry.
            try await Self.fill(test.database, count: 1)
            #expect(try await test.database.verifyAuditChain().checked == 404)
            #expect(try await test.database.verifyAuditChain().firstBreak == nil)
        }
    }

    @Test("editing an entry is detected at that entry", arguments: TestEngine.available)
    func edit(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await Self.fill(test.database, count: 12)
            try await test.database.withConnection {
                try await $0.raw("UPDATE audit_entries SET outcome = 'denied' WHERE sequence = 6").run()
            }
            let broken = try await test.database.verifyAuditChain(batchSize: 5).firstBreak
            #expect(broken?.sequence == 6)
        }
    }

    @Test("deleting an entry is detected where it was", arguments: TestEngine.available)
    func delete(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await Self.fill(test.database, count: 12)
            try await test.database.withConnection { try await $0.raw("DELETE FROM audit_entries WHERE sequence = 9").run() }
            let broken = try await test.database.verifyAuditChain(batchSize: 5).firstBreak
            #expect(broken?.sequence == 9)
        }
    }

    @Test("deleting the newest entries is detected against the chain head", arguments: TestEngine.available)
    func truncate(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await Self.fill(test.database, count: 12)
            try await test.database.withConnection { try await $0.raw("DELETE FROM audit_entries WHERE sequence > 10").run() }
            let broken = try await test.database.verifyAuditChain().firstBreak
            #expect(broken?.sequence == 11)
        }
    }

    @Test("reordering entries by swapping their sequence numbers is detected", arguments: TestEngine.available)
    func reorder(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await Self.fill(test.database, count: 12)
            try await test.database.withConnection { db in
                try await db.raw("UPDATE audit_entries SET sequence = 1000 WHERE sequence = 4").run()
                try await db.raw("UPDATE audit_entries SET sequence = 4 WHERE sequence = 5").run()
                try await db.raw("UPDATE audit_entries SET sequence = 5 WHERE sequence = 1000").run()
            }
            let broken = try await test.database.verifyAuditChain().firstBreak
            #expect(broken?.sequence == 4)
        }
    }

    @Test("concurrent writers on two pools (two Vita nodes) extend one unbroken chain", arguments: TestEngine.available)
    func concurrentNodes(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await test.withAnotherNode { second in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for node in [test.database, second] {
                        for _ in 0..<4 {
                            group.addTask { try await Self.fill(node, count: 10) }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let (firstBreak, checked) = try await test.database.verifyAuditChain()
            #expect(firstBreak == nil)
            #expect(checked == 80)
        }
    }
}

extension AuditTamperingTests {
    @Test("verifying while entries are being appended reports no break (the chain is checked up to the head it read first)",
          arguments: TestEngine.available)
    func verifyWhileAppending(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await Self.fill(test.database, count: 5)
            let batcher = AuditBatcher(database: test.database, maxBatch: 4)
            let breaks = try await withThrowingTaskGroup(of: [AuditChain.Break].self) { group in
                for writer in 0..<3 {
                    group.addTask {
                        for index in 0..<60 {
                            try await batcher.append(AuditEntry(occurredAt: Date(), actor: .init(kind: .system, id: "sys_\(writer)"),
                                                                action: "profile.read", learnerId: "lrn_\(index)",
                                                                categories: [.profile], agreementId: nil, outcome: .allowed, reason: nil))
                        }
                        return []
                    }
                }
                group.addTask {
                    var found: [AuditChain.Break] = []
                    for _ in 0..<30 {
                        if let broken = try await test.database.verifyAuditChain(batchSize: 2).firstBreak { found.append(broken) }
                    }
                    return found
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(breaks.isEmpty, "\(breaks)")
            #expect(try await test.database.verifyAuditChain().firstBreak == nil)
        }
    }
}

struct AuditBatcherTests {
    @Test("concurrent accesses audited by group commit all land, in one unbroken chain", arguments: TestEngine.available)
    func groupCommit(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let batcher = AuditBatcher(database: test.database, maxBatch: 16)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<300 {
                    group.addTask {
                        try await batcher.append(AuditEntry(occurredAt: Date(), actor: .init(kind: .system, id: "sys_\(index % 7)"),
                                                            action: "profile.read", learnerId: "lrn_\(index)",
                                                            categories: [.profile], agreementId: nil, outcome: .allowed,
                                                            reason: nil))
                    }
                }
                try await group.waitForAll()
            }
            let (firstBreak, checked) = try await test.database.verifyAuditChain()
            #expect(firstBreak == nil)
            #expect(checked == 300)
            let learners = try await test.database.read { tx in
                try await tx.auditEntries(learnerId: nil, after: nil, limit: 500).items.compactMap(\.learnerId)
            }
            #expect(Set(learners).count == 300, "every caller's entry is there once")
        }
    }

    @Test("a caller's several entries land together, in their order, even past the batch size, among other callers' entries",
          arguments: TestEngine.available)
    func groupsStayTogether(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let batcher = AuditBatcher(database: test.database, maxBatch: 4)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<40 {
                    group.addTask {
                        let count = caller.isMultiple(of: 3) ? 6 : 1
                        try await batcher.append(contentsOf: (0..<count).map { index in
                            AuditEntry(occurredAt: Date(), actor: .init(kind: .system, id: "sys_1"), action: "changes.read",
                                       learnerId: "lrn_\(caller)_\(index)", categories: [.experiences], agreementId: nil,
                                       outcome: .allowed, reason: nil)
                        })
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await test.database.verifyAuditChain().firstBreak == nil)
            let learners = try await test.database.read { tx in
                try await tx.auditEntries(learnerId: nil, after: nil, limit: 500).items.compactMap(\.learnerId)
            }
            #expect(learners.count == 14 * 6 + 26)
            for caller in stride(from: 0, to: 40, by: 3) {
                let start = try #require(learners.firstIndex(of: "lrn_\(caller)_0"))
                #expect(Array(learners[start ..< start + 6]) == (0..<6).map { "lrn_\(caller)_\($0)" })
            }
        }
    }

    @Test("batchers on two nodes, between write transactions that move the head, keep one unbroken chain",
          arguments: TestEngine.available)
    func batchersOnTwoNodes(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await test.withAnotherNode { second in
                let batchers = [AuditBatcher(database: test.database, maxBatch: 8), AuditBatcher(database: second, maxBatch: 8)]
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<200 {
                        group.addTask {
                            try await batchers[index % 2].append(AuditEntry(
                                occurredAt: Date(), actor: .init(kind: .system, id: "sys_1"), action: "profile.read",
                                learnerId: "lrn_\(index)", categories: [.profile], agreementId: nil, outcome: .allowed, reason: nil))
                        }
                    }
                    group.addTask { try await AuditTamperingTests.fill(test.database, count: 20) }
                    group.addTask { try await AuditTamperingTests.fill(second, count: 20) }
                    try await group.waitForAll()
                }
            }
            let (firstBreak, checked) = try await test.database.verifyAuditChain()
            #expect(firstBreak == nil)
            #expect(checked == 240)
        }
    }

    @Test("PostgreSQL: an append after a head that is no longer the head writes nothing; after the head it lands whole",
          .enabled(if: TestEngine.available.contains(.postgres)))
    func compareAndSetAppend() async throws {
        try await TestDatabase.with(.postgres) { test in
            let entries = [
                AuditEntry(occurredAt: Date(timeIntervalSince1970: 1_700_000_000.123), actor: .init(kind: .system, id: "sys_1"),
                           action: "profile.read", learnerId: "lrn_1", categories: [.profile, .credentials],
                           agreementId: "agr_1", outcome: .allowed, reason: nil),
                AuditEntry(occurredAt: Date(timeIntervalSince1970: 1_700_000_001), actor: .init(kind: .admin, id: "adm_1"),
                           action: "learner.read", learnerId: nil, categories: [], agreementId: nil, outcome: .denied,
                           reason: "no-agreement: \"quoted\" \\ text"),
            ]
            let genesis = try await test.database.read { try await $0.auditHead() }
            _ = try await test.database.transaction { try await $0.appendAudit([entries[0]]) }
            let stale = try await test.database.singleStatementWrite { try await $0.appendAudit(entries, ifHeadIs: genesis) }
            #expect(stale == nil)
            #expect(try await test.database.verifyAuditChain().checked == 1)

            let head = try await test.database.read { try await $0.auditHead() }
            let moved = try await test.database.singleStatementWrite { try await $0.appendAudit(entries, ifHeadIs: head) }
            #expect(moved?.sequence == 3)
            #expect(try await test.database.read { try await $0.auditHead() } == moved)
            let (firstBreak, checked) = try await test.database.verifyAuditChain()
            #expect(firstBreak == nil && checked == 3)
            let stored = try await test.database.read { try await $0.auditEntries(learnerId: nil, after: nil, limit: 10).items }
            #expect(stored.map(\.sequence) == [1, 2, 3])
            #expect(stored[1].learnerId == "lrn_1" && stored[1].categories == [.profile, .credentials] && stored[1].agreementId == "agr_1")
            #expect(stored[2].learnerId == nil && stored[2].agreementId == nil && stored[2].outcome == .denied)
            #expect(stored[2].reason == entries[1].reason)
        }
    }
}
