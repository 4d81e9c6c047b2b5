import Foundation
import Synchronization

/// Identifiers Vita assigns: a type prefix, then 48 bits of milliseconds and 80 random bits in hex,
/// so that identifiers sort in creation order (cursor paging relies on it) and cannot be guessed.
public enum EntityID {
    /// The newest identifier's time and random bits, so that the next one made in the same millisecond sorts after it.
    private static let last = Mutex<(millis: UInt64, high: UInt64)>((0, 0))

    /// A new identifier such as `lrn_0193a4c2b1f04d9e8a7c6b5a4f3e`.
    ///
    /// Identifiers made by this process sort in the order they were made, also within one millisecond or when the
    /// clock went back (as ULIDs do): the next one then keeps the last one's milliseconds, and its first 64 random bits
    /// are the last one's plus a random step of up to 2⁴⁰, with 16 fresh bits after them, so that 56 bits stay
    /// unguessable from the identifier before.
    public static func make(_ prefix: String, now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let clock = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        // Two draws of 64 bits (each one system call) for the 80 random bits, not one draw per byte.
        let drawn: UInt64 = generator.next(), low: UInt64 = generator.next()
        let (millis, high) = last.withLock { last -> (UInt64, UInt64) in
            var next = (millis: clock, high: drawn)
            if clock <= last.millis {
                let (stepped, overflow) = last.high.addingReportingOverflow(1 + drawn >> 24)
                next = overflow ? (last.millis + 1, drawn) : (last.millis, stepped)
            }
            last = next
            return next
        }
        var bytes: [UInt8] = (0..<6).reversed().map { UInt8(truncatingIfNeeded: millis >> (UInt64($0) * 8)) }
        bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: high >> (UInt64($0) * 8)) }
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
