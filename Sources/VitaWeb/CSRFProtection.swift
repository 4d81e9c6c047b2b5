import Crypto
import Foundation
import VitaCore

/// CSRF protection for every form: a signed double-submit token, with no node-local state.
///
/// The browser holds a random nonce in the `vita_csrf` cookie (`HttpOnly`, `SameSite=Lax`, `Secure` behind https);
/// the form carries the nonce and its issue time sealed with AES-256-GCM under the server's master key (``KeyVault``,
/// bound to the id `web-csrf`). A POST is accepted only when its token opens with the master key, names the cookie's
/// nonce and is younger than ``maxAge``. Any node holding the master key checks any node's token, so Vita scales out;
/// a site that cannot read the cookie or forge a sealed token cannot build a form that passes.
struct CSRFProtection: Sendable {
    static let cookieName = "vita_csrf"
    static let fieldName = "csrf_token"
    static let sealId = "web-csrf"
    /// How long a page's token stays usable (12 hours).
    static let maxAge: TimeInterval = 12 * 3600

    let vault: KeyVault
    let secureCookies: Bool
    let clock: @Sendable () -> Date

    /// The nonce in the request's cookies, if it looks like one of ours.
    func nonce(cookieHeader: String?) -> String? {
        guard let cookieHeader else { return nil }
        for pair in cookieHeader.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == Self.cookieName else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            if value.count == 43, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) { return value }
        }
        return nil
    }

    /// A token for a form: the request's nonce, or a new one with the `Set-Cookie` value that gives it to the browser.
    func issue(cookieHeader: String?) throws -> (token: String, setCookie: String?) {
        if let nonce = nonce(cookieHeader: cookieHeader) { return (try seal(nonce), nil) }
        let nonce = Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64URL
        var cookie = "\(Self.cookieName)=\(nonce); Path=/; HttpOnly; SameSite=Lax"
        if secureCookies { cookie += "; Secure" }
        return (try seal(nonce), cookie)
    }

    /// Whether `token` (from the form) was sealed by a Vita node for the cookie's nonce, and is recent.
    func isValid(token: String?, cookieHeader: String?) -> Bool {
        guard let token, !token.isEmpty, token.count < 512, let nonce = nonce(cookieHeader: cookieHeader),
              let opened = try? vault.open(token, id: Self.sealId) else { return false }
        let text = String(decoding: opened, as: UTF8.self)
        let parts = text.split(separator: " ")
        guard parts.count == 2, let issued = TimeInterval(parts[1]) else { return false }
        let age = clock().timeIntervalSince1970 - issued
        return ConstantTime.equal(parts[0].utf8, nonce.utf8) && age >= -300 && age <= Self.maxAge
    }

    private func seal(_ nonce: String) throws -> String {
        try vault.seal(Array("\(nonce) \(Int(clock().timeIntervalSince1970))".utf8), id: Self.sealId)
    }
}

extension Data {
    /// Base64url without padding.
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
