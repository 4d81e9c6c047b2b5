import Foundation
import HTTPTypes
import Testing
import VitaAPI
import VitaCore
import VitaExchange
import VitaOAuth
import VitaPeer
import VitaResolution
import VitaStorage
import VitaTestSupport

/// Who calls, in each column of the access-control matrix. Every situation is genuine: its credential, agreement,
/// consent or token was set up through the API.
enum Situation: String, CaseIterable, Sendable {
    /// No `Authorization` header.
    case noCredentials
    /// A connected system's live access token whose scopes do not cover the operation.
    case wrongScope
    /// The right system's access token (every scope), expired.
    case expiredToken
    /// The right system's access token (every scope), revoked through RFC 7009.
    case revokedToken
    /// The API key of a system of organization B, under an active agreement with B as provider.
    case otherOrganization
    /// The API key of a system of organization A whose agreements (every category, read and write) are draft.
    case agreementDraft
    /// … suspended.
    case agreementSuspended
    /// … active but past their `validUntil`.
    case agreementExpired
    /// … terminated.
    case agreementTerminated
    /// … active, requiring consent, which the learner gave and withdrew.
    case consentWithdrawn
    /// The learner's own access token (authorization-code grant, every `vita:` scope and `vita:approvals`).
    case learnerToken
    /// An administrator key.
    case admin
    /// The API key of organization A's system under active agreements (every category, read and write).
    case rightSystem
    /// Organization A's administrator on the staff, through the issuer console's in-process calls.
    case staffAdmin
    /// An issuer on organization A's staff.
    case staffIssuer
    /// An auditor on organization A's staff.
    case staffAuditor
    /// Organization B's administrator on the staff: another organization's staff reaches nothing of A.
    case staffOtherOrganization

    /// The staff situations: their calls are made in process as the console makes them, never over HTTP.
    var isStaff: Bool { [.staffAdmin, .staffIssuer, .staffAuditor, .staffOtherOrganization].contains(self) }
}

/// What a request carries in its body.
enum BodyUse: Sendable {
    /// No body (GET, DELETE, POST without one).
    case none
    /// A minimal valid body.
    case minimal
    /// An empty or placeholder body: the operation decides before it reads one (its credentials are checked
    /// elsewhere, or the placeholder is what is under test).
    case emptyChecksFirst
}

/// One request of a row.
struct Probe: Sendable {
    var method: HTTPRequest.Method
    var path: String
    /// A JSON body, as text.
    var json: String? = nil
    /// A form body (`application/x-www-form-urlencoded`).
    var form: String? = nil
    var headers: [String: String] = [:]

    init(_ method: HTTPRequest.Method, _ path: String, json: Any? = nil, form: String? = nil, headers: [String: String] = [:]) {
        self.method = method
        self.path = path
        self.json = json.map { String(decoding: (try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys])) ?? Data(), as: UTF8.self) }
        self.form = form
        self.headers = headers
    }
}

/// One row: an operation, how to call it in a situation, and the status each situation must get.
struct MatrixRow: Sendable {
    let operationId: String
    let body: BodyUse
    let expected: [Situation: Int]
    let probe: @Sendable (MatrixFixture, Situation) async throws -> Probe
}

/// The world the matrix runs in, all made through the API.
struct MatrixFixture: Sendable {
    let api: APIHarness
    let organizationA: String
    let organizationB: String
    /// A throwaway system of A (consumer of agreements made by rows).
    let throwawaySystem: String
    let rightAgreement: String
    let learner: String
    /// A record per stored category, written by the right system for organization A.
    let records: [RecordCategory: String]
    let competencyId: String
    let achievementId: String
    let statusListPath: String
    let credentials: [Situation: String]
    /// Tokens of the right system with one scope each, for `wrongScope`.
    let employmentReadToken: String
    let affiliationsWriteToken: String
    /// The scopes `/openapi.json` lists for each operation's `oauth2` security.
    let tokenScopes: [String: [String]]
    /// The staff account of each staff situation.
    var staff: [Situation: String] = [:]

    /// The `Authorization` credential of `situation` for `operationId`.
    func credential(_ situation: Situation, operationId: String) -> String? {
        guard situation == .wrongScope else { return credentials[situation] }
        // A token whose one scope the operation does not accept.
        return tokenScopes[operationId, default: []].contains("vita:employment:read") ? affiliationsWriteToken : employmentReadToken
    }

    func send(_ probe: Probe, _ situation: Situation, operationId: String) async throws -> Reply {
        var headers = probe.headers
        if situation.isStaff, let staffId = staff[situation] {
            // Through the harness's route that makes the console's in-process call as this staff member.
            headers[APIHarness.staffHeader] = staffId
            headers[APIHarness.methodHeader] = probe.method.rawValue
            headers[APIHarness.pathHeader] = probe.path
            if let form = probe.form { headers["Content-Type"] = "application/x-www-form-urlencoded"
                return try await api.send(.post, APIHarness.staffRoute, raw: form, headers: headers) }
            return try await api.send(.post, APIHarness.staffRoute, raw: probe.json, headers: headers)
        }
        if let form = probe.form {
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if let key = credential(situation, operationId: operationId) { headers["Authorization"] = "Bearer \(key)" }
            return try await api.send(probe.method, probe.path, raw: form, headers: headers)
        }
        return try await api.send(probe.method, probe.path, key: credential(situation, operationId: operationId),
                                  raw: probe.json, headers: headers)
    }

    // MARK: Fresh resources for operations that consume them

    func recordBody(_ category: RecordCategory, source: String) -> [String: Any] {
        let record: [String: Any]
        switch category {
        case .affiliations: record = ["organizationId": organizationA, "role": "student", "startDate": "2023-09-01"]
        case .experiences:
            record = ["organizationId": organizationA, "kind": "course", "title": "Algorithms", "status": "completed",
                      "startDate": "2025-01-10", "endDate": "2025-05-10", "credits": 4]
        case .competencies:
            record = ["competencyId": competencyId, "organizationId": organizationA, "level": 3, "levelMaximum": 5,
                      "evidence": [["url": "https://portfolio.example/\(source)"]]]
        case .credentials:
            record = ["organizationId": organizationA, "kind": "degree", "title": "BSc Computer Science",
                      "awardedDate": "2026-06-30"]
        case .employment, .profile:
            record = ["organizationId": organizationA, "title": "Teaching assistant", "startDate": "2025-09-01"]
        }
        return ["record": record, "provenance": ["sourceRecordId": source]]
    }

    func freshRecord(_ category: RecordCategory) async throws -> String {
        let created = try await api.send(.post, "/api/v1/learners/\(learner)/\(category.rawValue)", key: credentials[.rightSystem],
                                         json: recordBody(category, source: "fresh-\(UUID().uuidString)"))
        #expect(created.status == 201, "\(created.string)")
        return try #require(created["id"] as? String)
    }

    func etag(_ path: String) async throws -> String {
        try #require(try await api.admin(.get, path).headers[.eTag])
    }

    func freshLearner() async throws -> String {
        let created = try await api.admin(.post, "/api/v1/learners", json: ["name": ["display": "Grace Hopper"]])
        return try #require(created["id"] as? String)
    }

    /// A freshly issued Open Badge for a fresh credential record.
    func freshBadge() async throws -> [String: Any] {
        let record = try await freshRecord(.credentials)
        let issued = try await api.send(.post, "/api/v1/learners/\(learner)/credentials/\(record)/badges",
                                        key: credentials[.rightSystem], json: ["achievementId": achievementId])
        #expect(issued.status == 201, "\(issued.string)")
        return try #require(issued["verifiableCredential"] as? [String: Any])
    }

    /// The id (`vcr_…`) of a freshly issued Open Badge.
    func freshIssuedId() async throws -> String {
        let record = try await freshRecord(.credentials)
        let issued = try await api.send(.post, "/api/v1/learners/\(learner)/credentials/\(record)/badges",
                                        key: credentials[.rightSystem], json: ["achievementId": achievementId])
        #expect(issued.status == 201, "\(issued.string)")
        return try #require(issued["id"] as? String)
    }

    /// A freshly issued Open Badge's credential id.
    func freshCredential() async throws -> String {
        try #require(try await freshBadge()["id"] as? String)
    }

    /// Sends as the learner's own token.
    func asLearner(_ method: HTTPRequest.Method, _ path: String, json: Any? = nil) async throws -> Reply {
        try await api.send(method, path, key: credentials[.learnerToken], json: json)
    }

    /// A fresh collection of the learner holding one record.
    func freshCollection() async throws -> String {
        let created = try await asLearner(.post, "/api/v1/me/collections", json: [
            "name": "Portfolio", "items": [["kind": "record", "id": records[.experiences]!]]])
        #expect(created.status == 201, "\(created.string)")
        return try #require(created["id"] as? String)
    }

    /// A fresh share link of a fresh collection: its id and its token.
    func freshShareLink() async throws -> (id: String, token: String) {
        let created = try await asLearner(.post, "/api/v1/me/shares", json: ["collectionId": try await freshCollection()])
        #expect(created.status == 201, "\(created.string)")
        return (try #require(created["id"] as? String), try #require(created["token"] as? String))
    }

    /// A fresh OpenID4VCI offer of a freshly issued badge, made by the learner.
    func freshCredentialOffer() async throws -> String {
        let created = try await asLearner(.post, "/api/v1/me/credentials/\(try await freshIssuedId())/offers", json: [String: Any]())
        #expect(created.status == 201, "\(created.string)")
        return try #require(created["id"] as? String)
    }

    /// The path of a fresh VC-API exchange offering a freshly issued badge, made by the learner.
    func freshExchange() async throws -> String {
        let created = try await asLearner(.post, "/api/v1/me/credentials/\(try await freshIssuedId())/offers", json: ["protocol": "vcapi"])
        #expect(created.status == 201, "\(created.string)")
        let url = try #require(created["exchangeURL"] as? String)
        return String(url[try #require(url.range(of: "/exchanges/")).lowerBound...])
    }

    /// A fresh peer (a Vita at a loopback address where none listens).
    func freshPeer() async throws -> String {
        let created = try await api.admin(.post, "/api/v1/peers", json: AccessControlTable.peerBody(organizationB))
        #expect(created.status == 201, "\(created.string)")
        return try #require(created["id"] as? String)
    }

    /// A fresh bulk issuance job of organization A.
    func freshJob() async throws -> String {
        let created = try await api.admin(.post, "/api/v1/organizations/\(organizationA)/issuance-jobs",
                                          json: AccessControlTable.jobBody(self))
        #expect(created.status == 202, "\(created.string)")
        return try #require(created["id"] as? String)
    }

    /// A freshly issued CLR of the learner.
    func freshClr() async throws -> [String: Any] {
        let issued = try await api.send(.post, "/api/v1/learners/\(learner)/clr", key: credentials[.rightSystem], json: [String: Any]())
        #expect(issued.status == 201, "\(issued.string)")
        return try #require(issued["verifiableCredential"] as? [String: Any])
    }
}

/// Builds the fixture and runs the table.
struct AccessControlMatrixTests {
    static let password = "correct horse battery staple"

    /// A system of `organization` with agreements for every stored category (read, write) and the profile (read).
    static func system(_ api: APIHarness, organization: String, status: String = "active", consentRequired: Bool = false,
                       validity: (String, String)? = nil, name: String) async throws -> (id: String, key: String, agreement: String) {
        let system = try await api.admin(.post, "/api/v1/systems", json: ["organizationId": organization, "name": name, "kind": "sis"])
        let id = try #require((system["system"] as? [String: Any])?["id"] as? String)
        var agreementIds: [String] = []
        for (categories, permissions) in [(["affiliations", "experiences", "competencies", "credentials", "employment"], ["read", "write"]),
                                          (["profile"], ["read"])] {
            var body: [String: Any] = ["providerOrganizationId": organization, "consumerSystemId": id, "categories": categories,
                                       "permissions": permissions, "purpose": "Registrar sync",
                                       "consentRequired": consentRequired, "status": status == "draft" ? "draft" : "active"]
            if let (from, until) = validity { body["validFrom"] = from; body["validUntil"] = until }
            let agreement = try await api.admin(.post, "/api/v1/agreements", json: body)
            #expect(agreement.status == 201, "\(agreement.string)")
            let agreementId = try #require(agreement["id"] as? String)
            if status == "suspended" || status == "terminated" {
                let changed = try await api.admin(.patch, "/api/v1/agreements/\(agreementId)", json: ["status": status],
                                                  headers: ["If-Match": try #require(try await api.admin(.get, "/api/v1/agreements/\(agreementId)").headers[.eTag])])
                #expect(changed.status == 200, "\(changed.string)")
            }
            agreementIds.append(agreementId)
        }
        return (id, try #require(system["apiKey"] as? String), agreementIds[0])
    }

    /// A client-credentials client of `systemId` with `scope`, and a token from it.
    static func systemToken(_ api: APIHarness, systemId: String, scope: String) async throws -> (token: String, basic: String) {
        let client = try await api.admin(.post, "/api/v1/systems/\(systemId)/oauth-clients", json: ["scope": scope])
        #expect(client.status == 201, "\(client.string)")
        let basic = "Basic " + Data("\(client["client_id"] as! String):\(client["client_secret"] as! String)".utf8).base64EncodedString()
        let issued = try await OAuthClientSteps(api: api, clientId: "", secret: "")
            .form("/oauth/token", ["grant_type": "client_credentials"], authorization: basic)
        return (try #require(issued["access_token"] as? String), basic)
    }

    static let allVitaScopes = (RecordCategory.stored.flatMap { ["vita:\($0.rawValue):read", "vita:\($0.rawValue):write"] }
        + ["vita:profile:read"]).joined(separator: " ")
    /// The 1EdTech scopes of both services.
    static let oneEdTechScopes = ["ob/v3p0", "clr/v2p0"].flatMap { service in
        ["credential.readonly", "credential.upsert", "profile.readonly", "profile.update"]
            .map { "https://purl.imsglobal.org/spec/\(service)/scope/\($0)" }
    }.joined(separator: " ")

    static func walletRegistration(_ name: String) -> [String: Any] {
        var registration = OAuthClientSteps.registration
        registration["client_name"] = name
        registration["scope"] = "vita:approvals vita:wallet offline_access " + allVitaScopes + " " + oneEdTechScopes
        return registration
    }

    /// The learner's access token from a wallet client (sign-in, consent, code, PKCE exchange).
    static func learnerToken(_ wallet: OAuthClientSteps) async throws -> String {
        let verifier = OAuthAPITests.verifier
        let page = try await wallet.page(verifier: verifier, scope: "vita:approvals vita:wallet " + allVitaScopes + " " + oneEdTechScopes)
        let answered = try await wallet.answer(page, login: "ada", password: password)
        let code = try #require(try OAuthClientSteps.query(answered)["code"])
        let tokens = try await wallet.exchange(code, verifier: verifier)
        return try #require(tokens["access_token"] as? String, "\(tokens.string)")
    }

    static func makeFixture(_ api: APIHarness, clock: TestClock) async throws -> MatrixFixture {
        let organizationA = try #require(try await api.admin(.post, "/api/v1/organizations",
                                                             json: ["name": "Riverside University", "kind": "university"])["id"] as? String)
        let organizationB = try #require(try await api.admin(.post, "/api/v1/organizations",
                                                             json: ["name": "Hillside College", "kind": "university"])["id"] as? String)
        let right = try await system(api, organization: organizationA, name: "Registrar SIS")
        // Issued two hours ago, so expired (3600 s) by now.
        clock.advance(-7200)
        let expired = try await systemToken(api, systemId: right.id, scope: allVitaScopes).token
        clock.advance(7200)
        let revokedGrant = try await systemToken(api, systemId: right.id, scope: allVitaScopes)
        let revocation = try await OAuthClientSteps(api: api, clientId: "", secret: "")
            .form("/oauth/revoke", ["token": revokedGrant.token], authorization: revokedGrant.basic)
        #expect(revocation.status == 200)
        let employmentRead = try await systemToken(api, systemId: right.id, scope: "vita:employment:read").token
        let affiliationsWrite = try await systemToken(api, systemId: right.id, scope: "vita:affiliations:write").token

        let other = try await system(api, organization: organizationB, name: "Hillside SIS")
        let draft = try await system(api, organization: organizationA, status: "draft", name: "Draft LMS")
        let suspended = try await system(api, organization: organizationA, status: "suspended", name: "Suspended LMS")
        let terminated = try await system(api, organization: organizationA, status: "terminated", name: "Terminated LMS")
        let lapsed = try await system(api, organization: organizationA,
                                      validity: ("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"), name: "Lapsed LMS")
        let consenting = try await system(api, organization: organizationA, consentRequired: true, name: "Consent LMS")
        let throwaway = try await system(api, organization: organizationA, status: "draft", name: "Throwaway")

        let created = try await api.send(.post, "/api/v1/learners", key: right.key, json: AccessControlTable.learnerBody)
        #expect(created.status == 201, "\(created.string)")
        let learner = try #require(created["id"] as? String)
        for agreement in try await api.admin(.get, "/api/v1/agreements?limit=200").items
        where (agreement["consumerSystemId"] as? String) == consenting.id {
            let consent = try await api.admin(.post, "/api/v1/learners/\(learner)/consents",
                                              json: ["agreementId": agreement["id"] as! String])
            #expect(consent.status == 201, "\(consent.string)")
            let withdrawn = try await api.admin(.delete, "/api/v1/learners/\(learner)/consents/\(consent["id"] as! String)")
            #expect(withdrawn.status == 200)
        }

        let competency = try await api.admin(.post, "/api/v1/competencies", json: [
            "name": "Data analysis", "organizationId": organizationA, "framework": "Riverside Core Skills"])
        #expect(competency.status == 201, "\(competency.string)")
        #expect(try await api.admin(.post, "/api/v1/organizations/\(organizationA)/keys").status == 201)
        let achievement = try await api.admin(.post, "/api/v1/achievements", json: [
            "organizationId": organizationA, "name": "BSc Computer Science", "description": "Bachelor of Science",
            "criteriaNarrative": "Complete 180 credits", "achievementType": "BachelorDegree"])
        #expect(achievement.status == 201, "\(achievement.string)")

        var staff: [Situation: String] = [:]
        for (situation, organization, role) in [(Situation.staffAdmin, organizationA, "admin"), (.staffIssuer, organizationA, "issuer"),
                                                (.staffAuditor, organizationA, "auditor"),
                                                (.staffOtherOrganization, organizationB, "admin")] {
            let created = try await api.admin(.post, "/api/v1/organizations/\(organization)/staff", json: [
                "login": "staff-\(situation.rawValue.lowercased())", "password": password, "role": role])
            #expect(created.status == 201, "\(created.string)")
            staff[situation] = try #require(created["id"] as? String)
        }
        let account = try await api.admin(.post, "/api/v1/learners/\(learner)/account", json: ["login": "ada", "password": password])
        #expect(account.status == 201, "\(account.string)")
        let wallet = try await OAuthClientSteps.register(api, walletRegistration("Wallet"))
        let learnerToken = try await learnerToken(wallet)

        let document = try await api.send(.get, "/openapi.json")
        var tokenScopes: [String: [String]] = [:]
        for (_, methods) in document["paths"] as? [String: [String: [String: Any]]] ?? [:] {
            for (_, operation) in methods {
                let security = operation["security"] as? [[String: [String]]] ?? []
                tokenScopes[operation["operationId"] as! String] = security.compactMap { $0["oauth2"] }.flatMap { $0 }
            }
        }

        var fixture = MatrixFixture(
            api: api, organizationA: organizationA, organizationB: organizationB,
            throwawaySystem: throwaway.id, rightAgreement: right.agreement, learner: learner, records: [:],
            competencyId: competency["id"] as! String, achievementId: achievement["id"] as! String, statusListPath: "",
            credentials: [.expiredToken: expired, .revokedToken: revokedGrant.token, .otherOrganization: other.key,
                          .agreementDraft: draft.key, .agreementSuspended: suspended.key, .agreementExpired: lapsed.key,
                          .agreementTerminated: terminated.key, .consentWithdrawn: consenting.key,
                          .learnerToken: learnerToken, .admin: api.adminKey, .rightSystem: right.key],
            employmentReadToken: employmentRead, affiliationsWriteToken: affiliationsWrite, tokenScopes: tokenScopes, staff: staff)
        var records: [RecordCategory: String] = [:]
        for category in RecordCategory.stored { records[category] = try await fixture.freshRecord(category) }
        let credentialRecord = try #require(records[.credentials])
        let badge = try await api.send(.post, "/api/v1/learners/\(learner)/credentials/\(credentialRecord)/badges",
                                       key: right.key, json: ["achievementId": fixture.achievementId])
        #expect(badge.status == 201, "\(badge.string)")
        let status = (badge["verifiableCredential"] as? [String: Any])?["credentialStatus"]
        let entry = (status as? [[String: Any]])?.first ?? (status as? [String: Any]) ?? [:]
        let listURL = try #require(entry["statusListCredential"] as? String)
        fixture = MatrixFixture(
            api: api, organizationA: organizationA, organizationB: organizationB,
            throwawaySystem: throwaway.id, rightAgreement: right.agreement, learner: learner, records: records,
            competencyId: fixture.competencyId, achievementId: fixture.achievementId,
            statusListPath: String(listURL[try #require(listURL.range(of: "/status/")).lowerBound...]),
            credentials: fixture.credentials, employmentReadToken: employmentRead, affiliationsWriteToken: affiliationsWrite,
            tokenScopes: tokenScopes, staff: staff)
        return fixture
    }

    @Test("access-control matrix: every operation of the route catalog × every situation answers the status its row names; an operation without a row fails",
          arguments: TestEngine.available, SweepParts.all)
    func matrix(_ engine: TestEngine, part: Int) async throws {
        let clock = TestClock(start: Date())
        // Outbound requests for connections go to loopback only, where no platform listens: connecting fails (502)
        // after the access check, and nothing leaves the machine.
        let http = ResolutionHTTPClient(configuration: LiveVita.loopbackPolicy)
        let peers = PeerHTTPClient()
        let options = ServerOptions(platformClient: OneEdTechClient(http: http), peerClient: peers, rateLimit: .off,
                                    signInRateLimit: .off, notificationClient: http, changeNotificationInterval: 0)
        do {
            try await Self.run(engine, part: part, clock: clock, options: options)
        } catch {
            try? await http.shutdown()
            try? await peers.shutdown()
            throw error
        }
        try await http.shutdown()
        try await peers.shutdown()
    }

    /// Runs the rows of one `part` (`SweepParts`; each part on a fixture of its own, so that the parts run side by side).
    static func run(_ engine: TestEngine, part: Int, clock: TestClock, options: ServerOptions) async throws {
        try await APIHarness.run(engine, clock: { clock.now }, options: options) { api in
            let fixture = try await Self.makeFixture(api, clock: clock)
            let rows = AccessControlTable.rows
            let byId = Dictionary(rows.map { ($0.operationId, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byId.count == rows.count, "one row per operation")
            let operations = Set(fixture.tokenScopes.keys)
            for missing in operations.subtracting(byId.keys).sorted() {
                Issue.record("operation \(missing) has no row in the access-control matrix")
            }
            for stale in Set(byId.keys).subtracting(operations).sorted() {
                Issue.record("row \(stale) names no operation of the route catalog")
            }
            var mismatches: [String] = []
            for (index, row) in rows.enumerated() where SweepParts.includes(index, in: part) && operations.contains(row.operationId) {
                for situation in Situation.allCases {
                    guard let expected = row.expected[situation] else {
                        mismatches.append("\(row.operationId) × \(situation): no expected status")
                        continue
                    }
                    let probe = try await row.probe(fixture, situation)
                    let reply = try await fixture.send(probe, situation, operationId: row.operationId)
                    if reply.status != expected {
                        mismatches.append("\(row.operationId) × \(situation.rawValue) (body: \(row.body)): expected \(expected), got \(reply.status) \(reply.string.prefix(160))")
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
            try await Self.expectWalletNamesEveryAction(api)
        }
    }

    /// The learner's access page (the wallet, VitaWeb) names each entry about them by its action in plain words
    /// (`wallet.action.<action>` in its strings). Every action the matrix left in entries about a learner must have
    /// its words; an action without a dot is an operation refused before it ran, which the page names generically.
    static func expectWalletNamesEveryAction(_ api: APIHarness) async throws {
        let stringsFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/VitaWeb/Resources/strings/en.json")
        let strings = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: stringsFile)) as? [String: String])
        var actions = Set<String>()
        var cursor: String?
        repeat {
            let page = try await api.database.read { [cursor] in try await $0.auditEntries(learnerId: nil, after: cursor, limit: 1000) }
            actions.formUnion(page.items.filter { $0.learnerId != nil && $0.action.contains(".") }.map(\.action))
            cursor = page.nextCursor
        } while cursor != nil
        #expect(actions.count > 5, "each part of the matrix audits many actions about its learner: \(actions.sorted())")
        for action in actions.sorted() where strings["wallet.action.\(action)"] == nil {
            Issue.record("the wallet's access page has no words for the action '\(action)' (wallet.action.\(action) in VitaWeb's strings)")
        }
    }
}

/// The table: one row per operationId, with the status every situation must get.
enum AccessControlTable {
    typealias Expect = [Situation: Int]

    /// Every situation the same.
    static func all(_ status: Int) -> Expect {
        Dictionary(uniqueKeysWithValues: Situation.allCases.map { ($0, status) })
    }

    /// An open operation: no credentials needed, but a presented token that is expired or revoked is refused (401)
    /// before any route runs.
    static func open(_ status: Int) -> Expect {
        all(status).with([.expiredToken: 401, .revokedToken: 401])
    }

    /// An administrator's operation: 401 without or with bad credentials, 403 for any system key or token.
    static func adminOnly(_ ok: Int) -> Expect {
        all(403).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .admin: ok])
    }

    /// Learner data under agreements: the right system and the administrator get `ok`; every agreement situation is
    /// denied (403, naming the rule); tokens need the scope (wrong scope 403); the learner's own token is not a
    /// principal of the Learner API for writes (403); `learner` is what the learner's own token gets (reads of their
    /// own record: 200).
    static func learnerData(_ ok: Int, other: Int, learner: Int = 403) -> Expect {
        all(403).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .otherOrganization: other,
                       .admin: ok, .rightSystem: ok, .learnerToken: learner])
    }

    /// An operation a principal performs for its own organization, concerning no learner: agreements are not
    /// consulted (every system of A gets `ok`), another organization's system is refused (`other`).
    static func ownOrganization(_ ok: Int, other: Int, auditor: Int = 403) -> Expect {
        all(ok).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .wrongScope: 403, .learnerToken: 403,
                      .otherOrganization: other, .staffAuditor: auditor, .staffOtherOrganization: other])
    }

    /// What organization A's staff get: administrator, issuer and auditor, then organization B's administrator.
    static func staff(_ admin: Int, _ issuer: Int, _ auditor: Int, other: Int) -> Expect {
        [.staffAdmin: admin, .staffIssuer: issuer, .staffAuditor: auditor, .staffOtherOrganization: other]
    }

    /// An operation only the learner's own token may call.
    static func learnerOnly(_ ok: Int) -> Expect {
        // API keys are not learner credentials: 401 (Bearer challenge); a system's token lacks vita:approvals: 403.
        all(401).with([.wrongScope: 403, .learnerToken: ok])
    }

    static var registration: [String: Any] { OAuthClientSteps.registration }

    /// A bulk issuance of one good row (the fixture's credential record) and one unreadable row.
    static func jobBody(_ f: MatrixFixture) -> [String: Any] {
        ["fileName": "matrix.csv",
         "csv": "learner_id,record_id,achievement_id\n\(f.learner),\(f.records[.credentials]!),\(f.achievementId)\nonly,two\n"]
    }

    /// The learner: an email identifier, so that badges can name them.
    static var learnerBody: [String: Any] {
        ["name": ["given": "Ada", "family": "Lovelace", "display": "Ada Lovelace"],
         "identifiers": [["scheme": "email", "value": "ada@example.edu"]]]
    }

    static func recordRows(_ category: RecordCategory) -> [MatrixRow] {
        let singular = ["affiliations": "Affiliation", "experiences": "LearningExperience", "competencies": "CompetencyAssertion",
                        "credentials": "CredentialRecord", "employment": "EmploymentRecord"][category.rawValue]!
        @Sendable func collection(_ f: MatrixFixture) -> String { "/api/v1/learners/\(f.learner)/\(category.rawValue)" }
        @Sendable func item(_ f: MatrixFixture) -> String { collection(f) + "/\(f.records[category]!)" }
        return [
            MatrixRow(operationId: "list\(singular)Records", body: .none,
                      expected: learnerData(200, other: 403, learner: 200).with(staff(200, 200, 403, other: 403))) { f, _ in
                Probe(.get, collection(f))
            },
            MatrixRow(operationId: "create\(singular)Record", body: .minimal, expected: learnerData(201, other: 403)) { f, _ in
                Probe(.post, collection(f), json: f.recordBody(category, source: "m-\(UUID().uuidString)"))
            },
            MatrixRow(operationId: "get\(singular)Record", body: .none,
                      expected: learnerData(200, other: 403, learner: 200).with(staff(200, 200, 403, other: 403))) { f, _ in
                Probe(.get, item(f))
            },
            MatrixRow(operationId: "list\(singular)RecordVersions", body: .none,
                      expected: learnerData(200, other: 403, learner: 200).with(staff(200, 200, 403, other: 403))) { f, _ in
                Probe(.get, item(f) + "/versions")
            },
            MatrixRow(operationId: "update\(singular)Record", body: .minimal, expected: learnerData(200, other: 403)) { f, _ in
                Probe(.put, item(f), json: f.recordBody(category, source: "update"), headers: ["If-Match": try await f.etag(item(f))])
            },
            MatrixRow(operationId: "delete\(singular)Record", body: .none, expected: learnerData(200, other: 403)) { f, _ in
                let path = collection(f) + "/\(try await f.freshRecord(category))"
                return Probe(.delete, path + "?reason=entered-in-error", headers: ["If-Match": try await f.etag(path)])
            },
        ]
    }

    /// The 1EdTech service API of one service: discovery is open; the rest is the learner's own token's, with the
    /// service's scopes (every other credential: 401, a system's token without those scopes: 403).
    static func oneEdTechRows(_ prefix: String, _ service: String) -> [MatrixRow] {
        let base = "/ims/\(service)"
        return [
            MatrixRow(operationId: "\(prefix)GetServiceDescription", body: .none, expected: open(200)) { _, _ in
                Probe(.get, base + "/discovery")
            },
            MatrixRow(operationId: "\(prefix)GetCredentials", body: .none, expected: learnerOnly(200)) { _, _ in
                Probe(.get, base + "/credentials")
            },
            // A credential Vita issued the learner, verified on arrival: new to the learner's held credentials (201).
            MatrixRow(operationId: "\(prefix)UpsertCredential", body: .minimal, expected: learnerOnly(201)) { f, _ in
                Probe(.post, base + "/credentials", json: prefix == "ob" ? try await f.freshBadge() : try await f.freshClr())
            },
            MatrixRow(operationId: "\(prefix)GetProfile", body: .none, expected: learnerOnly(200)) { _, _ in
                Probe(.get, base + "/profile")
            },
            // The profile the learner's token reads, put back whole.
            MatrixRow(operationId: "\(prefix)PutProfile", body: .minimal, expected: learnerOnly(200)) { f, _ in
                let current = try await f.api.send(.get, base + "/profile", key: f.credentials[.learnerToken])
                #expect(current.status == 200, "\(current.string)")
                return Probe(.put, base + "/profile", json: current.json)
            },
        ]
    }

    /// Connections to other platforms. The server's outbound client reaches loopback only, where no platform listens,
    /// so no connection can be made: creating one fails after the access check (502), and pull, push and delete name
    /// a well-formed connection id that does not exist (404 once access is granted).
    static var connectionRows: [MatrixRow] {
        let unknown = "con_00000000000000000000000000000000"
        return [
            MatrixRow(operationId: "createConnection", body: .minimal, expected: learnerData(502, other: 403)) { f, _ in
                Probe(.post, "/api/v1/learners/\(f.learner)/connections",
                      json: ["discoveryURL": "http://127.0.0.1:9/ims/ob/v3p0/discovery"])
            },
            MatrixRow(operationId: "listConnections", body: .none, expected: learnerData(200, other: 403)) { f, _ in
                Probe(.get, "/api/v1/learners/\(f.learner)/connections")
            },
            MatrixRow(operationId: "connectionCallback", body: .none, expected: open(400)) { _, _ in
                Probe(.get, "/connections/callback")
            },
            MatrixRow(operationId: "pullFromConnection", body: .none, expected: learnerData(404, other: 403)) { f, _ in
                Probe(.post, "/api/v1/learners/\(f.learner)/connections/\(unknown)/pull")
            },
            MatrixRow(operationId: "pushToConnection", body: .none, expected: learnerData(404, other: 403)) { f, _ in
                Probe(.post, "/api/v1/learners/\(f.learner)/connections/\(unknown)/push")
            },
            MatrixRow(operationId: "deleteConnection", body: .none, expected: learnerData(404, other: 403)) { f, _ in
                Probe(.delete, "/api/v1/learners/\(f.learner)/connections/\(unknown)")
            },
            MatrixRow(operationId: "listHeldCredentials", body: .none, expected: learnerData(200, other: 403)) { f, _ in
                Probe(.get, "/api/v1/learners/\(f.learner)/held-credentials")
            },
        ]
    }

    static func peerBody(_ organization: String) -> [String: Any] {
        ["name": "Hillside Vita", "baseURL": "http://127.0.0.1:9", "organizationId": organization,
         "clientId": "cli_00000000000000000000000000000001", "clientSecret": "vcs_peer-secret"]
    }

    /// The learner's wallet (`vita:wallet`): the learner's own token only; fresh collections, share links and
    /// consents are made for the operations that consume them.
    static var walletRows: [MatrixRow] {
        let me = "/api/v1/me"
        return [
            MatrixRow(operationId: "getMe", body: .none, expected: learnerOnly(200)) { _, _ in Probe(.get, me) },
            MatrixRow(operationId: "listMyAccessLog", body: .none, expected: learnerOnly(200)) { _, _ in Probe(.get, me + "/access-log") },
            MatrixRow(operationId: "listMyConsents", body: .none, expected: learnerOnly(200)) { _, _ in Probe(.get, me + "/consents") },
            MatrixRow(operationId: "withdrawMyConsent", body: .none, expected: learnerOnly(200)) { f, _ in
                let consent = try await f.api.admin(.post, "/api/v1/learners/\(f.learner)/consents", json: ["agreementId": f.rightAgreement])
                return Probe(.delete, me + "/consents/\(consent["id"] as! String)")
            },
            MatrixRow(operationId: "importMyCredential", body: .minimal, expected: learnerOnly(201)) { f, _ in
                Probe(.post, me + "/credentials", json: try await f.freshBadge())
            },
            MatrixRow(operationId: "exportMe", body: .none, expected: learnerOnly(200)) { _, _ in Probe(.get, me + "/export") },
            MatrixRow(operationId: "requestMyErasure", body: .minimal, expected: learnerOnly(202)) { _, _ in
                Probe(.post, me + "/erasure-requests", json: ["reason": "I am leaving"])
            },
            MatrixRow(operationId: "listMyCollections", body: .none, expected: learnerOnly(200)) { _, _ in Probe(.get, me + "/collections") },
            MatrixRow(operationId: "createMyCollection", body: .minimal, expected: learnerOnly(201)) { _, _ in
                Probe(.post, me + "/collections", json: ["name": "Applications", "items": [Any]()])
            },
            MatrixRow(operationId: "getMyCollection", body: .none, expected: learnerOnly(200)) { f, _ in
                Probe(.get, me + "/collections/\(try await f.freshCollection())")
            },
            MatrixRow(operationId: "updateMyCollection", body: .minimal, expected: learnerOnly(200)) { f, _ in
                let path = me + "/collections/\(try await f.freshCollection())"
                let version = try #require(try await f.asLearner(.get, path).headers[.eTag])
                return Probe(.put, path, json: ["name": "Renamed", "items": [Any]()], headers: ["If-Match": version])
            },
            MatrixRow(operationId: "deleteMyCollection", body: .none, expected: learnerOnly(204)) { f, _ in
                Probe(.delete, me + "/collections/\(try await f.freshCollection())")
            },
            MatrixRow(operationId: "createMyShareLink", body: .minimal, expected: learnerOnly(201)) { f, _ in
                Probe(.post, me + "/shares", json: ["collectionId": try await f.freshCollection()])
            },
            MatrixRow(operationId: "listMyShareLinks", body: .none, expected: learnerOnly(200)) { _, _ in Probe(.get, me + "/shares") },
            MatrixRow(operationId: "listMyShareLinkOpenings", body: .none, expected: learnerOnly(200)) { f, _ in
                Probe(.get, me + "/shares/\(try await f.freshShareLink().id)/openings")
            },
            MatrixRow(operationId: "revokeMyShareLink", body: .none, expected: learnerOnly(200)) { f, _ in
                Probe(.delete, me + "/shares/\(try await f.freshShareLink().id)")
            },
            // The public side of a share link: the link's token is the credential.
            MatrixRow(operationId: "openShareLink", body: .minimal, expected: open(200)) { f, _ in
                Probe(.post, "/api/v1/shared/\(try await f.freshShareLink().token)", json: [String: Any]())
            },
            MatrixRow(operationId: "listErasureRequests", body: .none, expected: adminOnly(200)) { _, _ in
                Probe(.get, "/api/v1/erasure-requests")
            },
            MatrixRow(operationId: "getShareLinkState", body: .none, expected: open(200)) { f, _ in
                Probe(.get, "/api/v1/shared/\(try await f.freshShareLink().token)")
            },
            MatrixRow(operationId: "listMyCredentials", body: .none, expected: learnerOnly(200)) { _, _ in Probe(.get, me + "/credentials") },
            MatrixRow(operationId: "listMySources", body: .none, expected: learnerOnly(200)) { _, _ in Probe(.get, me + "/sources") },
            MatrixRow(operationId: "checkMyRecordRawData", body: .none, expected: learnerOnly(200)) { f, _ in
                Probe(.get, me + "/records/\(f.records[.experiences]!)/raw-data-check")
            },
            MatrixRow(operationId: "downloadMyCredential", body: .none, expected: learnerOnly(200)) { f, _ in
                Probe(.get, me + "/credentials/\(try await f.freshIssuedId())/download?format=svg")
            },
            MatrixRow(operationId: "createMyCredentialOffer", body: .minimal, expected: learnerOnly(201)) { f, _ in
                Probe(.post, me + "/credentials/\(try await f.freshIssuedId())/offers", json: ["transactionCode": true])
            },
            MatrixRow(operationId: "listMyCredentialOffers", body: .none, expected: learnerOnly(200)) { _, _ in
                Probe(.get, me + "/credential-offers")
            },
            // Vita's wallet answering a verifier: reading a request sends nothing; answering, and reading or claiming an
            // issuer's offer, need the outbound client, which the in-process harness has not (503 once the learner's
            // token passed).
            MatrixRow(operationId: "previewMyPresentationRequest", body: .minimal, expected: learnerOnly(200)) { f, _ in
                let created = try await f.api.send(.post, "/api/v1/presentation-requests", json: ["protocol": "openid4vp"])
                return Probe(.post, me + "/presentation-requests/preview", json: ["request": created["offerURI"] as? String ?? ""])
            },
            MatrixRow(operationId: "previewReceivedOffer", body: .minimal, expected: learnerOnly(503)) { _, _ in
                Probe(.post, me + "/received-offers/preview", json: ["offer": "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Foffer"])
            },
            MatrixRow(operationId: "claimReceivedOffer", body: .minimal, expected: learnerOnly(503)) { _, _ in
                Probe(.post, me + "/received-offers", json: ["offer": "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Foffer"])
            },
            MatrixRow(operationId: "answerMyPresentationRequest", body: .minimal, expected: learnerOnly(503)) { f, _ in
                let created = try await f.api.send(.post, "/api/v1/presentation-requests", json: ["protocol": "openid4vp"])
                return Probe(.post, me + "/presentations", json: ["request": created["offerURI"] as? String ?? "", "decline": true])
            },
            MatrixRow(operationId: "withdrawMyCredentialOffer", body: .none, expected: learnerOnly(200)) { f, _ in
                Probe(.delete, me + "/credential-offers/\(try await f.freshCredentialOffer())")
            },
            // The wallet app's side of an offer: public metadata; the offer's own access token is the only key to the
            // credential and notification endpoints, so every situation's credentials are refused there (401).
            // A VC-API exchange: its secret URL is the only key.
            MatrixRow(operationId: "getExchangeProtocols", body: .none, expected: open(200)) { f, _ in
                Probe(.get, try await f.freshExchange() + "?iuv=1")
            },
            MatrixRow(operationId: "participateInExchange", body: .minimal, expected: open(200)) { f, _ in
                Probe(.post, try await f.freshExchange(), json: [String: Any]())
            },
            // A verifier's request for credentials: anyone may make one; its page token is the key to the answer.
            MatrixRow(operationId: "createPresentationRequest", body: .minimal, expected: open(201)) { _, _ in
                Probe(.post, "/api/v1/presentation-requests", json: ["credentialType": "OpenBadgeCredential"])
            },
            MatrixRow(operationId: "getPresentationRequest", body: .none, expected: open(200)) { f, _ in
                let created = try await f.api.send(.post, "/api/v1/presentation-requests", json: [String: Any]())
                return Probe(.get, "/api/v1/presentation-requests/\(created["viewToken"] as? String ?? "")")
            },
            // OpenID4VP's Response URI: the request's state is the only key.
            MatrixRow(operationId: "postPresentationResponse", body: .minimal, expected: open(200)) { f, _ in
                let created = try await f.api.send(.post, "/api/v1/presentation-requests", json: ["protocol": "openid4vp"])
                let state = (created["authorizationRequest"] as? [String: Any])?["state"] as? String ?? ""
                return Probe(.post, "/oid4vp/response", form: "error=access_denied&state=\(state)")
            },
            MatrixRow(operationId: "getCredentialIssuerMetadata", body: .none, expected: open(200)) { _, _ in
                Probe(.get, "/.well-known/openid-credential-issuer")
            },
            MatrixRow(operationId: "requestCredential", body: .minimal, expected: all(401)) { _, _ in
                Probe(.post, "/oid4vci/credential", json: ["credential_configuration_id": "OpenBadgeCredential_ldp_vc"])
            },
            MatrixRow(operationId: "notifyCredentialEvent", body: .minimal, expected: all(401)) { _, _ in
                Probe(.post, "/oid4vci/notification", json: ["notification_id": "cof_x", "event": "credential_accepted"])
            },
        ]
    }

    /// Peers and transfers (administration). The peer is at a loopback address where no Vita listens, so an allowed
    /// transfer fails when it calls the peer (502).
    static var transferRows: [MatrixRow] {
        [
            MatrixRow(operationId: "createPeer", body: .minimal, expected: adminOnly(201)) { f, _ in
                Probe(.post, "/api/v1/peers", json: peerBody(f.organizationB))
            },
            MatrixRow(operationId: "listPeers", body: .none, expected: adminOnly(200)) { _, _ in Probe(.get, "/api/v1/peers") },
            MatrixRow(operationId: "getPeer", body: .none, expected: adminOnly(200)) { f, _ in
                Probe(.get, "/api/v1/peers/\(try await f.freshPeer())")
            },
            MatrixRow(operationId: "revokePeer", body: .none, expected: adminOnly(200)) { f, _ in
                Probe(.post, "/api/v1/peers/\(try await f.freshPeer())/revoke")
            },
            MatrixRow(operationId: "createTransfer", body: .minimal, expected: adminOnly(502)) { f, _ in
                Probe(.post, "/api/v1/transfers", json: ["peerId": try await f.freshPeer(),
                                                         "sourceLearnerId": "lrn_00000000000000000000000000000001"])
            },
        ]
    }

    static var rows: [MatrixRow] {
        var rows: [MatrixRow] = [
            // Service
            MatrixRow(operationId: "health", body: .none, expected: open(200)) { _, _ in Probe(.get, "/health") },
            MatrixRow(operationId: "ready", body: .none, expected: open(200)) { _, _ in Probe(.get, "/ready") },
            MatrixRow(operationId: "openAPIDocument", body: .none, expected: open(200)) { _, _ in Probe(.get, "/openapi.json") },
            MatrixRow(operationId: "apiDocs", body: .none, expected: open(200)) { _, _ in Probe(.get, "/docs") },

            // Administration
            MatrixRow(operationId: "createOrganization", body: .minimal, expected: adminOnly(201)) { _, _ in
                Probe(.post, "/api/v1/organizations", json: ["name": "Lakeside Academy", "kind": "university"])
            },
            MatrixRow(operationId: "listOrganizations", body: .none, expected: adminOnly(200)) { _, _ in Probe(.get, "/api/v1/organizations") },
            MatrixRow(operationId: "getOrganization", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 403))) { f, _ in
                Probe(.get, "/api/v1/organizations/\(f.organizationA)")
            },
            // The same name and kind again: a new version, nothing else the other rows see changes.
            MatrixRow(operationId: "updateOrganization", body: .minimal,
                      expected: adminOnly(200).with(staff(200, 403, 403, other: 403))) { f, _ in
                let path = "/api/v1/organizations/\(f.organizationA)"
                return Probe(.put, path, json: ["name": "Riverside University", "kind": "university"],
                             headers: ["If-Match": try await f.etag(path)])
            },
            MatrixRow(operationId: "createSystem", body: .minimal, expected: adminOnly(201).with(staff(201, 403, 403, other: 403))) { f, _ in
                Probe(.post, "/api/v1/systems", json: ["organizationId": f.organizationA, "name": "New LMS", "kind": "lms"])
            },
            MatrixRow(operationId: "listSystems", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 200))) { _, _ in Probe(.get, "/api/v1/systems") },
            MatrixRow(operationId: "getSystem", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 403))) { f, _ in
                Probe(.get, "/api/v1/systems/\(f.throwawaySystem)")
            },
            MatrixRow(operationId: "updateSystem", body: .minimal, expected: adminOnly(200).with(staff(200, 403, 403, other: 403))) { f, _ in
                let path = "/api/v1/systems/\(f.throwawaySystem)"
                return Probe(.put, path, json: ["name": "Renamed LMS", "kind": "lms"], headers: ["If-Match": try await f.etag(path)])
            },
            MatrixRow(operationId: "revokeSystem", body: .none, expected: adminOnly(200).with(staff(200, 403, 403, other: 403))) { f, _ in
                let created = try await f.api.admin(.post, "/api/v1/systems", json: ["organizationId": f.organizationA,
                                                                                    "name": "Doomed LMS", "kind": "lms"])
                return Probe(.post, "/api/v1/systems/\((created["system"] as! [String: Any])["id"] as! String)/revoke")
            },
            // Change notifications of organization A's throwaway system (posted nowhere: the matrix runs no rounds).
            MatrixRow(operationId: "setChangeNotifications", body: .minimal,
                      expected: adminOnly(200).with(staff(200, 403, 403, other: 403))) { f, _ in
                Probe(.put, "/api/v1/systems/\(f.throwawaySystem)/change-notifications", json: ["url": "https://hr.example/hooks/vita"])
            },
            MatrixRow(operationId: "getChangeNotifications", body: .none,
                      expected: adminOnly(200).with(staff(200, 403, 403, other: 403))) { f, _ in
                let path = "/api/v1/systems/\(f.throwawaySystem)/change-notifications"
                _ = try await f.api.admin(.put, path, json: ["url": "https://hr.example/hooks/vita"])
                return Probe(.get, path)
            },
            MatrixRow(operationId: "removeChangeNotifications", body: .none,
                      expected: adminOnly(204).with(staff(204, 403, 403, other: 403))) { f, _ in
                let path = "/api/v1/systems/\(f.throwawaySystem)/change-notifications"
                _ = try await f.api.admin(.put, path, json: ["url": "https://hr.example/hooks/vita"])
                return Probe(.delete, path)
            },
            MatrixRow(operationId: "rotateSystemKey", body: .minimal, expected: adminOnly(201).with(staff(201, 403, 403, other: 403))) { f, _ in
                let created = try await f.api.admin(.post, "/api/v1/systems", json: ["organizationId": f.organizationA,
                                                                                    "name": "Rotating LMS", "kind": "lms"])
                return Probe(.post, "/api/v1/systems/\((created["system"] as! [String: Any])["id"] as! String)/key",
                             json: ["previousKeyValidFor": 60])
            },
            MatrixRow(operationId: "createAgreement", body: .minimal, expected: adminOnly(201).with(staff(201, 403, 403, other: 403))) { f, _ in
                Probe(.post, "/api/v1/agreements", json: ["providerOrganizationId": f.organizationA,
                                                          "consumerSystemId": f.throwawaySystem, "categories": ["employment"],
                                                          "permissions": ["read"], "purpose": "Placement",
                                                          "consentRequired": false])
            },
            MatrixRow(operationId: "listAgreements", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 200))) { _, _ in Probe(.get, "/api/v1/agreements") },
            MatrixRow(operationId: "getAgreement", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 403))) { f, _ in
                Probe(.get, "/api/v1/agreements/\(f.rightAgreement)")
            },
            MatrixRow(operationId: "listAgreementConsents", body: .none,
                      expected: adminOnly(200).with(staff(200, 200, 200, other: 403))) { f, _ in
                Probe(.get, "/api/v1/agreements/\(f.rightAgreement)/consents")
            },
            MatrixRow(operationId: "updateAgreement", body: .minimal, expected: adminOnly(200).with(staff(200, 403, 403, other: 403))) { f, _ in
                let created = try await f.api.admin(.post, "/api/v1/agreements", json: [
                    "providerOrganizationId": f.organizationA, "consumerSystemId": f.throwawaySystem,
                    "categories": ["employment"], "permissions": ["read"], "purpose": "Placement", "consentRequired": false])
                return Probe(.patch, "/api/v1/agreements/\(created["id"] as! String)", json: ["purpose": "Placement (renewed)"],
                             headers: ["If-Match": try await f.etag("/api/v1/agreements/\(created["id"] as! String)")])
            },
            MatrixRow(operationId: "createCompetency", body: .minimal, expected: adminOnly(201)) { f, _ in
                Probe(.post, "/api/v1/competencies", json: ["name": "Statistics", "organizationId": f.organizationA])
            },
            MatrixRow(operationId: "listCompetencies", body: .none,
                      expected: all(200).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .wrongScope: 403,
                                               .learnerToken: 403])) { _, _ in Probe(.get, "/api/v1/competencies") },
            MatrixRow(operationId: "getCompetency", body: .none,
                      expected: all(200).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .wrongScope: 403,
                                               .learnerToken: 403])) { f, _ in
                let competency = try await f.api.admin(.post, "/api/v1/competencies", json: ["name": "Patient assessment"])
                return Probe(.get, "/api/v1/competencies/\(competency["id"] as! String)")
            },
            MatrixRow(operationId: "updateCompetency", body: .minimal, expected: adminOnly(200)) { f, _ in
                let competency = try await f.api.admin(.post, "/api/v1/competencies", json: ["name": "Triage"])
                let path = "/api/v1/competencies/\(competency["id"] as! String)"
                return Probe(.put, path, json: ["name": "Emergency triage"], headers: ["If-Match": try await f.etag(path)])
            },
            MatrixRow(operationId: "importCompetencyFramework", body: .minimal,
                      expected: adminOnly(201).with(staff(201, 201, 403, other: 403))) { f, _ in
                Probe(.post, "/api/v1/competency-frameworks", json: [
                    "organizationId": f.organizationA,
                    "package": CompetencyFrameworkAPITests.package(documentId: UUID().uuidString.lowercased(),
                                                                   items: CompetencyFrameworkAPITests.skills)])
            },
            MatrixRow(operationId: "listCompetencyFrameworks", body: .none,
                      expected: all(200).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .wrongScope: 403,
                                               .learnerToken: 403])) { _, _ in Probe(.get, "/api/v1/competency-frameworks") },
            MatrixRow(operationId: "getCompetencyFramework", body: .none,
                      expected: all(200).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .wrongScope: 403,
                                               .learnerToken: 403])) { f, _ in
                Probe(.get, "/api/v1/competency-frameworks/\(try await CompetencyFrameworkAPITests.imported(f.api, organizationId: f.organizationA))")
            },
            MatrixRow(operationId: "listFrameworkCompetencies", body: .none,
                      expected: all(200).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .wrongScope: 403,
                                               .learnerToken: 403])) { f, _ in
                Probe(.get, "/api/v1/competency-frameworks/\(try await CompetencyFrameworkAPITests.imported(f.api, organizationId: f.organizationA))/competencies")
            },
            MatrixRow(operationId: "listAuditEntries", body: .none, expected: adminOnly(200).with(staff(200, 403, 200, other: 200))) { _, _ in Probe(.get, "/api/v1/audit") },
            MatrixRow(operationId: "verifyAuditChain", body: .none, expected: adminOnly(200).with(staff(200, 403, 200, other: 200))) { _, _ in
                Probe(.get, "/api/v1/audit/verification")
            },
            MatrixRow(operationId: "getAuditHead", body: .none, expected: adminOnly(200).with(staff(200, 403, 200, other: 200))) { _, _ in
                Probe(.get, "/api/v1/audit/head")
            },
            MatrixRow(operationId: "listAuditArchives", body: .none, expected: adminOnly(200).with(staff(200, 403, 200, other: 200))) { _, _ in
                Probe(.get, "/api/v1/audit/archives")
            },

            // Learners, profile, consents, access log
            MatrixRow(operationId: "createLearner", body: .minimal, expected: learnerData(201, other: 201)) { _, _ in
                Probe(.post, "/api/v1/learners", json: ["name": ["display": "Alan Turing"]])
            },
            // Another organization's staff may list and look up too: they see only the learners their organization holds.
            MatrixRow(operationId: "listLearners", body: .none, expected: adminOnly(200).with(staff(200, 200, 403, other: 200))) { _, _ in
                Probe(.get, "/api/v1/learners")
            },
            MatrixRow(operationId: "lookUpLearners", body: .none, expected: adminOnly(200).with(staff(200, 200, 403, other: 200))) { _, _ in
                Probe(.get, "/api/v1/learner-lookup?value=ada@example.edu")
            },
            // The change feed: any system with an agreement in force reads it (what it shows depends on the agreements,
            // and consent is each learner's: a page without consented changes is still a page); learners and staff not.
            MatrixRow(operationId: "listRecordChanges", body: .none,
                      expected: all(403).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .otherOrganization: 200,
                                               .consentWithdrawn: 200, .admin: 200, .rightSystem: 200])) { _, _ in
                Probe(.get, "/api/v1/changes")
            },
            // Statements are asserted by a connected system: any system's call is answered 200 with each statement's
            // outcome (an agreement that does not cover it: `denied`, in the results, audited); anyone else 403.
            MatrixRow(operationId: "postXAPIStatements", body: .minimal,
                      expected: all(200).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .wrongScope: 403,
                                               .admin: 403, .learnerToken: 403, .staffAdmin: 403, .staffIssuer: 403,
                                               .staffAuditor: 403, .staffOtherOrganization: 403])) { f, _ in
                // A learner of its own, so that what another organization's system records leaves the shared one alone.
                let learner = try await f.api.admin(.post, "/api/v1/learners", json: ["name": ["display": "Lin Xapi"]])
                return Probe(.post, "/api/v1/xapi/statements", json: XAPIAPITests.statement(
                    learner["id"] as? String ?? "", "completed", "https://lms.example/courses/cs101"))
            },
            MatrixRow(operationId: "getLearner", body: .none,
                      expected: learnerData(200, other: 403, learner: 200).with(staff(200, 200, 403, other: 403))) { f, _ in
                Probe(.get, "/api/v1/learners/\(f.learner)")
            },
            MatrixRow(operationId: "updateLearner", body: .minimal, expected: learnerData(200, other: 403)) { f, _ in
                let path = "/api/v1/learners/\(f.learner)"
                return Probe(.put, path, json: learnerBody, headers: ["If-Match": try await f.etag(path)])
            },
            MatrixRow(operationId: "eraseLearner", body: .minimal, expected: adminOnly(200)) { f, _ in
                Probe(.delete, "/api/v1/learners/\(try await f.freshLearner())", json: ["reason": "the learner asked"])
            },
            MatrixRow(operationId: "getProfile", body: .none,
                      expected: learnerData(200, other: 403, learner: 200).with(staff(200, 200, 403, other: 403))) { f, _ in
                Probe(.get, "/api/v1/learners/\(f.learner)/profile")
            },
            MatrixRow(operationId: "listConsents", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 403))) { f, _ in
                Probe(.get, "/api/v1/learners/\(f.learner)/consents")
            },
            MatrixRow(operationId: "grantConsent", body: .minimal, expected: adminOnly(201).with(staff(201, 403, 403, other: 403))) { f, _ in
                Probe(.post, "/api/v1/learners/\(f.learner)/consents", json: ["agreementId": f.rightAgreement])
            },
            MatrixRow(operationId: "getConsent", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 403))) { f, _ in
                let consent = try await f.api.admin(.post, "/api/v1/learners/\(f.learner)/consents", json: ["agreementId": f.rightAgreement])
                return Probe(.get, "/api/v1/learners/\(f.learner)/consents/\(consent["id"] as! String)")
            },
            MatrixRow(operationId: "withdrawConsent", body: .none, expected: adminOnly(200).with(staff(200, 403, 403, other: 403))) { f, _ in
                let consent = try await f.api.admin(.post, "/api/v1/learners/\(f.learner)/consents", json: ["agreementId": f.rightAgreement])
                return Probe(.delete, "/api/v1/learners/\(f.learner)/consents/\(consent["id"] as! String)")
            },
            MatrixRow(operationId: "listLearnerAccessLog", body: .none, expected: adminOnly(200)) { f, _ in
                Probe(.get, "/api/v1/learners/\(f.learner)/access-log")
            },

            // Credentials
            // Signing and status as the caller's own organization (VC-API) concern no learner: agreements are not
            // consulted, so a system of A signs as A whatever its agreements' state; B's system cannot sign as A.
            MatrixRow(operationId: "issueCredential", body: .minimal, expected: ownOrganization(201, other: 403)) { f, _ in
                Probe(.post, "/credentials/issue", json: [
                    "credential": ["@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:\(UUID().uuidString.lowercased())",
                                   "type": ["VerifiableCredential"], "credentialSubject": ["id": "did:example:learner"]],
                    "options": ["organizationId": f.organizationA]])
            },
            MatrixRow(operationId: "verifyCredential", body: .minimal, expected: open(200)) { _, _ in
                Probe(.post, "/credentials/verify", json: ["verifiableCredential": ["type": ["VerifiableCredential"]]])
            },
            MatrixRow(operationId: "verifyPresentation", body: .minimal, expected: open(200)) { _, _ in
                Probe(.post, "/presentations/verify", json: ["verifiablePresentation": ["type": ["VerifiablePresentation"]]])
            },
            MatrixRow(operationId: "issueEndorsement", body: .minimal, expected: ownOrganization(201, other: 403)) { f, _ in
                Probe(.post, "/api/v1/organizations/\(f.organizationA)/endorsements", json: [
                    "endorsedId": "https://other.example/achievements/cs-230", "name": "Accreditation", "comment": "Meets the standards"])
            },
            MatrixRow(operationId: "rotateIssuerKey", body: .none, expected: adminOnly(201).with(staff(403, 403, 403, other: 201))) { f, _ in
                Probe(.post, "/api/v1/organizations/\(f.organizationB)/keys")
            },
            MatrixRow(operationId: "listIssuerKeys", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 403))) { f, _ in
                Probe(.get, "/api/v1/organizations/\(f.organizationA)/keys")
            },
            MatrixRow(operationId: "getOrganizationDID", body: .none, expected: open(200)) { f, _ in
                Probe(.get, "/organizations/\(f.organizationA)/did.json")
            },
            MatrixRow(operationId: "updateCredentialStatus", body: .minimal, expected: ownOrganization(200, other: 404)) { f, _ in
                Probe(.post, "/credentials/status", json: ["credentialId": try await f.freshCredential(), "action": "revoke"])
            },
            MatrixRow(operationId: "getCredentialStatus", body: .none, expected: ownOrganization(200, other: 404, auditor: 200)) { f, _ in
                Probe(.get, "/credentials/status?credentialId=\(try await f.freshCredential())")
            },
            MatrixRow(operationId: "getStatusList", body: .none, expected: open(200)) { f, _ in Probe(.get, f.statusListPath) },
            MatrixRow(operationId: "createAchievement", body: .minimal, expected: adminOnly(201).with(staff(201, 201, 403, other: 403))) { f, _ in
                Probe(.post, "/api/v1/achievements", json: ["organizationId": f.organizationA, "name": "Data Science",
                                                            "description": "Data Science", "criteriaNarrative": "Pass"])
            },
            MatrixRow(operationId: "listAchievements", body: .none,
                      expected: all(200).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .wrongScope: 403,
                                               .learnerToken: 403])) { _, _ in Probe(.get, "/api/v1/achievements") },
            MatrixRow(operationId: "getAchievement", body: .none,
                      expected: all(200).with([.noCredentials: 401, .expiredToken: 401, .revokedToken: 401, .wrongScope: 403,
                                               .learnerToken: 403, .staffOtherOrganization: 404])) { f, _ in Probe(.get, "/api/v1/achievements/\(f.achievementId)") },
            MatrixRow(operationId: "updateAchievement", body: .minimal,
                      expected: adminOnly(200).with(staff(200, 200, 403, other: 404))) { f, _ in
                let created = try await f.api.admin(.post, "/api/v1/achievements", json: [
                    "organizationId": f.organizationA, "name": "Data Science", "description": "Data Science", "criteriaNarrative": "Pass"])
                let path = "/api/v1/achievements/\(created["id"] as! String)"
                return Probe(.put, path, json: ["name": "Data Science I", "description": "Data Science", "criteriaNarrative": "Pass"],
                             headers: ["If-Match": try await f.etag(path)])
            },

            // Staff accounts and the issuer console's bulk issuance
            MatrixRow(operationId: "createStaff", body: .minimal, expected: adminOnly(201).with(staff(201, 403, 403, other: 403))) { f, _ in
                Probe(.post, "/api/v1/organizations/\(f.organizationA)/staff",
                      json: ["login": "s-\(UUID().uuidString.prefix(8).lowercased())", "password": AccessControlMatrixTests.password,
                             "role": "issuer"])
            },
            MatrixRow(operationId: "listStaff", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 403))) { f, _ in
                Probe(.get, "/api/v1/organizations/\(f.organizationA)/staff")
            },
            MatrixRow(operationId: "getMyStaffAccount", body: .none, expected: adminOnly(404).with(staff(200, 200, 200, other: 200))) { _, _ in
                Probe(.get, "/api/v1/staff/me")
            },
            MatrixRow(operationId: "disableStaff", body: .none, expected: adminOnly(200).with(staff(200, 403, 403, other: 404))) { f, _ in
                let created = try await f.api.admin(.post, "/api/v1/organizations/\(f.organizationA)/staff", json: [
                    "login": "d-\(UUID().uuidString.prefix(8).lowercased())", "password": AccessControlMatrixTests.password, "role": "auditor"])
                return Probe(.post, "/api/v1/staff/\(try #require(created["id"] as? String))/disable")
            },
            MatrixRow(operationId: "changeMyStaffPassword", body: .minimal,
                      expected: adminOnly(404).with(staff(200, 200, 200, other: 200))) { _, _ in
                Probe(.post, "/api/v1/staff/me/password",
                      json: ["currentPassword": AccessControlMatrixTests.password, "newPassword": "a new and longer passphrase"])
            },
            MatrixRow(operationId: "resetStaffPassword", body: .minimal, expected: adminOnly(200).with(staff(200, 403, 403, other: 404))) { f, _ in
                let created = try await f.api.admin(.post, "/api/v1/organizations/\(f.organizationA)/staff", json: [
                    "login": "r-\(UUID().uuidString.prefix(8).lowercased())", "password": AccessControlMatrixTests.password, "role": "issuer"])
                return Probe(.post, "/api/v1/staff/\(try #require(created["id"] as? String))/password",
                             json: ["newPassword": "a new and longer passphrase"])
            },
            MatrixRow(operationId: "createIssuanceJob", body: .minimal, expected: adminOnly(202).with(staff(202, 202, 403, other: 403))) { f, _ in
                Probe(.post, "/api/v1/organizations/\(f.organizationA)/issuance-jobs", json: AccessControlTable.jobBody(f))
            },
            MatrixRow(operationId: "listIssuanceJobs", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 403))) { f, _ in
                Probe(.get, "/api/v1/organizations/\(f.organizationA)/issuance-jobs")
            },
            MatrixRow(operationId: "getIssuanceJob", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 404))) { f, _ in
                Probe(.get, "/api/v1/issuance-jobs/\(try await f.freshJob())")
            },
            MatrixRow(operationId: "getIssuanceJobReport", body: .none, expected: adminOnly(200).with(staff(200, 200, 200, other: 404))) { f, _ in
                Probe(.get, "/api/v1/issuance-jobs/\(try await f.freshJob())/report")
            },
            MatrixRow(operationId: "resumeIssuanceJob", body: .none, expected: adminOnly(202).with(staff(202, 202, 403, other: 404))) { f, _ in
                Probe(.post, "/api/v1/issuance-jobs/\(try await f.freshJob())/resume")
            },
            MatrixRow(operationId: "listOrganizationCredentials", body: .none,
                      expected: adminOnly(200).with(staff(200, 200, 200, other: 403))) { f, _ in
                Probe(.get, "/api/v1/organizations/\(f.organizationA)/credentials?search=urn")
            },
            MatrixRow(operationId: "issueOpenBadge", body: .minimal, expected: learnerData(201, other: 403).with(staff(201, 201, 403, other: 403))) { f, _ in
                Probe(.post, "/api/v1/learners/\(f.learner)/credentials/\(f.records[.credentials]!)/badges",
                      json: ["achievementId": f.achievementId])
            },
            MatrixRow(operationId: "issueCompetencyBadge", body: .minimal, expected: learnerData(201, other: 403).with(staff(201, 201, 403, other: 403))) { f, _ in
                Probe(.post, "/api/v1/learners/\(f.learner)/competencies/\(f.records[.competencies]!)/badges", json: [String: Any]())
            },
            MatrixRow(operationId: "issueExperienceBadge", body: .minimal, expected: learnerData(201, other: 403).with(staff(201, 201, 403, other: 403))) { f, _ in
                Probe(.post, "/api/v1/learners/\(f.learner)/experiences/\(f.records[.experiences]!)/badges", json: [String: Any]())
            },
            // A CLR is issued by the caller's organization from what it holds: B holds nothing of the learner (422).
            MatrixRow(operationId: "issueClr", body: .minimal, expected: learnerData(201, other: 403).with(staff(201, 201, 403, other: 403))) { f, situation in
                // An administrator names the issuing organization; a system issues as its own.
                Probe(.post, "/api/v1/learners/\(f.learner)/clr",
                      json: situation == .admin ? ["organizationId": f.organizationA] : [String: Any]())
            },
            MatrixRow(operationId: "listIssuedClrs", body: .none, expected: learnerData(200, other: 403, learner: 200).with(staff(200, 200, 200, other: 403))) { f, _ in
                Probe(.get, "/api/v1/learners/\(f.learner)/clrs")
            },
            MatrixRow(operationId: "listIssuedBadges", body: .none, expected: learnerData(200, other: 403, learner: 200).with(staff(200, 200, 200, other: 403))) { f, _ in
                Probe(.get, "/api/v1/learners/\(f.learner)/badges")
            },

            // OAuth. The token and revocation endpoints authenticate clients with HTTP Basic themselves: a Bearer
            // credential of any kind is not client authentication there (401 invalid_client).
            MatrixRow(operationId: "getAuthorizationServerMetadata", body: .none, expected: open(200)) { _, _ in
                Probe(.get, "/.well-known/oauth-authorization-server")
            },
            MatrixRow(operationId: "registerClient", body: .minimal, expected: open(201)) { _, _ in
                Probe(.post, "/oauth/register", json: registration)
            },
            MatrixRow(operationId: "authorize", body: .none, expected: open(400)) { _, _ in Probe(.get, "/oauth/authorize") },
            MatrixRow(operationId: "answerAuthorization", body: .emptyChecksFirst, expected: open(400)) { _, _ in
                Probe(.post, "/oauth/authorize", form: "decision=approve")
            },
            MatrixRow(operationId: "token", body: .minimal, expected: all(401)) { _, _ in
                Probe(.post, "/oauth/token", form: "grant_type=client_credentials")
            },
            MatrixRow(operationId: "revokeToken", body: .minimal, expected: all(401)) { _, _ in
                Probe(.post, "/oauth/revoke", form: "token=vat_unknown")
            },
            MatrixRow(operationId: "createLearnerAccount", body: .minimal, expected: adminOnly(201)) { f, _ in
                Probe(.post, "/api/v1/learners/\(try await f.freshLearner())/account",
                      json: ["login": "l-\(UUID().uuidString.prefix(8).lowercased())", "password": AccessControlMatrixTests.password])
            },
            MatrixRow(operationId: "getLearnerAccount", body: .none, expected: adminOnly(200)) { f, _ in
                let learner = try await f.freshLearner()
                _ = try await f.api.admin(.post, "/api/v1/learners/\(learner)/account",
                                          json: ["login": "l-\(UUID().uuidString.prefix(8).lowercased())",
                                                 "password": AccessControlMatrixTests.password])
                return Probe(.get, "/api/v1/learners/\(learner)/account")
            },
            MatrixRow(operationId: "createSystemClient", body: .minimal, expected: adminOnly(201)) { f, _ in
                Probe(.post, "/api/v1/systems/\(f.throwawaySystem)/oauth-clients", json: ["scope": "vita:employment:read"])
            },
            MatrixRow(operationId: "listOAuthClients", body: .none, expected: adminOnly(200)) { _, _ in Probe(.get, "/api/v1/oauth-clients") },
            MatrixRow(operationId: "revokeOAuthClient", body: .none, expected: adminOnly(200)) { f, _ in
                let client = try await OAuthClientSteps.register(f.api)
                return Probe(.post, "/api/v1/oauth-clients/\(client.clientId)/revoke")
            },
            MatrixRow(operationId: "listMyApprovals", body: .none, expected: learnerOnly(200)) { _, _ in
                Probe(.get, "/api/v1/me/approvals")
            },
            MatrixRow(operationId: "revokeMyApproval", body: .none, expected: learnerOnly(200)) { f, _ in
                // A fresh approval of a second wallet, so that the learner's own token survives.
                let wallet = try await OAuthClientSteps.register(f.api, AccessControlMatrixTests.walletRegistration("Second wallet"))
                let token = try await AccessControlMatrixTests.learnerToken(wallet)
                let approvals = try await f.api.send(.get, "/api/v1/me/approvals", key: token)
                let approval = try #require(approvals.items.first { $0["clientId"] as? String == wallet.clientId }?["id"] as? String)
                return Probe(.delete, "/api/v1/me/approvals/\(approval)")
            },
        ]
        for category in RecordCategory.stored { rows += recordRows(category) }
        rows += oneEdTechRows("ob", "ob/v3p0") + oneEdTechRows("clr", "clr/v2p0") + connectionRows
        rows.append(MatrixRow(operationId: "logo", body: .none, expected: open(200)) { _, _ in Probe(.get, "/logo.svg") })
        rows += walletRows + transferRows
        return rows
    }
}

extension Dictionary where Key == Situation, Value == Int {
    /// This expectation with some situations replaced.
    func with(_ overrides: [Situation: Int]) -> Self {
        merging(overrides) { $1 }
    }
}
