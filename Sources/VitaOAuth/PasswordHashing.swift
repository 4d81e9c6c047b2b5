import Crypto
import CryptoExtras
import Foundation
import VitaCore

/// Learner passwords hashed with scrypt (RFC 7914) and stored as a PHC-style string:
/// `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>` (salt and hash base64 without padding, as in the PHC string
/// format). The parameters travel with the hash, so they can be raised later without breaking stored passwords.
public struct PasswordHasher: Sendable {
    /// log2 of scrypt's cost N.
    public var logRounds: Int
    /// scrypt's block size r.
    public var blockSize: Int
    /// scrypt's parallelism p.
    public var parallelism: Int

    /// The defaults: N = 2^15, r = 8, p = 1 (32 MiB, the OWASP-recommended minimum for scrypt).
    public static let standard = PasswordHasher(logRounds: 15, blockSize: 8, parallelism: 1)

    /// Creates a hasher with the given cost.
    public init(logRounds: Int, blockSize: Int, parallelism: Int) {
        self.logRounds = logRounds
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    /// The bounds on stored parameters: a hash with larger ones is refused rather than computed, so that a tampered
    /// row cannot make a sign-in use gigabytes or minutes: scrypt's memory, 128 · r · N bytes, at most 64 MiB, and p
    /// at most 16.
    static let maxMemory = 1 << 26, maxParallelism = 16
    static let saltLength = 16, hashLength = 32

    /// The password rules: 10 to 256 characters.
    public static func check(newPassword password: String) throws {
        guard password.count >= 10 else { throw OAuthError(.weakPassword, "a password needs at least 10 characters") }
        guard password.count <= 256 else { throw OAuthError(.weakPassword, "a password has at most 256 characters") }
    }

    /// The encoded hash of `password` with a new random salt.
    public func hash(_ password: String) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<Self.saltLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let derived = try derive(password, salt: salt, logRounds: logRounds, blockSize: blockSize, parallelism: parallelism)
        return "$scrypt$ln=\(logRounds),r=\(blockSize),p=\(parallelism)$\(Self.base64(salt))$\(Self.base64(derived))"
    }

    /// Whether `password` matches `encoded`, comparing the derived keys in constant time. Throws `unreadable_hash`
    /// when `encoded` is not a hash this type wrote.
    public static func verify(_ password: String, against encoded: String) throws -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt" else {
            throw OAuthError(.unreadableHash, "not a scrypt hash")
        }
        var parameters: [String: Int] = [:]
        for pair in parts[2].split(separator: ",") {
            let keyValue = pair.split(separator: "=")
            guard keyValue.count == 2, let value = Int(keyValue[1]) else {
                throw OAuthError(.unreadableHash, "unreadable scrypt parameters")
            }
            parameters[String(keyValue[0])] = value
        }
        guard let logRounds = parameters["ln"], let blockSize = parameters["r"], let parallelism = parameters["p"],
              (1...26).contains(logRounds), (1...64).contains(blockSize), (1...maxParallelism).contains(parallelism),
              128 * blockSize << logRounds <= maxMemory,
              let salt = unbase64(String(parts[3])), let expected = unbase64(String(parts[4])),
              !salt.isEmpty, expected.count == hashLength else {
            throw OAuthError(.unreadableHash, "scrypt parameters out of bounds")
        }
        let derived = try PasswordHasher.standard.derive(password, salt: salt, logRounds: logRounds, blockSize: blockSize,
                                                         parallelism: parallelism)
        return ConstantTime.equal(derived, expected)
    }

    /// Whether `encoded` was made with weaker parameters than this hasher's (so it should be re-hashed on sign-in).
    public func needsRehash(_ encoded: String) -> Bool {
        !encoded.hasPrefix("$scrypt$ln=\(logRounds),r=\(blockSize),p=\(parallelism)$")
    }

    func derive(_ password: String, salt: [UInt8], logRounds: Int, blockSize: Int, parallelism: Int) throws -> [UInt8] {
        do {
            let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: Self.hashLength,
                                               rounds: 1 << logRounds, blockSize: blockSize, parallelism: parallelism)
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw OAuthError(.unreadableHash, "scrypt failed with these parameters")
        }
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    static func unbase64(_ text: String) -> [UInt8]? {
        var padded = text
        while padded.count % 4 != 0 { padded += "=" }
        return Data(base64Encoded: padded).map(Array.init)
    }
}

/// Locks a learner account after repeated failed sign-ins, with exponential back-off.
///
/// After `threshold` consecutive failures the account is locked for `baseLock`; every further failure doubles the
/// lock, up to `maxLock`. A success resets the count. While locked, even the right password is refused (so a guesser
/// learns nothing during the lock).
public struct LockoutPolicy: Sendable, Equatable {
    /// Failures before the first lock.
    public var threshold: Int
    /// The first lock's length.
    public var baseLock: TimeInterval
    /// The longest lock.
    public var maxLock: TimeInterval

    /// The defaults: 5 failures, then 1 minute, doubling up to 1 hour.
    public static let standard = LockoutPolicy(threshold: 5, baseLock: 60, maxLock: 3600)

    /// Creates a policy.
    public init(threshold: Int, baseLock: TimeInterval, maxLock: TimeInterval) {
        self.threshold = threshold
        self.baseLock = baseLock
        self.maxLock = maxLock
    }

    /// The account state after a failed attempt at `now`, given the failures before it.
    public func afterFailure(previousFailures: Int, now: Date) -> (failures: Int, lockedUntil: Date?) {
        let failures = previousFailures + 1
        guard failures >= threshold else { return (failures, nil) }
        let doublings = min(failures - threshold, 30)
        let lock = min(baseLock * pow(2, Double(doublings)), maxLock)
        return (failures, now.addingTimeInterval(lock))
    }

    /// Whether the account is locked at `now`.
    public func isLocked(lockedUntil: Date?, now: Date) -> Bool {
        guard let lockedUntil else { return false }
        return now < lockedUntil
    }
}
