import Foundation
import VitaJSON

/// The Data Integrity cryptosuites Vita can create and verify.
public enum Cryptosuite: String, Sendable, Hashable, CaseIterable {
    /// EdDSA Cryptosuites v1.0 §3.2: RDFC-1.0 canonicalization, SHA-256, Ed25519.
    case eddsaRdfc2022 = "eddsa-rdfc-2022"
    /// EdDSA Cryptosuites v1.0 §3.3: JCS (RFC 8785) canonicalization, SHA-256, Ed25519.
    case eddsaJcs2022 = "eddsa-jcs-2022"
    /// The pre-standard name of eddsa-rdfc-2022 (same algorithm), verification only.
    case eddsa2022Legacy = "eddsa-2022"
    /// ECDSA Cryptosuites v1.0 §3.2: RDFC-1.0 canonicalization, ECDSA on P-256 (SHA-256) or P-384 (SHA-384).
    case ecdsaRdfc2019 = "ecdsa-rdfc-2019"
    /// ECDSA Cryptosuites v1.0 §3.3: JCS canonicalization, ECDSA on P-256 (SHA-256) or P-384 (SHA-384).
    case ecdsaJcs2019 = "ecdsa-jcs-2019"

    /// Whether the suite signs with ECDSA (an ``ECDSAKeyPair``) rather than Ed25519.
    public var isECDSA: Bool { self == .ecdsaRdfc2019 || self == .ecdsaJcs2019 }
}

/// When a new proof says it was created.
public enum ProofCreated: Sendable, Hashable {
    /// The signer's clock at signing time.
    case now
    /// A given instant (written as `YYYY-MM-DDThh:mm:ssZ`).
    case at(Date)
    /// No `created` property.
    case omitted
}

/// Options for creating a Data Integrity proof (VC Data Integrity 1.0 §2.1 "Proofs").
public struct ProofOptions: Sendable, Hashable {
    /// The cryptosuite (default `eddsa-rdfc-2022`).
    public var cryptosuite: Cryptosuite
    /// The verification method URL whose private key signs (e.g. `did:key:z6Mk…#z6Mk…`).
    public var verificationMethod: String
    /// The proof purpose (default `assertionMethod`, what credentials use).
    public var proofPurpose: String
    /// The `created` timestamp (default: now, from the signer's clock).
    public var created: ProofCreated
    /// Optional `expires` timestamp.
    public var expires: Date?
    /// Optional `id` of the proof (needed if a later proof chains to this one).
    public var id: String?
    /// Optional `challenge` (presentations; guards against replay).
    public var challenge: String?
    /// Optional `domain`.
    public var domain: String?
    /// Optional `previousProof`: ids of existing proofs this one chains to (§2.1.2 "Proof Chains").
    public var previousProof: [String]?

    /// Options; only the verification method is required.
    public init(
        cryptosuite: Cryptosuite = .eddsaRdfc2022, verificationMethod: String, proofPurpose: String = "assertionMethod",
        created: ProofCreated = .now, expires: Date? = nil, id: String? = nil, challenge: String? = nil,
        domain: String? = nil, previousProof: [String]? = nil
    ) {
        self.cryptosuite = cryptosuite
        self.verificationMethod = verificationMethod
        self.proofPurpose = proofPurpose
        self.created = created
        self.expires = expires
        self.id = id
        self.challenge = challenge
        self.domain = domain
        self.previousProof = previousProof
    }

    /// The proof object without `proofValue`, in the member order of the W3C vectors:
    /// `type`, `id`, `cryptosuite`, `created`, `expires`, `verificationMethod`,
    /// `proofPurpose`, `challenge`, `domain`, `previousProof`.
    public func proofObject(now: Date) -> JSONObject {
        var o = JSONObject()
        o["type"] = "DataIntegrityProof"
        if let id { o["id"] = .string(id) }
        o["cryptosuite"] = .string(cryptosuite.rawValue)
        switch created {
        case .now: o["created"] = .string(XSDDateTime.format(now))
        case .at(let d): o["created"] = .string(XSDDateTime.format(d))
        case .omitted: break
        }
        if let expires { o["expires"] = .string(XSDDateTime.format(expires)) }
        o["verificationMethod"] = .string(verificationMethod)
        o["proofPurpose"] = .string(proofPurpose)
        if let challenge { o["challenge"] = .string(challenge) }
        if let domain { o["domain"] = .string(domain) }
        if let previousProof {
            o["previousProof"] = previousProof.count == 1 ? .string(previousProof[0]) : .array(previousProof.map { .string($0) })
        }
        return o
    }
}

/// Something that signs the hash data of a proof with the private key of
/// ``ProofOptions/verificationMethod``. ``Ed25519KeyPair`` is one; an HSM or KMS
/// client can be another.
public protocol ProofSigner: Sendable {
    /// The raw signature over `bytes`.
    func signature(for bytes: [UInt8]) throws(CredentialError) -> [UInt8]
}

extension Ed25519KeyPair: ProofSigner {}

/// The intermediate values of the EdDSA algorithms, exposed so that each can be
/// compared with the test vectors: canonical document, canonical proof configuration,
/// their SHA-256 hashes and the concatenated hash data that is signed.
public struct ProofHashData: Sendable, Hashable {
    /// Transformation output: RDFC-1.0 N-Quads or JCS bytes of the unsecured document.
    public var canonicalDocument: [UInt8]
    /// Proof Configuration output: the canonical proof configuration.
    public var canonicalProofConfig: [UInt8]
    /// SHA-256(canonicalProofConfig).
    public var proofConfigHash: [UInt8]
    /// SHA-256(canonicalDocument).
    public var documentHash: [UInt8]
    /// Hashing output: proofConfigHash ‖ documentHash (64 bytes); what Ed25519 signs.
    public var hashData: [UInt8] { proofConfigHash + documentHash }
}

extension ProofOptions {
    /// Reads options from a proof (or proof configuration) object such as the test
    /// vectors' `proofConfig*.json`. `@context` and `proofValue` are ignored.
    /// - Throws: ``CredentialError/Code/malformedProof`` if it is not a DataIntegrityProof of
    ///   a supported cryptosuite with a verificationMethod, or a date is malformed.
    public init(proof: JSONObject) throws(CredentialError) {
        guard proof["type"]?.stringValue == "DataIntegrityProof" else {
            throw CredentialError(.malformedProof, "proof type is not DataIntegrityProof")
        }
        guard let cs = proof["cryptosuite"]?.stringValue, let suite = Cryptosuite(rawValue: cs) else {
            throw CredentialError(.malformedProof, "missing or unsupported cryptosuite")
        }
        guard let vm = proof["verificationMethod"]?.stringValue else {
            throw CredentialError(.malformedProof, "proof has no verificationMethod")
        }
        func date(_ key: String) throws(CredentialError) -> Date? {
            guard let v = proof[key] else { return nil }
            guard let s = v.stringValue, let d = XSDDateTime.parse(s) else {
                throw CredentialError(.malformedProof, "\(key) is not an XML Schema dateTime")
            }
            return d
        }
        let created = try date("created")
        var previous: [String]?
        if let p = proof["previousProof"] { previous = (p.arrayValue ?? [p]).compactMap(\.stringValue) }
        self.init(
            cryptosuite: suite, verificationMethod: vm,
            proofPurpose: proof["proofPurpose"]?.stringValue ?? "assertionMethod",
            created: created.map { .at($0) } ?? .omitted, expires: try date("expires"),
            id: proof["id"]?.stringValue, challenge: proof["challenge"]?.stringValue,
            domain: proof["domain"]?.stringValue, previousProof: previous)
    }
}
