import Foundation
import VitaCore
import VitaJSON

/// An xAPI statement as Vita reads it (xAPI 1.0.3 / IEEE 9274.1.1 "Statement", Part Two §2.4): who (the actor's
/// account), did what (the verb's IRI) to which activity (its IRI, name and type), with what result and when, and the
/// digest of the statement itself, which becomes the provenance of the record it leads to.
public struct XAPIStatement: Sendable, Equatable {
    /// The statement's UUID, when the sender gave one.
    public var id: String?
    /// The learner as the actor's `account.name` names it: a Vita learner id or the sending system's own id for the
    /// learner.
    public var learner: String
    /// The verb's IRI (`http://adlnet.gov/expapi/verbs/completed`).
    public var verb: String
    /// The activity's IRI (`object.id`); empty in a voiding statement.
    public var activityId: String
    /// In a voiding statement (verb `voided`, Part Two §2.3.2), the id of the statement it voids (`object.id` of a
    /// `StatementRef`).
    public var voidedStatementId: String?
    /// The activity's name (`object.definition.name`, English preferred), if any.
    public var activityName: String?
    /// The activity's type IRI (`object.definition.type`), if any.
    public var activityType: String?
    /// `result.score`: raw and max, or scaled (−1…1).
    public var scoreRaw: Double?
    public var scoreMax: Double?
    public var scoreScaled: Double?
    /// `result.duration` in hours.
    public var durationHours: Double?
    /// `timestamp`: when the experience happened.
    public var timestamp: Date?
    /// `sha256:` + hex of the statement's JCS canonical form (RFC 8785), so key order and spacing do not matter.
    public var digest: String

    /// Reads a statement; failures name the member (`actor.account.name`, `object.id`, …) and the reason.
    public init(_ value: JSONValue) throws(ValidationFailures) {
        var failures = ValidationFailures()
        guard case .object(let statement) = value else {
            failures.fail("", "must be a statement object")
            throw failures
        }
        digest = ContentDigest.sha256(value.canonicalized())
        id = statement["id"]?.stringValue
        if let given = statement["id"], given != .null {
            failures.require(id.map(Self.isUUID) == true, "id", "must be a UUID")
        }
        verb = statement["verb"]?["id"]?.stringValue ?? ""
        failures.require(URLCheck.isAbsolute(verb), "verb.id", "must be an IRI")
        let voiding = verb == XAPIRules.Verb.voided
        // Part Two §2.4.2: an Agent is identified by exactly one inverse functional identifier; Vita takes `account`.
        // A voiding statement's actor is whoever voids (an administrator, the platform): it names no learner.
        let account = statement["actor"]?["account"]
        learner = voiding ? "" : account?["name"]?.stringValue ?? ""
        if statement["actor"]?.objectValue == nil {
            failures.fail("actor", "is required")
        } else if voiding {
            // Nothing more is read of who voided.
        } else if account == nil {
            failures.fail("actor", "must identify the learner by account (name: the learner's Vita id or this system's own id for them)")
        } else {
            failures.require(!learner.isEmpty && learner.count <= 200, "actor.account.name", "must be 1 to 200 characters")
        }
        let object = statement["object"]
        if voiding {
            // Part Two §2.3.2: the object of a voiding statement is a StatementRef to the statement voided.
            failures.require(object?["objectType"]?.stringValue == "StatementRef", "object.objectType",
                             "must be StatementRef in a voiding statement")
            voidedStatementId = object?["id"]?.stringValue
            failures.require(voidedStatementId.map(Self.isUUID) == true, "object.id", "must be the UUID of the statement voided")
            activityId = ""
        } else {
            voidedStatementId = nil
            if let type = object?["objectType"]?.stringValue, type != "Activity" {
                failures.fail("object.objectType", "must be Activity: only activities become records")
            }
            activityId = object?["id"]?.stringValue ?? ""
            failures.require(URLCheck.isAbsolute(activityId) && activityId.count <= 2000, "object.id", "must be an IRI")
        }
        let definition = object?["definition"]
        activityName = Self.text(definition?["name"])
        activityType = definition?["type"]?.stringValue
        let score = statement["result"]?["score"]
        scoreRaw = score?["raw"]?.numberValue?.doubleValue
        scoreMax = score?["max"]?.numberValue?.doubleValue
        scoreScaled = score?["scaled"]?.numberValue?.doubleValue
        if let scaled = scoreScaled { failures.require((-1...1).contains(scaled), "result.score.scaled", "must be from -1 to 1") }
        durationHours = nil
        if let text = statement["result"]?["duration"]?.stringValue {
            durationHours = Self.hours(iso8601Duration: text)
            failures.require(durationHours != nil, "result.duration", "must be an ISO 8601 duration such as PT1H30M")
        }
        timestamp = nil
        if let text = statement["timestamp"]?.stringValue {
            timestamp = Self.time(text)
            failures.require(timestamp != nil, "timestamp", "must be an ISO 8601 time with its offset")
        }
        try failures.throwIfAny()
    }

    /// A language map's text: `en-US`, `en`, `en-GB`, then the first tag in order (Part Two §4.2.7).
    static func text(_ map: JSONValue?) -> String? {
        guard case .object(let names)? = map else { return nil }
        for tag in ["en-US", "en", "en-GB"] {
            if let text = names[tag]?.stringValue, !text.isEmpty { return text }
        }
        return names.keys.sorted().lazy.compactMap { names[$0]?.stringValue }.first { !$0.isEmpty }
    }

    /// Hours in an ISO 8601 duration of days, hours, minutes and seconds (`P1DT2H`, `PT45M`, `PT1H30M5.5S`).
    static func hours(iso8601Duration text: String) -> Double? {
        guard text.hasPrefix("P"), text.count > 1 else { return nil }
        var hours = 0.0
        var number = ""
        var inTime = false
        for character in text.dropFirst() {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            if character == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
                continue
            }
            guard let value = Double(number) else { return nil }
            number = ""
            switch (character, inTime) {
            case ("D", false): hours += value * 24
            case ("W", false): hours += value * 24 * 7
            case ("H", true): hours += value
            case ("M", true): hours += value / 60
            case ("S", true): hours += value / 3600
            default: return nil
            }
        }
        return number.isEmpty ? hours : nil
    }

    /// An ISO 8601 time with its offset (`2026-05-10T14:00:00+02:00`, fractions allowed), to whole milliseconds.
    static func time(_ text: String) -> Date? {
        let parsed = (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
        return parsed.map(Timestamp.truncated)
    }

    static func isUUID(_ text: String) -> Bool {
        UUID(uuidString: text) != nil
    }
}
