import Foundation

/// Decides whether a connected system may read or write a category of a learner's data.
///
/// The rules, applied to each agreement whose consumer is the calling system, in this order
/// (the first that fails is the reason that agreement does not grant access):
/// 1. `category`: the agreement covers the category;
/// 2. `permission`: it grants the permission;
/// 3. `provider`: for a write, its provider is the organization the record is held for;
/// 4. `status`: it is active (not draft, suspended or terminated);
/// 5. `validity`: `now` lies in `[validFrom, validUntil)`;
/// 6. `consent`: if it requires consent, the learner's consent to it is in force.
///
/// Access is allowed when at least one agreement passes every rule. Otherwise the denial reports the
/// rule that stopped the agreement that got furthest, so that an operator learns what to fix.
public struct AgreementPolicy: Sendable {
    /// The rule that denied access.
    public enum Rule: String, Sendable, Codable, CaseIterable {
        case noAgreement = "no-agreement"
        case category
        case permission
        case provider
        case status
        case validity
        case consent
        case systemRevoked = "system-revoked"
    }

    /// The outcome of a decision.
    public enum Decision: Sendable, Equatable {
        /// Allowed under these agreements; for reads, `providers` are the organizations whose records may be returned.
        case allowed(agreementIds: [String], providers: Set<String>)
        /// Denied by `rule`, with a reason for the caller, and the agreement that came closest.
        case denied(rule: Rule, reason: String, agreementId: String?)

        /// Whether access is allowed.
        public var isAllowed: Bool {
            if case .allowed = self { return true }
            return false
        }
    }

    /// What is being asked.
    public struct Request: Sendable {
        /// The calling system.
        public var system: ConnectedSystem
        /// The learner concerned.
        public var learnerId: String
        /// The category.
        public var category: RecordCategory
        /// Read or write.
        public var permission: Permission
        /// For a write: the organization the record is held for.
        public var recordOrganizationId: String?

        /// Creates a request.
        public init(system: ConnectedSystem, learnerId: String, category: RecordCategory, permission: Permission,
                    recordOrganizationId: String? = nil) {
            self.system = system
            self.learnerId = learnerId
            self.category = category
            self.permission = permission
            self.recordOrganizationId = recordOrganizationId
        }
    }

    /// Creates a policy.
    public init() {}

    /// Decides `request` against the system's agreements and the learner's consents at `now`.
    public func decide(_ request: Request, agreements: [Agreement], consents: [Consent], now: Date) -> Decision {
        if request.system.revokedAt.map({ $0 <= now }) ?? false {
            return Self.revoked
        }
        switch evaluate(request, agreements: agreements, consents: consents, now: now) {
        case .success(let granted):
            return .allowed(agreementIds: granted.map(\.id).sorted(), providers: Set(granted.map(\.providerOrganizationId)))
        case .failure(let denial):
            return denial.decision
        }
    }

    /// What a connected system may read of every learner at once (the change feed): the agreements that grant `read`
    /// of one of `categories` and are active and in force at `now` (rules 1, 2, 4 and 5). Consent (rule 6) is each
    /// learner's own, so it is checked change by change (``ReadScope/agreement(learnerId:category:organizationId:consents:now:)``).
    /// Denied, naming the rule, when no agreement passes those rules for any of the categories.
    public func readScope(system: ConnectedSystem, categories: [RecordCategory], agreements: [Agreement],
                          now: Date) -> Result<ReadScope, ReadScopeDenial> {
        if system.revokedAt.map({ $0 <= now }) ?? false {
            return .failure(ReadScopeDenial(rule: .systemRevoked, reason: Self.revokedReason, agreementId: nil))
        }
        var grants: [ReadScope.Grant] = []
        var closest: Denial?
        for category in categories {
            let request = Request(system: system, learnerId: "", category: category, permission: .read)
            switch evaluate(request, agreements: agreements, consents: nil, now: now) {
            case .success(let granted):
                for agreement in granted {
                    if let index = grants.firstIndex(where: { $0.agreementId == agreement.id }) {
                        grants[index].categories.insert(category)
                    } else {
                        grants.append(ReadScope.Grant(agreementId: agreement.id,
                                                      providerOrganizationId: agreement.providerOrganizationId,
                                                      categories: [category], consentRequired: agreement.consentRequired))
                    }
                }
            case .failure(let denial):
                if closest == nil || denial.rank > closest!.rank { closest = denial }
            }
        }
        guard grants.isEmpty else { return .success(ReadScope(grants: grants.sorted { $0.agreementId < $1.agreementId })) }
        let denial = closest ?? .noAgreement
        return .failure(ReadScopeDenial(rule: denial.rule, reason: denial.reason, agreementId: denial.agreementId))
    }

    private static let revokedReason = "the calling system's credentials were revoked"
    private static let revoked = Decision.denied(rule: .systemRevoked, reason: revokedReason, agreementId: nil)
    /// Why no agreement granted a request: the rule that stopped the agreement that got furthest.
    private struct Denial: Error {
        var rank: Int
        var rule: Rule
        var reason: String
        var agreementId: String?

        /// No agreement names the system as consumer.
        static let noAgreement = Denial(rank: 0, rule: .noAgreement,
                                        reason: "no information-exchange agreement names this system as consumer",
                                        agreementId: nil)

        var decision: Decision { .denied(rule: rule, reason: reason, agreementId: agreementId) }
    }

    /// The system's agreements that grant `request` (rule 6 only when `consents` are given), else the closest denial.
    private func evaluate(_ request: Request, agreements: [Agreement], consents: [Consent]?,
                          now: Date) -> Result<[Agreement], Denial> {
        var granted: [Agreement] = []
        var closest: Denial?
        for agreement in agreements where agreement.consumerSystemId == request.system.id {
            switch check(agreement, request, consents: consents, now: now) {
            case nil:
                granted.append(agreement)
            case let (rank, rule, reason)?:
                if closest == nil || rank > closest!.rank {
                    closest = Denial(rank: rank, rule: rule, reason: reason, agreementId: agreement.id)
                }
            }
        }
        if !granted.isEmpty { return .success(granted) }
        return .failure(closest ?? .noAgreement)
    }

    private func check(_ agreement: Agreement, _ request: Request, consents: [Consent]?, now: Date)
        -> (Int, Rule, String)? {
        guard agreement.categories.contains(request.category) else {
            return (1, .category, "no agreement of this system covers the category '\(request.category.rawValue)'")
        }
        guard agreement.permissions.contains(request.permission) else {
            return (2, .permission,
                    "the agreement covering '\(request.category.rawValue)' does not grant '\(request.permission.rawValue)'")
        }
        if request.permission == .write, let organization = request.recordOrganizationId,
           agreement.providerOrganizationId != organization {
            return (3, .provider, "the agreement's provider organization is not the organization the record is held for")
        }
        guard agreement.status == .active else {
            return (4, .status, "the agreement is \(agreement.status.rawValue), not active")
        }
        guard agreement.validFrom <= now else {
            return (5, .validity, "the agreement is not yet in force")
        }
        if let until = agreement.validUntil, until <= now {
            return (5, .validity, "the agreement has expired")
        }
        if agreement.consentRequired, let consents {
            let relevant = consents.filter { $0.agreementId == agreement.id && $0.learnerId == request.learnerId }
            if !relevant.contains(where: { $0.isInForce(at: now) }) {
                let withdrawn = relevant.contains { $0.withdrawnAt != nil }
                return (6, .consent, withdrawn ? "the learner withdrew consent to this agreement"
                                               : "the agreement requires the learner's consent, which was not given")
            }
        }
        return nil
    }
}

/// The agreements under which a connected system reads the change feed (``AgreementPolicy/readScope(system:categories:agreements:now:)``).
public struct ReadScope: Sendable, Equatable {
    /// One agreement that grants reading: its provider and the categories it grants among those asked for.
    public struct Grant: Sendable, Equatable {
        /// The agreement.
        public var agreementId: String
        /// Whose records it covers.
        public var providerOrganizationId: String
        /// The categories it grants reading of.
        public var categories: Set<RecordCategory>
        /// Whether a learner's records are read under it only with the learner's consent in force.
        public var consentRequired: Bool
    }

    /// The granting agreements, by id.
    public var grants: [Grant]

    /// The categories each provider organization's records may be read in (under some agreement, consent aside).
    public var categoriesByProvider: [String: Set<RecordCategory>] {
        grants.reduce(into: [:]) { $0[$1.providerOrganizationId, default: []].formUnion($1.categories) }
    }

    /// Whether any grant needs a learner's consent.
    public var needsConsents: Bool { grants.contains(where: \.consentRequired) }

    /// The agreement under which a record of `learnerId` in `category`, held for `organizationId`, may be read at
    /// `now` (the first by id), given the learner's consents; nil when none covers it.
    public func agreement(learnerId: String, category: RecordCategory, organizationId: String, consents: [Consent],
                          now: Date) -> String? {
        grants.first { grant in
            grant.providerOrganizationId == organizationId && grant.categories.contains(category)
                && (!grant.consentRequired || consents.contains {
                    $0.learnerId == learnerId && $0.agreementId == grant.agreementId && $0.isInForce(at: now)
                })
        }?.agreementId
    }
}

/// Why a connected system may not read the change feed: the rule that stopped the agreement that got furthest.
public struct ReadScopeDenial: Error, Sendable, Equatable {
    /// The rule.
    public var rule: AgreementPolicy.Rule
    /// A reason for the caller.
    public var reason: String
    /// The agreement that came closest, if any.
    public var agreementId: String?
}
