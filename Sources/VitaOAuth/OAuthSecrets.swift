import Crypto
import Foundation
import VitaCore

/// Secrets the authorization server hands out: authorization codes, access and refresh tokens, client secrets, the
/// CSRF tokens of consent pages, and the pre-authorized codes and access tokens of OpenID4VCI credential offers.
///
/// Each is 256 bits from the system's secure random generator, base64url-encoded behind a short prefix that says
/// what it is (so the authentication middleware can tell a token from an API key, and a leaked value is
/// recognisable). Only the SHA-256 of a secret is stored: the values have full entropy, so a fast hash suffices
/// (RFC 6749 §10.3, §10.5; RFC 6819 §5.1.4.1.3).
public enum OAuthSecret {
    /// What a secret is for, and its prefix.
    public enum Kind: String, Sendable, CaseIterable {
        case authorizationCode = "vac_"
        case accessToken = "vat_"
        case refreshToken = "vrt_"
        case clientSecret = "vcs_"
        case csrfToken = "vcf_"
        /// OpenID4VCI: the pre-authorized code of a credential offer.
        case preAuthorizedCode = "vpc_"
        /// OpenID4VCI: the access token a pre-authorized code is exchanged for; it fetches the offered credential only.
        case credentialAccessToken = "vct_"
        /// A VC-API exchange's secret: the last segment of its URL, which answers the offered credential once.
        case exchange = "vxe_"
        /// A verifier's VC-API exchange: the last segment of the URL a wallet app presents credentials to.
        case presentationExchange = "vxp_"
        /// The page where a verifier reads what a wallet app presented.
        case presentationView = "vpv_"
        /// The key of a connected system's change notifications' HMAC-SHA256 signatures (kept sealed, not hashed:
        /// Vita signs with it).
        case notificationSecret = "vns_"
    }

    /// A new secret of `kind` with the hash to store.
    public static func make(_ kind: Kind) -> (value: String, hash: String) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let value = kind.rawValue + PKCE.base64URL(bytes)
        return (value, hash(value))
    }

    /// A secret of `kind` derived one-way from `secret`: SHA-256 of the label and the secret, behind the kind's prefix.
    /// Whoever holds `secret` can compute it; whoever holds it learns nothing of `secret`.
    public static func derive(_ kind: Kind, from secret: String, label: String) -> String {
        kind.rawValue + PKCE.base64URL(Array(SHA256.hash(data: Array((label + "|" + secret).utf8))))
    }

    /// The stored form of a secret: lowercase hex SHA-256 of its whole text.
    public static func hash(_ value: String) -> String {
        ContentDigest.hex(SHA256.hash(data: Array(value.utf8)))
    }

    /// The kind of a presented value when it is shaped like one of Vita's secrets (prefix and 43 base64url
    /// characters); nil otherwise.
    public static func kind(of value: String) -> Kind? {
        guard value.utf8.count == 47 else { return nil }
        let body = value.utf8.dropFirst(4)
        guard body.allSatisfy({ PKCE.isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
            return nil
        }
        return Kind.allCases.first { value.hasPrefix($0.rawValue) }
    }

    /// Whether `value` hashes to `storedHash`, compared in constant time.
    public static func matches(_ value: String, storedHash: String) -> Bool {
        ConstantTime.equal(hash(value).utf8, storedHash.utf8)
    }
}

/// How long what the authorization server hands out stays valid.
public struct OAuthLifetimes: Sendable, Equatable {
    /// Authorization codes: at most 600 s (RFC 6749 §4.1.2 recommends 10 minutes at most; 1EdTech the same).
    public var authorizationCode: TimeInterval
    /// Access tokens: 3600 s (the 1EdTech recommendation).
    public var accessToken: TimeInterval
    /// Refresh tokens: 30 days; each use rotates the token.
    public var refreshToken: TimeInterval
    /// A pending authorization (the consent page) must be answered within this time.
    public var pendingAuthorization: TimeInterval

    /// The defaults.
    public static let standard = OAuthLifetimes(authorizationCode: 600, accessToken: 3600, refreshToken: 30 * 86_400,
                                                pendingAuthorization: 900)

    /// Creates lifetimes; the code lifetime is capped at 600 s.
    public init(authorizationCode: TimeInterval, accessToken: TimeInterval, refreshToken: TimeInterval,
                pendingAuthorization: TimeInterval) {
        self.authorizationCode = min(authorizationCode, 600)
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.pendingAuthorization = pendingAuthorization
    }
}
