import Foundation
import HTTPTypes
import Testing
@testable import VitaAPI
import VitaCore
import VitaOAuth
import VitaStorage
import VitaTestSupport

/// Rate limits, CORS, security headers, audited scope denials, client administration and the clean-up of expired
/// OAuth artefacts (docs/SECURITY.md).
struct SecurityAPITests {
    static func problemReason(_ reply: Reply) -> String? {
        (reply["errors"] as? [[String: String]])?.first?["reason"]
    }

    @Test("each caller has its own token bucket: over the burst a 429 problem with Retry-After, refilled with time; refused keys count against the address",
          arguments: TestEngine.available)
    func perCallerRateLimit(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        let options = ServerOptions(rateLimit: RateLimit(rate: 1, burst: 5), signInRateLimit: .off, trustForwardedFor: true)
        try await APIHarness.run(engine, clock: { clock.now }, options: options) { api in
            let organization = try await api.admin(.post, "/api/v1/organizations", json: ["name": "Riverside", "kind": "university"])
            let system = try await api.admin(.post, "/api/v1/systems", json: [
                "organizationId": organization["id"] as! String, "name": "SIS", "kind": "sis"])
            let systemKey = try #require(system["apiKey"] as? String)
            clock.advance(10)

            for _ in 1...5 { #expect(try await api.admin(.get, "/api/v1/organizations").status == 200) }
            let limited = try await api.admin(.get, "/api/v1/organizations")
            #expect(limited.status == 429)
            #expect(limited.contentType == "application/problem+json")
            #expect(limited["status"] as? Int == 429)
            #expect(limited.headers[.retryAfter] == "1")
            // Another caller has its own bucket.
            #expect(try await api.send(.get, "/api/v1/organizations", key: systemKey).status == 403)
            clock.advance(1)
            #expect(try await api.admin(.get, "/api/v1/organizations").status == 200, "a second refills one request")
            #expect(try await api.admin(.get, "/api/v1/organizations").status == 429)

            // Without credentials the remote address is the caller.
            let first = ["X-Forwarded-For": "198.51.100.7, 203.0.113.1"]
            for _ in 1...5 { #expect(try await api.send(.get, "/health", headers: first).status == 200) }
            #expect(try await api.send(.get, "/health", headers: first).status == 429)
            #expect(try await api.send(.get, "/health", headers: ["X-Forwarded-For": "203.0.113.2"]).status == 200)

            // An IPv6 caller is limited by its /64: another address in it shares the bucket, the next /64 does not.
            for host in 1...5 {
                #expect(try await api.send(.get, "/health", headers: ["X-Forwarded-For": "2001:db8:a:b::\(host)"]).status == 200)
            }
            #expect(try await api.send(.get, "/health", headers: ["X-Forwarded-For": "2001:db8:a:b:ffff:1:2:3"]).status == 429)
            #expect(try await api.send(.get, "/health", headers: ["X-Forwarded-For": "2001:db8:a:c::1"]).status == 200)

            // A refused key is charged to its address, so a flood of bad keys meets 429 too.
            let forged = APIKeys.make(ownerId: EntityID.make("sys")).key
            let third = ["X-Forwarded-For": "203.0.113.3"]
            for _ in 1...5 { #expect(try await api.send(.get, "/api/v1/organizations", key: forged, headers: third).status == 401) }
            let flood = try await api.send(.get, "/api/v1/organizations", key: forged, headers: third)
            #expect(flood.status == 429)
            #expect(flood.headers[.retryAfter] == "1")
        }
    }

    @Test("IPv6 addresses are limited by their /64, IPv4-mapped ones as IPv4, anything else as it is")
    func limitedAddresses() {
        #expect(RateLimiting.limitedAddress("2001:db8:a:b::1") == "2001:db8:a:b::/64")
        #expect(RateLimiting.limitedAddress("2001:DB8:A:B:ffff:1:2:3") == "2001:db8:a:b::/64")
        #expect(RateLimiting.limitedAddress("2001:db8::") == "2001:db8:0:0::/64")
        #expect(RateLimiting.limitedAddress("fe80::1%eth0") == "fe80:0:0:0::/64")
        #expect(RateLimiting.limitedAddress("::ffff:198.51.100.7") == "198.51.100.7")
        #expect(RateLimiting.limitedAddress("198.51.100.7") == "198.51.100.7")
        #expect(RateLimiting.limitedAddress("2001:db8:::1") == "2001:db8:::1")
        #expect(RateLimiting.limitedAddress("unknown") == "unknown")
    }

    @Test("sign-in and the token endpoint have a stricter limit per address", arguments: TestEngine.available)
    func signInRateLimit(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        let options = ServerOptions(rateLimit: .off, signInRateLimit: RateLimit(rate: 0.5, burst: 2), trustForwardedFor: true)
        try await APIHarness.run(engine, clock: { clock.now }, options: options) { api in
            let from = "203.0.113.9"
            func token() async throws -> Reply {
                try await api.send(.post, "/oauth/token", raw: "grant_type=client_credentials",
                                   headers: ["Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": from])
            }
            #expect(try await token().status == 401)
            #expect(try await token().status == 401)
            let limited = try await token()
            #expect(limited.status == 429)
            #expect(limited.headers[.retryAfter] == "2", "one request per two seconds, rounded up")
            let signIn = try await api.send(.post, "/oauth/authorize", raw: "pending=x",
                                            headers: ["Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": from])
            #expect(signIn.status == 429, "the sign-in form shares the address's bucket")
            #expect(try await api.send(.get, "/health", headers: ["X-Forwarded-For": from]).status == 200,
                    "other endpoints are not under the sign-in limit")
            clock.advance(2)
            #expect(try await token().status == 401)
        }
    }

    @Test("the buckets' number stays under the capacity: idle buckets go first, then the least recently used")
    func boundedBuckets() {
        let limiter = RateLimiter(limit: RateLimit(rate: 1, burst: 2), capacity: 10)
        for index in 0..<1000 { #expect(limiter.take("address:\(index)", now: Double(index) / 1000) == nil) }
        #expect(limiter.count <= 10)
        #expect(limiter.take("busy", now: 2) == nil)
        #expect(limiter.take("busy", now: 2) == nil)
        #expect(limiter.take("busy", now: 2) == 1)
        #expect(limiter.take("busy", now: 2.5) == 1, "half a token: one more second, rounded up")
        #expect(RateLimiter(limit: .off).take("any", now: 0) == nil)
    }

    @Test("CORS on the OAuth endpoints, the 1EdTech APIs and credential verification (preflight 204, any origin, no credentials); none on the Learner API, the consent page or /docs",
          arguments: TestEngine.available)
    func cors(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let origin = ["Origin": "https://wallet.example"]
            for path in ["/oauth/token", "/oauth/revoke", "/oauth/register", "/.well-known/oauth-authorization-server",
                         "/credentials/verify", "/ims/ob/v3p0/credentials", "/ims/clr/v2p0/discovery"] {
                let preflight = try await api.send(.options, path, headers: origin.merging([
                    "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type",
                ]) { $1 })
                #expect(preflight.status == 204, "\(path)")
                #expect(preflight.headers[.accessControlAllowOrigin] == "*")
                #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
                #expect(preflight.headers[.accessControlAllowHeaders] == "Authorization, Content-Type")
                #expect(preflight.headers[.accessControlMaxAge] != nil)
                #expect(preflight.headers[.accessControlAllowCredentials] == nil)
            }
            let metadata = try await api.send(.get, "/.well-known/oauth-authorization-server", headers: origin)
            #expect(metadata.headers[.accessControlAllowOrigin] == "*")
            #expect(metadata.headers[.accessControlExposeHeaders] == "X-Total-Count, Link, Retry-After, ETag, X-Request-Id")
            let failed = try await api.send(.post, "/oauth/token", raw: "grant_type=client_credentials",
                                            headers: origin.merging(["Content-Type": "application/x-www-form-urlencoded"]) { $1 })
            #expect(failed.status == 401)
            #expect(failed.headers[.accessControlAllowOrigin] == "*", "errors are readable by the browser client too")
            #expect(failed.headers[.accessControlAllowCredentials] == nil)

            let learners = try await api.send(.options, "/api/v1/learners", headers: origin.merging([
                "Access-Control-Request-Method": "GET"]) { $1 })
            // OPTIONS answers the methods the resource takes (RFC 9110 §9.3.7), but no CORS grant a browser would act on.
            #expect(learners.headers[.allow] == "GET, HEAD, OPTIONS, POST")
            #expect(learners.headers[.accessControlAllowOrigin] == nil && learners.headers[.accessControlAllowMethods] == nil)
            for reply in [try await api.admin(.get, "/api/v1/organizations", headers: origin),
                          try await api.send(.get, "/docs", headers: origin),
                          try await api.send(.get, "/oauth/authorize?client_id=cli_00000000000000000000000000000000", headers: origin),
                          try await api.send(.get, "/api/v1/learners", headers: origin)] {
                #expect(reply.headers[.accessControlAllowOrigin] == nil)
                #expect(reply.headers[.accessControlExposeHeaders] == nil)
            }
        }
    }

    @Test("security headers: nosniff on every response, a strict policy on HTML pages (the docs page allows its own stylesheet by hash; the consent page keeps its own)",
          arguments: TestEngine.available)
    func securityHeaders(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let docs = try await api.send(.get, "/docs")
            #expect(docs.status == 200)
            let policy = try #require(docs.headers[.contentSecurityPolicy])
            #expect(policy.hasPrefix("default-src 'none'; style-src 'sha256-"))
            #expect(policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(docs.headers[.xFrameOptions] == "DENY")
            #expect(docs.headers[.referrerPolicy] == "no-referrer")
            #expect(docs.headers[.xContentTypeOptions] == "nosniff")

            let errorPage = try await api.send(.get, "/oauth/authorize?client_id=cli_00000000000000000000000000000000")
            #expect(errorPage.contentType?.hasPrefix("text/html") == true)
            #expect(errorPage.headers[.contentSecurityPolicy]?.contains("style-src 'sha256-") == true, "the page's own policy")
            #expect(errorPage.headers[.xFrameOptions] == "DENY")

            for reply in [try await api.send(.get, "/health"), try await api.send(.get, "/api/v1/learners"),
                          try await api.send(.get, "/no/such/path"), try await api.send(.get, "/openapi.json")] {
                #expect(reply.headers[.xContentTypeOptions] == "nosniff")
                #expect(reply.headers[.contentSecurityPolicy] == nil, "JSON is not a page")
            }
            let document = try await api.send(.get, "/openapi.json")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let revoke = try #require(paths["/api/v1/oauth-clients/{clientId}/revoke"]?["post"] as? [String: Any])
            #expect((revoke["responses"] as? [String: Any])?["429"] != nil)
            #expect(paths["/api/v1/oauth-clients"]?["get"] != nil)
        }
    }

    /// A connected system with a client-credentials client limited to `scope`, and a token for it.
    static func systemToken(_ api: APIHarness, scope: String) async throws -> (world: APIHarness.World, clientId: String,
                                                                               basic: String, token: String) {
        let world = try await api.world(categories: ["experiences"], extraProfileAgreement: false)
        let client = try await api.admin(.post, "/api/v1/systems/\(world.systemId)/oauth-clients", json: ["scope": scope])
        #expect(client.status == 201, "\(client.string)")
        let clientId = try #require(client["client_id"] as? String)
        let basic = "Basic " + Data("\(clientId):\(try #require(client["client_secret"] as? String))".utf8).base64EncodedString()
        let issued = try await OAuthClientSteps(api: api, clientId: "", secret: "")
            .form("/oauth/token", ["grant_type": "client_credentials"], authorization: basic)
        return (world, clientId, basic, try #require(issued["access_token"] as? String))
    }

    @Test("a token refused for want of scope is audited as a denial by the client, naming the missing scope and the learner",
          arguments: TestEngine.available)
    func scopeDenialsAreAudited(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let (world, clientId, _, token) = try await Self.systemToken(api, scope: "vita:experiences:read")
            let learner = try await api.learner(key: world.systemKey)
            let profile = try await api.send(.get, "/api/v1/learners/\(learner)/profile", key: token)
            #expect(profile.status == 403)
            #expect(Self.problemReason(profile) == "insufficient_scope")
            let log = try await api.admin(.get, "/api/v1/learners/\(learner)/access-log")
            let denial = try #require(log.items.first { $0["action"] as? String == "getProfile" })
            #expect(denial["outcome"] as? String == "denied")
            #expect((denial["reason"] as? String)?.contains("vita:profile:read") == true)
            let actor = try #require(denial["actor"] as? [String: Any])
            #expect(actor["kind"] as? String == "client")
            #expect(actor["id"] as? String == clientId)

            // An operation no token may call, concerning no learner.
            #expect(try await api.send(.get, "/api/v1/competencies", key: token).status == 403)
            let audit = try await api.admin(.get, "/api/v1/audit?limit=200")
            let closed = try #require(audit.items.first { $0["action"] as? String == "listCompetencies" })
            #expect(closed["outcome"] as? String == "denied")
            #expect(closed["learnerId"] == nil)
            #expect((closed["reason"] as? String)?.hasPrefix("insufficient_scope") == true)
            #expect(try await api.admin(.get, "/api/v1/audit/verification")["intact"] as? Bool == true)
        }
    }

    @Test("administrators list OAuth clients page by page without secrets, and revoke one with all its tokens (audited)",
          arguments: TestEngine.available)
    func clientAdministration(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let wallet = try await OAuthClientSteps.register(api)
            let (world, systemClientId, basic, token) = try await Self.systemToken(api, scope: "vita:experiences:read")
            let learner = try await api.learner(key: world.systemKey)
            #expect(try await api.send(.get, "/api/v1/learners/\(learner)/experiences", key: token).status == 200)

            let first = try await api.admin(.get, "/api/v1/oauth-clients?limit=1")
            #expect(first.status == 200, "\(first.string)")
            #expect(first.items.count == 1)
            let cursor = try #require(first["nextCursor"] as? String)
            let second = try await api.admin(.get, "/api/v1/oauth-clients?limit=1&cursor=\(cursor)")
            #expect(second.items.count == 1)
            #expect(second["nextCursor"] == nil)
            let all = first.items + second.items
            #expect(Set(all.map { $0["id"] as! String }) == [wallet.clientId, systemClientId])
            let walletRow = try #require(all.first { $0["id"] as? String == wallet.clientId })
            #expect(walletRow["clientName"] as? String == "Wallet <Example>")
            #expect(walletRow["redirectUris"] as? [String] == ["https://wallet.example/callback"])
            #expect(all.first { $0["id"] as? String == systemClientId }?["systemId"] as? String == world.systemId)
            for page in [first, second] {
                #expect(!page.string.contains(wallet.secret))
                #expect(!page.string.lowercased().contains("secret"))
            }
            #expect(try await api.send(.get, "/api/v1/oauth-clients", key: world.systemKey).status == 403)
            #expect(try await api.send(.get, "/api/v1/oauth-clients", key: token).status == 403)

            let revoked = try await api.admin(.post, "/api/v1/oauth-clients/\(systemClientId)/revoke")
            #expect(revoked.status == 200, "\(revoked.string)")
            #expect(revoked["revokedAt"] != nil)
            #expect(try await api.send(.get, "/api/v1/learners/\(learner)/experiences", key: token).status == 401)
            let again = try await OAuthClientSteps(api: api, clientId: "", secret: "")
                .form("/oauth/token", ["grant_type": "client_credentials"], authorization: basic)
            #expect(again["error"] as? String == "invalid_client")
            #expect(try await api.send(.get, "/api/v1/learners/\(learner)/experiences", key: world.systemKey).status == 200,
                    "the system's API key is not the client")
            #expect(try await api.admin(.post, "/api/v1/oauth-clients/cli_00000000000000000000000000000000/revoke").status == 404)
            #expect(try await api.admin(.post, "/api/v1/oauth-clients/not-a-client/revoke").status == 404)
            let audit = try await api.admin(.get, "/api/v1/audit?limit=200")
            #expect(audit.items.contains { $0["action"] as? String == "oauth.client.revoke" })
        }
    }

    @Test("the purge deletes expired codes, pending authorizations and dead token families, keeps what reuse detection needs, and is idempotent",
          arguments: TestEngine.available)
    func purge(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            try await OAuthAPITests.learnerAccount(api)
            let client = try await OAuthClientSteps.register(api)
            let verifier = OAuthAPITests.verifier
            let tokens = try await client.exchange(try await client.code(verifier: verifier), verifier: verifier)
            let firstRefresh = try #require(tokens["refresh_token"] as? String)
            let rotated = try await client.refresh(firstRefresh)
            let secondRefresh = try #require(rotated["refresh_token"] as? String)
            _ = try await client.code(verifier: verifier)  // issued, never exchanged
            _ = try await client.page(verifier: verifier)  // a page never answered
            let start = Date()
            let day: TimeInterval = 86_400

            let early = try await api.database.transaction {
                try await $0.purgeExpiredOAuthArtefacts(now: start + 2 * day, grace: day)
            }
            #expect(early == .init(codes: 1, pendingAuthorizations: 1, tokens: 0, webSessions: 0),
                    "the unexchanged code and the page go; the family still has a live refresh token, so all of it stays")
            let replay = try await client.refresh(firstRefresh)
            #expect(replay["error"] as? String == "invalid_grant")
            #expect(try await client.refresh(secondRefresh).status == 400, "reuse of the rotated token still revoked the family")

            let late = try await api.database.transaction {
                try await $0.purgeExpiredOAuthArtefacts(now: start + 40 * day, grace: day)
            }
            #expect(late == .init(codes: 1, pendingAuthorizations: 0, tokens: 4, webSessions: 0), "a dead family goes with its code")
            let again = try await api.database.transaction {
                try await $0.purgeExpiredOAuthArtefacts(now: start + 40 * day, grace: day)
            }
            #expect(again == .init(codes: 0, pendingAuthorizations: 0, tokens: 0, webSessions: 0))
        }
    }
}
