import SQLKit
import VitaCore

/// The ids stored secrets are sealed for (the `KeyVault`'s additional authenticated data, which binds a sealed value
/// to its row), named once for the code that seals and opens them and for ``VitaDatabase/resealSecrets(with:)``.
/// Organizations' signing keys, learners' holder keys, peers' and platforms' secrets are sealed for their row's id.
public enum SealingID {
    /// A platform connection's PKCE verifier.
    public static func connectionVerifier(_ connectionId: String) -> String { connectionId + ".verifier" }
    /// A platform connection's access token.
    public static func connectionAccessToken(_ connectionId: String) -> String { connectionId + ".access" }
    /// A platform connection's refresh token.
    public static func connectionRefreshToken(_ connectionId: String) -> String { connectionId + ".refresh" }
    /// The secret that signs a connected system's change notifications.
    public static func changeNotificationSecret(_ systemId: String) -> String { systemId + ".notifications" }
    /// The response stored for an idempotency key of a caller (its idempotency scope).
    public static func idempotencyResponse(scope: String, key: String) -> String { "idempotency:\(scope):\(key)" }
}

extension VitaDatabase {
    /// How many sealed values a reseal found, by what it did with them.
    public struct ResealCounts: Sendable, Equatable {
        /// Sealed again with the current master key (they opened only with the previous one).
        public var resealed = 0
        /// Already sealed with the current master key.
        public var current = 0

        /// Creates counts.
        public init(resealed: Int = 0, current: Int = 0) {
            self.resealed = resealed
            self.current = current
        }
    }

    /// Seals again, with `vault`'s current master key, every stored secret that opens only with its previous key:
    /// organizations' signing keys, learners' holder keys, peers' and platforms' client secrets, platform connections'
    /// verifiers and tokens, the responses stored for idempotency keys, and the secrets that sign connected systems'
    /// change notifications. One transaction: a value that opens with neither key fails the whole reseal and changes
    /// nothing. Running it again finds everything current.
    public func resealSecrets(with vault: KeyVault) async throws -> ResealCounts {
        try await transaction { tx in
            var counts = ResealCounts()
            // Each sealed column, the columns that find its row, and the id the value is sealed for.
            let columns: [(table: String, sealed: String, keys: [String], sealingId: ([String]) -> String)] = [
                ("issuer_keys", "sealed_private", ["id"], { $0[0] }),
                ("holder_keys", "sealed_private", ["id"], { $0[0] }),
                ("peers", "sealed_secret", ["id"], { $0[0] }),
                ("platform_registrations", "sealed_secret", ["id"], { $0[0] }),
                ("platform_connections", "sealed_verifier", ["id"], { SealingID.connectionVerifier($0[0]) }),
                ("platform_connections", "sealed_access", ["id"], { SealingID.connectionAccessToken($0[0]) }),
                ("platform_connections", "sealed_refresh", ["id"], { SealingID.connectionRefreshToken($0[0]) }),
                ("idempotency_keys", "body", ["principal", "idempotency_key"], { SealingID.idempotencyResponse(scope: $0[0], key: $0[1]) }),
                ("change_notifications", "sealed_secret", ["system_id"], { SealingID.changeNotificationSecret($0[0]) }),
            ]
            for column in columns {
                let rows = try await tx.db.raw("""
                    SELECT \(unsafeRaw: column.keys.joined(separator: ", ")), \(ident: column.sealed) AS sealed
                    FROM \(ident: column.table) WHERE \(ident: column.sealed) IS NOT NULL
                    """).all()
                for row in rows {
                    let sealed = try row.decode(column: "sealed", as: String.self)
                    // Idempotency responses stored before they were sealed are not sealed values.
                    if column.table == "idempotency_keys", !IdempotentResponse.isSealed(sealed) { continue }
                    let keys = try column.keys.map { try row.decode(column: $0, as: String.self) }
                    let id = column.sealingId(keys)
                    if vault.isCurrent(sealed, id: id) {
                        counts.current += 1
                        continue
                    }
                    let secret: [UInt8]
                    do { secret = try vault.open(sealed, id: id) } catch {
                        throw StorageError(.corrupt, "a sealed value in \(column.table).\(column.sealed) opens with neither "
                                           + "the current nor the previous master key: nothing was resealed")
                    }
                    let match = zip(column.keys, keys).map { name, value in "\(ident: name) = \(bind: value)" as SQLQueryString }
                    try await tx.db.raw("""
                        UPDATE \(ident: column.table) SET \(ident: column.sealed) = \(bind: try vault.seal(secret, id: id))
                        WHERE \(match.joined(separator: " AND "))
                        """).run()
                    counts.resealed += 1
                }
            }
            return counts
        }
    }
}
