/// Data masking (ISO/IEC 18004:2015, 7.8): the eight mask patterns and the evaluation that picks one.
enum DataMasking {
    /// Whether the mask pattern with reference `mask` inverts the module at row i, column j (7.8.2, Table 10).
    static func inverts(mask: Int, row i: Int, column j: Int) -> Bool {
        switch mask {
        case 0: (i + j) % 2 == 0
        case 1: i % 2 == 0
        case 2: j % 3 == 0
        case 3: (i + j) % 3 == 0
        case 4: (i / 2 + j / 3) % 2 == 0
        case 5: (i * j) % 2 + (i * j) % 3 == 0
        case 6: ((i * j) % 2 + (i * j) % 3) % 2 == 0
        default: ((i + j) % 2 + (i * j) % 3) % 2 == 0
        }
    }

    /// XORs the mask pattern onto every module of the encoding region (not onto function patterns, 7.8.1).
    static func apply(mask: Int, to matrix: inout ModuleMatrix) {
        let size = matrix.size
        for row in 0..<size {
            for column in 0..<size where !matrix.isFunction[row * size + column] {
                if inverts(mask: mask, row: row, column: column) {
                    matrix.dark[row * size + column].toggle()
                }
            }
        }
    }

    /// The penalty score of a complete symbol (7.8.3, Table 11); lower is better.
    ///
    /// - N1 = 3: each run of five or more same-coloured modules in a row or column scores 3 + (run − 5).
    /// - N2 = 3: each 2 × 2 block of one colour scores 3 (overlapping blocks counted separately).
    /// - N3 = 40: each 1:1:3:1:1 (dark:light:dark:light:dark) pattern in a row or column with four light modules
    ///   before or after it scores 40; the area outside the symbol counts as light, and a pattern with light on
    ///   both sides counts twice.
    /// - N4 = 10: 10 points for each full 5 % by which the proportion of dark modules deviates from 50 %.
    static func penalty(_ matrix: ModuleMatrix) -> Int {
        let size = matrix.size
        var score = 0
        var line = [Bool](repeating: false, count: size)
        for direction in 0..<2 {
            for fixed in 0..<size {
                for moving in 0..<size {
                    line[moving] = direction == 0 ? matrix[fixed, moving] : matrix[moving, fixed]
                }
                score += runPenalty(line) + finderLikePenalty(line)
            }
        }
        for row in 0..<(size - 1) {
            for column in 0..<(size - 1) {
                let colour = matrix[row, column]
                if matrix[row, column + 1] == colour, matrix[row + 1, column] == colour,
                    matrix[row + 1, column + 1] == colour
                {
                    score += 3
                }
            }
        }
        let darkCount = matrix.dark.reduce(0) { $0 + ($1 ? 1 : 0) }
        let total = size * size
        score += 10 * (abs(20 * darkCount - 10 * total) / total)
        return score
    }

    /// N1 for one row or column.
    private static func runPenalty(_ line: [Bool]) -> Int {
        var score = 0
        var runLength = 1
        for index in 1...line.count {
            if index < line.count, line[index] == line[index - 1] {
                runLength += 1
            } else {
                if runLength >= 5 {
                    score += 3 + runLength - 5
                }
                runLength = 1
            }
        }
        return score
    }

    /// N3 for one row or column: occurrences of 0000 1011101 and 1011101 0000 in an 11-module window sliding
    /// along the line, with four light modules added at each end because the area outside the symbol is light.
    private static func finderLikePenalty(_ line: [Bool]) -> Int {
        let lightBefore = 0b000_0101_1101
        let lightAfter = 0b101_1101_0000
        var window = 0
        var score = 0
        for index in 0..<(line.count + 4) {
            window = (window << 1 | (index < line.count && line[index] ? 1 : 0)) & 0x7FF
            // The window covers modules index − 10 … index; it is complete from index 6 on (four padding
            // modules before the line).
            if index >= 6, window == lightBefore || window == lightAfter {
                score += 40
            }
        }
        return score
    }
}
