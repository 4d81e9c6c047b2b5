import Crypto
import Foundation
import VitaCore

/// Proof Key for Code Exchange (RFC 7636), S256 only: 1EdTech makes PKCE mandatory and `plain` is not offered.
public enum PKCE {
    /// The only accepted `code_challenge_method`.
    public static let method = "S256"

    /// RFC 7636 §4.1: `code_verifier = 43*128unreserved`, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
    public static func isWellFormedVerifier(_ verifier: String) -> Bool {
        (43...128).contains(verifier.utf8.count) && verifier.utf8.allSatisfy(isUnreserved)
    }

    /// RFC 7636 §4.2 with S256: the challenge is BASE64URL of a 32-byte SHA-256, i.e. 43 base64url characters.
    public static func isWellFormedChallenge(_ challenge: String) -> Bool {
        challenge.utf8.count == 43 && challenge.utf8.allSatisfy { byte in
            isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    /// RFC 7636 §4.2: `code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`.
    /// A new code verifier for a client (RFC 7636 §4.1: 32 random octets, base64url, 43 characters); also a fine
    /// `state` value (RFC 6749 §10.12).
    public static func makeVerifier() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    public static func challenge(for verifier: String) -> String {
        base64URL(Array(SHA256.hash(data: Array(verifier.utf8))))
    }

    /// RFC 7636 §4.6: the server recomputes the challenge from the verifier and compares it with the stored one
    /// (in time independent of where they differ).
    public static func verify(verifier: String, challenge: String) -> Bool {
        guard isWellFormedVerifier(verifier) else { return false }
        return ConstantTime.equal(Self.challenge(for: verifier).utf8, challenge.utf8)
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "~")
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// Base64url without padding (RFC 4648 §5).
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
