import Foundation
import SQLKit
import Synchronization
import VitaCore

/// The change feed (`docs/CHANGES.md`): every stored record version and every erasure, numbered in commit order.
/// The record changes a transaction made, numbered and stored when it is about to commit
/// (``StoreTransaction/storeRecordChanges()``, called by ``VitaDatabase/transaction(_:)`` before `COMMIT`).
final class PendingRecordChanges: Sendable {
    private let changes = Mutex<[RecordChange]>([])

    func add(_ change: RecordChange) { changes.withLock { $0.append(change) } }

    func take() -> [RecordChange] { changes.withLock { pending in defer { pending = [] }; return pending } }
}

extension StoreTransaction {
    /// Notes that `record` was stored (with the kind ``RecordChange/kind(of:)`` says, or `kind`) at `at`; its change
    /// is numbered and stored just before the transaction commits.
    func noteRecordChange(_ record: LearnerRecord, kind: RecordChange.Kind? = nil, at: Date) {
        pendingChanges.add(RecordChange(sequence: 0, kind: kind ?? RecordChange.kind(of: record), recordId: record.id,
                                        version: record.version, learnerId: record.learnerId, category: record.category,
                                        organizationId: record.organizationId, changedAt: at))
    }

    /// Numbers and stores the changes this transaction noted, in the order noted, after the feed's last.
    ///
    /// The numbers come from a counter in the audit chain's head row, which every writing transaction locks until it
    /// ends (it appends its audit entry there; SQLite's `BEGIN IMMEDIATE` excludes other writers anyway). So a number
    /// is handed out only after every transaction holding a smaller one has committed or rolled back: a reader that
    /// has seen a change never later finds one with a smaller number appear, and a cursor never skips a change. Taking
    /// them last, as the transaction commits, keeps the row locked no longer than the audit entry already keeps it:
    /// taken at each record's insert, the lock serialised the rest of every write (PostgreSQL's writes/s fell by a
    /// quarter).
    ///
    /// On PostgreSQL the counter moves and the changes are inserted in one statement (a data-modifying `WITH`).
    func storeRecordChanges() async throws {
        let changes = pendingChanges.take()
        guard !changes.isEmpty else { return }
        let count = Int64(changes.count)
        func values(_ change: RecordChange) -> [any Encodable & Sendable] {
            [change.kind.rawValue, change.recordId, change.version, change.learnerId, change.category.rawValue,
             change.organizationId, Self.ms(change.changedAt)]
        }
        if engine == .postgres {
            let rows = changes.enumerated().map { index, change -> SQLQueryString in
                """
                (\(bind: Int64(index))::bigint, \(bind: change.kind.rawValue)::text, \(bind: change.recordId)::text,
                 \(bind: change.version)::integer, \(bind: change.learnerId)::text, \(bind: change.category.rawValue)::text,
                 \(bind: change.organizationId)::text, \(bind: Self.ms(change.changedAt))::bigint)
                """
            }
            let inserted = try await db.raw("""
                WITH head AS (
                  UPDATE audit_head SET record_change_sequence = record_change_sequence + \(bind: count)
                  WHERE id = 1 RETURNING record_change_sequence AS last
                )
                INSERT INTO record_changes (\(unsafeRaw: Self.changeColumns.joined(separator: ", ")))
                SELECT head.last - \(bind: count - 1) + v.n, v.kind, v.record_id, v.version, v.learner_id, v.category,
                  v.organization_id, v.changed_at
                FROM head, (VALUES \(SQLList(rows))) AS v(n, kind, record_id, version, learner_id, category, organization_id, changed_at)
                RETURNING sequence
                """).all()
            guard inserted.count == changes.count else { throw StorageError(.corrupt, "the audit chain head is missing") }
            return
        }
        guard let last = try await db.raw("""
            UPDATE audit_head SET record_change_sequence = record_change_sequence + \(bind: count)
            WHERE id = 1 RETURNING record_change_sequence
            """).first()?.decode(column: "record_change_sequence", as: Int64.self) else {
            throw StorageError(.corrupt, "the audit chain head is missing")
        }
        let first = last - count + 1
        try await insertRows(into: "record_changes", columns: Self.changeColumns, rows: changes.enumerated().map { index, change in
            [first + Int64(index)] + values(change)
        })
    }

    private static let changeColumns = ["sequence", "kind", "record_id", "version", "learner_id", "category",
                                        "organization_id", "changed_at"]

    /// The changes after `sequence` and up to `through` (every one, without it), oldest first, at most `limit`, each
    /// with the record version it stored (as it is now: an erased learner's versions have no body). Only changes in
    /// `categories`, and with `providers`, only those of records held for one of its organizations in one of that
    /// organization's categories.
    ///
    /// The changes are walked in the order of their numbers (the primary key) and the scope filters them, so a page
    /// costs what the numbers between `sequence` and `through` cost, however few the scope keeps; `through` bounds it.
    public func recordChanges(after sequence: Int64, through: Int64? = nil, limit: Int, categories: Set<RecordCategory>,
                              providers: [String: Set<RecordCategory>]?) async throws -> [(change: RecordChange, record: LearnerRecord)] {
        let scope: SQLQueryString
        if let providers {
            let allowed = providers.sorted { $0.key < $1.key }.compactMap { organization, granted -> SQLQueryString? in
                let shown = granted.intersection(categories).sorted()
                guard !shown.isEmpty else { return nil }
                return "(c.organization_id = \(bind: organization) AND c.category IN (\(SQLList(shown.map { SQLBind($0.rawValue) }))))"
            }
            guard !allowed.isEmpty else { return [] }
            scope = "(\(SQLList(allowed, separator: SQLRaw(" OR "))))"
        } else {
            scope = "c.category IN (\(SQLList(categories.sorted().map { SQLBind($0.rawValue) })))"
        }
        return try await db.raw("""
            SELECT c.sequence AS change_sequence, c.kind AS change_kind, c.changed_at AS changed_at, r.*
            FROM record_changes c JOIN records r ON r.id = c.record_id AND r.version = c.version
            WHERE c.sequence > \(bind: sequence) AND c.sequence <= \(bind: through ?? Int64.max) AND \(scope)
            ORDER BY c.sequence LIMIT \(bind: limit)
            """).all().map { row in
            let record = try record(from: row)
            guard let kind = RecordChange.Kind(rawValue: try row.decode(column: "change_kind", as: String.self)) else {
                throw StorageError(.corrupt, "a stored record change has an unknown kind")
            }
            let change = RecordChange(sequence: try row.decode(column: "change_sequence", as: Int64.self), kind: kind,
                                      recordId: record.id, version: record.version, learnerId: record.learnerId,
                                      category: record.category, organizationId: record.organizationId,
                                      changedAt: Self.date(try row.decode(column: "changed_at", as: Int64.self)))
            return (change, record)
        }
    }

    /// The number of the last change in the feed (0 before the first).
    public func lastRecordChange() async throws -> Int64 {
        guard let last = try await db.raw("SELECT record_change_sequence FROM audit_head WHERE id = 1").first() else {
            throw StorageError(.corrupt, "the audit chain head is missing")
        }
        return try last.decode(column: "record_change_sequence", as: Int64.self)
    }

    /// Migration 32: the changes of the records stored before the feed existed — every version in the order it was
    /// recorded (the first creates, a tombstone deletes, any other updates), then an erasure for each current record
    /// of every erased learner — and the counter after them.
    func fillRecordChanges() async throws {
        // An erasure writes its tombstone into every version, so a tombstone equal to the learner's erasure is no
        // deletion of its own.
        try await db.raw("""
            INSERT INTO record_changes (\(unsafeRaw: Self.changeColumns.joined(separator: ", ")))
            SELECT ROW_NUMBER() OVER (ORDER BY r.recorded_at, r.id, r.version),
              CASE WHEN r.version = 1 THEN 'created'
                   WHEN r.body IS NULL AND r.deletion IS NOT NULL AND (l.erasure IS NULL OR r.deletion <> l.erasure) THEN 'deleted'
                   ELSE 'updated' END,
              r.id, r.version, r.learner_id, r.category, r.organization_id, r.recorded_at
            FROM records r JOIN learners l ON l.id = r.learner_id
            """).run()
        try await db.raw("""
            INSERT INTO record_changes (\(unsafeRaw: Self.changeColumns.joined(separator: ", ")))
            SELECT (SELECT COUNT(*) FROM records) + ROW_NUMBER() OVER (ORDER BY l.updated_at, r.id),
              'erased', r.id, r.version, r.learner_id, r.category, r.organization_id, l.updated_at
            FROM records r JOIN learners l ON l.id = r.learner_id
            WHERE l.erasure IS NOT NULL AND r.is_current = 1
            """).run()
        try await db.raw("""
            UPDATE audit_head SET record_change_sequence = (SELECT COALESCE(MAX(sequence), 0) FROM record_changes) WHERE id = 1
            """).run()
    }
}
