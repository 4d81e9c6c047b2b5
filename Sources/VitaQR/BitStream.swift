/// A growing sequence of bits, most significant bit first, as the data encodation builds it
/// (ISO/IEC 18004:2015, 7.4).
struct BitStream: Sendable {
    private(set) var bits: [Bool] = []

    var count: Int { bits.count }

    /// Appends the `length` low-order bits of `value`, most significant first.
    mutating func append(_ value: Int, length: Int) {
        var shift = length - 1
        while shift >= 0 {
            bits.append((value >> shift) & 1 == 1)
            shift -= 1
        }
    }

    mutating func append(contentsOf other: BitStream) {
        bits.append(contentsOf: other.bits)
    }

    /// The stream as 8-bit codewords; a final partial byte is padded with zeros on the right (7.4.10).
    var codewords: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity((bits.count + 7) / 8)
        var current: UInt8 = 0
        for (index, bit) in bits.enumerated() {
            current = current << 1 | (bit ? 1 : 0)
            if index % 8 == 7 {
                result.append(current)
                current = 0
            }
        }
        let partial = bits.count % 8
        if partial != 0 {
            result.append(current << UInt8(8 - partial))
        }
        return result
    }
}
