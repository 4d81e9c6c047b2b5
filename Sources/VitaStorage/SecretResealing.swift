import SQLKit
import VitaCore

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
    /// organizations' signing keys, peers' and platforms' client secrets, platform connections' verifiers and tokens,
    /// and the responses stored for idempotency keys. One transaction: a value that opens with neither key fails the
    /// whole reseal and changes nothing. Running it again finds everything current.
    public func resealSecrets(with vault: KeyVault) async throws -> ResealCounts {
        try await transaction { tx in
            var counts = ResealCounts()
            // Each sealed column, the columns that find its row, and the id the value is sealed for.
            let columns: [(table: String, sealed: String, keys: [String], sealingId: ([String]) -> String)] = [
                ("issuer_keys", "sealed_private", ["id"], { $0[0] }),
                ("peers", "sealed_secret", ["id"], { $0[0] }),
                ("platform_registrations", "sealed_secret", ["id"], { $0[0] }),
                ("platform_connections", "sealed_verifier", ["id"], { $0[0] + ".verifier" }),
                ("platform_connections", "sealed_access", ["id"], { $0[0] + ".access" }),
                ("platform_connections", "sealed_refresh", ["id"], { $0[0] + ".refresh" }),
                ("idempotency_keys", "body", ["principal", "idempotency_key"], { "idempotency:\($0[0]):\($0[1])" }),
            ]
            for column in columns {
                let rows = try await tx.db.raw("""
                    SELECT \(unsafeRaw: column.keys.joined(separator: ", ")), \(ident: column.sealed) AS sealed
                    FROM \(ident: column.table) WHERE \(ident: column.sealed) IS NOT NULL
                    """).all()
                for row in rows {
                    let sealed = try row.decode(column: "sealed", as: String.self)
                    // Idempotency responses stored before they were sealed are JSON, not a sealed value.
                    if column.table == "idempotency_keys", sealed.hasPrefix("{") { continue }
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
