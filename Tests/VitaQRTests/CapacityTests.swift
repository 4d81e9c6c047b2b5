import Testing

@testable import VitaQR

/// Capacity boundaries from Table 7 (ISO/IEC 18004:2015, 7.4.10): the largest content that fits a version at a
/// level, and one character more.
@Suite("Capacity")
struct CapacityTests {
    static func content(_ mode: DataMode, count: Int) -> String {
        switch mode {
        case .numeric: String(repeating: "7", count: count)
        case .alphanumeric: String(repeating: "A", count: count)
        case .byte: String(repeating: "a", count: count)
        }
    }

    static let boundaries: [(version: Int, level: ErrorCorrectionLevel, mode: DataMode, characters: Int)] = [
        (1, .low, .numeric, 41), (1, .medium, .numeric, 34), (1, .quartile, .numeric, 27), (1, .high, .numeric, 17),
        (1, .low, .alphanumeric, 25), (1, .medium, .alphanumeric, 20), (1, .quartile, .alphanumeric, 16),
        (1, .high, .alphanumeric, 10),
        (1, .low, .byte, 17), (1, .medium, .byte, 14), (1, .quartile, .byte, 11), (1, .high, .byte, 7),
        (5, .low, .byte, 106), (5, .medium, .byte, 84), (5, .quartile, .byte, 60), (5, .high, .byte, 44),
        (9, .low, .numeric, 552), (9, .medium, .byte, 180),
        (10, .low, .byte, 271), (10, .medium, .byte, 213), (10, .quartile, .byte, 151), (10, .high, .byte, 119),
    ]

    @Test("the largest content for a version fits it, and one character more takes the next version",
        arguments: boundaries.indices)
    func boundaryBetweenVersions(_ index: Int) throws {
        let (version, level, mode, characters) = Self.boundaries[index]
        let fitting = try QRCode(text: Self.content(mode, count: characters), level: level)
        #expect(fitting.version == version)
        #expect(fitting.modes == [mode])
        let larger = try QRCode(text: Self.content(mode, count: characters + 1), level: level)
        #expect(larger.version == version + 1)
    }

    static let version40: [(level: ErrorCorrectionLevel, mode: DataMode, characters: Int)] = [
        (.low, .numeric, 7089), (.medium, .numeric, 5596), (.quartile, .numeric, 3993), (.high, .numeric, 3057),
        (.low, .alphanumeric, 4296), (.medium, .alphanumeric, 3391), (.quartile, .alphanumeric, 2420),
        (.high, .alphanumeric, 1852),
        (.low, .byte, 2953), (.medium, .byte, 2331), (.quartile, .byte, 1663), (.high, .byte, 1273),
    ]

    @Test("version 40's capacity fits, and one character more throws dataTooLong", arguments: version40.indices)
    func tooLongForVersion40(_ index: Int) throws {
        let (level, mode, characters) = Self.version40[index]
        let largest = try QRCode(text: Self.content(mode, count: characters), level: level)
        #expect(largest.version == 40)
        #expect(largest.size == 177)
        #expect(throws: QRCodeError.self) {
            try QRCode(text: Self.content(mode, count: characters + 1), level: level)
        }
    }

    @Test("the too-long error says how many bits were needed and are available, without the content")
    func tooLongErrorDescribesTheProblem() {
        let secret = String(repeating: "s", count: 3000)
        do {
            _ = try QRCode(text: secret, level: .medium)
            Issue.record("3000 bytes at level M should not fit")
        } catch {
            #expect(error == .dataTooLong(bitsNeeded: 24020, bitsAvailable: 18672, version: 40, level: .medium))
            #expect(error.description.contains("at least 24020 bits"))
            #expect(error.description.contains("level M"))
            #expect(!error.description.contains("sss"))
        }
    }

    @Test("content far beyond any symbol is refused at once, with the bits its cheapest encoding would need")
    func hugeContentRefused() {
        let huge = [UInt8](repeating: 0x61, count: 4_000_000)
        #expect(
            throws: QRCodeError.dataTooLong(
                bitsNeeded: 4 + 14 + 13_333_334, bitsAvailable: 10_208, version: 40, level: .high)
        ) {
            try QRCode(bytes: huge, level: .high)
        }
        // 7089 bytes is still segmented and measured exactly.
        #expect(
            throws: QRCodeError.dataTooLong(bitsNeeded: 4 + 16 + 7089 * 8, bitsAvailable: 23_648, version: 40, level: .low)
        ) {
            try QRCode(bytes: [UInt8](repeating: 0x61, count: 7089), level: .low)
        }
    }

    @Test("content too long for a requested version throws instead of growing the symbol")
    func requestedVersionTooSmall() {
        #expect(throws: QRCodeError.dataTooLong(bitsNeeded: 132, bitsAvailable: 128, version: 1, level: .medium)) {
            try QRCode(text: String(repeating: "a", count: 15), level: .medium, version: 1)
        }
    }

    @Test("versions outside 1…40 are rejected", arguments: [0, 41, -1])
    func versionOutOfRange(_ version: Int) {
        #expect(throws: QRCodeError.versionOutOfRange(version)) { try QRCode(text: "1", version: version) }
    }

    @Test("masks outside 0…7 are rejected", arguments: [-1, 8, 99])
    func maskOutOfRange(_ mask: Int) {
        #expect(throws: QRCodeError.maskOutOfRange(mask)) { try QRCode(text: "1", mask: mask) }
    }
}

@Suite("Data analysis and masking")
struct DataAnalysisTests {
    @Test("the narrowest covering mode is chosen", arguments: [
        ("0123456789", DataMode.numeric), ("HTTPS://VITA.EXAMPLE/S/ABC 12$%*+-./:", .alphanumeric),
        ("https://vita.example/s/abc", .byte), ("Müller", .byte), ("", .byte),
    ])
    func modeChoice(_ text: String, _ mode: DataMode) throws {
        #expect(try QRCode(text: text).modes == [mode])
    }

    @Test("numeric and alphanumeric segments encode as 7.4.3 and 7.4.4 describe")
    func segmentBits() {
        // "01234567" → 012 345 67 → 0000001100 0101011001 1000011 (7.4.3 example)
        let numeric = Segment.numeric(Array("01234567".utf8))
        #expect(numeric.data.bits.map { $0 ? "1" : "0" }.joined() == "000000110001010110011000011")
        // "AC-42" → (10·45 + 12) (41·45 + 4) (2) → 00111001110 11100111001 000010 (7.4.4 example)
        let alphanumeric = Segment.alphanumeric(Array("AC-42".utf8))
        #expect(alphanumeric.data.bits.map { $0 ? "1" : "0" }.joined() == "0011100111011100111001000010")
    }

    @Test("automatic masking picks the mask with the lowest penalty")
    func automaticMaskHasLowestPenalty() throws {
        let text = "https://wallet.vita.example/wallet/share/Jd8Qk2ZpX7mN4rTa"
        let automatic = try QRCode(text: text)
        var penalties: [Int] = []
        for mask in 0...7 {
            let forced = try QRCode(text: text, mask: mask)
            var matrix = ModuleMatrix(size: forced.size)
            for row in 0..<forced.size {
                for column in 0..<forced.size {
                    matrix[row, column] = forced[row, column]
                }
            }
            penalties.append(DataMasking.penalty(matrix))
        }
        let lowest = penalties.min() ?? 0
        #expect(penalties[automatic.mask] == lowest)
        #expect(penalties.firstIndex(of: lowest) == automatic.mask)
    }

    @Test("penalty rules score a hand-made pattern as Table 11 says")
    func penaltyRules() {
        // A 21 × 21 all-light matrix: N1 = 2 · 21 lines · (3 + 16) = 798, N2 = 20 · 20 · 3 = 1200, N3 = 0,
        // N4 = 10 · 10 (0 % dark is ten 5 % steps from 50 %) = 100.
        let light = ModuleMatrix(size: 21)
        #expect(DataMasking.penalty(light) == 798 + 1200 + 100)
    }

    @Test("modules outside the symbol read as light")
    func outsideIsLight() throws {
        let code = try QRCode(text: "1")
        #expect(code[0, 0])  // finder pattern corner
        #expect(!code[-1, 0])
        #expect(!code[0, code.size])
        #expect(!code[Int.max, Int.min])
    }
}
