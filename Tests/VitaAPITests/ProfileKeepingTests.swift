import Foundation
import Testing
import VitaStorage
import VitaTestSupport

/// Profiles kept from earlier reads must never show anything the records do not: a write, a date change, a different
/// scope of providers and a past `asOf` each get the profile the records give.
struct ProfileKeepingTests {
    @Test("a kept profile is served until a record changes, is per provider scope and per date, and never for asOf",
          arguments: TestEngine.available)
    func keptProfilesFollowTheRecords(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date(timeIntervalSince1970: 1_782_734_400)) // 2026-06-29T12:00:00Z
        try await APIHarness.run(engine, clock: { clock.now }) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let affiliation = try await api.send(.post, "/api/v1/learners/\(learner)/affiliations", key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "role": "student", "startDate": "2023-09-01",
                           "endDate": "2026-06-30"],
                "provenance": ["sourceRecordId": "aff-1"],
            ])
            #expect(affiliation.status == 201)

            func profile(_ key: String, _ query: String = "") async throws -> Reply {
                try await api.send(.get, "/api/v1/learners/\(learner)/profile\(query)", key: key)
            }
            let first = try await profile(world.systemKey)
            let kept = try await api.database.read { try await $0.keptProfile(learnerId: learner, scope: world.organizationId) }
            #expect(kept?.kept?.body == first.string, "the first read keeps what it answered")
            #expect(try await profile(world.systemKey).body == first.body, "the second read answers the kept profile")
            #expect(((first["timeline"] as? [[String: Any]])?.first?["value"] as? [String: Any])?["current"] as? Bool == true)

            // A write (a minute later): the next read shows it.
            clock.advance(60)
            let written = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                             json: APIHarness.experience(world.organizationId, source: "enr-1", credits: 6))
            #expect(written.status == 201)
            let afterWrite = try await profile(world.systemKey)
            #expect((afterWrite["totalCredits"] as? [String: Any])?["value"] as? Double == 6)

            // Another scope: an organization the system may not read gets nothing of this one's records.
            let other = try await api.admin(.post, "/api/v1/organizations", json: ["name": "Harbour College", "kind": "school"])
            let otherId = try #require(other["id"] as? String)
            let system = try await api.admin(.post, "/api/v1/systems",
                                             json: ["organizationId": otherId, "name": "Advising", "kind": "other"])
            let otherKey = try #require(system["apiKey"] as? String)
            let otherSystemId = try #require((system["system"] as? [String: Any])?["id"] as? String)
            _ = try await api.admin(.post, "/api/v1/agreements", json: [
                "providerOrganizationId": otherId, "consumerSystemId": otherSystemId,
                "categories": ["profile"], "permissions": ["read"], "purpose": "Advising", "consentRequired": false,
                "status": "active",
            ])
            let otherView = try await profile(otherKey)
            #expect(otherView.status == 403, "the other organization holds nothing of this learner: \(otherView.string)")
            #expect(otherView["rule"] as? String == "provider")
            // Once it asserts a record, its system sees a profile made of its own records only.
            _ = try await api.admin(.post, "/api/v1/agreements", json: [
                "providerOrganizationId": otherId, "consumerSystemId": otherSystemId, "categories": ["experiences"],
                "permissions": ["write"], "purpose": "Records", "consentRequired": false, "status": "active",
            ])
            let ownRecord = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: otherKey,
                                               json: APIHarness.experience(otherId, source: "h-1", credits: 2))
            #expect(ownRecord.status == 201, "\(ownRecord.string)")
            let ownView = try await profile(otherKey)
            #expect((ownView["totalCredits"] as? [String: Any])?["value"] as? Double == 2)
            #expect(try await profile(world.systemKey).body == afterWrite.body, "each scope keeps its own profile")
            let admin = try await api.admin(.get, "/api/v1/learners/\(learner)/profile")
            #expect((admin["totalCredits"] as? [String: Any])?["value"] as? Double == 8)

            // The next day the affiliation has ended: the kept profile of yesterday is not served.
            clock.advance(2 * 86_400)
            let tomorrow = try await profile(world.systemKey)
            #expect(((tomorrow["timeline"] as? [[String: Any]])?.first?["value"] as? [String: Any])?["current"] as? Bool == false)

            // asOf: the records as they were, computed, and nothing kept for it.
            let past = try await profile(world.systemKey, "?asOf=2026-06-29T12:00:30Z")
            #expect((past["totalCredits"] as? [String: Any])?["value"] as? Double == 0)
            #expect(try await profile(world.systemKey).body == tomorrow.body)
        }
    }

    @Test("a profile computed before a write is not kept after it", arguments: TestEngine.available)
    func staleGenerationIsNotKept(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let api = try await test.database.read { try await $0.keptProfile(learnerId: "lrn_missing", scope: "*") }
            #expect(api == nil, "an unknown learner has no generation")
        }
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let before = try #require(try await api.database.read { try await $0.keptProfile(learnerId: learner, scope: "*") })
            _ = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                   json: APIHarness.experience(world.organizationId, source: "enr-1"))
            try await api.database.transaction {
                try await $0.keep(KeptProfile(referenceDate: "2026-01-01", body: "{}"), learnerId: learner, scope: "*",
                                  generation: before.generation)
            }
            let after = try #require(try await api.database.read { try await $0.keptProfile(learnerId: learner, scope: "*") })
            #expect(after.generation == before.generation + 1)
            #expect(after.kept == nil, "the profile read before the write was not kept")
        }
    }

    @Test("the one-statement access snapshot holds exactly what the separate reads give, and only profiles kept at the current generation",
          arguments: TestEngine.available)
    func accessSnapshotMatchesTheSeparateReads(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world(consentRequired: true)
            let learner = try await api.learner(key: api.adminKey)
            for agreement in try await api.admin(.get, "/api/v1/agreements").items {
                let granted = try await api.admin(.post, "/api/v1/learners/\(learner)/consents",
                                                  json: ["agreementId": agreement["id"] as! String])
                #expect(granted.status == 201, "\(granted.string)")
            }
            _ = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                   json: APIHarness.experience(world.organizationId, source: "enr-1", credits: 3))
            let read = try await api.send(.get, "/api/v1/learners/\(learner)/profile", key: world.systemKey)
            #expect(read.status == 200, "\(read.string)")

            let (snapshot, system, agreements, consents, holders, kept) = try await api.database.read { tx in
                (try await tx.accessSnapshot(systemId: world.systemId, learnerId: learner),
                 try await tx.system(id: world.systemId),
                 try await tx.agreements(consumer: world.systemId), try await tx.consents(learnerId: learner),
                 try await tx.holders(learnerId: learner),
                 try await tx.keptProfile(learnerId: learner, scope: world.organizationId))
            }
            #expect(snapshot.system != nil && snapshot.system == system, "the system with its key hash")
            #expect(!snapshot.agreements.isEmpty && snapshot.agreements == agreements)
            #expect(!snapshot.consents.isEmpty && snapshot.consents == consents)
            #expect(snapshot.holders == holders && holders.contains(world.organizationId))
            #expect(snapshot.generation == kept?.generation)
            #expect(snapshot.keptProfiles[world.organizationId] == kept?.kept)
            #expect(snapshot.keptProfiles[world.organizationId]?.body == read.string, "the read kept what it answered")
            #expect(try await api.send(.get, "/api/v1/learners/\(learner)/profile", key: world.systemKey).body == read.body,
                    "the next read answers the kept profile from the snapshot")

            _ = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                   json: APIHarness.experience(world.organizationId, source: "enr-2", credits: 2))
            let afterWrite = try await api.database.read { try await $0.accessSnapshot(systemId: world.systemId, learnerId: learner) }
            #expect(afterWrite.keptProfiles.isEmpty, "a write leaves no profile kept at the new generation")
            #expect(afterWrite.generation == snapshot.generation.map { $0 + 1 })

            let unknown = try await api.database.read { try await $0.accessSnapshot(systemId: "sys_none", learnerId: "lrn_none") }
            #expect(unknown == AccessSnapshot(system: nil, agreements: [], consents: [], holders: [],
                                              generation: nil, keptProfiles: [:]))
        }
    }

    @Test("a profile read, whose key is checked on the access snapshot, refuses a wrong secret, an unknown system and a revoked key as every route does",
          arguments: TestEngine.available)
    func profileReadChecksTheKey(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: api.adminKey)
            _ = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                   json: APIHarness.experience(world.organizationId, source: "enr-1", credits: 3))
            let path = "/api/v1/learners/\(learner)/profile"
            #expect(try await api.send(.get, path, key: world.systemKey).status == 200)

            var secret = Array(world.systemKey)
            secret[secret.count - 1] = secret[secret.count - 1] == "A" ? "B" : "A"
            let wrongSecret = try await api.send(.get, path, key: String(secret))
            #expect(wrongSecret.status == 401)
            #expect(wrongSecret.headers[.contentType] == "application/problem+json")
            let unknown = world.systemKey.replacingOccurrences(of: world.systemId, with: "sys_00000000000000000000000000000000")
            #expect(try await api.send(.get, path, key: unknown).status == 401)

            #expect(try await api.admin(.post, "/api/v1/systems/\(world.systemId)/revoke").status == 200)
            for read in [path, path + "?asOf=2030-01-01T00:00:00Z"] {
                let revoked = try await api.send(.get, read, key: world.systemKey)
                #expect(revoked.status == 401)
                #expect(revoked["rule"] as? String == "system-revoked")
            }
            let log = try await api.admin(.get, "/api/v1/learners/\(learner)/access-log?limit=200")
            #expect(log.items.filter { $0["action"] as? String == "profile.read" }.count == 1,
                    "only the read with the right key reached the learner's data")
        }
    }
}
