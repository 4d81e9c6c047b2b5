import Foundation
import HTTPTypes
import Testing
import VitaAPI
import VitaCore
import VitaStorage
import VitaTestSupport

/// `GET /api/v1/changes`: the changes to the records a caller may read, in commit order, from a cursor.
struct ChangeFeedAPITests {
    /// A system of its own organization (an employer's HR system, say) and an agreement making it a consumer of
    /// `provider`'s records in `categories`.
    static func consumer(_ api: APIHarness, provider: String, categories: [String], consentRequired: Bool = false,
                         status: String = "active") async throws -> (systemId: String, key: String, agreementId: String) {
        let organization = try await api.admin(.post, "/api/v1/organizations", json: ["name": "Hillside Employer", "kind": "employer"])
        let system = try await api.admin(.post, "/api/v1/systems", json: [
            "organizationId": organization["id"] as! String, "name": "HR system", "kind": "hr"])
        #expect(system.status == 201, "\(system.string)")
        let systemId = try #require((system["system"] as? [String: Any])?["id"] as? String)
        let agreement = try await api.admin(.post, "/api/v1/agreements", json: [
            "providerOrganizationId": provider, "consumerSystemId": systemId, "categories": categories,
            "permissions": ["read"], "purpose": "Hiring checks", "consentRequired": consentRequired, "status": status])
        #expect(agreement.status == 201, "\(agreement.string)")
        return (systemId, try #require(system["apiKey"] as? String), try #require(agreement["id"] as? String))
    }

    /// Every page of the feed from `cursor` until it is caught up: the changes and the cursor to continue from.
    static func drain(_ api: APIHarness, key: String, from cursor: String? = nil, query: String = "limit=2",
                      sourceLocation: SourceLocation = #_sourceLocation) async throws -> (items: [[String: Any]], cursor: String) {
        var items: [[String: Any]] = []
        var cursor = cursor
        for _ in 0 ..< 100 {
            let page = try await api.send(.get, "/api/v1/changes?\(query)" + (cursor.map { "&cursor=\($0)" } ?? ""), key: key,
                                          sourceLocation: sourceLocation)
            #expect(page.status == 200, "\(page.string)", sourceLocation: sourceLocation)
            items += page.items
            cursor = try #require(page["cursor"] as? String, sourceLocation: sourceLocation)
            if page["caughtUp"] as? Bool == true { return (items, cursor!) }
        }
        Issue.record("the feed never caught up", sourceLocation: sourceLocation)
        return (items, cursor ?? "")
    }

    static func summary(_ items: [[String: Any]]) -> [String] {
        items.map { item in
            let record = item["record"] as? [String: Any] ?? [:]
            return "\(item["kind"] as? String ?? "?") \(record["category"] as? String ?? "?") v\(record["version"] as? Int ?? 0)"
        }
    }

    @Test("every record write appears once, in commit order, with the version it stored; pages continue from their cursor and a caught-up feed picks up later writes",
          arguments: TestEngine.available)
    func changesInCommitOrder(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let base = "/api/v1/learners/\(learner)/experiences"
            let created = try await api.send(.post, base, key: world.systemKey,
                                             json: APIHarness.experience(world.organizationId, source: "enr-1"))
            let item = "\(base)/\(created["id"] as! String)"
            let updated = try await api.send(.put, item, key: world.systemKey,
                                             json: APIHarness.experience(world.organizationId, source: "enr-1", credits: 5),
                                             headers: ["If-Match": try #require(created.headers[.eTag])])
            #expect(updated.status == 200, "\(updated.string)")
            let deleted = try await api.send(.delete, "\(item)?reason=entered%20in%20error", key: world.systemKey,
                                             headers: ["If-Match": try #require(updated.headers[.eTag])])
            #expect(deleted.status == 200, "\(deleted.string)")
            let employment = try await api.send(.post, "/api/v1/learners/\(learner)/employment", key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "title": "Teaching assistant", "startDate": "2025-09-01"],
                "provenance": ["sourceRecordId": "job-1"]])
            #expect(employment.status == 201, "\(employment.string)")

            let (items, cursor) = try await Self.drain(api, key: world.systemKey)
            #expect(Self.summary(items) == ["created experiences v1", "updated experiences v2", "deleted experiences v3",
                                            "created employment v1"])
            let sequences = items.compactMap { ($0["sequence"] as? NSNumber)?.int64Value }
            #expect(sequences.count == 4 && sequences == sequences.sorted() && Set(sequences).count == 4)
            let bodies = items.map { ($0["record"] as? [String: Any])?["record"] as? [String: Any] }
            #expect(bodies[0]?["credits"] as? Double == 4 && bodies[1]?["credits"] as? Double == 5)
            #expect(bodies[2] == nil)
            #expect((items[2]["record"] as? [String: Any])?["deletion"] as? [String: Any] != nil)
            #expect((items[0]["record"] as? [String: Any])?["id"] as? String == created["id"] as? String)

            // Caught up: the same cursor again shows nothing; a later write shows after it.
            let again = try await api.send(.get, "/api/v1/changes?cursor=\(cursor)", key: world.systemKey)
            #expect(again.items.isEmpty && again["caughtUp"] as? Bool == true && again["cursor"] as? String == cursor)
            let later = try await api.send(.post, base, key: world.systemKey,
                                           json: APIHarness.experience(world.organizationId, source: "enr-2", title: "Databases"))
            #expect(later.status == 201)
            let next = try await Self.drain(api, key: world.systemKey, from: cursor)
            #expect(Self.summary(next.items) == ["created experiences v1"])
            #expect(((next.items.first?["record"] as? [String: Any])?["record"] as? [String: Any])?["title"] as? String == "Databases")
            // The administrator reads the same feed, with nothing left out.
            #expect(Self.summary(try await Self.drain(api, key: api.adminKey).items).count == 5)
        }
    }

    @Test("a system sees only the changes its agreements let it read now: the provider's records in the categories granted, with each learner's consent where it is required; the cursor moves past the rest",
          arguments: TestEngine.available)
    func changesUnderAgreements(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let university = try await api.world()
            let college = try await api.world()
            let ada = try await api.learner(key: university.systemKey)
            let alan = try await api.learner(key: college.systemKey)
            for (world, learner, source) in [(university, ada, "u-1"), (college, alan, "c-1"), (university, ada, "u-2")] {
                try await api.recordExperience(world, learner: learner, source: source)
            }
            let job = try await api.send(.post, "/api/v1/learners/\(ada)/employment", key: university.systemKey, json: [
                "record": ["organizationId": university.organizationId, "title": "Tutor", "startDate": "2025-09-01"],
                "provenance": ["sourceRecordId": "job-1"]])
            #expect(job.status == 201)

            // An employer's system reading the university's experiences: two of the four changes, none of the college's.
            let employer = try await Self.consumer(api, provider: university.organizationId, categories: ["experiences"])
            let seen = try await Self.drain(api, key: employer.key, query: "limit=1")
            #expect(Self.summary(seen.items) == ["created experiences v1", "created experiences v1"])
            #expect(seen.items.allSatisfy { ($0["record"] as? [String: Any])?["learnerId"] as? String == ada })
            // Asking for a category no agreement covers is refused, naming the rule.
            let employment = try await api.send(.get, "/api/v1/changes?categories=employment", key: employer.key)
            #expect(employment.status == 403 && employment["rule"] as? String == "category", "\(employment.string)")

            // Consent required: nothing until the learner consents, everything once they do, nothing once withdrawn.
            let careers = try await Self.consumer(api, provider: university.organizationId,
                                                  categories: ["experiences", "employment"], consentRequired: true)
            #expect(try await Self.drain(api, key: careers.key).items.isEmpty)
            let consent = try await api.admin(.post, "/api/v1/learners/\(ada)/consents", json: ["agreementId": careers.agreementId])
            #expect(consent.status == 201, "\(consent.string)")
            let consented = try await Self.drain(api, key: careers.key)
            #expect(Self.summary(consented.items) == ["created experiences v1", "created experiences v1", "created employment v1"])
            let withdrawn = try await api.admin(.delete, "/api/v1/learners/\(ada)/consents/\(consent["id"] as! String)")
            #expect(withdrawn.status == 200)
            #expect(try await Self.drain(api, key: careers.key).items.isEmpty)

            // An agreement not in force, or none at all, refuses the feed naming the rule.
            let draft = try await Self.consumer(api, provider: university.organizationId, categories: ["experiences"], status: "draft")
            let refused = try await api.send(.get, "/api/v1/changes", key: draft.key)
            #expect(refused.status == 403 && refused["rule"] as? String == "status" && refused["agreementId"] as? String == draft.agreementId)
            let stranger = try await api.admin(.post, "/api/v1/systems", json: [
                "organizationId": college.organizationId, "name": "Library", "kind": "other"])
            let none = try await api.send(.get, "/api/v1/changes", key: try #require(stranger["apiKey"] as? String))
            #expect(none.status == 403 && none["rule"] as? String == "no-agreement", "\(none.string)")
        }
    }

    @Test("a page looks at no more than limit × 20 changes: a scope that keeps few of them pages through the rest with empty pages that are not caught up, and misses nothing",
          arguments: TestEngine.available)
    func sparseScopesPageThroughWindows(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let university = try await api.world()
            let college = try await api.world()
            let ada = try await api.learner(key: university.systemKey)
            let alan = try await api.learner(key: college.systemKey)
            for index in 0..<45 { try await api.recordExperience(college, learner: alan, source: "c-\(index)") }
            try await api.recordExperience(university, learner: ada, source: "u-1")
            let employer = try await Self.consumer(api, provider: university.organizationId, categories: ["experiences"])
            var pages: [(count: Int, caughtUp: Bool)] = []
            var cursor: String?
            repeat {
                let page = try await api.send(.get, "/api/v1/changes?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""), key: employer.key)
                #expect(page.status == 200, "\(page.string)")
                pages.append((page.items.count, page["caughtUp"] as? Bool ?? true))
                cursor = page["cursor"] as? String
            } while pages.last?.caughtUp == false && pages.count < 10
            // The 45 changes of the college's records, then the university's: 20, 20 and 6 numbers looked at.
            #expect(pages.map(\.count) == [0, 0, 1] || pages.map(\.count) == [0, 0, 1, 0], "\(pages)")
            #expect(pages.last?.caughtUp == true)
            #expect(pages.dropLast().allSatisfy { !$0.caughtUp })
        }
    }

    @Test("an erasure appears as an erased change for each of the learner's records, and no change shows an erased body any more",
          arguments: TestEngine.available)
    func erasureInTheFeed(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            for source in ["enr-1", "enr-2"] {
                try await api.recordExperience(world, learner: learner, source: source)
            }
            let before = try await Self.drain(api, key: world.systemKey)
            #expect(before.items.allSatisfy { ($0["record"] as? [String: Any])?["record"] is [String: Any] })
            let erased = try await api.admin(.delete, "/api/v1/learners/\(learner)", json: ["reason": "the learner asked"])
            #expect(erased.status == 200, "\(erased.string)")

            let after = try await Self.drain(api, key: world.systemKey, from: before.cursor)
            #expect(Self.summary(after.items) == ["erased experiences v1", "erased experiences v1"])
            #expect(Set(after.items.compactMap { ($0["record"] as? [String: Any])?["id"] as? String })
                == Set(before.items.compactMap { ($0["record"] as? [String: Any])?["id"] as? String }))
            let everything = try await Self.drain(api, key: world.systemKey)
            #expect(everything.items.count == 4)
            #expect(everything.items.allSatisfy { item in
                let record = item["record"] as? [String: Any]
                return record?["record"] == nil && (record?["deletion"] as? [String: Any])?["reason"] as? String == "the learner asked"
            })
        }
    }

    @Test("each page is audited with one entry per learner it shows (in the learner's access log, under the agreement); a refused page is audited as a denial",
          arguments: TestEngine.available)
    func pagesAreAudited(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let ada = try await api.learner(key: world.systemKey)
            let alan = try await api.learner(key: world.systemKey)
            for (learner, source) in [(ada, "a-1"), (alan, "b-1"), (ada, "a-2")] {
                try await api.recordExperience(world, learner: learner, source: source)
            }
            let employer = try await Self.consumer(api, provider: world.organizationId, categories: ["experiences"])
            let page = try await api.send(.get, "/api/v1/changes", key: employer.key)
            #expect(page.items.count == 3)
            for learner in [ada, alan] {
                let log = try await api.admin(.get, "/api/v1/learners/\(learner)/access-log")
                let reads = log.items.filter { $0["action"] as? String == "changes.read" }
                #expect(reads.count == 1, "\(learner): \(log.string)")
                #expect((reads.first?["actor"] as? [String: Any])?["id"] as? String == employer.systemId)
                #expect(reads.first?["agreementId"] as? String == employer.agreementId)
                #expect(reads.first?["categories"] as? [String] == ["experiences"])
                #expect(reads.first?["outcome"] as? String == "allowed")
            }
            // A caught-up page shows no learner's data and writes no entry about anyone.
            let caughtUp = try await api.send(.get, "/api/v1/changes?cursor=\(page["cursor"] as! String)", key: employer.key)
            #expect(caughtUp.items.isEmpty)
            let log = try await api.admin(.get, "/api/v1/learners/\(ada)/access-log")
            #expect(log.items.filter { $0["action"] as? String == "changes.read" }.count == 1)

            let refused = try await api.send(.get, "/api/v1/changes?categories=employment", key: employer.key)
            #expect(refused.status == 403)
            let audit = try await api.admin(.get, "/api/v1/audit?limit=200")
            let denial = audit.items.last { $0["action"] as? String == "changes.read" && $0["outcome"] as? String == "denied" }
            #expect((denial?["actor"] as? [String: Any])?["id"] as? String == employer.systemId, "\(audit.string.suffix(600))")
            #expect((denial?["reason"] as? String)?.hasPrefix("category:") == true)
            #expect(try await api.admin(.get, "/api/v1/audit/verification")["intact"] as? Bool == true)
        }
    }

    @Test("a malformed cursor, limit or category list is 400 naming the parameter; an access token reads only the categories its scopes cover",
          arguments: TestEngine.available)
    func badQueriesAndScopes(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            try await api.recordExperience(world, learner: learner, source: "enr-1")
            for (query, field) in [("cursor=not-a-cursor", "cursor"), ("limit=0", "limit"), ("limit=201", "limit"),
                                   ("categories=profile", "categories"), ("categories=", "categories"),
                                   ("categories=experiences,experiences", "categories"), ("categories=Experiences", "categories")] {
                let reply = try await api.send(.get, "/api/v1/changes?\(query)", key: world.systemKey)
                #expect(reply.status == 400, "\(query): \(reply.string)")
                #expect(reply.contentType == "application/problem+json")
                let errors = reply["errors"] as? [[String: Any]] ?? []
                #expect(errors.contains { $0["field"] as? String == field }, "\(query): \(reply.string)")
            }
            // A cursor of another list is not one of the feed.
            let learners = try await api.admin(.get, "/api/v1/learners?limit=1")
            if let other = learners["nextCursor"] as? String {
                #expect(try await api.send(.get, "/api/v1/changes?cursor=\(other)", key: world.systemKey).status == 400)
            }

            let employmentOnly = try await AccessControlMatrixTests.systemToken(api, systemId: world.systemId,
                                                                                scope: "vita:employment:read").token
            let narrowed = try await api.send(.get, "/api/v1/changes", key: employmentOnly)
            #expect(narrowed.status == 200 && narrowed.items.isEmpty, "\(narrowed.string)")
            let experiences = try await AccessControlMatrixTests.systemToken(api, systemId: world.systemId,
                                                                             scope: "vita:experiences:read").token
            let read = try await api.send(.get, "/api/v1/changes", key: experiences)
            #expect(read.status == 200 && read.items.count == 1, "\(read.string)")
            let outside = try await api.send(.get, "/api/v1/changes?categories=employment", key: experiences)
            #expect(outside.status == 403 && outside["rule"] as? String == "insufficient_scope", "\(outside.string)")
        }
    }
}
