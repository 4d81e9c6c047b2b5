import Foundation
import Hummingbird
import VitaCore
import VitaStorage

/// The change feed (`docs/CHANGES.md`): the changes to the learner records a caller may read, in commit order, from a
/// cursor, so that a connected system keeps its copy of them up to date without reading every learner again.
struct ChangeRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader

    /// The audit action of a page of the feed (one entry per learner whose changes it shows).
    static let action = "changes.read"

    func register(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .get, path: "/api/v1/changes", operationId: "listRecordChanges",
                              summary: "The changes to the learner records the caller may read, in commit order, after a cursor",
                              tag: "Records", access: .principal,
                              query: AdminRoutes.pagingQuery + [
                                ("categories", "string", "Comma-separated record categories to list (default: every stored category)")],
                              headers: [], requestSchema: nil, success: (200, "RecordChangeList"),
                              errors: [400, 401, 403])) { request, context in
            let (cursor, limit) = try reader.paging(request)
            let after = try Self.sequence(cursor)
            let principal = context.principal!
            let now = gate.clock()
            // A token reads the categories its scopes cover.
            let categories = try Self.categories(request).filter { context.token?.scopes.allows($0, .read) ?? true }
            let page = categories.isEmpty
                ? .failure(Self.denial(principal, categories: [], rule: "insufficient_scope",
                                       reason: "the access token's scopes cover none of the categories asked for", at: now))
                : try await database.read { tx in
                    try await read(tx, principal, after: after, limit: limit, categories: categories, now: now)
                }
            switch page {
            case .failure(let denial):
                try await gate.audits.append(denial.entry)
                throw denial.problem
            case .success(let found):
                try await gate.audits.append(contentsOf: Self.auditEntries(found.shown, actor: principal.actor, at: now))
                return try APIJSON.response(DTO.RecordChangeList(
                    items: found.shown.map { DTO.RecordChange($0.change, $0.record) },
                    cursor: StoreTransaction.cursor(for: String(found.cursor)), caughtUp: found.caughtUp))
            }
        }
    }

    /// A page that could not be read: the audit entry of the denial and the problem to answer.
    private struct Denial: Error {
        let entry: AuditEntry
        let problem: Problem
    }

    /// One change shown, with the agreement it is read under (none for an administrator).
    private typealias Shown = (change: RecordChange, record: LearnerRecord, agreementId: String?)

    /// What a page shows, where the next one starts, and whether it reached the feed's last change.
    private struct PageRead: Sendable {
        var shown: [Shown]
        var cursor: Int64
        var caughtUp: Bool
    }

    /// How many changes a page looks at, at most, per change it may show: a page walks the numbers after the cursor
    /// and the caller's scope filters them, so a scope that keeps few of them would otherwise walk to the end.
    static let scanFactor = 20

    /// Reads the changes after `after` that `principal` may read now: an administrator every one; a connected system
    /// those of records held for a provider of one of its agreements that grants reading their category, is active
    /// and in force, and — when it requires consent — has the learner's consent in force.
    ///
    /// A page looks at the changes numbered after `after` up to `limit` × ``scanFactor`` further (and no further than
    /// the last change): `limit` of them in scope end the page at the last; fewer, and the page ends where it stopped
    /// looking. The cursor moves past changes the caller may not read.
    private func read(_ tx: StoreTransaction, _ principal: Principal, after: Int64, limit: Int,
                      categories: [RecordCategory], now: Date) async throws -> Result<PageRead, Denial> {
        let providers: [String: Set<RecordCategory>]?
        var scope: ReadScope?
        switch principal {
        case .admin:
            providers = nil
        case .system(let system):
            switch gate.policy.readScope(system: system, categories: categories,
                                         agreements: try await tx.agreements(consumer: system.id), now: now) {
            case .success(let granted):
                scope = granted
                providers = granted.categoriesByProvider
            case .failure(let denial):
                return .failure(Self.denial(principal, categories: categories, rule: denial.rule.rawValue,
                                            reason: denial.reason, agreementId: denial.agreementId, at: now))
            }
        case .learner, .staff:
            return .failure(Self.denial(principal, categories: categories, rule: "change-feed",
                                        reason: "the change feed is for connected systems and administrators; a learner reads their own records in the wallet",
                                        at: now))
        }
        let head = try await tx.lastRecordChange()
        let window = Int64(limit * Self.scanFactor)
        let through = head - after <= window ? head : after + window
        let changes = try await tx.recordChanges(after: after, through: through, limit: limit, categories: Set(categories),
                                                 providers: providers)
        let full = changes.count == limit
        let cursor = full ? changes[changes.count - 1].change.sequence : max(after, through)
        guard let scope else {
            return .success(PageRead(shown: changes.map { ($0.change, $0.record, nil) }, cursor: cursor,
                                     caughtUp: !full && through >= head))
        }
        let consents = scope.needsConsents
            ? try await tx.consents(learnerIds: changes.map(\.change.learnerId),
                                    agreementIds: scope.grants.filter(\.consentRequired).map(\.agreementId))
            : []
        let shown = changes.compactMap { change, record -> Shown? in
            scope.agreement(learnerId: change.learnerId, category: change.category,
                            organizationId: change.organizationId, consents: consents, now: now).map { (change, record, $0) }
        }
        return .success(PageRead(shown: shown, cursor: cursor, caughtUp: !full && through >= head))
    }

    /// A refused page: its audit entry (about no learner) and the 403 naming `rule`.
    private static func denial(_ principal: Principal, categories: [RecordCategory], rule: String, reason: String,
                               agreementId: String? = nil, at now: Date) -> Denial {
        Denial(entry: AuditEntry(occurredAt: now, actor: principal.actor, action: action, learnerId: nil, categories: categories,
                                 agreementId: agreementId, outcome: .denied, reason: "\(rule): \(reason)"),
               problem: Problem(status: 403, title: "Forbidden", detail: reason, rule: rule, agreementId: agreementId))
    }

    /// One audit entry per learner whose changes a page shows, in the order they first appear: the categories shown
    /// and the first agreement they were read under.
    private static func auditEntries(_ shown: [Shown], actor: AuditEntry.Actor, at now: Date) -> [AuditEntry] {
        var order: [String] = []
        var seen: [String: (categories: Set<RecordCategory>, agreementId: String?)] = [:]
        for item in shown {
            let learner = item.change.learnerId
            if seen[learner] == nil { order.append(learner) }
            seen[learner, default: ([], item.agreementId)].categories.insert(item.change.category)
        }
        return order.map { learner in
            AuditEntry(occurredAt: now, actor: actor, action: action, learnerId: learner,
                       categories: seen[learner]!.categories.sorted(), agreementId: seen[learner]!.agreementId,
                       outcome: .allowed, reason: nil)
        }
    }

    /// The sequence number a cursor of the feed stands for (0, the beginning, without one).
    static func sequence(_ cursor: String?) throws -> Int64 {
        guard let cursor else { return 0 }
        guard let key = try? StoreTransaction.cursorKey(cursor), let sequence = Int64(key), sequence >= 0 else {
            throw Problem.badRequest("cursor", "is not a cursor of the change feed")
        }
        return sequence
    }

    /// The `categories` query parameter: stored categories, comma-separated, each once; every stored one without it.
    static func categories(_ request: Request) throws -> [RecordCategory] {
        guard let text = request.uri.queryParameters["categories"] else { return RecordCategory.stored }
        var categories: [RecordCategory] = []
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let category = RecordCategory(rawValue: String(name)), RecordCategory.stored.contains(category),
                  !categories.contains(category) else {
                throw Problem.badRequest("categories", "must list, comma-separated and each once, some of "
                                         + RecordCategory.stored.map(\.rawValue).joined(separator: ", "))
            }
            categories.append(category)
        }
        return categories
    }
}
