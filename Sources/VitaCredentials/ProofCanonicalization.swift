import VitaJSON
import VitaJSONLD

/// How a Data Integrity cryptosuite turns a document, or a proof configuration, into the
/// bytes it hashes: RDF Dataset Canonicalization (RDFC-1.0 N-Quads of the JSON-LD
/// document; `eddsa-rdfc-2022`, `ecdsa-rdfc-2019`, `Ed25519Signature2020`) or the JSON
/// Canonicalization Scheme (RFC 8785; `eddsa-jcs-2022`, `ecdsa-jcs-2019`).
enum ProofCanonicalization {
    case rdfc, jcs

    /// The canonical bytes of `value`. `part` names it in the refusal to sign data that
    /// JSON-LD would drop (safe mode, see ``signingOptions(_:)``). `rdfcHash` is the hash
    /// RDFC-1.0 labels blank nodes with: SHA-256, or SHA-384 for ecdsa-rdfc-2019 on P-384
    /// (ECDSA §3.2.3 step 2: "a hash algorithm that has an appropriate security level for the curve").
    func canonicalize(
        _ value: JSONValue, jsonLD: JSONLDOptions, part: String = "document", rdfcHash: RDFCHashAlgorithm = .sha256
    ) throws(CredentialError) -> [UInt8] {
        switch self {
        case .jcs: return value.canonicalized()
        case .rdfc:
            do {
                return try JSONLD.canonicalize(value, options: jsonLD, canonicalization: RDFCOptions(hashAlgorithm: rdfcHash)).canonicalBytes
            } catch {
                if error.code == .safeModeViolation { throw Self.unsignedData(error.violations, part: part) }
                throw CredentialError(.canonicalization, "RDFC-1.0 canonicalization failed: \(error.code): \(error.reason)")
            }
        }
    }

    /// Create Proof steps 1-2 of every suite of this module: the proof options without `proofValue` and, for a JCS
    /// suite, with the document's `@context` (eddsa-jcs-2022 §3.3.1 step 2, ecdsa-jcs-2019 §3.3.1 step 2).
    /// - Throws: ``CredentialError/Code/malformedDocument`` if the document is not a JSON object.
    func newProof(_ options: JSONObject, for unsecuredDocument: JSONValue) throws(CredentialError) -> JSONObject {
        guard case .object = unsecuredDocument else {
            throw CredentialError(.malformedDocument, "the document to sign is not a JSON object")
        }
        var proof = options
        proof.removeValue(forKey: "proofValue")
        if self == .jcs, let context = unsecuredDocument["@context"] {
            proof["@context"] = context
        }
        return proof
    }

    /// The Proof Configuration algorithm every cryptosuite of this module shares (EdDSA
    /// §3.2.5 / §3.3.5, ECDSA §3.2.5 / §3.3.5, ecdsa-sd-2023 §3.6.4): the options without
    /// `proofValue`, `created` checked to be an XML Schema dateTime, the document's
    /// `@context` set on it, canonicalized like the document.
    func proofConfiguration(
        _ options: JSONObject, unsecuredDocument: JSONValue, jsonLD: JSONLDOptions, rdfcHash: RDFCHashAlgorithm = .sha256
    ) throws(CredentialError) -> [UInt8] {
        var proofConfig = options
        proofConfig.removeValue(forKey: "proofValue")
        if let created = proofConfig["created"] {
            guard let s = created.stringValue, XSDDateTime.parse(s) != nil else {
                throw CredentialError(.malformedProof, "PROOF_GENERATION_ERROR: created is not an XML Schema dateTime")
            }
        }
        if let context = unsecuredDocument["@context"] {
            proofConfig["@context"] = context
        }
        return try canonicalize(.object(proofConfig), jsonLD: jsonLD, part: "proof configuration", rdfcHash: rdfcHash)
    }

    /// The refusal to sign a document whose canonical form would lose `violations`.
    static func unsignedData(_ violations: [SafeModeViolation], part: String) -> CredentialError {
        let shown = violations.prefix(3).map(\.description).joined(separator: "; ")
        let more = violations.count > 3 ? " (and \(violations.count - 3) more)" : ""
        var error = CredentialError(.unsignedData,
            "refusing to sign: JSON-LD would drop \(violations.count) part(s) of the \(part) from the RDFC-1.0 canonical form, "
            + "so they would not be signed: \(shown)\(more). Define the terms in a @context (e.g. the OB extensions context "
            + "for 1EdTech types), use absolute IRIs, or remove the entries")
        error.violations = violations
        return error
    }

    /// Options for canonicalizing data that is about to be signed: safe mode on (JSON-LD 1.1
    /// API processing otherwise unchanged), so nothing is silently left unsigned.
    static func signingOptions(_ jsonLD: JSONLDOptions) -> JSONLDOptions {
        var safe = jsonLD
        safe.safeMode = true
        return safe
    }
}

extension DataIntegrity {
    /// Steps 1-4 of every suite's Verify Proof: the document without `proof` (step 1; a
    /// chained proof's `chained` proofs become its `proof`), the proof without `proofValue`
    /// (step 2), `proofValue` as multibase base58btc bytes (step 3), and the check that the
    /// document's `@context` starts with the proof's, whose `@context` then replaces the
    /// document's (step 4, JCS suites).
    static func prepareVerification(
        _ securedDocument: JSONValue, proof: JSONObject, chained: JSONValue?
    ) throws(CredentialError) -> (unsecured: JSONValue, options: JSONObject, proofBytes: [UInt8]) {
        guard case .object(var unsecured) = securedDocument else {
            throw CredentialError(.malformedDocument, "the secured document is not a JSON object")
        }
        unsecured.removeValue(forKey: "proof")
        if let chained { unsecured["proof"] = chained }
        var options = proof
        guard let proofValue = options.removeValue(forKey: "proofValue")?.stringValue else {
            throw CredentialError(.malformedProof, "proof has no proofValue string")
        }
        let proofBytes: [UInt8]
        do { proofBytes = try Multibase.decodeBase58btc(proofValue) } catch {
            throw CredentialError(.malformedProof, "proofValue is not multibase base58btc: \(error.reason)")
        }
        if let proofContext = options["@context"] {
            let proofList = proofContext.arrayValue ?? [proofContext]
            let documentContext = unsecured["@context"]
            let documentList = documentContext?.arrayValue ?? (documentContext.map { [$0] } ?? [])
            guard documentList.count >= proofList.count, Array(documentList.prefix(proofList.count)) == proofList else {
                throw CredentialError(.malformedProof,
                    "PROOF_VERIFICATION_ERROR: the document's @context does not start with the proof's @context")
            }
            unsecured["@context"] = proofContext
        }
        return (.object(unsecured), options, proofBytes)
    }
}
