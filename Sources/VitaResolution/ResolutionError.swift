import VitaCredentials

/// The one error type of VitaResolution.
///
/// `code` is a stable category; `reason` a sentence naming URLs and identifiers (never
/// response bodies, keys or personal data). At the resolver protocols' boundary it becomes
/// a ``CredentialError`` (``credentialError(_:)``), which the pure verifier turns into a
/// failed or warning check with this reason.
public struct ResolutionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A category of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Offline mode is on: no request was made.
        public static let offline = Code(rawValue: "offline")
        /// The identifier or URL is malformed (bad did:web, not an absolute URL, a query, …).
        public static let invalidIdentifier = Code(rawValue: "invalid identifier")
        /// Plain `http` (or another scheme) for a host not in `allowInsecureHTTPForHosts`.
        public static let insecureURL = Code(rawValue: "insecure URL")
        /// A loopback, private or link-local address not explicitly allowed.
        public static let forbiddenAddress = Code(rawValue: "forbidden address")
        /// The connection failed or broke.
        public static let network = Code(rawValue: "network error")
        /// The request did not complete within the time limit.
        public static let timeout = Code(rawValue: "timeout")
        /// The response is larger than the size limit.
        public static let tooLarge = Code(rawValue: "response too large")
        /// The server answered with a status other than 2xx.
        public static let httpStatus = Code(rawValue: "HTTP status")
        /// Too many redirects, or a redirect without a usable `Location`.
        public static let redirect = Code(rawValue: "redirect")
        /// The response is not the JSON (or JWT) document expected.
        public static let invalidDocument = Code(rawValue: "invalid document")
        /// The document's `id` is not the identifier that was dereferenced.
        public static let idMismatch = Code(rawValue: "id mismatch")
        /// The document does not contain the verification method.
        public static let methodNotFound = Code(rawValue: "verification method not found")
        /// The method's controller is not the document, or it is listed under no verification relationship.
        public static let notAuthorized = Code(rawValue: "not authorized")
        /// A well-formed key of a type Vita cannot use (RSA JWK, P-384, …).
        public static let unsupportedKey = Code(rawValue: "unsupported key")
    }

    /// The category.
    public var code: Code
    /// What went wrong, without secrets or personal data.
    public var reason: String

    /// An error; `reason` must not contain secrets or personal data.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }

    /// The error as VitaCredentials reports it: `unsupportedKey` → `unsupported`, anything else → `fallback`
    /// (`unresolvableVerificationMethod` for method resolution, `statusRetrieval` for status lists).
    public func credentialError(_ fallback: CredentialError.Code) -> CredentialError {
        CredentialError(code == .unsupportedKey ? .unsupported : fallback, reason)
    }
}
