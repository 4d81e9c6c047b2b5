import Foundation
import SQLKit

/// A learner's holder key: the Ed25519 key Vita's wallet signs the learner's presentations with (its `did:key` is
/// the presentation's `holder`). One per learner, made when first needed; the private half is sealed by the key vault
/// for the row's id, like organizations' signing keys.
public struct StoredHolderKey: Sendable, Equatable {
    /// Vita's identifier (`hky_…`): what the private half is sealed for.
    public var id: String
    /// The learner it belongs to.
    public var learnerId: String
    /// The public key (`publicKeyMultibase`, `z6Mk…`).
    public var publicKeyMultibase: String
    /// The private key's seed, sealed.
    public var sealedPrivate: String
    /// When it was made.
    public var createdAt: Date

    /// Creates a key row.
    public init(id: String, learnerId: String, publicKeyMultibase: String, sealedPrivate: String, createdAt: Date) {
        self.id = id
        self.learnerId = learnerId
        self.publicKeyMultibase = publicKeyMultibase
        self.sealedPrivate = sealedPrivate
        self.createdAt = createdAt
    }
}

extension StoreTransaction {
    /// The learner's holder key, if one was made.
    public func holderKey(learnerId: String) async throws -> StoredHolderKey? {
        try await db.raw("""
            SELECT id, learner_id, public_key_multibase, sealed_private, created_at FROM holder_keys
            WHERE learner_id = \(bind: learnerId)
            """).first().map { row in
            StoredHolderKey(id: try row.decode(column: "id", as: String.self), learnerId: try row.decode(column: "learner_id", as: String.self),
                            publicKeyMultibase: try row.decode(column: "public_key_multibase", as: String.self),
                            sealedPrivate: try row.decode(column: "sealed_private", as: String.self),
                            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)))
        }
    }

    /// Stores `key` unless the learner has one already (two first presentations at once keep one key), and returns
    /// the learner's key.
    public func insertHolderKeyIfAbsent(_ key: StoredHolderKey) async throws -> StoredHolderKey {
        try await db.raw("""
            INSERT INTO holder_keys (id, learner_id, public_key_multibase, sealed_private, created_at)
            VALUES (\(bind: key.id), \(bind: key.learnerId), \(bind: key.publicKeyMultibase), \(bind: key.sealedPrivate),
              \(bind: Self.ms(key.createdAt)))
            ON CONFLICT (learner_id) DO NOTHING
            """).run()
        guard let stored = try await holderKey(learnerId: key.learnerId) else { throw StorageError(.notFound, "the holder key was not stored") }
        return stored
    }
}
