import Foundation
import SQLKit

/// A signed-in browser as stored: never the cookie's secret, only its SHA-256.
public struct StoredWebSession: Sendable, Equatable {
    /// SHA-256 (hex) of the cookie's secret.
    public var idHash: String
    /// What kind of account signed in (`learner`; the console adds `staff`).
    public var subjectKind: String
    /// The account's subject: the learner id for a learner.
    public var subjectId: String
    public var createdAt: Date
    /// The last request the session answered (kept to the minute).
    public var lastSeenAt: Date
    /// When the session ends unless used again: the earlier of the idle and the absolute deadline.
    public var expiresAt: Date

    public init(idHash: String, subjectKind: String, subjectId: String, createdAt: Date, lastSeenAt: Date, expiresAt: Date) {
        self.idHash = idHash
        self.subjectKind = subjectKind
        self.subjectId = subjectId
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
    }
}

extension StoreTransaction {
    /// Stores a new session.
    public func insert(_ session: StoredWebSession) async throws {
        try await db.raw("""
            INSERT INTO web_sessions (id_hash, subject_kind, subject_id, created_at, last_seen_at, expires_at) VALUES
            (\(bind: session.idHash), \(bind: session.subjectKind), \(bind: session.subjectId),
             \(bind: Self.ms(session.createdAt)), \(bind: Self.ms(session.lastSeenAt)), \(bind: Self.ms(session.expiresAt)))
            """).run()
    }

    /// The unexpired session whose secret hashes to `idHash`, if any.
    public func webSession(idHash: String, now: Date) async throws -> StoredWebSession? {
        try await db.raw("""
            SELECT * FROM web_sessions WHERE id_hash = \(bind: idHash) AND expires_at > \(bind: Self.ms(now))
            """).first().map { row in
            StoredWebSession(idHash: try row.decode(column: "id_hash", as: String.self),
                             subjectKind: try row.decode(column: "subject_kind", as: String.self),
                             subjectId: try row.decode(column: "subject_id", as: String.self),
                             createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
                             lastSeenAt: Self.date(try row.decode(column: "last_seen_at", as: Int64.self)),
                             expiresAt: Self.date(try row.decode(column: "expires_at", as: Int64.self)))
        }
    }

    /// Moves a used session's deadline on.
    public func touchWebSession(idHash: String, lastSeenAt: Date, expiresAt: Date) async throws {
        try await db.raw("""
            UPDATE web_sessions SET last_seen_at = \(bind: Self.ms(lastSeenAt)), expires_at = \(bind: Self.ms(expiresAt))
            WHERE id_hash = \(bind: idHash)
            """).run()
    }

    /// Ends one session (signing out).
    public func endWebSession(idHash: String) async throws {
        try await db.raw("DELETE FROM web_sessions WHERE id_hash = \(bind: idHash)").run()
    }

    /// Ends every session of one account (signing out everywhere, erasure, a disabled account).
    public func endWebSessions(kind: String, subjectId: String) async throws {
        try await db.raw("""
            DELETE FROM web_sessions WHERE subject_kind = \(bind: kind) AND subject_id = \(bind: subjectId)
            """).run()
    }

    /// Deletes sessions that ended before `now`; returns how many.
    public func purgeExpiredWebSessions(now: Date) async throws -> Int {
        try await db.raw("DELETE FROM web_sessions WHERE expires_at <= \(bind: Self.ms(now)) RETURNING id_hash").all().count
    }
}
