import VitaCredentials

/// The verification method resolver of an online verifier: `did:key` offline
/// (``DIDKeyResolver``), `did:web` with ``DIDWebResolver``, `https` (and `http` for allowed
/// hosts) with ``HTTPSControllerResolver``; anything else fails with DIDKeyResolver's reason.
///
/// Dispatching by scheme (rather than chaining) keeps each failure's reason precise, e.g.
/// "offline mode: did:web resolution disabled" or "… did not answer within 5 seconds".
public struct NetworkVerificationMethodResolver: VerificationMethodResolver {
    /// The did:web resolver.
    public let didWeb: DIDWebResolver
    /// The https resolver.
    public let https: HTTPSControllerResolver

    /// A resolver over `client`; `fragmentKeyFallback` as in ``HTTPSControllerResolver``.
    public init(client: ResolutionHTTPClient,
                fragmentKeyFallback: HTTPSControllerResolver.FragmentKeyFallback = .never) {
        didWeb = DIDWebResolver(client: client)
        https = HTTPSControllerResolver(client: client, fragmentKeyFallback: fragmentKeyFallback)
    }

    public func resolve(_ verificationMethodID: String) async throws(CredentialError) -> VerificationMethod {
        if verificationMethodID.hasPrefix("did:web:") { return try await didWeb.resolve(verificationMethodID) }
        if verificationMethodID.hasPrefix("https://") || verificationMethodID.hasPrefix("http://") {
            return try await https.resolve(verificationMethodID)
        }
        return try await DIDKeyResolver().resolve(verificationMethodID)
    }
}

extension ResolutionHTTPClient {
    /// did:key, did:web and https verification methods over this client.
    public var verificationMethodResolver: NetworkVerificationMethodResolver {
        NetworkVerificationMethodResolver(client: self)
    }

    /// Status lists over this client.
    public var statusListResolver: HTTPStatusListResolver { HTTPStatusListResolver(client: self) }
}
