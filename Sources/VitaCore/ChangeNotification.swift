import Crypto
import Foundation

/// The signature of a change notification (`docs/CHANGES.md`, "Notifications"): Vita posts to a connected system's
/// URL that changes are waiting in the feed, and signs each post with the secret the system was given, so that the
/// receiver can tell a post from Vita from anyone else's.
///
/// `Vita-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` — the time is signed with the body, so
/// a receiver refuses a post older than a few minutes and a recorded post cannot be replayed later.
public enum ChangeNotificationSignature {
    /// The header's name.
    public static let header = "Vita-Signature"

    /// The header value for `body` posted at `time` with `secret`.
    public static func sign(_ body: [UInt8], secret: [UInt8], at time: Date) -> String {
        let seconds = Int64(time.timeIntervalSince1970.rounded(.down))
        return "t=\(seconds),v1=\(mac(body, secret: secret, seconds: seconds))"
    }

    /// Whether `value` signs `body` with `secret` at a time within `tolerance` seconds of `now` (what a receiver checks).
    public static func verify(_ value: String, body: [UInt8], secret: [UInt8], now: Date, tolerance: TimeInterval = 300) -> Bool {
        var seconds: Int64?
        var signatures: [String] = []
        for part in value.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { seconds = Int64(pair[1]) }
            if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let seconds, abs(now.timeIntervalSince1970 - TimeInterval(seconds)) <= tolerance else { return false }
        let expected = mac(body, secret: secret, seconds: seconds)
        return signatures.contains { ConstantTime.equal($0.utf8, expected.utf8) }
    }

    private static func mac(_ body: [UInt8], secret: [UInt8], seconds: Int64) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array("\(seconds).".utf8) + body, using: SymmetricKey(data: secret))
        return ContentDigest.hex(code)
    }
}
