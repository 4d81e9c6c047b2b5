/// The error type of VitaOAuth. `code` is the wire error code of RFC 6749 §4.1.2.1 / §5.2, RFC 7591 §3.2.2 and
/// RFC 7009 §2.2.1 where one applies; `reason` says what went wrong and never contains a secret, token or password.
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, CaseIterable {
        /// RFC 6749: the request is missing a parameter, repeats one, or is otherwise malformed.
        case invalidRequest = "invalid_request"
        /// RFC 6749 §5.2: client authentication failed (unknown client, wrong secret, revoked client).
        case invalidClient = "invalid_client"
        /// RFC 6749 §5.2: the code or refresh token is invalid, expired, revoked, used, or bound to another client,
        /// redirect URI or PKCE verifier.
        case invalidGrant = "invalid_grant"
        /// RFC 6749: the client may not use this grant type.
        case unauthorizedClient = "unauthorized_client"
        /// RFC 6749 §5.2: the grant type is not supported.
        case unsupportedGrantType = "unsupported_grant_type"
        /// RFC 6749 §4.1.2.1: the response type is not supported.
        case unsupportedResponseType = "unsupported_response_type"
        /// RFC 6749: the scope is unknown, malformed, or exceeds what was granted.
        case invalidScope = "invalid_scope"
        /// RFC 6749 §4.1.2.1: the learner denied the request.
        case accessDenied = "access_denied"
        /// RFC 7591 §3.2.2: a redirect URI is not acceptable.
        case invalidRedirectURI = "invalid_redirect_uri"
        /// RFC 7591 §3.2.2: a metadata field is missing or not acceptable.
        case invalidClientMetadata = "invalid_client_metadata"
        /// RFC 7009 §2.2.1: the server does not revoke this kind of token.
        case unsupportedTokenType = "unsupported_token_type"
        /// Learner sign-in: the login name or password is wrong (which one is never said).
        case invalidCredentials = "invalid_credentials"
        /// Learner sign-in: the account is locked after repeated failures until `lockedUntil`.
        case accountLocked = "account_locked"
        /// A new password does not meet the password rules.
        case weakPassword = "weak_password"
        /// A stored password hash cannot be read (unknown algorithm or parameters out of bounds).
        case unreadableHash = "unreadable_hash"
    }

    /// What went wrong.
    public let code: Code
    /// Details for people; names no secret, token or password.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }

    /// Errors are equal when their codes are: the reason is for people, not for matching.
    public static func == (lhs: OAuthError, rhs: OAuthError) -> Bool { lhs.code == rhs.code }
}
