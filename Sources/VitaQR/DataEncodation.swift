/// The data modes this encoder uses (ISO/IEC 18004:2015, 7.4.1, Table 2).
///
/// Numeric holds the digits 0–9 at 10 bits per three digits, alphanumeric the 45 characters of Table 5 at
/// 11 bits per two, and byte mode any octets (here the UTF-8 encoding of the text) at 8 bits each.
public enum DataMode: Sendable, CaseIterable, Hashable {
    /// Digits 0–9.
    case numeric
    /// 0–9, A–Z, space and $ % * + - . / : (Table 5).
    case alphanumeric
    /// Any octets; here the text's UTF-8 encoding.
    case byte

    /// The 4-bit mode indicator (Table 2).
    var indicator: Int {
        switch self {
        case .numeric: 0b0001
        case .alphanumeric: 0b0010
        case .byte: 0b0100
        }
    }

    /// The length of the character count indicator in a symbol of the given version (7.4.1, Table 3):
    /// versions 1–9, 10–26 and 27–40 use different lengths.
    func characterCountBits(version: Int) -> Int {
        let range = version <= 9 ? 0 : (version <= 26 ? 1 : 2)
        switch self {
        case .numeric: return [10, 12, 14][range]
        case .alphanumeric: return [9, 11, 13][range]
        case .byte: return [8, 16, 16][range]
        }
    }

    /// Whether `byte` is a character of this mode's character set.
    func contains(_ byte: UInt8) -> Bool {
        switch self {
        case .numeric: byte >= 0x30 && byte <= 0x39
        case .alphanumeric: AlphanumericTable.value(of: byte) != nil
        case .byte: true
        }
    }
}

/// How the content is divided into segments (ISO/IEC 18004:2015, 7.2 and 7.4.7).
public enum ModeSelection: Sendable, Hashable {
    /// Numeric, alphanumeric and byte segments mixed wherever that takes fewer bits (the default).
    case mixed
    /// One segment in the most compact single mode that holds all the content, for readers that mishandle
    /// mode changes, or to compare with encoders that do not mix modes.
    case single
}

/// The alphanumeric mode character set and its values (7.4.4, Table 5): 0–9, A–Z, space, $ % * + - . / :.
enum AlphanumericTable {
    static func value(of byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x5A: return Int(byte - 0x41) + 10
        case 0x20: return 36
        case 0x24: return 37
        case 0x25: return 38
        case 0x2A: return 39
        case 0x2B: return 40
        case 0x2D: return 41
        case 0x2E: return 42
        case 0x2F: return 43
        case 0x3A: return 44
        default: return nil
        }
    }
}

/// One segment of the data bit stream: a mode, its character count and the encoded data bits (7.4.1, 7.4.7).
struct Segment: Sendable {
    let mode: DataMode
    let characterCount: Int
    let data: BitStream

    /// The segment of `bytes` in `mode`; the caller guarantees the mode's character set covers them.
    static func encoding(_ bytes: ArraySlice<UInt8>, in mode: DataMode) -> Segment {
        switch mode {
        case .numeric: numeric(Array(bytes))
        case .alphanumeric: alphanumeric(Array(bytes))
        case .byte: byte(Array(bytes))
        }
    }

    /// Numeric mode (7.4.3): groups of three digits as 10-bit numbers, a final two as 7 bits, a final one as 4.
    /// The caller guarantees every byte is an ASCII digit.
    static func numeric(_ digits: [UInt8]) -> Segment {
        var data = BitStream()
        var index = 0
        while index < digits.count {
            let group = min(3, digits.count - index)
            var value = 0
            for offset in 0..<group {
                value = value * 10 + Int(digits[index + offset] - 0x30)
            }
            data.append(value, length: group * 3 + 1)
            index += group
        }
        return Segment(mode: .numeric, characterCount: digits.count, data: data)
    }

    /// Alphanumeric mode (7.4.4): pairs as 45 × first + second in 11 bits, a final single character in 6 bits.
    /// The caller guarantees every byte is in Table 5.
    static func alphanumeric(_ characters: [UInt8]) -> Segment {
        let values = characters.map { AlphanumericTable.value(of: $0) ?? 0 }
        var data = BitStream()
        var index = 0
        while index + 1 < values.count {
            data.append(values[index] * 45 + values[index + 1], length: 11)
            index += 2
        }
        if index < values.count {
            data.append(values[index], length: 6)
        }
        return Segment(mode: .alphanumeric, characterCount: characters.count, data: data)
    }

    /// Byte mode (7.4.5): each octet as 8 bits.
    static func byte(_ bytes: [UInt8]) -> Segment {
        var data = BitStream()
        for byte in bytes {
            data.append(Int(byte), length: 8)
        }
        return Segment(mode: .byte, characterCount: bytes.count, data: data)
    }

    /// The number of bits this segment takes in a symbol of `version`: mode indicator, character count
    /// indicator and data.
    func bitLength(version: Int) -> Int {
        4 + mode.characterCountBits(version: version) + data.count
    }

    /// Whether the character count fits the character count indicator of `version`.
    func countFits(version: Int) -> Bool {
        characterCount < 1 << mode.characterCountBits(version: version)
    }
}
