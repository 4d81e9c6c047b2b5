import Crypto
import VitaJSON
import VitaJSONLD

/// The verifier's side of `ecdsa-sd-2023`, the selective-disclosure suite of W3C "Data
/// Integrity ECDSA Cryptosuites v1.0" (https://www.w3.org/TR/vc-di-ecdsa/ §3.4-§3.6).
///
/// An issuer signs a *base proof* with its P-256 key: one signature over the statements the
/// holder must always disclose (the mandatory N-Quads, hashed) and the proof's ephemeral
/// key, and one signature per other statement with that ephemeral key. The holder then
/// *derives* a proof for the statements they choose to disclose; blank nodes are relabeled
/// with HMAC-derived labels so that what is disclosed canonicalizes to the same N-Quads the
/// issuer signed. A verifier checks the derived proof (§3.6.7 "Verify Derived Proof"); a base
/// proof is for the holder alone and is not verified here.
public enum ECDSASDCryptosuite {
    /// `ecdsa-sd-2023`.
    public static let name = "ecdsa-sd-2023"

    /// The header of a base proof value (CBOR tag 0x5d00), §3.5.2.
    static let baseProofHeader: [UInt8] = [0xD9, 0x5D, 0x00]
    /// The header of a derived (disclosure) proof value (CBOR tag 0x5d01), §3.5.6.
    static let derivedProofHeader: [UInt8] = [0xD9, 0x5D, 0x01]

    /// The five components of a derived proof value (§3.5.8 "parseDerivedProofValue").
    public struct DerivedProofValue: Sendable, Hashable {
        /// The issuer's signature over the proof hash, ``publicKey`` and the mandatory hash (64 bytes).
        public var baseSignature: [UInt8]
        /// The proof-scoped (ephemeral) P-256 public key, multikey-encoded (header and compressed point).
        public var publicKey: [UInt8]
        /// One signature per disclosed non-mandatory statement, in canonical order (64 bytes each).
        public var signatures: [[UInt8]]
        /// Canonical blank node label (`c14n0`, …) → the label the issuer signed (`u` + base64url of its HMAC).
        public var labelMap: [String: String]
        /// The positions, among the disclosed statements, of the mandatory ones.
        public var mandatoryIndexes: [Int]
    }

    /// What §3.5.9 "createVerifyData" produces: everything the signatures are checked against.
    public struct VerifyData: Sendable, Hashable {
        /// The derived proof value's components.
        public var proofValue: DerivedProofValue
        /// SHA-256 of the RDFC-1.0 canonical proof configuration.
        public var proofHash: [UInt8]
        /// The disclosed statements that are not mandatory, as relabeled canonical N-Quads lines.
        public var nonMandatory: [String]
        /// SHA-256 of the mandatory statements' N-Quads, joined.
        public var mandatoryHash: [UInt8]
        /// Every disclosed statement, relabeled and in canonical order.
        public var nquads: [String]
    }

    /// §3.5.8 "parseDerivedProofValue": `u` + base64url-no-pad, the derived proof header,
    /// then a CBOR array of exactly the five components with the lengths the suite fixes,
    /// the label map decompressed (§3.5.7).
    /// - Throws: ``CredentialError/Code/malformedProof`` (PROOF_VERIFICATION_ERROR) naming what is wrong.
    public static func parseDerivedProofValue(_ proofValue: String) throws(CredentialError) -> DerivedProofValue {
        func malformed(_ what: String) -> CredentialError {
            CredentialError(.malformedProof, "PROOF_VERIFICATION_ERROR: the ecdsa-sd-2023 proofValue \(what)")
        }
        guard proofValue.hasPrefix("u") else { throw malformed("is not multibase base64url (it must start with \"u\")") }
        let decoded: [UInt8]
        do { decoded = try Base64URL.decode(proofValue.dropFirst()) } catch { throw malformed("is not base64url without padding") }
        if decoded.starts(with: baseProofHeader) {
            throw malformed("is a base proof, which only the holder uses: a verifier checks the proof the holder derives from it")
        }
        guard decoded.starts(with: derivedProofHeader) else { throw malformed("does not start with the derived proof header 0xd95d01") }
        let item: CBORItem
        do { item = try CBORItem.decode(decoded.dropFirst(3)) } catch { throw malformed("is not CBOR: \(error.reason)") }
        guard case .array(let components) = item, components.count == 5 else { throw malformed("is not a CBOR array of five components") }
        guard case .bytes(let baseSignature) = components[0], baseSignature.count == 64 else {
            throw malformed("has no 64-byte base signature")
        }
        guard case .bytes(let publicKey) = components[1], (try? Multicodec.split(publicKey))?.codec == .p256Public else {
            throw malformed("has no P-256 multikey as its proof-scoped public key")
        }
        guard case .array(let signatureItems) = components[2] else { throw malformed("has no array of signatures") }
        var signatures: [[UInt8]] = []
        for item in signatureItems {
            guard case .bytes(let s) = item, s.count == 64 else { throw malformed("has a signature that is not 64 bytes") }
            signatures.append(s)
        }
        guard case .map(let compressed) = components[3] else { throw malformed("has no label map") }
        var labelMap: [String: String] = [:]
        for entry in compressed {  // §3.5.7 "decompressLabelMap"
            guard case .unsigned(let k) = entry.key, case .bytes(let v) = entry.value, v.count == 32 else {
                throw malformed("has a label map entry that is not an integer and 32 bytes")
            }
            guard labelMap.updateValue("u" + Base64URL.encode(v), forKey: "c14n\(k)") == nil else {
                throw malformed("labels blank node c14n\(k) twice")
            }
        }
        guard case .array(let indexItems) = components[4] else { throw malformed("has no array of mandatory indexes") }
        var mandatoryIndexes: [Int] = []
        for item in indexItems {
            guard case .unsigned(let i) = item, i <= UInt64(Int32.max) else { throw malformed("has a mandatory index that is not an integer") }
            mandatoryIndexes.append(Int(i))
        }
        return DerivedProofValue(baseSignature: baseSignature, publicKey: publicKey, signatures: signatures,
                                 labelMap: labelMap, mandatoryIndexes: mandatoryIndexes)
    }

    /// §3.4.2 "labelReplacementCanonicalizeJsonLd" with the label map factory of §3.4.3
    /// "createLabelMapFunction": the document's RDF canonicalized with RDFC-1.0, each canonical
    /// blank node label replaced with its label in `labelMap`, as N-Quads lines in code point order.
    /// - Throws: ``CredentialError/Code/canonicalization`` if JSON-LD processing fails;
    ///   ``CredentialError/Code/malformedProof`` if a blank node has no label in the map.
    public static func labelReplacementCanonicalizeJsonLd(
        _ document: JSONValue, labelMap: [String: String], jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> [String] {
        let dataset: RDFDataset
        let canonical: RDFCResult
        do {
            dataset = try JSONLD.toRDF(document, options: jsonLD)
            canonical = try RDFC10.canonicalize(dataset)
        } catch {
            throw CredentialError(.canonicalization, "RDFC-1.0 canonicalization failed: \(error.code): \(error.reason)")
        }
        var relabeled: [String: String] = [:]
        for (label, canonicalLabel) in canonical.issuedIdentifiers {
            guard let replacement = labelMap[canonicalLabel] else {
                throw CredentialError(.malformedProof,
                    "PROOF_VERIFICATION_ERROR: the label map has no label for the disclosed blank node \(canonicalLabel)")
            }
            relabeled[label] = replacement
        }
        func relabel(_ term: RDFTerm) -> RDFTerm {
            guard case .blankNode(let label) = term else { return term }
            return .blankNode(relabeled[label] ?? label)
        }
        var lines: [[UInt8]] = dataset.quads.map { q in
            var line: [UInt8] = []
            NQuads.appendQuad(RDFQuad(relabel(q.subject), q.predicate, relabel(q.object), graph: q.graph.map(relabel)), to: &line)
            return line
        }
        lines.sort { $0.lexicographicallyPrecedes($1) }
        return lines.map { String(decoding: $0, as: UTF8.self) }
    }

    /// §3.5.9 "createVerifyData": the proof hash, the parsed proof value, and the disclosed
    /// statements relabeled and split into the mandatory ones (hashed) and the others.
    public static func createVerifyData(
        _ document: JSONValue, proof: JSONObject, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> VerifyData {
        guard case .object(var unsecured) = document else {
            throw CredentialError(.malformedDocument, "the secured document is not a JSON object")
        }
        unsecured.removeValue(forKey: "proof")
        guard proof["type"]?.stringValue == "DataIntegrityProof", proof["cryptosuite"]?.stringValue == name else {
            throw CredentialError(.malformedProof, "PROOF_VERIFICATION_ERROR: the proof is not a DataIntegrityProof of ecdsa-sd-2023")
        }
        guard let proofValue = proof["proofValue"]?.stringValue else {
            throw CredentialError(.malformedProof, "proof has no proofValue string")
        }
        // Step 1: the proof configuration (Base Proof Configuration, §3.6.4), hashed with SHA-256.
        let proofHash = Array(SHA256.hash(data: try ProofCanonicalization.rdfc.proofConfiguration(
            proof, unsecuredDocument: .object(unsecured), jsonLD: jsonLD)))
        let parsed = try parseDerivedProofValue(proofValue)  // step 2
        let nquads = try labelReplacementCanonicalizeJsonLd(.object(unsecured), labelMap: parsed.labelMap, jsonLD: jsonLD)  // steps 3-4
        let mandatoryIndexes = Set(parsed.mandatoryIndexes)
        var mandatory: [UInt8] = []
        var nonMandatory: [String] = []
        for (index, nq) in nquads.enumerated() {  // steps 5-7
            if mandatoryIndexes.contains(index) { mandatory += nq.utf8 } else { nonMandatory.append(nq) }
        }
        return VerifyData(proofValue: parsed, proofHash: proofHash, nonMandatory: nonMandatory,
                          mandatoryHash: Array(SHA256.hash(data: mandatory)), nquads: nquads)  // step 8, §3.4.16
    }

    /// §3.6.7 "Verify Derived Proof": the issuer's base signature over the proof hash, the
    /// proof-scoped key and the mandatory hash (§3.5.1 "serializeSignData") with the
    /// verification method's P-256 key, and each disclosed non-mandatory statement's
    /// signature with the proof-scoped key.
    /// - Returns: whether every signature matches, and the data they were checked against.
    /// - Throws: ``CredentialError`` when the proof cannot be checked: malformed, a base proof,
    ///   a count of signatures that differs from the count of non-mandatory statements (step 3),
    ///   or an issuer key that is not P-256.
    public static func verifyDerivedProof(
        _ document: JSONValue, proof: JSONObject, publicKey: Multikey, jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> (verified: Bool, verifyData: VerifyData) {
        let issuerKey = try publicKey.ecdsaPublicKey()
        guard issuerKey.curve == .p256 else {
            throw CredentialError(.unsupported, "ecdsa-sd-2023 proofs are made with P-256 keys; the verification method's key is \(issuerKey.curve.rawValue)")
        }
        let data = try createVerifyData(document, proof: proof, jsonLD: jsonLD)
        let value = data.proofValue
        guard value.signatures.count == data.nonMandatory.count else {
            throw CredentialError(.malformedProof,
                "PROOF_VERIFICATION_ERROR: the proof has \(value.signatures.count) statement signature(s) "
                + "for \(data.nonMandatory.count) disclosed non-mandatory statement(s)")
        }
        let proofKey: ECDSAPublicKey
        do {
            let (_, point) = try Multicodec.split(value.publicKey)
            proofKey = try ECDSAPublicKey(multikey: Multikey(codec: .p256Public, keyBytes: point))
        } catch {
            throw CredentialError(.malformedProof, "PROOF_VERIFICATION_ERROR: the proof-scoped public key is not a P-256 point")
        }
        let toVerify = data.proofHash + value.publicKey + data.mandatoryHash
        var verified = issuerKey.isValidSignature(value.baseSignature, for: toVerify)
        for (signature, statement) in zip(value.signatures, data.nonMandatory) where verified {
            verified = proofKey.isValidSignature(signature, for: Array(statement.utf8))
        }
        return (verified, data)
    }
}
