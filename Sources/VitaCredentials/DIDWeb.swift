import Foundation

/// A `did:web` identifier and the URL of its DID document (did:web Method Specification §3.2 "DID Method
/// Operations": "Read (Resolve)" steps 1–6).
///
/// `did:web:example.com` → `https://example.com/.well-known/did.json`;
/// `did:web:example.com%3A8443:orgs:acme` → `https://example.com:8443/orgs/acme/did.json`.
public struct DIDWeb: Sendable, Hashable, CustomStringConvertible {
    /// The host, with `:port` when one is given (decoded from `%3A`).
    public let authority: String
    /// The path segments after the host (empty for the `/.well-known` form).
    public let path: [String]

    /// Parses a `did:web` DID (without fragment or query).
    /// - Throws: ``CredentialError/Code/invalidDID`` naming what is wrong.
    public init(parsing did: String) throws(CredentialError) {
        guard did.hasPrefix("did:web:") else { throw CredentialError(.invalidDID, "not a did:web DID") }
        let specific = did.dropFirst("did:web:".count)
        guard !specific.contains("#"), !specific.contains("?"), !specific.contains("/") else {
            throw CredentialError(.invalidDID, "a did:web DID has no path, query or fragment")
        }
        let segments = specific.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let host = segments.first, !host.isEmpty, segments.allSatisfy({ !$0.isEmpty }) else {
            throw CredentialError(.invalidDID, "a did:web DID needs a host and non-empty path segments")
        }
        // Step 2: percent-decoded port; nothing else may be encoded in the host.
        let authority = host.replacingOccurrences(of: "%3A", with: ":").replacingOccurrences(of: "%3a", with: ":")
        guard authority.allSatisfy({ $0.isLetter || $0.isNumber || ".-:".contains($0) }), authority.first != ":" else {
            throw CredentialError(.invalidDID, "the did:web host is not a valid domain name")
        }
        let path = segments.dropFirst().map { $0.removingPercentEncoding ?? $0 }
        guard path.allSatisfy({ $0 != "." && $0 != ".." && !$0.contains("/") }) else {
            throw CredentialError(.invalidDID, "a did:web path segment must not be '.', '..' or contain '/'")
        }
        self.authority = authority
        self.path = path
    }

    /// The `did:web` of the document served at `baseURL` + `/` + `path` + `/did.json`.
    /// - Throws: ``CredentialError/Code/invalidDID`` if `baseURL` is not an absolute http(s) URL with a host.
    public init(baseURL: String, path: [String]) throws(CredentialError) {
        guard let components = URLComponents(string: baseURL), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty else {
            throw CredentialError(.invalidDID, "the public base URL must be an absolute http(s) URL")
        }
        let basePath = components.path.split(separator: "/").map(String.init)
        self.authority = components.port.map { "\(host):\($0)" } ?? host
        self.path = basePath + path
    }

    /// The DID: `did:web:` + host (`:` of a port as `%3A`) + `:`-joined percent-encoded path segments.
    public var did: String {
        let encodedPath = path.map { $0.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? $0 }
        return (["did:web:" + authority.replacingOccurrences(of: ":", with: "%3A")] + encodedPath).joined(separator: ":")
    }

    /// The HTTPS URL of the DID document (steps 3–6).
    public var documentURL: String {
        let encodedPath = path.map { $0.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? $0 }
        let suffix = encodedPath.isEmpty ? "/.well-known/did.json" : "/" + encodedPath.joined(separator: "/") + "/did.json"
        return "https://\(authority)\(suffix)"
    }

    public var description: String { did }

    private static let segmentCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
}
