import Foundation
import Testing
import VitaCore
import VitaPeer
import VitaStorage
import VitaTestSupport

/// Organization A's Vita holds a learner's records and a badge; organization B's Vita pulls them (docs/TRANSFER.md).
struct TransferTests {
    /// What the test set up at A.
    struct SourceWorld: Sendable {
        let organizationId: String
        let systemId: String
        let agreementId: String
        let learnerId: String
        let consentId: String
        let recordIds: [String]
        let clientId: String
        let clientSecret: String
    }

    static func setUpSource(_ a: Server) async throws -> SourceWorld {
        let organization = try await a.send(.post, "/api/v1/organizations", json: ["name": "Riverside University", "kind": "university"])
        let organizationId = try #require(organization["id"] as? String)
        #expect(try await a.send(.post, "/api/v1/organizations/\(organizationId)/keys").status == 201)
        let system = try await a.send(.post, "/api/v1/systems",
                                      json: ["organizationId": organizationId, "name": "Harbor College Vita", "kind": "vita"])
        let systemId = try #require((system["system"] as? [String: Any])?["id"] as? String)
        let agreement = try await a.send(.post, "/api/v1/agreements", json: [
            "providerOrganizationId": organizationId, "consumerSystemId": systemId,
            "categories": ["experiences", "credentials"], "permissions": ["read"], "purpose": "Transfer to Harbor College",
            "consentRequired": true, "status": "active",
        ])
        #expect(agreement.status == 201, "\(agreement.string)")
        let agreementId = try #require(agreement["id"] as? String)
        let learner = try await a.send(.post, "/api/v1/learners", json: [
            "name": ["given": "Ada", "family": "Lovelace", "display": "Ada Lovelace"],
            "identifiers": [["scheme": "institutional", "value": "S-1001"], ["scheme": "email", "value": "ada@example.edu"]],
            "birthDate": "2001-12-10",
        ])
        let learnerId = try #require(learner["id"] as? String)
        let consent = try await a.send(.post, "/api/v1/learners/\(learnerId)/consents", json: ["agreementId": agreementId])
        #expect(consent.status == 201, "\(consent.string)")
        var recordIds: [String] = []
        for (code, title) in [("CS-101", "Programming"), ("CS-230", "Algorithms")] {
            let record = try await a.send(.post, "/api/v1/learners/\(learnerId)/experiences", json: [
                "record": ["organizationId": organizationId, "kind": "course", "title": title, "code": code,
                           "status": "completed", "startDate": "2025-01-10", "endDate": "2025-05-10", "credits": 4,
                           "result": ["grade": "A"]],
                "provenance": ["sourceRecordId": code, "rawDataURI": "sis://enrolments/\(code)"],
            ])
            #expect(record.status == 201, "\(record.string)")
            recordIds.append(try #require(record["id"] as? String))
        }
        let badge = try await a.send(.post, "/api/v1/learners/\(learnerId)/experiences/\(recordIds[0])/badges", json: [String: Any]())
        #expect(badge.status == 201, "\(badge.string)")
        let client = try await a.send(.post, "/api/v1/systems/\(systemId)/oauth-clients",
                                      json: ["scope": "vita:experiences:read vita:credentials:read vita:affiliations:read"])
        #expect(client.status == 201, "\(client.string)")
        return SourceWorld(organizationId: organizationId, systemId: systemId, agreementId: agreementId, learnerId: learnerId,
                           consentId: try #require(consent["id"] as? String), recordIds: recordIds,
                           clientId: try #require(client["client_id"] as? String),
                           clientSecret: try #require(client["client_secret"] as? String))
    }

    /// Registers A (or a proxy in front of it) as a peer at B.
    static func peer(_ b: Server, baseURL: String, organizationId: String, source: SourceWorld) async throws -> (id: String, systemId: String) {
        let reply = try await b.send(.post, "/api/v1/peers", json: [
            "name": "Riverside University", "baseURL": baseURL, "organizationId": organizationId,
            "clientId": source.clientId, "clientSecret": source.clientSecret,
        ])
        #expect(reply.status == 201, "\(reply.string)")
        #expect(!reply.string.contains(source.clientSecret), "the secret is never returned")
        return (try #require(reply["id"] as? String), try #require(reply["systemId"] as? String))
    }

    /// What B holds: learners, current records of every learner, held credentials.
    struct Counts: Equatable {
        var learners = 0, records = 0, credentials = 0
    }

    static func counts(_ b: Server) async throws -> Counts {
        let learners = try await b.send(.get, "/api/v1/learners?limit=200").items.compactMap { $0["id"] as? String }
        var records = 0, credentials = 0
        for id in learners {
            for category in ["experiences", "credentials", "affiliations"] {
                records += try await b.send(.get, "/api/v1/learners/\(id)/\(category)?limit=200").items.count
            }
            credentials += try await b.database.read { try await $0.heldCredentials(learnerId: id, service: nil) }.count
        }
        return Counts(learners: learners.count, records: records, credentials: credentials)
    }

    static func sha256(_ data: Data) -> String {
        ContentDigest.sha256(Array(data))
    }

    @Test("two Vitas on loopback: B pulls A's learner, records and badge with provenance pointing at A; repeats change nothing; updates arrive as versions; A's suspension, expiry, consent withdrawal and revocation each deny with A's rule and leave B intact; a credential tampered in transit is refused",
          arguments: TestEngine.available)
    func transferBetweenTwoServers(_ engine: TestEngine) async throws {
        let peerClient = PeerHTTPClient(timeout: .seconds(20))
        let clockA = TestClock()
        do {
            try await Servers.vita(engine, publicBaseURL: "https://a.vita.test", clock: clockA) { a in
                let source = try await Self.setUpSource(a)
                try await Servers.tamperingProxy(to: a.origin, client: peerClient) { proxy in
                    try await Servers.vita(engine, publicBaseURL: "https://b.vita.test", peerClient: peerClient) { b in
                        try await Self.exercise(a: a, b: b, proxy: proxy, source: source, clockA: clockA)
                    }
                }
            }
        } catch {
            try? await peerClient.shutdown()
            throw error
        }
        try await peerClient.shutdown()
    }

    static func exercise(a: Server, b: Server, proxy: String, source: SourceWorld, clockA: TestClock) async throws {
        let organization = try await b.send(.post, "/api/v1/organizations",
                                            json: ["name": "Riverside University (peer)", "kind": "university"])
        let localOrganization = try #require(organization["id"] as? String)
        let peer = try await Self.peer(b, baseURL: a.origin, organizationId: localOrganization, source: source)
        let transfer = ["peerId": peer.id, "sourceLearnerId": source.learnerId]

        // What A holds in the categories its agreement lets B read.
        var expected = 0
        for category in ["experiences", "credentials"] {
            expected += try await a.send(.get, "/api/v1/learners/\(source.learnerId)/\(category)").items.count
        }

        // The first transfer creates the learner, every record and the verified badge. Two at once write one after
        // the other: the second finds everything the first created.
        async let one = b.send(.post, "/api/v1/transfers", json: transfer)
        async let two = b.send(.post, "/api/v1/transfers", json: transfer)
        let pair = try await [one, two]
        #expect(pair.allSatisfy { $0.status == 200 }, "\(pair.map(\.string))")
        let first = try #require(pair.first { ($0["created"] as? Int ?? 0) > 0 }, "\(pair.map(\.string))")
        let second = try #require(pair.first { ($0["created"] as? Int) == 0 }, "\(pair.map(\.string))")
        #expect(second["unchanged"] as? Int == expected && second["learnerId"] as? String == first["learnerId"] as? String)
        #expect(try await b.send(.get, "/api/v1/learners").items.count == 1)
        #expect(first["created"] as? Int == expected)
        #expect(first["credentials"] as? Int == 1)
        #expect(first["credentialsStored"] as? Int == 1)
        #expect(first["categories"] as? [String] == ["experiences", "credentials"])
        let learnerB = try #require(first["learnerId"] as? String)

        let learner = try await b.send(.get, "/api/v1/learners/\(learnerB)")
        #expect((learner["name"] as? [String: Any])?["display"] as? String == "Ada Lovelace")
        let identifiers = learner["identifiers"] as? [[String: Any]] ?? []
        #expect(identifiers.contains { $0["issuer"] as? String == "vita-peer" && $0["value"] as? String == "\(peer.systemId):\(source.learnerId)" })
        #expect(identifiers.contains { $0["value"] as? String == "S-1001" })

        let records = try await b.send(.get, "/api/v1/learners/\(learnerB)/experiences").items
        #expect(records.count == 2)
        for record in records {
            let provenance = try #require(record["provenance"] as? [String: Any])
            let sourceId = try #require(provenance["sourceRecordId"] as? String)
            #expect(source.recordIds.contains(sourceId))
            #expect(provenance["systemId"] as? String == peer.systemId)
            let path = "/api/v1/learners/\(source.learnerId)/experiences/\(sourceId)"
            #expect(provenance["rawDataURI"] as? String == a.origin + path)
            // The digest is of the exact bytes A serves for the record.
            let atA = try await a.send(.get, path)
            #expect(provenance["rawDigest"] as? String == Self.sha256(atA.body))
            #expect(record["organizationId"] as? String == localOrganization)
        }
        let profile = try await b.send(.get, "/api/v1/learners/\(learnerB)/profile")
        #expect(profile.status == 200, "\(profile.string)")

        let held = try await b.database.read { try await $0.heldCredentials(learnerId: learnerB, service: nil) }
        #expect(held.count == 1)
        let badge = try #require(held.first)
        #expect(badge.service == .openBadges && badge.sourceKind == .peer && badge.sourceId == peer.systemId)
        #expect(badge.digest == Self.sha256(Data(badge.document.utf8)))
        #expect(badge.document.contains("\"proof\""))
        let issuedAtA = try #require(try await a.send(.get, "/api/v1/learners/\(source.learnerId)/badges").items.first)
        let credentialAtA = try #require(issuedAtA["verifiableCredential"] as? [String: Any])
        #expect(badge.credentialKey == credentialAtA["id"] as? String)

        // Audit at both ends: A logged B's reads as the system standing for B; B logged the receipt.
        let auditA = try await a.send(.get, "/api/v1/audit?limit=200").items
        let readsByB = auditA.filter { ($0["actor"] as? [String: Any])?["id"] as? String == source.systemId }
        #expect(readsByB.contains { $0["action"] as? String == "learner.read" && $0["outcome"] as? String == "allowed" })
        #expect(readsByB.contains { $0["action"] as? String == "records.read" && $0["outcome"] as? String == "allowed" })
        #expect(auditA.contains { $0["action"] as? String == "oauth.token" })
        let auditB = try await b.send(.get, "/api/v1/learners/\(learnerB)/access-log").items
        #expect(auditB.contains { $0["action"] as? String == "transfer.receive" && $0["outcome"] as? String == "allowed"
            && ($0["reason"] as? String)?.contains(peer.id) == true })

        // A repeated transfer creates nothing.
        let before = try await Self.counts(b)
        let again = try await b.send(.post, "/api/v1/transfers", json: transfer)
        #expect(again.status == 200, "\(again.string)")
        #expect(again["created"] as? Int == 0 && again["updated"] as? Int == 0)
        #expect(again["unchanged"] as? Int == expected)
        #expect(again["credentialsStored"] as? Int == 0)
        #expect(try await Self.counts(b) == before)

        // A record updated at A arrives as a new version (streamed progress this time).
        let current = try await a.send(.get, "/api/v1/learners/\(source.learnerId)/experiences/\(source.recordIds[1])")
        let etag = try #require(current.headers[.eTag])
        let updated = try await a.send(.put, "/api/v1/learners/\(source.learnerId)/experiences/\(source.recordIds[1])", json: [
            "record": ["organizationId": source.organizationId, "kind": "course", "title": "Algorithms and Complexity",
                       "code": "CS-230", "status": "completed", "startDate": "2025-01-10", "endDate": "2025-05-10",
                       "credits": 5, "result": ["grade": "A"]],
            "provenance": ["sourceRecordId": "CS-230"],
        ], headers: ["If-Match": etag])
        #expect(updated.status == 200, "\(updated.string)")
        let streamed = try await b.send(.post, "/api/v1/transfers", json: transfer, headers: ["Accept": "application/x-ndjson"])
        #expect(streamed.status == 200)
        #expect(streamed.headers[.contentType] == "application/x-ndjson")
        let lines = streamed.string.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        #expect(lines.map { $0["step"] as? String ?? "" }.contains("category"))
        #expect(lines.contains { $0["step"] as? String == "category" && $0["category"] as? String == "employment" && $0["skipped"] != nil })
        let summary = try #require(lines.last?["summary"] as? [String: Any], "\(streamed.string)")
        #expect(summary["updated"] as? Int == 1 && summary["created"] as? Int == 0)
        let mapped = try #require(records.first { ($0["provenance"] as? [String: Any])?["sourceRecordId"] as? String == source.recordIds[1] })
        let versions = try await b.send(.get, "/api/v1/learners/\(learnerB)/experiences/\(mapped["id"] as! String)/versions").items
        #expect(versions.count == 2)
        #expect((versions.last?["record"] as? [String: Any])?["title"] as? String == "Algorithms and Complexity")

        // The command line drives the same transfer.
        let cli = try await VitaExecutable.run(["transfer", "--learner", source.learnerId, "--to", b.origin, "--peer", peer.id],
                                               environment: ["VITA_API_KEY": b.adminKey])
        #expect(cli.status == 0, "\(cli.error)")
        #expect(cli.output.contains("0 created, 0 updated, \(expected) unchanged, 0 deleted, 1 verified credentials"), "\(cli.output)")
        #expect(cli.error.contains("experiences: 2 records"), "plain progress lines when not a terminal: \(cli.error)")

        // A record deleted at A is deleted at B by the next transfer (a tombstone with A's reason), once.
        let deletedPath = "/api/v1/learners/\(source.learnerId)/experiences/\(source.recordIds[1])"
        let deleting = try await a.send(.get, deletedPath)
        #expect(try await a.send(.delete, deletedPath + "?reason=entered%20in%20error",
                                 headers: ["If-Match": try #require(deleting.headers[.eTag])]).status == 200)
        let afterDeletion = try await b.send(.post, "/api/v1/transfers", json: transfer)
        #expect(afterDeletion["deleted"] as? Int == 1 && afterDeletion["unchanged"] as? Int == expected - 1, "\(afterDeletion.string)")
        let copyPath = "/api/v1/learners/\(learnerB)/experiences/\(mapped["id"] as! String)"
        #expect(try await b.send(.get, copyPath)["deletion"] != nil, "the copy's current version is a tombstone")
        #expect(try await b.send(.get, "/api/v1/learners/\(learnerB)/experiences").items.count == 1, "and out of the list")
        let copyVersions = try await b.send(.get, copyPath + "/versions").items
        #expect(copyVersions.count == 3)
        let tombstone = try #require(copyVersions.last?["deletion"] as? [String: Any])
        #expect(tombstone["reason"] as? String == "deleted at the peer: entered in error")
        #expect(tombstone["by"] as? String == peer.systemId)
        let repeated = try await b.send(.post, "/api/v1/transfers", json: transfer)
        #expect(repeated["deleted"] as? Int == 0 && repeated["unchanged"] as? Int == expected - 1, "\(repeated.string)")

        // A credential altered between A and B fails verification: the transfer fails naming it, B is unchanged.
        let proxied = try await Self.peer(b, baseURL: proxy, organizationId: localOrganization, source: source)
        let stable = try await Self.counts(b)
        let tampered = try await b.send(.post, "/api/v1/transfers", json: ["peerId": proxied.id, "sourceLearnerId": source.learnerId])
        #expect(tampered.status == 502, "\(tampered.string)")
        let badgeId = try #require(issuedAtA["id"] as? String)
        #expect((tampered["detail"] as? String)?.contains(badgeId) == true, "\(tampered.string)")
        #expect(try await Self.counts(b) == stable)

        // Each refusal at A denies the next transfer with A's rule, and B keeps what it had.
        func denied(_ rule: String, _ what: String, detail: String? = nil) async throws {
            let reply = try await b.send(.post, "/api/v1/transfers", json: transfer)
            #expect(reply.status == 409, "\(what): \(reply.string)")
            #expect(reply["rule"] as? String == rule, "\(what): \(reply.string)")
            if let detail { #expect((reply["detail"] as? String)?.contains(detail) == true, "\(what): \(reply.string)") }
            #expect(try await Self.counts(b) == stable, "\(what)")
        }
        func patchAgreement(_ body: [String: Any]) async throws {
            let current = try await a.send(.get, "/api/v1/agreements/\(source.agreementId)")
            let reply = try await a.send(.patch, "/api/v1/agreements/\(source.agreementId)", json: body,
                                         headers: ["If-Match": try #require(current.headers[.eTag])])
            #expect(reply.status == 200, "\(reply.string)")
        }
        try await patchAgreement(["status": "suspended"])
        try await denied("status", "a suspended agreement")
        try await patchAgreement(["status": "active"])

        try await patchAgreement(["validUntil": ISO8601DateFormatter().string(from: clockA.now.addingTimeInterval(60))])
        clockA.advance(120)
        try await denied("validity", "an expired agreement")
        try await patchAgreement(["validUntil": ISO8601DateFormatter().string(from: clockA.now.addingTimeInterval(86_400))])
        #expect(try await b.send(.post, "/api/v1/transfers", json: transfer).status == 200, "allowed again")

        #expect(try await a.send(.delete, "/api/v1/learners/\(source.learnerId)/consents/\(source.consentId)").status == 200)
        try await denied("consent", "a withdrawn consent")
        #expect(try await a.send(.post, "/api/v1/learners/\(source.learnerId)/consents",
                                 json: ["agreementId": source.agreementId]).status == 201)
        #expect(try await b.send(.post, "/api/v1/transfers", json: transfer).status == 200, "consent given again")

        #expect(try await a.send(.post, "/api/v1/systems/\(source.systemId)/revoke").status == 200)
        try await denied("oauth:invalid_client", "a revoked system", detail: "the connected system was revoked")
        #expect(try await a.send(.post, "/api/v1/oauth-clients/\(source.clientId)/revoke").status == 200)
        try await denied("oauth:invalid_client", "a revoked client", detail: "this client was revoked")

        // A's denials are in A's audit; B's failed attempts in B's.
        let deniedAtA = try await a.send(.get, "/api/v1/learners/\(source.learnerId)/access-log?limit=200").items
            .filter { $0["outcome"] as? String == "denied" }
        for rule in ["status", "validity", "consent"] {
            #expect(deniedAtA.contains { ($0["reason"] as? String)?.hasPrefix(rule + ":") == true }, "A audited the \(rule) denial")
        }
        let deniedAtB = try await b.send(.get, "/api/v1/audit?limit=200").items
            .filter { $0["action"] as? String == "transfer.receive" && $0["outcome"] as? String == "denied" }
        #expect(deniedAtB.count == 6, "the tampered credential and five refusals")
    }

    @Test("a learner erased at A is not transferred again: 409 peer-erasure naming A's reason, B's copy untouched",
          arguments: TestEngine.available)
    func erasedAtThePeer(_ engine: TestEngine) async throws {
        try await Self.sourceAndReceiver(engine) { a, b, source, peerId in
            let transfer = ["peerId": peerId, "sourceLearnerId": source.learnerId]
            let first = try await b.send(.post, "/api/v1/transfers", json: transfer)
            #expect(first.status == 200, "\(first.string)")
            let learnerB = try #require(first["learnerId"] as? String)
            let before = try await Self.counts(b)

            #expect(try await a.send(.delete, "/api/v1/learners/\(source.learnerId)",
                                     json: ["reason": "the learner asked"]).status == 200)
            let refused = try await b.send(.post, "/api/v1/transfers", json: transfer)
            #expect(refused.status == 409, "\(refused.string)")
            #expect(refused["rule"] as? String == "peer-erasure")
            #expect((refused["detail"] as? String)?.contains("the learner asked") == true, "\(refused.string)")
            #expect(try await Self.counts(b) == before)
            #expect(try await b.send(.get, "/api/v1/learners/\(learnerB)")["name"] != nil, "B's copy is B's to erase")
        }
    }

    /// A (its world set up by `setUpSource`) and B (with A registered as its peer) on loopback ports: `body` gets both,
    /// A's world and the peer's id at B. The peer client is shut down whatever happens.
    static func sourceAndReceiver(_ engine: TestEngine,
                                  _ body: @escaping @Sendable (Server, Server, SourceWorld, String) async throws -> Void) async throws {
        let peerClient = PeerHTTPClient(timeout: .seconds(20))
        do {
            try await Servers.vita(engine, publicBaseURL: "https://a.vita.test") { a in
                let source = try await Self.setUpSource(a)
                try await Servers.vita(engine, publicBaseURL: "https://b.vita.test", peerClient: peerClient) { b in
                    let organization = try await b.send(.post, "/api/v1/organizations", json: ["name": "Riverside (peer)", "kind": "university"])
                    let peer = try await Self.peer(b, baseURL: a.origin, organizationId: try #require(organization["id"] as? String),
                                                   source: source)
                    try await body(a, b, source, peer.id)
                }
            }
        } catch {
            try? await peerClient.shutdown()
            throw error
        }
        try await peerClient.shutdown()
    }

    @Test("a peer's answer holding the NUL character (data stored before Vita refused it) is a 502 naming the field, and B stays unchanged",
          arguments: TestEngine.available)
    func nulCharacterFromThePeer(_ engine: TestEngine) async throws {
        try await Self.sourceAndReceiver(engine) { a, b, source, peerId in
            // A record body as an older Vita on SQLite could have stored it: JSON text with an escaped NUL.
            try await a.database.withConnection {
                try await $0.raw(#"UPDATE records SET body = replace(body, '"title":"', '"title":"\u0000') WHERE category = 'experiences'"#).run()
            }
            let reply = try await b.send(.post, "/api/v1/transfers", json: ["peerId": peerId, "sourceLearnerId": source.learnerId])
            #expect(reply.status == 502, "\(reply.string)")
            #expect((reply["detail"] as? String)?.contains("NUL character (U+0000) in items[0].record.title") == true, "\(reply.string)")
            #expect(try await Self.counts(b) == Counts())
        }
    }

    @Test("peers: https only (http on loopback), a known organization, listed without their secret, revoked peers refuse transfers",
          arguments: TestEngine.available)
    func peerRegistration(_ engine: TestEngine) async throws {
        try await Servers.vita(engine, publicBaseURL: "https://b.vita.test") { b in
            let organization = try await b.send(.post, "/api/v1/organizations", json: ["name": "Peer", "kind": "university"])
            let organizationId = try #require(organization["id"] as? String)
            let good: [String: Any] = ["name": "Peer", "baseURL": "https://vita.example.edu/", "organizationId": organizationId,
                                       "clientId": "cli_x", "clientSecret": "s3cret-value"]
            for (field, value) in [("baseURL", "http://vita.example.edu"), ("baseURL", "ftp://vita.example.edu"),
                                   ("baseURL", "https://user:pw@vita.example.edu"), ("clientSecret", ""),
                                   ("organizationId", "org_0123456789abcdef0123456789abcdef")] {
                var body = good
                body[field] = value
                let reply = try await b.send(.post, "/api/v1/peers", json: body)
                #expect(reply.status == 422, "\(field)=\(value): \(reply.string)")
                #expect((reply["errors"] as? [[String: Any]])?.first?["field"] as? String == field)
            }
            var loopback = good
            loopback["baseURL"] = "http://127.0.0.1:9"
            #expect(try await b.send(.post, "/api/v1/peers", json: loopback).status == 201)
            let created = try await b.send(.post, "/api/v1/peers", json: good)
            #expect(created.status == 201)
            #expect(created["baseURL"] as? String == "https://vita.example.edu")
            let id = try #require(created["id"] as? String)
            let list = try await b.send(.get, "/api/v1/peers")
            #expect(list.items.count == 2)
            #expect(!list.string.contains("s3cret-value"))
            let system = try await b.send(.get, "/api/v1/systems").items.first { $0["id"] as? String == created["systemId"] as? String }
            #expect(system?["kind"] as? String == "vita")

            // Without a peer client the server cannot transfer; a revoked peer is refused before anything is sent.
            let unconfigured = try await b.send(.post, "/api/v1/transfers",
                                                json: ["peerId": id, "sourceLearnerId": "lrn_0123456789abcdef0123456789abcdef"])
            #expect(unconfigured.status == 503)
            #expect(try await b.send(.post, "/api/v1/peers/\(id)/revoke").status == 200)
            let badInput = try await b.send(.post, "/api/v1/transfers", json: ["peerId": id, "sourceLearnerId": "nope"])
            #expect(badInput.status == 422)
        }
    }

    @Test("an unreachable peer is a clear 502, never a 500, and B stays unchanged", arguments: TestEngine.available)
    func unreachablePeer(_ engine: TestEngine) async throws {
        let peerClient = PeerHTTPClient(timeout: .seconds(5))
        do {
            try await Servers.vita(engine, publicBaseURL: "https://b.vita.test", peerClient: peerClient) { b in
                let organization = try await b.send(.post, "/api/v1/organizations", json: ["name": "Peer", "kind": "university"])
                let peer = try await b.send(.post, "/api/v1/peers", json: [
                    "name": "Gone", "baseURL": "http://127.0.0.1:9", "organizationId": organization["id"] as! String,
                    "clientId": "cli_x", "clientSecret": "secret",
                ])
                let id = try #require(peer["id"] as? String)
                let reply = try await b.send(.post, "/api/v1/transfers",
                                             json: ["peerId": id, "sourceLearnerId": "lrn_0123456789abcdef0123456789abcdef"])
                #expect(reply.status == 502, "\(reply.string)")
                #expect((reply["detail"] as? String)?.contains("cannot reach the peer") == true)
                #expect(try await b.send(.get, "/api/v1/learners").items.isEmpty)
                let streamed = try await b.send(.post, "/api/v1/transfers",
                                                json: ["peerId": id, "sourceLearnerId": "lrn_0123456789abcdef0123456789abcdef"],
                                                headers: ["Accept": "application/x-ndjson"])
                let last = streamed.string.split(separator: "\n").last.map { String($0) } ?? ""
                #expect(last.contains("\"step\":\"error\"") && last.contains("cannot reach the peer"), "\(streamed.string)")
                let revoked = try await b.send(.post, "/api/v1/peers/\(id)/revoke")
                #expect(revoked.status == 200 && revoked["revokedAt"] != nil)
                let refused = try await b.send(.post, "/api/v1/transfers",
                                               json: ["peerId": id, "sourceLearnerId": "lrn_0123456789abcdef0123456789abcdef"])
                #expect(refused.status == 409)
            }
        } catch {
            try? await peerClient.shutdown()
            throw error
        }
        try await peerClient.shutdown()
    }
}
