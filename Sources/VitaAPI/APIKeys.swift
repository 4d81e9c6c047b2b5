import Crypto
import Foundation
import VitaCore

/// API keys for connected systems and administrators: `vk.<owner id>.<secret>`.
///
/// Only the SHA-256 of the 256-bit random secret is stored; the key is shown once, at creation. A fast hash is
/// appropriate here because the secret has full entropy (no dictionary to guess from), unlike a password.
public enum APIKeys {
    /// A new key for `ownerId`, with the hash to store.
    public static func make(ownerId: String) -> (key: String, hash: String) {
        var generator = SystemRandomNumberGenerator()
        let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
            .base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return ("vk.\(ownerId).\(secret)", hash(secret: secret))
    }

    /// Splits a presented key into owner id and secret, or nil when it is not shaped like a Vita key.
    public static func parse(_ key: String) -> (ownerId: String, secret: String)? {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "vk", !parts[1].isEmpty, parts[2].count >= 40 else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    /// The stored form of a secret.
    public static func hash(secret: String) -> String {
        ContentDigest.hex(SHA256.hash(data: Array(secret.utf8)))
    }

    /// Compares a presented secret with a stored hash in time independent of where they differ.
    public static func matches(secret: String, storedHash: String) -> Bool {
        ConstantTime.equal(hash(secret: secret).utf8, storedHash.utf8)
    }
}
