import Foundation
import HTTPTypes
import SQLKit
import Testing
import VitaAPI
import VitaCore
import VitaStorage
import VitaTestSupport

/// What an `Idempotency-Key` leaves in the database: sealed responses, kept for the window, gone with the learner.
struct IdempotencyTests {
    static func storedBodies(_ database: VitaDatabase) async throws -> [String] {
        try await database.withConnection { db in
            try await db.raw("SELECT body FROM idempotency_keys").all().map { try $0.decode(column: "body", as: String.self) }
        }
    }

    @Test("a system's API key shown once is not stored in the clear for a replay, and a replay still shows it",
          arguments: TestEngine.available)
    func secretsAreSealed(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let organization = try await api.admin(.post, "/api/v1/organizations", json: ["name": "Riverside", "kind": "university"])
            let body: [String: Any] = ["organizationId": organization["id"] as! String, "name": "SIS", "kind": "sis"]
            let first = try await api.admin(.post, "/api/v1/systems", json: body, headers: ["Idempotency-Key": "sys-1"])
            let key = try #require(first["apiKey"] as? String)
            let stored = try await Self.storedBodies(api.database)
            #expect(stored.count == 1)
            #expect(!stored[0].contains(key) && !stored[0].contains("vk.") && !stored[0].contains("Riverside") && !stored[0].contains("SIS"),
                    "the stored response is sealed")
            let replay = try await api.admin(.post, "/api/v1/systems", json: body, headers: ["Idempotency-Key": "sys-1"])
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(replay["apiKey"] as? String == key)
            // The key still works: the replay did not make a second system.
            #expect(try await api.send(.get, "/api/v1/learners/lrn_00000000000000000000000000000000/profile", key: key).status != 401)
        }
    }

    @Test("a key is replayed within the window; after it the key may be used again, and the purge deletes the old response",
          arguments: TestEngine.available)
    func windowAndPurge(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        try await APIHarness.run(engine, clock: { clock.now },
                                 options: ServerOptions(rateLimit: .off, signInRateLimit: .off, idempotencyWindow: 600)) { api in
            let body: [String: Any] = ["name": "Riverside", "kind": "university"]
            let first = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "org-1"])
            clock.advance(599)
            let replay = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "org-1"])
            #expect(replay["id"] as? String == first["id"] as? String)
            clock.advance(2)
            let fresh = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "org-1"])
            #expect(fresh.status == 201 && fresh.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(fresh["id"] as? String != first["id"] as? String, "an expired key counts as new")
            #expect(try await Self.storedBodies(api.database).count == 1, "the expired response was replaced")

            clock.advance(300)
            _ = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "org-2"])
            clock.advance(400)
            let purged = try await api.database.transaction {
                try await $0.purgeIdempotentResponses(storedBefore: clock.now.addingTimeInterval(-600))
            }
            #expect(purged == 1, "org-1's response is past the window, org-2's is not")
            #expect(try await Self.storedBodies(api.database).count == 1)
        }
    }

    @Test("erasing a learner deletes the responses stored for writes about them", arguments: TestEngine.available)
    func erasureRemovesStoredResponses(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let created = try await api.send(.post, "/api/v1/learners", key: world.systemKey,
                                             json: ["name": ["given": "Ada", "family": "Lovelace", "display": "Ada Lovelace"]],
                                             headers: ["Idempotency-Key": "lrn-1"])
            let learner = try #require(created["id"] as? String)
            let record = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                            json: APIHarness.experience(world.organizationId, source: "enr-1"),
                                            headers: ["Idempotency-Key": "rec-1"])
            #expect(record.status == 201)
            let before = try await Self.storedBodies(api.database).count
            #expect(try await api.admin(.delete, "/api/v1/learners/\(learner)", json: ["reason": "erasure request"]).status == 200)
            #expect(try await Self.storedBodies(api.database).count == before - 2)
        }
    }

    @Test("a response stored in the clear by an earlier version is still replayed", arguments: TestEngine.available)
    func plaintextResponsesStillReplay(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let body: [String: Any] = ["name": "Riverside", "kind": "university"]
            let first = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "old"])
            let plain = first.string
            try await api.database.withConnection { try await $0.raw("UPDATE idempotency_keys SET body = \(bind: plain)").run() }
            let replay = try await api.admin(.post, "/api/v1/organizations", json: body, headers: ["Idempotency-Key": "old"])
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true" && replay.string == plain)
        }
    }

    /// The operations that answer 201 or 202 without taking `Idempotency-Key`, and why a retry does no harm there.
    static let retriedWithoutKey: [String: String] = [
        "resumeIssuanceJob": "resuming claims the job: a second resume finds it claimed or done",
        "createLearnerAccount": "one account per learner: a retry is 409, and GET .../account reads the first",
        "importMyCredential": "kept by content: the same credential again is 200 with the one already held",
        "claimReceivedOffer": "an offer's code is redeemed once (OpenID4VCI)",
        "obUpsertCredential": "an upsert by the credential's id (1EdTech OB 3.0 API)",
        "clrUpsertCredential": "an upsert by the credential's id (1EdTech CLR 2.0 API)",
        "registerClient": "RFC 7591 registration: each registration is a client of its own",
        "createConnection": "a connection is pending until the learner authorizes it at the platform: an extra one never holds a token",
        "createMyCollection": "the learner's own wallet, through its pages (CSRF) or application: a duplicate is deleted there",
        "createMyShareLink": "the learner's own wallet: each link is a token shown once, revocable on the page",
        "createMyCredentialOffer": "the learner's own wallet: each offer is a code shown once, withdrawable",
        "requestMyErasure": "an erasure request is carried out once, whatever the number of requests",
        "createPresentationRequest": "a verifier's request is a new QR code each time by design",
    ]

    @Test("every operation answering 201 or 202 takes Idempotency-Key, or is listed with the reason a retry does no harm")
    func creationsTakeTheKey() async throws {
        try await TestDatabase.with(.sqlite) { test in
            let api = LearnerAPI(database: test.database, vault: try KeyVault(base64: KeyVault.generateMasterKey()))
            let document = try #require(try JSONSerialization.jsonObject(with: api.openAPIDocument) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var creations: Set<String> = []
            for (_, operations) in paths {
                for (_, operation) in operations {
                    guard let operation = operation as? [String: Any], let id = operation["operationId"] as? String,
                          let responses = operation["responses"] as? [String: Any],
                          responses["201"] != nil || responses["202"] != nil else { continue }
                    creations.insert(id)
                    let names = (operation["parameters"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                    #expect(names.contains("Idempotency-Key") != (Self.retriedWithoutKey[id] != nil),
                            "\(id): takes the key exactly when it is not listed")
                }
            }
            #expect(Set(Self.retriedWithoutKey.keys).isSubset(of: creations), "every listed operation exists")
        }
    }

    @Test("a creation retried with its Idempotency-Key answers the first response and creates nothing more: achievements, staff, issuer keys, endorsements, peers, consents, issuance jobs, badges, CLRs, system OAuth clients, VC-API issuance; the key with another body is 422",
          arguments: TestEngine.available)
    func retriedCreationsCreateOnce(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let diplomas = try await IssuanceJobAPITests.diplomas(api, world, count: 1)
            let row = diplomas.rows[0]
            let organization = "/api/v1/organizations/\(world.organizationId)"
            let creations: [(path: String, key: String, body: [String: Any], count: () async throws -> Int)] = [
                ("/api/v1/achievements", api.adminKey,
                 ["organizationId": world.organizationId, "name": "Capstone", "description": "Capstone", "criteriaNarrative": "Pass"],
                 { try await api.admin(.get, "/api/v1/achievements?limit=200").items.count }),
                ("\(organization)/staff", api.adminKey,
                 ["login": "ada", "password": AccessControlMatrixTests.password, "role": "issuer"],
                 { try await api.admin(.get, "\(organization)/staff?limit=200").items.count }),
                ("\(organization)/keys", api.adminKey, ["type": "p256"],
                 { try await api.admin(.get, "\(organization)/keys?limit=200").items.count }),
                ("\(organization)/endorsements", world.systemKey, ["endorsedId": "https://riverside.example/achievements/cs-230"],
                 { try await api.database.withConnection { db in
                     try await db.raw("SELECT COUNT(DISTINCT credential_id) AS n FROM credential_status").first()!
                         .decode(column: "n", as: Int.self)
                 } }),
                ("/api/v1/peers", api.adminKey, AccessControlTable.peerBody(world.organizationId),
                 { try await api.admin(.get, "/api/v1/peers?limit=200").items.count }),
                ("/api/v1/learners/\(row.learnerId)/consents", api.adminKey, ["agreementId": world.agreementId],
                 { try await api.admin(.get, "/api/v1/learners/\(row.learnerId)/consents?limit=200").items.count }),
                // Before the job, whose background issuance would add a badge of its own.
                ("/api/v1/learners/\(row.learnerId)/credentials/\(row.recordId)/badges", world.systemKey,
                 ["achievementId": diplomas.achievementId],
                 { try await api.send(.get, "/api/v1/learners/\(row.learnerId)/badges?limit=200", key: world.systemKey).items.count }),
                ("\(organization)/issuance-jobs", api.adminKey,
                 ["csv": "achievement_id,learner_id,record_id\n\(diplomas.achievementId),\(row.learnerId),\(row.recordId)\n"],
                 { try await api.admin(.get, "\(organization)/issuance-jobs?limit=200").items.count }),
                ("/api/v1/learners/\(row.learnerId)/clr", world.systemKey, ["name": "Transcript"],
                 { try await api.send(.get, "/api/v1/learners/\(row.learnerId)/clrs?limit=200", key: world.systemKey).items.count }),
                ("/credentials/issue", world.systemKey, ["credential": CredentialAPITests.credential()],
                 { try await api.database.withConnection { db in
                     try await db.raw("SELECT COUNT(DISTINCT credential_id) AS n FROM credential_status").first()!
                         .decode(column: "n", as: Int.self)
                 } }),
                ("/api/v1/systems/\(world.systemId)/oauth-clients", api.adminKey, ["scope": "vita:employment:read"],
                 { try await api.admin(.get, "/api/v1/oauth-clients?limit=200").items.count }),
            ]
            for (index, creation) in creations.enumerated() {
                let before = try await creation.count()
                let first = try await api.send(.post, creation.path, key: creation.key, json: creation.body,
                                               headers: ["Idempotency-Key": "retry-\(index)"])
                #expect([201, 202].contains(first.status), "\(creation.path): \(first.string)")
                let again = try await api.send(.post, creation.path, key: creation.key, json: creation.body,
                                               headers: ["Idempotency-Key": "retry-\(index)"])
                #expect(again.status == first.status && again.string == first.string, "\(creation.path): the first answer")
                #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true", "\(creation.path)")
                #expect(again.headers[.location] == first.headers[.location], "\(creation.path)")
                #expect(try await creation.count() == before + 1, "\(creation.path): created once")
            }
            var other = creations[0].body
            other["name"] = "Another capstone"
            let reused = try await api.send(.post, creations[0].path, key: api.adminKey, json: other, headers: ["Idempotency-Key": "retry-0"])
            #expect(reused.status == 422 && reused.string.contains("Idempotency-Key"), "\(reused.string)")
        }
    }
}
