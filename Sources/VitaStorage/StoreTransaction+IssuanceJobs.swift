import Foundation
import SQLKit
import VitaCore

/// A bulk issuance: a CSV upload's rows, issued in the background and reported row by row.
public struct IssuanceJob: Sendable, Equatable {
    /// Vita's identifier (`job_…`).
    public var id: String
    /// The issuing organization.
    public var organizationId: String
    /// Who uploaded it (the audit actor, `staff:stf_…`, `admin:adm_…`, `system:sys_…`).
    public var createdBy: String
    /// The uploaded file's name, as the browser gave it.
    public var fileName: String
    /// How many rows the file had.
    public var totalRows: Int
    public var createdAt: Date
    /// When a row last changed.
    public var updatedAt: Date
    /// When the last pending row was done.
    public var finishedAt: Date?

    /// Creates a job.
    public init(id: String, organizationId: String, createdBy: String, fileName: String, totalRows: Int, createdAt: Date,
                updatedAt: Date, finishedAt: Date? = nil) {
        self.id = id
        self.organizationId = organizationId
        self.createdBy = createdBy
        self.fileName = fileName
        self.totalRows = totalRows
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
    }
}

/// One row of a bulk issuance.
public struct IssuanceJobRow: Sendable, Equatable {
    /// Where a row stands.
    public enum Status: String, Sendable {
        case pending, issued, rejected
    }

    /// The 1-based line of the file.
    public var line: Int
    public var learnerId: String
    public var recordId: String
    public var achievementId: String
    public var status: Status
    /// The issued credential's id (`urn:uuid:…`).
    public var credentialId: String?
    /// Why the row was rejected.
    public var reason: String?

    /// Creates a row.
    public init(line: Int, learnerId: String, recordId: String, achievementId: String, status: Status = .pending,
                credentialId: String? = nil, reason: String? = nil) {
        self.line = line
        self.learnerId = learnerId
        self.recordId = recordId
        self.achievementId = achievementId
        self.status = status
        self.credentialId = credentialId
        self.reason = reason
    }
}

/// How far a job has come.
public struct IssuanceJobProgress: Sendable, Equatable {
    public var pending: Int
    public var issued: Int
    public var rejected: Int
}

extension StoreTransaction {
    /// Stores a new job with its rows (all pending, or already rejected when the file said so).
    public func insert(_ job: IssuanceJob, rows: [IssuanceJobRow]) async throws {
        try await db.raw("""
            INSERT INTO issuance_jobs (id, organization_id, created_by, file_name, total_rows, created_at, updated_at,
              finished_at) VALUES
            (\(bind: job.id), \(bind: job.organizationId), \(bind: job.createdBy), \(bind: job.fileName),
             \(bind: job.totalRows), \(bind: Self.ms(job.createdAt)), \(bind: Self.ms(job.updatedAt)),
             \(bind: job.finishedAt.map(Self.ms)))
            """).run()
        try await insertRows(
            into: "issuance_job_rows",
            columns: ["job_id", "line", "learner_id", "record_id", "achievement_id", "status", "credential_id", "reason"],
            rows: rows.map { row in
                [job.id, row.line, row.learnerId, row.recordId, row.achievementId, row.status.rawValue, row.credentialId,
                 row.reason]
            })
    }

    private func job(from row: any SQLRow) throws -> IssuanceJob {
        IssuanceJob(id: try row.decode(column: "id", as: String.self),
                    organizationId: try row.decode(column: "organization_id", as: String.self),
                    createdBy: try row.decode(column: "created_by", as: String.self),
                    fileName: try row.decode(column: "file_name", as: String.self),
                    totalRows: try row.decode(column: "total_rows", as: Int.self),
                    createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
                    updatedAt: Self.date(try row.decode(column: "updated_at", as: Int64.self)),
                    finishedAt: try row.decode(column: "finished_at", as: Int64?.self).map(Self.date))
    }

    private func jobRow(from row: any SQLRow) throws -> IssuanceJobRow {
        IssuanceJobRow(line: try row.decode(column: "line", as: Int.self),
                       learnerId: try row.decode(column: "learner_id", as: String.self),
                       recordId: try row.decode(column: "record_id", as: String.self),
                       achievementId: try row.decode(column: "achievement_id", as: String.self),
                       status: IssuanceJobRow.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
                       credentialId: try row.decode(column: "credential_id", as: String?.self),
                       reason: try row.decode(column: "reason", as: String?.self))
    }

    /// The job `id`, if any.
    public func issuanceJob(id: String) async throws -> IssuanceJob? {
        try await db.raw("SELECT * FROM issuance_jobs WHERE id = \(bind: id)").first().map(job(from:))
    }

    /// A page of an organization's jobs, newest first, before the cursor.
    public func issuanceJobs(organizationId: String, before cursor: String?, limit: Int) async throws -> Page<IssuanceJob> {
        var query: SQLQueryString = "SELECT * FROM issuance_jobs WHERE organization_id = \(bind: organizationId)"
        if let before = try Self.cursorKey(cursor) { query += " AND id < \(bind: before)" }
        query += " ORDER BY id DESC LIMIT \(bind: limit + 1)"
        return page(try await db.raw(query).all().map(job(from:)), limit: limit, key: \.id)
    }

    /// How many rows of the job are pending, issued and rejected.
    public func issuanceJobProgress(id: String) async throws -> IssuanceJobProgress {
        var progress = IssuanceJobProgress(pending: 0, issued: 0, rejected: 0)
        for row in try await db.raw("""
            SELECT status, COUNT(*) AS n FROM issuance_job_rows WHERE job_id = \(bind: id) GROUP BY status
            """).all() {
            let count = try row.decode(column: "n", as: Int.self)
            switch IssuanceJobRow.Status(rawValue: try row.decode(column: "status", as: String.self)) {
            case .pending?: progress.pending = count
            case .issued?: progress.issued = count
            case .rejected?: progress.rejected = count
            case nil: break
            }
        }
        return progress
    }

    /// The next `limit` pending rows of the job in line order, locked for this transaction on PostgreSQL (SQLite write
    /// transactions are exclusive): two workers never take the same row, and a row done meanwhile is not pending.
    public func pendingIssuanceRows(jobId: String, limit: Int) async throws -> [IssuanceJobRow] {
        try await db.raw("""
            SELECT * FROM issuance_job_rows WHERE job_id = \(bind: jobId) AND status = 'pending' ORDER BY line
            LIMIT \(bind: limit)\(unsafeRaw: engine == .postgres ? " FOR UPDATE SKIP LOCKED" : "")
            """).all().map(jobRow(from:))
    }

    /// Records a row's outcome, only if it is still pending (so a row is never issued twice); returns whether it was.
    @discardableResult
    public func finishIssuanceRow(jobId: String, line: Int, status: IssuanceJobRow.Status, credentialId: String?,
                                  reason: String?) async throws -> Bool {
        try await db.raw("""
            UPDATE issuance_job_rows SET status = \(bind: status.rawValue), credential_id = \(bind: credentialId),
              reason = \(bind: reason)
            WHERE job_id = \(bind: jobId) AND line = \(bind: line) AND status = 'pending' RETURNING line
            """).all().count == 1
    }

    /// Moves the job's change time on, and sets its end when no row is pending.
    public func touchIssuanceJob(id: String, at: Date) async throws {
        let pending = try await issuanceJobProgress(id: id).pending
        try await db.raw("""
            UPDATE issuance_jobs SET updated_at = \(bind: Self.ms(at)),
              finished_at = \(bind: pending == 0 ? Self.ms(at) : nil)
            WHERE id = \(bind: id)
            """).run()
    }

    /// Claims up to `limit` unfinished jobs that no worker has moved since `idleBefore` (their node stopped) by moving
    /// them to `now`; returns their ids. A job is claimed once: a concurrent claim (another node's sweep) finds it
    /// moved and leaves it.
    public func claimStalledIssuanceJobs(idleBefore: Date, now: Date, limit: Int) async throws -> [String] {
        try await db.raw("""
            UPDATE issuance_jobs SET updated_at = \(bind: Self.ms(now))
            WHERE id IN (SELECT id FROM issuance_jobs WHERE finished_at IS NULL AND updated_at < \(bind: Self.ms(idleBefore))
                         ORDER BY updated_at LIMIT \(bind: limit))
            AND finished_at IS NULL AND updated_at < \(bind: Self.ms(idleBefore))
            RETURNING id
            """).all().map { try $0.decode(column: "id", as: String.self) }.sorted()
    }

    /// Every row of the job in line order (for its report).
    public func issuanceJobRows(jobId: String) async throws -> [IssuanceJobRow] {
        try await db.raw("""
            SELECT * FROM issuance_job_rows WHERE job_id = \(bind: jobId) ORDER BY line
            """).all().map(jobRow(from:))
    }
}

/// A credential an organization issued, as its console lists it.
public struct IssuedCredentialSummary: Sendable, Equatable {
    /// Vita's identifier of the issuance (`vcr_…`).
    public var id: String
    /// The credential's id (`urn:uuid:…`).
    public var credentialId: String
    public var learnerId: String
    public var recordId: String
    public var achievementId: String
    public var createdAt: Date
    /// Who had it issued (`staff:stf_…`, `system:sys_…`, …).
    public var issuedBy: String
    /// Whether its revocation bit is set.
    public var revoked: Bool
    /// Whether its suspension bit is set.
    public var suspended: Bool
}

extension StoreTransaction {
    /// The credentials `organizationId` issued, newest first, whose credential, learner, record or achievement id
    /// contains `search` (all when nil), after the cursor.
    public func issuedCredentials(organizationId: String, search: String?, after cursor: String?,
                                  limit: Int) async throws -> Page<IssuedCredentialSummary> {
        let before = try Self.cursorKey(cursor)
        var query: SQLQueryString = """
            SELECT c.id, c.credential_id, c.learner_id, c.record_id, c.achievement_id, c.created_at, c.issued_by,
              (SELECT MAX(s.is_set) FROM credential_status s WHERE s.credential_id = c.credential_id AND s.purpose = 'revocation') AS revoked,
              (SELECT MAX(s.is_set) FROM credential_status s WHERE s.credential_id = c.credential_id AND s.purpose = 'suspension') AS suspended
            FROM issued_credentials c WHERE c.organization_id = \(bind: organizationId)
            """
        if let before { query += " AND c.id < \(bind: before)" }
        if let search, !search.isEmpty {
            // Matched literally: LIKE's wildcards in the search are escaped.
            let literal = search.replacingOccurrences(of: "!", with: "!!").replacingOccurrences(of: "%", with: "!%")
                .replacingOccurrences(of: "_", with: "!_")
            let pattern = "%" + literal + "%"
            query += """
                 AND (c.credential_id LIKE \(bind: pattern) ESCAPE '!' OR c.learner_id LIKE \(bind: pattern) ESCAPE '!'
                  OR c.record_id LIKE \(bind: pattern) ESCAPE '!' OR c.achievement_id LIKE \(bind: pattern) ESCAPE '!')
                """
        }
        query += " ORDER BY c.id DESC LIMIT \(bind: limit + 1)"
        let rows = try await db.raw(query).all().map { row in
            IssuedCredentialSummary(
                id: try row.decode(column: "id", as: String.self),
                credentialId: try row.decode(column: "credential_id", as: String.self),
                learnerId: try row.decode(column: "learner_id", as: String.self),
                recordId: try row.decode(column: "record_id", as: String.self),
                achievementId: try row.decode(column: "achievement_id", as: String.self),
                createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
                issuedBy: try row.decode(column: "issued_by", as: String.self),
                revoked: (try row.decode(column: "revoked", as: Int?.self) ?? 0) != 0,
                suspended: (try row.decode(column: "suspended", as: Int?.self) ?? 0) != 0)
        }
        return page(rows, limit: limit, key: { $0.id })
    }
}
