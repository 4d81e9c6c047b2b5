import SQLKit
import VitaCore

extension VitaDatabase {
    /// Recomputes the stored audit chain in sequence order, in batches, and returns the first break (nil if intact)
    /// with the number of entries checked.
    ///
    /// Entries moved to archives (`archiveAudit`) are not stored: the checkpoints must cover the chain from its first
    /// entry without a gap, and the stored entries must continue from the newest checkpoint's last entry. The
    /// archive files themselves are verified with ``AuditArchive/FileVerifier``.
    public func verifyAuditChain(batchSize: Int = 5000) async throws -> (firstBreak: AuditChain.Break?, checked: Int64) {
        try await read { tx in
            let db = tx.db
            let checkpoints = try await tx.auditArchives()
            if let gap = AuditArchive.firstGap(in: checkpoints) { return (gap, 0) }
            var verifier = checkpoints.last.map { AuditChain.Verifier(after: $0.lastSequence, hash: $0.lastHash) }
                ?? AuditChain.Verifier()
            var after = checkpoints.last?.lastSequence ?? 0
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
            // An entry stored below the newest checkpoint (archived, so it should be gone) is not part of the chain
            // as it stands; the query above never reads it, so it is looked for here.
            if verifier.firstBreak == nil, let newest = checkpoints.last,
               let stray = try await db.raw("""
                   SELECT MIN(sequence) AS s FROM audit_entries WHERE sequence <= \(bind: newest.lastSequence)
                   """).first()?.decode(column: "s", as: Int64?.self) {
                return (AuditChain.Break(sequence: stray, reason: "stored although an archive holds it"), verifier.count)
            }
            if let head = try await db.raw("SELECT sequence, hash FROM audit_head WHERE id = 1").first() {
                verifier.finish(headSequence: try head.decode(column: "sequence", as: Int64.self),
                                headHash: try head.decode(column: "hash", as: String.self))
            }
            return (verifier.firstBreak, verifier.count)
        }
    }
}
