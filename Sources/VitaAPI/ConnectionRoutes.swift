import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaCredentials
import VitaExchange
import VitaJSON
import VitaOAuth
import VitaStorage

/// Vita as a client of other platforms' 1EdTech service APIs (Open Badges 3.0 / CLR 2.0), for a learner.
///
/// 1. `POST /api/v1/learners/{id}/connections` with a platform's discovery URL: Vita reads the platform's Service
///    Description Document, registers there once (dynamic client registration), and answers with the URL to send the
///    learner's browser to (authorization-code grant with PKCE).
/// 2. The learner signs in at the platform and approves; the platform redirects to `/connections/callback`, where Vita
///    exchanges the code for tokens (sealed with the key vault).
/// 3. `…/pull` fetches the learner's credentials there (getCredentials, every page), verifies each, and keeps the
///    verified ones as the learner's held credentials; `…/push` sends the credentials Vita issued the learner there
///    (upsertCredential). An expired access token is refreshed; a refused one ends the connection with the reason.
///
/// Network calls never run inside a database transaction.
struct ConnectionRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    let vault: KeyVault
    let options: ServerOptions
    let verifier: CredentialVerifier

    var redirectURI: String { options.publicBaseURL + "/connections/callback" }

    func register(in catalog: RouteCatalog) {
        let base = "/api/v1/learners/{learnerId}/connections"
        catalog.add(Operation(method: .post, path: base, operationId: "createConnection",
                              summary: "Connect the learner to another platform's Open Badges or CLR API: Vita registers there once and answers with the URL where the learner authorizes Vita",
                              tag: "Connections", access: .principal, query: [], headers: [],
                              requestSchema: "CreateConnection", success: (201, "Connection"),
                              errors: [400, 401, 403, 404, 413, 502, 503])) { request, context in
            try await create(request, context)
        }
        catalog.add(Operation(method: .get, path: base, operationId: "listConnections",
                              summary: "The learner's connections to other platforms (never their tokens)",
                              tag: "Connections", access: .principal, query: AdminRoutes.pagingQuery, headers: [],
                              requestSchema: nil, success: (200, "ConnectionList"), errors: [400, 401, 403, 404])) { request, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let (cursor, limit) = try reader.paging(request)
            let (items, next) = try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [.credentials],
                                                          permission: .read, action: "connection.list") { tx, _ in
                let page = try await tx.platformConnections(learnerId: learnerId, after: cursor, limit: limit)
                var items: [JSONValue] = []
                for connection in page.items {
                    items.append(describe(connection, try await tx.platformRegistration(id: connection.registrationId), authorizationURL: nil))
                }
                return (items, page.nextCursor)
            }
            return APIJSON.response(json: APIJSON.page(items, next: next), status: .ok)
        }
        catalog.add(Operation(method: .get, path: "/connections/callback", operationId: "connectionCallback",
                              summary: "Where a platform sends the learner back after the authorization (HTML)",
                              tag: "Connections", access: .open,
                              query: [("state", "string", "The state Vita sent"), ("code", "string", "The authorization code"),
                                      ("error", "string", "The platform's error, when the learner denied")],
                              headers: [], requestSchema: nil, success: (200, nil), errors: [400],
                              successMediaTypes: ["text/html"], htmlStatuses: [400])) { request, _ in
            await callback(request)
        }
        for action in ["pull", "push"] {
            catalog.add(Operation(method: .post, path: "\(base)/{connectionId}/\(action)",
                                  operationId: action == "pull" ? "pullFromConnection" : "pushToConnection",
                                  summary: action == "pull"
                                      ? "Fetch the learner's credentials from the platform; each is verified, and the verified ones are kept as the learner's held credentials"
                                      : "Send the credentials Vita issued the learner (unrevoked) to the platform with upsertCredential",
                                  tag: "Connections", access: .principal, query: [], headers: [], requestSchema: nil,
                                  success: (200, "ConnectionTransfer"), errors: [401, 403, 404, 409, 502, 503])) { _, context in
                try await exchange(action == "pull", context)
            }
        }
        catalog.add(Operation(method: .delete, path: "\(base)/{connectionId}", operationId: "deleteConnection",
                              summary: "End a connection: Vita forgets its tokens for the platform",
                              tag: "Connections", access: .principal, query: [], headers: [], requestSchema: nil,
                              success: (200, "Connection"), errors: [401, 403, 404])) { _, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let connectionId = try reader.id(context, "connectionId", prefix: "con", what: "connection")
            let ended = try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [.credentials],
                                                  permission: .write, action: "connection.delete") { tx, _ in
                guard var connection = try await tx.platformConnection(id: connectionId), connection.learnerId == learnerId else {
                    throw Problem.notFound("connection")
                }
                connection.status = .revoked
                connection.sealedAccess = nil
                connection.sealedRefresh = nil
                connection.stateHash = nil
                connection.sealedVerifier = nil
                connection.updatedAt = Timestamp.truncated(gate.clock())
                try await tx.update(connection)
                return describe(connection, try await tx.platformRegistration(id: connection.registrationId), authorizationURL: nil)
            }
            return APIJSON.response(json: ended, status: .ok)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/learners/{learnerId}/held-credentials", operationId: "listHeldCredentials",
                              summary: "The credentials the learner holds that Vita did not issue (upserted by the learner's applications, pulled from connected platforms, received in transfers), with where each came from",
                              tag: "Connections", access: .principal, query: AdminRoutes.pagingQuery, headers: [],
                              requestSchema: nil, success: (200, "HeldCredentialList"), errors: [400, 401, 403, 404])) { request, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let (cursor, limit) = try reader.paging(request)
            let held = try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [.credentials],
                                                 permission: .read, action: "held-credentials.list") { tx, _ in
                try await tx.heldCredentials(learnerId: learnerId, after: cursor, limit: limit)
            }
            return APIJSON.response(json: APIJSON.page(held.items.map(Self.describe), next: held.nextCursor), status: .ok)
        }
    }

    // MARK: Connect

    private func create(_ request: Request, _ context: VitaRequestContext) async throws -> Response {
        let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
        let body = try await reader.object(request)
        guard let discoveryURL = body["discoveryURL"]?.stringValue, URLCheck.isAbsolute(discoveryURL) else {
            throw Problem.badRequest("discoveryURL", "must be the absolute URL of the platform's Service Description Document")
        }
        let service: HeldCredential.Service
        if discoveryURL.contains("/ims/clr/v2p0/") {
            service = .clr
        } else if discoveryURL.contains("/ims/ob/v3p0/") {
            service = .openBadges
        } else {
            throw Problem.badRequest("discoveryURL", "must be an Open Badges 3.0 (/ims/ob/v3p0/discovery) or CLR 2.0 (/ims/clr/v2p0/discovery) URL")
        }
        let client = try platformClient()
        // The learner must exist, and the caller may connect them (checked before any network call).
        try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [.credentials], permission: .read,
                                  action: "connection.check") { tx, _ in
            guard let learner = try await tx.learner(id: learnerId), learner.erasure == nil else { throw Problem.notFound("learner") }
        }
        let registration = try await registration(discoveryURL, service: service, client: client)
        let scope = Self.scopes(service).joined(separator: " ")
        let now = Timestamp.truncated(gate.clock())
        let id = EntityID.make("con", now: now)
        let state = PKCE.makeVerifier()
        let verifier = PKCE.makeVerifier()
        let connection = PlatformConnection(id: id, learnerId: learnerId, registrationId: registration.id, status: .pending,
                                            stateHash: OAuthSecret.hash(state),
                                            sealedVerifier: try vault.seal(Array(verifier.utf8), id: SealingID.connectionVerifier(id)),
                                            sealedAccess: nil, sealedRefresh: nil, accessExpiresAt: nil, scope: scope,
                                            reason: nil, createdAt: now, updatedAt: now)
        let description = OneEdTechClient.ServiceDescription(
            apiBase: registration.apiBase, registrationURL: "", authorizationURL: registration.authorizationURL,
            tokenURL: registration.tokenURL, refreshURL: registration.tokenURL, scopes: [])
        let authorizationURL = OneEdTechClient.authorizationURL(description, clientId: registration.clientId,
                                                                redirectURI: redirectURI, scope: scope, state: state,
                                                                codeVerifier: verifier)
        try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [.credentials], permission: .write,
                                  action: "connection.create") { tx, _ in
            try await tx.insert(connection)
        }
        return APIJSON.response(json: describe(connection, registration, authorizationURL: authorizationURL), status: .created)
    }

    /// The registration at a platform: the stored one, or a new one (discovery, then dynamic client registration).
    private func registration(_ discoveryURL: String, service: HeldCredential.Service,
                              client: OneEdTechClient) async throws -> PlatformRegistration {
        if let known = try await database.read({ try await $0.platformRegistration(discoveryURL: discoveryURL) }) { return known }
        let description: OneEdTechClient.ServiceDescription
        let registered: OneEdTechClient.Registration
        do {
            description = try await client.discover(discoveryURL)
            registered = try await client.register(at: description.registrationURL, metadata: clientMetadata(service))
        } catch {
            throw Self.problem(error)
        }
        let now = Timestamp.truncated(gate.clock())
        let id = EntityID.make("plt", now: now)
        let registration = PlatformRegistration(
            id: id, discoveryURL: discoveryURL, service: service.rawValue, apiBase: description.apiBase,
            authorizationURL: description.authorizationURL, tokenURL: description.tokenURL, clientId: registered.clientId,
            sealedSecret: try vault.seal(Array(registered.clientSecret.utf8), id: id), createdAt: now)
        do {
            try await database.transaction { try await $0.insert(registration) }
            return registration
        } catch {
            // Another node registered at the same platform meanwhile: use its registration.
            if let known = try await database.read({ try await $0.platformRegistration(discoveryURL: discoveryURL) }) { return known }
            throw error
        }
    }

    /// What Vita tells a platform about itself when it registers (the 1EdTech dynamic registration profile: every URI
    /// on the host of `client_uri`).
    private func clientMetadata(_ service: HeldCredential.Service) -> JSONObject {
        let base = options.publicBaseURL
        let host = URLComponents(string: base)?.host ?? base
        func onHost(_ url: String) -> String { URLComponents(string: url)?.host == host ? url : base + "/docs" }
        return [
            "client_name": .string("Vita (\(host))"), "client_uri": .string(base), "logo_uri": .string(base + "/logo.svg"),
            "tos_uri": .string(onHost(options.termsOfServiceURL)), "policy_uri": .string(onHost(options.privacyPolicyURL)),
            "software_id": "vita", "software_version": "1", "redirect_uris": [.string(redirectURI)],
            "scope": .string(Self.scopes(service).joined(separator: " ")),
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        ]
    }

    static func scopes(_ service: HeldCredential.Service) -> [String] {
        let scopeService: OAuthScope.Service = service == .clr ? .clr : .openBadges
        return [OAuthScope.Action.credentialReadOnly, .credentialUpsert].map { OAuthScope.oneEdTech(scopeService, $0).description }
    }

    // MARK: Callback

    private func callback(_ request: Request) async -> Response {
        let query = request.uri.queryParameters
        guard let state = query["state"].map(String.init), !state.isEmpty else {
            return ConsentPage.error("This link is not a complete answer from the platform (no state).")
        }
        do {
            let hash = OAuthSecret.hash(state)
            guard var connection = try await database.read({ try await $0.platformConnection(stateHash: hash) }),
                  connection.status == .pending else {
                return ConsentPage.error("This authorization is unknown or was already answered.")
            }
            let now = Timestamp.truncated(gate.clock())
            connection.stateHash = nil
            connection.updatedAt = now
            let registrationId = connection.registrationId
            let registration = try await database.read { try await $0.platformRegistration(id: registrationId) }
            guard let registration else { return ConsentPage.error("This connection's platform is unknown.") }
            if let error = query["error"].map(String.init) {
                connection.status = .failed
                connection.sealedVerifier = nil
                connection.reason = "the platform answered \(error.prefix(80))"
                try await save(connection, action: "connection.denied")
                return page("Not connected", "The platform says: \(error.prefix(80)). Vita holds no access there.")
            }
            guard let code = query["code"].map(String.init), let sealed = connection.sealedVerifier else {
                return ConsentPage.error("This link is not a complete answer from the platform (no code).")
            }
            let verifier = String(decoding: try vault.open(sealed, id: SealingID.connectionVerifier(connection.id)), as: UTF8.self)
            let secret = String(decoding: try vault.open(registration.sealedSecret, id: registration.id), as: UTF8.self)
            do {
                let tokens = try await platformClient().exchange(
                    code: code, redirectURI: redirectURI, codeVerifier: verifier, tokenURL: registration.tokenURL,
                    registration: .init(clientId: registration.clientId, clientSecret: secret), now: now)
                try seal(tokens, into: &connection)
                connection.status = .active
                connection.sealedVerifier = nil
                try await save(connection, action: "connection.authorize")
                return page("Connected", "Vita can now exchange your credentials with \(URLComponents(string: registration.apiBase)?.host ?? "the platform"). You can close this window.")
            } catch {
                connection.status = .failed
                connection.sealedVerifier = nil
                connection.reason = (error as? ExchangeError)?.reason ?? "the code could not be exchanged"
                try await save(connection, action: "connection.denied")
                return page("Not connected", "The platform did not give Vita access: \(connection.reason ?? "").")
            }
        } catch {
            return ConsentPage.error("Vita could not record the answer; please try again.", status: .serviceUnavailable)
        }
    }

    private func page(_ title: String, _ message: String) -> Response {
        Response(status: .ok, headers: ConsentPage.headers(formTarget: nil),
                 body: .init(byteBuffer: ByteBuffer(string: ConsentPage.document(
                    title: title, body: "<h1>\(ConsentPage.escape(title))</h1><p>\(ConsentPage.escape(message))</p>"))))
    }

    private func save(_ connection: PlatformConnection, action: String) async throws {
        try await database.transaction { tx in
            try await tx.update(connection)
            try await tx.appendAudit(AuditEntry(occurredAt: gate.clock(), actor: .init(kind: .learner, id: connection.learnerId),
                                                action: action, learnerId: connection.learnerId, categories: [.credentials],
                                                agreementId: nil, outcome: .allowed, reason: connection.reason))
        }
    }

    // MARK: Pull and push

    private func exchange(_ pulling: Bool, _ context: VitaRequestContext) async throws -> Response {
        let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
        let connectionId = try reader.id(context, "connectionId", prefix: "con", what: "connection")
        let principal = context.principal!
        let client = try platformClient()
        let (connection, registration, issued) = try await gate.withAccess(
            principal, learnerId: learnerId, categories: [.credentials], permission: .read,
            action: pulling ? "connection.pull.check" : "connection.push.check") { tx, _ in
            guard let connection = try await tx.platformConnection(id: connectionId), connection.learnerId == learnerId,
                  let registration = try await tx.platformRegistration(id: connection.registrationId) else {
                throw Problem.notFound("connection")
            }
            guard connection.status == .active else {
                throw Problem(status: 409, title: "Conflict", detail: "the connection is \(connection.status.rawValue)"
                              + (connection.reason.map { " (\($0))" } ?? "") + "; connect again",
                              errors: [.init(field: "connectionId", reason: "not active")])
            }
            return (connection, registration, pulling ? [] : try await CurrentIssuedCredentials.load(
                tx, learnerId: learnerId, service: registration.service == HeldCredential.Service.clr.rawValue ? .clr : .openBadges)
                .map { OneEdTechClient.Credential.json($0.credential) })
        }
        var summary = JSONObject()
        if pulling {
            let received = try await withToken(connection, registration, client) { token in
                try await client.credentials(apiBase: registration.apiBase, accessToken: token)
            }
            var accepted: [HeldCredential] = []
            var rejected: [JSONValue] = []
            let now = Timestamp.truncated(gate.clock())
            for (index, credential) in received.enumerated() {
                switch await verified(credential, learnerId: learnerId, service: registration.service, connectionId: connectionId, now: now) {
                case .success(let held): accepted.append(held)
                case .failure(let failure): rejected.append(["index": .number(JSONNumber(index)), "reason": .string(failure.reason)])
                }
            }
            let keep = accepted
            let counts = try await gate.withAccess(principal, learnerId: learnerId, categories: [.credentials],
                                                   permission: .write, action: "connection.pull") { tx, _ in
                var counts = (created: 0, replaced: 0, unchanged: 0)
                for held in keep {
                    switch try await HeldCredentialStore.keep(held, in: tx) {
                    case .created: counts.created += 1
                    case .replaced: counts.replaced += 1
                    case .unchanged, .newerHeld: counts.unchanged += 1
                    }
                }
                return counts
            }
            summary["received"] = .number(JSONNumber(received.count))
            summary["created"] = .number(JSONNumber(counts.created))
            summary["replaced"] = .number(JSONNumber(counts.replaced))
            summary["unchanged"] = .number(JSONNumber(counts.unchanged))
            summary["rejected"] = .array(rejected)
        } else {
            var counts: [OneEdTechClient.UpsertOutcome: Int] = [:]
            for credential in issued {
                let outcome = try await withToken(connection, registration, client) { token in
                    try await client.upsert(credential, apiBase: registration.apiBase, accessToken: token)
                }
                counts[outcome, default: 0] += 1
            }
            try await gate.withAccess(principal, learnerId: learnerId, categories: [.credentials], permission: .write,
                                      action: "connection.push") { _, _ in }
            summary["sent"] = .number(JSONNumber(issued.count))
            summary["created"] = .number(JSONNumber(counts[.created] ?? 0))
            summary["replaced"] = .number(JSONNumber(counts[.replaced] ?? 0))
            summary["notModified"] = .number(JSONNumber(counts[.notModified] ?? 0))
        }
        return APIJSON.response(json: .object(summary), status: .ok)
    }

    /// A received credential checked: of the connection's service, with an identity, and verifying.
    private func verified(_ credential: OneEdTechClient.Credential, learnerId: String, service: String,
                          connectionId: String, now: Date) async -> Result<HeldCredential, ReasonError> {
        let identity: CredentialIdentity
        let report: VerificationReport
        let document: String
        let format: HeldCredential.Format
        do {
            switch credential {
            case .json(let json):
                identity = try CredentialIdentity(credential: json)
                report = await verifier.verify(json)
                document = String(decoding: json.serialized(), as: UTF8.self)
                format = .json
            case .jws(let token):
                identity = try CredentialIdentity(jws: CompactJWS(parsing: token))
                report = await verifier.verify(jwt: token)
                document = token
                format = .jwt
            }
        } catch {
            return .failure(ReasonError(error.reason))
        }
        let heldService: HeldCredential.Service = service == HeldCredential.Service.clr.rawValue ? .clr : .openBadges
        guard identity.kind == (heldService == .clr ? .clr : .achievement) else {
            return .failure(ReasonError("not a credential of this service"))
        }
        guard report.verdict == .valid else {
            return .failure(ReasonError("does not verify: " + report.failures.map { "\($0.name): \($0.message)" }.joined(separator: "; ")))
        }
        return .success(HeldCredential(id: EntityID.make("hcr", now: now), learnerId: learnerId, service: heldService,
                                       format: format, issuerKey: identity.issuer, credentialKey: identity.id,
                                       validFrom: identity.validFromText, document: document, sourceKind: .platform,
                                       sourceId: connectionId, receivedAt: now, updatedAt: now))
    }

    /// Runs `call` with the connection's access token, refreshing it first when it has expired and once more when
    /// the platform refuses it; a refused refresh ends the connection (status `failed`, with the platform's reason).
    private func withToken<T: Sendable>(_ connection: PlatformConnection, _ registration: PlatformRegistration,
                                        _ client: OneEdTechClient,
                                        _ call: (String) async throws -> T) async throws -> T {
        var connection = connection
        let now = gate.clock()
        func open(_ sealed: String?, _ sealingId: String) throws -> String? {
            try sealed.map { String(decoding: try vault.open($0, id: sealingId), as: UTF8.self) }
        }
        func refreshed() async throws -> String {
            guard let refresh = try open(connection.sealedRefresh, SealingID.connectionRefreshToken(connection.id)) else {
                throw ExchangeError(.unauthorized, "the platform refused the access token and gave no refresh token")
            }
            let secret = String(decoding: try vault.open(registration.sealedSecret, id: registration.id), as: UTF8.self)
            let tokens = try await client.refresh(refresh, tokenURL: registration.tokenURL,
                                                  registration: .init(clientId: registration.clientId, clientSecret: secret), now: now)
            try seal(tokens, into: &connection)
            connection.updatedAt = Timestamp.truncated(now)
            let updated = connection
            try await database.transaction { try await $0.update(updated) }
            return tokens.accessToken
        }
        do {
            var token = try open(connection.sealedAccess, SealingID.connectionAccessToken(connection.id)) ?? ""
            if let expires = connection.accessExpiresAt, expires <= now.addingTimeInterval(30) { token = try await refreshed() }
            do {
                return try await call(token)
            } catch let error as ExchangeError where error.code == .unauthorized {
                return try await call(try await refreshed())
            }
        } catch let error as ExchangeError where error.code == .unauthorized {
            connection.status = .failed
            connection.reason = error.reason
            connection.sealedAccess = nil
            connection.sealedRefresh = nil
            connection.updatedAt = Timestamp.truncated(now)
            try await save(connection, action: "connection.ended")
            throw Problem(status: 409, title: "Conflict",
                          detail: "the platform no longer honours this connection (\(error.reason)); connect again",
                          errors: [.init(field: "connectionId", reason: "refused by the platform")])
        } catch let error as ExchangeError {
            throw Self.problem(error)
        }
    }

    private func seal(_ tokens: OneEdTechClient.Tokens, into connection: inout PlatformConnection) throws {
        connection.sealedAccess = try vault.seal(Array(tokens.accessToken.utf8), id: SealingID.connectionAccessToken(connection.id))
        connection.sealedRefresh = try tokens.refreshToken.map { try vault.seal(Array($0.utf8), id: SealingID.connectionRefreshToken(connection.id)) }
        connection.accessExpiresAt = tokens.expiresAt.map(Timestamp.truncated)
        if let scope = tokens.scope { connection.scope = scope }
    }

    // MARK: Helpers

    private func platformClient() throws -> OneEdTechClient {
        guard let client = options.platformClient else {
            throw Problem(status: 503, title: "Service Unavailable",
                          detail: "this server makes no requests to other platforms (outbound requests are off)")
        }
        return client
    }

    static func problem(_ error: any Error) -> Problem {
        guard let error = error as? ExchangeError else { return Problem.from(error) }
        return Problem(status: 502, title: "Bad Gateway", detail: "the platform: \(error.reason)",
                       errors: [.init(field: "discoveryURL", reason: error.code.rawValue)])
    }

    private func describe(_ connection: PlatformConnection, _ registration: PlatformRegistration?,
                          authorizationURL: String?) -> JSONValue {
        var object: JSONObject = [
            "id": .string(connection.id), "learnerId": .string(connection.learnerId), "status": .string(connection.status.rawValue),
            "scope": .string(connection.scope), "createdAt": .string(XSDDateTime.format(connection.createdAt)),
            "updatedAt": .string(XSDDateTime.format(connection.updatedAt)),
        ]
        if let registration {
            object["discoveryURL"] = .string(registration.discoveryURL)
            object["service"] = .string(registration.service)
        }
        if let reason = connection.reason { object["reason"] = .string(reason) }
        if let authorizationURL { object["authorizationURL"] = .string(authorizationURL) }
        return .object(object)
    }

    static func describe(_ held: HeldCredential) -> JSONValue {
        var object: JSONObject = [
            "id": .string(held.id), "service": .string(held.service.rawValue), "format": .string(held.format.rawValue),
            "issuer": .string(held.issuerKey), "credentialId": .string(held.credentialKey),
            "source": ["kind": .string(held.sourceKind.rawValue), "id": .string(held.sourceId)],
            "digest": .string(held.digest), "receivedAt": .string(XSDDateTime.format(held.receivedAt)),
            "updatedAt": .string(XSDDateTime.format(held.updatedAt)),
        ]
        if let validFrom = held.validFrom { object["validFrom"] = .string(validFrom) }
        switch held.format {
        case .json: object["credential"] = (try? JSONValue(parsing: Array(held.document.utf8))) ?? .null
        case .jwt: object["credential"] = .string(held.document)
        }
        return .object(object)
    }
}

/// A reason a received credential was not kept.
struct ReasonError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
