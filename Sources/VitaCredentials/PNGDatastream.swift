import CZlib

/// The parts of the PNG datastream format (W3C PNG, 2nd/3rd ed.) that badge baking needs:
/// §5.2 "PNG signature", §5.3 "Chunk layout" (length, type, data, CRC), §5.5 "CRC algorithm"
/// (CRC-32 of ISO 3309 over type and data — zlib's `crc32`), §5.6 "Chunk ordering" (`IHDR`
/// first, `IEND` last) and §11.3.4.5 "iTXt International textual data".
///
/// Every chunk walked is checked — length ≤ 2³¹−1 and within the data, type of four ASCII
/// letters, CRC — so a truncated or corrupted file is an error naming the chunk and offset,
/// never a crash or an out-of-bounds read.
enum PNGDatastream {
    /// §5.2: 137 80 78 71 13 10 26 10.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let maxChunkLength = 0x7FFF_FFFF

    /// One chunk: where it starts (its length field), its type, and the range of its data.
    struct Chunk {
        var offset: Int
        var type: [UInt8]
        var data: Range<Int>
        /// The offset just after its CRC.
        var end: Int { data.upperBound + 4 }
        var typeName: String { String(decoding: type, as: UTF8.self) }
        func isType(_ name: String) -> Bool { type.elementsEqual(name.utf8) }
    }

    static func crc32(_ bytes: ArraySlice<UInt8>, initial: UInt = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(truncatingIfNeeded: CZlib.crc32(initial, buffer.baseAddress, uInt(buffer.count)))
        }
    }

    static func readUInt32(_ bytes: [UInt8], _ i: Int) -> UInt32 {
        UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }

    static func uint32Bytes(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    /// Reads and checks the chunk whose length field starts at `offset` (§5.3, §5.5).
    static func chunk(in bytes: [UInt8], at offset: Int) throws(CredentialError) -> Chunk {
        guard offset + 8 <= bytes.count else {
            throw CredentialError(.truncatedImage, "the PNG ends inside a chunk header at byte \(offset) (no IEND chunk)")
        }
        let length = Int(readUInt32(bytes, offset))
        let type = Array(bytes[(offset + 4)..<(offset + 8)])
        guard type.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            throw CredentialError(.corruptImage, "invalid chunk type at byte \(offset + 4) (not four ASCII letters)")
        }
        let name = String(decoding: type, as: UTF8.self)
        guard length <= maxChunkLength else {
            throw CredentialError(.corruptImage, "the \(name) chunk at byte \(offset) declares a length over 2^31-1")
        }
        let end = offset + 12 + length
        guard end <= bytes.count else {
            throw CredentialError(.truncatedImage, "the PNG ends inside the \(name) chunk at byte \(offset): \(end - bytes.count) bytes missing")
        }
        let chunk = Chunk(offset: offset, type: type, data: (offset + 8)..<(offset + 8 + length))
        let expected = crc32(bytes[(offset + 4)..<chunk.data.upperBound])
        guard readUInt32(bytes, chunk.data.upperBound) == expected else {
            throw CredentialError(.checksumMismatch, "CRC-32 mismatch in the \(name) chunk at byte \(offset)")
        }
        return chunk
    }

    static func checkSignatureAndSize(_ bytes: [UInt8], limits: BadgeBaking.Limits) throws(CredentialError) {
        guard bytes.count <= limits.maxImageBytes else {
            throw CredentialError(.imageTooLarge, "the PNG is \(bytes.count) bytes; at most \(limits.maxImageBytes) are accepted")
        }
        guard bytes.starts(with: signature) else {
            if bytes.count < signature.count, signature.starts(with: bytes) {
                throw CredentialError(.truncatedImage, "the PNG ends inside its signature")
            }
            throw CredentialError(.notAnImage, "not a PNG: the first 8 bytes are not the PNG signature")
        }
    }

    /// All chunks of a complete datastream: `IHDR` first, `IEND` last, nothing after it (§5.6).
    static func chunks(of bytes: [UInt8], limits: BadgeBaking.Limits) throws(CredentialError) -> [Chunk] {
        try checkSignatureAndSize(bytes, limits: limits)
        var chunks: [Chunk] = []
        var offset = signature.count
        while true {
            let c = try chunk(in: bytes, at: offset)
            if chunks.isEmpty, !c.isType("IHDR") {
                throw CredentialError(.corruptImage, "the first chunk is \(c.typeName), not IHDR")
            }
            chunks.append(c)
            offset = c.end
            if c.isType("IEND") {
                guard c.data.isEmpty else { throw CredentialError(.corruptImage, "the IEND chunk is not empty") }
                guard offset == bytes.count else {
                    throw CredentialError(.corruptImage, "\(bytes.count - offset) bytes follow the IEND chunk")
                }
                return chunks
            }
        }
    }

    /// The fields of an iTXt chunk (§11.3.4.5) after the keyword, compression flag and method,
    /// language tag and translated keyword (each text field null-terminated): what baking reads.
    struct InternationalText {
        var compressionFlag: UInt8
        var compressionMethod: UInt8
        var text: ArraySlice<UInt8>

        /// The keyword alone, or nil when the chunk has no null-terminated keyword.
        static func keyword(of data: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
            guard let zero = data.firstIndex(of: 0) else { return nil }
            return data[data.startIndex..<zero]
        }

        init(parsing data: ArraySlice<UInt8>) throws(CredentialError) {
            guard let keyword = Self.keyword(of: data), (1...79).contains(keyword.count) else {
                throw CredentialError(.corruptBakedCredential, "the iTXt chunk has no null-terminated keyword of 1–79 bytes")
            }
            var i = keyword.endIndex + 1
            guard i + 2 <= data.endIndex else {
                throw CredentialError(.corruptBakedCredential, "the iTXt chunk ends before its compression flag and method")
            }
            compressionFlag = data[i]
            compressionMethod = data[i + 1]
            i += 2
            // Language tag, then translated keyword: both null-terminated.
            for field in ["language tag", "translated keyword"] {
                guard let zero = data[i...].firstIndex(of: 0) else {
                    throw CredentialError(.corruptBakedCredential, "the iTXt chunk's \(field) is not null-terminated")
                }
                i = zero + 1
            }
            text = data[i...]
        }
    }

    static func isCredentialChunk(_ bytes: [UInt8], _ c: Chunk) -> Bool {
        c.isType("iTXt") && InternationalText.keyword(of: bytes[c.data]).map { $0.elementsEqual(BadgeBaking.pngKeyword.utf8) } == true
    }

    /// OB 3.0 §"PNG" › "Baking": inserts one uncompressed `openbadgecredential` iTXt chunk just
    /// before `IEND` of a valid datastream that has none.
    static func bake(text: [UInt8], into png: [UInt8], limits: BadgeBaking.Limits) throws(CredentialError) -> [UInt8] {
        let chunks = try chunks(of: png, limits: limits)
        if let existing = chunks.first(where: { isCredentialChunk(png, $0) }) {
            throw CredentialError(.alreadyBaked, "the PNG already carries an openbadgecredential iTXt chunk (at byte \(existing.offset))")
        }
        // keyword NUL, compression flag 0, compression method 0, empty language tag NUL, empty translated keyword NUL, text.
        var data = Array(BadgeBaking.pngKeyword.utf8)
        data += [0, 0, 0, 0, 0]
        data += text
        guard data.count <= maxChunkLength, png.count + data.count + 12 <= limits.maxImageBytes else {
            throw CredentialError(.imageTooLarge, "the baked PNG would exceed \(limits.maxImageBytes) bytes")
        }
        let type = Array("iTXt".utf8)
        let iend = chunks[chunks.count - 1].offset
        var out: [UInt8] = []
        out.reserveCapacity(png.count + data.count + 12)
        out += png[..<iend]
        out += uint32Bytes(UInt32(data.count))
        out += type
        out += data
        out += uint32Bytes(crc32((type + data)[...]))
        out += png[iend...]
        return out
    }

    /// OB 3.0 §"PNG" › "Extracting": the text of the first `openbadgecredential` iTXt chunk;
    /// the rest of the stream is not read.
    static func extractText(from png: [UInt8], limits: BadgeBaking.Limits) throws(CredentialError) -> [UInt8] {
        try checkSignatureAndSize(png, limits: limits)
        var offset = signature.count
        var sawOpenBadges2 = false
        while true {
            let c = try chunk(in: png, at: offset)
            if offset == signature.count, !c.isType("IHDR") {
                throw CredentialError(.corruptImage, "the first chunk is \(c.typeName), not IHDR")
            }
            if isCredentialChunk(png, c) {
                let itxt = try InternationalText(parsing: png[c.data])
                switch itxt.compressionFlag {
                case 0: break
                case 1: throw CredentialError(.compressedBakedCredential, "the openbadgecredential iTXt chunk is compressed; OB 3.0 forbids compression")
                default: throw CredentialError(.corruptBakedCredential, "the openbadgecredential iTXt chunk has compression flag \(itxt.compressionFlag) (must be 0)")
                }
                guard itxt.compressionMethod == 0 else {
                    throw CredentialError(.corruptBakedCredential, "the openbadgecredential iTXt chunk names compression method \(itxt.compressionMethod) (PNG defines only 0)")
                }
                guard String(validating: itxt.text, as: UTF8.self) != nil else {
                    throw CredentialError(.corruptBakedCredential, "the openbadgecredential iTXt text is not UTF-8")
                }
                return Array(itxt.text)
            }
            if (c.isType("iTXt") || c.isType("tEXt")),
               InternationalText.keyword(of: png[c.data]).map({ $0.elementsEqual("openbadges".utf8) }) == true {
                sawOpenBadges2 = true
            }
            if c.isType("IEND") {
                throw CredentialError(.noBakedCredential, sawOpenBadges2
                    ? "the PNG has an Open Badges 2.0 assertion (keyword openbadges) but no openbadgecredential iTXt chunk"
                    : "the PNG has no openbadgecredential iTXt chunk")
            }
            offset = c.end
        }
    }
}
