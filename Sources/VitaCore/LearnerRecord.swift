import Foundation

/// The content of a learner record, one case per stored category.
public enum RecordBody: Sendable, Equatable {
    case affiliation(Affiliation)
    case experience(LearningExperience)
    case competency(CompetencyAssertion)
    case credential(CredentialRecord)
    case employment(EmploymentRecord)

    /// The category the body belongs to.
    public var category: RecordCategory {
        switch self {
        case .affiliation: .affiliations
        case .experience: .experiences
        case .competency: .competencies
        case .credential: .credentials
        case .employment: .employment
        }
    }

    /// The organization on whose behalf the record is held (the provider in agreements).
    public var organizationId: String {
        switch self {
        case .affiliation(let value): value.organizationId
        case .experience(let value): value.organizationId
        case .competency(let value): value.organizationId
        case .credential(let value): value.organizationId
        case .employment(let value): value.organizationId
        }
    }

    /// Decodes the body of `category` from JSON.
    public static func decode(_ category: RecordCategory, from data: Data, decoder: JSONDecoder) throws -> RecordBody {
        switch category {
        case .affiliations: .affiliation(try decoder.decode(Affiliation.self, from: data))
        case .experiences: .experience(try decoder.decode(LearningExperience.self, from: data))
        case .competencies: .competency(try decoder.decode(CompetencyAssertion.self, from: data))
        case .credentials: .credential(try decoder.decode(CredentialRecord.self, from: data))
        case .employment: .employment(try decoder.decode(EmploymentRecord.self, from: data))
        case .profile: throw VitaCoreError.invalidField("category", "the profile is computed, not stored")
        }
    }

    /// Encodes the body as JSON.
    public func encoded(with encoder: JSONEncoder) throws -> Data {
        switch self {
        case .affiliation(let value): try encoder.encode(value)
        case .experience(let value): try encoder.encode(value)
        case .competency(let value): try encoder.encode(value)
        case .credential(let value): try encoder.encode(value)
        case .employment(let value): try encoder.encode(value)
        }
    }

    /// Checks the body's fields: dates in order, numbers in range, text within bounds.
    public func validate() throws(ValidationFailures) {
        var failures = ValidationFailures()
        func text(_ value: String, _ field: String, required: Bool = true) {
            if required { failures.require(!value.trimmingCharacters(in: .whitespaces).isEmpty, field, "must not be empty") }
            failures.require(value.count <= 1000, field, "must be at most 1000 characters")
        }
        func period(_ start: CalendarDate?, _ end: CalendarDate?) {
            if let start, let end { failures.require(start <= end, "endDate", "must not be before startDate") }
        }
        func nonNegative(_ value: Double?, _ field: String) {
            if let value { failures.require(value.isFinite && value >= 0, field, "must be a non-negative number") }
        }
        switch self {
        case .affiliation(let value):
            text(value.organizationId, "organizationId")
            if let title = value.title { text(title, "title", required: false) }
            period(value.startDate, value.endDate)
        case .experience(let value):
            text(value.organizationId, "organizationId")
            text(value.title, "title")
            period(value.startDate, value.endDate)
            nonNegative(value.credits, "credits")
            nonNegative(value.hours, "hours")
            if let result = value.result {
                nonNegative(result.score, "result.score")
                nonNegative(result.scoreMaximum, "result.scoreMaximum")
                if let score = result.score, let maximum = result.scoreMaximum {
                    failures.require(score <= maximum, "result.score", "must not exceed result.scoreMaximum")
                }
            }
            if value.status == .completed {
                failures.require(value.endDate != nil || value.startDate == nil, "endDate",
                                 "is required when a dated experience is completed")
            }
        case .competency(let value):
            text(value.competencyId, "competencyId")
            text(value.organizationId, "organizationId")
            nonNegative(value.level, "level")
            nonNegative(value.levelMaximum, "levelMaximum")
            if let maximum = value.levelMaximum {
                failures.require(value.level <= maximum, "level", "must not exceed levelMaximum")
            }
            for (index, evidence) in value.evidence.enumerated() {
                failures.require(evidence.url != nil || evidence.inline != nil, "evidence[\(index)]",
                                 "needs a url or inline content")
                if let url = evidence.url {
                    failures.require(URLCheck.isAbsolute(url), "evidence[\(index)].url", "must be an absolute URI")
                }
                if let digest = evidence.digest {
                    failures.require(Provenance.isWellFormedDigest(digest), "evidence[\(index)].digest",
                                     "must be sha256: followed by 64 lowercase hex digits")
                }
            }
        case .credential(let value):
            text(value.organizationId, "organizationId")
            text(value.title, "title")
            if let expires = value.expiresDate {
                failures.require(value.awardedDate <= expires, "expiresDate", "must not be before awardedDate")
            }
        case .employment(let value):
            text(value.organizationId, "organizationId")
            text(value.title, "title")
            period(value.startDate, value.endDate)
            if let hours = value.hoursPerWeek {
                failures.require(hours.isFinite && hours >= 0 && hours <= 168, "hoursPerWeek", "must be between 0 and 168")
            }
            if let occupation = value.occupation {
                failures.require(!occupation.code.isEmpty, "occupation.code", "must not be empty")
            }
        }
        try failures.throwIfAny()
    }
}

/// One version of a learner record: its body, its provenance and whether it was deleted.
///
/// Records are versioned: an update stores a new version and earlier versions stay readable.
/// A deletion stores a tombstone version that keeps the provenance but no body.
public struct LearnerRecord: Sendable, Equatable {
    /// Vita's identifier of the record (stable across versions).
    public var id: String
    /// The learner the record is about.
    public var learnerId: String
    /// The category.
    public var category: RecordCategory
    /// The organization on whose behalf the record is held.
    public var organizationId: String
    /// The version number, from 1.
    public var version: Int
    /// The content; nil in a tombstone.
    public var body: RecordBody?
    /// Where this version came from.
    public var provenance: Provenance
    /// Set when this version deletes the record.
    public var deletion: Tombstone?

    /// Creates a record version.
    public init(id: String, learnerId: String, category: RecordCategory, organizationId: String, version: Int,
                body: RecordBody?, provenance: Provenance, deletion: Tombstone? = nil) {
        self.id = id
        self.learnerId = learnerId
        self.category = category
        self.organizationId = organizationId
        self.version = version
        self.body = body
        self.provenance = provenance
        self.deletion = deletion
    }

    /// The strong entity tag of this version.
    public var entityTag: String { "\"\(id).v\(version)\"" }
}
