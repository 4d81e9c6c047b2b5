import Foundation
import HTTPTypes
import Hummingbird
import Testing
import VitaAPI
import VitaCore
import VitaStorage
import VitaTestSupport

struct LearnerAPITests {
    @Test("a system under agreements registers a learner, writes records and reads a profile that names its sources",
          arguments: TestEngine.available)
    func tour(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let written = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                             json: APIHarness.experience(world.organizationId, source: "enr-1"))
            #expect(written.status == 201)
            #expect(written.headers[.location] == "/api/v1/learners/\(learner)/experiences/\(written["id"] as! String)")
            let provenance = written["provenance"] as! [String: Any]
            #expect(provenance["systemId"] as? String == world.systemId)
            #expect((provenance["rawDigest"] as? String)?.hasPrefix("sha256:") == true)
            let affiliation = try await api.send(.post, "/api/v1/learners/\(learner)/affiliations", key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "role": "student", "startDate": "2023-09-01"],
                "provenance": ["sourceRecordId": "aff-1"],
            ])
            #expect(affiliation.status == 201)

            let profile = try await api.send(.get, "/api/v1/learners/\(learner)/profile", key: world.systemKey)
            #expect(profile.status == 200)
            let credits = profile["totalCredits"] as! [String: Any]
            #expect(credits["value"] as? Double == 4)
            #expect((credits["derivation"] as! [String: Any])["sources"] as? [String] == [written["id"] as! String])
            let timeline = profile["timeline"] as! [[String: Any]]
            #expect((timeline.first?["derivation"] as? [String: Any])?["rule"] as? String == "P1.affiliation-timeline")

            let log = try await api.admin(.get, "/api/v1/learners/\(learner)/access-log")
            let actions = log.items.map { $0["action"] as! String }
            #expect(actions == ["learner.create", "records.write", "records.write", "profile.read"])
            #expect(log.items.allSatisfy { ($0["actor"] as! [String: Any])["id"] as? String == world.systemId })
            let verification = try await api.admin(.get, "/api/v1/audit/verification")
            #expect(verification["intact"] as? Bool == true)
            #expect(verification["archives"] as? Int == 0 && verification["archivedThrough"] == nil)
            let anchor = try #require((verification["anchor"] as? String).flatMap(AuditChain.Anchor.init))
            #expect(try await api.database.verifyAuditChain(anchors: [anchor]).firstBreak == nil)
            let head = try await api.admin(.get, "/api/v1/audit/head")
            let headAnchor = try #require((head["anchor"] as? String).flatMap(AuditChain.Anchor.init))
            #expect(headAnchor.sequence >= anchor.sequence && (head["sequence"] as? NSNumber)?.int64Value == headAnchor.sequence)
            #expect(head["hash"] as? String == headAnchor.hash)
            #expect(try await api.database.verifyAuditChain(anchors: [anchor, headAnchor]).firstBreak == nil)

            // Entries moved to an archive leave the access log; the chain still verifies, from the checkpoint.
            let archived = try await api.database.archiveAudit(before: Date().addingTimeInterval(60), at: Date(),
                                                               by: .init(kind: .cli, id: "cli"), write: { _ in },
                                                               seal: { String(repeating: "0", count: 64) })
            let afterArchive = try await api.admin(.get, "/api/v1/audit/verification")
            #expect(afterArchive["intact"] as? Bool == true)
            #expect(afterArchive["archives"] as? Int == 1)
            #expect((afterArchive["archivedThrough"] as? NSNumber)?.int64Value == archived?.lastSequence)
            let logAfter = try await api.admin(.get, "/api/v1/learners/\(learner)/access-log")
            #expect(logAfter.items.isEmpty && logAfter["archivedBefore"] != nil, "\(logAfter.string)")
            // The archives are listed, paged like every list.
            _ = try await api.database.archiveAudit(before: Date().addingTimeInterval(60), at: Date(), by: .init(kind: .cli, id: "cli"),
                                                    write: { _ in }, seal: { String(repeating: "1", count: 64) })
            let firstPage = try await api.admin(.get, "/api/v1/audit/archives?limit=1")
            #expect(firstPage.items.map { ($0["firstSequence"] as? NSNumber)?.int64Value } == [1])
            #expect(firstPage.items.first?["digest"] as? String == String(repeating: "0", count: 64))
            let cursor = try #require(firstPage["nextCursor"] as? String)
            let secondPage = try await api.admin(.get, "/api/v1/audit/archives?limit=1&cursor=\(cursor)")
            #expect(secondPage.items.map { ($0["firstSequence"] as? NSNumber)?.int64Value } == [(archived?.lastSequence ?? 0) + 1])
            #expect(secondPage["nextCursor"] == nil)
        }
    }

    @Test("audit entries as the API serves them recompute to their hashes: times carry their exact milliseconds")
    func servedAuditEntriesVerify() async throws {
        // .007 s is held as 0.00699999…: a formatter that truncates the binary fraction would print .006.
        try await APIHarness.run(.sqlite, clock: { Date(timeIntervalSince1970: 1_800_000_000.007) }) { api in
            _ = try await api.world()
            let entries = try await api.admin(.get, "/api/v1/audit?limit=200").items
            #expect(!entries.isEmpty)
            for item in entries {
                #expect((item["occurredAt"] as? String)?.hasSuffix(".007Z") == true, "\(item["occurredAt"] ?? "")")
                let entry = try AuditArchive.entry(fromLine: try JSONSerialization.data(withJSONObject: item))
                #expect(AuditChain.hash(of: entry) == entry.hash, "entry \(entry.sequence)")
            }
        }
    }

    @Test("bad input gets application/problem+json naming the field and the reason", arguments: TestEngine.available)
    func problems(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine, maxBodySize: 4096) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let path = "/api/v1/learners/\(learner)/experiences"

            let notJSON = try await api.send(.post, path, key: world.systemKey, raw: "{bad")
            #expect(notJSON.status == 400)
            #expect(notJSON.contentType == "application/problem+json")
            #expect((notJSON["errors"] as? [[String: String]])?.first?["field"] == "body")

            let missing = try await api.send(.post, path, key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "kind": "course", "status": "completed"],
                "provenance": ["sourceRecordId": "x"],
            ])
            #expect(missing.status == 400)
            #expect((missing["errors"] as? [[String: String]])?.first == ["field": "record.title", "reason": "is required"])

            let badEnum = try await api.send(.post, path, key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "kind": "lecture", "title": "T", "status": "completed"],
                "provenance": ["sourceRecordId": "x"],
            ])
            #expect(badEnum.status == 400)
            #expect((badEnum["errors"] as? [[String: String]])?.first?["field"] == "record.kind")

            let badDate = try await api.send(.post, path, key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "kind": "course", "title": "T", "status": "completed",
                           "startDate": "2025-02-30"],
                "provenance": ["sourceRecordId": "x"],
            ])
            #expect(badDate.status == 400)
            #expect((badDate["errors"] as? [[String: String]])?.first?["field"] == "record.startDate")

            var invalid = APIHarness.experience(world.organizationId, source: "y")
            invalid["record"] = ["organizationId": world.organizationId, "kind": "course", "title": "T", "status": "completed",
                                 "startDate": "2025-05-01", "endDate": "2025-01-01", "credits": -2]
            let semantic = try await api.send(.post, path, key: world.systemKey, json: invalid)
            #expect(semantic.status == 422)
            #expect(Set((semantic["errors"] as? [[String: String]] ?? []).compactMap { $0["field"] }) == ["endDate", "credits"])

            let tooLarge = try await api.send(.post, path, key: world.systemKey,
                                              json: APIHarness.experience(world.organizationId, source: "z",
                                                                          title: String(repeating: "x", count: 5000)))
            #expect(tooLarge.status == 413)
            #expect(tooLarge.contentType == "application/problem+json")

            let unknown = try await api.send(.get, "/api/v1/nothing-here", key: world.systemKey)
            #expect(unknown.status == 404)
            #expect(unknown.contentType == "application/problem+json")

            let anonymous = try await api.send(.get, "/api/v1/learners/\(learner)/profile")
            #expect(anonymous.status == 401)
            let badKey = try await api.send(.get, "/api/v1/learners/\(learner)/profile", key: "vk.sys_x.\(String(repeating: "a", count: 43))")
            #expect(badKey.status == 401)
            let notAdmin = try await api.send(.get, "/api/v1/organizations", key: world.systemKey)
            #expect(notAdmin.status == 403)
            let badLimit = try await api.admin(.get, "/api/v1/organizations?limit=0")
            #expect(badLimit.status == 400)
            #expect((badLimit["errors"] as? [[String: String]])?.first?["field"] == "limit")
            let badAsOf = try await api.send(.get, "/api/v1/learners/\(learner)/profile?asOf=yesterday", key: world.systemKey)
            #expect(badAsOf.status == 400)

            let records = try await api.send(.get, path, key: world.systemKey)
            #expect(records.items.isEmpty, "no rejected request left a record behind")
        }
    }

    @Test("updates need a current If-Match and keep every version readable", arguments: TestEngine.available)
    func versionsAndPreconditions(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let created = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                             json: APIHarness.experience(world.organizationId, source: "enr-1"))
            let item = "/api/v1/learners/\(learner)/experiences/\(created["id"] as! String)"
            let etag = created.headers[.eTag]!
            let update = APIHarness.experience(world.organizationId, source: "enr-1", title: "Algorithms (honours)", credits: 5)

            let noMatch = try await api.send(.put, item, key: world.systemKey, json: update)
            #expect(noMatch.status == 428)
            let stale = try await api.send(.put, item, key: world.systemKey, json: update, headers: ["If-Match": "\"stale.v9\""])
            #expect(stale.status == 412)
            let updated = try await api.send(.put, item, key: world.systemKey, json: update, headers: ["If-Match": etag])
            #expect(updated.status == 200)
            #expect(updated["version"] as? Int == 2)
            let again = try await api.send(.put, item, key: world.systemKey, json: update, headers: ["If-Match": etag])
            #expect(again.status == 412, "the first version's ETag is stale now")

            let versions = try await api.send(.get, "\(item)/versions", key: world.systemKey)
            #expect(versions.items.map { ($0["record"] as! [String: Any])["title"] as! String } == ["Algorithms", "Algorithms (honours)"])

            let deleteWithoutReason = try await api.send(.delete, item, key: world.systemKey, headers: ["If-Match": updated.headers[.eTag]!])
            #expect(deleteWithoutReason.status == 400)
            let deleted = try await api.send(.delete, "\(item)?reason=entered%20twice", key: world.systemKey,
                                             headers: ["If-Match": updated.headers[.eTag]!])
            #expect(deleted.status == 200)
            #expect((deleted["deletion"] as? [String: Any])?["reason"] as? String == "entered twice")
            let list = try await api.send(.get, "/api/v1/learners/\(learner)/experiences", key: world.systemKey)
            #expect(list.items.isEmpty)
            let withTombstones = try await api.send(.get, "/api/v1/learners/\(learner)/experiences?includeDeleted=true", key: world.systemKey)
            #expect(withTombstones.items.count == 1)
        }
    }

    @Test("an Idempotency-Key replays the first response and refuses a different request", arguments: TestEngine.available)
    func idempotency(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let path = "/api/v1/learners/\(learner)/experiences"
            let body = APIHarness.experience(world.organizationId, source: "enr-1")
            let first = try await api.send(.post, path, key: world.systemKey, json: body, headers: ["Idempotency-Key": "k-1"])
            let second = try await api.send(.post, path, key: world.systemKey, json: body, headers: ["Idempotency-Key": "k-1"])
            #expect(first.status == 201)
            #expect(second.status == 201)
            #expect(second.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(first["id"] as? String == second["id"] as? String)
            let other = try await api.send(.post, path, key: world.systemKey,
                                           json: APIHarness.experience(world.organizationId, source: "enr-2"),
                                           headers: ["Idempotency-Key": "k-1"])
            #expect(other.status == 422)
            let duplicateSource = try await api.send(.post, path, key: world.systemKey, json: body)
            #expect(duplicateSource.status == 409)
            let list = try await api.send(.get, path, key: world.systemKey)
            #expect(list.items.count == 1)
        }
    }

    @Test("suspending the agreement, withdrawing consent or revoking the system denies the next call with the rule",
          arguments: TestEngine.available)
    func enforcement(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world(consentRequired: true, extraProfileAgreement: false)
            // Without consent the learner cannot be created: the consent rule names the agreement.
            let refused = try await api.send(.post, "/api/v1/learners", key: world.systemKey, json: ["name": ["display": "A"]])
            #expect(refused.status == 403)
            #expect(refused["rule"] as? String == "consent")
            // The administrator registers the learner and records consent.
            let created = try await api.admin(.post, "/api/v1/learners",
                                              json: ["name": ["display": "Ada"], "organizationId": world.organizationId])
            let learner = created["id"] as! String
            let consent = try await api.admin(.post, "/api/v1/learners/\(learner)/consents", json: ["agreementId": world.agreementId])
            #expect(consent.status == 201)
            let path = "/api/v1/learners/\(learner)/experiences"
            #expect(try await api.send(.get, path, key: world.systemKey).status == 200)

            let withdrawn = try await api.admin(.delete, "/api/v1/learners/\(learner)/consents/\(consent["id"] as! String)")
            #expect(withdrawn["withdrawnAt"] != nil)
            let afterWithdrawal = try await api.send(.get, path, key: world.systemKey)
            #expect(afterWithdrawal.status == 403)
            #expect(afterWithdrawal["rule"] as? String == "consent")
            #expect(afterWithdrawal["agreementId"] as? String == world.agreementId)

            _ = try await api.admin(.post, "/api/v1/learners/\(learner)/consents", json: ["agreementId": world.agreementId])
            #expect(try await api.send(.get, path, key: world.systemKey).status == 200)
            let agreement = try await api.admin(.get, "/api/v1/agreements/\(world.agreementId)")
            let suspended = try await api.admin(.patch, "/api/v1/agreements/\(world.agreementId)", json: ["status": "suspended"],
                                                headers: ["If-Match": agreement.headers[.eTag]!])
            #expect(suspended.status == 200)
            let afterSuspension = try await api.send(.get, path, key: world.systemKey)
            #expect(afterSuspension.status == 403)
            #expect(afterSuspension["rule"] as? String == "status")

            let profile = try await api.send(.get, "/api/v1/learners/\(learner)/profile", key: world.systemKey)
            #expect(profile.status == 403)
            #expect(profile["rule"] as? String == "category")

            let revoked = try await api.admin(.post, "/api/v1/systems/\(world.systemId)/revoke")
            #expect(revoked.status == 200)
            let afterRevocation = try await api.send(.get, path, key: world.systemKey)
            #expect(afterRevocation.status == 401)

            let log = try await api.admin(.get, "/api/v1/learners/\(learner)/access-log?limit=200")
            let denials = log.items.filter { $0["outcome"] as? String == "denied" }
            #expect(denials.map { $0["reason"] as! String }.map { $0.split(separator: ":")[0] } == ["consent", "status", "category"])
        }
    }

    @Test("terminated agreements cannot be reactivated", arguments: TestEngine.available)
    func agreementLifecycle(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            var etag = try await api.admin(.get, "/api/v1/agreements/\(world.agreementId)").headers[.eTag]!
            let terminated = try await api.admin(.patch, "/api/v1/agreements/\(world.agreementId)", json: ["status": "terminated"],
                                                 headers: ["If-Match": etag])
            #expect(terminated.status == 200)
            etag = terminated.headers[.eTag]!
            let reactivated = try await api.admin(.patch, "/api/v1/agreements/\(world.agreementId)", json: ["status": "active"],
                                                  headers: ["If-Match": etag])
            #expect(reactivated.status == 422)
            #expect((reactivated["errors"] as? [[String: String]])?.first?["field"] == "status")
        }
    }

    @Test("records and profiles can be read as they stood at an earlier time", arguments: TestEngine.available)
    func asOf(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date(timeIntervalSince1970: 1_790_000_000))
        try await APIHarness.run(engine, clock: { clock.now }) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            clock.advance(60)
            let created = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                             json: APIHarness.experience(world.organizationId, source: "enr-1", credits: 3))
            clock.advance(60)
            let before = APIJSONTime.format(clock.now)
            clock.advance(60)
            _ = try await api.send(.put, "/api/v1/learners/\(learner)/experiences/\(created["id"] as! String)", key: world.systemKey,
                                   json: APIHarness.experience(world.organizationId, source: "enr-1", credits: 6),
                                   headers: ["If-Match": created.headers[.eTag]!])
            let now = try await api.send(.get, "/api/v1/learners/\(learner)/profile", key: world.systemKey)
            let then = try await api.send(.get, "/api/v1/learners/\(learner)/profile?asOf=\(before)", key: world.systemKey)
            #expect((now["totalCredits"] as! [String: Any])["value"] as? Double == 6)
            #expect((then["totalCredits"] as! [String: Any])["value"] as? Double == 3)
        }
    }
}

extension LearnerAPITests {
    @Test("competency assertions must name a defined competency, and the profile reports the best level",
          arguments: TestEngine.available)
    func competencies(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let path = "/api/v1/learners/\(learner)/competencies"
            func assertion(_ competencyId: String, level: Double, source: String) -> [String: Any] {
                ["record": ["competencyId": competencyId, "organizationId": world.organizationId, "level": level,
                            "levelMaximum": 5, "evidence": [["url": "https://portfolio.example/\(source)"]]],
                 "provenance": ["sourceRecordId": source]]
            }
            let unknown = try await api.send(.post, path, key: world.systemKey, json: assertion("cmp_unknown", level: 3, source: "a-0"))
            #expect(unknown.status == 422)
            #expect((unknown["errors"] as? [[String: String]])?.first?["field"] == "record.competencyId")

            let competency = try await api.admin(.post, "/api/v1/competencies",
                                                 json: ["name": "Data analysis", "organizationId": world.organizationId,
                                                        "framework": "Riverside Core Skills",
                                                        "caseItemURI": "https://case.example/uri/0f1e"])
            #expect(competency.status == 201)
            let id = competency["id"] as! String
            #expect(try await api.send(.post, path, key: world.systemKey, json: assertion(id, level: 2, source: "a-1")).status == 201)
            #expect(try await api.send(.post, path, key: world.systemKey, json: assertion(id, level: 4, source: "a-2")).status == 201)
            let profile = try await api.send(.get, "/api/v1/learners/\(learner)/profile", key: world.systemKey)
            let summary = (profile["competencies"] as! [[String: Any]])[0]["value"] as! [String: Any]
            #expect(summary["bestLevel"] as? Double == 4)
            #expect(summary["evidenceCount"] as? Int == 2)
            let listed = try await api.send(.get, "/api/v1/competencies", key: world.systemKey)
            #expect(listed.items.map { $0["id"] as? String } == [id])
        }
    }
}

enum APIJSONTime {
    static func format(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}
