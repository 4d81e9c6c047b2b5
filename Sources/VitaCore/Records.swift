import Foundation

/// The categories of learner data that agreements grant access to.
public enum RecordCategory: String, Codable, Sendable, CaseIterable, Comparable {
    case affiliations, experiences, competencies, credentials, employment, profile

    /// The categories that hold stored records (the profile is computed from them).
    public static let stored: [RecordCategory] = [.affiliations, .experiences, .competencies, .credentials, .employment]

    public static func < (lhs: RecordCategory, rhs: RecordCategory) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a record came from: the connected system that asserted it and the raw data behind it.
public struct Provenance: Codable, Sendable, Equatable {
    /// The prefix under which Vita keeps a connected system's own learner ids among that system's source ids; no
    /// record's source id starts with it.
    public static let learnerSourcePrefix = "learner:"

    /// The connected system that asserted the record.
    public var systemId: String
    /// That system's own identifier of the record (unique per system; makes imports idempotent).
    public var sourceRecordId: String
    /// Where the raw data lives (a URI in the source system).
    public var rawDataURI: String?
    /// `sha256:` followed by the lowercase hex SHA-256 of the raw data.
    public var rawDigest: String
    /// When the source system asserted the record.
    public var assertedAt: Date
    /// When Vita recorded this version.
    public var recordedAt: Date

    /// Creates provenance.
    public init(systemId: String, sourceRecordId: String, rawDataURI: String?, rawDigest: String,
                assertedAt: Date, recordedAt: Date) {
        self.systemId = systemId
        self.sourceRecordId = sourceRecordId
        self.rawDataURI = rawDataURI
        self.rawDigest = rawDigest
        self.assertedAt = assertedAt
        self.recordedAt = recordedAt
    }

    /// Whether `digest` has the form `sha256:<64 lowercase hex digits>`.
    public static func isWellFormedDigest(_ digest: String) -> Bool {
        guard digest.hasPrefix("sha256:") else { return false }
        let hex = digest.dropFirst(7)
        return hex.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}

/// Provenance as a connected system asserts it; Vita adds the system's identity and the time it recorded the record.
public struct AssertedProvenance: Codable, Sendable, Equatable {
    /// The system's own identifier of the record.
    public var sourceRecordId: String
    /// Where the raw data lives.
    public var rawDataURI: String?
    /// `sha256:` + hex digest of the raw data.
    public var rawDigest: String?
    /// When the system asserted the record.
    public var assertedAt: Date?

    /// Creates an assertion.
    public init(sourceRecordId: String, rawDataURI: String? = nil, rawDigest: String? = nil, assertedAt: Date? = nil) {
        self.sourceRecordId = sourceRecordId
        self.rawDataURI = rawDataURI
        self.rawDigest = rawDigest
        self.assertedAt = assertedAt
    }

    /// Checks the assertion and completes it into the provenance of a version recorded at `now` for `systemId`.
    /// Without a digest of the raw data, `fallbackDigest` (the digest of what the system sent) is recorded.
    public func provenance(systemId: String, fallbackDigest: @autoclosure () throws -> String, now: Date) throws -> Provenance {
        var failures = ValidationFailures()
        failures.require(!sourceRecordId.isEmpty && sourceRecordId.count <= 200,
                         "provenance.sourceRecordId", "must be 1 to 200 characters")
        failures.require(!sourceRecordId.hasPrefix(Provenance.learnerSourcePrefix), "provenance.sourceRecordId",
                         "must not start with \(Provenance.learnerSourcePrefix) (Vita keeps the system's learner ids so)")
        if let rawDigest {
            failures.require(Provenance.isWellFormedDigest(rawDigest), "provenance.rawDigest",
                             "must be sha256: followed by 64 lowercase hex digits")
        }
        if let rawDataURI {
            failures.require(URLCheck.isAbsolute(rawDataURI) && rawDataURI.count <= 2000, "provenance.rawDataURI",
                             "must be an absolute URI")
        }
        if let assertedAt {
            failures.require(assertedAt <= now.addingTimeInterval(300), "provenance.assertedAt", "must not be in the future")
        }
        try failures.throwIfAny()
        return Provenance(systemId: systemId, sourceRecordId: sourceRecordId, rawDataURI: rawDataURI,
                          rawDigest: try rawDigest ?? fallbackDigest(),
                          assertedAt: Timestamp.truncated(assertedAt ?? now), recordedAt: now)
    }
}

/// The role a learner holds in an organization.
public enum AffiliationRole: String, Codable, Sendable, CaseIterable {
    case student, apprentice, employee, contractor, intern, member, volunteer, instructor, other
}

/// A learner's relationship with an organization over a period: together these form the learner's path.
public struct Affiliation: Codable, Sendable, Equatable {
    /// The organization.
    public var organizationId: String
    /// The learner's role there.
    public var role: AffiliationRole
    /// A program, department or title qualifying the role.
    public var title: String?
    /// When it began.
    public var startDate: CalendarDate?
    /// When it ended; nil while current.
    public var endDate: CalendarDate?

    /// Creates an affiliation.
    public init(organizationId: String, role: AffiliationRole, title: String? = nil,
                startDate: CalendarDate? = nil, endDate: CalendarDate? = nil) {
        self.organizationId = organizationId
        self.role = role
        self.title = title
        self.startDate = startDate
        self.endDate = endDate
    }
}

/// A course, program, assessment, training or work-based learning experience.
public struct LearningExperience: Codable, Sendable, Equatable {
    /// The kinds of learning experience.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case course, program, assessment, training, workBasedLearning, apprenticeship, other
    }
    /// Where the learner stands in it.
    public enum Status: String, Codable, Sendable, CaseIterable {
        case planned, enrolled, inProgress, completed, withdrawn, failed
    }
    /// The outcome of the experience.
    public struct Result: Codable, Sendable, Equatable {
        /// A grade as the organization writes it (`A-`, `Pass`, `4.0`).
        public var grade: String?
        /// A numeric score, with its scale below.
        public var score: Double?
        /// The maximum of the scale the score is on.
        public var scoreMaximum: Double?

        /// Creates a result.
        public init(grade: String? = nil, score: Double? = nil, scoreMaximum: Double? = nil) {
            self.grade = grade
            self.score = score
            self.scoreMaximum = scoreMaximum
        }
    }

    /// The organization that provided it.
    public var organizationId: String
    /// What kind of experience it is.
    public var kind: Kind
    /// Its title.
    public var title: String
    /// The organization's code for it (`CS-101`).
    public var code: String?
    /// When it began.
    public var startDate: CalendarDate?
    /// When it ended.
    public var endDate: CalendarDate?
    /// Where the learner stands.
    public var status: Status
    /// The outcome.
    public var result: Result?
    /// Academic credits earned.
    public var credits: Double?
    /// Contact or practice hours.
    public var hours: Double?
    /// The program this experience is part of (the record id of another experience).
    public var partOf: String?

    /// Creates a learning experience.
    public init(organizationId: String, kind: Kind, title: String, code: String? = nil,
                startDate: CalendarDate? = nil, endDate: CalendarDate? = nil, status: Status,
                result: Result? = nil, credits: Double? = nil, hours: Double? = nil, partOf: String? = nil) {
        self.organizationId = organizationId
        self.kind = kind
        self.title = title
        self.code = code
        self.startDate = startDate
        self.endDate = endDate
        self.status = status
        self.result = result
        self.credits = credits
        self.hours = hours
        self.partOf = partOf
    }
}

/// Something that supports an assertion: a URL or inline content, with a digest.
public struct Evidence: Codable, Sendable, Equatable {
    /// Where the evidence lives.
    public var url: String?
    /// The evidence itself, when small.
    public var inline: String?
    /// A description for people.
    public var description: String?
    /// `sha256:` + hex digest of the evidence content.
    public var digest: String?

    /// Creates evidence.
    public init(url: String? = nil, inline: String? = nil, description: String? = nil, digest: String? = nil) {
        self.url = url
        self.inline = inline
        self.description = description
        self.digest = digest
    }
}

/// A competency definition: what a learner can demonstrate.
public struct Competency: Codable, Sendable, Equatable {
    /// Vita's identifier.
    public var id: String
    /// The organization that defines it, if any.
    public var organizationId: String?
    /// Its name.
    public var name: String
    /// A description.
    public var description: String?
    /// The framework it belongs to (by name).
    public var framework: String?
    /// The CASE item URI that defines it, when it comes from a CASE framework.
    public var caseItemURI: String?
    /// The imported framework it belongs to (a `CompetencyFramework` id), when it came from a CASE package.
    public var frameworkId: String?
    /// The CASE item's `identifier` (a UUID), when it came from a CASE package.
    public var caseItemIdentifier: String?
    /// The item's human coding scheme (`CCSS.Math.Content.6.RP.A`), if any.
    public var code: String?
    /// The item's type in its framework (`Standard`, `Cluster`, `Skill`), if given.
    public var itemType: String?
    /// The competency of the item this one is a child of in its framework (CASE `isChildOf`), if any.
    public var parentId: String?
    /// Its place among its parent's children (the association's `sequenceNumber`, else the package's order).
    public var position: Int?
    /// When a later import of its framework no longer held the item. Assertions of it stay as they are.
    public var retiredAt: Date?
    /// When it was recorded.
    public var createdAt: Date

    /// Creates a competency.
    public init(id: String, organizationId: String? = nil, name: String, description: String? = nil,
                framework: String? = nil, caseItemURI: String? = nil, createdAt: Date) {
        self.id = id
        self.organizationId = organizationId
        self.name = name
        self.description = description
        self.framework = framework
        self.caseItemURI = caseItemURI
        self.createdAt = createdAt
    }

    /// Checks the fields a client supplies.
    public func validate() throws(ValidationFailures) {
        var failures = ValidationFailures()
        failures.require(!name.trimmingCharacters(in: .whitespaces).isEmpty, "name", "must not be empty")
        failures.require(name.count <= 500, "name", "must be at most 500 characters")
        if let caseItemURI {
            failures.require(URLCheck.isAbsolute(caseItemURI), "caseItemURI", "must be an absolute URI")
        }
        try failures.throwIfAny()
    }
}

/// An assertion that a learner demonstrated a competency at some level.
public struct CompetencyAssertion: Codable, Sendable, Equatable {
    /// The competency (a `Competency` id).
    public var competencyId: String
    /// The organization that assessed it.
    public var organizationId: String
    /// The level demonstrated, on the scale below (higher is better).
    public var level: Double
    /// The top of the level scale.
    public var levelMaximum: Double?
    /// A label for the level (`proficient`).
    public var levelLabel: String?
    /// When it was demonstrated.
    public var demonstratedDate: CalendarDate?
    /// The evidence.
    public var evidence: [Evidence]
    /// The learning experience in which it was demonstrated (a record id).
    public var experienceId: String?

    /// Creates an assertion.
    public init(competencyId: String, organizationId: String, level: Double, levelMaximum: Double? = nil,
                levelLabel: String? = nil, demonstratedDate: CalendarDate? = nil, evidence: [Evidence] = [],
                experienceId: String? = nil) {
        self.competencyId = competencyId
        self.organizationId = organizationId
        self.level = level
        self.levelMaximum = levelMaximum
        self.levelLabel = levelLabel
        self.demonstratedDate = demonstratedDate
        self.evidence = evidence
        self.experienceId = experienceId
    }
}

/// A credential conferred on the learner: degree, certificate, license, badge, ...
public struct CredentialRecord: Codable, Sendable, Equatable {
    /// The kinds of credential.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case degree, diploma, certificate, certification, license, badge, microcredential, other
    }

    /// The issuing organization.
    public var organizationId: String
    /// What kind of credential it is.
    public var kind: Kind
    /// Its title (`BSc Computer Science`).
    public var title: String
    /// When it was awarded.
    public var awardedDate: CalendarDate
    /// When it expires, if it does.
    public var expiresDate: CalendarDate?
    /// The issuer's identifier of the credential (certificate or license number).
    public var identifier: String?

    /// Creates a credential record.
    public init(organizationId: String, kind: Kind, title: String, awardedDate: CalendarDate,
                expiresDate: CalendarDate? = nil, identifier: String? = nil) {
        self.organizationId = organizationId
        self.kind = kind
        self.title = title
        self.awardedDate = awardedDate
        self.expiresDate = expiresDate
        self.identifier = identifier
    }
}

/// A period of employment.
public struct EmploymentRecord: Codable, Sendable, Equatable {
    /// An occupation code in a classification.
    public struct OccupationCode: Codable, Sendable, Equatable {
        /// The classifications Vita knows.
        public enum System: String, Codable, Sendable, CaseIterable { case soc, onet, isco, esco, other }
        /// The classification.
        public var system: System
        /// The code (`15-1252` in SOC, `15-1252.00` in O*NET).
        public var code: String

        /// Creates an occupation code.
        public init(system: System, code: String) {
            self.system = system
            self.code = code
        }
    }

    /// The employer.
    public var organizationId: String
    /// The job title.
    public var title: String
    /// The occupation code.
    public var occupation: OccupationCode?
    /// When it began.
    public var startDate: CalendarDate
    /// When it ended; nil while current.
    public var endDate: CalendarDate?
    /// Hours worked per week.
    public var hoursPerWeek: Double?

    /// Creates an employment record.
    public init(organizationId: String, title: String, occupation: OccupationCode? = nil,
                startDate: CalendarDate, endDate: CalendarDate? = nil, hoursPerWeek: Double? = nil) {
        self.organizationId = organizationId
        self.title = title
        self.occupation = occupation
        self.startDate = startDate
        self.endDate = endDate
        self.hoursPerWeek = hoursPerWeek
    }
}

/// Checks on URIs supplied by clients.
public enum URLCheck {
    /// Whether `text` is an absolute URI: a scheme (RFC 3986 §3.1) followed by `:`, and no spaces.
    public static func isAbsolute(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex,
              !text.contains(" ") else { return false }
        let scheme = text[..<colon]
        return scheme.first!.isLetter && scheme.allSatisfy { $0.isLetter || $0.isNumber || "+-.".contains($0) }
    }
}
