import Foundation
import SQLKit
import VitaCore

/// Another organization's Vita that this Vita pulls learner records from (record transfer, docs/TRANSFER.md).
public struct Peer: Sendable, Equatable, Codable {
    /// `per_…`.
    public var id: String
    /// The connected system at this Vita that stands for the peer: the provenance source of what it sends.
    public var systemId: String
    /// The local organization that stands for the peer's organization; received records are held for it.
    public var organizationId: String
    /// A name for people.
    public var name: String
    /// The peer's base URL (https, or http on a loopback host).
    public var baseURL: String
    /// The OAuth client id this Vita authenticates with at the peer (client-credentials grant).
    public var clientId: String
    /// The scopes to ask the peer for; nil asks for the client's registered scopes.
    public var scope: String?
    /// When it was registered.
    public var createdAt: Date
    /// When it was revoked; a revoked peer is not contacted.
    public var revokedAt: Date?

    /// Creates a peer.
    public init(id: String, systemId: String, organizationId: String, name: String, baseURL: String, clientId: String,
                scope: String?, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.systemId = systemId
        self.organizationId = organizationId
        self.name = name
        self.baseURL = baseURL
        self.clientId = clientId
        self.scope = scope
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

extension StoreTransaction {
    // MARK: Peers

    /// Stores a new peer with its client secret sealed by the caller (`KeyVault`).
    public func insert(_ peer: Peer, sealedSecret: String) async throws {
        try await db.raw("""
            INSERT INTO peers (id, system_id, organization_id, name, base_url, client_id, sealed_secret, scope,
              created_at, revoked_at) VALUES
            (\(bind: peer.id), \(bind: peer.systemId), \(bind: peer.organizationId), \(bind: peer.name),
             \(bind: peer.baseURL), \(bind: peer.clientId), \(bind: sealedSecret), \(bind: peer.scope),
             \(bind: Self.ms(peer.createdAt)), \(bind: peer.revokedAt.map(Self.ms)))
            """).run()
    }

    private func peer(from row: any SQLRow) throws -> Peer {
        Peer(id: try row.decode(column: "id", as: String.self),
             systemId: try row.decode(column: "system_id", as: String.self),
             organizationId: try row.decode(column: "organization_id", as: String.self),
             name: try row.decode(column: "name", as: String.self),
             baseURL: try row.decode(column: "base_url", as: String.self),
             clientId: try row.decode(column: "client_id", as: String.self),
             scope: try row.decode(column: "scope", as: String?.self),
             createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
             revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Self.date))
    }

    /// The peer with `id` and its sealed client secret, if any.
    public func peer(id: String) async throws -> (peer: Peer, sealedSecret: String)? {
        guard let row = try await db.raw("SELECT * FROM peers WHERE id = \(bind: id)").first() else { return nil }
        return (try peer(from: row), try row.decode(column: "sealed_secret", as: String.self))
    }

    /// Peers in id order, a page at a time.
    public func peers(after cursor: String?, limit: Int) async throws -> Page<Peer> {
        let after = try Self.cursorKey(cursor) ?? ""
        let rows = try await db.raw("""
            SELECT * FROM peers WHERE id > \(bind: after) ORDER BY id LIMIT \(bind: limit + 1)
            """).all()
        let peers = try rows.map(peer(from:))
        let more = peers.count > limit
        let items = Array(peers.prefix(limit))
        return Page(items: items, nextCursor: more ? items.last.map { Self.cursor(for: $0.id) } : nil)
    }

    /// Locks the peer's row until the transaction ends, so that two transfers from one peer write one after the
    /// other (the second then finds the learner and records the first created); false when there is no such peer.
    public func lockPeer(id: String) async throws -> Bool {
        try await !db.raw("UPDATE peers SET id = id WHERE id = \(bind: id) RETURNING id").all().isEmpty
    }

    /// Revokes a peer and its connected system; returns false when there is no such peer.
    public func revokePeer(id: String, at: Date) async throws -> Bool {
        guard let found = try await peer(id: id) else { return false }
        try await db.raw("UPDATE peers SET revoked_at = \(bind: Self.ms(at)) WHERE id = \(bind: id) AND revoked_at IS NULL").run()
        _ = try await revokeSystem(id: found.peer.systemId, at: at)
        return true
    }
}
