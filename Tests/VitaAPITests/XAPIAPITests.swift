import Foundation
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

struct XAPIAPITests {
    static func statement(_ learner: String, _ verb: String, _ activity: String, id: String? = nil, name: String? = nil,
                          score: [String: Any]? = nil, timestamp: String? = nil) -> [String: Any] {
        var object: [String: Any] = ["objectType": "Activity", "id": activity]
        if let name {
            object["definition"] = ["name": ["en-US": name], "type": "http://adlnet.gov/expapi/activities/course"]
        }
        var statement: [String: Any] = [
            "actor": ["objectType": "Agent", "account": ["homePage": "https://lms.example", "name": learner]],
            "verb": ["id": "http://adlnet.gov/expapi/verbs/\(verb)", "display": ["en-US": verb]],
            "object": object,
        ]
        if let id { statement["id"] = id }
        if let score { statement["result"] = ["score": score] }
        if let timestamp { statement["timestamp"] = timestamp }
        return statement
    }

    static func outcomes(_ reply: Reply) -> [String] {
        (reply["results"] as? [[String: Any]] ?? []).map { $0["outcome"] as? String ?? "?" }
    }

    @Test("an LMS's statements become the learner's experiences and competencies with the statement as provenance, issued as a CLR that verifies: later statements are versions, repeats change nothing, older ones do not overwrite, other verbs are ignored, unknown learners and CASE items are refused",
          arguments: TestEngine.available)
    func statementsBecomeRecords(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            // An e-mail identifier, so that the credentials issued at the end can name the learner.
            let learner = try await api.send(.post, "/api/v1/learners", key: world.systemKey, json: [
                "name": ["display": "Ada Lovelace"], "identifiers": [["scheme": "email", "value": "ada@example.edu"]]])
            let learnerId = try #require(learner["id"] as? String, "\(learner.string)")
            let competency = try await api.admin(.post, "/api/v1/competencies", json: [
                "organizationId": world.organizationId, "name": "Sorting algorithms", "framework": "CS Skills",
                "caseItemURI": "https://case.example/uri/sorting"])
            #expect(competency.status == 201, "\(competency.string)")
            // The system's own id for a learner it imported (`vita import`) names that learner too.
            let imported = try await RecordImporter(database: api.database).apply([Data(
                #"{"type":"learner","systemId":"\#(world.systemId)","sourceId":"S-2002","learner":{"name":{"display":"Grace Hopper"}}}"#.utf8)])
            #expect(imported == [.created])
            let course = "https://lms.example/courses/cs101"
            let completedId = "0d5b6a3c-1f2e-4a7b-9c8d-000000000001"
            let passedId = "0d5b6a3c-1f2e-4a7b-9c8d-000000000002"
            let batch: [[String: Any]] = [
                Self.statement(learnerId, "completed", course, id: completedId, name: "Algorithms", timestamp: "2026-05-01T10:00:00Z"),
                Self.statement(learnerId, "passed", course, id: passedId, name: "Algorithms",
                               score: ["raw": 87, "max": 100], timestamp: "2026-05-10T10:00:00Z"),
                Self.statement(learnerId, "attempted", course),
                Self.statement("S-2002", "completed", "https://lms.example/courses/cs102", name: "Data Structures",
                               timestamp: "2026-05-11T10:00:00Z"),
                Self.statement("nobody-known", "completed", course),
                Self.statement(learnerId, "mastered", "https://case.example/uri/sorting", score: ["scaled": 0.9],
                               timestamp: "2026-05-12T10:00:00Z"),
                Self.statement(learnerId, "mastered", "https://case.example/uri/unknown"),
                ["actor": ["mbox": "mailto:ada@example.org"], "verb": ["id": "http://adlnet.gov/expapi/verbs/completed"],
                 "object": ["id": course]],
            ]
            let reply = try await api.send(.post, "/api/v1/xapi/statements", key: world.systemKey, json: batch,
                                           headers: ["X-Experience-API-Version": "1.0.3"])
            #expect(reply.status == 200, "\(reply.string)")
            #expect(Self.outcomes(reply) == ["created", "updated", "ignored", "created", "rejected", "created", "rejected", "rejected"])
            let results = reply["results"] as? [[String: Any]] ?? []
            #expect(results[4]["field"] as? String == "actor.account.name")
            #expect(results[6]["field"] as? String == "object.id")
            #expect(results[7]["field"] as? String == "actor")
            #expect(results[0]["recordId"] as? String == results[1]["recordId"] as? String, "one record per learner and activity")

            let experiences = try await api.send(.get, "/api/v1/learners/\(learnerId)/experiences", key: world.systemKey).items
            #expect(experiences.count == 1)
            let record = try #require(experiences.first)
            #expect(record["version"] as? Int == 2)
            let body = try #require(record["record"] as? [String: Any])
            #expect(body["title"] as? String == "Algorithms" && body["status"] as? String == "completed")
            #expect((body["result"] as? [String: Any])?["score"] as? Double == 87)
            let provenance = try #require(record["provenance"] as? [String: Any])
            #expect(provenance["rawDataURI"] as? String == "urn:uuid:\(passedId)")
            #expect(provenance["systemId"] as? String == world.systemId)
            #expect((provenance["rawDigest"] as? String)?.hasPrefix("sha256:") == true)

            // The same statements again change nothing; the earlier statement alone does not overwrite the later one.
            let again = try await api.send(.post, "/api/v1/xapi/statements", key: world.systemKey, json: Array(batch.prefix(2)))
            #expect(Self.outcomes(again) == ["superseded", "unchanged"])
            let profile = try await api.send(.get, "/api/v1/learners/\(learnerId)/profile", key: world.systemKey)
            let competencyId = try #require(competency["id"] as? String)
            #expect(profile.string.contains(competencyId), "the profile counts the demonstrated competency")
            let competencies = try await api.send(.get, "/api/v1/learners/\(learnerId)/competencies", key: world.systemKey).items
            let assertion = try #require(competencies.first?["record"] as? [String: Any])
            #expect(assertion["level"] as? Double == 0.9 && assertion["levelMaximum"] as? Double == 1)

            // The end of the pipeline: what the statements recorded, issued as a signed CLR that verifies.
            #expect(try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys").status == 201)
            let clr = try await api.send(.post, "/api/v1/learners/\(learnerId)/clr", key: world.systemKey,
                                         json: ["name": "Learning platform transcript"])
            #expect(clr.status == 201, "\(clr.string)")
            #expect(clr["included"] as? Int == 2, "the experience (one record, two versions) and the competency")
            let credential = try #require(clr["verifiableCredential"] as? [String: Any])
            let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
            #expect(verified["verified"] as? Bool == true, "\(verified.string.prefix(300))")
            #expect(try await api.database.verifyAuditChain().firstBreak == nil)
        }
    }

    @Test("statements are written under the agreements (a category without write is denied per statement, with the rule), only by a connected system, and a body that is not statements is a 400",
          arguments: TestEngine.available)
    func agreementsAndCallers(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world(categories: ["experiences"], permissions: ["read", "write"])
            let learnerId = try await api.learner(key: world.systemKey)
            let competency = try await api.admin(.post, "/api/v1/competencies", json: [
                "organizationId": world.organizationId, "name": "Sorting", "caseItemURI": "https://case.example/uri/sorting"])
            #expect(competency.status == 201)
            let reply = try await api.send(.post, "/api/v1/xapi/statements", key: world.systemKey, json: [
                Self.statement(learnerId, "completed", "https://lms.example/courses/cs101"),
                Self.statement(learnerId, "mastered", "https://case.example/uri/sorting"),
            ])
            #expect(Self.outcomes(reply) == ["created", "denied"], "\(reply.string)")
            let denied = (reply["results"] as? [[String: Any]])?.last
            #expect((denied?["reason"] as? String)?.isEmpty == false && (denied?["rule"] as? String)?.isEmpty == false,
                    "\(reply.string)")
            let audit = try await api.admin(.get, "/api/v1/audit?limit=200").items
            #expect(audit.contains { $0["action"] as? String == "xapi.statement" && $0["outcome"] as? String == "denied" })

            // A source id the system gave another learner's record through the record API is never taken over.
            let other = try await api.learner(key: world.systemKey)
            let taken = "https://lms.example/courses/taken"
            let planted = try await api.send(.post, "/api/v1/learners/\(other)/experiences", key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "kind": "course", "title": "Planted", "status": "completed"],
                "provenance": ["sourceRecordId": "xapi:experiences:\(learnerId):\(taken)"]])
            #expect(planted.status == 201, "\(planted.string)")
            let conflict = try await api.send(.post, "/api/v1/xapi/statements", key: world.systemKey,
                                              json: Self.statement(learnerId, "completed", taken))
            #expect(Self.outcomes(conflict) == ["rejected"], "\(conflict.string)")
            #expect((conflict["results"] as? [[String: Any]])?.first?["field"] as? String == "object.id")
            let otherExperiences = try await api.send(.get, "/api/v1/learners/\(other)/experiences", key: world.systemKey).items
            #expect(otherExperiences.first?["version"] as? Int == 1, "the other learner's record is untouched")

            let asAdmin = try await api.admin(.post, "/api/v1/xapi/statements",
                                              json: Self.statement(learnerId, "completed", "https://lms.example/c"))
            #expect(asAdmin.status == 403)
            for (raw, field) in [("[]", "body"), ("{", "body"), ("42", "body")] {
                let bad = try await api.send(.post, "/api/v1/xapi/statements", key: world.systemKey, raw: raw)
                #expect(bad.status == 400, "\(raw): \(bad.string)")
                #expect((bad["errors"] as? [[String: Any]])?.first?["field"] as? String == field)
            }
            let version = try await api.send(.post, "/api/v1/xapi/statements", key: world.systemKey,
                                             json: Self.statement(learnerId, "completed", "https://lms.example/c"),
                                             headers: ["X-Experience-API-Version": "0.95"])
            #expect(version.status == 400)
        }
    }

    /// A voiding statement (xAPI Part Two §2.3.2) of the statement `voided`, by an administrator of the platform.
    static func voiding(_ voided: String, id: String? = nil) -> [String: Any] {
        var statement: [String: Any] = [
            "actor": ["objectType": "Agent", "mbox": "mailto:registrar@lms.example"],
            "verb": ["id": "http://adlnet.gov/expapi/verbs/voided", "display": ["en-US": "voided"]],
            "object": ["objectType": "StatementRef", "id": voided],
        ]
        if let id { statement["id"] = id }
        return statement
    }

    @Test("a voided statement is taken back: the record goes back to the newest statement still standing, or is deleted with none left; the profile follows; a voided statement sent later records nothing; voiding again changes nothing",
          arguments: TestEngine.available)
    func voiding(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learnerId = try await api.learner(key: world.systemKey)
            let course = "https://lms.example/courses/cs101"
            let completedId = "0d5b6a3c-1f2e-4a7b-9c8d-0000000000a1"
            let passedId = "0d5b6a3c-1f2e-4a7b-9c8d-0000000000a2"
            func send(_ statements: [[String: Any]]) async throws -> Reply {
                try await api.send(.post, "/api/v1/xapi/statements", key: world.systemKey, json: statements)
            }
            func current() async throws -> [String: Any]? {
                try await api.send(.get, "/api/v1/learners/\(learnerId)/experiences", key: world.systemKey).items.first
            }
            let recorded = try await send([
                Self.statement(learnerId, "completed", course, id: completedId, name: "Algorithms", timestamp: "2026-05-01T10:00:00Z"),
                Self.statement(learnerId, "passed", course, id: passedId, name: "Algorithms", score: ["raw": 87, "max": 100],
                               timestamp: "2026-05-10T10:00:00Z"),
            ])
            #expect(Self.outcomes(recorded) == ["created", "updated"])
            let recordId = try #require((recorded["results"] as? [[String: Any]])?.first?["recordId"] as? String)

            // The pass is voided (a wrong grade): the record is the completion again, with its statement's provenance.
            let voided = try await send([Self.voiding(passedId.uppercased())])
            #expect(Self.outcomes(voided) == ["voided"], "\(voided.string)")
            #expect((voided["results"] as? [[String: Any]])?.first?["recordId"] as? String == recordId)
            let back = try #require(try await current())
            #expect(back["version"] as? Int == 3)
            #expect(((back["record"] as? [String: Any])?["result"]) == nil, "the score came with the voided statement")
            #expect((back["provenance"] as? [String: Any])?["rawDataURI"] as? String == "urn:uuid:\(completedId)")
            #expect(Self.outcomes(try await send([Self.voiding(passedId)])) == ["unchanged"], "voiding again changes nothing")
            // The voided statement sent again (a retried batch) records nothing.
            let retried = try await send([Self.statement(learnerId, "passed", course, id: passedId, name: "Algorithms",
                                                         score: ["raw": 87, "max": 100], timestamp: "2026-05-10T10:00:00Z")])
            #expect(Self.outcomes(retried) == ["ignored"] && (retried["results"] as? [[String: Any]])?.first?["field"] as? String == "id")
            #expect(try await current()?["version"] as? Int == 3)

            // The completion voided too: nothing is left, the record is deleted and the profile no longer counts it.
            #expect(Self.outcomes(try await send([Self.voiding(completedId, id: "0d5b6a3c-1f2e-4a7b-9c8d-0000000000a3")])) == ["voided"])
            #expect(try await current() == nil)
            let deleted = try await api.send(.get, "/api/v1/learners/\(learnerId)/experiences?includeDeleted=true", key: world.systemKey).items
            let tombstone = try #require(deleted.first)
            #expect((tombstone["deletion"] as? [String: Any])?["reason"] as? String == "voided: the xAPI statement it came from was voided",
                    "\(tombstone)")
            let profile = try await api.send(.get, "/api/v1/learners/\(learnerId)/profile", key: world.systemKey)
            #expect(!profile.string.contains(recordId), "the profile follows the records")
            // Every version stays readable: the voided statements' versions are history, not erased.
            let history = try await api.send(.get, "/api/v1/learners/\(learnerId)/experiences/\(recordId)/versions", key: world.systemKey)
            #expect(history.items.count == 4, "\(history.string.prefix(300))")

            // A statement voided before it arrives records nothing when it comes.
            let early = "0d5b6a3c-1f2e-4a7b-9c8d-0000000000b1"
            #expect(Self.outcomes(try await send([Self.voiding(early)])) == ["voided"])
            #expect(Self.outcomes(try await send([Self.statement(learnerId, "completed", "https://lms.example/courses/cs102", id: early)]))
                    == ["ignored"])
            // An erased learner's records stay as the erasure left them: a voiding writes no version.
            let erased = try await api.learner(key: world.systemKey)
            let erasedStatement = "0d5b6a3c-1f2e-4a7b-9c8d-0000000000c1"
            let written = try await send([Self.statement(erased, "completed", course, id: erasedStatement, name: "Algorithms")])
            let erasedRecord = try #require((written["results"] as? [[String: Any]])?.first?["recordId"] as? String)
            #expect(try await api.admin(.delete, "/api/v1/learners/\(erased)", json: ["reason": "erasure request"]).status == 200)
            let before = try await api.database.read { try await $0.versions(ofRecord: erasedRecord) }.count
            _ = try await send([Self.voiding(erasedStatement)])
            #expect(try await api.database.read { try await $0.versions(ofRecord: erasedRecord) }.count == before)

            #expect(try await api.database.verifyAuditChain().firstBreak == nil)
            let audit = try await api.admin(.get, "/api/v1/audit?limit=200").items
            #expect(audit.contains { $0["action"] as? String == "xapi.void" && $0["outcome"] as? String != "denied" })
        }
    }
}
