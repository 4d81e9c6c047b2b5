/// What went wrong while encoding a QR Code symbol.
public enum QRCodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The data needs more bits than the largest allowed symbol (version 40, or the requested version) holds at
    /// the chosen error correction level. For content longer than any symbol's 7089 characters, `bitsNeeded` is
    /// what the cheapest encoding (numeric) of that many characters would take.
    case dataTooLong(bitsNeeded: Int, bitsAvailable: Int, version: Int, level: ErrorCorrectionLevel)
    /// A version outside 1…40 was requested.
    case versionOutOfRange(Int)
    /// A data mask pattern reference outside 0…7 was requested.
    case maskOutOfRange(Int)

    public var description: String {
        switch self {
        case let .dataTooLong(needed, available, version, level):
            "The data needs at least \(needed) bits but a version \(version) QR Code at error correction level \(level.letter) "
                + "holds at most \(available) bits; shorten the data or choose a lower error correction level."
        case let .versionOutOfRange(version):
            "QR Code versions run from 1 to 40; \(version) was requested."
        case let .maskOutOfRange(mask):
            "QR Code data mask patterns are numbered 0 to 7; \(mask) was requested."
        }
    }
}
