import Foundation
import Testing
@testable import VitaCore

/// The agreement states a decision can meet, with the rule each must trigger (nil: allowed).
enum AgreementState: String, CaseIterable, Sendable {
    case active, draft, suspended, terminated, expired, notYetValid, consentMissing, consentWithdrawn, consentGiven

    var expectedRule: AgreementPolicy.Rule? {
        switch self {
        case .active, .consentGiven: nil
        case .draft, .suspended, .terminated: .status
        case .expired, .notYetValid: .validity
        case .consentMissing, .consentWithdrawn: .consent
        }
    }
}

struct AgreementPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let system = ConnectedSystem(id: "sys_a", organizationId: "org_b", name: "SIS", kind: .sis,
                                 createdAt: Date(timeIntervalSince1970: 1_700_000_000))

    func agreement(_ state: AgreementState, category: RecordCategory, permission: Permission) -> (Agreement, [Consent]) {
        let day: TimeInterval = 86_400
        var agreement = Agreement(id: "agr_1", providerOrganizationId: "org_p", consumerSystemId: system.id,
                                  categories: [category], permissions: [permission], purpose: "test",
                                  validFrom: now - 30 * day, validUntil: now + 30 * day, consentRequired: false,
                                  status: .active, createdAt: now - 30 * day, updatedAt: now - 30 * day)
        var consents: [Consent] = []
        switch state {
        case .active: break
        case .draft: agreement.status = .draft
        case .suspended: agreement.status = .suspended
        case .terminated: agreement.status = .terminated
        case .expired: agreement.validUntil = now - day
        case .notYetValid: agreement.validFrom = now + day
        case .consentMissing: agreement.consentRequired = true
        case .consentWithdrawn:
            agreement.consentRequired = true
            consents = [Consent(id: "cns_1", learnerId: "lrn_1", agreementId: "agr_1", grantedAt: now - 10 * day,
                                withdrawnAt: now - day)]
        case .consentGiven:
            agreement.consentRequired = true
            consents = [Consent(id: "cns_1", learnerId: "lrn_1", agreementId: "agr_1", grantedAt: now - 10 * day)]
        }
        return (agreement, consents)
    }

    static let categoryPermissions: [(RecordCategory, Permission)] = RecordCategory.allCases.flatMap { category in
        Permission.allCases.filter { category != .profile || $0 == .read }.map { (category, $0) }
    }

    @Test("every category × permission × agreement state gives the documented decision",
          arguments: categoryPermissions.map { "\($0.0.rawValue)/\($0.1.rawValue)" }, AgreementState.allCases)
    func matrix(_ key: String, _ state: AgreementState) {
        let parts = key.split(separator: "/")
        let category = RecordCategory(rawValue: String(parts[0]))!
        let permission = Permission(rawValue: String(parts[1]))!
        let (agreement, consents) = agreement(state, category: category, permission: permission)
        let decision = AgreementPolicy().decide(
            .init(system: system, learnerId: "lrn_1", category: category, permission: permission,
                  recordOrganizationId: permission == .write ? "org_p" : nil),
            agreements: [agreement], consents: consents, now: now)
        switch (decision, state.expectedRule) {
        case (.allowed(let ids, let providers), nil):
            #expect(ids == ["agr_1"])
            #expect(providers == ["org_p"])
        case (.denied(let rule, _, let agreementId), let expected?):
            #expect(rule == expected)
            #expect(agreementId == "agr_1")
        default:
            Issue.record("state \(state) gave \(decision)")
        }
    }

    @Test("an agreement for another category or permission denies with the rule that failed",
          arguments: RecordCategory.stored)
    func otherCategoryAndPermission(_ category: RecordCategory) {
        let other = RecordCategory.stored.first { $0 != category }!
        let (wrongCategory, _) = agreement(.active, category: other, permission: .read)
        let denied = AgreementPolicy().decide(.init(system: system, learnerId: "lrn_1", category: category, permission: .read),
                                              agreements: [wrongCategory], consents: [], now: now)
        #expect(denied == .denied(rule: .category, reason: "no agreement of this system covers the category '\(category.rawValue)'",
                                  agreementId: "agr_1"))
        let (readOnly, _) = agreement(.active, category: category, permission: .read)
        let write = AgreementPolicy().decide(.init(system: system, learnerId: "lrn_1", category: category, permission: .write,
                                                   recordOrganizationId: "org_p"),
                                             agreements: [readOnly], consents: [], now: now)
        guard case .denied(.permission, _, _) = write else { Issue.record("write under a read agreement: \(write)"); return }
    }

    @Test("no agreement at all is denied by the no-agreement rule")
    func noAgreement() {
        let decision = AgreementPolicy().decide(.init(system: system, learnerId: "lrn_1", category: .profile, permission: .read),
                                                agreements: [], consents: [], now: now)
        guard case .denied(.noAgreement, _, nil) = decision else { Issue.record("\(decision)"); return }
    }

    @Test("a write for an organization other than the agreement's provider is denied by the provider rule")
    func writeForAnotherProvider() {
        let (agreement, _) = agreement(.active, category: .credentials, permission: .write)
        let decision = AgreementPolicy().decide(.init(system: system, learnerId: "lrn_1", category: .credentials,
                                                      permission: .write, recordOrganizationId: "org_other"),
                                                agreements: [agreement], consents: [], now: now)
        guard case .denied(.provider, _, _) = decision else { Issue.record("\(decision)"); return }
    }

    @Test("a revoked system is denied whatever its agreements say")
    func revokedSystem() {
        var revoked = system
        revoked.revokedAt = now - 1
        let (agreement, _) = agreement(.active, category: .profile, permission: .read)
        let decision = AgreementPolicy().decide(.init(system: revoked, learnerId: "lrn_1", category: .profile, permission: .read),
                                                agreements: [agreement], consents: [], now: now)
        guard case .denied(.systemRevoked, _, _) = decision else { Issue.record("\(decision)"); return }
    }

    @Test("the denial reports the agreement that came closest to granting access")
    func closestAgreementIsReported() {
        let (suspended, _) = agreement(.suspended, category: .experiences, permission: .read)
        var wrongCategory = suspended
        wrongCategory.id = "agr_0"
        wrongCategory.categories = [.employment]
        let decision = AgreementPolicy().decide(.init(system: system, learnerId: "lrn_1", category: .experiences, permission: .read),
                                                agreements: [wrongCategory, suspended], consents: [], now: now)
        #expect(decision == .denied(rule: .status, reason: "the agreement is suspended, not active", agreementId: "agr_1"))
    }

    @Test("agreement status moves only along the lifecycle")
    func statusTransitions() {
        #expect(Agreement.Status.draft.canMove(to: .active))
        #expect(Agreement.Status.active.canMove(to: .suspended))
        #expect(Agreement.Status.suspended.canMove(to: .active))
        #expect(!Agreement.Status.terminated.canMove(to: .active))
        #expect(!Agreement.Status.active.canMove(to: .draft))
    }
}

extension AgreementPolicyTests {
    @Test("the change feed's read scope: every agreement state gives the rule a single read would, consent aside, which is then each learner's own",
          arguments: AgreementState.allCases)
    func readScopeFollowsTheRules(_ state: AgreementState) {
        let (agreement, consents) = agreement(state, category: .experiences, permission: .read)
        let decision = AgreementPolicy().readScope(system: system, categories: [.experiences], agreements: [agreement], now: now)
        switch (decision, state.expectedRule) {
        case (.success(let scope), nil), (.success(let scope), .consent?):
            #expect(scope.grants.map(\.agreementId) == ["agr_1"])
            #expect(scope.categoriesByProvider == ["org_p": [.experiences]])
            let read = scope.agreement(learnerId: "lrn_1", category: .experiences, organizationId: "org_p", consents: consents, now: now)
            #expect(read == (state.expectedRule == nil ? "agr_1" : nil), "\(state)")
            #expect(scope.agreement(learnerId: "lrn_2", category: .experiences, organizationId: "org_p", consents: consents,
                                    now: now) == (agreement.consentRequired ? nil : "agr_1"))
            #expect(scope.agreement(learnerId: "lrn_1", category: .experiences, organizationId: "org_other", consents: consents,
                                    now: now) == nil)
            #expect(scope.agreement(learnerId: "lrn_1", category: .employment, organizationId: "org_p", consents: consents,
                                    now: now) == nil)
        case (.failure(let denial), let rule?):
            #expect(denial.rule == rule && denial.agreementId == "agr_1", "\(state)")
        default:
            Issue.record("\(state): \(decision)")
        }
    }

    @Test("the read scope needs read permission and a category asked for; several agreements combine, and a revoked system is refused first")
    func readScopeCombinesAgreements() {
        let day: TimeInterval = 86_400
        func make(_ id: String, provider: String, _ categories: [RecordCategory], _ permissions: [Permission]) -> Agreement {
            Agreement(id: id, providerOrganizationId: provider, consumerSystemId: system.id, categories: categories,
                      permissions: permissions, purpose: "test", validFrom: now - day, validUntil: nil, consentRequired: false,
                      status: .active, createdAt: now - day, updatedAt: now - day)
        }
        let policy = AgreementPolicy()
        let writeOnly = make("agr_w", provider: "org_p", [.experiences], [.write])
        guard case .failure(let denial) = policy.readScope(system: system, categories: [.experiences], agreements: [writeOnly],
                                                           now: now) else { Issue.record("write-only agreement granted reading"); return }
        #expect(denial.rule == .permission)
        guard case .failure(let none) = policy.readScope(system: system, categories: [.experiences], agreements: [], now: now) else {
            Issue.record("no agreement granted reading"); return
        }
        #expect(none.rule == .noAgreement && none.agreementId == nil)
        let agreements = [make("agr_2", provider: "org_q", [.employment, .experiences], [.read]),
                          make("agr_1", provider: "org_p", [.experiences, .credentials], [.read, .write]), writeOnly]
        guard case .success(let scope) = policy.readScope(system: system, categories: [.experiences, .employment],
                                                          agreements: agreements, now: now) else {
            Issue.record("read agreements refused"); return
        }
        #expect(scope.grants.map(\.agreementId) == ["agr_1", "agr_2"])
        #expect(scope.categoriesByProvider == ["org_p": [.experiences], "org_q": [.employment, .experiences]])
        #expect(!scope.needsConsents)
        var revoked = system
        revoked.revokedAt = now - day
        guard case .failure(let refused) = policy.readScope(system: revoked, categories: [.experiences], agreements: agreements,
                                                            now: now) else { Issue.record("a revoked system read"); return }
        #expect(refused.rule == .systemRevoked)
    }
}

struct ChangeNotificationSignatureTests {
    @Test("a notification's signature is HMAC-SHA256 of '<t>.<body>' (a known answer); it verifies within five minutes, not with another body, secret or time")
    func signature() {
        let secret = Array("whsec-test-secret".utf8)
        let body = Array(#"{"a":1}"#.utf8)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let value = ChangeNotificationSignature.sign(body, secret: secret, at: at)
        // Python: hmac.new(b'whsec-test-secret', b'1800000000.{"a":1}', hashlib.sha256).hexdigest()
        #expect(value == "t=1800000000,v1=7b8fda708c412c34d9fe2192e8ac7aed088ed845bcc47a5c9829f0a37d6d7cc0")
        #expect(ChangeNotificationSignature.verify(value, body: body, secret: secret, now: at.addingTimeInterval(299)))
        #expect(!ChangeNotificationSignature.verify(value, body: body, secret: secret, now: at.addingTimeInterval(301)))
        #expect(!ChangeNotificationSignature.verify(value, body: body + [32], secret: secret, now: at))
        #expect(!ChangeNotificationSignature.verify(value, body: body, secret: Array("whsec-test-secreT".utf8), now: at))
        #expect(!ChangeNotificationSignature.verify("t=1800000000", body: body, secret: secret, now: at))
        #expect(!ChangeNotificationSignature.verify("garbage", body: body, secret: secret, now: at))
    }
}
