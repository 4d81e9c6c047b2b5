import Hummingbird
import VitaCore
import VitaOAuth
import VitaStorage

/// Reads `Authorization: Bearer <key>` and sets the context's principal when the key is valid and unrevoked.
/// Routes decide whether a principal is required; a presented but invalid key is always refused.
/// OAuth access tokens (`vat_…`) are resolved by `BearerTokens`. A refused credential is charged to the remote
/// address's rate limit, so that a flood of bad keys is answered 429 before it costs a lookup each.
struct AuthenticationMiddleware: RouterMiddleware {
    let database: VitaDatabase
    let tokens: BearerTokens
    let limits: RateLimiting

    func handle(_ request: Request, context: VitaRequestContext,
                next: (Request, VitaRequestContext) async throws -> Response) async throws -> Response {
        let identified: VitaRequestContext
        do {
            identified = try await identify(request, context)
        } catch let problem as Problem where problem.status == 401 {
            if let tooMany = limits.chargeRefused(request, context) { return tooMany }
            throw problem
        }
        return try await next(request, identified)
    }

    private func identify(_ request: Request, _ context: VitaRequestContext) async throws -> VitaRequestContext {
        if context.isInProcessCall, let staffId = context.inProcessStaffId {
            let account = try await database.read { try await $0.staffAccount(id: staffId) }
            guard let account, account.disabledAt == nil else {
                throw Problem(status: 401, title: "Unauthorized", detail: "this staff account is disabled or gone")
            }
            var context = context
            context.principal = .staff(StaffMember(id: account.id, organizationId: account.organizationId, role: account.role))
            return context
        }
        guard let header = request.headers[.authorization] else { return context }
        // HTTP Basic is OAuth client authentication, checked by the token and revocation endpoints themselves.
        if AuthorizationHeader.credentials(header, scheme: "Basic") != nil { return context }
        let bearer = AuthorizationHeader.credentials(header, scheme: "Bearer")
        if let bearer, let kind = OAuthSecret.kind(of: bearer) {
            switch kind {
            case .accessToken: return try await tokens.authenticate(bearer, context)
            // A credential offer's token is checked by the OpenID4VCI endpoints, the only ones it opens.
            case .credentialAccessToken: return context
            default: break
            }
        }
        guard let bearer, let (ownerId, secret) = APIKeys.parse(bearer) else {
            throw Problem.unauthorized
        }
        var context = context
        if ownerId.hasPrefix("adm_") {
            let hash = try await database.read { try await $0.adminKeyHash(id: ownerId) }
            guard let hash, APIKeys.matches(secret: secret, storedHash: hash) else { throw Problem.unauthorized }
            context.principal = .admin(keyId: ownerId)
        } else {
            // A profile read is the API's hottest path: the key's system is read with the access snapshot the route
            // decides on, in one statement (PostgreSQL) or one read transaction (SQLite), not one after the other.
            let prefetched: PrefetchedAccess?
            let found: KeyedSystem?
            if let learnerId = Self.profileReadLearner(request) {
                let snapshot = try await database.accessSnapshot(systemId: ownerId, learnerId: learnerId)
                prefetched = PrefetchedAccess(learnerId: learnerId, snapshot: snapshot)
                found = snapshot.system
            } else {
                prefetched = nil
                found = try await database.read { try await $0.system(id: ownerId) }
            }
            // After a rotation the replaced key opens the system too, until its time is up.
            guard let found, found.keyHashes(at: tokens.clock()).contains(where: { APIKeys.matches(secret: secret, storedHash: $0) })
            else { throw Problem.unauthorized }
            guard found.system.revokedAt == nil else {
                throw Problem(status: 401, title: "Unauthorized", detail: "this system's API key was revoked",
                              errors: [.init(field: "Authorization", reason: "revoked")], rule: AgreementPolicy.Rule.systemRevoked.rawValue)
            }
            context.principal = .system(found.system)
            context.prefetchedAccess = prefetched
        }
        return context
    }

    /// The learner of `GET /api/v1/learners/{learnerId}/profile` for the current profile (no `asOf`); nil for any
    /// other request.
    static func profileReadLearner(_ request: Request) -> String? {
        guard request.method == .get, request.uri.queryParameters["asOf"] == nil else { return nil }
        let parts = request.uri.path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].isEmpty, parts[1] == "api", parts[2] == "v1", parts[3] == "learners",
              parts[5] == "profile", EntityID.isWellFormed(String(parts[4]), prefix: "lrn") else { return nil }
        return String(parts[4])
    }
}
