import VitaJSON

/// A `did:key` (W3C CCG did:key method v0.7): `did:key:` + the Multikey
/// `publicKeyMultibase` of one public key, e.g. `did:key:z6Mk…`.
///
/// Resolution is pure: the DID document is generated from the identifier, with one
/// Multikey verification method `did:key:z6Mk…#z6Mk…` referenced by every verification
/// relationship (keyAgreement is not derived).
public struct DIDKey: Sendable, Hashable, CustomStringConvertible {
    /// The public key.
    public let publicKey: Multikey

    /// The DID for a public key.
    public init(publicKey: Multikey) { self.publicKey = publicKey }

    /// Parses `did:key:z…`, optionally with a `#fragment` (which, if present, must
    /// equal the key's multibase, as in a did:key verification method id).
    /// - Throws: ``CredentialError/Code/invalidDID`` if it is not a well-formed did:key;
    ///   ``CredentialError/Code/invalidEncoding`` for a bad multibase or unknown codec.
    public init(parsing text: some StringProtocol) throws(CredentialError) {
        let s = String(text)
        guard s.hasPrefix("did:key:") else {
            throw CredentialError(.invalidDID, "not a did:key identifier")
        }
        var rest = Substring(s.dropFirst("did:key:".count))
        var fragment: Substring?
        if let hash = rest.firstIndex(of: "#") {
            fragment = rest[rest.index(after: hash)...]
            rest = rest[..<hash]
        }
        // did:key v0.7 allows `did:key:<version>:<mb>`; only the default (no version) is used in practice.
        guard !rest.contains(":"), !rest.contains("/"), !rest.contains("?") else {
            throw CredentialError(.invalidDID, "did:key with a version, path or query is not supported")
        }
        let key = try Multikey(multibase: rest)
        if let fragment, fragment != rest {
            throw CredentialError(.invalidDID, "the did:key fragment does not name the key")
        }
        self.publicKey = key
    }

    /// `did:key:z…`.
    public var did: String { "did:key:" + publicKey.multibase }

    /// The verification method id `did:key:z…#z…`.
    public var verificationMethodID: String { did + "#" + publicKey.multibase }

    public var description: String { did }

    /// The Multikey verification method (a JSON object with `id`, `type`, `controller`, `publicKeyMultibase`).
    public var verificationMethod: JSONValue {
        [
            "id": .string(verificationMethodID),
            "type": "Multikey",
            "controller": .string(did),
            "publicKeyMultibase": .string(publicKey.multibase),
        ]
    }

    /// The generated DID document (did:key "Document Creation Algorithm" with Multikey
    /// representation; `@context` DID v1 + Multikey v1).
    public var didDocument: JSONValue {
        let vm: JSONValue = .string(verificationMethodID)
        return [
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": .string(did),
            "verificationMethod": [verificationMethod],
            "authentication": [vm],
            "assertionMethod": [vm],
            "capabilityDelegation": [vm],
            "capabilityInvocation": [vm],
        ]
    }
}
