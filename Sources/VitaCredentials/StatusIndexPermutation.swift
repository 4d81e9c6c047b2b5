import Crypto
import Foundation

/// A keyed permutation of the indexes `0 ..< count` of a Bitstring Status List, so that an issuer can hand out
/// indexes from a counter (each exactly once: never reused) while the indexes themselves look random.
///
/// Bitstring Status List v1.0 §6.1 "Data Minimization and Correlation" and §6.4 "Group Privacy" ask issuers to
/// assign indexes randomly rather than sequentially, so that an index reveals nothing about when a credential was
/// issued or about its neighbours. A counter `n` maps to `index(for: n)`, a bijection on `0 ..< count`: a
/// balanced Feistel network (four rounds, HMAC-SHA-256 round function keyed by a per-list key) over the smallest
/// even-width power of two ≥ `count`, with cycle walking to stay inside `0 ..< count` (Black and Rogaway 2002).
public struct StatusIndexPermutation: Sendable {
    /// The number of indexes permuted.
    public let count: Int
    private let key: SymmetricKey
    private let halfBits: Int
    private let halfMask: UInt64

    /// Creates the permutation of `0 ..< count` keyed by `key` (32 random bytes, stored with the list).
    /// - Throws: ``CredentialError/Code/malformedStatusList`` for a count below 1 or above 2^40, or a key shorter than 16 bytes.
    public init(count: Int, key: [UInt8]) throws(CredentialError) {
        guard count >= 1, count <= 1 << 40 else {
            throw CredentialError(.malformedStatusList, "a status list permutation needs 1 to 2^40 indexes")
        }
        guard key.count >= 16 else { throw CredentialError(.malformedStatusList, "the permutation key is shorter than 16 bytes") }
        self.count = count
        self.key = SymmetricKey(data: key)
        var bits = 2
        while (1 << bits) < count { bits += 2 }
        halfBits = bits / 2
        halfMask = (1 << UInt64(halfBits)) - 1
    }

    /// A fresh random permutation key.
    public static func generateKey() -> [UInt8] {
        Array(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    /// The status list index handed out for the `sequence`-th allocation (`0 ..< count`).
    /// - Throws: ``CredentialError/Code/statusRange`` when `sequence` is outside `0 ..< count` (the list is full).
    public func index(for sequence: Int) throws(CredentialError) -> Int {
        guard sequence >= 0, sequence < count else {
            throw CredentialError(.statusRange, "allocation \(sequence) is outside a list of \(count) entries")
        }
        // Cycle walking: the Feistel network permutes 0 ..< 2^(2·halfBits) ⊇ 0 ..< count; re-apply it until the
        // value falls inside. The walk ends because the permutation's cycle through `sequence` returns into range.
        var value = UInt64(sequence)
        repeat {
            value = feistel(value)
        } while value >= UInt64(count)
        return Int(value)
    }

    private func feistel(_ value: UInt64) -> UInt64 {
        var left = value >> UInt64(halfBits)
        var right = value & halfMask
        for round in 0 ..< 4 {
            let next = left ^ roundFunction(round: round, right)
            left = right
            right = next
        }
        return (left << UInt64(halfBits)) | right
    }

    private func roundFunction(round: Int, _ half: UInt64) -> UInt64 {
        var message = [UInt8(round)]
        withUnsafeBytes(of: half.bigEndian) { message.append(contentsOf: $0) }
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        let prefix = mac.withUnsafeBytes { bytes in bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        return prefix & halfMask
    }
}
