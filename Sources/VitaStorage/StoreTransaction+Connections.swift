import Foundation
import SQLKit

/// Vita's registration as a client at another platform's 1EdTech service API.
public struct PlatformRegistration: Sendable, Equatable {
    /// Vita's identifier (`plt_…`).
    public var id: String
    /// The platform's Service Description Document URL: one registration per URL.
    public var discoveryURL: String
    /// `ob` or `clr`.
    public var service: String
    /// The API's base URL.
    public var apiBase: String
    /// The platform's authorization endpoint.
    public var authorizationURL: String
    /// The platform's token endpoint.
    public var tokenURL: String
    /// The client id the platform issued.
    public var clientId: String
    /// The client secret, sealed with the key vault (never stored in clear).
    public var sealedSecret: String
    /// When Vita registered.
    public var createdAt: Date

    /// Creates a registration.
    public init(id: String, discoveryURL: String, service: String, apiBase: String, authorizationURL: String,
                tokenURL: String, clientId: String, sealedSecret: String, createdAt: Date) {
        self.id = id
        self.discoveryURL = discoveryURL
        self.service = service
        self.apiBase = apiBase
        self.authorizationURL = authorizationURL
        self.tokenURL = tokenURL
        self.clientId = clientId
        self.sealedSecret = sealedSecret
        self.createdAt = createdAt
    }
}

/// A learner's connection to another platform: pending until the learner authorizes Vita there, then holding the
/// (sealed) tokens Vita uses to pull and push the learner's credentials.
public struct PlatformConnection: Sendable, Equatable {
    /// Where the connection stands.
    public enum Status: String, Sendable {
        /// Waiting for the learner's authorization at the platform.
        case pending
        /// Authorized: tokens are held.
        case active
        /// The learner denied it, or the platform stopped honouring it.
        case failed
        /// Ended here; tokens forgotten.
        case revoked
    }

    /// Vita's identifier (`con_…`).
    public var id: String
    /// The learner.
    public var learnerId: String
    /// The platform registration.
    public var registrationId: String
    /// Where it stands.
    public var status: Status
    /// SHA-256 of the `state` sent with the authorization request (pending only).
    public var stateHash: String?
    /// The PKCE code verifier, sealed (pending only).
    public var sealedVerifier: String?
    /// The access token, sealed.
    public var sealedAccess: String?
    /// The refresh token, sealed.
    public var sealedRefresh: String?
    /// When the access token expires, if the platform said.
    public var accessExpiresAt: Date?
    /// The scopes asked for, or granted once active.
    public var scope: String
    /// Why it failed, in the platform's words (no secrets).
    public var reason: String?
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Creates a connection.
    public init(id: String, learnerId: String, registrationId: String, status: Status, stateHash: String?,
                sealedVerifier: String?, sealedAccess: String?, sealedRefresh: String?, accessExpiresAt: Date?,
                scope: String, reason: String?, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.learnerId = learnerId
        self.registrationId = registrationId
        self.status = status
        self.stateHash = stateHash
        self.sealedVerifier = sealedVerifier
        self.sealedAccess = sealedAccess
        self.sealedRefresh = sealedRefresh
        self.accessExpiresAt = accessExpiresAt
        self.scope = scope
        self.reason = reason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension StoreTransaction {
    /// The registration at the platform with this discovery URL, if Vita registered there.
    public func platformRegistration(discoveryURL: String) async throws -> PlatformRegistration? {
        try await db.raw("SELECT * FROM platform_registrations WHERE discovery_url = \(bind: discoveryURL)").first()
            .map(platformRegistration(from:))
    }

    /// A registration by id.
    public func platformRegistration(id: String) async throws -> PlatformRegistration? {
        try await db.raw("SELECT * FROM platform_registrations WHERE id = \(bind: id)").first().map(platformRegistration(from:))
    }

    /// Stores a registration.
    public func insert(_ registration: PlatformRegistration) async throws {
        try await db.raw("""
            INSERT INTO platform_registrations (id, discovery_url, service, api_base, authorization_url, token_url, client_id,
              sealed_secret, created_at)
            VALUES (\(bind: registration.id), \(bind: registration.discoveryURL), \(bind: registration.service),
              \(bind: registration.apiBase), \(bind: registration.authorizationURL), \(bind: registration.tokenURL),
              \(bind: registration.clientId), \(bind: registration.sealedSecret), \(bind: Self.ms(registration.createdAt)))
            """).run()
    }

    /// Stores a new connection.
    public func insert(_ connection: PlatformConnection) async throws {
        try await db.raw("""
            INSERT INTO platform_connections (id, learner_id, registration_id, status, state_hash, sealed_verifier,
              sealed_access, sealed_refresh, access_expires_at, scope, reason, created_at, updated_at)
            VALUES (\(bind: connection.id), \(bind: connection.learnerId), \(bind: connection.registrationId),
              \(bind: connection.status.rawValue), \(bind: connection.stateHash), \(bind: connection.sealedVerifier),
              \(bind: connection.sealedAccess), \(bind: connection.sealedRefresh),
              \(bind: connection.accessExpiresAt.map(Self.ms)), \(bind: connection.scope), \(bind: connection.reason),
              \(bind: Self.ms(connection.createdAt)), \(bind: Self.ms(connection.updatedAt)))
            """).run()
    }

    /// Writes a connection's changed state (status, secrets, scope, reason).
    public func update(_ connection: PlatformConnection) async throws {
        try await db.raw("""
            UPDATE platform_connections SET status = \(bind: connection.status.rawValue), state_hash = \(bind: connection.stateHash),
              sealed_verifier = \(bind: connection.sealedVerifier), sealed_access = \(bind: connection.sealedAccess),
              sealed_refresh = \(bind: connection.sealedRefresh),
              access_expires_at = \(bind: connection.accessExpiresAt.map(Self.ms)), scope = \(bind: connection.scope),
              reason = \(bind: connection.reason), updated_at = \(bind: Self.ms(connection.updatedAt))
            WHERE id = \(bind: connection.id)
            """).run()
    }

    /// A connection by id.
    public func platformConnection(id: String) async throws -> PlatformConnection? {
        try await db.raw("SELECT * FROM platform_connections WHERE id = \(bind: id)").first().map(platformConnection(from:))
    }

    /// The pending connection whose authorization request carried the state with this hash.
    public func platformConnection(stateHash: String) async throws -> PlatformConnection? {
        try await db.raw("SELECT * FROM platform_connections WHERE state_hash = \(bind: stateHash)").first()
            .map(platformConnection(from:))
    }

    /// A page of a learner's connections, oldest first, after the cursor.
    public func platformConnections(learnerId: String, after cursor: String?, limit: Int) async throws -> Page<PlatformConnection> {
        try await pageByID("platform_connections", where: "learner_id = \(bind: learnerId)", after: cursor, limit: limit,
                           id: \.id, platformConnection(from:))
    }

    private func platformRegistration(from row: any SQLRow) throws -> PlatformRegistration {
        PlatformRegistration(
            id: try row.decode(column: "id", as: String.self), discoveryURL: try row.decode(column: "discovery_url", as: String.self),
            service: try row.decode(column: "service", as: String.self), apiBase: try row.decode(column: "api_base", as: String.self),
            authorizationURL: try row.decode(column: "authorization_url", as: String.self),
            tokenURL: try row.decode(column: "token_url", as: String.self),
            clientId: try row.decode(column: "client_id", as: String.self),
            sealedSecret: try row.decode(column: "sealed_secret", as: String.self),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)))
    }

    private func platformConnection(from row: any SQLRow) throws -> PlatformConnection {
        let statusText = try row.decode(column: "status", as: String.self)
        guard let status = PlatformConnection.Status(rawValue: statusText) else {
            throw StorageError(.corrupt, "a platform connection has an unknown status")
        }
        return PlatformConnection(
            id: try row.decode(column: "id", as: String.self), learnerId: try row.decode(column: "learner_id", as: String.self),
            registrationId: try row.decode(column: "registration_id", as: String.self), status: status,
            stateHash: try row.decode(column: "state_hash", as: String?.self),
            sealedVerifier: try row.decode(column: "sealed_verifier", as: String?.self),
            sealedAccess: try row.decode(column: "sealed_access", as: String?.self),
            sealedRefresh: try row.decode(column: "sealed_refresh", as: String?.self),
            accessExpiresAt: try row.decode(column: "access_expires_at", as: Int64?.self).map(Self.date),
            scope: try row.decode(column: "scope", as: String.self), reason: try row.decode(column: "reason", as: String?.self),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Self.date(try row.decode(column: "updated_at", as: Int64.self)))
    }
}
