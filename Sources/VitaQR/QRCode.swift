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

        var best: (mask: Int, matrix: ModuleMatrix)?
        var bestPenalty = Int.max
        for candidate in mask.map({ [$0] }) ?? Array(0...7) {
            var masked = matrix
            DataMasking.apply(mask: candidate, to: &masked)
            FormatInformation.draw(FormatInformation.bits(level: level, mask: candidate), into: &masked)
            // With one candidate there is nothing to compare, so the evaluation (7.8.3) is skipped.
            let penalty = mask == nil ? DataMasking.penalty(masked) : 0
            if penalty < bestPenalty {
                best = (candidate, masked)
                bestPenalty = penalty
            }
        }
        let chosen = best ?? (0, matrix)  // the candidate list is never empty
        self.version = chosenVersion
        self.errorCorrectionLevel = level
        self.mask = chosen.mask
        self.modes = segments.map(\.mode)
        self.size = chosen.matrix.size
        self.modules = chosen.matrix.dark
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
