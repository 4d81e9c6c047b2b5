/// Arithmetic in GF(2⁸) with the QR Code field's prime polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D), and the
/// Reed–Solomon error correction codewords of one block (ISO/IEC 18004:2015, 7.5.2 and Annex A).
enum ReedSolomon {
    /// exp[i] = αⁱ for i in 0..<510 (doubled so products need no modulo), α = 2.
    private static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for index in 0..<255 {
            table[index] = UInt8(value)
            table[index + 255] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 {
                value ^= 0x11D
            }
        }
        return table
    }()

    /// log[x] = i with αⁱ = x, for x in 1…255 (log[0] is unused).
    private static let log: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for index in 0..<255 {
            table[Int(exp[index])] = index
        }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exp[log[Int(a)] + log[Int(b)]]
    }

    /// The generator polynomial of degree n, g(x) = (x − α⁰)(x − α¹)…(x − αⁿ⁻¹) (Annex A), as its n coefficients
    /// below the leading 1, highest degree first.
    static func generatorPolynomial(degree: Int) -> [UInt8] {
        var coefficients: [UInt8] = [1]  // highest degree first, leading coefficient included
        for power in 0..<degree {
            let root = exp[power]
            var next = [UInt8](repeating: 0, count: coefficients.count + 1)
            for (index, coefficient) in coefficients.enumerated() {
                next[index] ^= coefficient  // × x
                next[index + 1] ^= multiply(coefficient, root)  // × α^power (minus is plus in GF(2⁸))
            }
            coefficients = next
        }
        return Array(coefficients.dropFirst())
    }

    /// The error correction codewords of a block (7.5.2): the remainder of data(x)·xⁿ divided by g(x), highest
    /// degree first.
    static func errorCorrectionCodewords(for data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var remainder = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ remainder[0]
            remainder.removeFirst()
            remainder.append(0)
            for index in 0..<generator.count {
                remainder[index] ^= multiply(generator[index], factor)
            }
        }
        return remainder
    }
}
