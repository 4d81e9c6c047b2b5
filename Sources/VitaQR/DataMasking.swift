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
    ///   before or after it scores 40, once; the area outside the symbol counts as light.
    /// - N4 = 10: 10 points for each full 5 % by which the proportion of dark modules deviates from 50 %.
    static func penalty(_ matrix: ModuleMatrix) -> Int {
        let size = matrix.size
        return matrix.dark.withUnsafeBufferPointer { modules in
            var score = 0
            for index in 0..<size {
                score += linePenalty(modules, start: index * size, stride: 1, count: size)  // row
                score += linePenalty(modules, start: index, stride: size, count: size)  // column
            }
            var darkCount = 0
            for row in 0..<size {
                for column in 0..<size {
                    let here = row * size + column
                    if modules[here] { darkCount += 1 }
                    if row + 1 < size, column + 1 < size {
                        let colour = modules[here]
                        if modules[here + 1] == colour, modules[here + size] == colour,
                            modules[here + size + 1] == colour
                        {
                            score += 3  // N2
                        }
                    }
                }
            }
            let total = size * size
            return score + 10 * (abs(20 * darkCount - 10 * total) / total)  // N4
        }
    }

    /// N1 and N3 for one row or column, the modules at start, start + stride, … (count of them).
    ///
    /// N3 slides a 15-module window along the line, four light modules added at each end (the area outside the
    /// symbol is light), and counts each 1011101 in the middle of the window with four light modules before it or
    /// after it, once.
    private static func linePenalty(
        _ modules: UnsafeBufferPointer<Bool>, start: Int, stride: Int, count: Int
    ) -> Int {
        var score = 0
        var runLength = 0
        var previous = false
        var window = 0
        for index in 0..<(count + 4) {
            let isDark = index < count && modules[start + index * stride]
            if index < count {
                if index > 0, isDark == previous {
                    runLength += 1
                } else {
                    if runLength >= 5 { score += 3 + runLength - 5 }
                    runLength = 1
                }
                previous = isDark
            } else if index == count, runLength >= 5 {
                score += 3 + runLength - 5
            }
            // The window holds modules index − 14 … index (before the line, only light modules): four before,
            // the seven of the pattern, four after.
            window = (window << 1 | (isDark ? 1 : 0)) & 0x7FFF
            if (window >> 4) & 0x7F == 0b101_1101, window >> 11 == 0 || window & 0xF == 0 {
                score += 40
            }
        }
        return score
    }
}
