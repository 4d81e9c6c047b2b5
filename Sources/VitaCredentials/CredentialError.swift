import VitaJSONLD

/// The one error type of VitaCredentials.
///
/// `code` is a stable, machine-readable category (extensible: add static members);
/// `reason` is a human-readable sentence. Neither ever contains key material or personal
/// data from the credential: reasons name properties and identifiers, not values.
public struct CredentialError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A category of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Bad base58btc / multibase / multicodec input.
        public static let invalidEncoding = Code(rawValue: "invalid encoding")
        /// A key is malformed or of an unsupported type.
        public static let invalidKey = Code(rawValue: "invalid key")
        /// A DID or DID URL is malformed.
        public static let invalidDID = Code(rawValue: "invalid DID")
        /// A well-formed identifier or key of a kind Vita does not support (e.g. a did:key for secp256k1).
        public static let unsupported = Code(rawValue: "unsupported")
        /// A verification method could not be resolved.
        public static let unresolvableVerificationMethod = Code(rawValue: "unresolvable verification method")
        /// The document or proof is not shaped as the algorithm requires.
        public static let malformedDocument = Code(rawValue: "malformed document")
        /// A proof is malformed (missing/invalid properties).
        public static let malformedProof = Code(rawValue: "malformed proof")
        /// JSON-LD expansion or RDF canonicalization failed (unknown context, invalid IRI, …).
        public static let canonicalization = Code(rawValue: "canonicalization failed")
        /// The cryptographic signature does not verify.
        public static let signatureMismatch = Code(rawValue: "signature mismatch")
        /// Signing failed.
        public static let signingFailed = Code(rawValue: "signing failed")
        /// An RDF-canonicalizing suite (eddsa-rdfc-2022, Ed25519Signature2020) refused to sign:
        /// JSON-LD would drop parts of the document from the canonical form, so they would
        /// not be signed (undefined terms, relative IRIs, …); ``CredentialError/violations`` lists them.
        public static let unsignedData = Code(rawValue: "unsigned data")
    }

    /// The category.
    public var code: Code
    /// What went wrong, without secrets or personal data.
    public var reason: String
    /// For ``Code/unsignedData``: each part of the document JSON-LD would drop, with its JSON path.
    public var violations: [SafeModeViolation] = []

    /// An error; `reason` must not contain secrets or personal data.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
