import Foundation
import HTTPTypes
import Testing
import VitaCredentials
import VitaJSON
import VitaTestSupport

/// The learner's wallet API: collections, share links and their openings, imports, consents, export, erasure requests.
struct WalletAPITests {
    static let wallet = ["vita:wallet"]

    /// A learner with a badge and an experience record, and a wallet token; returns the ids the tests use.
    struct Setup {
        let world: APIHarness.World
        let learnerId: String
        let token: String
        let badgeId: String
        let recordId: String
    }

    static func setup(_ api: APIHarness, consentRequired: Bool = false) async throws -> Setup {
        let world = try await api.world(consentRequired: consentRequired)
        _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
        let learnerId = try await OneEdTechAPITests.learner(api, world, key: consentRequired ? api.adminKey : nil)
        if consentRequired {
            for agreement in try await api.admin(.get, "/api/v1/agreements").items {
                _ = try await api.admin(.post, "/api/v1/learners/\(learnerId)/consents", json: ["agreementId": agreement["id"] as! String])
            }
        }
        _ = try await OneEdTechAPITests.badge(api, world, learnerId: learnerId)
        let badges = try await api.send(.get, "/api/v1/learners/\(learnerId)/badges", key: world.systemKey)
        let record = try await api.send(.post, "/api/v1/learners/\(learnerId)/experiences", key: world.systemKey,
                                        json: APIHarness.experience(world.organizationId, source: "enr-1"))
        #expect(record.status == 201, "\(record.string)")
        let token = try await OneEdTechAPITests.token(api, scopes: wallet)
        return Setup(world: world, learnerId: learnerId, token: token,
                     badgeId: try #require(badges.items.first?["id"] as? String), recordId: try #require(record["id"] as? String))
    }

    @Test("a collection shared by a link with a passcode shows each credential verified and each record with its provenance; every opening is the learner's to see; revocation and too many wrong passcodes end the link",
          arguments: TestEngine.available)
    func collectionsAndShareLinks(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let s = try await Self.setup(api)
            let other = try await api.learner(key: s.world.systemKey)
            let foreign = try await api.send(.post, "/api/v1/learners/\(other)/experiences", key: s.world.systemKey,
                                             json: APIHarness.experience(s.world.organizationId, source: "enr-9"))

            let refused = try await api.send(.post, "/api/v1/me/collections", key: s.token, json: [
                "name": "Nursing", "items": [["kind": "record", "id": foreign["id"] as! String]],
            ])
            #expect(refused.status == 422, "another learner's record: \(refused.string)")
            #expect(try await api.send(.post, "/api/v1/me/collections", key: s.token,
                                       json: ["name": "X", "items": [["kind": "diploma", "id": "x"]]]).status == 400)
            #expect(try await api.send(.post, "/api/v1/me/collections", key: s.token,
                                       json: ["name": "", "items": []]).status == 400)

            let created = try await api.send(.post, "/api/v1/me/collections", key: s.token, json: [
                "name": "For my nursing application", "statement": "My degree and my clinical placement",
                "items": [["kind": "issued", "id": s.badgeId], ["kind": "record", "id": s.recordId]],
            ])
            #expect(created.status == 201, "\(created.string)")
            let collectionId = try #require(created["id"] as? String)

            let share = try await api.send(.post, "/api/v1/me/shares", key: s.token,
                                           json: ["collectionId": collectionId, "passcode": "tulip-42"])
            #expect(share.status == 201, "\(share.string)")
            let token = try #require(share["token"] as? String)
            #expect((share["url"] as? String)?.hasSuffix("/s/\(token)") == true)
            #expect((share["qrCodeSVG"] as? String)?.hasPrefix("<svg") == true)
            #expect(share["hasPasscode"] as? Bool == true)

            #expect(try await api.send(.post, "/api/v1/shared/\(token)").status == 403, "no passcode")
            let wrong = try await api.send(.post, "/api/v1/shared/\(token)", json: ["passcode": "tulip-41"])
            #expect(wrong.status == 403)
            #expect((wrong["errors"] as? [[String: String]])?.first?["field"] == "passcode")
            let opened = try await api.send(.post, "/api/v1/shared/\(token)", json: ["passcode": "tulip-42"])
            #expect(opened.status == 200, "\(opened.string)")
            #expect(opened["name"] as? String == "For my nursing application")
            #expect(opened["learnerName"] as? String == "Ada Lovelace")
            let items = try #require(opened["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(items[0]["kind"] as? String == "credential")
            #expect(items[0]["verified"] as? Bool == true)
            #expect(((items[1]["record"] as? [String: Any])?["provenance"] as? [String: Any])?["sourceRecordId"] as? String == "enr-1")
            #expect(try await api.send(.post, "/api/v1/shared/vsh_unknown").status == 404)

            let listed = try await api.send(.get, "/api/v1/me/shares", key: s.token)
            #expect(listed.items.first?["openings"] as? Int == 1)
            #expect(listed.items.first?["refusedOpenings"] as? Int == 2)
            #expect(!listed.string.contains(token), "the token is shown once")
            let shareId = try #require(share["id"] as? String)
            let openings = try await api.send(.get, "/api/v1/me/shares/\(shareId)/openings", key: s.token)
            #expect(openings.items.map { $0["outcome"] as? String } == ["wrong-passcode", "wrong-passcode", "shown"])
            let walked = try await api.walk("/api/v1/me/shares/\(shareId)/openings", key: s.token, limit: 2)
            #expect(walked.pages == 2 && walked.items.map { $0["id"] as? String } == openings.items.map { $0["id"] as? String },
                    "a page at a time, the same openings in the same order")
            let log = try await api.send(.get, "/api/v1/me/access-log?limit=200", key: s.token)
            let opens = log.items.filter { $0["action"] as? String == "share.open" }
            #expect(opens.count == 3)
            #expect(opens.allSatisfy { ($0["actor"] as? [String: Any])?["kind"] as? String == "viewer" })

            // One item, no passcode; then revoked.
            let single = try await api.send(.post, "/api/v1/me/shares", key: s.token,
                                            json: ["item": ["kind": "issued", "id": s.badgeId]])
            let singleToken = try #require(single["token"] as? String)
            #expect((try await api.send(.post, "/api/v1/shared/\(singleToken)")["items"] as? [Any])?.count == 1)
            #expect(try await api.send(.delete, "/api/v1/me/shares/\(single["id"] as! String)", key: s.token).status == 200)
            #expect(try await api.send(.post, "/api/v1/shared/\(singleToken)").status == 410)

            // Ten wrong passcodes in a row lock the link; the right one no longer opens it.
            for _ in 0..<10 {
                _ = try await api.send(.post, "/api/v1/shared/\(token)", json: ["passcode": "guess"])
            }
            #expect(try await api.send(.post, "/api/v1/shared/\(token)", json: ["passcode": "tulip-42"]).status == 410)

            // Deleting the collection ends its links.
            let another = try await api.send(.post, "/api/v1/me/shares", key: s.token, json: ["collectionId": collectionId])
            #expect(try await api.send(.delete, "/api/v1/me/collections/\(collectionId)", key: s.token).status == 204)
            #expect(try await api.send(.post, "/api/v1/shared/\(another["token"] as! String)").status == 410)
            #expect(try await api.send(.post, "/api/v1/me/shares", key: s.token,
                                       json: ["collectionId": collectionId]).status == 404)
        }
    }

    @Test("a share link expires", arguments: TestEngine.available)
    func expiry(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        try await APIHarness.run(engine, clock: { clock.now }) { api in
            let s = try await Self.setup(api)
            let tooLong = try await api.send(.post, "/api/v1/me/shares", key: s.token, json: [
                "item": ["kind": "record", "id": s.recordId],
                "expiresAt": APIJSONTimestamp.format(clock.now.addingTimeInterval(400 * 86_400)),
            ])
            #expect(tooLong.status == 400)
            let share = try await api.send(.post, "/api/v1/me/shares", key: s.token, json: [
                "item": ["kind": "record", "id": s.recordId],
                "expiresAt": APIJSONTimestamp.format(clock.now.addingTimeInterval(3600)),
            ])
            let token = try #require(share["token"] as? String)
            #expect(try await api.send(.post, "/api/v1/shared/\(token)").status == 200)
            clock.advance(3601)
            #expect(try await api.send(.post, "/api/v1/shared/\(token)").status == 410)
        }
    }

    @Test("a collection is changed only with If-Match naming its current ETag: without it 428, with a stale one 412 (nothing changed), with the current one 200 and a new ETag; a read naming the current ETag is 304",
          arguments: TestEngine.available)
    func collectionUpdatesNameTheirVersion(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let s = try await Self.setup(api)
            let created = try await api.send(.post, "/api/v1/me/collections", key: s.token,
                                             json: ["name": "Applications", "items": [["kind": "record", "id": s.recordId]]])
            let path = "/api/v1/me/collections/\(try #require(created["id"] as? String))"
            let read = try await api.send(.get, path, key: s.token)
            let first = try #require(read.headers[.eTag])
            #expect(try await api.send(.get, path, key: s.token, headers: ["If-None-Match": first]).status == 304)
            let renamed: [String: Any] = ["name": "Nursing applications", "items": [["kind": "record", "id": s.recordId]]]
            let missing = try await api.send(.put, path, key: s.token, json: renamed)
            #expect(missing.status == 428 && missing.string.contains("If-Match"), "\(missing.string)")
            let saved = try await api.send(.put, path, key: s.token, json: renamed, headers: ["If-Match": first])
            #expect(saved.status == 200 && saved["name"] as? String == "Nursing applications")
            let second = try #require(saved.headers[.eTag])
            #expect(second != first)
            let stale = try await api.send(.put, path, key: s.token, json: ["name": "Lost", "items": [Any]()], headers: ["If-Match": first])
            #expect(stale.status == 412, "\(stale.string)")
            #expect(try await api.send(.get, path, key: s.token)["name"] as? String == "Nursing applications", "nothing changed")
            #expect(try await api.send(.get, path, key: s.token).headers[.eTag] == second)
        }
    }

    @Test("importing: a JSON credential, the same again, a VC-JWT and a baked PNG are kept with the learner as source; a tampered one, an endorsement and an unknown media type are refused",
          arguments: TestEngine.available)
    func imports(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let s = try await Self.setup(api)
            let json = try #require(try await OneEdTechAPITests.signed(api, s.world, id: "urn:uuid:\(UUID().uuidString.lowercased())",
                                                                       validFrom: "2026-01-01T00:00:00Z") as? [String: Any])
            let first = try await api.send(.post, "/api/v1/me/credentials", key: s.token, json: json)
            #expect(first.status == 201, "\(first.string)")
            #expect((first["source"] as? [String: Any])?["kind"] as? String == "learner")
            #expect(try await api.send(.post, "/api/v1/me/credentials", key: s.token, json: json).status == 200)

            var tampered = json
            tampered["name"] = "Something else"
            let rejected = try await api.send(.post, "/api/v1/me/credentials", key: s.token, json: tampered)
            #expect(rejected.status == 422)
            #expect(rejected.string.contains("proof"))

            let jwt = try #require(try await OneEdTechAPITests.signed(api, s.world, id: "urn:uuid:\(UUID().uuidString.lowercased())",
                                                                      validFrom: "2026-02-01T00:00:00Z", format: "vc-jwt") as? String)
            #expect(try await api.send(.post, "/api/v1/me/credentials", key: s.token, raw: jwt,
                                       headers: ["Content-Type": "text/plain"]).status == 201)

            let baked = try #require(try await OneEdTechAPITests.signed(api, s.world, id: "urn:uuid:\(UUID().uuidString.lowercased())",
                                                                        validFrom: "2026-03-01T00:00:00Z") as? [String: Any])
            let png = try BadgeBaking.bake(.json(try JSONValue(parsing: Array(JSONSerialization.data(withJSONObject: baked)))),
                                           intoPNG: Self.onePixelPNG)
            let image = try await api.client.execute(uri: "/api/v1/me/credentials", method: .post,
                                                     headers: [.authorization: "Bearer \(s.token)", .contentType: "image/png"],
                                                     body: .init(bytes: png)) { Int($0.status.code) }
            #expect(image == 201)

            let endorsement = try await api.admin(.post, "/api/v1/organizations/\(s.world.organizationId)/endorsements",
                                                  json: ["endorsedId": "https://riverside.example/achievements/cs-230"])
            #expect(endorsement.status == 201, "\(endorsement.string)")
            let notABadge = try await api.send(.post, "/api/v1/me/credentials", key: s.token,
                                               json: try #require(endorsement["verifiableCredential"] as? [String: Any]))
            #expect(notABadge.status == 400)
            #expect(try await api.send(.post, "/api/v1/me/credentials", key: s.token, raw: "<x/>",
                                       headers: ["Content-Type": "application/xml"]).status == 415)
            let held = try await api.send(.get, "/api/v1/learners/\(s.learnerId)/held-credentials", key: s.world.systemKey)
            #expect(held.items.count == 3)
            let heldPages = try await api.walk("/api/v1/learners/\(s.learnerId)/held-credentials", key: s.world.systemKey, limit: 2)
            #expect(heldPages.pages == 2 && heldPages.items.count == 3)
            // The wallet's list merges the issued badge and the three held credentials: a page at a time, each once.
            let all = try await api.send(.get, "/api/v1/me/credentials", key: s.token)
            #expect(all.items.compactMap { $0["kind"] as? String }.sorted() == ["held", "held", "held", "issued"])
            for limit in 1...3 {
                let walked = try await api.walk("/api/v1/me/credentials", key: s.token, limit: limit)
                #expect(walked.items.map { $0["id"] as? String } == all.items.map { $0["id"] as? String }, "limit \(limit)")
                #expect(walked.pages == (4 + limit - 1) / limit, "limit \(limit): \(walked.pages) pages")
            }

            let export = try await api.send(.get, "/api/v1/me/export", key: s.token)
            #expect(export.status == 200)
            #expect((export["heldCredentials"] as? [Any])?.count == 3)
            #expect((export["issuedCredentials"] as? [Any])?.count == 1)
            #expect((export["records"] as? [Any])?.count == 2, "the credential record and the experience")
            #expect((export["learner"] as? [String: Any])?["id"] as? String == s.learnerId)
        }
    }

    @Test("the learner sees each consent with its agreement in plain terms and withdraws it; the system's next read is denied",
          arguments: TestEngine.available)
    func consents(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let s = try await Self.setup(api, consentRequired: true)
            #expect(try await api.send(.get, "/api/v1/learners/\(s.learnerId)/experiences", key: s.world.systemKey).status == 200)
            let consents = try await api.send(.get, "/api/v1/me/consents", key: s.token)
            #expect(consents.items.count == 2)
            let experiences = try #require(consents.items.first { ($0["categories"] as? [String])?.contains("experiences") == true })
            #expect(experiences["providerName"] as? String == "Riverside University")
            #expect(experiences["consumerName"] as? String == "Registrar SIS")
            #expect(experiences["purpose"] as? String == "Registrar sync")
            let withdrawn = try await api.send(.delete, "/api/v1/me/consents/\(experiences["id"] as! String)", key: s.token)
            #expect(withdrawn.status == 200, "\(withdrawn.string)")
            let denied = try await api.send(.get, "/api/v1/learners/\(s.learnerId)/experiences", key: s.world.systemKey)
            #expect(denied.status == 403)
            #expect(denied["rule"] as? String == "consent")

            // The access log, newest first, pages backwards through the same entries as oldest first.
            let oldest = try await api.send(.get, "/api/v1/me/access-log?limit=200", key: s.token).items
            var newest: [[String: Any]] = []
            var next: String? = "/api/v1/me/access-log?order=newest&limit=2"
            while let uri = next {
                let page = try await api.send(.get, uri, key: s.token)
                newest += page.items
                next = (page["nextCursor"] as? String).map { "/api/v1/me/access-log?order=newest&limit=2&cursor=\($0)" }
            }
            #expect(oldest.count > 2 && oldest.allSatisfy { $0["sequence"] is Int })
            #expect(newest.map { $0["sequence"] as? Int } == oldest.reversed().map { $0["sequence"] as? Int })
            #expect(newest.first?["outcome"] as? String == "denied", "the denial just now comes first")
            let bad = try await api.send(.get, "/api/v1/me/access-log?order=sideways", key: s.token)
            #expect(bad.status == 400)
        }
    }

    @Test("an erasure request waits for an administrator, who carries it out; the wallet's data goes with it, and the learner signs in no more: the account, approvals and tokens go, and no new account is made",
          arguments: TestEngine.available)
    func erasure(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let s = try await Self.setup(api)
            _ = try await api.send(.post, "/api/v1/me/collections", key: s.token,
                                   json: ["name": "All", "items": [["kind": "record", "id": s.recordId]]])
            #expect(try await api.database.read { try await $0.approvals(learnerId: s.learnerId, after: nil, limit: 200).items }.count == 1)
            let request = try await api.send(.post, "/api/v1/me/erasure-requests", key: s.token, json: ["reason": "Leaving"])
            #expect(request.status == 202, "\(request.string)")
            let open = try await api.admin(.get, "/api/v1/erasure-requests")
            #expect(open.items.count == 1)
            #expect(open.items.first?["learnerId"] as? String == s.learnerId)
            #expect(try await api.admin(.delete, "/api/v1/learners/\(s.learnerId)", json: ["reason": "learner's request"]).status == 200)
            #expect(try await api.admin(.get, "/api/v1/erasure-requests").items.isEmpty)
            let collections = try await api.database.read { try await $0.collections(learnerId: s.learnerId) }
            #expect(collections.isEmpty)

            // The token stops working at once, the login name is gone, and signing in again is refused.
            #expect(try await api.send(.get, "/api/v1/me/collections", key: s.token).status == 401)
            #expect(try await api.send(.get, "/api/v1/me/approvals", key: s.token).status == 401)
            #expect(try await api.database.read { try await $0.learnerAccount(learnerId: s.learnerId) } == nil)
            #expect(try await api.database.read { try await $0.approvals(learnerId: s.learnerId, after: nil, limit: 200).items }.isEmpty)
            let client = try await OAuthClientSteps.register(api, OAuthClientSteps.registration)
            let verifier = String(repeating: "k", count: 48)
            let answer = try await client.answer(try await client.page(verifier: verifier))
            #expect(answer.status == 401 && answer.headers[.location] == nil, "signing in is refused on the page: \(answer.status)")
            #expect(answer.string.contains("login name or password"), "\(answer.string.prefix(400))")
            let again = try await api.admin(.post, "/api/v1/learners/\(s.learnerId)/account",
                                            json: ["login": "ada2", "password": OAuthAPITests.password])
            #expect(again.status == 409, "\(again.string)")
        }
    }

    @Test("the wallet needs vita:wallet; an approvals-only token reaches only the approvals", arguments: TestEngine.available)
    func scope(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await OneEdTechAPITests.learner(api, world)
            let approvals = try await OneEdTechAPITests.token(api, scopes: ["vita:approvals"])
            #expect(try await api.send(.get, "/api/v1/me/collections", key: approvals).status == 403)
            #expect(try await api.send(.get, "/api/v1/me/approvals", key: approvals).status == 200)
            #expect(try await api.send(.get, "/api/v1/me", key: world.systemKey).status == 401)
        }
    }

    /// A 1×1 PNG to bake into.
    static let onePixelPNG: [UInt8] = Array(Data(base64Encoded:
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=") ?? Data())
}

/// RFC 3339 timestamps for request bodies.
enum APIJSONTimestamp {
    static func format(_ date: Date) -> String { date.formatted(.iso8601) }
}
