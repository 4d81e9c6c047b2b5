/// The four error correction levels of a QR Code symbol (ISO/IEC 18004:2015, 7.5.1; their indicators in the format
/// information, 7.9.1, Table 12).
///
/// Each level trades capacity for the share of codewords that can be restored: about 7 % (L), 15 % (M), 25 % (Q)
/// and 30 % (H).
public enum ErrorCorrectionLevel: Sendable, CaseIterable, Hashable {
    /// L: about 7 % of codewords recoverable.
    case low
    /// M: about 15 % of codewords recoverable; the default.
    case medium
    /// Q: about 25 % of codewords recoverable.
    case quartile
    /// H: about 30 % of codewords recoverable.
    case high

    /// The level's letter as the standard writes it: "L", "M", "Q" or "H".
    public var letter: String {
        switch self {
        case .low: "L"
        case .medium: "M"
        case .quartile: "Q"
        case .high: "H"
        }
    }

    /// The level named by its letter ("L", "M", "Q", "H", in either case), or nil.
    public init?(letter: String) {
        switch letter {
        case "L", "l": self = .low
        case "M", "m": self = .medium
        case "Q", "q": self = .quartile
        case "H", "h": self = .high
        default: return nil
        }
    }

    /// The two error correction level bits of the format information (7.9.1, Table 12): L 01, M 00, Q 11, H 10.
    var formatBits: Int {
        switch self {
        case .low: 0b01
        case .medium: 0b00
        case .quartile: 0b11
        case .high: 0b10
        }
    }

    /// The row index of this level in the error correction tables (L, M, Q, H).
    var tableIndex: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .quartile: 2
        case .high: 3
        }
    }
}
