import Foundation
import Hummingbird
import VitaCore
import VitaOAuth
import VitaStorage

/// What a presented OAuth access token grants, as the request context carries it.
public struct TokenGrant: Sendable {
    /// The client the token was issued to.
    public var clientId: String
    /// The learner it acts for (authorization-code grant); nil for a connected system's token.
    public var learnerId: String?
    /// The granted scopes.
    public var scopes: OAuthScopes
}

/// Resolves OAuth access tokens presented as `Authorization: Bearer vat_…` (RFC 6750 §2.1).
///
/// A token is looked up by the SHA-256 of its value and refused (401) when unknown, expired, revoked, or issued to a
/// revoked client. A connected system's token (client-credentials grant) sets the system as the principal, so that
/// agreements and the audit apply exactly as for its API key; a learner's token sets the learner as the principal.
struct BearerTokens: Sendable {
    let database: VitaDatabase
    let clock: @Sendable () -> Date

    static func invalid(_ reason: String) -> Problem {
        Problem(status: 401, title: "Unauthorized", detail: "the access token is \(reason)",
                errors: [.init(field: "Authorization", reason: "invalid_token: \(reason)")])
    }

    func authenticate(_ presented: String, _ context: VitaRequestContext) async throws -> VitaRequestContext {
        let hash = OAuthSecret.hash(presented)
        let (found, system) = try await database.read { tx -> ((token: StoredOAuthToken, clientRevoked: Bool)?, ConnectedSystem?) in
            guard let found = try await tx.oauthToken(hash: hash) else { return (nil, nil) }
            guard let systemId = found.token.systemId else { return (found, nil) }
            return (found, try await tx.system(id: systemId)?.system)
        }
        guard let found, found.token.kind == .access else { throw Self.invalid("not known") }
        guard found.token.revokedAt == nil, !found.clientRevoked else { throw Self.invalid("revoked") }
        guard clock() < found.token.expiresAt else { throw Self.invalid("expired") }
        let scopes = try OAuthScopes(parsing: found.token.scope)
        var context = context
        context.token = TokenGrant(clientId: found.token.clientId, learnerId: found.token.learnerId, scopes: scopes)
        if found.token.systemId != nil {
            guard let system else { throw Self.invalid("not known") }
            guard system.revokedAt == nil else {
                throw Problem(status: 401, title: "Unauthorized", detail: "this system's access was revoked",
                              errors: [.init(field: "Authorization", reason: "revoked")],
                              rule: AgreementPolicy.Rule.systemRevoked.rawValue)
            }
            context.principal = .system(system)
        } else if let learnerId = found.token.learnerId {
            context.principal = .learner(learnerId: learnerId, clientId: found.token.clientId)
        }
        return context
    }
}

extension Operation {
    /// The scopes of which an OAuth access token needs one to call this operation; nil when no token may call it.
    ///
    /// Learner data under `/api/v1/learners/{learnerId}` maps to `vita:<category>:read` (GET) or `:write` (others)
    /// for a category's records and versions, `vita:profile:read` for the profile, and any read or write scope for
    /// the learner resource itself, `vita:credentials:read` for the lists of issued badges and CLRs; the 1EdTech
    /// service APIs under `/ims/` map to their 1EdTech scopes. Everything else (administration, issuing, audit) is
    /// closed to tokens: a new operation is refused to tokens until it is given a scope here.
    var tokenScopes: [OAuthScope]? {
        if path.hasPrefix("/ims/") {
            // The 1EdTech service APIs: each operation has its scope (Open Badges 3.0 / CLR 2.0 "Scopes").
            guard access == .learner,
                  let service = OAuthScope.Service.allCases.first(where: { path.hasPrefix("/ims/\($0.rawValue)/") }) else { return nil }
            switch (path.split(separator: "/").last, method) {
            case ("credentials", .get): return [.oneEdTech(service, .credentialReadOnly)]
            case ("credentials", .post): return [.oneEdTech(service, .credentialUpsert)]
            case ("profile", .get): return [.oneEdTech(service, .profileReadOnly)]
            case ("profile", .put): return [.oneEdTech(service, .profileUpdate)]
            default: return nil
            }
        }
        if access == .learner { return path.hasPrefix("/api/v1/me/approvals") ? [.manageApprovals] : [.wallet] }
        if path == "/api/v1/changes" { return RecordCategory.stored.map { .vita($0, .read) } }
        if path == "/api/v1/xapi/statements" { return [.vita(.experiences, .write), .vita(.competencies, .write)] }
        let base = "/api/v1/learners"
        let permission: Permission = method == .get ? .read : .write
        if path == base, method == .post {
            return RecordCategory.stored.map { .vita($0, .write) }
        }
        let parts = path.split(separator: "/").map(String.init)
        // ["api", "v1", "learners", "{learnerId}", category, "{recordId}", "versions"]
        guard path.hasPrefix(base + "/{learnerId}"), parts.count >= 4 else { return nil }
        if parts.count == 4 {
            guard method == .get || method == .put else { return nil }
            let categories = permission == .read ? RecordCategory.allCases : RecordCategory.stored
            return categories.map { .vita($0, permission) }
        }
        // The credentials issued to the learner (a peer Vita's transfer reads them): credentials, read.
        if parts.count == 5, method == .get, parts[4] == "badges" || parts[4] == "clrs" {
            return [.vita(.credentials, .read)]
        }
        guard let category = RecordCategory(rawValue: parts[4]) else { return nil }
        if category == .profile { return parts.count == 5 && method == .get ? [.vita(.profile, .read)] : nil }
        guard parts.count == 5 || parts.count == 6 || (parts.count == 7 && parts[6] == "versions") else { return nil }
        return [.vita(category, permission)]
    }
}
