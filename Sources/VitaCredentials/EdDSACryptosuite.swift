import Crypto
import VitaJSON
import VitaJSONLD

/// The algorithms of W3C "Data Integrity EdDSA Cryptosuites v1.0"
/// (https://www.w3.org/TR/vc-di-eddsa/) for `eddsa-rdfc-2022` (§3.2) and
/// `eddsa-jcs-2022` (§3.3), one function per named algorithm. The suite is taken from
/// the proof options' `cryptosuite`; the two differ only in the canonicalization
/// (RDFC-1.0 vs JCS) and in JCS copying `@context` into the created proof.
///
/// Most callers want ``DataIntegrity/addProof(to:options:signer:now:jsonLD:)`` and
/// ``DataIntegrity/verifyProofs(of:resolver:expectations:jsonLD:)``, which also handle
/// proof sets and chains and resolve keys.
public enum EdDSACryptosuite {
    /// §3.2.3 / §3.3.3 step 1: the proof type and cryptosuite must be ours.
    static func canonicalization(for options: JSONObject) throws(CredentialError) -> ProofCanonicalization {
        guard options["type"]?.stringValue == "DataIntegrityProof" else {
            throw CredentialError(.malformedProof, "PROOF_TRANSFORMATION_ERROR: proof type is not DataIntegrityProof")
        }
        switch options["cryptosuite"]?.stringValue {
        case Cryptosuite.eddsaRdfc2022.rawValue?, Cryptosuite.eddsa2022Legacy.rawValue?: return .rdfc
        case Cryptosuite.eddsaJcs2022.rawValue?: return .jcs
        case let other?: throw CredentialError(.unsupported, "PROOF_TRANSFORMATION_ERROR: cryptosuite \(other) is not an EdDSA cryptosuite")
        case nil: throw CredentialError(.malformedProof, "PROOF_TRANSFORMATION_ERROR: proof has no cryptosuite")
        }
    }

    /// §3.2.3 "Transformation (eddsa-rdfc-2022)" / §3.3.3 "Transformation (eddsa-jcs-2022)":
    /// checks `options.type`/`options.cryptosuite`, then returns the RDFC-1.0 canonical
    /// N-Quads (rdfc) or the RFC 8785 JCS serialization (jcs) of the unsecured document.
    public static func transformation(
        _ unsecuredDocument: JSONValue, options: JSONObject, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> [UInt8] {
        try canonicalization(for: options).canonicalize(unsecuredDocument, jsonLD: jsonLD)
    }

    /// §3.2.5 / §3.3.5 "Proof Configuration": `proofConfig` = options with the document's
    /// `@context` (step 4 / 5), `created` checked to be an XML Schema dateTime (step 3),
    /// then canonicalized the same way as the document (step 5 / 6).
    public static func proofConfiguration(
        _ options: JSONObject, unsecuredDocument: JSONValue, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> [UInt8] {
        try canonicalization(for: options).proofConfiguration(options, unsecuredDocument: unsecuredDocument, jsonLD: jsonLD)
    }

    /// §3.2.4 / §3.3.4 "Hashing": SHA-256 of the canonical proof configuration and of the
    /// transformed document; `hashData` is their concatenation, proof config first.
    public static func hashing(transformedDocument: [UInt8], canonicalProofConfig: [UInt8]) -> ProofHashData {
        ProofHashData(
            canonicalDocument: transformedDocument, canonicalProofConfig: canonicalProofConfig,
            proofConfigHash: Array(SHA256.hash(data: canonicalProofConfig)),
            documentHash: Array(SHA256.hash(data: transformedDocument)))
    }

    /// §3.2.6 / §3.3.6 "Proof Serialization": the Ed25519 signature of the hash data with
    /// the verification method's private key.
    public static func proofSerialization(hashData: ProofHashData, signer: some ProofSigner) throws(CredentialError) -> [UInt8] {
        try signer.signature(for: hashData.hashData)
    }

    /// §3.2.7 / §3.3.7 "Proof Verification": the Ed25519 verification of `proofBytes`
    /// over the hash data with the verification method's public key.
    /// - Throws: ``CredentialError/Code/unsupported`` if the key is not Ed25519.
    public static func proofVerification(hashData: ProofHashData, proofBytes: [UInt8], publicKey: Multikey) throws(CredentialError) -> Bool {
        let key = try publicKey.ed25519PublicKey()
        return proofBytes.count == 64 && key.isValidSignature(proofBytes, for: hashData.hashData)
    }

    /// The hash data for an unsecured document and proof options: Transformation,
    /// Proof Configuration and Hashing in the order the spec runs them.
    public static func hashData(
        unsecuredDocument: JSONValue, options: JSONObject, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> ProofHashData {
        let canonicalProofConfig = try proofConfiguration(options, unsecuredDocument: unsecuredDocument, jsonLD: jsonLD)
        let transformed = try transformation(unsecuredDocument, options: options, jsonLD: jsonLD)
        return hashing(transformedDocument: transformed, canonicalProofConfig: canonicalProofConfig)
    }

    /// §3.2.1 / §3.3.1 "Create Proof": returns the proof (options plus `proofValue` =
    /// multibase base58btc of the signature). For eddsa-jcs-2022 the proof also carries
    /// the document's `@context` (§3.3.1 step 2).
    ///
    /// For eddsa-rdfc-2022 the document and proof configuration are canonicalized in JSON-LD
    /// safe mode: if JSON-LD would drop anything (an undefined term, a relative IRI in `@id`
    /// or `type`, …) this throws ``CredentialError/Code/unsignedData`` listing each JSON path,
    /// instead of signing a canonical form that silently omits it. eddsa-jcs-2022 signs the
    /// JSON bytes, so it signs such documents (the verifier warns about them).
    public static func createProof(
        _ unsecuredDocument: JSONValue, options: JSONObject, signer: some ProofSigner, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> JSONObject {
        var proof = try canonicalization(for: options).newProof(options, for: unsecuredDocument)  // steps 1-2
        // RDFC-1.0 signs only what survives JSON-LD processing: refuse to leave anything unsigned.
        let data = try hashData(unsecuredDocument: unsecuredDocument, options: proof, jsonLD: ProofCanonicalization.signingOptions(jsonLD))  // steps 2-4
        let proofBytes = try proofSerialization(hashData: data, signer: signer)  // step 5
        proof["proofValue"] = .string(Multibase.encodeBase58btc(proofBytes))  // step 6
        return proof
    }

    /// §3.2.2 / §3.3.2 "Verify Proof" for one proof: `securedDocument` without `proof`
    /// (step 1), the proof without `proofValue` (step 2), `proofValue` decoded (step 3),
    /// the `@context` prefix check and substitution (step 4), then Transformation, Proof
    /// Configuration, Hashing and Proof Verification.
    ///
    /// `securedDocument`'s own `proof` member is ignored; pass the proof to check. (For a
    /// proof in a chain, pass a document whose `proof` is the proofs it chains to;
    /// ``DataIntegrity`` does this.)
    /// - Returns: whether the signature matches, and the hash data computed.
    /// - Throws: ``CredentialError`` when the proof cannot be checked (malformed, unknown
    ///   context, unsupported key) — distinct from a signature that does not match.
    public static func verifyProof(
        _ securedDocument: JSONValue, proof: JSONObject, publicKey: Multikey, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> (verified: Bool, hashData: ProofHashData) {
        let (unsecured, options, proofBytes) = try DataIntegrity.prepareVerification(securedDocument, proof: proof, chained: nil)
        let data = try hashData(unsecuredDocument: unsecured, options: options, jsonLD: jsonLD)
        return (try proofVerification(hashData: data, proofBytes: proofBytes, publicKey: publicKey), data)
    }
}

/// The legacy `Ed25519Signature2020` suite (W3C CCG "Ed25519 Signature 2020"), still used
/// by many Open Badges 3.0 and CLR 2.0 credentials: URDNA2015 (= RDFC-1.0) canonical
/// N-Quads of the document without `proof` and of the proof options with the document's
/// `@context`, SHA-256 of each, hash data = proof options hash ‖ document hash, Ed25519,
/// `proofValue` = multibase base58btc. Its context
/// `https://w3id.org/security/suites/ed25519-2020/v1` must be in the document.
public enum Ed25519Signature2020 {
    /// The proof type.
    public static let proofType = "Ed25519Signature2020"

    /// The hash data for a document (without proof) and proof options (without proofValue).
    public static func hashData(
        unsecuredDocument: JSONValue, options: JSONObject, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> ProofHashData {
        guard options["type"]?.stringValue == proofType else {
            throw CredentialError(.malformedProof, "proof type is not Ed25519Signature2020")
        }
        let canonicalProofConfig = try ProofCanonicalization.rdfc.proofConfiguration(
            options, unsecuredDocument: unsecuredDocument, jsonLD: jsonLD)
        let canonicalDocument = try ProofCanonicalization.rdfc.canonicalize(unsecuredDocument, jsonLD: jsonLD)
        return EdDSACryptosuite.hashing(transformedDocument: canonicalDocument, canonicalProofConfig: canonicalProofConfig)
    }

    /// Creates an Ed25519Signature2020 proof (for tests and interoperability; new
    /// credentials should use ``EdDSACryptosuite`` / eddsa-rdfc-2022).
    public static func createProof(
        _ unsecuredDocument: JSONValue, options: JSONObject, signer: some ProofSigner, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> JSONObject {
        var proof = options
        proof.removeValue(forKey: "proofValue")
        let data = try hashData(unsecuredDocument: unsecuredDocument, options: proof, jsonLD: ProofCanonicalization.signingOptions(jsonLD))
        proof["proofValue"] = .string(Multibase.encodeBase58btc(try signer.signature(for: data.hashData)))
        return proof
    }

    /// Verifies one Ed25519Signature2020 proof of `securedDocument` (whose own `proof` is ignored). Unlike the
    /// Data Integrity suites' Verify Proof (``DataIntegrity``), a `@context` on the proof does not replace the
    /// document's: the legacy suite signs the document's.
    public static func verifyProof(
        _ securedDocument: JSONValue, proof: JSONObject, publicKey: Multikey, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> (verified: Bool, hashData: ProofHashData) {
        guard case .object(var unsecured) = securedDocument else {
            throw CredentialError(.malformedDocument, "the secured document is not a JSON object")
        }
        unsecured.removeValue(forKey: "proof")
        var options = proof
        guard let proofValue = options.removeValue(forKey: "proofValue")?.stringValue else {
            throw CredentialError(.malformedProof, "proof has no proofValue string")
        }
        let proofBytes: [UInt8]
        do { proofBytes = try Multibase.decodeBase58btc(proofValue) } catch {
            throw CredentialError(.malformedProof, "proofValue is not multibase base58btc: \(error.reason)")
        }
        let data = try hashData(unsecuredDocument: .object(unsecured), options: options, jsonLD: jsonLD)
        let key = try publicKey.ed25519PublicKey()
        return (proofBytes.count == 64 && key.isValidSignature(proofBytes, for: data.hashData), data)
    }
}
