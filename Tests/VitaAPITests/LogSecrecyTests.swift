import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import VitaAPI
import VitaCore
import VitaStorage
import VitaTestSupport

/// Nothing secret or personal reaches the logs, whatever the level.
struct LogSecrecyTests {
    @Test("at trace level (application and SQL), no client secret, token, code, password, API key secret or learner name or identifier appears in any log message or metadata",
          arguments: TestEngine.available)
    func nothingSecretOrPersonalIsLogged(_ engine: TestEngine) async throws {
        let capture = LogCapture()
        var logger = Logger(label: "vita.test") { _ in capture }
        logger.logLevel = .trace
        try await TestDatabase.with(engine, logger: logger) { test in
            let adminId = EntityID.make("adm")
            let (adminKey, adminHash) = APIKeys.make(ownerId: adminId)
            try await test.database.transaction { try await $0.insertAdminKey(id: adminId, keyHash: adminHash, at: Date()) }
            let learnerAPI = LearnerAPI(database: test.database, vault: try KeyVault(base64: KeyVault.generateMasterKey()),
                                        options: ServerOptions(rateLimit: .off, signInRateLimit: .off))
            let worker = learnerAPI.issuanceJobWorker
            let conformance = DocumentConformance.shared(document: learnerAPI.openAPIDocument)
            try await Application(router: learnerAPI.router, logger: logger).test(.router) { client in
                let api = APIHarness(client: client, adminKey: adminKey, database: test.database, issuanceJobWorker: worker,
                                     conformance: conformance)
                var secrets = [adminKey, String(adminKey.split(separator: ".").last!)]

                // The Learner API as a connected system, with its API key and with an access token.
                let world = try await api.world()
                secrets += [world.systemKey, String(world.systemKey.split(separator: ".").last!)]
                let learner = try await api.learner(key: world.systemKey)
                let written = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                                 json: APIHarness.experience(world.organizationId, source: "enr-77"))
                #expect(written.status == 201)
                #expect(try await api.send(.get, "/api/v1/learners/\(learner)/profile", key: world.systemKey).status == 200)
                #expect(try await api.send(.get, "/api/v1/learners/\(learner)", key: world.systemKey).status == 200)
                let systemClient = try await api.admin(.post, "/api/v1/systems/\(world.systemId)/oauth-clients",
                                                       json: ["scope": "vita:experiences:read"])
                let systemSecret = try #require(systemClient["client_secret"] as? String)
                let basic = "Basic " + Data("\(systemClient["client_id"] as! String):\(systemSecret)".utf8).base64EncodedString()
                let steps = OAuthClientSteps(api: api, clientId: "", secret: "")
                let issued = try await steps.form("/oauth/token", ["grant_type": "client_credentials"], authorization: basic)
                let systemToken = try #require(issued["access_token"] as? String)
                #expect(try await api.send(.get, "/api/v1/learners/\(learner)/experiences", key: systemToken).status == 200)
                #expect(try await api.send(.get, "/api/v1/learners/\(learner)/profile", key: systemToken).status == 403)
                secrets += [systemSecret, systemToken, basic]

                // The authorization-code flow, with a failed sign-in, a refresh and a revocation.
                try await OAuthAPITests.learnerAccount(api)
                let wallet = try await OAuthClientSteps.register(api)
                let page = try await wallet.page(verifier: OAuthAPITests.verifier)
                _ = try await wallet.answer(page, password: "a wrong password")
                let code = try #require(try OAuthClientSteps.query(try await wallet.answer(page))["code"])
                let tokens = try await wallet.exchange(code, verifier: OAuthAPITests.verifier)
                let access = try #require(tokens["access_token"] as? String)
                let refresh = try #require(tokens["refresh_token"] as? String)
                #expect(try await api.send(.get, "/api/v1/me/approvals", key: access).status == 200)
                let rotated = try await wallet.refresh(refresh)
                let refreshed = try #require(rotated["refresh_token"] as? String)
                _ = try await wallet.form("/oauth/revoke", ["token": refreshed], authorization: wallet.basic)
                _ = try await wallet.refresh(refresh)
                secrets += [OAuthAPITests.password, "a wrong password", wallet.secret, wallet.basic, code, access, refresh,
                            refreshed, page.csrf, OAuthAPITests.verifier]

                let text = capture.text
                #expect(text.contains("INSERT INTO"), "the capture saw the SQL log")
                #expect(text.contains("oauth_tokens"))
                for secret in secrets { #expect(!text.contains(secret)) }
                // Personal data: the learner's name and institutional identifier.
                for personal in ["Lovelace", "S-1001"] { #expect(!text.contains(personal), "\(personal)") }
            }
        }
    }
}
