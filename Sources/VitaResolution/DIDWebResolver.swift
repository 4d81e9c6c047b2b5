import VitaCredentials
import VitaJSON

extension FetchedDocument {
    /// The body as JSON.
    /// - Throws: ``ResolutionError/Code/invalidDocument`` if it is not JSON.
    func json() throws(ResolutionError) -> JSONValue {
        do { return try JSONValue(parsing: body) } catch {
            throw ResolutionError(.invalidDocument, "the document at \(url) is not JSON (\(mediaType ?? "no content type")): \(error)")
        }
    }
}

/// Resolves `did:web` verification methods (`did:web:example.com#key-1`) by fetching the DID
/// document (did:web §3.2 "Read (Resolve)") and running Controlled Identifiers §3.3
/// "Retrieve Verification Method" on it: the document's `id` must be the DID, the method
/// must be in it (in `verificationMethod` or embedded in a relationship), controlled by the
/// DID, and listed under a verification relationship (by reference or embedded); the
/// relationships are returned, so the verifier enforces `assertionMethod`.
///
/// Keys: `publicKeyMultibase` (Multikey, Ed25519VerificationKey2020), `publicKeyJwk`
/// (JsonWebKey / JsonWebKey2020, Ed25519 and P-256), `publicKeyBase58` (Ed25519VerificationKey2018).
public struct DIDWebResolver: VerificationMethodResolver {
    /// The `Accept` header of DID document requests.
    public static let accept = "application/did+json, application/did+ld+json;q=0.9, application/ld+json;q=0.8, application/json;q=0.8"

    /// The HTTP client (policy, cache, offline mode).
    public let client: ResolutionHTTPClient

    /// A did:web resolver over `client`.
    public init(client: ResolutionHTTPClient) { self.client = client }

    public func resolve(_ verificationMethodID: String) async throws(CredentialError) -> VerificationMethod {
        do { return try await method(verificationMethodID) } catch {
            throw error.credentialError(.unresolvableVerificationMethod)
        }
    }

    /// The verification method `verificationMethodID` (a did:web DID URL with a fragment).
    /// - Throws: ``ResolutionError``.
    public func method(_ verificationMethodID: String) async throws(ResolutionError) -> VerificationMethod {
        guard verificationMethodID.contains("#") else {
            _ = try Self.parse(verificationMethodID)
            throw ResolutionError(.invalidIdentifier, "\(verificationMethodID) names a DID, not a verification method (no fragment)")
        }
        return try await controllerDocument(verificationMethodID).method(verificationMethodID)
    }

    /// The DID document of `did` (a did:web DID, or a DID URL whose fragment is ignored), its `id` checked.
    /// - Throws: ``ResolutionError``.
    public func document(for did: String) async throws(ResolutionError) -> JSONValue {
        .object(try await controllerDocument(did).object)
    }

    /// Fetches and checks the DID document of the DID in `didURL`.
    func controllerDocument(_ didURL: String) async throws(ResolutionError) -> ControllerDocument {
        let (did, parsed) = try Self.parse(didURL)
        let fetched = try await client.fetch(documentURL(parsed), accept: Self.accept, purpose: .didWeb)
        return try ControllerDocument(try fetched.json(), expectedID: did)
    }

    /// The DID of a did:web DID URL (fragment dropped) and its parsed form (VitaCredentials' `DIDWeb`: did:web §3.2
    /// "Read (Resolve)" — `:` → `/`, `%3A` port, `/.well-known` when there is no path, `/did.json`).
    static func parse(_ didURL: String) throws(ResolutionError) -> (String, DIDWeb) {
        let did = String(didURL.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
        do { return (did, try DIDWeb(parsing: did)) } catch {
            throw ResolutionError(.invalidIdentifier, "\(did) is not a valid did:web: \(error.reason)")
        }
    }

    /// The document URL: https, or plain http for a host the configuration allows it for.
    func documentURL(_ did: DIDWeb) -> String {
        let host = did.authority.split(separator: ":").first.map { $0.lowercased() } ?? did.authority
        guard client.configuration.allowInsecureHTTPForHosts.contains(host) else { return did.documentURL }
        return "http://" + did.documentURL.dropFirst("https://".count)
    }
}
