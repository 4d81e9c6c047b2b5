import Foundation
import Testing
@testable import VitaCore

struct ProfileRulesTests {
    let today = CalendarDate("2026-06-01")!

    func record(_ id: String, _ body: RecordBody, deleted: Bool = false) -> LearnerRecord {
        LearnerRecord(id: id, learnerId: "lrn_1", category: body.category, organizationId: body.organizationId, version: 1,
                      body: deleted ? nil : body,
                      provenance: Provenance(systemId: "sys_1", sourceRecordId: id, rawDataURI: nil,
                                             rawDigest: ContentDigest.sha256(Array(id.utf8)),
                                             assertedAt: Date(timeIntervalSince1970: 0), recordedAt: Date(timeIntervalSince1970: 0)),
                      deletion: deleted ? Tombstone(reason: "wrong learner", at: Date(timeIntervalSince1970: 0), by: "sys_1") : nil)
    }

    @Test("the timeline orders affiliations by start date and marks the current ones")
    func timeline() {
        let profile = ProfileRules.profile(learnerId: "lrn_1", records: [
            record("rec_2", .affiliation(.init(organizationId: "org_b", role: .employee, startDate: CalendarDate("2024-01-01")))),
            record("rec_1", .affiliation(.init(organizationId: "org_a", role: .student, startDate: CalendarDate("2019-09-01"),
                                                endDate: CalendarDate("2023-06-30")))),
        ], referenceDate: today)
        #expect(profile.timeline.map(\.value.organizationId) == ["org_a", "org_b"])
        #expect(profile.timeline.map(\.value.current) == [false, true])
        #expect(profile.timeline[0].derivation == Derivation(rule: "P1.affiliation-timeline", sources: ["rec_1"]))
    }

    @Test("a competency's best level compares levels as fractions of their scales and counts all evidence")
    func bestCompetencyLevel() {
        let evidence = [Evidence(url: "https://example.org/e1"), Evidence(url: "https://example.org/e2")]
        let profile = ProfileRules.profile(learnerId: "lrn_1", records: [
            record("rec_1", .competency(.init(competencyId: "cmp_x", organizationId: "org_a", level: 3, levelMaximum: 5,
                                              evidence: evidence))),
            record("rec_2", .competency(.init(competencyId: "cmp_x", organizationId: "org_b", level: 4, levelMaximum: 10,
                                              evidence: [evidence[0]]))),
            record("rec_3", .competency(.init(competencyId: "cmp_y", organizationId: "org_a", level: 1))),
        ], referenceDate: today)
        #expect(profile.competencies.count == 2)
        let x = profile.competencies[0]
        #expect(x.value.competencyId == "cmp_x")
        #expect(x.value.bestLevel == 3)
        #expect(x.value.levelMaximum == 5)
        #expect(x.value.evidenceCount == 3)
        #expect(x.value.assertionCount == 2)
        #expect(x.derivation.sources == ["rec_1", "rec_2"])
    }

    @Test("credits and hours count completed experiences only, and name the records they came from")
    func totals() {
        let profile = ProfileRules.profile(learnerId: "lrn_1", records: [
            record("rec_1", .experience(.init(organizationId: "org_a", kind: .course, title: "A", status: .completed,
                                              credits: 3, hours: 45))),
            record("rec_2", .experience(.init(organizationId: "org_a", kind: .course, title: "B", status: .withdrawn, credits: 4))),
            record("rec_3", .experience(.init(organizationId: "org_a", kind: .training, title: "C", status: .completed, hours: 12.5))),
            record("rec_4", .experience(.init(organizationId: "org_a", kind: .course, title: "D", status: .completed, credits: 5)),
                   deleted: true),
        ], referenceDate: today)
        #expect(profile.totalCredits.value == 3)
        #expect(profile.totalCredits.derivation.sources == ["rec_1"])
        #expect(profile.totalHours.value == 57.5)
        #expect(profile.totalHours.derivation.sources == ["rec_1", "rec_3"])
    }

    @Test("employment months count overlapping jobs once and list current positions")
    func employment() {
        let profile = ProfileRules.profile(learnerId: "lrn_1", records: [
            record("rec_1", .employment(.init(organizationId: "org_a", title: "Analyst", startDate: CalendarDate("2024-01-01")!,
                                              endDate: CalendarDate("2024-12-31")))),
            record("rec_2", .employment(.init(organizationId: "org_b", title: "Tutor", startDate: CalendarDate("2024-06-01")!,
                                              endDate: CalendarDate("2025-05-31")))),
            record("rec_3", .employment(.init(organizationId: "org_c", title: "Engineer", startDate: CalendarDate("2026-01-01")!))),
        ], referenceDate: today)
        // 2024-01-01…2025-05-31 is 517 days (17 months); 2026-01-01…2026-06-01 is 152 days (4 months).
        #expect(profile.employment.value.totalMonths == 21)
        #expect(profile.employment.value.current.map(\.title) == ["Engineer"])
        #expect(profile.employment.derivation.sources == ["rec_1", "rec_2", "rec_3"])
    }

    @Test("expired credentials stay in the profile, marked expired, newest first")
    func credentials() {
        let profile = ProfileRules.profile(learnerId: "lrn_1", records: [
            record("rec_1", .credential(.init(organizationId: "org_a", kind: .license, title: "RN", awardedDate: CalendarDate("2020-01-01")!,
                                              expiresDate: CalendarDate("2022-01-01")))),
            record("rec_2", .credential(.init(organizationId: "org_a", kind: .degree, title: "BSN", awardedDate: CalendarDate("2021-05-01")!))),
        ], referenceDate: today)
        #expect(profile.credentials.map(\.value.title) == ["BSN", "RN"])
        #expect(profile.credentials.map(\.value.expired) == [false, true])
    }
}

struct ValidationTests {
    @Test("calendar dates parse only real days in YYYY-MM-DD form")
    func calendarDates() {
        #expect(CalendarDate("2024-02-29") != nil)
        #expect(CalendarDate("2023-02-29") == nil)
        #expect(CalendarDate("2024-13-01") == nil)
        #expect(CalendarDate("2024-1-01") == nil)
        #expect(CalendarDate("24-01-01x") == nil)
        #expect(CalendarDate("2024-01-31")!.description == "2024-01-31")
    }

    @Test("record validation names every failing field")
    func recordValidation() {
        let body = RecordBody.experience(.init(organizationId: "", kind: .course, title: " ", startDate: CalendarDate("2024-05-01"),
                                               endDate: CalendarDate("2024-01-01"), status: .enrolled,
                                               result: .init(score: 120, scoreMaximum: 100), credits: -1))
        do {
            try body.validate()
            Issue.record("invalid body accepted")
        } catch {
            let fields = Set(error.failures.compactMap(\.field))
            #expect(fields == ["organizationId", "title", "endDate", "credits", "result.score"])
        }
    }

    @Test("identifier checks follow their scheme")
    func identifiers() {
        let organization = Organization(id: "org_1", name: "U", kind: .university, identifiers: [
            Identifier(scheme: .ipeds, value: "12345"), Identifier(scheme: .domain, value: "example.edu"),
            Identifier(scheme: .did, value: "did:web"),
        ], createdAt: Date())
        do {
            try organization.validate()
            Issue.record("invalid identifiers accepted")
        } catch {
            #expect(error.failures.compactMap(\.field) == ["identifiers[0].value", "identifiers[2].value"])
        }
    }

    @Test("entity ids sort in creation order, also when made in one millisecond, and are recognised by prefix")
    func entityIDs() {
        let first = EntityID.make("lrn", now: Date(timeIntervalSince1970: 1_800_000_000))
        let second = EntityID.make("lrn", now: Date(timeIntervalSince1970: 1_800_000_001))
        #expect(first < second)
        // Made in one millisecond, or with the clock going back, they still sort in the order they were made, each
        // different, their last 16 bits drawn afresh.
        let instant = Date(timeIntervalSince1970: 1_800_000_002)
        let burst = (0 ..< 1000).map { _ in EntityID.make("lrn", now: instant) }
            + [EntityID.make("lrn", now: instant.addingTimeInterval(-60))]
        #expect(burst == burst.sorted())
        #expect(Set(burst).count == burst.count)
        #expect(Set(burst.map { $0.suffix(4) }).count > 900)
        #expect(EntityID.isWellFormed(first, prefix: "lrn"))
        #expect(!EntityID.isWellFormed(first, prefix: "org"))
        #expect(!EntityID.isWellFormed("lrn_../../etc", prefix: "lrn"))
        let hex = String(first.dropFirst(4))
        #expect(!EntityID.isWellFormed("lrn_" + hex.uppercased(), prefix: "lrn"))
        #expect(!EntityID.isWellFormed("lrn-" + hex, prefix: "lrn"))
        #expect(!EntityID.isWellFormed("lrn_" + hex.dropLast(), prefix: "lrn"))
        #expect(!EntityID.isWellFormed("lrn_" + hex + "0", prefix: "lrn"))
        #expect(!EntityID.isWellFormed("lrn_" + hex.dropLast() + "g", prefix: "lrn"))
        #expect(!EntityID.isWellFormed("lrn_" + hex.dropLast(2) + "é", prefix: "lrn"))
    }
}
