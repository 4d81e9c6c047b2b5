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
    /// The data mode the content was encoded in.
    public let mode: DataMode
    /// The number of modules on each side, without the quiet zone.
    public let size: Int
    private let modules: [Bool]

    /// Encodes text as its UTF-8 bytes, in numeric, alphanumeric or byte mode, whichever is the most compact.
    ///
    /// - Parameters:
    ///   - text: The content.
    ///   - level: The error correction level; M by default.
    ///   - version: A version to use instead of the smallest that fits.
    ///   - mask: A data mask pattern reference to use instead of the one with the lowest penalty.
    /// - Throws: ``QRCodeError/dataTooLong(bitsNeeded:bitsAvailable:version:level:)`` when the text does not fit
    ///   (version 40, or the requested version), ``QRCodeError/versionOutOfRange(_:)``,
    ///   ``QRCodeError/maskOutOfRange(_:)``.
    public init(
        text: String, level: ErrorCorrectionLevel = .medium, version: Int? = nil, mask: Int? = nil
    ) throws(QRCodeError) {
        try self.init(bytes: Array(text.utf8), level: level, version: version, mask: mask)
    }

    /// Encodes bytes, in numeric, alphanumeric or byte mode, whichever is the most compact.
    /// Parameters and errors are those of ``init(text:level:version:mask:)``.
    public init(
        bytes: [UInt8], level: ErrorCorrectionLevel = .medium, version: Int? = nil, mask: Int? = nil
    ) throws(QRCodeError) {
        if let version, !(1...40).contains(version) { throw .versionOutOfRange(version) }
        if let mask, !(0...7).contains(mask) { throw .maskOutOfRange(mask) }
        let segment = Segment.mostCompact(for: bytes)
        let chosenVersion = try Self.version(for: segment, level: level, requested: version)
        let characteristics = ErrorCorrectionCharacteristics(version: chosenVersion, level: level)
        let data = FinalMessage.dataCodewords(
            segments: [segment], version: chosenVersion, capacity: characteristics.dataCodewords)
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
        self.mode = segment.mode
        self.size = chosen.matrix.size
        self.modules = chosen.matrix.dark
    }

    /// Whether the module at `row`, `column` (0-based, from the upper left) is dark. Positions outside the
    /// symbol are light, like the quiet zone around it.
    public subscript(row: Int, column: Int) -> Bool {
        guard row >= 0, row < size, column >= 0, column < size else { return false }
        return modules[row * size + column]
    }

    /// The requested version if the segment fits it, else the smallest version that holds the segment at the
    /// level (7.4.10, Table 7, computed from Table 9).
    private static func version(
        for segment: Segment, level: ErrorCorrectionLevel, requested: Int?
    ) throws(QRCodeError) -> Int {
        let candidates = requested.map { $0...$0 } ?? 1...40
        for version in candidates {
            let available = ErrorCorrectionCharacteristics(version: version, level: level).dataCodewords * 8
            if let needed = segment.bitLength(version: version), needed <= available {
                return version
            }
        }
        let last = candidates.upperBound
        let available = ErrorCorrectionCharacteristics(version: last, level: level).dataCodewords * 8
        let countBits = segment.mode.characterCountBits(version: last)
        throw .dataTooLong(
            bitsNeeded: 4 + countBits + segment.data.count, bitsAvailable: available, version: last, level: level)
    }
}
