import Foundation
import VitaCore

/// What an xAPI statement means for the learner's record, by documented rules (`docs/XAPI.md`): the verb decides
/// whether it records a learning experience, a demonstrated competency or nothing; the activity's type, name, the
/// result and the timestamp fill the record. No pass mark, weighting or other judgement is added: a statement the
/// rules do not map records nothing, and says so.
public enum XAPIRules {
    /// ADL's verbs Vita maps (the xAPI Vocabulary, `http://adlnet.gov/expapi/verbs/`).
    public enum Verb {
        public static let completed = "http://adlnet.gov/expapi/verbs/completed"
        public static let passed = "http://adlnet.gov/expapi/verbs/passed"
        public static let failed = "http://adlnet.gov/expapi/verbs/failed"
        public static let mastered = "http://adlnet.gov/expapi/verbs/mastered"
        /// Part Two §2.3.2: voids an earlier statement (the object is a `StatementRef`).
        public static let voided = "http://adlnet.gov/expapi/verbs/voided"
    }

    /// What a verb records.
    public enum Meaning: Sendable, Equatable {
        /// A learning experience in this state (completed, passed → completed; failed → failed).
        case experience(LearningExperience.Status)
        /// A demonstrated competency: the activity is the CASE item of a competency Vita knows (mastered).
        case competency
        /// Nothing the learner record keeps (launched, attempted, experienced, answered, …).
        case nothing
        /// Takes back an earlier statement (voided): rule `xapi.void`.
        case voiding
    }

    /// Rule `xapi.verb`: the meaning of a verb IRI.
    public static func meaning(ofVerb verb: String) -> Meaning {
        switch verb {
        case Verb.completed, Verb.passed: .experience(.completed)
        case Verb.failed: .experience(.failed)
        case Verb.mastered: .competency
        case Verb.voided: .voiding
        default: .nothing
        }
    }

    /// Rule `xapi.kind`: the experience kind of an activity type IRI (`http://adlnet.gov/expapi/activities/…`);
    /// other or no type → `other`.
    public static func kind(ofActivityType type: String?) -> LearningExperience.Kind {
        switch type.map({ $0.hasPrefix("http://adlnet.gov/expapi/activities/") ? String($0.dropFirst(36)) : $0 }) {
        case "course": .course
        case "assessment", "question", "interaction", "performance": .assessment
        case "module", "lesson", "simulation", "meeting": .training
        default: .other
        }
    }

    /// Rule `xapi.experience`: the learning experience a statement records for `organizationId`: the activity's name
    /// (its IRI without one) as title, its type as kind, the statement's date as end date, `result.score` as the result
    /// (raw of max, or scaled as a percentage) with the verb as grade, `result.duration` as hours.
    public static func experience(_ statement: XAPIStatement, status: LearningExperience.Status,
                                  organizationId: String) -> LearningExperience {
        var result = LearningExperience.Result(grade: grade(statement.verb))
        if let raw = statement.scoreRaw, let max = statement.scoreMax {
            (result.score, result.scoreMaximum) = (raw, max)
        } else if let scaled = statement.scoreScaled {
            (result.score, result.scoreMaximum) = ((scaled * 10_000).rounded() / 100, 100)
        }
        return LearningExperience(organizationId: organizationId, kind: kind(ofActivityType: statement.activityType),
                                  title: String((statement.activityName ?? statement.activityId).prefix(500)),
                                  endDate: statement.timestamp.map(CalendarDate.init),
                                  status: status, result: result == .init() ? nil : result,
                                  hours: statement.durationHours.map { ($0 * 100).rounded() / 100 })
    }

    /// Rule `xapi.competency`: the assertion that the learner demonstrated `competencyId`, at the score's level (raw
    /// of max, scaled of 1) or, without a score, at level 1 of 1, on the statement's date.
    public static func assertion(_ statement: XAPIStatement, competencyId: String, organizationId: String) -> CompetencyAssertion {
        let (level, maximum): (Double, Double)
        if let raw = statement.scoreRaw, let max = statement.scoreMax {
            (level, maximum) = (raw, max)
        } else if let scaled = statement.scoreScaled {
            (level, maximum) = (scaled, 1)
        } else {
            (level, maximum) = (1, 1)
        }
        return CompetencyAssertion(competencyId: competencyId, organizationId: organizationId, level: level,
                                   levelMaximum: maximum, levelLabel: "mastered",
                                   demonstratedDate: statement.timestamp.map(CalendarDate.init))
    }

    /// The sending system's source id of the record a learner's statements about an activity keep up to date: one
    /// record per learner, activity and category, so `completed` and later `passed` are versions of one experience.
    public static func sourceRecordId(learnerId: String, activityId: String, category: RecordCategory) -> String {
        let key = "xapi:\(category.rawValue):\(learnerId):"
        let whole = key + activityId
        return whole.count <= 200 ? whole : key + ContentDigest.sha256(Array(activityId.utf8))
    }

    /// The record's raw data: the statement (its id as a URN; without one, its digest).
    public static func rawDataURI(_ statement: XAPIStatement) -> String? {
        statement.id.map(rawDataURI(statementId:))
    }

    /// The raw data URI of the statement whose id is `statementId`: `urn:uuid:` and the id in lower case.
    public static func rawDataURI(statementId: String) -> String {
        "urn:uuid:\(statementId.lowercased())"
    }

    /// What voiding statements does to a record (rule `xapi.void`).
    public enum VoidedState: Sendable, Equatable {
        /// The current version does not come from a voided statement: nothing changes.
        case unchanged
        /// The record goes back to this earlier version's content (and its statement's provenance).
        case restore(LearnerRecord)
        /// No version from a statement still standing is left, or the newest one is a deletion: the record is deleted.
        case delete
    }

    /// Rule `xapi.void`: the state of a record whose `versions` (oldest first) are read with the statements in
    /// `voided` (their raw data URIs) taken back — as if those statements had never arrived. The newest version not
    /// from a voided statement is the record's state: the current one (unchanged), an earlier content (restored), or
    /// a deletion, or nothing at all (deleted). A version with no statement id cannot have been voided.
    public static func stateAfterVoiding(_ versions: [LearnerRecord], voided: Set<String>) -> VoidedState {
        guard let current = versions.last else { return .unchanged }
        let standing = versions.last { !($0.provenance.rawDataURI.map(voided.contains) ?? false) }
        guard let standing else { return current.deletion != nil ? .unchanged : .delete }
        if standing.version == current.version { return .unchanged }
        guard standing.deletion == nil, standing.body != nil else { return current.deletion != nil ? .unchanged : .delete }
        return .restore(standing)
    }

    private static func grade(_ verb: String) -> String? {
        switch verb {
        case Verb.passed: "passed"
        case Verb.failed: "failed"
        default: nil
        }
    }
}
