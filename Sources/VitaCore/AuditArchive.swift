import Crypto
import Foundation

/// Archived audit entries: the oldest part of the chain moved out of the database into a file, with a checkpoint left
/// behind so that the part still stored verifies on its own and the file can be verified against it later.
///
/// An archive file is JSON Lines: one entry per line, in sequence order, each an object with the fields of
/// ``AuditEntry`` (the hashes included, `occurredAt` as RFC 3339 with milliseconds), keys sorted. A file is identified
/// by the SHA-256 of its bytes, which its checkpoint records.
public enum AuditArchive {
    /// What the database keeps of one archive: which entries it holds, the hash of its last entry (where the chain
    /// continues) and the digest of its file.
    public struct Checkpoint: Sendable, Equatable {
        /// The sequence number of the first entry archived.
        public var firstSequence: Int64
        /// The sequence number of the last entry archived.
        public var lastSequence: Int64
        /// The hash of the last entry archived: the previous hash of the first entry after it.
        public var lastHash: String
        /// The SHA-256 of the archive file's bytes (hex).
        public var digest: String
        /// The cut-off asked for: the archive holds entries that occurred before it.
        public var cutOff: Date
        /// When the archive was made.
        public var archivedAt: Date

        /// Creates a checkpoint.
        public init(firstSequence: Int64, lastSequence: Int64, lastHash: String, digest: String, cutOff: Date, archivedAt: Date) {
            self.firstSequence = firstSequence
            self.lastSequence = lastSequence
            self.lastHash = lastHash
            self.digest = digest
            self.cutOff = cutOff
            self.archivedAt = archivedAt
        }

        /// How many entries the archive holds.
        public var count: Int64 { lastSequence - firstSequence + 1 }
    }

    /// Checks that checkpoints, oldest first, cover the chain from its first entry without a gap or an overlap, and
    /// returns the first that does not follow the one before it (nil when they all do).
    public static func firstGap(in checkpoints: [Checkpoint]) -> AuditChain.Break? {
        var next: Int64 = 1
        for checkpoint in checkpoints {
            guard checkpoint.firstSequence == next, checkpoint.lastSequence >= checkpoint.firstSequence else {
                return AuditChain.Break(sequence: next, reason: "the archive checkpoints do not continue one another "
                                        + "(one holds entries \(checkpoint.firstSequence)–\(checkpoint.lastSequence))")
            }
            next = checkpoint.lastSequence + 1
        }
        return nil
    }

    /// One entry as a line of an archive file (ending in a line feed).
    public static func line(_ entry: AuditEntry) throws -> Data {
        var data = try encoder.encode(entry)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// The entry on a line of an archive file.
    public static func entry(fromLine line: Data) throws -> AuditEntry {
        do {
            return try decoder.decode(AuditEntry.self, from: line)
        } catch {
            throw VitaCoreError(code: .auditChainBroken, reason: "a line of the archive is not an audit entry")
        }
    }

    /// Verifies an archive file, streamed in pieces, against its checkpoint and the hash the chain had before it.
    public struct FileVerifier: Sendable {
        private let checkpoint: Checkpoint
        private var chain: AuditChain.Verifier
        private var digest = SHA256()
        private var pending = Data()
        /// The first break found, if any.
        public private(set) var firstBreak: AuditChain.Break?

        /// Creates a verifier of the file of `checkpoint`, whose first entry must follow `previousHash` (the last
        /// hash of the archive before it, or ``AuditChain/genesisHash``); entries named by `anchors` must have the
        /// anchored hashes.
        public init(checkpoint: Checkpoint, previousHash: String, anchors: [AuditChain.Anchor] = []) {
            self.checkpoint = checkpoint
            chain = AuditChain.Verifier(after: checkpoint.firstSequence - 1, hash: previousHash)
            chain.anchors = Dictionary(anchors.map { ($0.sequence, $0.hash) }) { first, _ in first }
        }

        /// Takes the next bytes of the file.
        public mutating func update(_ bytes: Data) {
            digest.update(data: bytes)
            pending.append(bytes)
            guard firstBreak == nil else {
                pending.removeAll(keepingCapacity: true)
                return
            }
            var start = pending.startIndex
            while let end = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                check(line: pending[start..<end])
                start = end + 1
            }
            pending.removeSubrange(pending.startIndex..<start)
        }

        /// Ends the file: its digest, entry count and last entry must be those the checkpoint records. Returns the
        /// first break, nil if the file is the archive the checkpoint describes.
        public mutating func finish() -> AuditChain.Break? {
            if !pending.isEmpty { check(line: pending) }
            pending.removeAll()
            if firstBreak == nil, ContentDigest.hex(digest.finalize()) != checkpoint.digest {
                firstBreak = AuditChain.Break(sequence: checkpoint.firstSequence,
                                              reason: "the archive file's digest is not the one its checkpoint records (edited)")
            }
            if firstBreak == nil {
                chain.finish(headSequence: checkpoint.lastSequence, headHash: checkpoint.lastHash)
                firstBreak = chain.firstBreak
            }
            return firstBreak
        }

        private mutating func check(line: Data) {
            guard firstBreak == nil, !line.isEmpty else { return }
            do {
                chain.check(try AuditArchive.entry(fromLine: Data(line)))
                firstBreak = chain.firstBreak
            } catch {
                firstBreak = AuditChain.Break(sequence: chain.count + checkpoint.firstSequence,
                                              reason: "the archive's line there is not an audit entry")
            }
        }
    }

    private static let encoder = Timestamp.jsonEncoder()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            guard let date = Timestamp.parseRFC3339(try container.decode(String.self)) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time in UTC")
            }
            return date
        }
        return decoder
    }()
}
