import Foundation

/// A connected system (an SIS, LMS, HR system, another Vita) that calls the Learner API.
public struct ConnectedSystem: Codable, Sendable, Equatable {
    /// The kinds of connected system.
    public enum Kind: String, Codable, Sendable, CaseIterable { case sis, lms, hr, lrs, credentialing, vita, other }

    /// Vita's identifier.
    public var id: String
    /// The organization the system belongs to.
    public var organizationId: String
    /// A name for people.
    public var name: String
    /// What kind of system it is.
    public var kind: Kind
    /// When it was registered.
    public var createdAt: Date
    /// When its API key was revoked; a revoked system is refused.
    public var revokedAt: Date?

    /// Creates a connected system.
    public init(id: String, organizationId: String, name: String, kind: Kind, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.organizationId = organizationId
        self.name = name
        self.kind = kind
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Checks the fields a client supplies.
    public func validate() throws(ValidationFailures) {
        var failures = ValidationFailures()
        failures.require(!name.trimmingCharacters(in: .whitespaces).isEmpty, "name", "must not be empty")
        failures.require(name.count <= 500, "name", "must be at most 500 characters")
        try failures.throwIfAny()
    }
}

/// What an agreement allows a consumer to do with a category.
public enum Permission: String, Codable, Sendable, CaseIterable, Comparable {
    case read, write
    public static func < (lhs: Permission, rhs: Permission) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An information-exchange agreement: which system may read or write which categories of a provider
/// organization's learner data, for what purpose, until when, with whose consent.
public struct Agreement: Codable, Sendable, Equatable {
    /// The lifecycle of an agreement.
    public enum Status: String, Codable, Sendable, CaseIterable {
        case draft, active, suspended, terminated

        /// Whether an agreement in this status may move to `next`.
        public func canMove(to next: Status) -> Bool {
            switch (self, next) {
            case (.draft, .active), (.active, .suspended), (.suspended, .active),
                 (.draft, .terminated), (.active, .terminated), (.suspended, .terminated):
                true
            default:
                false
            }
        }
    }

    /// Vita's identifier.
    public var id: String
    /// The organization whose learner data the agreement governs.
    public var providerOrganizationId: String
    /// The system that may use the data.
    public var consumerSystemId: String
    /// The categories covered.
    public var categories: [RecordCategory]
    /// What the consumer may do.
    public var permissions: [Permission]
    /// Why the data flows (shown to learners).
    public var purpose: String
    /// When the agreement starts to apply.
    public var validFrom: Date
    /// When it stops applying; nil for open-ended.
    public var validUntil: Date?
    /// Whether each learner must consent before their data flows.
    public var consentRequired: Bool
    /// Where the agreement is in its lifecycle.
    public var status: Status
    /// Version number, increased by each change.
    public var version: Int
    /// When it was created.
    public var createdAt: Date
    /// When this version was recorded.
    public var updatedAt: Date

    /// Creates an agreement.
    public init(id: String, providerOrganizationId: String, consumerSystemId: String, categories: [RecordCategory],
                permissions: [Permission], purpose: String, validFrom: Date, validUntil: Date?,
                consentRequired: Bool, status: Status, version: Int = 1, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.providerOrganizationId = providerOrganizationId
        self.consumerSystemId = consumerSystemId
        self.categories = categories
        self.permissions = permissions
        self.purpose = purpose
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.consentRequired = consentRequired
        self.status = status
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The strong entity tag of this version.
    public var entityTag: String { "\"\(id).v\(version)\"" }

    /// Checks the fields a client supplies.
    public func validate() throws(ValidationFailures) {
        var failures = ValidationFailures()
        failures.require(!categories.isEmpty, "categories", "must name at least one category")
        failures.require(Set(categories).count == categories.count, "categories", "must not repeat a category")
        failures.require(!permissions.isEmpty, "permissions", "must name at least one permission")
        failures.require(Set(permissions).count == permissions.count, "permissions", "must not repeat a permission")
        if categories.contains(.profile) {
            failures.require(permissions == [.read], "permissions", "the profile category can only be read")
        }
        failures.require(!purpose.trimmingCharacters(in: .whitespaces).isEmpty, "purpose", "must not be empty")
        failures.require(purpose.count <= 2000, "purpose", "must be at most 2000 characters")
        if let validUntil {
            failures.require(validFrom < validUntil, "validUntil", "must be after validFrom")
        }
        try failures.throwIfAny()
    }
}

/// A learner's consent to the data flow of one agreement.
public struct Consent: Codable, Sendable, Equatable {
    /// Vita's identifier.
    public var id: String
    /// The learner who consents.
    public var learnerId: String
    /// The agreement consented to.
    public var agreementId: String
    /// When consent was given.
    public var grantedAt: Date
    /// When it was withdrawn; nil while in force.
    public var withdrawnAt: Date?

    /// Creates a consent.
    public init(id: String, learnerId: String, agreementId: String, grantedAt: Date, withdrawnAt: Date? = nil) {
        self.id = id
        self.learnerId = learnerId
        self.agreementId = agreementId
        self.grantedAt = grantedAt
        self.withdrawnAt = withdrawnAt
    }

    /// Whether the consent is in force at `now`.
    public func isInForce(at now: Date) -> Bool {
        grantedAt <= now && (withdrawnAt.map { now < $0 } ?? true)
    }
}
