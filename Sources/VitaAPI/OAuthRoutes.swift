import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VitaCore
import VitaOAuth
import VitaWalletProtocols
import VitaStorage

/// Vita's OAuth 2.0 authorization server: metadata (RFC 8414), dynamic client registration (RFC 7591 with the
/// 1EdTech rules), the authorization-code grant with PKCE S256 (RFC 6749 §4.1, RFC 7636) behind a server-rendered
/// sign-in and consent page, refresh tokens with rotation and reuse detection, the client-credentials grant for
/// connected systems (RFC 6749 §4.4), token revocation (RFC 7009); learner accounts (administration) and the
/// learner's approvals.
struct OAuthRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    /// Replays creations for a repeated `Idempotency-Key`.
    let idempotency: Idempotency
    /// The issuer identifier and base of every endpoint URL (RFC 8414 §2).
    let issuer: String
    /// Accepts plain-http loopback URIs in registrations (``ServerOptions/allowsLoopbackClients``).
    var allowsLoopbackClients = false
    /// The OpenID4VCI offers whose pre-authorized codes the token endpoint exchanges.
    let credentialOffers: CredentialOfferRoutes
    let lifetimes = OAuthLifetimes.standard
    let hasher = PasswordHasher.standard
    var signIn: LearnerSignIn { LearnerSignIn(database: database, clock: { Timestamp.truncated(gate.clock()) }) }

    var now: Date { Timestamp.truncated(gate.clock()) }

    func register(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .get, path: "/.well-known/oauth-authorization-server",
                              operationId: "getAuthorizationServerMetadata",
                              summary: "OAuth 2.0 authorization server metadata (RFC 8414)", tag: "OAuth", access: .open,
                              query: [], headers: [], requestSchema: nil, success: (200, "AuthorizationServerMetadata"),
                              errors: [])) { _, _ in
            try APIJSON.response(metadata())
        }
        catalog.add(Operation(method: .post, path: "/oauth/register", operationId: "registerClient",
                              summary: "Dynamic client registration (RFC 7591, 1EdTech rules); the secret is shown once",
                              tag: "OAuth", access: .open, query: [], headers: [], requestSchema: "ClientRegistration",
                              success: (201, "RegisteredClient"), errors: [400, 413])) { request, _ in
            try await oauthErrors { try await registerClient(request) }
        }
        catalog.add(Operation(method: .get, path: "/oauth/authorize", operationId: "authorize",
                              summary: "Authorization endpoint: the learner's sign-in and consent page (HTML)",
                              tag: "OAuth", access: .open,
                              query: [("response_type", "string", "code"), ("client_id", "string", "The client"),
                                      ("redirect_uri", "string", "A registered redirect URI"),
                                      ("scope", "string", "Space-separated scopes"), ("state", "string", "Required"),
                                      ("code_challenge", "string", "PKCE S256 challenge"),
                                      ("code_challenge_method", "string", "S256")],
                              headers: [], requestSchema: nil, success: (200, nil), errors: [303, 400],
                              successMediaTypes: ["text/html"], htmlStatuses: [400])) { request, _ in
            try await authorizePage(request)
        }
        catalog.add(Operation(method: .post, path: "/oauth/authorize", operationId: "answerAuthorization",
                              summary: "Sign in and approve, or deny: redirects to the client with code and state, or error",
                              tag: "OAuth", access: .open, query: [], headers: [], requestSchema: "AuthorizationForm",
                              success: (303, nil), errors: [400, 401, 403, 429],
                              htmlStatuses: [400, 401, 403, 429])) { request, _ in
            try await answerAuthorization(request)
        }
        catalog.add(Operation(method: .post, path: "/oauth/token", operationId: "token",
                              summary: "Token endpoint: authorization_code (PKCE), refresh_token (rotation), client_credentials, and OpenID4VCI's pre-authorized_code (no client authentication)",
                              tag: "OAuth", access: .open, query: [],
                              headers: [("Authorization", true, "HTTP Basic: client_id and client_secret")],
                              requestSchema: "TokenForm", success: (200, "TokenResponse"), errors: [400, 401, 413])) { request, _ in
            try await oauthErrors { try await token(request) }
        }
        catalog.add(Operation(method: .post, path: "/oauth/revoke", operationId: "revokeToken",
                              summary: "Token revocation (RFC 7009): 200 even for unknown tokens", tag: "OAuth",
                              access: .open, query: [],
                              headers: [("Authorization", true, "HTTP Basic: client_id and client_secret")],
                              requestSchema: "RevocationForm", success: (200, nil), errors: [400, 401, 413])) { request, _ in
            try await oauthErrors { try await revoke(request) }
        }

        catalog.add(Operation(method: .post, path: "/api/v1/learners/{learnerId}/account", operationId: "createLearnerAccount",
                              summary: "Give a learner a sign-in account (login name and password)", tag: "OAuth",
                              access: .admin, query: [], headers: [], requestSchema: "CreateLearnerAccount",
                              success: (201, "LearnerAccount"), errors: [400, 401, 403, 404, 409, 413, 422])) { request, context in
            try await createAccount(request, context)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/learners/{learnerId}/account", operationId: "getLearnerAccount",
                              summary: "Read a learner's sign-in account: its login name, and until when sign-in is locked after failed attempts (never the password's hash)",
                              tag: "OAuth", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (200, "LearnerAccount"), errors: [401, 403, 404])) { _, context in
            try await readAccount(context)
        }
        catalog.add(Operation(method: .post, path: "/api/v1/systems/{systemId}/oauth-clients", operationId: "createSystemClient",
                              summary: "An OAuth client for a connected system (client-credentials grant); the secret is shown once",
                              tag: "OAuth", access: .admin, query: [], headers: [Idempotency.header], requestSchema: "CreateSystemClient",
                              success: (201, "RegisteredClient"), errors: [400, 401, 403, 404, 413, 422])) { request, context in
            try await createSystemClient(request, context)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/oauth-clients", operationId: "listOAuthClients",
                              summary: "List OAuth clients (registered applications and connected systems' clients); never secrets",
                              tag: "OAuth", access: .admin, query: AdminRoutes.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "OAuthClientList"), errors: [400, 401, 403])) { request, _ in
            let (cursor, limit) = try reader.paging(request)
            let page = try await database.read { try await $0.oauthClients(after: cursor, limit: limit) }
            let items = page.items.map { DTO.OAuthClientSummary($0, metadata: try? decodeMetadata($0.metadata)) }
            return try APIJSON.response(DTO.List(items: items, nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .post, path: "/api/v1/oauth-clients/{clientId}/revoke", operationId: "revokeOAuthClient",
                              summary: "Revoke an OAuth client and every token issued to it", tag: "OAuth", access: .admin,
                              query: [], headers: [], requestSchema: nil, success: (200, "OAuthClient"),
                              errors: [401, 403, 404])) { _, context in
            let id = try reader.id(context, "clientId", prefix: "cli", what: "client")
            let client = try await database.transaction { tx -> StoredOAuthClient in
                guard try await tx.revokeOAuthClient(id: id, at: now), let client = try await tx.oauthClient(id: id) else {
                    throw Problem.notFound("client")
                }
                try await gate.audit(tx, context.principal!, action: "oauth.client.revoke")
                return client
            }
            return try APIJSON.response(DTO.OAuthClientSummary(client, metadata: try? decodeMetadata(client.metadata)))
        }
        catalog.add(Operation(method: .get, path: "/api/v1/me/approvals", operationId: "listMyApprovals",
                              summary: "The applications the signed-in learner has approved (learner token, vita:approvals)",
                              tag: "OAuth", access: .learner, query: AdminRoutes.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "ApprovalList"), errors: [400, 401, 403])) { request, context in
            let learnerId = context.token!.learnerId!
            let (cursor, limit) = try reader.paging(request)
            let (approvals, next) = try await database.read { tx -> ([DTO.Approval], String?) in
                let page = try await tx.approvals(learnerId: learnerId, after: cursor, limit: limit)
                var list: [DTO.Approval] = []
                for approval in page.items {
                    let client = try await tx.oauthClient(id: approval.clientId)
                    list.append(DTO.Approval(approval, clientName: client.flatMap { try? decodeMetadata($0.metadata).clientName }))
                }
                return (list, page.nextCursor)
            }
            return try APIJSON.response(DTO.List(items: approvals, nextCursor: next), headers: [.cacheControl: "no-store"])
        }
        catalog.add(Operation(method: .delete, path: "/api/v1/me/approvals/{approvalId}", operationId: "revokeMyApproval",
                              summary: "Revoke an approval: the application's tokens for this learner stop working",
                              tag: "OAuth", access: .learner, query: [], headers: [], requestSchema: nil,
                              success: (200, "Approval"), errors: [401, 403, 404])) { _, context in
            let learnerId = context.token!.learnerId!
            let id = try reader.id(context, "approvalId", prefix: "apr", what: "approval")
            let revoked = try await database.transaction { tx -> OAuthApproval in
                guard let revoked = try await tx.revokeApproval(id: id, learnerId: learnerId, at: now) else {
                    throw Problem.notFound("approval")
                }
                try await tx.appendAudit(AuditEntry(occurredAt: gate.clock(), actor: .init(kind: .learner, id: learnerId),
                                                    action: "oauth.approval.revoke", learnerId: learnerId, categories: [],
                                                    agreementId: nil, outcome: .allowed, reason: nil))
                return revoked
            }
            return try APIJSON.response(DTO.Approval(revoked, clientName: nil))
        }
    }

    // MARK: Metadata and registration

    func metadata() -> DTO.AuthorizationServerMetadata {
        DTO.AuthorizationServerMetadata(
            issuer: issuer, authorizationEndpoint: "\(issuer)/oauth/authorize", tokenEndpoint: "\(issuer)/oauth/token",
            registrationEndpoint: "\(issuer)/oauth/register", revocationEndpoint: "\(issuer)/oauth/revoke",
            scopesSupported: OAuthScope.all.map(\.description), responseTypesSupported: ["code"],
            grantTypesSupported: ClientMetadata.GrantType.allCases.map(\.rawValue) + [CredentialOffer.preAuthorizedGrantType],
            tokenEndpointAuthMethodsSupported: ["client_secret_basic"],
            revocationEndpointAuthMethodsSupported: ["client_secret_basic"], codeChallengeMethodsSupported: [PKCE.method],
            serviceDocumentation: "\(issuer)/docs", preAuthorizedGrantAnonymousAccessSupported: true)
    }

    func registerClient(_ request: Request) async throws -> Response {
        var request = request
        let buffer = try await request.collectBody(upTo: reader.maxBodySize)
        let metadata: ClientMetadata
        do {
            metadata = try APIJSON.decoder.decode(ClientMetadata.self, from: Data(buffer.readableBytesView))
        } catch let error as OAuthError {
            throw error
        } catch {
            throw OAuthError(.invalidClientMetadata, "the registration must be a JSON object")
        }
        let validated = try metadata.validatedForRegistration(allowingLoopbackHTTP: allowsLoopbackClients)
        let created = now
        let (secret, secretHash) = OAuthSecret.make(.clientSecret)
        let client = StoredOAuthClient(id: EntityID.make("cli", now: created), metadata: try encodeMetadata(validated),
                                       secretHash: secretHash, systemId: nil, createdAt: created)
        try await database.transaction { try await $0.insert(client) }
        return try registeredResponse(client, metadata: validated, secret: secret)
    }

    func registeredResponse(_ client: StoredOAuthClient, metadata: ClientMetadata, secret: String) throws -> Response {
        let body = DTO.RegisteredClient(metadata: metadata, clientId: client.id, clientSecret: secret,
                                        clientIdIssuedAt: Int64(client.createdAt.timeIntervalSince1970))
        return try APIJSON.response(body, status: .created, headers: Self.noStore)
    }

    static let noStore: HTTPFields = [.cacheControl: "no-store", HTTPField.Name("Pragma")!: "no-cache"]

    func encodeMetadata(_ metadata: ClientMetadata) throws -> String {
        String(decoding: try APIJSON.encoder.encode(metadata), as: UTF8.self)
    }

    func decodeMetadata(_ text: String) throws -> ClientMetadata {
        try APIJSON.decoder.decode(ClientMetadata.self, from: Data(text.utf8))
    }

    // MARK: Authorization endpoint

    /// RFC 6749 §4.1.1 and §4.1.2.1: a request whose client or redirect URI cannot be trusted gets an error page;
    /// any other error is sent back to the redirect URI with `error` and `state`.
    func authorizePage(_ request: Request) async throws -> Response {
        let query: [String: String]
        do {
            query = try FormParameters.parse(request.uri.query ?? "")
        } catch {
            return ConsentPage.error("The request's parameters are malformed or repeated.")
        }
        guard let clientId = query["client_id"], EntityID.isWellFormed(clientId, prefix: "cli"),
              let client = try await database.read({ try await $0.oauthClient(id: clientId) }), client.revokedAt == nil,
              let metadata = try? decodeMetadata(client.metadata) else {
            return ConsentPage.error("The application is not registered with this Vita.")
        }
        guard let redirectURI = query["redirect_uri"], metadata.isRegistered(redirectURI: redirectURI) else {
            return ConsentPage.error("The return address is not one the application registered.")
        }
        let state = query["state"]
        func fail(_ error: OAuthError) -> Response {
            Self.redirect(redirectURI, [("error", error.code.rawValue), ("error_description", error.reason)]
                + (state.map { [("state", $0)] } ?? []))
        }
        guard let state, !state.isEmpty, state.count <= 500 else {
            return fail(OAuthError(.invalidRequest, "state is required (at most 500 characters)"))
        }
        guard query["response_type"] == "code" else {
            return fail(OAuthError(.unsupportedResponseType, "response_type must be code"))
        }
        guard metadata.grantTypes.contains(.authorizationCode) else {
            return fail(OAuthError(.unauthorizedClient, "this client may not use the authorization code grant"))
        }
        guard let challenge = query["code_challenge"], PKCE.isWellFormedChallenge(challenge) else {
            return fail(OAuthError(.invalidRequest, "code_challenge is required: BASE64URL(SHA256(code_verifier))"))
        }
        guard query["code_challenge_method"] == PKCE.method else {
            return fail(OAuthError(.invalidRequest, "code_challenge_method must be S256"))
        }
        let scopes: OAuthScopes
        do {
            scopes = try OAuthScopes(parsing: query["scope"] ?? "")
        } catch let error as OAuthError {
            return fail(error)
        }
        guard !scopes.isEmpty, metadata.scope.isSuperset(of: scopes) else {
            return fail(OAuthError(.invalidScope, "scope must name scopes the client registered"))
        }
        let created = now
        let (csrf, csrfHash) = OAuthSecret.make(.csrfToken)
        let pending = PendingAuthorization(id: EntityID.make("par", now: created), csrfHash: csrfHash, clientId: clientId,
                                           redirectURI: redirectURI, scope: scopes.description, state: state,
                                           codeChallenge: challenge, expiresAt: created + lifetimes.pendingAuthorization,
                                           createdAt: created)
        try await database.transaction { try await $0.insert(pending) }
        return ConsentPage.consent(client: Self.pageClient(metadata), scopes: scopes, pendingId: pending.id, csrfToken: csrf,
                                   redirectURI: redirectURI, setCookie: true)
    }

    static func pageClient(_ metadata: ClientMetadata) -> ConsentPage.Client {
        .init(name: metadata.clientName, uri: metadata.clientURI, logoURI: metadata.logoURI, tosURI: metadata.tosURI,
              policyURI: metadata.policyURI)
    }

    static func redirect(_ uri: String, _ parameters: [(String, String)]) -> Response {
        var headers = noStore
        headers[.location] = FormParameters.appending(parameters, to: uri)
        return Response(status: .seeOther, headers: headers)
    }

    func cookie(_ request: Request, _ name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == name { return String(parts[1]) }
            }
        }
        return nil
    }

    /// The answer to the consent page: checks the pending authorization and its CSRF token, then denies, or signs
    /// the learner in (with lockout) and issues a code.
    func answerAuthorization(_ request: Request) async throws -> Response {
        var request = request
        let form: [String: String]
        do {
            let buffer = try await request.collectBody(upTo: 64 * 1024)
            form = try FormParameters.parse(String(decoding: buffer.readableBytesView, as: UTF8.self))
        } catch {
            return ConsentPage.error("The form could not be read.")
        }
        let started = gate.clock()
        guard let pendingId = form["pending"], EntityID.isWellFormed(pendingId, prefix: "par"),
              let pending = try await database.read({ try await $0.pendingAuthorization(id: pendingId) }),
              started < pending.expiresAt else {
            return ConsentPage.error("This sign-in page has expired.")
        }
        guard let csrf = form["csrf_token"], let cookie = cookie(request, ConsentPage.csrfCookie), cookie == csrf,
              OAuthSecret.matches(csrf, storedHash: pending.csrfHash) else {
            return ConsentPage.error("This form was not sent from the sign-in page Vita showed.", status: .forbidden)
        }
        guard let client = try await database.read({ try await $0.oauthClient(id: pending.clientId) }), client.revokedAt == nil,
              let metadata = try? decodeMetadata(client.metadata) else {
            return ConsentPage.error("The application is no longer registered with this Vita.")
        }
        let state = pending.state
        guard form["decision"] == "approve" else {
            try await database.transaction { try await $0.deletePendingAuthorization(id: pending.id, now: started) }
            return Self.redirect(pending.redirectURI, [("error", OAuthError.Code.accessDenied.rawValue),
                                                       ("error_description", "the learner denied the request"),
                                                       ("state", state)])
        }
        let scopes = try OAuthScopes(parsing: pending.scope)
        let login = (form["login"] ?? "").lowercased()
        func again(_ message: String, _ status: HTTPResponse.Status) -> Response {
            ConsentPage.consent(client: Self.pageClient(metadata), scopes: scopes, pendingId: pending.id, csrfToken: csrf,
                                redirectURI: pending.redirectURI, login: login, message: message, status: status)
        }
        let wrong = "The login name or password is wrong."
        let locked = "Too many failed sign-ins: this account is locked for a while. Try again later."
        let (code, codeHash) = OAuthSecret.make(.authorizationCode)
        let lifetimes = lifetimes
        let outcome = try await signIn.attempt(login: login, password: form["password"] ?? "", action: "oauth.signin") {
            tx, account, at -> Bool in
            // The pending authorization is answered once.
            guard try await tx.pendingAuthorization(id: pending.id) != nil else { return false }
            try await tx.deletePendingAuthorization(id: pending.id, now: at)
            try await tx.insert(StoredAuthorizationCode(codeHash: codeHash, clientId: client.id, learnerId: account.learnerId,
                                                        redirectURI: pending.redirectURI, scope: pending.scope,
                                                        codeChallenge: pending.codeChallenge,
                                                        expiresAt: at + lifetimes.authorizationCode, createdAt: at))
            try await tx.approve(OAuthApproval(id: EntityID.make("apr", now: at), learnerId: account.learnerId,
                                               clientId: client.id, scope: pending.scope, grantedAt: at))
            try await tx.appendAudit(AuditEntry(occurredAt: at, actor: .init(kind: .learner, id: account.learnerId),
                                                action: "oauth.authorize", learnerId: account.learnerId, categories: [],
                                                agreementId: nil, outcome: .allowed, reason: nil))
            return true
        }
        switch outcome {
        case .wrong: return again(wrong, .unauthorized)
        case .locked: return again(locked, .tooManyRequests)
        case .signedIn(_, false): return ConsentPage.error("This sign-in page has expired.")
        case .signedIn(_, true): return Self.redirect(pending.redirectURI, [("code", code), ("state", state)])
        }
    }

    // MARK: Token endpoint

    /// Runs an endpoint that answers errors as RFC 6749 §5.2 JSON (`error`, `error_description`), never cached; a body
    /// over the limit too (413, `invalid_request`).
    func oauthErrors(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as OAuthError {
            var headers = Self.noStore
            var status = HTTPResponse.Status.badRequest
            if error.code == .invalidClient {
                // RFC 6749 §5.2: a failed HTTP Basic authentication answers 401 with the scheme.
                status = .unauthorized
                headers[.wwwAuthenticate] = "Basic realm=\"vita\""
            }
            return try APIJSON.response(DTO.OAuthErrorBody(error: error.code.rawValue, errorDescription: error.reason),
                                        status: status, headers: headers)
        } catch let error where Problem.from(error).status == 413 {
            return try APIJSON.response(DTO.OAuthErrorBody(error: OAuthError.Code.invalidRequest.rawValue,
                                                           errorDescription: Problem.from(error).detail),
                                        status: .contentTooLarge, headers: Self.noStore)
        }
    }

    /// RFC 6749 §2.3.1: `Authorization: Basic base64(urlencode(client_id) ":" urlencode(client_secret))`.
    func authenticateClient(_ request: Request) async throws -> StoredOAuthClient {
        guard let basic = AuthorizationHeader.credentials(request, scheme: "Basic"),
              let decoded = Data(base64Encoded: basic),
              let text = String(data: decoded, encoding: .utf8) else {
            throw OAuthError(.invalidClient, "authenticate with HTTP Basic (client_id and client_secret)")
        }
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let id = PercentEncoding.formDecoded(parts[0]), let secret = PercentEncoding.formDecoded(parts[1]),
              EntityID.isWellFormed(id, prefix: "cli"),
              let client = try await database.read({ try await $0.oauthClient(id: id) }),
              OAuthSecret.matches(secret, storedHash: client.secretHash) else {
            throw OAuthError(.invalidClient, "client authentication failed")
        }
        guard client.revokedAt == nil else { throw OAuthError(.invalidClient, "this client was revoked") }
        return client
    }

    func formBody(_ request: Request) async throws -> [String: String] {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw OAuthError(.invalidRequest, "send the parameters as application/x-www-form-urlencoded")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: 64 * 1024)
        return try FormParameters.parse(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    func required(_ form: [String: String], _ name: String) throws -> String {
        guard let value = form[name], !value.isEmpty else { throw OAuthError(.invalidRequest, "\(name) is required") }
        return value
    }

    /// The scopes of an optional `scope` parameter, which may only narrow `granted` (RFC 6749 §6, §3.3).
    func narrowed(_ form: [String: String], granted: OAuthScopes) throws -> OAuthScopes {
        guard let text = form["scope"], !text.isEmpty else { return granted }
        let asked = try OAuthScopes(parsing: text)
        guard granted.isSuperset(of: asked) else { throw OAuthError(.invalidScope, "scope exceeds what was granted") }
        return asked
    }

    func token(_ request: Request) async throws -> Response {
        if request.headers[.authorization] == nil {
            // OpenID4VCI 1.0 §6.1: a wallet exchanges a pre-authorized code without client authentication.
            let form = (try? await formBody(request)) ?? [:]
            guard form["grant_type"] == CredentialOffer.preAuthorizedGrantType else {
                throw OAuthError(.invalidClient, "authenticate with HTTP Basic (client_id and client_secret)")
            }
            return try APIJSON.response(try await credentialOffers.exchange(form), headers: Self.noStore)
        }
        let client = try await authenticateClient(request)
        let metadata = try decodeMetadata(client.metadata)
        let form = try await formBody(request)
        let grantType = try required(form, "grant_type")
        if grantType == CredentialOffer.preAuthorizedGrantType {
            return try APIJSON.response(try await credentialOffers.exchange(form), headers: Self.noStore)
        }
        guard let grant = ClientMetadata.GrantType(rawValue: grantType) else {
            throw OAuthError(.unsupportedGrantType,
                             "grant_type must be authorization_code, refresh_token, client_credentials or \(CredentialOffer.preAuthorizedGrantType)")
        }
        guard metadata.grantTypes.contains(grant) else {
            throw OAuthError(.unauthorizedClient, "this client may not use the \(grant.rawValue) grant")
        }
        switch grant {
        case .authorizationCode: return try await exchangeCode(form, client: client, metadata: metadata)
        case .refreshToken: return try await refresh(form, client: client, metadata: metadata)
        case .clientCredentials: return try await clientCredentials(form, client: client, metadata: metadata)
        }
    }

    /// RFC 6749 §4.1.3 with RFC 7636 §4.5–4.6: the code must be this client's, unexpired, unused, sent with the same
    /// redirect URI, and the verifier must match the challenge. A second exchange of a code revokes every token the
    /// first produced (RFC 6749 §4.1.2).
    func exchangeCode(_ form: [String: String], client: StoredOAuthClient, metadata: ClientMetadata) async throws -> Response {
        let code = try required(form, "code")
        let redirectURI = try required(form, "redirect_uri")
        let verifier = try required(form, "code_verifier")
        let at = now
        let familyId = EntityID.make("fam", now: at)
        let issued = try await database.transaction { tx -> Result<DTO.TokenResponse, OAuthError> in
            guard let stored = try await tx.authorizationCode(hash: OAuthSecret.hash(code)), stored.clientId == client.id else {
                return .failure(OAuthError(.invalidGrant, "the code is not valid"))
            }
            if stored.usedAt != nil {
                if let family = stored.familyId { try await tx.revokeTokenFamily(family, at: at) }
                return .failure(OAuthError(.invalidGrant, "the code was already used; the tokens issued from it are revoked"))
            }
            guard at < stored.expiresAt else { return .failure(OAuthError(.invalidGrant, "the code expired")) }
            guard stored.redirectURI == redirectURI else {
                return .failure(OAuthError(.invalidGrant, "redirect_uri differs from the authorization request's"))
            }
            guard PKCE.verify(verifier: verifier, challenge: stored.codeChallenge) else {
                return .failure(OAuthError(.invalidGrant, "code_verifier does not match the code_challenge"))
            }
            let scopes: OAuthScopes
            do {
                scopes = try narrowed(form, granted: try OAuthScopes(parsing: stored.scope))
            } catch let error as OAuthError {
                return .failure(error)
            }
            guard try await tx.markCodeUsed(hash: stored.codeHash, familyId: familyId, at: at) else {
                try await tx.revokeTokenFamily(familyId, at: at)
                return .failure(OAuthError(.invalidGrant, "the code was already used"))
            }
            return .success(try await issueTokens(tx, client: client, learnerId: stored.learnerId, systemId: nil,
                                                  scopes: scopes, familyId: familyId,
                                                  withRefresh: metadata.grantTypes.contains(.refreshToken), at: at))
        }
        return try APIJSON.response(try issued.get(), headers: Self.noStore)
    }

    /// RFC 6749 §6 with rotation (OAuth 2.0 Security BCP §4.14.2): each use of a refresh token revokes it and issues a
    /// new one in the same family; presenting a revoked or rotated one again revokes the whole family.
    func refresh(_ form: [String: String], client: StoredOAuthClient, metadata: ClientMetadata) async throws -> Response {
        let presented = try required(form, "refresh_token")
        let at = now
        let issued = try await database.transaction { tx -> Result<DTO.TokenResponse, OAuthError> in
            let hash = OAuthSecret.hash(presented)
            guard let found = try await tx.oauthToken(hash: hash), found.token.kind == .refresh,
                  found.token.clientId == client.id else {
                return .failure(OAuthError(.invalidGrant, "the refresh token is not valid"))
            }
            guard let consumed = try await tx.consumeRefreshToken(hash: hash, at: at) else {
                try await tx.revokeTokenFamily(found.token.familyId, at: at)
                return .failure(OAuthError(.invalidGrant, "the refresh token was already used or revoked; its family is revoked"))
            }
            guard at < consumed.expiresAt else { return .failure(OAuthError(.invalidGrant, "the refresh token expired")) }
            let scopes: OAuthScopes
            do {
                scopes = try narrowed(form, granted: try OAuthScopes(parsing: consumed.scope))
            } catch let error as OAuthError {
                return .failure(error)
            }
            return .success(try await issueTokens(tx, client: client, learnerId: consumed.learnerId, systemId: consumed.systemId,
                                                  scopes: scopes, familyId: consumed.familyId, withRefresh: true, at: at))
        }
        return try APIJSON.response(try issued.get(), headers: Self.noStore)
    }

    /// RFC 6749 §4.4: a connected system's client gets an access token (no refresh token, §4.4.3) that acts as the
    /// system, within the scopes it asks for (by default all its client was given).
    func clientCredentials(_ form: [String: String], client: StoredOAuthClient, metadata: ClientMetadata) async throws -> Response {
        guard let systemId = client.systemId else {
            throw OAuthError(.unauthorizedClient, "only a connected system's client may use client_credentials")
        }
        let scopes = try narrowed(form, granted: metadata.scope)
        let at = now
        let issued = try await database.transaction { tx -> Result<DTO.TokenResponse, OAuthError> in
            guard let system = try await tx.system(id: systemId)?.system, system.revokedAt == nil else {
                return .failure(OAuthError(.invalidClient, "the connected system was revoked"))
            }
            let response = try await issueTokens(tx, client: client, learnerId: nil, systemId: system.id, scopes: scopes,
                                                 familyId: EntityID.make("fam", now: at), withRefresh: false, at: at)
            try await tx.appendAudit(AuditEntry(occurredAt: at, actor: .init(kind: .system, id: system.id),
                                                action: "oauth.token", learnerId: nil, categories: [], agreementId: nil,
                                                outcome: .allowed, reason: nil))
            return .success(response)
        }
        return try APIJSON.response(try issued.get(), headers: Self.noStore)
    }

    func issueTokens(_ tx: StoreTransaction, client: StoredOAuthClient, learnerId: String?, systemId: String?,
                     scopes: OAuthScopes, familyId: String, withRefresh: Bool, at: Date) async throws -> DTO.TokenResponse {
        let (access, accessHash) = OAuthSecret.make(.accessToken)
        try await tx.insert(StoredOAuthToken(tokenHash: accessHash, kind: .access, clientId: client.id, learnerId: learnerId,
                                             systemId: systemId, scope: scopes.description, familyId: familyId,
                                             expiresAt: at + lifetimes.accessToken, createdAt: at))
        var refresh: String?
        if withRefresh {
            let (value, hash) = OAuthSecret.make(.refreshToken)
            try await tx.insert(StoredOAuthToken(tokenHash: hash, kind: .refresh, clientId: client.id, learnerId: learnerId,
                                                 systemId: systemId, scope: scopes.description, familyId: familyId,
                                                 expiresAt: at + lifetimes.refreshToken, createdAt: at))
            refresh = value
        }
        return DTO.TokenResponse(accessToken: access, tokenType: "Bearer", expiresIn: Int(lifetimes.accessToken),
                                 scope: scopes.description, refreshToken: refresh)
    }

    /// RFC 7009 §2.1: the client revokes a token issued to it; a refresh token takes its family (the access tokens
    /// of the same grant) with it. Unknown tokens, and tokens of other clients, are answered 200 and left alone.
    func revoke(_ request: Request) async throws -> Response {
        let client = try await authenticateClient(request)
        let form = try await formBody(request)
        let presented = try required(form, "token")
        if let hint = form["token_type_hint"], hint != "access_token", hint != "refresh_token" {
            throw OAuthError(.unsupportedTokenType, "token_type_hint must be access_token or refresh_token")
        }
        let at = now
        try await database.transaction { tx in
            guard let found = try await tx.oauthToken(hash: OAuthSecret.hash(presented)),
                  found.token.clientId == client.id else { return }
            if found.token.kind == .refresh {
                try await tx.revokeTokenFamily(found.token.familyId, at: at)
            } else {
                try await tx.revokeOAuthToken(hash: found.token.tokenHash, at: at)
            }
        }
        return Response(status: .ok, headers: Self.noStore)
    }

    // MARK: Administration

    func createAccount(_ request: Request, _ context: VitaRequestContext) async throws -> Response {
        let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
        let (input, _) = try await reader.decode(DTO.CreateLearnerAccount.self, from: request)
        let login = input.login.lowercased()
        var failures = ValidationFailures()
        failures.require((3...64).contains(login.count) && login.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber
            || "._@-".contains($0)) }), "login", "3 to 64 letters, digits, '.', '_', '@' or '-'")
        do {
            try PasswordHasher.check(newPassword: input.password)
        } catch let error as OAuthError {
            failures.fail("password", error.reason)
        }
        try failures.throwIfAny()
        let hash = try hasher.hash(input.password)
        let at = now
        let account = LearnerAccount(id: EntityID.make("acc", now: at), learnerId: learnerId, login: login, passwordHash: hash,
                                     createdAt: at, updatedAt: at)
        try await database.transaction { tx in
            guard let learner = try await tx.learner(id: learnerId) else { throw Problem.notFound("learner") }
            guard learner.erasure == nil else {
                throw Problem(status: 409, title: "Conflict", detail: "this learner was erased: an erased learner signs in no more")
            }
            guard try await tx.learnerAccount(learnerId: learnerId) == nil else {
                throw Problem(status: 409, title: "Conflict", detail: "this learner already has an account")
            }
            guard try await tx.learnerAccount(login: login) == nil else {
                throw Problem(status: 409, title: "Conflict", detail: "login: this login name is taken",
                              errors: [.init(field: "login", reason: "taken")])
            }
            try await tx.insert(account)
            try await gate.audit(tx, context.principal!, action: "account.create", learnerId: learnerId)
        }
        return try APIJSON.response(DTO.LearnerAccount(id: account.id, learnerId: learnerId, login: login, createdAt: at),
                                    status: .created, headers: [.location: "/api/v1/learners/\(learnerId)/account"])
    }

    func readAccount(_ context: VitaRequestContext) async throws -> Response {
        let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
        let account = try await database.transaction { tx -> LearnerAccount? in
            guard try await tx.learner(id: learnerId) != nil else { throw Problem.notFound("learner") }
            guard let account = try await tx.learnerAccount(learnerId: learnerId) else { return nil }
            try await gate.audit(tx, context.principal!, action: "account.read", learnerId: learnerId)
            return account
        }
        guard let account else { throw Problem.notFound("account") }
        let locked = account.lockedUntil.flatMap { $0 > now ? $0 : nil }
        return try APIJSON.response(DTO.LearnerAccount(id: account.id, learnerId: learnerId, login: account.login,
                                                       createdAt: account.createdAt, lockedUntil: locked))
    }

    func createSystemClient(_ request: Request, _ context: VitaRequestContext) async throws -> Response {
        let systemId = try reader.id(context, "systemId", prefix: "sys", what: "system")
        let (input, raw) = try await reader.decode(DTO.CreateSystemClient.self, from: request)
        let scopes: OAuthScopes
        do {
            scopes = try OAuthScopes(parsing: input.scope)
        } catch let error as OAuthError {
            throw ValidationFailures([.invalidField("scope", error.reason)])
        }
        guard !scopes.isEmpty, scopes.scopes.allSatisfy({ if case .vita = $0 { true } else { false } }) else {
            throw ValidationFailures([.invalidField("scope", "name one or more vita:<category>:read|write scopes")])
        }
        let at = now
        let (secret, secretHash) = OAuthSecret.make(.clientSecret)
        let key = try Idempotency.key(request)
        let digest = Idempotency.digest(request, body: raw)
        let (outcome, replayed) = try await database.transaction { tx in
            try await idempotency.once(tx, principal: context.principal!, key: key, digest: digest, now: at, learnerId: nil) {
                guard let system = try await tx.system(id: systemId)?.system else { throw Problem.notFound("system") }
                let metadata = ClientMetadata.connectedSystem(name: system.name, scope: scopes)
                let client = StoredOAuthClient(id: EntityID.make("cli", now: at), metadata: try encodeMetadata(metadata),
                                               secretHash: secretHash, systemId: systemId, createdAt: at)
                try await tx.insert(client)
                try await gate.audit(tx, context.principal!, action: "oauth.client.create")
                let body = DTO.RegisteredClient(metadata: metadata, clientId: client.id, clientSecret: secret,
                                                clientIdIssuedAt: Int64(at.timeIntervalSince1970))
                return Idempotency.Outcome(status: 201, location: nil, body: try Idempotency.encode(body))
            }
        }
        var response = Idempotency.response(outcome, replayed: replayed)
        response.headers.append(contentsOf: Self.noStore)
        return response
    }
}
