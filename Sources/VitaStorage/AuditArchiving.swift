import Foundation
import SQLKit
import VitaCore

extension StoreTransaction {
    /// The checkpoints of the archives made so far, oldest first.
    public func auditArchives() async throws -> [AuditArchive.Checkpoint] {
        try await db.raw("SELECT * FROM audit_archives ORDER BY last_sequence").all().map(Self.checkpoint(from:))
    }

    /// The newest archive's checkpoint, if any archive was made.
    public func newestAuditArchive() async throws -> AuditArchive.Checkpoint? {
        try await db.raw("SELECT * FROM audit_archives ORDER BY last_sequence DESC LIMIT 1").first().map(Self.checkpoint(from:))
    }

    /// A page of the archives' checkpoints, oldest first, after the cursor.
    public func auditArchives(after cursor: String?, limit: Int) async throws -> Page<AuditArchive.Checkpoint> {
        let after = try Self.cursorKey(cursor).flatMap { Int64($0) } ?? 0
        let rows = try await db.raw("""
            SELECT * FROM audit_archives WHERE last_sequence > \(bind: after) ORDER BY last_sequence LIMIT \(bind: limit + 1)
            """).all().map(Self.checkpoint(from:))
        return page(rows, limit: limit, key: { String($0.lastSequence) })
    }

    private static func checkpoint(from row: any SQLRow) throws -> AuditArchive.Checkpoint {
        AuditArchive.Checkpoint(firstSequence: try row.decode(column: "first_sequence", as: Int64.self),
                                lastSequence: try row.decode(column: "last_sequence", as: Int64.self),
                                lastHash: try row.decode(column: "last_hash", as: String.self),
                                digest: try row.decode(column: "digest", as: String.self),
                                cutOff: Timestamp.date(milliseconds: try row.decode(column: "cut_off", as: Int64.self)),
                                archivedAt: Timestamp.date(milliseconds: try row.decode(column: "archived_at", as: Int64.self)))
    }

    /// Up to `limit` stored entries after sequence number `after`, in sequence order.
    func auditEntries(after: Int64, limit: Int) async throws -> [AuditEntry] {
        try await db.raw("""
            SELECT * FROM audit_entries WHERE sequence > \(bind: after) ORDER BY sequence LIMIT \(bind: limit)
            """).all().map(Self.auditEntry(from:))
    }
}

extension VitaDatabase {
    /// Moves the oldest audit entries out of the database: every stored entry, oldest first, up to the first that
    /// occurred at or after `cutOff`.
    ///
    /// The entries are checked as they are read (an archive never hides a break: a broken chain throws and nothing
    /// is archived) and handed to `write` in sequence order, batch by batch; `seal` then makes the written archive
    /// durable and returns the SHA-256 of its bytes. Only after that, in one transaction, are the entries deleted and
    /// the archive's checkpoint recorded, so a failure at any step leaves the database as it was. Returns the
    /// checkpoint, or nil when no entry is old enough (neither `write` nor `seal` is called then). The archiving is
    /// itself audited (`audit.archive`, by `actor`) in the same transaction, so the chain records that entries left.
    public func archiveAudit(before cutOff: Date, at now: Date, by actor: AuditEntry.Actor, batchSize: Int = 5000,
                             write: ([AuditEntry]) async throws -> Void,
                             seal: () async throws -> String) async throws -> AuditArchive.Checkpoint? {
        let earlier = try await read { try await $0.auditArchives() }
        if let gap = AuditArchive.firstGap(in: earlier) {
            throw StorageError(.corrupt, "the audit chain is broken at \(gap): nothing was archived")
        }
        let start = earlier.last.map { ($0.lastSequence, $0.lastHash) } ?? (0, AuditChain.genesisHash)
        var verifier = AuditChain.Verifier(after: start.0, hash: start.1)
        var last: AuditEntry?
        var after = start.0
        reading: while true {
            let from = after
            let batch = try await read { try await $0.auditEntries(after: from, limit: batchSize) }
            var old: [AuditEntry] = []
            for entry in batch {
                if entry.occurredAt >= cutOff { break }
                verifier.check(entry)
                if let broken = verifier.firstBreak {
                    throw StorageError(.corrupt, "the audit chain is broken at \(broken): nothing was archived")
                }
                old.append(entry)
            }
            if !old.isEmpty {
                try await write(old)
                last = old.last
                after = old.last!.sequence
            }
            if old.count < batch.count || batch.count < batchSize { break reading }
        }
        guard let last else { return nil }
        let checkpoint = AuditArchive.Checkpoint(firstSequence: start.0 + 1, lastSequence: last.sequence,
                                                 lastHash: last.hash, digest: try await seal(),
                                                 cutOff: Timestamp.truncated(cutOff), archivedAt: Timestamp.truncated(now))
        try await transaction { tx in
            try await tx.recordArchive(checkpoint, previous: earlier.last?.lastSequence)
            try await tx.appendAudit(AuditEntry(occurredAt: now, actor: actor, action: "audit.archive", learnerId: nil,
                                                categories: [], agreementId: nil, outcome: .allowed, reason: nil))
        }
        return checkpoint
    }
}

extension StoreTransaction {
    /// Deletes the entries an archive holds and records its checkpoint, if no other archive was recorded since
    /// `previous` (the last sequence number of the newest checkpoint read before archiving) and every entry is still
    /// there as archived.
    fileprivate func recordArchive(_ checkpoint: AuditArchive.Checkpoint, previous: Int64?) async throws {
        let newest = try await db.raw("SELECT MAX(last_sequence) AS last FROM audit_archives").first()?
            .decode(column: "last", as: Int64?.self)
        guard newest == previous else {
            throw StorageError(.conflict, "another archive was made while this one was written: nothing was archived")
        }
        let range: SQLQueryString = "sequence BETWEEN \(bind: checkpoint.firstSequence) AND \(bind: checkpoint.lastSequence)"
        let stored = try await db.raw("""
            SELECT COUNT(*) AS n, MAX(CASE WHEN sequence = \(bind: checkpoint.lastSequence) THEN hash END) AS h
            FROM audit_entries WHERE \(range)
            """).first()
        guard try stored?.decode(column: "n", as: Int64.self) == checkpoint.count,
              try stored?.decode(column: "h", as: String?.self) == checkpoint.lastHash else {
            throw StorageError(.conflict, "the audit entries changed while they were archived: nothing was archived")
        }
        try await db.raw("DELETE FROM audit_entries WHERE \(range)").run()
        try await db.raw("""
            INSERT INTO audit_archives (last_sequence, first_sequence, last_hash, digest, cut_off, archived_at)
            VALUES (\(bind: checkpoint.lastSequence), \(bind: checkpoint.firstSequence), \(bind: checkpoint.lastHash),
              \(bind: checkpoint.digest), \(bind: Self.ms(checkpoint.cutOff)), \(bind: Self.ms(checkpoint.archivedAt)))
            """).run()
    }
}
