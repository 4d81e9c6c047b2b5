import SQLKit
import VitaCore

extension VitaDatabase {
    /// Recomputes the whole audit chain in sequence order, in batches, and returns the first break (nil if intact)
    /// with the number of entries checked.
    public func verifyAuditChain(batchSize: Int = 5000) async throws -> (firstBreak: AuditChain.Break?, checked: Int64) {
        try await withConnection { db in
            var verifier = AuditChain.Verifier()
            var after: Int64 = 0
            while true {
                let rows = try await db.raw("""
                    SELECT * FROM audit_entries WHERE sequence > \(bind: after) ORDER BY sequence LIMIT \(bind: batchSize)
                    """).all()
                for row in rows {
                    let entry = try StoreTransaction.auditEntry(from: row)
                    verifier.check(entry)
                    after = entry.sequence
                }
                if rows.count < batchSize || verifier.firstBreak != nil { break }
            }
            if let head = try await db.raw("SELECT sequence, hash FROM audit_head WHERE id = 1").first() {
                verifier.finish(headSequence: try head.decode(column: "sequence", as: Int64.self),
                                headHash: try head.decode(column: "hash", as: String.self))
            }
            return (verifier.firstBreak, verifier.count)
        }
    }
}
