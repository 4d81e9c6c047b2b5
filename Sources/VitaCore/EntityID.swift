import Foundation

/// Identifiers Vita assigns: a type prefix, then 48 bits of milliseconds and 80 random bits in hex,
/// so that identifiers sort in creation order (cursor paging relies on it) and cannot be guessed.
public enum EntityID {
    /// A new identifier such as `lrn_0193a4c2b1f04d9e8a7c6b5a4f3e`.
    public static func make(_ prefix: String, now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var bytes: [UInt8] = (0..<6).reversed().map { UInt8(truncatingIfNeeded: millis >> (UInt64($0) * 8)) }
        // Two draws of 64 bits (each one system call) for the 80 random bits, not one draw per byte.
        let high: UInt64 = generator.next(), low: UInt64 = generator.next()
        bytes += (0..<8).map { UInt8(truncatingIfNeeded: high >> (UInt64($0) * 8)) }
        bytes += (0..<2).map { UInt8(truncatingIfNeeded: low >> (UInt64($0) * 8)) }
        return prefix + "_" + ContentDigest.hex(bytes)
    }

    /// Whether `text` could be an identifier with `prefix` (used to reject malformed path parameters early).
    public static func isWellFormed(_ text: String, prefix: String) -> Bool {
        // Bytes, not characters: every request's path parameters pass through here.
        let bytes = text.utf8, head = prefix.utf8
        guard bytes.count == head.count + 33, bytes.starts(with: head),
              bytes[bytes.index(bytes.startIndex, offsetBy: head.count)] == UInt8(ascii: "_") else { return false }
        return bytes.dropFirst(head.count + 1).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
