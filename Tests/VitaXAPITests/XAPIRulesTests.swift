import Foundation
import Testing
import VitaCore
import VitaJSON
import VitaXAPI

struct XAPIRulesTests {
    static func statement(_ text: String) throws -> XAPIStatement {
        try XAPIStatement(try JSONValue(parsing: text))
    }

    static let passedCourse = #"""
        {"id":"6f1b0a4e-8d2c-4d41-9a53-2b8a4e3c1f00","actor":{"account":{"homePage":"https://lms.example","name":"S-1001"}},
         "verb":{"id":"http://adlnet.gov/expapi/verbs/passed","display":{"en-US":"passed"}},
         "object":{"objectType":"Activity","id":"https://lms.example/courses/cs101",
                   "definition":{"name":{"fr":"Algorithmique","en-US":"Algorithms"},"type":"http://adlnet.gov/expapi/activities/course"}},
         "result":{"score":{"raw":87,"min":0,"max":100,"scaled":0.87},"success":true,"duration":"PT12H30M"},
         "timestamp":"2026-05-10T14:00:00+02:00"}
        """#

    @Test("a passed course becomes a completed course experience: the English name, raw score of max, the verb as grade, duration in hours, the statement's date")
    func passedCourse() throws {
        let statement = try Self.statement(Self.passedCourse)
        #expect(statement.learner == "S-1001")
        #expect(XAPIRules.meaning(ofVerb: statement.verb) == .experience(.completed))
        let experience = XAPIRules.experience(statement, status: .completed, organizationId: "org_1")
        #expect(experience.title == "Algorithms")
        #expect(experience.kind == .course)
        #expect(experience.status == .completed)
        #expect(experience.result == .init(grade: "passed", score: 87, scoreMaximum: 100))
        #expect(experience.hours == 12.5)
        #expect(experience.endDate == CalendarDate("2026-05-10"))
        #expect(XAPIRules.rawDataURI(statement) == "urn:uuid:6f1b0a4e-8d2c-4d41-9a53-2b8a4e3c1f00")
    }

    @Test("the digest is of the statement's canonical form: member order and spacing do not change it, a value does")
    func digestIsCanonical() throws {
        let a = try Self.statement(#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example/a"}}"#)
        let b = try Self.statement(#"{ "object": {"id": "https://x.example/a"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}, "actor": {"account": {"name": "S-1"}} }"#)
        let c = try Self.statement(#"{"actor":{"account":{"name":"S-2"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example/a"}}"#)
        #expect(a.digest == b.digest)
        #expect(a.digest != c.digest)
        #expect(Provenance.isWellFormedDigest(a.digest))
    }

    @Test("verbs: completed and passed complete, failed fails, mastered demonstrates a competency, anything else records nothing",
          arguments: [
              ("http://adlnet.gov/expapi/verbs/completed", XAPIRules.Meaning.experience(.completed)),
              ("http://adlnet.gov/expapi/verbs/passed", .experience(.completed)),
              ("http://adlnet.gov/expapi/verbs/failed", .experience(.failed)),
              ("http://adlnet.gov/expapi/verbs/mastered", .competency),
              ("http://adlnet.gov/expapi/verbs/attempted", .nothing),
              ("http://adlnet.gov/expapi/verbs/experienced", .nothing),
              ("https://example.org/verbs/completed", .nothing),
          ])
    func verbs(_ verb: String, _ meaning: XAPIRules.Meaning) {
        #expect(XAPIRules.meaning(ofVerb: verb) == meaning)
    }

    @Test("activity types: course, assessments, training modules, anything else other",
          arguments: [("http://adlnet.gov/expapi/activities/course", LearningExperience.Kind.course),
                      ("http://adlnet.gov/expapi/activities/assessment", .assessment),
                      ("http://adlnet.gov/expapi/activities/module", .training),
                      ("https://example.org/types/course", .other), (nil, .other)] as [(String?, LearningExperience.Kind)])
    func kinds(_ type: String?, _ kind: LearningExperience.Kind) {
        #expect(XAPIRules.kind(ofActivityType: type) == kind)
    }

    @Test("a scaled score is a percentage; without a name the activity's IRI is the title; without a score or duration there is none")
    func scaledAndBare() throws {
        let scaled = try Self.statement(#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/failed"},"object":{"id":"https://x.example/quiz"},"result":{"score":{"scaled":0.4567}}}"#)
        let experience = XAPIRules.experience(scaled, status: .failed, organizationId: "org_1")
        #expect(experience.result == .init(grade: "failed", score: 45.67, scoreMaximum: 100))
        #expect(experience.title == "https://x.example/quiz")
        #expect(experience.endDate == nil && experience.hours == nil)
        let bare = try Self.statement(#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example/m"}}"#)
        #expect(XAPIRules.experience(bare, status: .completed, organizationId: "org_1").result == nil)
    }

    @Test("a mastered competency is asserted at the score's level, or 1 of 1 without one")
    func masteredLevels() throws {
        let scored = try Self.statement(#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/mastered"},"object":{"id":"https://case.example/uri/abc"},"result":{"score":{"raw":3,"max":4}},"timestamp":"2026-03-01T09:00:00Z"}"#)
        let assertion = XAPIRules.assertion(scored, competencyId: "cmp_1", organizationId: "org_1")
        #expect(assertion.level == 3 && assertion.levelMaximum == 4 && assertion.levelLabel == "mastered")
        #expect(assertion.demonstratedDate == CalendarDate("2026-03-01"))
        let bare = try Self.statement(#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/mastered"},"object":{"id":"https://case.example/uri/abc"}}"#)
        let unscored = XAPIRules.assertion(bare, competencyId: "cmp_1", organizationId: "org_1")
        #expect(unscored.level == 1 && unscored.levelMaximum == 1)
    }

    @Test("statements Vita cannot read are refused naming the member",
          arguments: [
              (#"[]"#, ""),
              (#"{"actor":{"mbox":"mailto:ada@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example/a"}}"#, "actor"),
              (#"{"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example/a"}}"#, "actor"),
              (#"{"actor":{"account":{"name":""}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example/a"}}"#, "actor.account.name"),
              (#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"completed"},"object":{"id":"https://x.example/a"}}"#, "verb.id"),
              (#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"objectType":"Agent","id":"https://x.example/a"}}"#, "object.objectType"),
              (#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"not an iri"}}"#, "object.id"),
              (#"{"id":"nope","actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example/a"}}"#, "id"),
              (#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example/a"},"result":{"score":{"scaled":2}}}"#, "result.score.scaled"),
              (#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example/a"},"result":{"duration":"90 minutes"}}"#, "result.duration"),
              (#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example/a"},"timestamp":"yesterday"}"#, "timestamp"),
          ])
    func refusals(_ text: String, _ field: String) throws {
        let value = try JSONValue(parsing: text)
        do throws(ValidationFailures) {
            _ = try XAPIStatement(value)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.failures.first?.field == field)
        }
    }

    @Test("a voiding statement names the statement it voids by a StatementRef; its actor may be anyone, not a learner")
    func voidingStatement() throws {
        let voiding = try Self.statement(#"""
            {"id":"7a000000-0000-4000-8000-000000000001","actor":{"mbox":"mailto:registrar@lms.example"},
             "verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},
             "object":{"objectType":"StatementRef","id":"6F1B0A4E-8D2C-4D41-9A53-2B8A4E3C1F00"}}
            """#)
        #expect(voiding.voidedStatementId == "6F1B0A4E-8D2C-4D41-9A53-2B8A4E3C1F00")
        #expect(XAPIRules.meaning(ofVerb: voiding.verb) == .voiding)
        #expect(XAPIRules.rawDataURI(statementId: voiding.voidedStatementId!) == "urn:uuid:6f1b0a4e-8d2c-4d41-9a53-2b8a4e3c1f00",
                "the URI a statement's records carry, whatever the case of the reference")
        #expect(try Self.statement(Self.passedCourse).voidedStatementId == nil)
        for (object, field) in [(#"{"objectType":"Activity","id":"https://x.example/a"}"#, "object.objectType"),
                                (#"{"objectType":"StatementRef","id":"not-a-uuid"}"#, "object.id"),
                                (#"{"objectType":"StatementRef"}"#, "object.id")] {
            let text = #"{"actor":{"account":{"name":"admin"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":"# + object + "}"
            let value = try JSONValue(parsing: text)
            do throws(ValidationFailures) {
                _ = try XAPIStatement(value)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.failures.first?.field == field, "\(text)")
            }
        }
    }

    @Test("voiding takes a record back to its newest version from a statement still standing: the same, an earlier content, or deleted")
    func stateAfterVoiding() {
        func version(_ number: Int, statement: String?, deleted: Bool = false) -> LearnerRecord {
            LearnerRecord(id: "rec_1", learnerId: "lrn_1", category: .experiences, organizationId: "org_1", version: number,
                          body: deleted ? nil : .experience(LearningExperience(organizationId: "org_1", kind: .course,
                                                                               title: "v\(number)", status: .completed)),
                          provenance: Provenance(systemId: "sys_1", sourceRecordId: "xapi:x", rawDataURI: statement.map { "urn:uuid:\($0)" },
                                                 rawDigest: "sha256:\(number)", assertedAt: Date(), recordedAt: Date()),
                          deletion: deleted ? Tombstone(reason: "r", at: Date(), by: "sys_1") : nil)
        }
        let history = [version(1, statement: "a"), version(2, statement: "b")]
        #expect(XAPIRules.stateAfterVoiding(history, voided: ["urn:uuid:a"]) == .unchanged, "an earlier statement voided")
        #expect(XAPIRules.stateAfterVoiding(history, voided: ["urn:uuid:b"]) == .restore(history[0]))
        #expect(XAPIRules.stateAfterVoiding(history, voided: ["urn:uuid:a", "urn:uuid:b"]) == .delete)
        // A deletion standing between: the record stays deleted; a version with no statement id is never voided.
        let deletedThenBack = [version(1, statement: "a"), version(2, statement: nil, deleted: true), version(3, statement: "c")]
        #expect(XAPIRules.stateAfterVoiding(deletedThenBack, voided: ["urn:uuid:c"]) == .delete)
        let plain = [version(1, statement: nil), version(2, statement: "b")]
        #expect(XAPIRules.stateAfterVoiding(plain, voided: ["urn:uuid:b"]) == .restore(plain[0]))
        // Already deleted by an earlier voiding: nothing more to do.
        let voidedAway = [version(1, statement: "a"), version(2, statement: "v", deleted: true)]
        #expect(XAPIRules.stateAfterVoiding(voidedAway, voided: ["urn:uuid:a"]) == .unchanged)
        #expect(XAPIRules.stateAfterVoiding([version(1, statement: "a")], voided: ["urn:uuid:a"]) == .delete)
    }

    @Test("ISO 8601 durations in hours", arguments: [("PT45M", 0.75), ("PT1H30M", 1.5), ("P1DT2H", 26.0), ("PT36S", 0.01), ("P1W", 168.0)])
    func durations(_ text: String, _ hours: Double) throws {
        let statement = try Self.statement(#"{"actor":{"account":{"name":"S-1"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://x.example/a"},"result":{"duration":"\#(text)"}}"#)
        #expect(abs((statement.durationHours ?? -1) - hours) < 1e-9)
    }

    @Test("the record a learner's statements about an activity keep up to date is keyed by category, learner and activity; a long IRI by its digest")
    func sourceRecordIds() {
        #expect(XAPIRules.sourceRecordId(learnerId: "lrn_1", activityId: "https://x.example/a", category: .experiences)
            == "xapi:experiences:lrn_1:https://x.example/a")
        let long = "https://x.example/" + String(repeating: "a", count: 300)
        let id = XAPIRules.sourceRecordId(learnerId: "lrn_1", activityId: long, category: .competencies)
        #expect(id.hasPrefix("xapi:competencies:lrn_1:sha256:") && id.count <= 200)
    }
}
