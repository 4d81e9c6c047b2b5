import Foundation
import Testing
import VitaCore

struct AuditArchiveTests {
    static func chain(_ count: Int, after previous: (Int64, String) = (0, AuditChain.genesisHash)) -> [AuditEntry] {
        var previous = previous
        return (0..<count).map { index in
            let entry = AuditEntry(occurredAt: Date(timeIntervalSince1970: 1_800_000_000.007 + Double(index) * 0.333),
                                   actor: .init(kind: index % 2 == 0 ? .system : .staff, id: "sys_\(index % 3)"),
                                   action: "records.read", learnerId: index % 4 == 0 ? nil : "lrn_\(index % 5)",
                                   categories: index % 3 == 0 ? [] : [.experiences, .credentials],
                                   agreementId: index % 2 == 0 ? "agr_1" : nil, outcome: index % 4 == 0 ? .denied : .allowed,
                                   reason: index % 4 == 0 ? "status: \"quoted\" \\ ünïcode\nline" : nil)
            let sealed = AuditChain.seal(entry, after: previous.0, previousHash: previous.1)
            previous = (sealed.sequence, sealed.hash)
            return sealed
        }
    }

    static func file(_ entries: [AuditEntry]) throws -> Data {
        try entries.reduce(into: Data()) { $0.append(try AuditArchive.line($1)) }
    }

    static func checkpoint(_ entries: [AuditEntry], file: Data) -> AuditArchive.Checkpoint {
        AuditArchive.Checkpoint(firstSequence: entries.first!.sequence, lastSequence: entries.last!.sequence,
                                lastHash: entries.last!.hash, digest: String(ContentDigest.sha256(file).dropFirst("sha256:".count)),
                                cutOff: Date(timeIntervalSince1970: 1_900_000_000), archivedAt: Date(timeIntervalSince1970: 1_900_000_000))
    }

    static func verify(_ file: Data, _ checkpoint: AuditArchive.Checkpoint, previousHash: String = AuditChain.genesisHash,
                       pieceSize: Int = 97) -> AuditChain.Break? {
        var verifier = AuditArchive.FileVerifier(checkpoint: checkpoint, previousHash: previousHash)
        var offset = 0
        while offset < file.count {
            verifier.update(file.subdata(in: offset..<min(offset + pieceSize, file.count)))
            offset += pieceSize
        }
        return verifier.finish()
    }

    @Test("an entry survives its archive line unchanged, hash and milliseconds included")
    func lineRoundTrip() throws {
        for entry in Self.chain(40) {
            let line = try AuditArchive.line(entry)
            #expect(line.last == UInt8(ascii: "\n"))
            #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false, "one entry, one line")
            let decoded = try AuditArchive.entry(fromLine: line.dropLast())
            #expect(decoded == entry)
            #expect(AuditChain.hash(of: decoded) == entry.hash)
        }
    }

    @Test("an archive file verifies against its checkpoint, read in pieces of any size")
    func fileVerifies() throws {
        let entries = Self.chain(25)
        let file = try Self.file(entries)
        for size in [1, 7, 97, 100_000] {
            #expect(Self.verify(file, Self.checkpoint(entries, file: file), pieceSize: size) == nil)
        }
    }

    @Test("a later archive verifies from the hash the archive before it ends with, and not from another")
    func laterArchive() throws {
        let earlier = Self.chain(10)
        let later = Self.chain(5, after: (earlier.last!.sequence, earlier.last!.hash))
        let file = try Self.file(later)
        #expect(Self.verify(file, Self.checkpoint(later, file: file), previousHash: earlier.last!.hash) == nil)
        #expect(Self.verify(file, Self.checkpoint(later, file: file), previousHash: earlier[8].hash)?.sequence == 11)
    }

    @Test("an edited, shortened, reordered or foreign archive file does not verify")
    func tamperedFiles() throws {
        let entries = Self.chain(12)
        let file = try Self.file(entries)
        let checkpoint = Self.checkpoint(entries, file: file)
        var lines = String(decoding: file, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)

        // An edit that keeps the entry's hash valid is impossible; one that does not breaks the chain there.
        var edited = lines
        edited[4] = edited[4].replacingOccurrences(of: "records.read", with: "records.write")
        #expect(Self.verify(Data((edited.joined(separator: "\n") + "\n").utf8), checkpoint)?.sequence == 5)

        // Dropping the last entry: the chain is intact but ends before the checkpoint's last entry.
        let shortened = try Self.file(Array(entries.dropLast()))
        #expect(Self.verify(shortened, checkpoint) != nil)

        lines.swapAt(2, 3)
        #expect(Self.verify(Data((lines.joined(separator: "\n") + "\n").utf8), checkpoint)?.sequence == 3)

        // The same entries written differently (a space after each member) are not the file the checkpoint names.
        let rewritten = Data(String(decoding: file, as: UTF8.self).replacingOccurrences(of: ",\"", with: ", \"").utf8)
        #expect(Self.verify(rewritten, checkpoint)?.reason.contains("digest") == true)

        #expect(Self.verify(Data("not json\n".utf8), checkpoint)?.sequence == 1)
    }

    @Test("checkpoints must continue one another from the first entry")
    func checkpointGaps() {
        func checkpoint(_ first: Int64, _ last: Int64) -> AuditArchive.Checkpoint {
            AuditArchive.Checkpoint(firstSequence: first, lastSequence: last, lastHash: "h", digest: "d",
                                    cutOff: Date(), archivedAt: Date())
        }
        #expect(AuditArchive.firstGap(in: []) == nil)
        #expect(AuditArchive.firstGap(in: [checkpoint(1, 10), checkpoint(11, 11), checkpoint(12, 40)]) == nil)
        #expect(AuditArchive.firstGap(in: [checkpoint(2, 10)])?.sequence == 1)
        #expect(AuditArchive.firstGap(in: [checkpoint(1, 10), checkpoint(12, 20)])?.sequence == 11)
        #expect(AuditArchive.firstGap(in: [checkpoint(1, 10), checkpoint(5, 20)])?.sequence == 11)
    }

    /// Times of this era and the next: near 1970 a `Date` (held relative to 2001) does not keep whole milliseconds
    /// exactly, but no audit entry is dated then.
    @Test("times print and parse with exactly the stored milliseconds")
    func exactMilliseconds() {
        for ms: Int64 in [1_800_000_000_007, 1_800_000_000_999, 1_700_000_000_123, 1_765_432_109_876, 4_102_444_800_001] {
            let date = Timestamp.date(milliseconds: ms)
            let text = Timestamp.rfc3339(date)
            #expect(Timestamp.parseRFC3339(text).map(Timestamp.milliseconds) == ms, "\(text)")
        }
        #expect(Timestamp.rfc3339(Timestamp.date(milliseconds: 1_800_000_000_007)) == "2027-01-15T08:00:00.007Z")
        #expect(Timestamp.parseRFC3339("2027-01-15T08:00:00Z").map(Timestamp.milliseconds) == 1_800_000_000_000)
        #expect(Timestamp.parseRFC3339("2027-01-15T08:00:00.5Z").map(Timestamp.milliseconds) == 1_800_000_000_500)
        for bad in ["2027-01-15T08:00:00", "2027-01-15T08:00:00.Z", "2027-01-15T08:00:00.1xZ", "yesterday", "2027-01-15T08:00:00+01:00"] {
            #expect(Timestamp.parseRFC3339(bad) == nil, "\(bad)")
        }
    }

    @Test("an anchor parses from <sequence>:<hash> and nothing else")
    func anchorParsing() {
        let hash = String(repeating: "ab", count: 32)
        #expect(AuditChain.Anchor("12:\(hash)") == AuditChain.Anchor(sequence: 12, hash: hash))
        #expect(AuditChain.Anchor("12:\(hash)")?.description == "12:\(hash)")
        for bad in ["12", "x:\(hash)", "-1:\(hash)", "12:\(hash.uppercased())", "12:\(hash.dropLast())", "12:\(hash):1", ""] {
            #expect(AuditChain.Anchor(bad) == nil, "\(bad)")
        }
    }

    @Test("a chain rewritten with every later hash recomputed verifies by itself, but not against an earlier anchor")
    func anchorsCatchRewrites() throws {
        let original = Self.chain(10)
        var rewritten = Array(original.prefix(3))
        var edited = original[3]
        edited.action = "nothing.happened"
        for entry in [edited] + original.dropFirst(4) {
            rewritten.append(AuditChain.seal(entry, after: rewritten.last!.sequence, previousHash: rewritten.last!.hash))
        }
        func verify(_ entries: [AuditEntry], anchors: [Int64: String]) -> AuditChain.Break? {
            var verifier = AuditChain.Verifier()
            verifier.anchors = anchors
            entries.forEach { verifier.check($0) }
            verifier.finish(headSequence: entries.last!.sequence, headHash: entries.last!.hash)
            return verifier.firstBreak
        }
        #expect(verify(rewritten, anchors: [:]) == nil, "hash chaining alone does not see it")
        #expect(verify(original, anchors: [3: original[2].hash, 7: original[6].hash]) == nil)
        #expect(verify(rewritten, anchors: [3: original[2].hash]) == nil, "the rewrite is after this anchor")
        #expect(verify(rewritten, anchors: [3: original[2].hash, 7: original[6].hash])?.sequence == 7)

        // The same in an archive file.
        let file = try Self.file(rewritten)
        var verifier = AuditArchive.FileVerifier(checkpoint: Self.checkpoint(rewritten, file: file), previousHash: AuditChain.genesisHash,
                                                 anchors: [AuditChain.Anchor(sequence: 10, hash: original[9].hash)])
        verifier.update(file)
        #expect(verifier.finish()?.sequence == 10)
    }
}
