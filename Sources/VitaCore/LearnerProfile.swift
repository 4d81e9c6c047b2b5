import Foundation

/// How a profile value was derived: the rule (documented in docs/PROFILE-RULES.md) and the records it came from.
public struct Derivation: Codable, Sendable, Equatable {
    /// The rule's identifier, such as `P3.competency-best-level`.
    public var rule: String
    /// The ids of the records the value was computed from.
    public var sources: [String]

    /// Creates a derivation.
    public init(rule: String, sources: [String]) {
        self.rule = rule
        self.sources = sources
    }
}

/// A profile value with its derivation.
public struct Derived<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// The value.
    public var value: Value
    /// Where it came from.
    public var derivation: Derivation

    /// Creates a derived value.
    public init(_ value: Value, rule: String, sources: [String]) {
        self.value = value
        self.derivation = Derivation(rule: rule, sources: sources)
    }
}

/// The learner profile: computed from the learner's records by the rules in docs/PROFILE-RULES.md.
public struct LearnerProfile: Codable, Sendable, Equatable {
    /// An affiliation on the timeline.
    public struct TimelineEntry: Codable, Sendable, Equatable {
        public var organizationId: String
        public var role: AffiliationRole
        public var title: String?
        public var startDate: CalendarDate?
        public var endDate: CalendarDate?
        /// Whether the affiliation is current on the profile's reference date.
        public var current: Bool
    }

    /// A credential the learner holds.
    public struct HeldCredential: Codable, Sendable, Equatable {
        public var organizationId: String
        public var kind: CredentialRecord.Kind
        public var title: String
        public var awardedDate: CalendarDate
        public var expiresDate: CalendarDate?
        /// Whether it has expired by the profile's reference date.
        public var expired: Bool
    }

    /// A competency with its best demonstrated level.
    public struct CompetencySummary: Codable, Sendable, Equatable {
        public var competencyId: String
        /// The best level demonstrated.
        public var bestLevel: Double
        /// The top of the scale of that level, if known.
        public var levelMaximum: Double?
        /// The label of that level, if given.
        public var levelLabel: String?
        /// How many assertions demonstrate the competency.
        public var assertionCount: Int
        /// How many pieces of evidence support it, across assertions.
        public var evidenceCount: Int
    }

    /// A summary of the learner's employment.
    public struct EmploymentSummary: Codable, Sendable, Equatable {
        /// Current positions.
        public var current: [Position]
        /// Months employed, counting overlapping periods once.
        public var totalMonths: Int
        /// A position.
        public struct Position: Codable, Sendable, Equatable {
            public var organizationId: String
            public var title: String
            public var startDate: CalendarDate
        }
    }

    /// The learner.
    public var learnerId: String
    /// The date the profile's "current" and "expired" judgements refer to.
    public var referenceDate: CalendarDate
    /// When set, the profile reflects the records as they were at this time.
    public var asOf: Date?
    /// Rule P1: the path through organizations.
    public var timeline: [Derived<TimelineEntry>]
    /// Rule P2: credentials held.
    public var credentials: [Derived<HeldCredential>]
    /// Rule P3: competencies with their best level.
    public var competencies: [Derived<CompetencySummary>]
    /// Rule P4: academic credits from completed experiences.
    public var totalCredits: Derived<Double>
    /// Rule P5: hours from completed experiences.
    public var totalHours: Derived<Double>
    /// Rule P6: employment.
    public var employment: Derived<EmploymentSummary>
}

/// Computes learner profiles from records. Pure: the same records and date give the same profile.
public enum ProfileRules {
    /// Rule identifiers, as documented in docs/PROFILE-RULES.md.
    public enum Rule {
        public static let timeline = "P1.affiliation-timeline"
        public static let credentials = "P2.credentials-held"
        public static let competencies = "P3.competency-best-level"
        public static let credits = "P4.total-credits"
        public static let hours = "P5.total-hours"
        public static let employment = "P6.employment-summary"
    }

    /// Computes the profile of `learnerId` from its current (non-deleted) record versions.
    public static func profile(learnerId: String, records: [LearnerRecord], referenceDate: CalendarDate,
                               asOf: Date? = nil) -> LearnerProfile {
        let live = records.filter { $0.deletion == nil && $0.body != nil }.sorted { $0.id < $1.id }

        // P1: every affiliation, ordered by start date (undated first), then by record id.
        var timeline: [Derived<LearnerProfile.TimelineEntry>] = []
        // P2: every credential, ordered by award date, newest first.
        var credentials: [Derived<LearnerProfile.HeldCredential>] = []
        var assertions: [String: [(id: String, value: CompetencyAssertion)]] = [:]
        var credits = 0.0, hours = 0.0
        var creditSources: [String] = [], hourSources: [String] = []
        var positions: [Derived<LearnerProfile.EmploymentSummary.Position>] = []
        var periods: [(start: Int, end: Int)] = []
        var employmentSources: [String] = []

        for record in live {
            switch record.body! {
            case .affiliation(let a):
                let current = (a.startDate.map { $0 <= referenceDate } ?? true) && (a.endDate.map { $0 >= referenceDate } ?? true)
                timeline.append(Derived(.init(organizationId: a.organizationId, role: a.role, title: a.title,
                                              startDate: a.startDate, endDate: a.endDate, current: current),
                                        rule: Rule.timeline, sources: [record.id]))
            case .credential(let c):
                let expired = c.expiresDate.map { $0 < referenceDate } ?? false
                credentials.append(Derived(.init(organizationId: c.organizationId, kind: c.kind, title: c.title,
                                                 awardedDate: c.awardedDate, expiresDate: c.expiresDate, expired: expired),
                                           rule: Rule.credentials, sources: [record.id]))
            case .competency(let c):
                assertions[c.competencyId, default: []].append((record.id, c))
            case .experience(let e):
                // P4/P5: only completed experiences count.
                guard e.status == .completed else { break }
                if let c = e.credits, c > 0 { credits += c; creditSources.append(record.id) }
                if let h = e.hours, h > 0 { hours += h; hourSources.append(record.id) }
            case .employment(let e):
                employmentSources.append(record.id)
                // Only days up to the reference date count (a contract's future end date is not yet worked).
                let end = min(e.endDate ?? referenceDate, referenceDate)
                if e.startDate <= referenceDate {
                    periods.append((e.startDate.ordinalDay, max(e.startDate.ordinalDay, end.ordinalDay)))
                }
                if e.startDate <= referenceDate, e.endDate.map({ $0 >= referenceDate }) ?? true {
                    positions.append(Derived(.init(organizationId: e.organizationId, title: e.title, startDate: e.startDate),
                                             rule: Rule.employment, sources: [record.id]))
                }
            }
        }

        timeline.sort { lhs, rhs in
            switch (lhs.value.startDate, rhs.value.startDate) {
            case let (l?, r?) where l != r: return l < r
            case (nil, _?): return true
            case (_?, nil): return false
            default: return lhs.derivation.sources[0] < rhs.derivation.sources[0]
            }
        }
        credentials.sort { ($0.value.awardedDate, $1.derivation.sources[0]) > ($1.value.awardedDate, $0.derivation.sources[0]) }

        // P3: per competency, the best level; levels on a known scale compare as fractions of it.
        let competencies = assertions.keys.sorted().map { competencyId -> Derived<LearnerProfile.CompetencySummary> in
            let group = assertions[competencyId]!
            func score(_ a: CompetencyAssertion) -> Double {
                if let maximum = a.levelMaximum, maximum > 0 { return a.level / maximum }
                return a.level
            }
            let best = group.max { score($0.value) < score($1.value) || (score($0.value) == score($1.value) && $0.id > $1.id) }!
            return Derived(.init(competencyId: competencyId, bestLevel: best.value.level,
                                 levelMaximum: best.value.levelMaximum, levelLabel: best.value.levelLabel,
                                 assertionCount: group.count,
                                 evidenceCount: group.reduce(0) { $0 + $1.value.evidence.count }),
                           rule: Rule.competencies, sources: group.map(\.id))
        }

        // P6: merge overlapping employment periods before counting months (30.44 days each).
        var days = 0
        var merged: (start: Int, end: Int)?
        for period in periods.sorted(by: { $0.start < $1.start }) {
            if let current = merged, period.start <= current.end + 1 {
                merged = (current.start, max(current.end, period.end))
            } else {
                if let current = merged { days += current.end - current.start + 1 }
                merged = period
            }
        }
        if let current = merged { days += current.end - current.start + 1 }
        let months = Int((Double(days) / 30.436875).rounded(.down))
        positions.sort { ($0.value.startDate, $0.derivation.sources[0]) < ($1.value.startDate, $1.derivation.sources[0]) }

        return LearnerProfile(
            learnerId: learnerId,
            referenceDate: referenceDate,
            asOf: asOf,
            timeline: timeline,
            credentials: credentials,
            competencies: competencies,
            totalCredits: Derived(credits, rule: Rule.credits, sources: creditSources),
            totalHours: Derived(hours, rule: Rule.hours, sources: hourSources),
            employment: Derived(.init(current: positions.map(\.value), totalMonths: months),
                                rule: Rule.employment, sources: employmentSources)
        )
    }
}
