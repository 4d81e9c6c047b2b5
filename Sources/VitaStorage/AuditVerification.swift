import SQLKit
import VitaCore

extension VitaDatabase {
    /// Recomputes the stored audit chain in sequence order, in batches, and returns the first break (nil if intact)
    /// with the number of entries checked.
    ///
    /// Entries moved to archives (`archiveAudit`) are not stored: the checkpoints must cover the chain from its first
    /// entry without a gap, and the stored entries must continue from the newest checkpoint's last entry. The
    /// archive files themselves are verified with ``AuditArchive/FileVerifier``.
    ///
    /// `anchors` are entries' hashes recorded outside the database: each stored entry, or archive's last entry, that
    /// an anchor names must have the anchored hash, and the chain must reach every anchor. Anchors inside an
    /// archive (other than its last entry) are left to the archive file's verification.
    ///
    /// The chain is checked up to the head read first: entries appended meanwhile (a live server audits every access)
    /// are newer than that head and left for the next verification. A break found while an archive was being made is
    /// checked once more against the archives as they then stand.
    public func verifyAuditChain(batchSize: Int = 5000,
                                 anchors: [AuditChain.Anchor] = []) async throws -> (firstBreak: AuditChain.Break?, checked: Int64) {
        let report = try await auditChainReport(batchSize: batchSize, anchors: anchors)
        return (report.firstBreak, report.checked)
    }

    /// What ``verifyAuditChain(batchSize:anchors:)`` found, with the head the chain was checked up to: when intact,
    /// the anchor of a verified chain.
    public struct AuditChainReport: Sendable {
        /// The first break, nil if the chain is intact.
        public var firstBreak: AuditChain.Break?
        /// How many stored entries were checked.
        public var checked: Int64
        /// The head the stored entries were checked up to.
        public var head: AuditHead
        /// The archives' checkpoints the stored entries were checked against, oldest first.
        public var archives: [AuditArchive.Checkpoint]
    }

    /// Verifies the audit chain as ``verifyAuditChain(batchSize:anchors:)`` does and reports the head it checked up to.
    public func auditChainReport(batchSize: Int = 5000, anchors: [AuditChain.Anchor] = []) async throws -> AuditChainReport {
        let first = try await verifyOnce(batchSize: batchSize, anchors: anchors)
        guard first.firstBreak != nil, try await read({ try await $0.auditArchives() }) != first.archives else { return first }
        return try await verifyOnce(batchSize: batchSize, anchors: anchors)
    }

    private func verifyOnce(batchSize: Int, anchors: [AuditChain.Anchor]) async throws -> AuditChainReport {
        try await read { tx in
            let db = tx.db
            let head = try await tx.auditHead()
            let checkpoints = try await tx.auditArchives()
            if let gap = AuditArchive.firstGap(in: checkpoints) {
                return AuditChainReport(firstBreak: gap, checked: 0, head: head, archives: checkpoints)
            }
            let sortedAnchors = anchors.sorted { $0.sequence < $1.sequence }
            for anchor in sortedAnchors {
                if let checkpoint = checkpoints.first(where: { $0.lastSequence == anchor.sequence }),
                   let broken = anchor.check(hash: checkpoint.lastHash) {
                    return AuditChainReport(firstBreak: broken, checked: 0, head: head, archives: checkpoints)
                }
            }
            var verifier = checkpoints.last.map { AuditChain.Verifier(after: $0.lastSequence, hash: $0.lastHash) }
                ?? AuditChain.Verifier()
            verifier.anchors = Dictionary(sortedAnchors.map { ($0.sequence, $0.hash) }) { first, _ in first }
            var after = checkpoints.last?.lastSequence ?? 0
            while true {
                let rows = try await db.raw("""
                    SELECT * FROM audit_entries WHERE sequence > \(bind: after) AND sequence <= \(bind: head.sequence)
                    ORDER BY sequence LIMIT \(bind: batchSize)
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
                return AuditChainReport(firstBreak: AuditChain.Break(sequence: stray, reason: "stored although an archive holds it"),
                                        checked: verifier.count, head: head, archives: checkpoints)
            }
            verifier.finish(headSequence: head.sequence, headHash: head.hash)
            if verifier.firstBreak == nil, let beyond = sortedAnchors.last, beyond.sequence > head.sequence {
                return AuditChainReport(firstBreak: AuditChain.Break(
                                            sequence: beyond.sequence,
                                            reason: "missing (an anchor records it, but the chain ends at entry \(head.sequence))"),
                                        checked: verifier.count, head: head, archives: checkpoints)
            }
            return AuditChainReport(firstBreak: verifier.firstBreak, checked: verifier.count, head: head, archives: checkpoints)
        }
    }
}
