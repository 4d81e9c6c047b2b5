import Foundation
import SQLKit

/// A learner's collection: selected credentials and records with a short statement ("for my nursing application").
public struct Collection: Sendable, Equatable {
    /// One thing in a collection.
    public struct Item: Codable, Sendable, Equatable, Hashable {
        /// What it is.
        public enum Kind: String, Codable, Sendable {
            /// A credential Vita issued the learner (`vcr_…` badge or `clr_…` CLR).
            case issued
            /// A credential the learner holds that Vita did not issue (`hcr_…`).
            case held
            /// A record of the learner's ELR (`rec_…`).
            case record
        }

        /// What it is.
        public var kind: Kind
        /// Its id.
        public var id: String

        /// Creates an item.
        public init(kind: Kind, id: String) {
            self.kind = kind
            self.id = id
        }
    }

    /// Vita's identifier (`col_…`).
    public var id: String
    /// The learner.
    public var learnerId: String
    /// Its name.
    public var name: String
    /// The learner's statement, if any.
    public var statement: String?
    /// The items, in the learner's order.
    public var items: [Item]
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Creates a collection.
    public init(id: String, learnerId: String, name: String, statement: String?, items: [Item], createdAt: Date, updatedAt: Date) {
        self.id = id
        self.learnerId = learnerId
        self.name = name
        self.statement = statement
        self.items = items
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A share link: a capability URL to a collection or a single item, with an expiry and an optional passcode.
public struct ShareLink: Sendable, Equatable {
    /// What is shared.
    public enum Target: Sendable, Equatable {
        /// A collection.
        case collection(String)
        /// One item.
        case item(Collection.Item)
    }

    /// Vita's identifier (`shr_…`).
    public var id: String
    /// The learner who shares.
    public var learnerId: String
    /// What is shared.
    public var target: Target
    /// SHA-256 of the link's token.
    public var tokenHash: String
    /// The passcode's scrypt hash, when the link has one.
    public var passcodeHash: String?
    /// Wrong passcodes in a row.
    public var failedAttempts: Int
    /// When the link stops working.
    public var expiresAt: Date
    /// When the learner revoked it.
    public var revokedAt: Date?
    /// When it was created.
    public var createdAt: Date

    /// Creates a share link.
    public init(id: String, learnerId: String, target: Target, tokenHash: String, passcodeHash: String?, failedAttempts: Int,
                expiresAt: Date, revokedAt: Date?, createdAt: Date) {
        self.id = id
        self.learnerId = learnerId
        self.target = target
        self.tokenHash = tokenHash
        self.passcodeHash = passcodeHash
        self.failedAttempts = failedAttempts
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }
}

/// One opening of a share link, as the learner sees it.
public struct ShareOpening: Sendable, Equatable {
    /// What happened.
    public enum Outcome: String, Sendable {
        /// The content was shown.
        case shown
        /// A wrong (or missing) passcode.
        case wrongPasscode = "wrong-passcode"
        /// The link had expired.
        case expired
        /// The link was revoked, or locked after too many wrong passcodes.
        case revoked
    }

    /// Vita's identifier (`sho_…`).
    public var id: String
    /// The share link.
    public var shareId: String
    /// What happened.
    public var outcome: Outcome
    /// When.
    public var openedAt: Date

    /// Creates an opening.
    public init(id: String, shareId: String, outcome: Outcome, openedAt: Date) {
        self.id = id
        self.shareId = shareId
        self.outcome = outcome
        self.openedAt = openedAt
    }
}

/// A learner's request to erase their data, for an administrator to carry out (`DELETE /api/v1/learners/{id}`).
public struct ErasureRequest: Sendable, Equatable {
    /// Vita's identifier (`era_…`).
    public var id: String
    /// The learner.
    public var learnerId: String
    /// The learner's reason, if given.
    public var reason: String?
    /// `received` or `done`.
    public var status: String
    /// When it was made.
    public var requestedAt: Date
    /// When it was carried out.
    public var handledAt: Date?

    /// Creates a request.
    public init(id: String, learnerId: String, reason: String?, status: String, requestedAt: Date, handledAt: Date?) {
        self.id = id
        self.learnerId = learnerId
        self.reason = reason
        self.status = status
        self.requestedAt = requestedAt
        self.handledAt = handledAt
    }
}

extension StoreTransaction {
    // MARK: Collections

    /// Stores a new collection.
    public func insert(_ collection: Collection) async throws {
        try await db.raw("""
            INSERT INTO collections (id, learner_id, name, statement, items, created_at, updated_at)
            VALUES (\(bind: collection.id), \(bind: collection.learnerId), \(bind: collection.name), \(bind: collection.statement),
              \(bind: try json(collection.items)), \(bind: Self.ms(collection.createdAt)), \(bind: Self.ms(collection.updatedAt)))
            """).run()
    }

    /// Replaces a collection's name, statement and items.
    public func update(_ collection: Collection) async throws {
        try await db.raw("""
            UPDATE collections SET name = \(bind: collection.name), statement = \(bind: collection.statement),
              items = \(bind: try json(collection.items)), updated_at = \(bind: Self.ms(collection.updatedAt))
            WHERE id = \(bind: collection.id)
            """).run()
    }

    /// Deletes a collection and revokes the share links to it.
    public func deleteCollection(id: String, at time: Date) async throws {
        let target = try Self.targetJSON(.collection(id))
        try await db.raw("""
            UPDATE share_links SET revoked_at = \(bind: Self.ms(time)) WHERE target = \(bind: target) AND revoked_at IS NULL
            """).run()
        try await db.raw("DELETE FROM collections WHERE id = \(bind: id)").run()
    }

    /// A collection by id.
    public func collection(id: String) async throws -> Collection? {
        try await db.raw("SELECT * FROM collections WHERE id = \(bind: id)").first().map(collection(from:))
    }

    /// A learner's collections, oldest first.
    public func collections(learnerId: String) async throws -> [Collection] {
        try await db.raw("SELECT * FROM collections WHERE learner_id = \(bind: learnerId) ORDER BY id").all().map(collection(from:))
    }

    /// A page of a learner's collections, oldest first, after the cursor.
    public func collections(learnerId: String, after cursor: String?, limit: Int) async throws -> Page<Collection> {
        try await pageByID("collections", where: "learner_id = \(bind: learnerId)", after: cursor, limit: limit,
                           id: \.id, collection(from:))
    }

    private func collection(from row: any SQLRow) throws -> Collection {
        Collection(id: try row.decode(column: "id", as: String.self), learnerId: try row.decode(column: "learner_id", as: String.self),
                   name: try row.decode(column: "name", as: String.self),
                   statement: try row.decode(column: "statement", as: String?.self),
                   items: try decodeJSON([Collection.Item].self, try row.decode(column: "items", as: String.self)),
                   createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
                   updatedAt: Self.date(try row.decode(column: "updated_at", as: Int64.self)))
    }

    // MARK: Share links

    /// Stores a new share link.
    public func insert(_ share: ShareLink) async throws {
        try await db.raw("""
            INSERT INTO share_links (id, learner_id, target, token_hash, passcode_hash, failed_attempts, expires_at, revoked_at,
              created_at)
            VALUES (\(bind: share.id), \(bind: share.learnerId), \(bind: try Self.targetJSON(share.target)), \(bind: share.tokenHash),
              \(bind: share.passcodeHash), \(bind: share.failedAttempts), \(bind: Self.ms(share.expiresAt)),
              \(bind: share.revokedAt.map(Self.ms)), \(bind: Self.ms(share.createdAt)))
            """).run()
    }

    /// The share link with this token hash.
    public func shareLink(tokenHash: String) async throws -> ShareLink? {
        try await db.raw("SELECT * FROM share_links WHERE token_hash = \(bind: tokenHash)").first().map(shareLink(from:))
    }

    /// A share link by id.
    public func shareLink(id: String) async throws -> ShareLink? {
        try await db.raw("SELECT * FROM share_links WHERE id = \(bind: id)").first().map(shareLink(from:))
    }

    /// A learner's share links, oldest first.
    public func shareLinks(learnerId: String) async throws -> [ShareLink] {
        try await db.raw("SELECT * FROM share_links WHERE learner_id = \(bind: learnerId) ORDER BY id").all().map(shareLink(from:))
    }

    /// A page of a learner's share links, oldest first, after the cursor.
    public func shareLinks(learnerId: String, after cursor: String?, limit: Int) async throws -> Page<ShareLink> {
        try await pageByID("share_links", where: "learner_id = \(bind: learnerId)", after: cursor, limit: limit,
                           id: \.id, shareLink(from:))
    }

    /// Writes a share link's revocation and failed-attempt count.
    public func updateShareLink(id: String, failedAttempts: Int, revokedAt: Date?) async throws {
        try await db.raw("""
            UPDATE share_links SET failed_attempts = \(bind: failedAttempts), revoked_at = \(bind: revokedAt.map(Self.ms))
            WHERE id = \(bind: id)
            """).run()
    }

    /// Counts a wrong passcode atomically (concurrent guesses each count) and locks the link (revoked) when the count
    /// reaches `threshold`.
    public func recordWrongPasscode(shareId: String, threshold: Int, at time: Date) async throws {
        try await db.raw("""
            UPDATE share_links SET failed_attempts = failed_attempts + 1,
              revoked_at = CASE WHEN failed_attempts + 1 >= \(bind: threshold) AND revoked_at IS NULL
                                THEN \(bind: Self.ms(time)) ELSE revoked_at END
            WHERE id = \(bind: shareId)
            """).run()
    }

    /// Records an opening.
    public func insert(_ opening: ShareOpening) async throws {
        try await db.raw("""
            INSERT INTO share_openings (id, share_id, outcome, opened_at)
            VALUES (\(bind: opening.id), \(bind: opening.shareId), \(bind: opening.outcome.rawValue), \(bind: Self.ms(opening.openedAt)))
            """).run()
    }

    /// A page of a share link's openings, oldest first, after the cursor.
    public func shareOpenings(shareId: String, after cursor: String?, limit: Int) async throws -> Page<ShareOpening> {
        try await pageByID("share_openings", where: "share_id = \(bind: shareId)", after: cursor, limit: limit, id: \.id) { row in
            let outcomeText = try row.decode(column: "outcome", as: String.self)
            guard let outcome = ShareOpening.Outcome(rawValue: outcomeText) else {
                throw StorageError(.corrupt, "a share opening has an unknown outcome")
            }
            return ShareOpening(id: try row.decode(column: "id", as: String.self),
                                shareId: try row.decode(column: "share_id", as: String.self), outcome: outcome,
                                openedAt: Self.date(try row.decode(column: "opened_at", as: Int64.self)))
        }
    }

    /// How many times a share link was opened with its content shown, and how many times refused.
    public func shareOpeningCounts(shareId: String) async throws -> (shown: Int, refused: Int) {
        var counts = (shown: 0, refused: 0)
        for row in try await db.raw("""
            SELECT outcome, COUNT(*) AS n FROM share_openings WHERE share_id = \(bind: shareId) GROUP BY outcome
            """).all() {
            let n = try row.decode(column: "n", as: Int.self)
            if try row.decode(column: "outcome", as: String.self) == ShareOpening.Outcome.shown.rawValue {
                counts.shown += n
            } else {
                counts.refused += n
            }
        }
        return counts
    }

    static func targetJSON(_ target: ShareLink.Target) throws -> String {
        let data: Data
        switch target {
        case .collection(let id): data = try JSONSerialization.data(withJSONObject: ["collection": id], options: [.sortedKeys])
        case .item(let item):
            data = try JSONSerialization.data(withJSONObject: ["item": ["id": item.id, "kind": item.kind.rawValue]],
                                              options: [.sortedKeys])
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func shareLink(from row: any SQLRow) throws -> ShareLink {
        let targetText = try row.decode(column: "target", as: String.self)
        let object = (try? JSONSerialization.jsonObject(with: Data(targetText.utf8))) as? [String: Any]
        let target: ShareLink.Target
        if let collection = object?["collection"] as? String {
            target = .collection(collection)
        } else if let item = object?["item"] as? [String: String], let id = item["id"],
                  let kind = item["kind"].flatMap(Collection.Item.Kind.init(rawValue:)) {
            target = .item(Collection.Item(kind: kind, id: id))
        } else {
            throw StorageError(.corrupt, "a share link has an unreadable target")
        }
        return ShareLink(id: try row.decode(column: "id", as: String.self), learnerId: try row.decode(column: "learner_id", as: String.self),
                         target: target, tokenHash: try row.decode(column: "token_hash", as: String.self),
                         passcodeHash: try row.decode(column: "passcode_hash", as: String?.self),
                         failedAttempts: try row.decode(column: "failed_attempts", as: Int.self),
                         expiresAt: Self.date(try row.decode(column: "expires_at", as: Int64.self)),
                         revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Self.date),
                         createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)))
    }

    // MARK: Erasure requests

    /// Stores an erasure request.
    public func insert(_ request: ErasureRequest) async throws {
        try await db.raw("""
            INSERT INTO erasure_requests (id, learner_id, reason, status, requested_at, handled_at)
            VALUES (\(bind: request.id), \(bind: request.learnerId), \(bind: request.reason), \(bind: request.status),
              \(bind: Self.ms(request.requestedAt)), \(bind: request.handledAt.map(Self.ms)))
            """).run()
    }

    /// A page of the erasure requests not carried out yet, oldest first, after the cursor.
    public func openErasureRequests(after cursor: String?, limit: Int) async throws -> Page<ErasureRequest> {
        try await pageByID("erasure_requests", where: "status = 'received'", after: cursor, limit: limit, id: \.id) { row in
            ErasureRequest(id: try row.decode(column: "id", as: String.self),
                           learnerId: try row.decode(column: "learner_id", as: String.self),
                           reason: try row.decode(column: "reason", as: String?.self),
                           status: try row.decode(column: "status", as: String.self),
                           requestedAt: Self.date(try row.decode(column: "requested_at", as: Int64.self)),
                           handledAt: try row.decode(column: "handled_at", as: Int64?.self).map(Self.date))
        }
    }

    /// Marks a learner's open erasure requests done (called when the learner is erased).
    public func completeErasureRequests(learnerId: String, at time: Date) async throws {
        try await db.raw("""
            UPDATE erasure_requests SET status = 'done', handled_at = \(bind: Self.ms(time)), reason = NULL
            WHERE learner_id = \(bind: learnerId) AND status = 'received'
            """).run()
    }
}
