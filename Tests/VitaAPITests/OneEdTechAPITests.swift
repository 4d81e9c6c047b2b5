import Foundation
import HTTPTypes
import Testing
import VitaAPI
import VitaJSON
import VitaSchema
import VitaTestSupport

/// The 1EdTech Open Badges 3.0 and CLR 2.0 service APIs, driven as a wallet drives them: register, get the
/// learner's authorization, then call the API with the token.
struct OneEdTechAPITests {
    static let obScopes = ["credential.readonly", "credential.upsert", "profile.readonly", "profile.update"]
        .map { "https://purl.imsglobal.org/spec/ob/v3p0/scope/\($0)" }
    static let clrScopes = ["credential.readonly", "credential.upsert", "profile.readonly", "profile.update"]
        .map { "https://purl.imsglobal.org/spec/clr/v2p0/scope/\($0)" }

    /// An access token of a newly registered client, approved by the learner `ada` for `scopes`.
    static func token(_ api: APIHarness, scopes: [String]) async throws -> String {
        var metadata = OAuthClientSteps.registration
        metadata["scope"] = scopes.joined(separator: " ")
        let client = try await OAuthClientSteps.register(api, metadata)
        let verifier = String(repeating: "k", count: 48)
        let page = try await client.page(verifier: verifier, scope: scopes.joined(separator: " "))
        let code = try #require(try OAuthClientSteps.query(try await client.answer(page))["code"])
        let tokens = try await client.exchange(code, verifier: verifier)
        #expect(tokens.status == 200, "\(tokens.string)")
        return try #require(tokens["access_token"] as? String)
    }

    /// A learner `ada` with an email identifier and an account, registered by the world's system (or `key`).
    static func learner(_ api: APIHarness, _ world: APIHarness.World, key: String? = nil) async throws -> String {
        let learner = try await api.send(.post, "/api/v1/learners", key: key ?? world.systemKey, json: [
            "name": ["given": "Ada", "family": "Lovelace", "display": "Ada Lovelace"],
            "identifiers": [["scheme": "email", "value": "ada@example.edu"]],
        ])
        let learnerId = try #require(learner["id"] as? String, "\(learner.status): \(learner.string.prefix(500))")
        let account = try await api.admin(.post, "/api/v1/learners/\(learnerId)/account",
                                          json: ["login": "ada", "password": OAuthAPITests.password])
        #expect(account.status == 201, "\(account.string)")
        return learnerId
    }

    /// Issues the learner a badge from a credential record.
    static func badge(_ api: APIHarness, _ world: APIHarness.World, learnerId: String) async throws -> [String: Any] {
        let achievement = try await api.admin(.post, "/api/v1/achievements", json: [
            "organizationId": world.organizationId, "name": "BSc Computer Science",
            "description": "Bachelor of Science in Computer Science", "criteriaNarrative": "Complete 180 credits",
        ])
        let record = try await api.send(.post, "/api/v1/learners/\(learnerId)/credentials", key: world.systemKey, json: [
            "record": ["organizationId": world.organizationId, "kind": "degree", "title": "BSc Computer Science",
                       "awardedDate": "2026-06-30"],
            "provenance": ["sourceRecordId": "degree-1"],
        ])
        let issued = try await api.send(.post, "/api/v1/learners/\(learnerId)/credentials/\(record["id"] as! String)/badges",
                                        key: world.systemKey, json: ["achievementId": achievement["id"] as! String])
        #expect(issued.status == 201, "\(issued.string)")
        return try #require(issued["verifiableCredential"] as? [String: Any])
    }

    /// A credential another organization signs (through this server's VC-API, as any issuer would elsewhere).
    static func signed(_ api: APIHarness, _ world: APIHarness.World, id: String, validFrom: String,
                       format: String = "ldp") async throws -> Any {
        var credential = CredentialAPITests.credential("Data Structures")
        credential["id"] = id
        credential["validFrom"] = validFrom
        var options: [String: Any] = ["format": format, "credentialStatus": false]
        if format == "vc-jwt" { options["algorithm"] = "EdDSA" }
        let issued = try await api.send(.post, "/credentials/issue", key: world.systemKey,
                                        json: ["credential": credential, "options": options])
        #expect(issued.status == 201, "\(issued.string)")
        let result = try #require(issued["verifiableCredential"] as? [String: Any])
        if format == "vc-jwt" {
            return String(try #require(result["id"] as? String).dropFirst("data:application/vc+jwt,".count))
        }
        return result
    }

    static func validate(_ reply: Reply, against schema: OneEdTechSchema) throws {
        let result = try OneEdTechSchemas.shared.schema(schema).validate(JSONValue(parsing: Array(reply.body)))
        #expect(result.isValid, "\(schema): \(result.errors.prefix(5).map(\.description))\n\(reply.string.prefix(400))")
    }

    @Test("discovery describes each service: terms, privacy policy, the registration URL, the flows and all four scopes, and the operations",
          arguments: TestEngine.available)
    func discovery(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            for (service, scopes) in [("ob/v3p0", Self.obScopes), ("clr/v2p0", Self.clrScopes)] {
                let reply = try await api.send(.get, "/ims/\(service)/discovery")
                #expect(reply.status == 200)
                #expect(reply["openapi"] as? String == "3.0.1")
                let info = try #require(reply["info"] as? [String: Any])
                #expect((info["termsOfService"] as? String)?.hasPrefix("http") == true)
                #expect((info["x-imssf-privacyPolicyUrl"] as? String)?.hasPrefix("http") == true)
                let scheme = try #require(((reply["components"] as? [String: Any])?["securitySchemes"] as? [String: Any])?["OAuth2ACG"] as? [String: Any])
                #expect(scheme["type"] as? String == "oauth2")
                #expect((scheme["x-imssf-registrationUrl"] as? String)?.hasSuffix("/oauth/register") == true)
                let flow = try #require((scheme["flows"] as? [String: Any])?["authorizationCode"] as? [String: Any])
                #expect((flow["tokenUrl"] as? String)?.hasSuffix("/oauth/token") == true)
                #expect(Set((flow["scopes"] as? [String: Any])?.keys.map { $0 } ?? []) == Set(scopes))
                let paths = try #require(reply["paths"] as? [String: [String: Any]])
                #expect(Set(paths.keys) == ["/credentials", "/profile", "/discovery"])
                let operationIds = paths.values.flatMap { $0.values.compactMap { ($0 as? [String: Any])?["operationId"] as? String } }
                #expect(Set(operationIds) == ["getCredentials", "upsertCredential", "getProfile", "putProfile", "getServiceDescription"])
                // Discovery is never protected.
                #expect(((paths["/discovery"]?["get"] as? [String: Any])?["security"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test("getCredentials lists the badge Vita issued and the credentials a wallet upserted, paged with X-Total-Count and Link, and every response matches the 1EdTech schema",
          arguments: TestEngine.available)
    func getAndUpsertCredentials(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys", json: ["type": "ed25519"])
            let learnerId = try await Self.learner(api, world)
            _ = try await Self.badge(api, world, learnerId: learnerId)
            let token = try await Self.token(api, scopes: Self.obScopes)

            let first = try await api.send(.get, "/ims/ob/v3p0/credentials", key: token)
            #expect(first.status == 200, "\(first.string)")
            #expect(first.headers[HTTPField.Name("X-Total-Count")!] == "1")
            #expect(first.headers[HTTPField.Name("Link")!] == nil, "one page holds everything")
            #expect((first["credential"] as? [Any])?.count == 1)
            #expect(first["compactJwsString"] == nil, "empty arrays are omitted")
            try Self.validate(first, against: .getOpenBadgeCredentialsResponse)

            // upsert: created, the same again, a newer version, an older one.
            let id = "urn:uuid:\(UUID().uuidString.lowercased())"
            let v1 = try await Self.signed(api, world, id: id, validFrom: "2026-01-01T00:00:00Z")
            let created = try await api.send(.post, "/ims/ob/v3p0/credentials", key: token, json: v1)
            #expect(created.status == 201, "\(created.string)")
            #expect((created["id"] as? String) == id, "the response echoes the credential")
            #expect(try await api.send(.post, "/ims/ob/v3p0/credentials", key: token, json: v1).status == 200)
            let v2 = try await Self.signed(api, world, id: id, validFrom: "2026-03-01T00:00:00Z")
            #expect(try await api.send(.post, "/ims/ob/v3p0/credentials", key: token, json: v2).status == 200, "replaced")
            let older = try await api.send(.post, "/ims/ob/v3p0/credentials", key: token, json: v1)
            #expect(older.status == 304, "a newer version is held")
            #expect(older.body.isEmpty)

            // A VC-JWT travels as text/plain.
            let jwt = try #require(try await Self.signed(api, world, id: "urn:uuid:\(UUID().uuidString.lowercased())",
                                                          validFrom: "2026-02-01T00:00:00Z", format: "vc-jwt") as? String)
            let jwtReply = try await api.send(.post, "/ims/ob/v3p0/credentials", key: token, raw: jwt,
                                              headers: ["Content-Type": "text/plain"])
            #expect(jwtReply.status == 201, "\(jwtReply.string)")
            #expect(jwtReply.string == jwt)
            #expect(jwtReply.contentType == "text/plain")

            let all = try await api.send(.get, "/ims/ob/v3p0/credentials", key: token)
            #expect(all.headers[HTTPField.Name("X-Total-Count")!] == "3")
            #expect((all["credential"] as? [[String: Any]])?.count == 2)
            #expect((all["compactJwsString"] as? [String]) == [jwt])
            let held = (all["credential"] as? [[String: Any]])?.first { $0["id"] as? String == id }
            #expect(held?["validFrom"] as? String == "2026-03-01T00:00:00Z", "the newer version is the one held")
            try Self.validate(all, against: .getOpenBadgeCredentialsResponse)

            let page = try await api.send(.get, "/ims/ob/v3p0/credentials?limit=1&offset=1", key: token)
            #expect(page.headers[HTTPField.Name("X-Total-Count")!] == "3")
            let link = try #require(page.headers[HTTPField.Name("Link")!])
            #expect(link.contains("limit=1&offset=2>; rel=\"next\""))
            #expect(link.contains("limit=1&offset=2>; rel=\"last\""))
            #expect(link.contains("limit=1&offset=0>; rel=\"first\""))
            #expect(link.contains("limit=1&offset=0>; rel=\"prev\""))
            #expect((page["credential"] as? [Any] ?? []).count + (page["compactJwsString"] as? [Any] ?? []).count == 1)
            let since = try await api.send(.get, "/ims/ob/v3p0/credentials?since=2026-02-15T00:00:00Z", key: token)
            #expect(since.headers[HTTPField.Name("X-Total-Count")!] == "2", "the degree (2026-06-30) and v2 (2026-03-01)")

            for bad in ["limit=0", "offset=-1", "limit=x", "since=yesterday"] {
                let refused = try await api.send(.get, "/ims/ob/v3p0/credentials?\(bad)", key: token)
                #expect(refused.status == 400, "\(bad)")
                #expect(refused.string.contains("invalid_query_parameter"), "\(bad): \(refused.string)")
                try Self.validate(refused, against: .imsxStatusInfo)
            }
            let log = try await api.admin(.get, "/api/v1/learners/\(learnerId)/access-log?limit=200")
            let actions = log.items.compactMap { $0["action"] as? String }
            #expect(actions.contains("ims.ob.credentials.read"))
            #expect(actions.filter { $0 == "ims.ob.credentials.upsert" }.count == 5)
            #expect(log.items.contains { ($0["actor"] as? [String: Any])?["kind"] as? String == "learner" })
        }
    }

    @Test("the CLR service lists the CLRs Vita issued the learner, valid against the GetClrCredentialsResponse schema; a revoked badge leaves the Open Badges list",
          arguments: TestEngine.available)
    func clrCredentials(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let learnerId = try await Self.learner(api, world)
            let badge = try await Self.badge(api, world, learnerId: learnerId)
            let clr = try await api.send(.post, "/api/v1/learners/\(learnerId)/clr", key: world.systemKey,
                                         json: ["name": "Official transcript"])
            #expect(clr.status == 201, "\(clr.string)")
            let token = try await Self.token(api, scopes: Self.obScopes + Self.clrScopes)
            let listed = try await api.send(.get, "/ims/clr/v2p0/credentials", key: token)
            #expect(listed.status == 200)
            #expect(listed.headers[HTTPField.Name("X-Total-Count")!] == "1")
            let types = ((listed["credential"] as? [[String: Any]])?.first?["type"] as? [String]) ?? []
            #expect(types.contains("ClrCredential"))
            try Self.validate(listed, against: .getClrCredentialsResponse)

            #expect(try await api.send(.get, "/ims/ob/v3p0/credentials", key: token).headers[HTTPField.Name("X-Total-Count")!] == "1")
            let revoked = try await api.send(.post, "/credentials/status", key: world.systemKey,
                                             json: ["credentialId": badge["id"] as! String, "action": "revoke"])
            #expect(revoked.status == 200, "\(revoked.string)")
            let after = try await api.send(.get, "/ims/ob/v3p0/credentials", key: token)
            #expect(after.headers[HTTPField.Name("X-Total-Count")!] == "0", "every listed credential must verify")
        }
    }

    @Test("upsertCredential refuses what it cannot hold: a tampered credential, another service's type, no identity, bad JSON, an unknown media type",
          arguments: TestEngine.available)
    func upsertRefusals(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            _ = try await Self.learner(api, world)
            let token = try await Self.token(api, scopes: Self.obScopes + Self.clrScopes)
            var tampered = try #require(try await Self.signed(api, world, id: "urn:uuid:\(UUID().uuidString.lowercased())",
                                                              validFrom: "2026-01-01T00:00:00Z") as? [String: Any])
            let genuine = tampered
            tampered["name"] = "Advanced Data Structures"
            let rejected = try await api.send(.post, "/ims/ob/v3p0/credentials", key: token, json: tampered)
            #expect(rejected.status == 400)
            #expect(rejected.string.contains("invalid_data") && rejected.string.contains("proof"), "\(rejected.string)")
            try Self.validate(rejected, against: .imsxStatusInfo)

            let wrongService = try await api.send(.post, "/ims/clr/v2p0/credentials", key: token, json: genuine)
            #expect(wrongService.status == 400)
            #expect(wrongService.string.contains("ClrCredential"))
            var noId = genuine
            noId["id"] = nil
            #expect(try await api.send(.post, "/ims/ob/v3p0/credentials", key: token, json: noId).status == 400)
            #expect(try await api.send(.post, "/ims/ob/v3p0/credentials", key: token, raw: "{not json").status == 400)
            let media = try await api.send(.post, "/ims/ob/v3p0/credentials", key: token, raw: "x",
                                           headers: ["Content-Type": "application/xml"])
            #expect(media.status == 415)
            try Self.validate(media, against: .imsxStatusInfo)
            #expect(try await api.send(.post, "/ims/ob/v3p0/credentials", key: token, raw: "a.b",
                                       headers: ["Content-Type": "text/plain"]).status == 400)
            let listed = try await api.send(.get, "/ims/ob/v3p0/credentials", key: token)
            #expect(listed.headers[HTTPField.Name("X-Total-Count")!] == "0", "nothing refused was stored")
        }
    }

    @Test("the APIs need a learner's token with the operation's scope; errors are Imsx_StatusInfo with a Bearer challenge",
          arguments: TestEngine.available)
    func scopesAndErrors(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await Self.learner(api, world)
            let readOnly = try await Self.token(api, scopes: [Self.obScopes[0]])

            let anonymous = try await api.send(.get, "/ims/ob/v3p0/credentials")
            #expect(anonymous.status == 401)
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(anonymous.string.contains("unauthorizedrequest"))
            try Self.validate(anonymous, against: .imsxStatusInfo)

            let upsert = try await api.send(.post, "/ims/ob/v3p0/credentials", key: readOnly, json: ["id": "x"])
            #expect(upsert.status == 403)
            #expect(upsert.headers[.wwwAuthenticate]?.contains("insufficient_scope") == true)
            #expect(upsert.string.contains("forbidden"))
            try Self.validate(upsert, against: .imsxStatusInfo)
            #expect(try await api.send(.get, "/ims/clr/v2p0/credentials", key: readOnly).status == 403, "an OB scope is not a CLR scope")
            #expect(try await api.send(.get, "/ims/ob/v3p0/profile", key: readOnly).status == 403)
            #expect(try await api.send(.get, "/ims/ob/v3p0/credentials", key: readOnly).status == 200)
            // A system's key is not a learner's token.
            #expect(try await api.send(.get, "/ims/ob/v3p0/credentials", key: world.systemKey).status == 401)
            let revokedToken = try await api.send(.get, "/ims/ob/v3p0/credentials", key: "vat_" + String(repeating: "A", count: 43))
            #expect(revokedToken.status == 401)
            #expect(revokedToken.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
        }
    }

    @Test("getProfile makes the profile from the learner's record until the learner's application puts one, which must match the Profile schema",
          arguments: TestEngine.available)
    func profiles(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learnerId = try await Self.learner(api, world)
            let token = try await Self.token(api, scopes: Self.obScopes + Self.clrScopes)
            let derived = try await api.send(.get, "/ims/ob/v3p0/profile", key: token)
            #expect(derived.status == 200)
            #expect(derived["name"] as? String == "Ada Lovelace")
            #expect(derived["email"] as? String == "ada@example.edu")
            #expect((derived["id"] as? String)?.hasSuffix("/api/v1/learners/\(learnerId)") == true)
            try Self.validate(derived, against: .profile)

            let invalid = try await api.send(.put, "/ims/ob/v3p0/profile", key: token, json: ["name": "No type or id"])
            #expect(invalid.status == 400)
            try Self.validate(invalid, against: .imsxStatusInfo)
            let put = try await api.send(.put, "/ims/ob/v3p0/profile", key: token, json: [
                "id": "did:example:ada", "type": ["Profile"], "name": "Ada L.", "email": "ada@wallet.example",
            ])
            #expect(put.status == 200, "\(put.string)")
            let read = try await api.send(.get, "/ims/ob/v3p0/profile", key: token)
            #expect(read["name"] as? String == "Ada L.")
            try Self.validate(read, against: .profile)
            let clr = try await api.send(.get, "/ims/clr/v2p0/profile", key: token)
            #expect(clr["name"] as? String == "Ada Lovelace", "each service keeps its own profile")
            try Self.validate(clr, against: .clrProfile)
            let learner = try await api.send(.get, "/api/v1/learners/\(learnerId)", key: world.systemKey)
            #expect((learner["name"] as? [String: Any])?["display"] as? String == "Ada Lovelace",
                    "a wallet's profile never rewrites the record a registrar keeps")

            // Erasure takes what the learner's applications put here with it, and the applications' tokens.
            _ = try await api.admin(.delete, "/api/v1/learners/\(learnerId)", json: ["reason": "GDPR Art. 17 request"])
            #expect(try await api.send(.get, "/ims/ob/v3p0/profile", key: token).status == 401)
            let stored = try await api.database.read { try await $0.serviceProfile(learnerId: learnerId, service: .openBadges) }
            #expect(stored == nil)
        }
    }

    @Test("a learner's token reads the learner's own records within its scopes, never another learner's, and never writes",
          arguments: TestEngine.available)
    func learnerTokensInTheLearnerAPI(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learnerId = try await Self.learner(api, world)
            let other = try await api.learner(key: world.systemKey)
            let created = try await api.send(.post, "/api/v1/learners/\(learnerId)/experiences", key: world.systemKey,
                                             json: APIHarness.experience(world.organizationId, source: "enr-1"))
            #expect(created.status == 201)
            let token = try await Self.token(api, scopes: ["vita:experiences:read", "vita:experiences:write", "vita:profile:read"])

            let own = try await api.send(.get, "/api/v1/learners/\(learnerId)/experiences", key: token)
            #expect(own.status == 200, "\(own.string)")
            #expect(own.items.count == 1)
            #expect(try await api.send(.get, "/api/v1/learners/\(learnerId)/profile", key: token).status == 200)
            let foreign = try await api.send(.get, "/api/v1/learners/\(other)/experiences", key: token)
            #expect(foreign.status == 403)
            #expect(foreign["rule"] as? String == "other-learner")
            let write = try await api.send(.post, "/api/v1/learners/\(learnerId)/experiences", key: token,
                                           json: APIHarness.experience(world.organizationId, source: "enr-2"))
            #expect(write.status == 403)
            #expect(write["rule"] as? String == "learner-read-only")
            #expect(try await api.send(.get, "/api/v1/learners/\(learnerId)/employment", key: token).status == 403,
                    "outside the token's scopes")
            #expect(try await api.send(.get, "/api/v1/learners", key: token).status == 403, "administration stays closed")

            let log = try await api.admin(.get, "/api/v1/learners/\(learnerId)/access-log?limit=200")
            let denied = log.items.filter { $0["outcome"] as? String == "denied" }
            #expect(denied.contains { ($0["reason"] as? String)?.hasPrefix("learner-read-only") == true })
        }
    }
}
