import Foundation
import SQLKit
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

/// `archiveAudit` moves the oldest entries out of the database behind a checkpoint; the rest of the chain verifies
/// from it, the archive verifies against it, and tampering around it is detected.
struct AuditArchivingTests {
    /// Entries 1…count, the n-th occurring at 1_800_000_000 + n - 1 seconds.
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static let cli = AuditEntry.Actor(kind: .cli, id: "cli")

    /// Collects what an archive writes, as the file's bytes.
    final class Sink: @unchecked Sendable {
        var entries: [AuditEntry] = []
        var file = Data()
        var sealed = false
        func write(_ batch: [AuditEntry]) throws {
            entries += batch
            for entry in batch { file.append(try AuditArchive.line(entry)) }
        }
        func seal() -> String {
            sealed = true
            return String(ContentDigest.sha256(file).dropFirst("sha256:".count))
        }
    }

    static func archive(_ database: VitaDatabase, before seconds: Double, batchSize: Int = 4,
                        sink: Sink = Sink()) async throws -> (AuditArchive.Checkpoint?, Sink) {
        let checkpoint = try await database.archiveAudit(before: start + seconds, at: Date(), by: cli, batchSize: batchSize,
                                                         write: { try sink.write($0) }, seal: { sink.seal() })
        return (checkpoint, sink)
    }

    static func storedSequences(_ database: VitaDatabase) async throws -> [Int64] {
        try await database.read { try await $0.auditEntries(learnerId: nil, after: nil, limit: 1000).items.map(\.sequence) }
    }

    @Test("archiving moves the entries before the cut-off into the archive, and the rest verifies from its checkpoint",
          arguments: TestEngine.available)
    func archiveAndVerify(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await AuditTamperingTests.fill(test.database, count: 12)
            let (first, sink) = try await Self.archive(test.database, before: 5)
            let checkpoint = try #require(first)
            #expect(sink.entries.map(\.sequence) == [1, 2, 3, 4, 5])
            #expect(checkpoint.firstSequence == 1 && checkpoint.lastSequence == 5 && checkpoint.lastHash == sink.entries.last!.hash)
            // The archiving's own entry (13) follows the entries left.
            #expect(try await Self.storedSequences(test.database) == Array(6...13))
            let own = try await test.database.read { try await $0.auditEntries(learnerId: nil, after: nil, limit: 1, newestFirst: true).items }
            #expect(own.map(\.action) == ["audit.archive"] && own.map(\.actor) == [Self.cli])
            #expect(try await test.database.read { try await $0.auditArchives() } == [checkpoint])
            var verified = try await test.database.verifyAuditChain(batchSize: 3)
            #expect(verified.firstBreak == nil && verified.checked == 8)
            var file = AuditArchive.FileVerifier(checkpoint: checkpoint, previousHash: AuditChain.genesisHash)
            file.update(sink.file)
            #expect(file.finish() == nil)

            // The next archive continues from the checkpoint; appends continue after the head.
            let (second, secondSink) = try await Self.archive(test.database, before: 10)
            #expect(second?.firstSequence == 6 && second?.lastSequence == 10)
            var next = AuditArchive.FileVerifier(checkpoint: try #require(second), previousHash: checkpoint.lastHash)
            next.update(secondSink.file)
            #expect(next.finish() == nil)
            try await AuditTamperingTests.fill(test.database, count: 1)
            verified = try await test.database.verifyAuditChain()
            #expect(verified.firstBreak == nil && verified.checked == 5)
            #expect(try await Self.storedSequences(test.database) == Array(11...15))
        }
    }

    @Test("archiving every entry leaves the archiving's own entry, which verifies from the checkpoint",
          arguments: TestEngine.available)
    func archiveEverything(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await AuditTamperingTests.fill(test.database, count: 6)
            let (checkpoint, _) = try await Self.archive(test.database, before: 100)
            #expect(checkpoint?.lastSequence == 6)
            #expect(try await Self.storedSequences(test.database) == [7])
            let verified = try await test.database.verifyAuditChain()
            #expect(verified.firstBreak == nil && verified.checked == 1)
        }
    }

    @Test("with nothing older than the cut-off nothing is written or recorded", arguments: TestEngine.available)
    func nothingToArchive(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await AuditTamperingTests.fill(test.database, count: 3)
            let (checkpoint, sink) = try await Self.archive(test.database, before: -1)
            #expect(checkpoint == nil && sink.entries.isEmpty && !sink.sealed)
            #expect(try await Self.storedSequences(test.database) == [1, 2, 3])
        }
    }

    @Test("an archive whose file cannot be sealed leaves every entry in place", arguments: TestEngine.available)
    func failedSealChangesNothing(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await AuditTamperingTests.fill(test.database, count: 8)
            struct DiskFull: Error {}
            await #expect(throws: DiskFull.self) {
                _ = try await test.database.archiveAudit(before: Self.start + 5, at: Date(), by: Self.cli, write: { _ in },
                                                         seal: { throw DiskFull() })
            }
            #expect(try await Self.storedSequences(test.database) == Array(1...8))
            #expect(try await test.database.read { try await $0.auditArchives() }.isEmpty)
            #expect(try await test.database.verifyAuditChain().checked == 8)
        }
    }

    @Test("a broken chain is never archived", arguments: TestEngine.available)
    func brokenChainIsNotArchived(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await AuditTamperingTests.fill(test.database, count: 8)
            try await test.database.withConnection {
                try await $0.raw("UPDATE audit_entries SET action = 'nothing.happened' WHERE sequence = 3").run()
            }
            await #expect(throws: StorageError.self) { _ = try await Self.archive(test.database, before: 6) }
            #expect(try await Self.storedSequences(test.database) == Array(1...8))
            #expect(try await test.database.verifyAuditChain().firstBreak?.sequence == 3)
        }
    }

    @Test("of two archives begun from the same checkpoint, the one that commits second writes nothing",
          arguments: TestEngine.available)
    func concurrentArchives(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await AuditTamperingTests.fill(test.database, count: 10)
            let database = test.database
            let inner = Sink()
            let outer = Sink()
            // The inner archive runs to its end while the outer one is still writing its file.
            await #expect(throws: StorageError.self) {
                _ = try await database.archiveAudit(before: Self.start + 8, at: Date(), by: Self.cli, batchSize: 100, write: { batch in
                    try outer.write(batch)
                    _ = try await Self.archive(database, before: 4, sink: inner)
                }, seal: { outer.seal() })
            }
            #expect(inner.entries.map(\.sequence) == [1, 2, 3, 4])
            #expect(try await Self.storedSequences(database) == Array(5...11))
            #expect(try await database.read { try await $0.auditArchives() }.map(\.lastSequence) == [4])
            #expect(try await database.verifyAuditChain().firstBreak == nil)
        }
    }

    @Test("removing a checkpoint, the entry after it, or forging a gap between checkpoints is detected",
          arguments: TestEngine.available)
    func tamperingAroundCheckpoints(_ engine: TestEngine) async throws {
        // Each tampering, and the first entry that no longer verifies.
        for (tampering, at) in [("DELETE FROM audit_archives WHERE last_sequence = 8", Int64(5)),
                                ("DELETE FROM audit_entries WHERE sequence = 9", 9),
                                ("UPDATE audit_archives SET first_sequence = 6 WHERE last_sequence = 8", 5)] {
            try await TestDatabase.with(engine) { test in
                try await AuditTamperingTests.fill(test.database, count: 12)
                _ = try await Self.archive(test.database, before: 4)
                _ = try await Self.archive(test.database, before: 8)
                #expect(try await test.database.verifyAuditChain().firstBreak == nil)
                try await test.database.withConnection { try await $0.raw(SQLQueryString(tampering)).run() }
                let broken = try await test.database.verifyAuditChain().firstBreak
                #expect(broken?.sequence == at, "\(tampering)")
            }
        }
    }

    @Test("an entry put back below the newest checkpoint is detected", arguments: TestEngine.available)
    func strayEntryBelowCheckpoint(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await AuditTamperingTests.fill(test.database, count: 6)
            let (_, sink) = try await Self.archive(test.database, before: 3)
            let entry = sink.entries[1]
            try await test.database.withConnection { db in
                try await db.raw("""
                    INSERT INTO audit_entries (sequence, occurred_at, actor_kind, actor_id, action, learner_id, categories,
                      agreement_id, outcome, reason, previous_hash, hash)
                    VALUES (\(bind: entry.sequence), \(bind: Timestamp.milliseconds(entry.occurredAt)), 'system',
                      \(bind: entry.actor.id), \(bind: entry.action), \(bind: entry.learnerId), 'profile', \(bind: entry.agreementId),
                      'allowed', NULL, \(bind: entry.previousHash), \(bind: entry.hash))
                    """).run()
            }
            #expect(try await test.database.verifyAuditChain().firstBreak?.sequence == 2)
        }
    }

    /// Rewrites the stored chain from `sequence` on as someone with write access to the database could: edits that
    /// entry and recomputes its hash, every later one and the head.
    static func rewrite(_ database: VitaDatabase, from sequence: Int64) async throws {
        let entries = try await database.read { try await $0.auditEntries(learnerId: nil, after: nil, limit: 1000).items }
        var previous = entries.first { $0.sequence == sequence - 1 }?.hash ?? AuditChain.genesisHash
        var rewritten: [AuditEntry] = []
        for var entry in entries where entry.sequence >= sequence {
            if entry.sequence == sequence { entry.action = "nothing.happened" }
            entry.previousHash = previous
            entry.hash = AuditChain.hash(of: entry)
            previous = entry.hash
            rewritten.append(entry)
        }
        let head = previous
        let updates = rewritten
        try await database.withConnection { db in
            for entry in updates {
                try await db.raw("""
                    UPDATE audit_entries SET action = \(bind: entry.action), previous_hash = \(bind: entry.previousHash),
                      hash = \(bind: entry.hash) WHERE sequence = \(bind: entry.sequence)
                    """).run()
            }
            try await db.raw("UPDATE audit_head SET hash = \(bind: head) WHERE id = 1").run()
        }
    }

    @Test("a chain rewritten with its hashes recomputed verifies alone, but not against an anchor taken before",
          arguments: TestEngine.available)
    func anchorsCatchRewrites(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await AuditTamperingTests.fill(test.database, count: 12)
            let stored = try await test.database.read { try await $0.auditEntries(learnerId: nil, after: nil, limit: 100).items }
            let anchors = [AuditChain.Anchor(sequence: 4, hash: stored[3].hash), AuditChain.Anchor(sequence: 9, hash: stored[8].hash)]
            #expect(try await test.database.verifyAuditChain(anchors: anchors).firstBreak == nil)
            try await Self.rewrite(test.database, from: 6)
            #expect(try await test.database.verifyAuditChain().firstBreak == nil, "hash chaining alone does not see it")
            #expect(try await test.database.verifyAuditChain(anchors: [anchors[0]]).firstBreak == nil)
            let broken = try await test.database.verifyAuditChain(anchors: anchors).firstBreak
            #expect(broken?.sequence == 9 && broken?.reason.contains("anchored") == true)
        }
    }

    @Test("an anchor at an archive's last entry is checked against its checkpoint; one past the end finds the chain cut short",
          arguments: TestEngine.available)
    func anchorsAtCheckpointsAndBeyondTheHead(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            try await AuditTamperingTests.fill(test.database, count: 10)
            let (checkpoint, _) = try await Self.archive(test.database, before: 4)
            let boundary = AuditChain.Anchor(sequence: 4, hash: try #require(checkpoint).lastHash)
            #expect(try await test.database.verifyAuditChain(anchors: [boundary]).firstBreak == nil)
            let forged = AuditChain.Anchor(sequence: 4, hash: String(repeating: "e", count: 64))
            #expect(try await test.database.verifyAuditChain(anchors: [forged]).firstBreak?.sequence == 4)

            // The newest entries removed and the head moved back to match: intact alone, cut short against the anchor.
            let head = try await test.database.read { try await $0.auditHead() }
            let last = AuditChain.Anchor(sequence: head.sequence, hash: head.hash)
            let stored = try await test.database.read { try await $0.auditEntries(learnerId: nil, after: nil, limit: 100).items }
            let kept = try #require(stored.first { $0.sequence == head.sequence - 2 })
            try await test.database.withConnection { db in
                try await db.raw("DELETE FROM audit_entries WHERE sequence > \(bind: kept.sequence)").run()
                try await db.raw("UPDATE audit_head SET sequence = \(bind: kept.sequence), hash = \(bind: kept.hash) WHERE id = 1").run()
            }
            #expect(try await test.database.verifyAuditChain().firstBreak == nil)
            let cut = try await test.database.verifyAuditChain(anchors: [boundary, last]).firstBreak
            #expect(cut?.sequence == head.sequence && cut?.reason.hasPrefix("missing") == true)
        }
    }
}
