import VitaJSON
import VitaJSONLD

/// The algorithms of W3C "Data Integrity ECDSA Cryptosuites v1.0"
/// (https://www.w3.org/TR/vc-di-ecdsa/) for `ecdsa-rdfc-2019` (§3.2) and `ecdsa-jcs-2019`
/// (§3.3) on P-256 and P-384, one function per named algorithm. They are the EdDSA suites'
/// algorithms with ECDSA in place of Ed25519 and the curve's hash (SHA-256 or SHA-384) in
/// place of SHA-256; `ecdsa-sd-2023` is ``ECDSASDCryptosuite``.
///
/// Most callers want ``DataIntegrity/addProof(to:options:signer:now:jsonLD:)`` with an ``ECDSAKeyPair`` and
/// ``DataIntegrity/verifyProofs(of:resolver:expectations:jsonLD:)``, which resolves the verification method and
/// picks the suite from the proof.
public enum ECDSACryptosuite {
    /// `ecdsa-rdfc-2019`: RDFC-1.0 canonicalization.
    public static let rdfc2019 = Cryptosuite.ecdsaRdfc2019.rawValue
    /// `ecdsa-jcs-2019`: JCS (RFC 8785) canonicalization.
    public static let jcs2019 = Cryptosuite.ecdsaJcs2019.rawValue

    /// §3.2.3 / §3.3.3 step 1: the proof type and cryptosuite must be ours.
    static func canonicalization(for options: JSONObject) throws(CredentialError) -> ProofCanonicalization {
        guard options["type"]?.stringValue == "DataIntegrityProof" else {
            throw CredentialError(.malformedProof, "PROOF_TRANSFORMATION_ERROR: proof type is not DataIntegrityProof")
        }
        switch options["cryptosuite"]?.stringValue {
        case rdfc2019?: return .rdfc
        case jcs2019?: return .jcs
        case let other?: throw CredentialError(.unsupported, "PROOF_TRANSFORMATION_ERROR: cryptosuite \(other) is not ecdsa-rdfc-2019 or ecdsa-jcs-2019")
        case nil: throw CredentialError(.malformedProof, "PROOF_TRANSFORMATION_ERROR: proof has no cryptosuite")
        }
    }

    /// §3.2.3 "Transformation (ecdsa-rdfc-2019)" / §3.3.3 "Transformation (ecdsa-jcs-2019)":
    /// the RDFC-1.0 canonical N-Quads or the JCS serialization of the unsecured document.
    /// RDFC-1.0 labels blank nodes with the curve's hash (step 2: SHA-384 on P-384; the
    /// P-384 `employ` vector, which has blank nodes, pins it).
    public static func transformation(
        _ unsecuredDocument: JSONValue, options: JSONObject, curve: ECDSACurve, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> [UInt8] {
        try canonicalization(for: options).canonicalize(unsecuredDocument, jsonLD: jsonLD, rdfcHash: curve.rdfcHash)
    }

    /// §3.2.5 / §3.3.5 "Proof Configuration": the options without `proofValue`, `created`
    /// checked (step 3), with the document's `@context` (§3.2.5 step 4; for JCS, Create Proof
    /// step 2 puts it on the proof), canonicalized like the document.
    public static func proofConfiguration(
        _ options: JSONObject, unsecuredDocument: JSONValue, curve: ECDSACurve, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> [UInt8] {
        try canonicalization(for: options).proofConfiguration(
            options, unsecuredDocument: unsecuredDocument, jsonLD: jsonLD, rdfcHash: curve.rdfcHash)
    }

    /// §3.2.4 / §3.3.4 "Hashing": the curve's hash (SHA-256 for P-256, SHA-384 for P-384) of
    /// the canonical proof configuration and of the transformed document, proof config first.
    public static func hashing(transformedDocument: [UInt8], canonicalProofConfig: [UInt8], curve: ECDSACurve) -> ProofHashData {
        ProofHashData(
            canonicalDocument: transformedDocument, canonicalProofConfig: canonicalProofConfig,
            proofConfigHash: curve.hash(canonicalProofConfig), documentHash: curve.hash(transformedDocument))
    }

    /// Proof Configuration, Transformation and Hashing for a document and proof options.
    public static func hashData(
        unsecuredDocument: JSONValue, options: JSONObject, curve: ECDSACurve, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> ProofHashData {
        let canonicalProofConfig = try proofConfiguration(options, unsecuredDocument: unsecuredDocument, curve: curve, jsonLD: jsonLD)
        let transformed = try transformation(unsecuredDocument, options: options, curve: curve, jsonLD: jsonLD)
        return hashing(transformedDocument: transformed, canonicalProofConfig: canonicalProofConfig, curve: curve)
    }

    /// §3.2.7 / §3.3.7 "Proof Verification": ECDSA verification of `proofBytes` (`r ‖ s`)
    /// over the hash data with the verification method's P-256 or P-384 key.
    /// - Throws: ``CredentialError/Code/unsupported`` if the key is not a P-256 or P-384 key.
    public static func proofVerification(hashData: ProofHashData, proofBytes: [UInt8], publicKey: Multikey) throws(CredentialError) -> Bool {
        try publicKey.ecdsaPublicKey().isValidSignature(proofBytes, for: hashData.hashData)
    }

    /// §3.2.1 / §3.3.1 "Create Proof": the proof (options with `proofValue`, the multibase
    /// base58btc of the `r ‖ s` signature; for ecdsa-jcs-2019 also the document's `@context`,
    /// §3.3.1 step 2). For ecdsa-rdfc-2019 JSON-LD runs in safe mode, so a document whose
    /// canonical form would drop data is refused (``CredentialError/Code/unsignedData``).
    public static func createProof(
        _ unsecuredDocument: JSONValue, options: JSONObject, signer: ECDSAKeyPair, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> JSONObject {
        var proof = try canonicalization(for: options).newProof(options, for: unsecuredDocument)  // steps 1-2
        let data = try hashData(unsecuredDocument: unsecuredDocument, options: proof, curve: signer.curve,
                                jsonLD: ProofCanonicalization.signingOptions(jsonLD))  // steps 2-4
        proof["proofValue"] = .string(Multibase.encodeBase58btc(try signer.signature(for: data.hashData)))  // steps 5-6
        return proof
    }

    /// §3.2.2 / §3.3.2 "Verify Proof" for one proof with the verification method's key:
    /// steps 1-4 (``DataIntegrity``), then Transformation, Proof Configuration, Hashing with
    /// the key's curve, and Proof Verification. `chained` proofs, if any, are what a proof
    /// in a chain signed over.
    /// - Throws: ``CredentialError`` when the proof cannot be checked (malformed, unknown
    ///   context, a key that is not P-256 or P-384) — distinct from a signature that does not match.
    public static func verifyProof(
        _ securedDocument: JSONValue, proof: JSONObject, publicKey: Multikey, chained: JSONValue? = nil,
        jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> (verified: Bool, hashData: ProofHashData) {
        let key = try publicKey.ecdsaPublicKey()
        let (unsecured, options, proofBytes) = try DataIntegrity.prepareVerification(securedDocument, proof: proof, chained: chained)
        let data = try hashData(unsecuredDocument: unsecured, options: options, curve: key.curve, jsonLD: jsonLD)
        return (key.isValidSignature(proofBytes, for: data.hashData), data)
    }
}
