/// Format information (ISO/IEC 18004:2015, 7.9 and Annex C): the error correction level and data mask pattern
/// reference, extended by a BCH(15,5) code and masked with 101010000010010 so it is never all zeros.
enum FormatInformation {
    /// The 15 format information bits for a level and mask (7.9.1): 5 data bits, then the remainder of
    /// data·x¹⁰ divided by the generator G(x) = x¹⁰ + x⁸ + x⁵ + x⁴ + x² + x + 1 (0x537), XOR 0x5412.
    static func bits(level: ErrorCorrectionLevel, mask: Int) -> Int {
        let data = level.formatBits << 3 | mask
        return (data << 10 | BCH.remainder(of: data << 10, generator: 0x537, degree: 10)) ^ 0x5412
    }

    /// Writes the 15 bits in both copies (7.9.1, Figure 25) and the dark module at (4V + 9, 8) (7.9.1).
    /// Bit 14 is the most significant.
    static func draw(_ bits: Int, into matrix: inout ModuleMatrix) {
        let size = matrix.size
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        // First copy, around the upper-left finder pattern: bits 0–7 down column 8 (skipping the timing row),
        // bits 8–14 leftwards along row 8 (skipping the timing column).
        for index in 0...5 {
            matrix.setFunction(row: index, column: 8, dark: bit(index))
        }
        matrix.setFunction(row: 7, column: 8, dark: bit(6))
        matrix.setFunction(row: 8, column: 8, dark: bit(7))
        matrix.setFunction(row: 8, column: 7, dark: bit(8))
        for index in 9..<15 {
            matrix.setFunction(row: 8, column: 14 - index, dark: bit(index))
        }
        // Second copy: bits 0–7 leftwards along row 8 from the right edge, bits 8–14 down column 8 near the bottom.
        for index in 0..<8 {
            matrix.setFunction(row: 8, column: size - 1 - index, dark: bit(index))
        }
        for index in 8..<15 {
            matrix.setFunction(row: size - 15 + index, column: 8, dark: bit(index))
        }
        matrix.setFunction(row: size - 8, column: 8, dark: true)
    }
}

/// Version information (ISO/IEC 18004:2015, 7.10 and Annex D), for versions 7 and up: 6 version bits extended
/// by a BCH(18,6) code, unmasked.
enum VersionInformation {
    /// The 18 version information bits: the version in 6 bits, then the remainder of version·x¹² divided by
    /// G(x) = x¹² + x¹¹ + x¹⁰ + x⁹ + x⁸ + x⁵ + x² + 1 (0x1F25) (7.10).
    static func bits(version: Int) -> Int {
        version << 12 | BCH.remainder(of: version << 12, generator: 0x1F25, degree: 12)
    }

    /// Writes both 6 × 3 blocks (7.10, Figure 27): bit i at row i / 3, column size − 11 + i % 3 (upper right)
    /// and transposed (lower left). Bit 0 is the least significant.
    static func draw(version: Int, into matrix: inout ModuleMatrix) {
        let bits = bits(version: version)
        for index in 0..<18 {
            let isDark = (bits >> index) & 1 == 1
            let near = index / 3
            let far = matrix.size - 11 + index % 3
            matrix.setFunction(row: near, column: far, dark: isDark)
            matrix.setFunction(row: far, column: near, dark: isDark)
        }
    }
}

/// Remainders of binary polynomial division, for the BCH codes of the format and version information.
enum BCH {
    static func remainder(of value: Int, generator: Int, degree: Int) -> Int {
        var remainder = value
        var shift = bitLength(remainder) - 1 - degree
        while shift >= 0 {
            if (remainder >> (shift + degree)) & 1 == 1 {
                remainder ^= generator << shift
            }
            shift -= 1
        }
        return remainder
    }

    private static func bitLength(_ value: Int) -> Int {
        var length = 0
        var rest = value
        while rest > 0 {
            length += 1
            rest >>= 1
        }
        return length
    }
}
