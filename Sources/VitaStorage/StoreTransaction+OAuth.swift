import Foundation
import SQLKit

/// A learner's account for signing in to Vita's authorization server.
public struct LearnerAccount: Sendable, Equatable {
    /// Vita's identifier (`acc_…`).
    public var id: String
    /// The learner the account signs in as.
    public var learnerId: String
    /// The login name (unique, compared as stored: the API lowercases it).
    public var login: String
    /// The encoded password hash (never the password).
    public var passwordHash: String
    /// Consecutive failed sign-ins.
    public var failedAttempts: Int
    /// Sign-in is refused until then.
    public var lockedUntil: Date?
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Creates an account.
    public init(id: String, learnerId: String, login: String, passwordHash: String, failedAttempts: Int = 0,
                lockedUntil: Date? = nil, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.learnerId = learnerId
        self.login = login
        self.passwordHash = passwordHash
        self.failedAttempts = failedAttempts
        self.lockedUntil = lockedUntil
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A registered OAuth client.
public struct StoredOAuthClient: Sendable, Equatable {
    /// The `client_id` (`cli_…`).
    public var id: String
    /// The registered metadata as JSON (RFC 7591 field names).
    public var metadata: String
    /// The SHA-256 of the client secret.
    public var secretHash: String
    /// For a connected system's client (client-credentials grant): the system it authenticates as.
    public var systemId: String?
    /// When it was registered.
    public var createdAt: Date
    /// When it was revoked; a revoked client is refused everywhere.
    public var revokedAt: Date?

    /// Creates a client.
    public init(id: String, metadata: String, secretHash: String, systemId: String?, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.metadata = metadata
        self.secretHash = secretHash
        self.systemId = systemId
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// An authorization request waiting for the learner on the consent page.
public struct PendingAuthorization: Sendable, Equatable {
    /// Its identifier (`par_…`), carried by the form.
    public var id: String
    /// The SHA-256 of the CSRF token the form and the browser's cookie must both carry.
    public var csrfHash: String
    /// The client asking.
    public var clientId: String
    /// The registered redirect URI the answer goes to.
    public var redirectURI: String
    /// The scopes asked for (space-separated).
    public var scope: String
    /// The client's `state`, returned unchanged.
    public var state: String
    /// The PKCE S256 challenge.
    public var codeChallenge: String
    /// The page must be answered before then.
    public var expiresAt: Date
    /// When it was made.
    public var createdAt: Date

    /// Creates a pending authorization.
    public init(id: String, csrfHash: String, clientId: String, redirectURI: String, scope: String, state: String,
                codeChallenge: String, expiresAt: Date, createdAt: Date) {
        self.id = id
        self.csrfHash = csrfHash
        self.clientId = clientId
        self.redirectURI = redirectURI
        self.scope = scope
        self.state = state
        self.codeChallenge = codeChallenge
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}

/// An authorization code, stored by the SHA-256 of its value.
public struct StoredAuthorizationCode: Sendable, Equatable {
    /// The SHA-256 of the code.
    public var codeHash: String
    /// The client it was issued to.
    public var clientId: String
    /// The learner who approved.
    public var learnerId: String
    /// The redirect URI it was sent to; the token request must name the same.
    public var redirectURI: String
    /// The approved scopes (space-separated).
    public var scope: String
    /// The PKCE S256 challenge.
    public var codeChallenge: String
    /// It cannot be exchanged after then.
    public var expiresAt: Date
    /// When it was exchanged; a second exchange is refused and revokes what the first produced.
    public var usedAt: Date?
    /// The token family its exchange produced.
    public var familyId: String?
    /// When it was issued.
    public var createdAt: Date

    /// Creates a code.
    public init(codeHash: String, clientId: String, learnerId: String, redirectURI: String, scope: String,
                codeChallenge: String, expiresAt: Date, usedAt: Date? = nil, familyId: String? = nil, createdAt: Date) {
        self.codeHash = codeHash
        self.clientId = clientId
        self.learnerId = learnerId
        self.redirectURI = redirectURI
        self.scope = scope
        self.codeChallenge = codeChallenge
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.familyId = familyId
        self.createdAt = createdAt
    }
}

/// An access or refresh token, stored by the SHA-256 of its value.
public struct StoredOAuthToken: Sendable, Equatable {
    /// Access or refresh.
    public enum Kind: String, Sendable { case access, refresh }

    /// The SHA-256 of the token.
    public var tokenHash: String
    /// Access or refresh.
    public var kind: Kind
    /// The client it was issued to.
    public var clientId: String
    /// The learner it acts for (authorization-code grant); nil for a connected system's token.
    public var learnerId: String?
    /// The connected system it acts as (client-credentials grant); nil for a learner's token.
    public var systemId: String?
    /// The granted scopes (space-separated).
    public var scope: String
    /// The tokens issued from one code, or one client-credentials request, and every rotation after: reuse of a
    /// rotated refresh token revokes them all.
    public var familyId: String
    /// It is refused after then.
    public var expiresAt: Date
    /// When it was revoked (or, for a refresh token, rotated).
    public var revokedAt: Date?
    /// When it was issued.
    public var createdAt: Date

    /// Creates a token.
    public init(tokenHash: String, kind: Kind, clientId: String, learnerId: String?, systemId: String?, scope: String,
                familyId: String, expiresAt: Date, revokedAt: Date? = nil, createdAt: Date) {
        self.tokenHash = tokenHash
        self.kind = kind
        self.clientId = clientId
        self.learnerId = learnerId
        self.systemId = systemId
        self.scope = scope
        self.familyId = familyId
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }
}

/// A learner's approval of a client for some scopes, revocable by the learner.
public struct OAuthApproval: Sendable, Equatable {
    /// Its identifier (`apr_…`).
    public var id: String
    /// The learner.
    public var learnerId: String
    /// The client.
    public var clientId: String
    /// The approved scopes (space-separated).
    public var scope: String
    /// When it was (last) given.
    public var grantedAt: Date
    /// When the learner revoked it.
    public var revokedAt: Date?

    /// Creates an approval.
    public init(id: String, learnerId: String, clientId: String, scope: String, grantedAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.learnerId = learnerId
        self.clientId = clientId
        self.scope = scope
        self.grantedAt = grantedAt
        self.revokedAt = revokedAt
    }
}

extension StoreTransaction {
    private var lockClause: String { engine == .postgres ? " FOR UPDATE" : "" }

    // MARK: Learner accounts

    /// Stores a new learner account.
    public func insert(_ account: LearnerAccount) async throws {
        try await db.raw("""
            INSERT INTO learner_accounts (id, learner_id, login, password_hash, failed_attempts, locked_until, created_at,
              updated_at) VALUES
            (\(bind: account.id), \(bind: account.learnerId), \(bind: account.login), \(bind: account.passwordHash),
             \(bind: account.failedAttempts), \(bind: account.lockedUntil.map(Self.ms)), \(bind: Self.ms(account.createdAt)),
             \(bind: Self.ms(account.updatedAt)))
            """).run()
    }

    private func account(from row: any SQLRow) throws -> LearnerAccount {
        LearnerAccount(
            id: try row.decode(column: "id", as: String.self),
            learnerId: try row.decode(column: "learner_id", as: String.self),
            login: try row.decode(column: "login", as: String.self),
            passwordHash: try row.decode(column: "password_hash", as: String.self),
            failedAttempts: try row.decode(column: "failed_attempts", as: Int.self),
            lockedUntil: try row.decode(column: "locked_until", as: Int64?.self).map(Self.date),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Self.date(try row.decode(column: "updated_at", as: Int64.self)))
    }

    /// The account with login name `login`, locked for this transaction when `forUpdate` (PostgreSQL `FOR UPDATE`;
    /// SQLite write transactions are exclusive already), so that concurrent failed sign-ins all count.
    public func learnerAccount(login: String, forUpdate: Bool = false) async throws -> LearnerAccount? {
        try await db.raw("""
            SELECT * FROM learner_accounts WHERE login = \(bind: login)\(unsafeRaw: forUpdate ? lockClause : "")
            """).first().map(account(from:))
    }

    /// The account of `learnerId`, if it has one.
    public func learnerAccount(learnerId: String) async throws -> LearnerAccount? {
        try await db.raw("SELECT * FROM learner_accounts WHERE learner_id = \(bind: learnerId)").first().map(account(from:))
    }

    /// Records the outcome of a sign-in: the failure count, the lock, and (after a re-hash) the password hash.
    public func updateSignIn(accountId: String, failedAttempts: Int, lockedUntil: Date?, passwordHash: String? = nil,
                             at: Date) async throws {
        if let passwordHash {
            try await db.raw("""
                UPDATE learner_accounts SET failed_attempts = \(bind: failedAttempts),
                  locked_until = \(bind: lockedUntil.map(Self.ms)), password_hash = \(bind: passwordHash),
                  updated_at = \(bind: Self.ms(at)) WHERE id = \(bind: accountId)
                """).run()
        } else {
            try await db.raw("""
                UPDATE learner_accounts SET failed_attempts = \(bind: failedAttempts),
                  locked_until = \(bind: lockedUntil.map(Self.ms)), updated_at = \(bind: Self.ms(at))
                WHERE id = \(bind: accountId)
                """).run()
        }
    }

    // MARK: Clients

    /// Stores a new client.
    public func insert(_ client: StoredOAuthClient) async throws {
        try await db.raw("""
            INSERT INTO oauth_clients (id, metadata, secret_hash, system_id, created_at, revoked_at) VALUES
            (\(bind: client.id), \(bind: client.metadata), \(bind: client.secretHash), \(bind: client.systemId),
             \(bind: Self.ms(client.createdAt)), \(bind: client.revokedAt.map(Self.ms)))
            """).run()
    }

    private func client(from row: any SQLRow) throws -> StoredOAuthClient {
        StoredOAuthClient(
            id: try row.decode(column: "id", as: String.self),
            metadata: try row.decode(column: "metadata", as: String.self),
            secretHash: try row.decode(column: "secret_hash", as: String.self),
            systemId: try row.decode(column: "system_id", as: String?.self),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Self.date))
    }

    /// The client with `id`, if any.
    public func oauthClient(id: String) async throws -> StoredOAuthClient? {
        try await db.raw("SELECT * FROM oauth_clients WHERE id = \(bind: id)").first().map(client(from:))
    }

    /// One page of clients in id order (registered and connected systems', revoked ones too), after `cursor`.
    public func oauthClients(after cursor: String?, limit: Int) async throws -> Page<StoredOAuthClient> {
        let after = try Self.cursorKey(cursor) ?? ""
        let rows = try await db.raw("""
            SELECT * FROM oauth_clients WHERE id > \(bind: after) ORDER BY id LIMIT \(bind: limit + 1)
            """).all().map(client(from:))
        guard rows.count > limit, let last = rows.prefix(limit).last else { return Page(items: rows, nextCursor: nil) }
        return Page(items: Array(rows.prefix(limit)), nextCursor: Self.cursor(for: last.id))
    }

    /// Revokes a client and every token issued to it; returns false when there is no such client.
    public func revokeOAuthClient(id: String, at: Date) async throws -> Bool {
        guard try await oauthClient(id: id) != nil else { return false }
        try await db.raw("""
            UPDATE oauth_clients SET revoked_at = \(bind: Self.ms(at)) WHERE id = \(bind: id) AND revoked_at IS NULL
            """).run()
        try await db.raw("""
            UPDATE oauth_tokens SET revoked_at = \(bind: Self.ms(at)) WHERE client_id = \(bind: id) AND revoked_at IS NULL
            """).run()
        return true
    }

    // MARK: Clean-up

    /// What `purgeExpiredOAuthArtefacts` deleted.
    public struct OAuthPurgeCounts: Sendable, Equatable {
        /// Authorization codes.
        public var codes: Int
        /// Pending authorizations (consent pages never answered).
        public var pendingAuthorizations: Int
        /// Access and refresh tokens.
        public var tokens: Int
        /// Ended web sessions (signed-in browsers).
        public var webSessions: Int

        /// Creates counts.
        public init(codes: Int, pendingAuthorizations: Int, tokens: Int, webSessions: Int) {
            self.codes = codes
            self.pendingAuthorizations = pendingAuthorizations
            self.tokens = tokens
            self.webSessions = webSessions
        }
    }

    /// Deletes pending authorizations that expired before `now`, and codes and tokens that expired more than `grace`
    /// before `now`, but never a code or token whose token family still has a live token (unrevoked, unexpired):
    /// presenting a used code or a rotated refresh token again must still revoke that family. Idempotent, so several
    /// nodes may run it at once.
    public func purgeExpiredOAuthArtefacts(now: Date, grace: TimeInterval) async throws -> OAuthPurgeCounts {
        let cutoff = Self.ms(now - max(0, grace))
        let nowMs = Self.ms(now)
        let pending = try await db.raw("""
            DELETE FROM oauth_pending_authorizations WHERE expires_at < \(bind: nowMs) RETURNING id
            """).all().count
        let codes = try await db.raw("""
            DELETE FROM oauth_codes WHERE expires_at < \(bind: cutoff) AND (family_id IS NULL OR NOT EXISTS (
              SELECT 1 FROM oauth_tokens live WHERE live.family_id = oauth_codes.family_id AND live.revoked_at IS NULL
              AND live.expires_at >= \(bind: nowMs)))
            RETURNING code_hash
            """).all().count
        let tokens = try await db.raw("""
            DELETE FROM oauth_tokens WHERE expires_at < \(bind: cutoff) AND NOT EXISTS (
              SELECT 1 FROM oauth_tokens live WHERE live.family_id = oauth_tokens.family_id AND live.revoked_at IS NULL
              AND live.expires_at >= \(bind: nowMs))
            RETURNING token_hash
            """).all().count
        let sessions = try await purgeExpiredWebSessions(now: now)
        return OAuthPurgeCounts(codes: codes, pendingAuthorizations: pending, tokens: tokens, webSessions: sessions)
    }

    // MARK: Pending authorizations

    /// Stores a pending authorization.
    public func insert(_ pending: PendingAuthorization) async throws {
        try await db.raw("""
            INSERT INTO oauth_pending_authorizations (id, csrf_hash, client_id, redirect_uri, scope, state, code_challenge,
              expires_at, created_at) VALUES
            (\(bind: pending.id), \(bind: pending.csrfHash), \(bind: pending.clientId), \(bind: pending.redirectURI),
             \(bind: pending.scope), \(bind: pending.state), \(bind: pending.codeChallenge),
             \(bind: Self.ms(pending.expiresAt)), \(bind: Self.ms(pending.createdAt)))
            """).run()
    }

    /// The pending authorization with `id`, if any.
    public func pendingAuthorization(id: String) async throws -> PendingAuthorization? {
        guard let row = try await db.raw("SELECT * FROM oauth_pending_authorizations WHERE id = \(bind: id)").first() else {
            return nil
        }
        return PendingAuthorization(
            id: try row.decode(column: "id", as: String.self),
            csrfHash: try row.decode(column: "csrf_hash", as: String.self),
            clientId: try row.decode(column: "client_id", as: String.self),
            redirectURI: try row.decode(column: "redirect_uri", as: String.self),
            scope: try row.decode(column: "scope", as: String.self),
            state: try row.decode(column: "state", as: String.self),
            codeChallenge: try row.decode(column: "code_challenge", as: String.self),
            expiresAt: Self.date(try row.decode(column: "expires_at", as: Int64.self)),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)))
    }

    /// Deletes a pending authorization (answered), and every one that expired before `now`.
    public func deletePendingAuthorization(id: String, now: Date) async throws {
        try await db.raw("""
            DELETE FROM oauth_pending_authorizations WHERE id = \(bind: id) OR expires_at < \(bind: Self.ms(now))
            """).run()
    }

    // MARK: Authorization codes

    /// Stores a new code.
    public func insert(_ code: StoredAuthorizationCode) async throws {
        try await db.raw("""
            INSERT INTO oauth_codes (code_hash, client_id, learner_id, redirect_uri, scope, code_challenge, expires_at,
              used_at, family_id, created_at) VALUES
            (\(bind: code.codeHash), \(bind: code.clientId), \(bind: code.learnerId), \(bind: code.redirectURI),
             \(bind: code.scope), \(bind: code.codeChallenge), \(bind: Self.ms(code.expiresAt)),
             \(bind: code.usedAt.map(Self.ms)), \(bind: code.familyId), \(bind: Self.ms(code.createdAt)))
            """).run()
    }

    private func code(from row: any SQLRow) throws -> StoredAuthorizationCode {
        StoredAuthorizationCode(
            codeHash: try row.decode(column: "code_hash", as: String.self),
            clientId: try row.decode(column: "client_id", as: String.self),
            learnerId: try row.decode(column: "learner_id", as: String.self),
            redirectURI: try row.decode(column: "redirect_uri", as: String.self),
            scope: try row.decode(column: "scope", as: String.self),
            codeChallenge: try row.decode(column: "code_challenge", as: String.self),
            expiresAt: Self.date(try row.decode(column: "expires_at", as: Int64.self)),
            usedAt: try row.decode(column: "used_at", as: Int64?.self).map(Self.date),
            familyId: try row.decode(column: "family_id", as: String?.self),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)))
    }

    /// The code with hash `codeHash`, if any.
    public func authorizationCode(hash codeHash: String) async throws -> StoredAuthorizationCode? {
        try await db.raw("SELECT * FROM oauth_codes WHERE code_hash = \(bind: codeHash)").first().map(code(from:))
    }

    /// Marks the code used by the exchange that starts token family `familyId`. Atomic: of two concurrent
    /// exchanges only one gets true.
    public func markCodeUsed(hash codeHash: String, familyId: String, at: Date) async throws -> Bool {
        let rows = try await db.raw("""
            UPDATE oauth_codes SET used_at = \(bind: Self.ms(at)), family_id = \(bind: familyId)
            WHERE code_hash = \(bind: codeHash) AND used_at IS NULL RETURNING code_hash
            """).all()
        return !rows.isEmpty
    }

    // MARK: Tokens

    /// Stores a new token.
    public func insert(_ token: StoredOAuthToken) async throws {
        try await db.raw("""
            INSERT INTO oauth_tokens (token_hash, kind, client_id, learner_id, system_id, scope, family_id, expires_at,
              revoked_at, created_at) VALUES
            (\(bind: token.tokenHash), \(bind: token.kind.rawValue), \(bind: token.clientId), \(bind: token.learnerId),
             \(bind: token.systemId), \(bind: token.scope), \(bind: token.familyId), \(bind: Self.ms(token.expiresAt)),
             \(bind: token.revokedAt.map(Self.ms)), \(bind: Self.ms(token.createdAt)))
            """).run()
    }

    private func token(from row: any SQLRow) throws -> StoredOAuthToken {
        let kind = try row.decode(column: "kind", as: String.self)
        guard let parsed = StoredOAuthToken.Kind(rawValue: kind) else {
            throw StorageError(.corrupt, "a stored token has an unknown kind")
        }
        return StoredOAuthToken(
            tokenHash: try row.decode(column: "token_hash", as: String.self), kind: parsed,
            clientId: try row.decode(column: "client_id", as: String.self),
            learnerId: try row.decode(column: "learner_id", as: String?.self),
            systemId: try row.decode(column: "system_id", as: String?.self),
            scope: try row.decode(column: "scope", as: String.self),
            familyId: try row.decode(column: "family_id", as: String.self),
            expiresAt: Self.date(try row.decode(column: "expires_at", as: Int64.self)),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Self.date),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)))
    }

    /// The token with hash `tokenHash`, if any, and whether its client is revoked.
    public func oauthToken(hash tokenHash: String) async throws -> (token: StoredOAuthToken, clientRevoked: Bool)? {
        guard let row = try await db.raw("""
            SELECT t.*, c.revoked_at AS client_revoked_at FROM oauth_tokens t JOIN oauth_clients c ON c.id = t.client_id
            WHERE t.token_hash = \(bind: tokenHash)
            """).first() else { return nil }
        return (try token(from: row), try row.decode(column: "client_revoked_at", as: Int64?.self) != nil)
    }

    /// Rotates a refresh token: marks it revoked if it was live. Atomic: of two concurrent uses only one gets the
    /// token back; nil means it is unknown, or was already revoked or rotated (reuse).
    public func consumeRefreshToken(hash tokenHash: String, at: Date) async throws -> StoredOAuthToken? {
        try await db.raw("""
            UPDATE oauth_tokens SET revoked_at = \(bind: Self.ms(at))
            WHERE token_hash = \(bind: tokenHash) AND kind = 'refresh' AND revoked_at IS NULL RETURNING *
            """).first().map(token(from:))
    }

    /// Revokes one token; returns false when it was unknown or already revoked.
    @discardableResult
    public func revokeOAuthToken(hash tokenHash: String, at: Date) async throws -> Bool {
        !(try await db.raw("""
            UPDATE oauth_tokens SET revoked_at = \(bind: Self.ms(at))
            WHERE token_hash = \(bind: tokenHash) AND revoked_at IS NULL RETURNING token_hash
            """).all()).isEmpty
    }

    /// Revokes every live token of a family; returns how many.
    @discardableResult
    public func revokeTokenFamily(_ familyId: String, at: Date) async throws -> Int {
        try await db.raw("""
            UPDATE oauth_tokens SET revoked_at = \(bind: Self.ms(at))
            WHERE family_id = \(bind: familyId) AND revoked_at IS NULL RETURNING token_hash
            """).all().count
    }

    // MARK: Approvals

    private func approval(from row: any SQLRow) throws -> OAuthApproval {
        OAuthApproval(
            id: try row.decode(column: "id", as: String.self),
            learnerId: try row.decode(column: "learner_id", as: String.self),
            clientId: try row.decode(column: "client_id", as: String.self),
            scope: try row.decode(column: "scope", as: String.self),
            grantedAt: Self.date(try row.decode(column: "granted_at", as: Int64.self)),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Self.date))
    }

    /// Records that the learner approved the client for `scope`: the learner's live approval of that client is
    /// replaced with one for the new scopes.
    public func approve(_ approval: OAuthApproval) async throws {
        try await db.raw("""
            UPDATE oauth_approvals SET revoked_at = \(bind: Self.ms(approval.grantedAt))
            WHERE learner_id = \(bind: approval.learnerId) AND client_id = \(bind: approval.clientId) AND revoked_at IS NULL
            """).run()
        try await db.raw("""
            INSERT INTO oauth_approvals (id, learner_id, client_id, scope, granted_at, revoked_at) VALUES
            (\(bind: approval.id), \(bind: approval.learnerId), \(bind: approval.clientId), \(bind: approval.scope),
             \(bind: Self.ms(approval.grantedAt)), NULL)
            """).run()
    }

    /// A page of a learner's approvals in force, oldest first, after the cursor.
    public func approvals(learnerId: String, after cursor: String?, limit: Int) async throws -> Page<OAuthApproval> {
        try await pageByID("oauth_approvals", where: "learner_id = \(bind: learnerId) AND revoked_at IS NULL",
                           after: cursor, limit: limit, id: \.id, approval(from:))
    }

    /// Whether the learner's approval of `clientId` is in force.
    public func hasApproval(learnerId: String, clientId: String) async throws -> Bool {
        try await db.raw("""
            SELECT id FROM oauth_approvals WHERE learner_id = \(bind: learnerId) AND client_id = \(bind: clientId)
            AND revoked_at IS NULL
            """).first() != nil
    }

    /// Revokes the learner's approval `id` and every token the learner's approval gave that client; nil when the
    /// learner has no such approval in force.
    public func revokeApproval(id: String, learnerId: String, at: Date) async throws -> OAuthApproval? {
        guard let row = try await db.raw("""
            UPDATE oauth_approvals SET revoked_at = \(bind: Self.ms(at))
            WHERE id = \(bind: id) AND learner_id = \(bind: learnerId) AND revoked_at IS NULL RETURNING *
            """).first() else { return nil }
        let revoked = try approval(from: row)
        try await db.raw("""
            UPDATE oauth_tokens SET revoked_at = \(bind: Self.ms(at))
            WHERE learner_id = \(bind: learnerId) AND client_id = \(bind: revoked.clientId) AND revoked_at IS NULL
            """).run()
        return revoked
    }
}
