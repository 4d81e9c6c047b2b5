import Foundation
import VitaCredentials
import VitaJSON

/// Fetches status list credentials (Bitstring Status List §3.2 step 4) and 1EdTech
/// revocation lists over HTTP for the verifier's `status` check.
///
/// A response with a JWT media type (`application/vc+jwt`, `application/jwt`,
/// `application/vc+ld+jwt`) is returned as the compact JWS string (§3.6; the verifier then
/// checks it with `verify(jwt:)`); anything else must be JSON. Lists are cached for the
/// shorter of `Cache-Control: max-age` and the list's `ttl` (milliseconds, §2.2 and §6.3
/// "Verifier Caching"), or the configuration's default, never longer than its `maxTTL`.
public struct HTTPStatusListResolver: StatusListResolver {
    /// The `Accept` header of status list requests.
    public static let accept = "application/vc+ld+json, application/vc+jwt, application/vc, application/ld+json;q=0.9, application/json;q=0.9, application/jwt;q=0.8"
    /// Media types whose body is a compact JWS.
    static let jwtMediaTypes: Set<String> = ["application/vc+jwt", "application/jwt", "application/vc+ld+jwt"]

    /// The HTTP client (policy, cache, offline mode).
    public let client: ResolutionHTTPClient

    /// A status list resolver over `client`.
    public init(client: ResolutionHTTPClient) { self.client = client }

    public func statusList(at url: String) async throws(CredentialError) -> JSONValue {
        do { return try await document(at: url) } catch {
            throw error.credentialError(.statusRetrieval)
        }
    }

    /// The document at `url`: a JSON value, or a string holding a VC-JWT.
    /// - Throws: ``ResolutionError``.
    public func document(at url: String) async throws(ResolutionError) -> JSONValue {
        try Self.parse(try await client.fetch(url, accept: Self.accept, purpose: .statusList, lifetime: Self.ttl))
    }

    static func parse(_ fetched: FetchedDocument) throws(ResolutionError) -> JSONValue {
        guard let type = fetched.mediaType, jwtMediaTypes.contains(type) else { return try fetched.json() }
        let text = String(decoding: fetched.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ResolutionError(.invalidDocument, "the \(type) document at \(fetched.url) is empty") }
        return .string(text)
    }

    /// The list's own `ttl` (milliseconds), if the document is a status list credential that has one.
    @Sendable static func ttl(_ fetched: FetchedDocument) -> Duration? {
        guard let value = try? parse(fetched) else { return nil }
        let credential: JSONValue
        if case .string(let jwt) = value {
            guard let jws = try? CompactJWS(parsing: jwt) else { return nil }
            credential = jws.credential
        } else {
            credential = value
        }
        guard let ttl = (try? StatusListCredential(parsing: credential))?.ttl, ttl >= 0 else { return nil }
        return .milliseconds(ttl)
    }
}
