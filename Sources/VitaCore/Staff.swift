import Foundation

/// What an organization's staff member may do in the issuer console (and through the API calls it makes for them).
public enum StaffRole: String, Codable, Sendable, CaseIterable {
    /// The organization's administrator: everything an administrator key may do, limited to their own organization
    /// (staff, achievements, issuing, keys, systems, agreements, consents, audit).
    case admin
    /// Issues: achievements, issuing one or in bulk, the organization's issued credentials and their status.
    case issuer
    /// Reads: the audit log and its verification, the organization's achievements, credentials, jobs and staff.
    case auditor
}
