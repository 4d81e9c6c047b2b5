import Foundation
import SQLKit
import VitaCore

/// The change feed (`docs/CHANGES.md`): every stored record version and every erasure, numbered in commit order.
extension StoreTransaction {
    /// Adds `records`' changes to the feed, numbered after the last in the order given (each with the kind
    /// ``RecordChange/kind(of:)`` says, or `kind` when given).
    ///
    /// The numbers come from a counter in the audit chain's head row, which every writing transaction locks until it
    /// ends (it appends its audit entry there; SQLite's `BEGIN IMMEDIATE` excludes other writers anyway). So a number
    /// is handed out only after every transaction holding a smaller one has committed or rolled back: a reader that
    /// has seen a change never later finds one with a smaller number appear, and a cursor never skips a change.
    ///
    /// On PostgreSQL the counter moves and the changes are inserted in one statement (a data-modifying `WITH`): every
    /// record write pays one round trip for its change, not two.
    func appendRecordChanges(_ records: [LearnerRecord], kind: RecordChange.Kind? = nil, at: Date) async throws {
        guard !records.isEmpty else { return }
        let count = Int64(records.count)
        if engine == .postgres {
            let rows = records.enumerated().map { index, record -> SQLQueryString in
                """
                (\(bind: Int64(index))::bigint, \(bind: (kind ?? RecordChange.kind(of: record)).rawValue)::text, \(bind: record.id)::text,
                 \(bind: record.version)::integer, \(bind: record.learnerId)::text, \(bind: record.category.rawValue)::text,
                 \(bind: record.organizationId)::text, \(bind: Self.ms(at))::bigint)
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
            guard inserted.count == records.count else { throw StorageError(.corrupt, "the audit chain head is missing") }
            return
        }
        guard let last = try await db.raw("""
            UPDATE audit_head SET record_change_sequence = record_change_sequence + \(bind: count)
            WHERE id = 1 RETURNING record_change_sequence
            """).first()?.decode(column: "record_change_sequence", as: Int64.self) else {
            throw StorageError(.corrupt, "the audit chain head is missing")
        }
        let first = last - count + 1
        try await insertRows(into: "record_changes", columns: Self.changeColumns, rows: records.enumerated().map { index, record in
            [first + Int64(index), (kind ?? RecordChange.kind(of: record)).rawValue, record.id, record.version,
             record.learnerId, record.category.rawValue, record.organizationId, Self.ms(at)]
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
