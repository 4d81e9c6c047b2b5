import Foundation
import Testing

@testable import VitaQR

/// Whole-symbol known answers: matrices written by an independent encoder (the Python `qrcode` package, checked
/// against `segno` where that one follows 7.4.10), forced to the same version, level and mask, with the content in
/// one segment as those encoders put it.
/// Resources/SOURCES.md says how they were made.
@Suite("Known answers")
struct KnownAnswerTests {
    struct Case: Sendable, CustomStringConvertible {
        let file: String
        let level: ErrorCorrectionLevel
        let version: Int
        let mask: Int
        let content: String
        let mode: DataMode
        var description: String { file }
    }

    static let cases: [Case] = [
        Case(file: "numeric-1-M-mask2", level: .medium, version: 1, mask: 2, content: "01234567", mode: .numeric),
        Case(
            file: "alphanumeric-3-Q-mask3", level: .quartile, version: 3, mask: 3,
            content: "HTTPS://WALLET.VITA.EXAMPLE/S/3F9AK2XQ7LM", mode: .alphanumeric),
        Case(
            file: "byte-4-M-mask4", level: .medium, version: 4, mask: 4,
            content: "https://wallet.vita.example/wallet/share/Jd8Qk2ZpX7mN4rTa", mode: .byte),
        Case(
            file: "byte-8-M-mask7", level: .medium, version: 8, mask: 7,
            content: "https://wallet.vita.example/wallet/share/Jd8Qk2ZpX7mN4rTa-yW_0bLq"
                + "?expires=2027-01-31T23:59:59Z&passcode=required&ref=nursing-application-2026",
            mode: .byte),
        Case(
            file: "byte-12-H-mask1", level: .high, version: 12, mask: 1,
            content: "Zertifikat für Jürgen Müller – Pflegeausbildung ✓ 🎓 "
                + "Riverside University, 2026 · https://vita.riverside.edu/wallet/share/Q2xSJ9",
            mode: .byte),
        Case(
            file: "numeric-27-L-mask0", level: .low, version: 27, mask: 0,
            content: String((0..<1500).map { Character(String((7 * $0 * $0 + 3 * $0 + 1) % 10)) }),
            mode: .numeric),
    ]

    static func expectedRows(_ file: String) throws -> [String] {
        let url = try #require(
            Bundle.module.url(forResource: file, withExtension: "txt", subdirectory: "Resources/known-answers"))
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test("the module matrix equals the independent encoder's at the same version, level and mask", arguments: cases)
    func matrixMatchesIndependentEncoder(_ testCase: Case) throws {
        let code = try QRCode(
            text: testCase.content, level: testCase.level, version: testCase.version, mask: testCase.mask,
            segmentation: .single)
        #expect(code.modes == [testCase.mode])
        let expected = try Self.expectedRows(testCase.file)
        #expect(code.size == expected.count)
        let rows = (0..<code.size).map { row in
            String((0..<code.size).map { code[row, $0] ? "1" : "0" })
        }
        for (index, (row, expectedRow)) in zip(rows, expected).enumerated() {
            #expect(row == expectedRow, "row \(index)")
        }
    }

    @Test("the smallest fitting version is chosen when none is requested", arguments: cases)
    func smallestVersionMatchesIndependentEncoder(_ testCase: Case) throws {
        // Each case's version is the smallest that holds its content (as the independent encoder finds too),
        // except the numeric one, forced from 17 to 27 to cover the 14-bit character count indicator.
        let code = try QRCode(text: testCase.content, level: testCase.level, segmentation: .single)
        #expect(code.version == (testCase.file == "numeric-27-L-mask0" ? 17 : testCase.version))
        #expect(code.modes == [testCase.mode])
    }

    static let automaticCases: [(file: String, level: ErrorCorrectionLevel, content: String)] = [
        ("automatic-share-link-M", .medium, "https://wallet.vita.example/wallet/share/eQv8IB8hdY88yTdTxBIUFm"),
        ("automatic-alphanumeric-Q", .quartile, "VITA SHARE: HTTPS://WALLET.VITA.EXAMPLE/S/3F9AK2"),
        ("automatic-numeric-H", .high, "20261123190000123456789"),
        ("automatic-long-link-L", .low,
         "https://vita.riverside.edu/wallet/share/Q2xSJ9vT0aB7?expires=2027-01-31T23:59:59Z"
            + "&passcode=required&collection=nursing-application&ref=" + String(repeating: "x", count: 120)),
    ]

    /// zxing-cpp's writer chose version, segments and mask itself; so does Vita here (7.8.3 mask evaluation).
    @Test("with everything automatic, the symbol equals the one zxing-cpp's writer makes",
        arguments: automaticCases.indices)
    func automaticChoicesMatchIndependentEncoder(_ index: Int) throws {
        let (file, level, content) = Self.automaticCases[index]
        let code = try QRCode(text: content, level: level)
        let expected = try Self.expectedRows(file)
        #expect(code.size == expected.count)
        let rows = (0..<code.size).map { row in
            String((0..<code.size).map { code[row, $0] ? "1" : "0" })
        }
        #expect(rows == expected, "\(file): version \(code.version), mask \(code.mask), modes \(code.modes)")
    }

    /// ISO/IEC 18004:2015, Annex I: "01234567" at 1-M.
    @Test("data and Reed–Solomon codewords of the Annex I example (01234567, 1-M)")
    func annexIExampleCodewords() {
        let characteristics = ErrorCorrectionCharacteristics(version: 1, level: .medium)
        let segments = Segmentation.optimal(for: Array("01234567".utf8), version: 1)
        #expect(segments.map(\.mode) == [.numeric])
        let data = FinalMessage.dataCodewords(
            segments: segments, version: 1, capacity: characteristics.dataCodewords)
        #expect(
            data == [
                0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
            ])
        let message = FinalMessage.interleaved(data: data, characteristics: characteristics)
        #expect(Array(message.suffix(10)) == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
        #expect(Array(message.prefix(16)) == data)
    }

    /// Annex C, Table C.1: the 15-bit format information for each level and mask, after masking with 0x5412.
    static let formatInformationTable: [(ErrorCorrectionLevel, [Int])] = [
        (.low, [
            0b111011111000100, 0b111001011110011, 0b111110110101010, 0b111100010011101,
            0b110011000101111, 0b110001100011000, 0b110110001000001, 0b110100101110110,
        ]),
        (.medium, [
            0b101010000010010, 0b101000100100101, 0b101111001111100, 0b101101101001011,
            0b100010111111001, 0b100000011001110, 0b100111110010111, 0b100101010100000,
        ]),
        (.quartile, [
            0b011010101011111, 0b011000001101000, 0b011111100110001, 0b011101000000110,
            0b010010010110100, 0b010000110000011, 0b010111011011010, 0b010101111101101,
        ]),
        (.high, [
            0b001011010001001, 0b001001110111110, 0b001110011100111, 0b001100111010000,
            0b000011101100010, 0b000001001010101, 0b000110100001100, 0b000100000111011,
        ]),
    ]

    @Test("format information bits of all 32 level and mask combinations match Annex C, Table C.1")
    func formatInformationMatchesAnnexC() {
        var checked = 0
        for (level, row) in Self.formatInformationTable {
            for (mask, expected) in row.enumerated() {
                #expect(FormatInformation.bits(level: level, mask: mask) == expected, "\(level.letter) mask \(mask)")
                checked += 1
            }
        }
        #expect(checked == 32)
    }

    @Test("version information bits match Annex D, Table D.1", arguments: [
        (7, 0x07C94), (8, 0x085BC), (9, 0x09A99), (10, 0x0A4D3), (21, 0x15683), (32, 0x209D5), (40, 0x28C69),
    ])
    func versionInformationMatchesAnnexD(version: Int, expected: Int) {
        #expect(VersionInformation.bits(version: version) == expected)
    }

    /// Table 1: total codewords per version, which the block structure's group sizes are derived from.
    static let totalCodewords = [
        26, 44, 70, 100, 134, 172, 196, 242, 292, 346, 404, 466, 532, 581, 655, 733, 815, 901, 991, 1085,
        1156, 1258, 1364, 1474, 1588, 1706, 1828, 1921, 2051, 2185, 2323, 2465, 2611, 2761, 2876, 3034, 3196, 3362,
        3532, 3706,
    ]

    @Test("codeword counts of versions 1–40 match Table 1, and every block structure is whole")
    func codewordCountsMatchTable1() {
        for version in 1...40 {
            #expect(SymbolGeometry.dataModuleCount(version: version) / 8 == Self.totalCodewords[version - 1])
            for level in ErrorCorrectionLevel.allCases {
                let blocks = ErrorCorrectionCharacteristics(version: version, level: level)
                let longBlocks = blocks.blockCount - blocks.shortBlockCount
                #expect(
                    blocks.shortBlockCount * blocks.shortBlockDataCodewords
                        + longBlocks * (blocks.shortBlockDataCodewords + 1) == blocks.dataCodewords)
                #expect(blocks.shortBlockCount > 0)
            }
        }
    }

    @Test("block structures match rows of Table 9", arguments: [
        // version, level, EC codewords per block, (blocks, data codewords) of group 1, then of group 2
        (5, ErrorCorrectionLevel.quartile, 18, 2, 15, 2, 16),
        (1, .high, 17, 1, 9, 0, 10),
        (13, .medium, 22, 8, 37, 1, 38),
        (40, .high, 30, 20, 15, 61, 16),
        (40, .low, 30, 19, 118, 6, 119),
    ])
    func blockStructureMatchesTable9(
        version: Int, level: ErrorCorrectionLevel, perBlock: Int, shortBlocks: Int, shortData: Int,
        longBlocks: Int, longData: Int
    ) {
        let blocks = ErrorCorrectionCharacteristics(version: version, level: level)
        #expect(blocks.errorCorrectionCodewordsPerBlock == perBlock)
        #expect(blocks.shortBlockCount == shortBlocks)
        #expect(blocks.blockCount - blocks.shortBlockCount == longBlocks)
        #expect(blocks.shortBlockDataCodewords == shortData)
        #expect(shortData + 1 == longData)
    }
}
