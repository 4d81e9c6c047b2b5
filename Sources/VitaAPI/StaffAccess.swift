import Foundation
import VitaCore

/// Which API operations an organization's staff member may call, by role. Staff act only through the issuer
/// console's in-process calls (``WebIdentity/staff(staffId:)``); each operation listed here then limits them to their
/// own organization (its handler compares the organization it touches with ``Principal/organizationId``, or
/// ``AccessGate`` grants only their organization's records). Any other operation refuses staff with a 403 naming the
/// rule `staff-role`, audited.
enum StaffAccess {
    /// Everyone on the staff: reads of their organization.
    private static let reading: Set<String> = [
        "getOrganization", "listAchievements", "getAchievement", "listCompetencies", "getCompetency", "getCredentialStatus",
        "listOrganizationCredentials", "listIssuanceJobs", "getIssuanceJob", "getIssuanceJobReport", "listStaff",
        "listIssuerKeys", "listIssuedBadges", "listIssuedClrs", "getMyStaffAccount", "listSystems", "getSystem", "listAgreements",
        "getAgreement", "listConsents", "getConsent", "listAgreementConsents", "changeMyStaffPassword", "listCompetencyFrameworks",
        "getCompetencyFramework", "listFrameworkCompetencies",
    ]
    /// Issuers and organization administrators: achievements, issuing, status.
    private static let issuing: Set<String> = [
        "createAchievement", "updateAchievement", "issueCredential", "issueEndorsement", "updateCredentialStatus", "issueOpenBadge",
        "issueCompetencyBadge", "issueExperienceBadge", "issueClr", "createIssuanceJob", "resumeIssuanceJob",
        "importCompetencyFramework",
    ]
    /// Issuers and organization administrators: the learners their organization holds — listed, found by an identifier,
    /// the learner, the profile and the records (with their versions) — to see what their organization recorded and
    /// issue from it. ``AccessGate``
    /// refuses a learner the organization does not hold and another organization's records, and computes the profile
    /// from the organization's own records only.
    private static let learnerReading: Set<String> = Set(
        ["listLearners", "lookUpLearners", "getLearner", "getProfile"]
            + LearnerRoutes.recordSchemas.values.flatMap { ["list\($0)Records", "get\($0)Record", "list\($0)RecordVersions"] })
    /// Auditors and organization administrators: the audit log.
    private static let auditing: Set<String> = ["listAuditEntries", "verifyAuditChain", "getAuditHead", "listAuditArchives"]
    /// Organization administrators only: their staff, keys, connected systems, the agreements their organization
    /// provides and learners' consents to them.
    private static let administering: Set<String> = [
        "updateOrganization", "createStaff", "disableStaff", "resetStaffPassword", "rotateIssuerKey", "createSystem",
        "updateSystem", "revokeSystem", "rotateSystemKey",
        "setChangeNotifications", "getChangeNotifications", "removeChangeNotifications",
        "createAgreement", "updateAgreement",
        "grantConsent", "withdrawConsent",
    ]

    /// Whether `role` may call `operationId`.
    static func allows(_ role: StaffRole, _ operationId: String) -> Bool {
        switch role {
        case .admin:
            reading.contains(operationId) || issuing.contains(operationId) || learnerReading.contains(operationId)
                || auditing.contains(operationId) || administering.contains(operationId)
        case .issuer: reading.contains(operationId) || issuing.contains(operationId) || learnerReading.contains(operationId)
        case .auditor: reading.contains(operationId) || auditing.contains(operationId)
        }
    }

    /// The roles that may call `operationId` (for the OpenAPI document).
    static func roles(_ operationId: String) -> [StaffRole] {
        StaffRole.allCases.filter { allows($0, operationId) }
    }

    /// Refuses a staff member acting for another organization than `organizationId` (403, rule `staff-organization`;
    /// the route catalog audits the denial).
    static func requireOwn(_ principal: Principal, organizationId: String) throws {
        if case .staff(let member) = principal, member.organizationId != organizationId {
            throw OrganizationDenial()
        }
    }

    /// A staff member reached for another organization's data. ``RouteCatalog`` audits it as a denial and answers
    /// ``problem``.
    struct OrganizationDenial: Error {
        static let reason = "staff act only for their own organization"

        var problem: Problem {
            Problem(status: 403, title: "Forbidden", detail: Self.reason, rule: "staff-organization")
        }
    }
}
