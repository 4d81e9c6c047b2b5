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
            return .denied(rule: .systemRevoked, reason: "the calling system's credentials were revoked", agreementId: nil)
        }
        var granted: [Agreement] = []
        var closest: (rank: Int, rule: Rule, reason: String, agreementId: String)?
        for agreement in agreements where agreement.consumerSystemId == request.system.id {
            switch check(agreement, request, consents: consents, now: now) {
            case nil:
                granted.append(agreement)
            case let (rank, rule, reason)?:
                if closest == nil || rank > closest!.rank {
                    closest = (rank, rule, reason, agreement.id)
                }
            }
        }
        if !granted.isEmpty {
            return .allowed(agreementIds: granted.map(\.id).sorted(),
                            providers: Set(granted.map(\.providerOrganizationId)))
        }
        if let closest {
            return .denied(rule: closest.rule, reason: closest.reason, agreementId: closest.agreementId)
        }
        return .denied(rule: .noAgreement, reason: "no information-exchange agreement names this system as consumer",
                       agreementId: nil)
    }

    private func check(_ agreement: Agreement, _ request: Request, consents: [Consent], now: Date)
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
        if agreement.consentRequired {
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
