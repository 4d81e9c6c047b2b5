import Foundation
import VitaCore
import VitaStorage

/// Checks every access to learner data against the agreements and writes the audit entry, allowed or denied.
struct AccessGate: Sendable {
    let database: VitaDatabase
    let policy = AgreementPolicy()
    let clock: @Sendable () -> Date
    /// Group-commits the audit entries of reads and denials.
    let audits: AuditBatcher

    init(database: VitaDatabase, clock: @escaping @Sendable () -> Date) {
        self.database = database
        self.clock = clock
        self.audits = AuditBatcher(database: database)
    }

    /// What an allowed access may see.
    struct Grant: Sendable {
        /// Organizations whose records may be returned; nil for an administrator (all).
        var providers: Set<String>?
        /// The agreement the access was allowed under (the first, when several apply).
        var agreementId: String?
    }

    private struct Denied: Error {
        let entry: AuditEntry
        let problem: Problem
    }

    /// Runs `body` in one transaction after checking access, and audits the access.
    ///
    /// A write runs in a write transaction that also holds its audit entry. A read runs in a read-only snapshot, and
    /// its audit entry is group-committed before the response leaves (if that fails, the read fails). A denial is
    /// audited the same way and answered with 403 naming the rule.
    func withAccess<T: Sendable>(
        _ principal: Principal, learnerId: String, categories: [RecordCategory], permission: Permission,
        action: String, recordOrganizationId: String? = nil, anyCategory: Bool = false, requiresHolder: Bool = true,
        _ body: @escaping @Sendable (StoreTransaction, Grant) async throws -> T
    ) async throws -> T {
        let now = clock()
        @Sendable func entry(_ grant: Grant) -> AuditEntry {
            AuditEntry(occurredAt: now, actor: principal.actor, action: action, learnerId: learnerId, categories: categories,
                       agreementId: grant.agreementId, outcome: .allowed, reason: nil)
        }
        do {
            if permission == .write {
                return try await database.transaction { tx in
                    let grant = try await decide(tx, principal, learnerId: learnerId, categories: categories,
                                                 permission: permission, action: action,
                                                 recordOrganizationId: recordOrganizationId, anyCategory: anyCategory,
                                                 requiresHolder: requiresHolder, now: now)
                    let result = try await body(tx, grant)
                    try await tx.appendAudit(entry(grant))
                    return result
                }
            }
            let (result, grant) = try await database.readTransaction { tx in
                let grant = try await decide(tx, principal, learnerId: learnerId, categories: categories,
                                             permission: permission, action: action,
                                             recordOrganizationId: recordOrganizationId, anyCategory: anyCategory,
                                             requiresHolder: requiresHolder, now: now)
                return (try await body(tx, grant), grant)
            }
            try await audits.append(entry(grant))
            return result
        } catch let denied as Denied {
            try await audits.append(denied.entry)
            throw denied.problem
        }
    }

    /// Runs `body` in a write transaction on a learner's own data that is not a record (their wallet, their
    /// credentials held, their 1EdTech profiles) for that learner's token, with the audit entry in the same
    /// transaction (`reason`, if given, says what was done, as the entry's reason). The learner must exist and not be
    /// erased (404).
    func withOwnData<T: Sendable>(_ principal: Principal, action: String, categories: [RecordCategory] = [], reason: String? = nil,
                                  _ body: @escaping @Sendable (StoreTransaction, _ learnerId: String) async throws -> T) async throws -> T {
        guard case .learner(let learnerId, _) = principal else {
            throw Problem.forbidden("only the learner's own access token reaches this")
        }
        return try await database.transaction { tx in
            guard let learner = try await tx.learner(id: learnerId), learner.erasure == nil else {
                throw Problem.notFound("learner")
            }
            let result = try await body(tx, learnerId)
            try await tx.appendAudit(AuditEntry(occurredAt: clock(), actor: principal.actor, action: action, learnerId: learnerId,
                                                categories: categories, agreementId: nil, outcome: .allowed, reason: reason))
            return result
        }
    }

    /// Audits an operation that concerns no learner (administration), in the caller's transaction.
    func audit(_ tx: StoreTransaction, _ principal: Principal, action: String, learnerId: String? = nil,
               reason: String? = nil) async throws {
        try await tx.appendAudit(AuditEntry(occurredAt: clock(), actor: principal.actor, action: action, learnerId: learnerId,
                                            categories: [], agreementId: nil, outcome: .allowed, reason: reason))
    }

    private func decide(_ tx: StoreTransaction, _ principal: Principal, learnerId: String, categories: [RecordCategory],
                        permission: Permission, action: String, recordOrganizationId: String?, anyCategory: Bool,
                        requiresHolder: Bool, now: Date) async throws -> Grant {
        let system: ConnectedSystem
        switch principal {
        case .admin:
            return Grant(providers: nil, agreementId: nil)
        case .learner(let ownId, _):
            // A learner reads their own data, whoever provided it; records come from connected systems, with
            // provenance, so a learner's application never writes them.
            let denial: (rule: String, reason: String)? = ownId != learnerId
                ? ("other-learner", "a learner's access token reaches only that learner's own data")
                : permission == .write ? ("learner-read-only", "records are written by connected systems; a learner's access token only reads them") : nil
            if let denial {
                let entry = AuditEntry(occurredAt: now, actor: principal.actor, action: action, learnerId: learnerId,
                                       categories: categories, agreementId: nil, outcome: .denied,
                                       reason: "\(denial.rule): \(denial.reason)")
                throw Denied(entry: entry, problem: Problem(status: 403, title: "Forbidden", detail: denial.reason, rule: denial.rule))
            }
            return Grant(providers: nil, agreementId: nil)
        case .staff(let member):
            // Staff act for their organization: its own records, and a learner as a whole only when the organization
            // holds the learner (has asserted a record about them or registered them).
            let organizationId = member.organizationId
            var denial: (rule: String, reason: String)?
            if let recordOrganizationId, recordOrganizationId != organizationId {
                denial = ("staff-organization", "staff act only on their own organization's records")
            } else if recordOrganizationId == nil, requiresHolder,
                      !(try await tx.holders(learnerId: learnerId)).contains(organizationId) {
                denial = (AgreementPolicy.Rule.provider.rawValue, "the staff member's organization holds no records of this learner")
            }
            if let denial {
                let entry = AuditEntry(occurredAt: now, actor: principal.actor, action: action, learnerId: learnerId,
                                       categories: categories, agreementId: nil, outcome: .denied,
                                       reason: "\(denial.rule): \(denial.reason)")
                throw Denied(entry: entry, problem: Problem(status: 403, title: "Forbidden", detail: denial.reason, rule: denial.rule))
            }
            return Grant(providers: [organizationId], agreementId: nil)
        case .system(let caller):
            system = caller
        }
        return try decide(system, principal, learnerId: learnerId, categories: categories, permission: permission,
                          action: action, recordOrganizationId: recordOrganizationId, anyCategory: anyCategory,
                          requiresHolder: requiresHolder, now: now,
                          agreements: try await tx.agreements(consumer: system.id),
                          consents: try await tx.consents(learnerId: learnerId),
                          holders: requiresHolder && recordOrganizationId == nil ? try await tx.holders(learnerId: learnerId) : [])
    }

    /// Checks a connected system's read of a learner as a whole on a snapshot read in one statement
    /// (``AccessSnapshot``), auditing a denial as ``withAccess(_:learnerId:categories:permission:action:recordOrganizationId:anyCategory:requiresHolder:_:)``
    /// does. `prefetched` is the snapshot read with the caller's key, if it was (`AuthenticationMiddleware`); it is
    /// used when it is of this learner. Returns the grant, the snapshot, and the audit entry to append once the read
    /// is answered; nil for any other principal (whose reads take the general path).
    func readSnapshot(_ principal: Principal, learnerId: String, categories: [RecordCategory], action: String,
                      prefetched: PrefetchedAccess? = nil) async throws -> (grant: Grant, snapshot: AccessSnapshot, entry: AuditEntry)? {
        guard case .system(let system) = principal else { return nil }
        let now = clock()
        let snapshot = if let prefetched, prefetched.learnerId == learnerId, prefetched.snapshot.system?.system.id == system.id {
            prefetched.snapshot
        } else {
            try await database.accessSnapshot(systemId: system.id, learnerId: learnerId)
        }
        do {
            let grant = try decide(system, principal, learnerId: learnerId, categories: categories, permission: .read,
                                   action: action, recordOrganizationId: nil, anyCategory: false, requiresHolder: true,
                                   now: now, agreements: snapshot.agreements, consents: snapshot.consents,
                                   holders: snapshot.holders)
            return (grant, snapshot, AuditEntry(occurredAt: now, actor: principal.actor, action: action, learnerId: learnerId,
                                                categories: categories, agreementId: grant.agreementId, outcome: .allowed,
                                                reason: nil))
        } catch let denied as Denied {
            try await audits.append(denied.entry)
            throw denied.problem
        }
    }

    /// The decision for a connected system, on the agreements, consents and holders read for it.
    private func decide(_ system: ConnectedSystem, _ principal: Principal, learnerId: String, categories: [RecordCategory],
                        permission: Permission, action: String, recordOrganizationId: String?, anyCategory: Bool,
                        requiresHolder: Bool, now: Date, agreements: [Agreement], consents: [Consent],
                        holders: Set<String>) throws -> Grant {
        var providers = Set<String>()
        var agreementIds: [String] = []
        var denials: [(AgreementPolicy.Rule, String, String?)] = []
        for category in categories {
            let decision = policy.decide(.init(system: system, learnerId: learnerId, category: category,
                                               permission: permission, recordOrganizationId: recordOrganizationId),
                                         agreements: agreements, consents: consents, now: now)
            switch decision {
            case .allowed(let ids, let granted):
                providers.formUnion(granted)
                agreementIds.append(contentsOf: ids)
            case .denied(let rule, let reason, let agreementId):
                denials.append((rule, reason, agreementId))
            }
        }
        // Every category asked for must be allowed, or with `anyCategory`, at least one. When any category would do
        // and none is allowed, the denial that says most is reported: an agreement that covers a category but is
        // suspended, expired or without consent explains more than the categories no agreement covers.
        let reported = anyCategory ? denials.max { Self.specificity($0.0) < Self.specificity($1.0) } : denials.first
        if let (rule, reason, agreementId) = reported, !anyCategory || agreementIds.isEmpty {
            let entry = AuditEntry(occurredAt: now, actor: principal.actor, action: action, learnerId: learnerId,
                                   categories: categories, agreementId: agreementId, outcome: .denied,
                                   reason: "\(rule.rawValue): \(reason)")
            throw Denied(entry: entry, problem: Problem(status: 403, title: "Forbidden", detail: reason,
                                                        rule: rule.rawValue, agreementId: agreementId))
        }
        // An access that names no record's organization concerns the learner as a whole (the learner's details, the
        // lists of their records, the profile): it needs an agreement whose provider holds the learner — has asserted
        // a record about them or registered them. Otherwise any system with any agreement could reach any learner.
        if recordOrganizationId == nil, requiresHolder {
            if holders.isDisjoint(with: providers) {
                let reason = "no agreement of this system covers an organization that holds this learner's records"
                let entry = AuditEntry(occurredAt: now, actor: principal.actor, action: action, learnerId: learnerId,
                                       categories: categories, agreementId: nil, outcome: .denied,
                                       reason: "\(AgreementPolicy.Rule.provider.rawValue): \(reason)")
                throw Denied(entry: entry, problem: Problem(status: 403, title: "Forbidden", detail: reason,
                                                            rule: AgreementPolicy.Rule.provider.rawValue))
            }
        }
        return Grant(providers: providers, agreementId: agreementIds.sorted().first)
    }

    /// How much a denial rule says about the access: no agreement, then an agreement for other categories, then one
    /// for other permissions or providers, then an agreement that applies but is not in force for this learner.
    private static func specificity(_ rule: AgreementPolicy.Rule) -> Int {
        switch rule {
        case .noAgreement: 0
        case .category: 1
        case .permission, .provider: 2
        case .status, .validity, .consent, .systemRevoked: 3
        }
    }
}
