import Testing

@testable import VitaQR

@Suite("Mixed-mode segmentation")
struct SegmentationTests {
    static func bits(_ segments: [Segment], version: Int) -> Int {
        segments.reduce(0) { $0 + $1.bitLength(version: version) }
    }

    /// The fewest bits over every assignment of an allowed mode to each byte, by brute force.
    static func bruteForceMinimum(_ bytes: [UInt8], version: Int) -> Int {
        var best = Int.max
        func visit(_ index: Int, _ modes: [DataMode]) {
            if index == bytes.count {
                var segments: [Segment] = []
                var start = 0
                for end in 1...bytes.count where end == bytes.count || modes[end] != modes[start] {
                    segments.append(Segment.encoding(bytes[start..<end], in: modes[start]))
                    start = end
                }
                best = min(best, bits(segments, version: version))
                return
            }
            for mode in DataMode.allCases where mode.contains(bytes[index]) {
                visit(index + 1, modes + [mode])
            }
        }
        visit(0, [])
        return best
    }

    @Test("the segmentation has the fewest bits of all mode assignments, for every string of up to 6 characters over 1, A, a",
        arguments: [1, 10, 27])
    func optimalAgainstBruteForce(version: Int) {
        let alphabet: [UInt8] = Array("1Aa".utf8)
        var checked = 0
        for length in 1...6 {
            var total = 1
            for _ in 0..<length { total *= alphabet.count }
            for number in 0..<total {
                var rest = number
                let bytes = (0..<length).map { _ -> UInt8 in
                    defer { rest /= alphabet.count }
                    return alphabet[rest % alphabet.count]
                }
                let segments = Segmentation.optimal(for: bytes, version: version)
                #expect(Self.bits(segments, version: version) == Self.bruteForceMinimum(bytes, version: version))
                checked += 1
            }
        }
        #expect(checked == 1092)
    }

    @Test("a long run of digits after a URL gets its own numeric segment and a smaller symbol")
    func digitsAfterURL() throws {
        let text = "https://vita.example/s/" + String(repeating: "0123456789", count: 6)
        let segments = Segmentation.optimal(for: Array(text.utf8), version: 1)
        #expect(segments.map(\.mode) == [.byte, .numeric])
        // byte: 4 + 8 + 23 · 8 = 196; numeric: 4 + 10 + 20 · 10 = 214
        #expect(Self.bits(segments, version: 1) == 410)
        let mixed = try QRCode(text: text, level: .medium)
        #expect(mixed.modes == [.byte, .numeric])
        #expect(mixed.version == 4)  // 83 bytes in byte mode alone would need version 5 at M
    }

    @Test("segments change mode only where a new segment header costs less than it saves", arguments: [
        // byte alone: 4 + 8 + 6·8
        ("a1b2c3", [DataMode.byte], 60),
        // alphanumeric "ABC1234" 4 + 9 + 3·11 + 6, then byte "abc" 4 + 8 + 24 (byte alone: 92; with a numeric
        // "1234" in the middle: 94)
        ("ABC1234abc", [.alphanumeric, .byte], 88),
        // byte "https://wallet.vita.example/share" 4 + 8 + 33·8, then alphanumeric "/2027-01-31" 4 + 9 + 5·11 + 6
        ("https://wallet.vita.example/share/2027-01-31", [.byte, .alphanumeric], 350),
    ])
    func segmentBoundaries(_ text: String, _ modes: [DataMode], _ bits: Int) throws {
        let segments = Segmentation.optimal(for: Array(text.utf8), version: 1)
        #expect(segments.map(\.mode) == modes)
        #expect(Self.bits(segments, version: 1) == bits)
        #expect(try QRCode(text: text, level: .low).modes == modes)
    }

    @Test("single-mode segmentation keeps one segment where mixing would be shorter")
    func singleModeOnRequest() throws {
        let text = "https://vita.example/s/" + String(repeating: "0123456789", count: 6)
        let single = try QRCode(text: text, level: .medium, segmentation: .single)
        #expect(single.modes == [.byte])
        #expect(single.version == 5)
    }

    @Test("the segmentation depends on the version range's character count indicator lengths")
    func versionRangeMatters() {
        // "abc" + 11 capitals. Versions 1–9: byte alone 4 + 8 + 14·8 = 124 bits; byte 3 + alphanumeric 11 is
        // (4 + 8 + 24) + (4 + 9 + 61) = 110. Versions 27–40: byte alone 4 + 16 + 112 = 132; split
        // (4 + 16 + 24) + (4 + 13 + 61) = 122. Versions 1–9 with 6 capitals: 4 + 8 + 72 = 84 alone; split
        // (4 + 8 + 24) + (4 + 9 + 33) = 82, but in versions 27–40 84 + 8 = 92 alone against 44 + 50 = 94 split.
        let eleven = Array("abcABCDEFGHIJK".utf8)
        #expect(Self.bits(Segmentation.optimal(for: eleven, version: 1), version: 1) == 110)
        #expect(Self.bits(Segmentation.optimal(for: eleven, version: 27), version: 27) == 122)
        let six = Array("abcABCDEF".utf8)
        #expect(Segmentation.optimal(for: six, version: 1).map(\.mode) == [.byte, .alphanumeric])
        #expect(Self.bits(Segmentation.optimal(for: six, version: 1), version: 1) == 82)
        #expect(Segmentation.optimal(for: six, version: 27).map(\.mode) == [.byte])
        #expect(Self.bits(Segmentation.optimal(for: six, version: 27), version: 27) == 92)
    }
}
