/// Placing the final message in the matrix (ISO/IEC 18004:2015, 7.7.3).
enum CodewordPlacement {
    /// Places the codewords' bits, most significant first, in two-module-wide columns from the lower right
    /// corner, upwards then downwards alternately, skipping function modules and the vertical timing pattern's
    /// column; modules left over at the end are the remainder bits (7.6), left light (0) before masking.
    static func place(_ codewords: [UInt8], into matrix: inout ModuleMatrix) {
        let size = matrix.size
        let bitCount = codewords.count * 8
        var bitIndex = 0
        var right = size - 1
        var upwards = true
        while right > 0 {
            if right == 6 {
                right = 5  // column 6 is the vertical timing pattern
            }
            for step in 0..<size {
                let row = upwards ? size - 1 - step : step
                for column in [right, right - 1] where !matrix.isFunction[row * size + column] {
                    if bitIndex < bitCount {
                        let byte = codewords[bitIndex / 8]
                        matrix[row, column] = (byte >> (7 - bitIndex % 8)) & 1 == 1
                        bitIndex += 1
                    }
                }
            }
            upwards.toggle()
            right -= 2
        }
    }
}
