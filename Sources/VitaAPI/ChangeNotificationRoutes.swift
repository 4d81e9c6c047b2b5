import Foundation
import Hummingbird
import Logging
import VitaCore
import VitaJSON
import VitaOAuth
import VitaResolution
import VitaStorage

/// Where a connected system is told that changes it may read are waiting in the feed (`docs/CHANGES.md`,
/// "Notifications"): set, read and removed by an administrator or the system's organization's administrators.
struct ChangeNotificationRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    let vault: KeyVault
    /// Sends the posts under the outbound policy; nil when this server sends no outbound requests (setting a target
    /// is then 503).
    let client: ResolutionHTTPClient?

    struct Input: Decodable {
        var url: String
    }

    /// A target as the API shows it: never its secret, except once when it is set.
    struct Target: Encodable {
        var systemId: String
        var url: String
        var createdAt: Date
        var notifiedThrough: Int64
        var nextAttemptAt: Date
        var failures: Int
        var lastStatus: Int?
        var lastError: String?
        var lastDeliveredAt: Date?
        /// Shown once, when set: the key of the posts' HMAC-SHA256 signatures.
        var secret: String?

        init(_ target: ChangeNotificationTarget, secret: String? = nil) {
            systemId = target.systemId
            url = target.url
            createdAt = target.createdAt
            notifiedThrough = target.notifiedThrough
            nextAttemptAt = target.nextAttemptAt
            failures = target.failures
            lastStatus = target.lastStatus
            lastError = target.lastError
            lastDeliveredAt = target.lastDeliveredAt
            self.secret = secret
        }
    }

    func register(in catalog: RouteCatalog) {
        let path = "/api/v1/systems/{systemId}/change-notifications"
        catalog.add(Operation(method: .put, path: path, operationId: "setChangeNotifications",
                              summary: "Post to this URL, signed, whenever changes the system may read are waiting in the change feed (the signing secret is in the response, once)",
                              tag: "Administration", access: .admin, query: [], headers: [],
                              requestSchema: "ChangeNotificationsInput", success: (200, "ChangeNotifications"),
                              errors: [400, 401, 403, 404, 413, 422, 503])) { request, context in
            let id = try reader.id(context, "systemId", prefix: "sys", what: "system")
            let (input, _) = try await reader.decode(Input.self, from: request)
            guard let client else {
                throw Problem(status: 503, title: "Service Unavailable", detail: "this server sends no outbound requests")
            }
            let url: String
            do throws(ResolutionError) { url = try client.checkTarget(input.url) } catch {
                throw error.refusal(field: "url", what: "the notification URL")
                    ?? Problem.unprocessable("url", error.reason)
            }
            let secret = OAuthSecret.make(.notificationSecret).value
            let now = Timestamp.truncated(gate.clock())
            let target = try await database.transaction { tx -> ChangeNotificationTarget in
                guard let system = try await tx.system(id: id) else { throw Problem.notFound("system") }
                try StaffAccess.requireOwn(context.principal!, organizationId: system.system.organizationId)
                let target = ChangeNotificationTarget(
                    systemId: id, url: url,
                    sealedSecret: try vault.seal(Array(secret.utf8), id: SealingID.changeNotificationSecret(id)),
                    createdAt: now, notifiedThrough: try await tx.lastRecordChange(), nextAttemptAt: now)
                try await tx.setChangeNotifications(target)
                try await gate.audit(tx, context.principal!, action: "system.notifications.set")
                return target
            }
            return try APIJSON.response(Target(target, secret: secret))
        }
        catalog.add(Operation(method: .get, path: path, operationId: "getChangeNotifications",
                              summary: "Where a system's change notifications go, and how the last posts went",
                              tag: "Administration", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (200, "ChangeNotifications"), errors: [401, 403, 404])) { _, context in
            let id = try reader.id(context, "systemId", prefix: "sys", what: "system")
            let target = try await database.read { tx -> ChangeNotificationTarget? in
                guard let system = try await tx.system(id: id) else { throw Problem.notFound("system") }
                try StaffAccess.requireOwn(context.principal!, organizationId: system.system.organizationId)
                return try await tx.changeNotifications(systemId: id)
            }
            guard let target else { throw Problem.notFound("change notifications") }
            return try APIJSON.response(Target(target))
        }
        catalog.add(Operation(method: .delete, path: path, operationId: "removeChangeNotifications",
                              summary: "Stop a system's change notifications", tag: "Administration", access: .admin,
                              query: [], headers: [], requestSchema: nil, success: (204, nil),
                              errors: [401, 403, 404])) { _, context in
            let id = try reader.id(context, "systemId", prefix: "sys", what: "system")
            try await database.transaction { tx in
                guard let system = try await tx.system(id: id) else { throw Problem.notFound("system") }
                try StaffAccess.requireOwn(context.principal!, organizationId: system.system.organizationId)
                guard try await tx.removeChangeNotifications(systemId: id) else { throw Problem.notFound("change notifications") }
                try await gate.audit(tx, context.principal!, action: "system.notifications.remove")
            }
            return Response(status: .noContent)
        }
    }
}

/// Posts the change notifications that are due (`docs/CHANGES.md`, "Notifications"), a round at a time: every node
/// runs rounds (`BackgroundSweep.changeNotifications`); a target is claimed by compare-and-set before its post, so two
/// nodes never post the same notification, and everything about it lives in the database.
public struct ChangeNotifier: Sendable {
    let database: VitaDatabase
    let vault: KeyVault
    let client: ResolutionHTTPClient
    /// The feed's URL, named in each post.
    let feedURL: String
    let clock: @Sendable () -> Date

    /// How long a claim holds a target: longer than a post may take.
    static let lease: TimeInterval = 120
    /// Targets one round looks at.
    static let perRound = 50

    /// The wait after `failures` failed posts in a row: 10 s, doubling, at most an hour.
    static func backoff(failures: Int) -> TimeInterval {
        min(10 * pow(2, Double(max(0, failures - 1))), 3600)
    }

    /// What one round did.
    public struct Round: Sendable, Equatable {
        /// Posts answered with a 2xx.
        public var delivered = 0
        /// Posts that failed (to be tried again after the back-off).
        public var failed = 0
        /// Targets with nothing they may read waiting: moved on without a post.
        public var skipped = 0

        /// Creates counts.
        public init(delivered: Int = 0, failed: Int = 0, skipped: Int = 0) {
            self.delivered = delivered
            self.failed = failed
            self.skipped = skipped
        }
    }

    /// One round: every due target this node claims is posted to once, or moved on when nothing it may read is
    /// waiting (its agreements as they stand now). Up to ``concurrentPosts`` posts are in flight at once, so a
    /// receiver that does not answer holds up no other.
    public func deliverDue() async throws -> Round {
        let now = clock()
        let (head, due) = try await database.read { tx in
            let head = try await tx.lastRecordChange()
            return (head, try await tx.dueChangeNotifications(through: head, now: now, limit: Self.perRound))
        }
        var round = Round()
        for start in stride(from: 0, to: due.count, by: Self.concurrentPosts) {
            try await withThrowingTaskGroup(of: Outcome.self) { group in
                for target in due[start ..< min(start + Self.concurrentPosts, due.count)] {
                    group.addTask { try await deliver(target, through: head, now: now) }
                }
                for try await outcome in group {
                    switch outcome {
                    case .delivered: round.delivered += 1
                    case .failed: round.failed += 1
                    case .skipped: round.skipped += 1
                    case .claimedElsewhere: break
                    }
                }
            }
        }
        return round
    }

    /// Posts at most this many notifications at once.
    static let concurrentPosts = 8

    private enum Outcome: Sendable { case delivered, failed, skipped, claimedElsewhere }

    /// Claims `target`, then posts to it (or moves it on when nothing it may read is waiting) and records how it went.
    private func deliver(_ target: ChangeNotificationTarget, through head: Int64, now: Date) async throws -> Outcome {
        let claimed = try await database.transaction {
            try await $0.claimChangeNotification(target, leaseUntil: now.addingTimeInterval(Self.lease))
        }
        guard claimed else { return .claimedElsewhere }
        guard try await waiting(for: target, now: now) else {
            try await database.transaction {
                try await $0.changeNotificationDelivered(systemId: target.systemId, sealedSecret: target.sealedSecret,
                                                        through: head, status: nil, at: now)
            }
            return .skipped
        }
        let body = JSONValue.object([
            "type": "vita.record-changes", "systemId": .string(target.systemId),
            "lastSequence": .number(JSONNumber(Int(head))), "feed": .string(feedURL),
            "sentAt": .string(APIJSON.timestampStyle.format(now)),
        ]).serialized()
        var status: Int?
        var failure: String?
        do {
            let secret = try vault.open(target.sealedSecret, id: SealingID.changeNotificationSecret(target.systemId))
            let answer = try await client.send(OutboundRequest(method: "POST", url: target.url, headers: [
                ("Content-Type", "application/json"),
                (ChangeNotificationSignature.header, ChangeNotificationSignature.sign(body, secret: secret, at: now)),
            ], body: body, maxResponseBytes: 64 << 10, timeout: .seconds(30)))
            status = answer.status
            if !(200..<300).contains(answer.status) { failure = "the receiver answered \(answer.status)" }
        } catch let error as ResolutionError {
            failure = error.reason
        } catch {
            failure = "the signing secret could not be opened"
        }
        let answered = status
        if let failure {
            try await database.transaction {
                try await $0.changeNotificationFailed(systemId: target.systemId, sealedSecret: target.sealedSecret,
                                                      status: answered, error: String(failure.prefix(500)),
                                                      retryAt: now.addingTimeInterval(Self.backoff(failures: target.failures + 1)))
            }
            return .failed
        }
        try await database.transaction {
            try await $0.changeNotificationDelivered(systemId: target.systemId, sealedSecret: target.sealedSecret,
                                                    through: head, status: answered, at: now)
        }
        return .delivered
    }

    /// Whether a change the system may read (agreements in force now, consent aside) came after what it was told.
    private func waiting(for target: ChangeNotificationTarget, now: Date) async throws -> Bool {
        try await database.read { tx in
            guard let keyed = try await tx.system(id: target.systemId),
                  case .success(let scope) = AgreementPolicy().readScope(
                    system: keyed.system, categories: RecordCategory.stored,
                    agreements: try await tx.agreements(consumer: target.systemId), now: now) else { return false }
            return !(try await tx.recordChanges(after: target.notifiedThrough, limit: 1, categories: Set(RecordCategory.stored),
                                                providers: scope.categoriesByProvider)).isEmpty
        }
    }
}

extension BackgroundSweep {
    /// Posts the change notifications that are due, every `seconds`.
    static func changeNotifications(_ notifier: ChangeNotifier, every seconds: TimeInterval, logger: Logger) -> Self {
        BackgroundSweep(interval: .milliseconds(Int(seconds * 1000)), runsAtStart: true) {
            do {
                let round = try await notifier.deliverDue()
                if round.failed > 0 {
                    logger.warning("change notifications failed", metadata: ["failed": "\(round.failed)", "delivered": "\(round.delivered)"])
                }
            } catch {
                logger.warning("posting change notifications failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
