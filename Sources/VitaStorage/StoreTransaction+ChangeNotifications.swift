import Foundation
import SQLKit
import VitaCore

/// Where and how far a connected system is told that changes are waiting in the feed (`docs/CHANGES.md`).
public struct ChangeNotificationTarget: Sendable, Equatable {
    /// The system told.
    public var systemId: String
    /// Where the notifications are posted.
    public var url: String
    /// The secret that signs them, sealed with the master key for ``SealingID/changeNotificationSecret(_:)``.
    public var sealedSecret: String
    /// When the target was set.
    public var createdAt: Date
    /// The number of the last change the system has been told about (or that it could not read).
    public var notifiedThrough: Int64
    /// When a post may next be tried: after a failure, the back-off; while a node posts, its lease.
    public var nextAttemptAt: Date
    /// Posts that failed since the last one that succeeded.
    public var failures: Int
    /// The status of the last post's answer (nil when none came).
    public var lastStatus: Int?
    /// Why the last post failed, if it did.
    public var lastError: String?
    /// When a post last succeeded.
    public var lastDeliveredAt: Date?

    /// Creates a target.
    public init(systemId: String, url: String, sealedSecret: String, createdAt: Date, notifiedThrough: Int64,
                nextAttemptAt: Date, failures: Int = 0, lastStatus: Int? = nil, lastError: String? = nil,
                lastDeliveredAt: Date? = nil) {
        self.systemId = systemId
        self.url = url
        self.sealedSecret = sealedSecret
        self.createdAt = createdAt
        self.notifiedThrough = notifiedThrough
        self.nextAttemptAt = nextAttemptAt
        self.failures = failures
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.lastDeliveredAt = lastDeliveredAt
    }
}

extension StoreTransaction {
    /// Sets (or replaces, with its secret) the target of a system's notifications; it is told about changes after the
    /// feed's current last one.
    public func setChangeNotifications(_ target: ChangeNotificationTarget) async throws {
        try await db.raw("DELETE FROM change_notifications WHERE system_id = \(bind: target.systemId)").run()
        try await db.raw("""
            INSERT INTO change_notifications (system_id, url, sealed_secret, created_at, notified_through, next_attempt_at,
              failures, last_status, last_error, last_delivered_at) VALUES
            (\(bind: target.systemId), \(bind: target.url), \(bind: target.sealedSecret), \(bind: Self.ms(target.createdAt)),
             \(bind: target.notifiedThrough), \(bind: Self.ms(target.nextAttemptAt)), \(bind: target.failures),
             \(bind: target.lastStatus), \(bind: target.lastError), \(bind: target.lastDeliveredAt.map(Self.ms)))
            """).run()
    }

    /// The target of a system's notifications, if it has one.
    public func changeNotifications(systemId: String) async throws -> ChangeNotificationTarget? {
        try await db.raw("SELECT * FROM change_notifications WHERE system_id = \(bind: systemId)").first()
            .map(changeNotificationTarget(from:))
    }

    /// Removes a system's notifications; false when it had none.
    public func removeChangeNotifications(systemId: String) async throws -> Bool {
        !(try await db.raw("DELETE FROM change_notifications WHERE system_id = \(bind: systemId) RETURNING system_id").all()).isEmpty
    }

    /// Targets told about fewer changes than `through` whose next attempt is due at `now`, the longest waiting first.
    public func dueChangeNotifications(through: Int64, now: Date, limit: Int) async throws -> [ChangeNotificationTarget] {
        try await db.raw("""
            SELECT * FROM change_notifications WHERE notified_through < \(bind: through)
            AND next_attempt_at <= \(bind: Self.ms(now)) ORDER BY next_attempt_at, system_id LIMIT \(bind: limit)
            """).all().map(changeNotificationTarget(from:))
    }

    /// Claims a due target for one post (compare-and-set on its next attempt, which moves to `leaseUntil`): false when
    /// another node claimed it first or it changed.
    public func claimChangeNotification(_ target: ChangeNotificationTarget, leaseUntil: Date) async throws -> Bool {
        !(try await db.raw("""
            UPDATE change_notifications SET next_attempt_at = \(bind: Self.ms(leaseUntil))
            WHERE system_id = \(bind: target.systemId) AND next_attempt_at = \(bind: Self.ms(target.nextAttemptAt))
            AND sealed_secret = \(bind: target.sealedSecret) RETURNING system_id
            """).all()).isEmpty
    }

    /// Records that the system has been told about (or had nothing to read among) the changes through `through`:
    /// failures cleared; with `status`, a post was answered with it at `at`.
    public func changeNotificationDelivered(systemId: String, sealedSecret: String, through: Int64, status: Int?,
                                            at: Date) async throws {
        // A post's answer is recorded; moving on without a post keeps the last one's.
        let answered: SQLQueryString = status.map { ", last_status = \(bind: $0), last_delivered_at = \(bind: Self.ms(at))" } ?? ""
        try await db.raw("""
            UPDATE change_notifications SET notified_through = \(bind: through), next_attempt_at = \(bind: Self.ms(at)),
              failures = 0, last_error = NULL\(answered)
            WHERE system_id = \(bind: systemId) AND sealed_secret = \(bind: sealedSecret)
            """).run()
    }

    /// Records a failed post: one more failure, why, and when to try again.
    public func changeNotificationFailed(systemId: String, sealedSecret: String, status: Int?, error: String,
                                         retryAt: Date) async throws {
        try await db.raw("""
            UPDATE change_notifications SET failures = failures + 1, last_status = \(bind: status),
              last_error = \(bind: error), next_attempt_at = \(bind: Self.ms(retryAt))
            WHERE system_id = \(bind: systemId) AND sealed_secret = \(bind: sealedSecret)
            """).run()
    }

    private func changeNotificationTarget(from row: any SQLRow) throws -> ChangeNotificationTarget {
        ChangeNotificationTarget(
            systemId: try row.decode(column: "system_id", as: String.self),
            url: try row.decode(column: "url", as: String.self),
            sealedSecret: try row.decode(column: "sealed_secret", as: String.self),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
            notifiedThrough: try row.decode(column: "notified_through", as: Int64.self),
            nextAttemptAt: Self.date(try row.decode(column: "next_attempt_at", as: Int64.self)),
            failures: try row.decode(column: "failures", as: Int.self),
            lastStatus: try row.decode(column: "last_status", as: Int?.self),
            lastError: try row.decode(column: "last_error", as: String?.self),
            lastDeliveredAt: try row.decode(column: "last_delivered_at", as: Int64?.self).map(Self.date))
    }
}
