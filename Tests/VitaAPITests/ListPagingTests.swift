import Foundation
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

/// Lists are read a page at a time (`limit`, `cursor`, `nextCursor`): every item once, in the list's order, however
/// the pages fall.
struct ListPagingTests {
    @Test("a record's versions, a learner's consents, the badges and CLRs issued to a learner, an organization's issuance jobs and the open erasure requests are read a page at a time: every item once, in order; a cursor of another list is 400",
          arguments: TestEngine.available)
    func listsPageByCursor(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let diplomas = try await IssuanceJobAPITests.diplomas(api, world, count: 3)
            let learner = diplomas.rows[0].learnerId

            // Three versions of one record.
            let recordPath = "/api/v1/learners/\(learner)/credentials/\(diplomas.rows[0].recordId)"
            for title in ["Diploma (honours)", "Diploma (high honours)"] {
                let current = try await api.send(.get, recordPath, key: world.systemKey)
                let updated = try await api.send(.put, recordPath, key: world.systemKey, json: [
                    "record": ["organizationId": world.organizationId, "kind": "diploma", "title": title, "awardedDate": "2026-06-30"],
                    "provenance": ["sourceRecordId": "d-0"]], headers: ["If-Match": try #require(current.headers[.eTag])])
                #expect(updated.status == 200, "\(updated.string)")
            }
            let versions = try await api.walk(recordPath + "/versions", key: world.systemKey, limit: 2)
            #expect(versions.pages == 2 && versions.items.map { $0["version"] as? Int } == [1, 2, 3], "\(versions.items)")

            // Three badges for the learner's three diplomas.
            for index in 1...2 {
                let record = try await api.send(.post, "/api/v1/learners/\(learner)/credentials", key: world.systemKey, json: [
                    "record": ["organizationId": world.organizationId, "kind": "diploma", "title": "Diploma \(index)",
                               "awardedDate": "2026-06-30"],
                    "provenance": ["sourceRecordId": "extra-\(index)"]])
                #expect(record.status == 201)
            }
            let records = try await api.send(.get, "/api/v1/learners/\(learner)/credentials?limit=200", key: world.systemKey)
            var issued: [String] = []
            for record in records.items {
                let badge = try await api.send(.post, "/api/v1/learners/\(learner)/credentials/\(record["id"] as! String)/badges",
                                               key: world.systemKey, json: ["achievementId": diplomas.achievementId])
                #expect(badge.status == 201, "\(badge.string)")
                issued.append(try #require(badge["id"] as? String))
            }
            let badges = try await api.walk("/api/v1/learners/\(learner)/badges", key: world.systemKey, limit: 2)
            #expect(badges.pages == 2 && badges.items.map { $0["id"] as? String } == issued.sorted(), "\(badges.items.map { $0["id"] })")
            for name in ["Transcript", "Transcript (final)"] {
                let clr = try await api.send(.post, "/api/v1/learners/\(learner)/clr", key: world.systemKey, json: ["name": name])
                #expect(clr.status == 201, "\(clr.string)")
            }
            let clrs = try await api.walk("/api/v1/learners/\(learner)/clrs", key: world.systemKey, limit: 1)
            #expect(clrs.pages == 2 && Set(clrs.items.compactMap { $0["id"] as? String }).count == 2)

            // Three consents, one to each of three agreements.
            for purpose in ["Advising", "Placement", "Alumni"] {
                let agreement = try await api.admin(.post, "/api/v1/agreements", json: [
                    "providerOrganizationId": world.organizationId, "consumerSystemId": world.systemId,
                    "categories": ["employment"], "permissions": ["read"], "purpose": purpose, "consentRequired": true,
                    "status": "active"])
                #expect(try await api.admin(.post, "/api/v1/learners/\(learner)/consents",
                                            json: ["agreementId": agreement["id"] as! String]).status == 201)
            }
            let consents = try await api.walk("/api/v1/learners/\(learner)/consents", key: api.adminKey, limit: 2)
            #expect(consents.pages == 2 && consents.items.count == 3)
            let ids = consents.items.compactMap { $0["id"] as? String }
            #expect(ids == ids.sorted() && Set(ids).count == 3, "oldest first, each once")

            // Three jobs, newest first.
            var jobs: [String] = []
            for row in diplomas.rows {
                let job = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/issuance-jobs", json: [
                    "csv": "achievement_id,learner_id,record_id\n\(diplomas.achievementId),\(row.learnerId),\(row.recordId)\n"])
                #expect(job.status == 202, "\(job.string)")
                jobs.append(try #require(job["id"] as? String))
            }
            let listed = try await api.walk("/api/v1/organizations/\(world.organizationId)/issuance-jobs", key: api.adminKey, limit: 2)
            #expect(listed.pages == 2 && listed.items.map { $0["id"] as? String } == jobs.reversed(), "newest first")

            // Three learners' erasure requests (as `POST /api/v1/me/erasure-requests` stores them), oldest first.
            var requests: [String] = []
            for row in diplomas.rows {
                let request = ErasureRequest(id: EntityID.make("era"), learnerId: row.learnerId, reason: nil, status: "received",
                                             requestedAt: Date(), handledAt: nil)
                try await api.database.transaction { try await $0.insert(request) }
                requests.append(request.id)
            }
            let open = try await api.walk("/api/v1/erasure-requests", key: api.adminKey, limit: 2)
            #expect(open.pages == 2 && open.items.map { $0["id"] as? String } == requests.sorted())

            let wrongList = try await api.send(.get, recordPath + "/versions?cursor=" + (try #require(
                try await api.send(.get, "/api/v1/learners/\(learner)/consents?limit=1", key: api.adminKey)["nextCursor"] as? String)),
                key: world.systemKey)
            #expect(wrongList.status == 400 && wrongList.string.contains("cursor"), "\(wrongList.string)")
        }
    }
}
