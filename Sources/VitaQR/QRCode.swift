/// A QR Code Model 2 symbol (ISO/IEC 18004:2015): its module matrix and the parameters it was encoded with.
///
/// Encoding follows the procedure of 7.1: data analysis and encodation (7.2–7.4), error correction (7.5), the
/// final message (7.6), the function patterns (6.3), codeword placement (7.7), data masking (7.8) and the format
/// and version information (7.9, 7.10).
///
/// ```swift
/// let code = try QRCode(text: "https://vita.example/s/3f9a", level: .medium)
/// let svg = code.svg(title: "QR code for the share link")
/// ```
public struct QRCode: Sendable, Equatable {
    /// The version, 1…40; the symbol is 17 + 4 × version modules wide.
    public let version: Int
    /// The error correction level.
    public let errorCorrectionLevel: ErrorCorrectionLevel
    /// The data mask pattern reference, 0…7.
    public let mask: Int
    /// The data modes of the content's segments, in order (one mode unless mixing modes saves bits).
    public let modes: [DataMode]
    /// The number of modules on each side, without the quiet zone.
    public let size: Int
    private let modules: [Bool]

    /// Encodes text as its UTF-8 bytes in numeric, alphanumeric and byte mode segments, mixed wherever that takes
    /// fewer bits (or in one segment with `segmentation: .single`).
    ///
    /// - Parameters:
    ///   - text: The content.
    ///   - level: The error correction level; M by default.
    ///   - version: A version to use instead of the smallest that fits.
    ///   - mask: A data mask pattern reference to use instead of the one with the lowest penalty.
    ///   - segmentation: Mixed segments (the default) or one segment in the most compact single mode.
    /// - Throws: ``QRCodeError/dataTooLong(bitsNeeded:bitsAvailable:version:level:)`` when the text does not fit
    ///   (version 40, or the requested version), ``QRCodeError/versionOutOfRange(_:)``,
    ///   ``QRCodeError/maskOutOfRange(_:)``.
    public init(
        text: String, level: ErrorCorrectionLevel = .medium, version: Int? = nil, mask: Int? = nil,
        segmentation: ModeSelection = .mixed
    ) throws(QRCodeError) {
        try self.init(bytes: Array(text.utf8), level: level, version: version, mask: mask, segmentation: segmentation)
    }

    /// Encodes bytes as ``init(text:level:version:mask:segmentation:)`` encodes text's UTF-8 bytes; parameters and
    /// errors are the same.
    public init(
        bytes: [UInt8], level: ErrorCorrectionLevel = .medium, version: Int? = nil, mask: Int? = nil,
        segmentation selection: ModeSelection = .mixed
    ) throws(QRCodeError) {
        if let version, !(1...40).contains(version) { throw .versionOutOfRange(version) }
        if let mask, !(0...7).contains(mask) { throw .maskOutOfRange(mask) }
        let (chosenVersion, segments) = try Self.version(
            for: bytes, level: level, requested: version, selection: selection)
        let characteristics = ErrorCorrectionCharacteristics(version: chosenVersion, level: level)
        let data = FinalMessage.dataCodewords(
            segments: segments, version: chosenVersion, capacity: characteristics.dataCodewords)
        let codewords = FinalMessage.interleaved(data: data, characteristics: characteristics)

        var matrix = ModuleMatrix(size: SymbolGeometry.size(version: chosenVersion))
        FunctionPatterns.draw(into: &matrix, version: chosenVersion)
        CodewordPlacement.place(codewords, into: &matrix)

        func masked(_ mask: Int) -> ModuleMatrix {
            var result = matrix
            DataMasking.apply(mask: mask, to: &result)
            FormatInformation.draw(FormatInformation.bits(level: level, mask: mask), into: &result)
            return result
        }
        // The requested mask, or the one whose symbol has the lowest penalty (7.8.3), the first on a tie.
        var chosenMask = mask ?? 0
        var chosen = masked(chosenMask)
        if mask == nil {
            var lowest = DataMasking.penalty(chosen)
            for candidate in 1...7 {
                let symbol = masked(candidate)
                let penalty = DataMasking.penalty(symbol)
                if penalty < lowest {
                    (chosenMask, chosen, lowest) = (candidate, symbol, penalty)
                }
            }
        }
        self.version = chosenVersion
        self.errorCorrectionLevel = level
        self.mask = chosenMask
        self.modes = segments.map(\.mode)
        self.size = chosen.size
        self.modules = chosen.dark
    }

    /// Whether the module at `row`, `column` (0-based, from the upper left) is dark. Positions outside the
    /// symbol are light, like the quiet zone around it.
    public subscript(row: Int, column: Int) -> Bool {
        guard row >= 0, row < size, column >= 0, column < size else { return false }
        return modules[row * size + column]
    }

    /// The requested version if the content fits it, else the smallest version that holds it at the level
    /// (7.4.10, Table 7, computed from Table 9), with the content's fewest-bit segments for that version's
    /// character count indicator lengths (Table 3).
    private static func version(
        for bytes: [UInt8], level: ErrorCorrectionLevel, requested: Int?, selection: ModeSelection
    ) throws(QRCodeError) -> (Int, [Segment]) {
        let candidates = requested.map { $0...$0 } ?? 1...40
        // No symbol holds more than 7089 characters (digits, version 40-L): longer content is refused before any
        // segmentation work, with the bits its cheapest possible encoding (all digits) would need.
        guard bytes.count <= 7089 else {
            throw .dataTooLong(
                bitsNeeded: 4 + 14 + (10 * bytes.count + 2) / 3,
                bitsAvailable: ErrorCorrectionCharacteristics(version: candidates.upperBound, level: level)
                    .dataCodewords * 8,
                version: candidates.upperBound, level: level)
        }
        var needed = 0
        for range in [1...9, 10...26, 27...40] {
            let versions = range.clamped(to: candidates)
            guard let first = versions.first else { continue }
            let segments = Segmentation.segments(for: bytes, version: first, selection: selection)
            // Every version of a range has the same indicator lengths, so the same segments and bit count.
            needed = segments.reduce(0) { $0 + $1.bitLength(version: first) }
            // A count too large for the range's indicators means content beyond the range's capacity anyway.
            guard segments.allSatisfy({ $0.countFits(version: first) }) else { continue }
            for version in versions {
                if needed <= ErrorCorrectionCharacteristics(version: version, level: level).dataCodewords * 8 {
                    return (version, segments)
                }
            }
        }
        let last = candidates.upperBound
        let available = ErrorCorrectionCharacteristics(version: last, level: level).dataCodewords * 8
        throw .dataTooLong(bitsNeeded: needed, bitsAvailable: available, version: last, level: level)
    }
}
