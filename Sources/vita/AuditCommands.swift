import ArgumentParser
import Crypto
import Foundation
import VitaCore
import VitaStorage

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The tamper-evident audit log.",
                                                    subcommands: [Verify.self, Archive.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the audit hash chain; exit 1 and name the first broken entry if it does not verify.",
            discussion: """
                Entries moved out by `vita audit archive` are covered by their archives' checkpoints; give the \
                archive files with --archive to verify them as well. The last line printed is the chain's head as an \
                anchor (<sequence>:<hash>): keep it where the database's administrators cannot write, and a later \
                `vita audit verify --anchor` shows whether the chain was rewritten up to it (docs/AUDIT.md).
                """)
        @Option(name: .customLong("archive"), help: "An archive file written by `vita audit archive` (repeatable).")
        var archives: [String] = []
        @Option(name: .customLong("anchor"), help: "An anchor <sequence>:<hash> printed by an earlier verify (repeatable).")
        var anchorTexts: [String] = []
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await reportingFailures {
                var anchors: [AuditChain.Anchor] = []
                for text in anchorTexts {
                    guard let anchor = AuditChain.Anchor(text) else {
                        throw CommandFailure("--anchor must be <sequence>:<hash>, the hash 64 lowercase hex digits")
                    }
                    guard !anchors.contains(where: { $0.sequence == anchor.sequence && $0.hash != anchor.hash }) else {
                        throw CommandFailure("two --anchor values name entry \(anchor.sequence) with different hashes")
                    }
                    anchors.append(anchor)
                }
                let result = try await storage.withDatabase { try await $0.auditChainReport(anchors: anchors) }
                let (head, checkpoints) = (result.head, result.archives)
                if let broken = result.firstBreak { throw CommandFailure("audit chain broken at \(broken)") }
                var verifiedFiles = Set<Int64>()
                for path in archives {
                    let checkpoint = try Self.verify(archive: path, against: checkpoints, anchors: anchors)
                    verifiedFiles.insert(checkpoint.lastSequence)
                }
                // An anchor inside an archive (other than its last entry) is checked only against the archive's file.
                for anchor in anchors {
                    if let holder = checkpoints.first(where: { $0.firstSequence <= anchor.sequence && anchor.sequence < $0.lastSequence }),
                       !verifiedFiles.contains(holder.lastSequence) {
                        throw CommandFailure("the anchor of entry \(anchor.sequence) lies in the archive of entries "
                                  + "\(holder.firstSequence)–\(holder.lastSequence): give its file with --archive")
                    }
                }
                var summary = "Audit chain intact: \(result.checked) stored entries verified"
                if let newest = checkpoints.last {
                    summary += "; entries 1–\(newest.lastSequence) archived in \(checkpoints.count) "
                        + (checkpoints.count == 1 ? "archive" : "archives")
                    let files = switch verifiedFiles.count {
                    case checkpoints.count: ", each verified from its file"
                    case 0: ", not checked here (give their files with --archive)"
                    default: ", \(verifiedFiles.count) of them verified from their files (give the others with --archive)"
                    }
                    summary += files
                }
                if !anchors.isEmpty {
                    summary += "; \(anchors.count) " + (anchors.count == 1 ? "anchor matches" : "anchors match")
                }
                print(summary + ".")
                print("Head: \(head.anchor)")
            }
        }

        /// Verifies one archive file against the checkpoint whose entries it starts with; exits 1 on a break.
        static func verify(archive path: String, against checkpoints: [AuditArchive.Checkpoint],
                           anchors: [AuditChain.Anchor]) throws -> AuditArchive.Checkpoint {
            guard let file = FileHandle(forReadingAtPath: path) else { throw CommandFailure("cannot read the archive file \(path)") }
            defer { try? file.close() }
            // The first line names the first entry, and so the checkpoint the file must match.
            var head = Data()
            while !head.contains(UInt8(ascii: "\n")), let chunk = try file.read(upToCount: 4096), !chunk.isEmpty {
                head.append(chunk)
            }
            let firstLine = head.prefix { $0 != UInt8(ascii: "\n") }
            guard let first = try? AuditArchive.entry(fromLine: Data(firstLine)) else {
                throw CommandFailure("\(path) is not an audit archive (its first line is not an audit entry)")
            }
            guard let index = checkpoints.firstIndex(where: { $0.firstSequence == first.sequence }) else {
                throw CommandFailure("\(path) is not an archive of this database (no archive starts at entry \(first.sequence))")
            }
            var verifier = AuditArchive.FileVerifier(checkpoint: checkpoints[index],
                                                     previousHash: index == 0 ? AuditChain.genesisHash : checkpoints[index - 1].lastHash,
                                                     anchors: anchors)
            verifier.update(head)
            while let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty { verifier.update(chunk) }
            if let broken = verifier.finish() { throw CommandFailure("archive \(path) broken at \(broken)") }
            return checkpoints[index]
        }
    }

    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move the audit entries older than a date out of the database into a file.",
            discussion: """
                Writes the stored entries, oldest first, up to the first one that occurred at or after --before, to a \
                new JSON Lines file (one entry per line, hashes included), flushes it to disk, and only then deletes \
                them, keeping a checkpoint (the entries' range, the last hash, the file's SHA-256) from which the rest \
                of the chain verifies. A broken chain is never archived. Keep the file: `vita audit verify --archive` \
                checks it against its checkpoint. Entries archived no longer appear in the API's or the wallet's \
                access lists.
                """)
        @Option(help: "Archive entries that occurred before this time (RFC 3339, or YYYY-MM-DD for midnight UTC).")
        var before: String
        @Option(help: "The archive file to write; it must not exist.") var to: String
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await reportingFailures {
                let now = Date()
                guard let cutOff = Self.parseTime(before) else {
                    throw CommandFailure("--before must be an RFC 3339 time or a YYYY-MM-DD date")
                }
                guard cutOff <= now else { throw CommandFailure("--before must not be in the future") }
                guard !FileManager.default.fileExists(atPath: to) else {
                    throw CommandFailure("the archive file already exists; choose a new name")
                }
                let writer = ArchiveWriter(path: to)
                let checkpoint: AuditArchive.Checkpoint?
                do {
                    checkpoint = try await storage.withDatabase { database in
                        try await database.archiveAudit(before: cutOff, at: now, by: .init(kind: .cli, id: "cli"),
                                                        write: { try writer.write($0) }, seal: { try writer.seal() })
                    }
                } catch {
                    writer.discard()
                    throw error
                }
                guard let checkpoint else {
                    print("Nothing to archive: no stored audit entry occurred before \(before).")
                    return
                }
                print("Archived audit entries \(checkpoint.firstSequence)–\(checkpoint.lastSequence) "
                      + "(\(checkpoint.count)) to \(to), SHA-256 \(checkpoint.digest).")
            }
        }

        static func parseTime(_ text: String) -> Date? {
            if CalendarDate(text) != nil { return Timestamp.parseRFC3339(text + "T00:00:00Z") }
            return Timestamp.parseRFC3339(text) ?? (try? Date.ISO8601FormatStyle().parse(text))
        }
    }
}

/// Writes an audit archive file: created on the first entries (exclusively, so an existing file is never
/// overwritten), hashed as written, and flushed to disk when sealed.
private final class ArchiveWriter {
    private let path: String
    private var file: FileHandle?
    private var created = false
    private var digest = SHA256()

    init(path: String) { self.path = path }

    func write(_ entries: [AuditEntry]) throws {
        if file == nil {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard descriptor >= 0 else { throw CommandFailure("cannot create the archive file (it may exist, or the folder is not writable)") }
            file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            created = true
        }
        var data = Data()
        for entry in entries { data.append(try AuditArchive.line(entry)) }
        digest.update(data: data)
        do {
            try file!.write(contentsOf: data)
        } catch {
            throw CommandFailure("cannot write the archive file")
        }
    }

    /// Flushes the file, and its folder's entry for it, to disk and returns the SHA-256 of what was written.
    func seal() throws -> String {
        do {
            try file?.synchronize()
            try file?.close()
        } catch {
            throw CommandFailure("cannot flush the archive file to disk")
        }
        file = nil
        let folder = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
                          O_RDONLY)
        if folder >= 0 {
            defer { close(folder) }
            guard fsync(folder) == 0 else { throw CommandFailure("cannot flush the archive file's folder to disk") }
        }
        return ContentDigest.hex(digest.finalize())
    }

    /// Removes the file this writer created, which the database did not take (the archiving failed before its
    /// entries were deleted).
    func discard() {
        try? file?.close()
        file = nil
        if created { unlink(path) }
    }
}
