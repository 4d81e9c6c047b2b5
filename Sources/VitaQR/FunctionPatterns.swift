/// A square grid of modules under construction: which are dark, and which belong to function patterns or the
/// format and version information (so that codeword placement and masking leave them alone).
struct ModuleMatrix: Sendable {
    let size: Int
    var dark: [Bool]
    var isFunction: [Bool]

    init(size: Int) {
        self.size = size
        dark = [Bool](repeating: false, count: size * size)
        isFunction = [Bool](repeating: false, count: size * size)
    }

    subscript(row: Int, column: Int) -> Bool {
        get { dark[row * size + column] }
        set { dark[row * size + column] = newValue }
    }

    /// Sets a function module: its colour, and marks it as not for data.
    mutating func setFunction(row: Int, column: Int, dark isDark: Bool) {
        dark[row * size + column] = isDark
        isFunction[row * size + column] = true
    }
}

/// Symbol sizes and the number of modules left for data (ISO/IEC 18004:2015, 6.3.1 and 7.5.1, Table 1).
enum SymbolGeometry {
    /// The side of a version's symbol in modules: 21 for version 1, four more per version (6.3.1).
    static func size(version: Int) -> Int { 17 + 4 * version }

    /// The modules of a symbol left for data and error correction codewords and remainder bits (Table 1,
    /// "data modules except format and version information" plus the remainder bits): all modules minus the
    /// three finder patterns with their separators and the format information around them (3 × 64 + 31, the
    /// dark module included), the timing patterns between the separators, the alignment patterns (minus the
    /// timing modules they cover) and, from version 7, the two 6 × 3 version information blocks.
    static func dataModuleCount(version: Int) -> Int {
        let size = size(version: version)
        var count = size * size - 3 * 64 - 31 - 2 * (size - 16)
        let positions = FunctionPatterns.alignmentPatternCentres(version: version).count
        if positions > 0 {
            let patterns = positions * positions - 3
            let onTimingPatterns = 2 * (positions - 2)
            count -= 25 * patterns - 5 * onTimingPatterns
        }
        if version >= 7 {
            count -= 2 * 18
        }
        return count
    }
}

/// The function patterns (ISO/IEC 18004:2015, 6.3.2–6.3.5): finder patterns with their separators, timing
/// patterns, alignment patterns and the dark module, and the reserved areas of the format and version information.
enum FunctionPatterns {
    /// Draws every function pattern of a version and reserves the format (and version) information areas.
    static func draw(into matrix: inout ModuleMatrix, version: Int) {
        let size = matrix.size
        // 6.3.4 Timing patterns: row 6 and column 6 alternate dark and light, dark at even positions.
        for index in 0..<size {
            matrix.setFunction(row: 6, column: index, dark: index % 2 == 0)
            matrix.setFunction(row: index, column: 6, dark: index % 2 == 0)
        }
        // 6.3.2 Finder patterns at three corners, each with its one-module light separator (6.3.3).
        drawFinderPattern(into: &matrix, centreRow: 3, centreColumn: 3)
        drawFinderPattern(into: &matrix, centreRow: 3, centreColumn: size - 4)
        drawFinderPattern(into: &matrix, centreRow: size - 4, centreColumn: 3)
        // 6.3.5 Alignment patterns at every pair of Annex E centres, except where they would overlap a finder.
        let centres = alignmentPatternCentres(version: version)
        for (rowIndex, row) in centres.enumerated() {
            for (columnIndex, column) in centres.enumerated() {
                let last = centres.count - 1
                let onFinder = (rowIndex == 0 && columnIndex == 0) || (rowIndex == 0 && columnIndex == last)
                    || (rowIndex == last && columnIndex == 0)
                if !onFinder {
                    drawAlignmentPattern(into: &matrix, centreRow: row, centreColumn: column)
                }
            }
        }
        // Reserve the format information (7.9.1) and the dark module; their bits are written after masking.
        FormatInformation.draw(0, into: &matrix)
        if version >= 7 {
            VersionInformation.draw(version: version, into: &matrix)
        }
    }

    /// A 7 × 7 finder pattern (dark ring, light ring, 3 × 3 dark centre) and its light separator: the 9 × 9
    /// square around the centre, clipped to the symbol.
    private static func drawFinderPattern(into matrix: inout ModuleMatrix, centreRow: Int, centreColumn: Int) {
        for rowOffset in -4...4 {
            for columnOffset in -4...4 {
                let row = centreRow + rowOffset
                let column = centreColumn + columnOffset
                guard row >= 0, row < matrix.size, column >= 0, column < matrix.size else { continue }
                let ring = max(abs(rowOffset), abs(columnOffset))
                matrix.setFunction(row: row, column: column, dark: ring != 2 && ring != 4)
            }
        }
    }

    /// A 5 × 5 alignment pattern: dark ring, light ring, single dark centre.
    private static func drawAlignmentPattern(into matrix: inout ModuleMatrix, centreRow: Int, centreColumn: Int) {
        for rowOffset in -2...2 {
            for columnOffset in -2...2 {
                let ring = max(abs(rowOffset), abs(columnOffset))
                matrix.setFunction(row: centreRow + rowOffset, column: centreColumn + columnOffset, dark: ring != 1)
            }
        }
    }

    /// The row/column coordinates of alignment pattern centres (Annex E, Table E.1); empty for version 1.
    static func alignmentPatternCentres(version: Int) -> [Int] {
        guard version >= 2, version <= 40 else { return [] }
        return alignmentTable[version - 2]
    }

    /// Annex E, Table E.1, versions 2–40.
    private static let alignmentTable: [[Int]] = [
        [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
        [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54], [6, 32, 58], [6, 34, 62],
        [6, 26, 46, 66], [6, 26, 48, 70], [6, 26, 50, 74], [6, 30, 54, 78], [6, 30, 56, 82], [6, 30, 58, 86],
        [6, 34, 62, 90],
        [6, 28, 50, 72, 94], [6, 26, 50, 74, 98], [6, 30, 54, 78, 102], [6, 28, 54, 80, 106],
        [6, 32, 58, 84, 110], [6, 30, 58, 86, 114], [6, 34, 62, 90, 118],
        [6, 26, 50, 74, 98, 122], [6, 30, 54, 78, 102, 126], [6, 26, 52, 78, 104, 130],
        [6, 30, 56, 82, 108, 134], [6, 34, 60, 86, 112, 138], [6, 30, 58, 86, 114, 142],
        [6, 34, 62, 90, 118, 146],
        [6, 30, 54, 78, 102, 126, 150], [6, 24, 50, 76, 102, 128, 154], [6, 28, 54, 80, 106, 132, 158],
        [6, 32, 58, 84, 110, 136, 162], [6, 26, 54, 82, 110, 138, 166], [6, 30, 58, 86, 114, 142, 170],
    ]
}
