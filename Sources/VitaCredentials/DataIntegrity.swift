import Foundation
import VitaJSON
import VitaJSONLD

/// What a verifier expects of proofs (VC Data Integrity 1.0 §4.4 "Verify Proof" options).
public struct ProofExpectations: Sendable, Hashable {
    /// The expected `proofPurpose` (default `assertionMethod`).
    public var proofPurpose: String
    /// If set, `challenge` must equal it.
    public var challenge: String?
    /// If set, `domain` must equal (or, for an array, contain) it.
    public var domain: String?
    /// The time `expires` is compared with.
    public var now: Date

    /// Expectations; by default `assertionMethod`, no challenge or domain, the current time.
    public init(proofPurpose: String = "assertionMethod", challenge: String? = nil, domain: String? = nil, now: Date = Date()) {
        self.proofPurpose = proofPurpose
        self.challenge = challenge
        self.domain = domain
        self.now = now
    }
}

/// The result of checking one proof. A failed check is a value, never a throw.
public struct ProofVerification: Sendable, Hashable {
    /// How the check ended.
    public enum Outcome: String, Sendable, Hashable {
        /// The signature matches the document and the resolved key.
        case verified
        /// Everything could be computed, but the signature does not match.
        case signatureMismatch = "signature mismatch"
        /// The proof type, cryptosuite or key type is not supported: not checked.
        case unsupported
        /// The verification method could not be resolved to a key.
        case unresolvable
        /// The proof is malformed or violates an expectation (purpose, expiry, challenge,
        /// domain, chain), or the document cannot be canonicalized.
        case invalid
    }

    /// Position in the proof set (0 for a single proof).
    public var index: Int
    /// The proof `type`.
    public var type: String?
    /// The `cryptosuite`, for DataIntegrityProof.
    public var cryptosuite: String?
    /// The `verificationMethod` the proof names.
    public var verificationMethodID: String?
    /// The resolved method, if resolution succeeded.
    public var verificationMethod: VerificationMethod?
    /// The outcome.
    public var outcome: Outcome
    /// A precise, secret-free explanation.
    public var reason: String
    /// The intermediate values, when they were computed.
    public var hashData: ProofHashData?

    /// `true` only for ``Outcome/verified``.
    public var isVerified: Bool { outcome == .verified }
}

/// VC Data Integrity 1.0 (https://www.w3.org/TR/vc-data-integrity/): adding EdDSA and ECDSA proofs
/// (§4.1 "Add Proof", §4.2 "Add Proof Set/Chain") and verifying every proof of a document
/// (§4.4 "Verify Proof", §4.5 "Verify Proof Sets and Chains") — EdDSA, ECDSA (P-256, P-384),
/// ecdsa-sd-2023 derived proofs and legacy `Ed25519Signature2020` (``verifiedCryptosuites``).
///
/// ```swift
/// let key = Ed25519KeyPair()
/// let options = ProofOptions(verificationMethod: key.didKey.verificationMethodID)
/// let signed = try DataIntegrity.addProof(to: credential, options: options, signer: key)
/// let results = await DataIntegrity.verifyProofs(of: signed)   // did:key resolved offline
/// results.allSatisfy(\.isVerified)                             // true
/// ```
public enum DataIntegrity {
    /// The proofs of a document as a list (`proof` may be one object or an array).
    public static func proofs(of document: JSONValue) -> [JSONValue] {
        switch document["proof"] {
        case nil, .null?: return []
        case .array(let a)?: return a
        case let p?: return [p]
        }
    }

    /// §4.1 "Add Proof" (and §4.2 for documents that already have proofs): signs
    /// `document` and returns it with the new proof appended (`proof` stays an object
    /// when it is the only one, and becomes an array otherwise).
    ///
    /// With ``ProofOptions/previousProof``, the proofs with those ids are kept in the
    /// signed data (a proof chain); otherwise existing proofs are not signed over (a proof set).
    /// The EdDSA suites sign with an Ed25519 signer (an ``Ed25519KeyPair``, or an HSM's), the
    /// ECDSA suites with an ``ECDSAKeyPair`` (its curve picks the hashes).
    /// - Parameters:
    ///   - now: the clock for `created` (``ProofCreated/now``).
    /// - Throws: ``CredentialError`` if the document is not an object, a previous proof is
    ///   missing, the signer does not fit the suite, canonicalization fails (e.g. an unknown
    ///   `@context`) or signing fails.
    public static func addProof(
        to document: JSONValue, options: ProofOptions, signer: some ProofSigner, now: Date = Date(),
        jsonLD: JSONLDOptions = JSONLDOptions()
    ) throws(CredentialError) -> JSONValue {
        guard case .object(var secured) = document else {
            throw CredentialError(.malformedDocument, "the document to sign is not a JSON object")
        }
        guard options.cryptosuite != .eddsa2022Legacy else {
            throw CredentialError(.unsupported, "eddsa-2022 is a legacy name; sign with eddsa-rdfc-2022")
        }
        let existing = proofs(of: document)
        var unsecured = secured
        unsecured.removeValue(forKey: "proof")
        if let previous = options.previousProof {
            unsecured["proof"] = .array(try matchingProofs(previous, in: existing))
        }
        let proof: JSONObject
        switch (options.cryptosuite.isECDSA, signer as? ECDSAKeyPair) {
        case (true, let ecdsa?):
            proof = try ECDSACryptosuite.createProof(.object(unsecured), options: options.proofObject(now: now), signer: ecdsa, jsonLD: jsonLD)
        case (false, nil):
            proof = try EdDSACryptosuite.createProof(.object(unsecured), options: options.proofObject(now: now), signer: signer, jsonLD: jsonLD)
        case (true, nil):
            throw CredentialError(.invalidKey, "\(options.cryptosuite.rawValue) signs with a P-256 or P-384 key")
        case (false, _?):
            throw CredentialError(.invalidKey, "\(options.cryptosuite.rawValue) signs with an Ed25519 key, not an ECDSA one")
        }
        secured["proof"] = existing.isEmpty ? .object(proof) : .array(existing + [.object(proof)])
        return .object(secured)
    }

    /// The cryptosuites of `DataIntegrityProof` whose proofs ``verifyProofs(of:resolver:expectations:jsonLD:)``
    /// checks: the EdDSA suites (and the legacy name eddsa-2022), the ECDSA suites on P-256 and
    /// P-384, and derived proofs of ecdsa-sd-2023. (Legacy `Ed25519Signature2020` proofs too.)
    public static let verifiedCryptosuites = [
        Cryptosuite.eddsaRdfc2022.rawValue, Cryptosuite.eddsaJcs2022.rawValue,
        Cryptosuite.ecdsaRdfc2019.rawValue, Cryptosuite.ecdsaJcs2019.rawValue, ECDSASDCryptosuite.name, Cryptosuite.eddsa2022Legacy.rawValue,
    ]

    static func matchingProofs(_ ids: [String], in all: [JSONValue]) throws(CredentialError) -> [JSONValue] {
        var out: [JSONValue] = []
        for id in ids {
            guard let match = all.first(where: { $0["id"]?.stringValue == id }) else {
                throw CredentialError(.malformedProof, "previousProof \(id) is not a proof of the document")
            }
            out.append(match)
        }
        return out
    }

    /// Verifies every proof of `document` (§4.4, §4.5). Never throws: each proof gets a
    /// ``ProofVerification`` saying whether it verified and, if not, why. An empty result
    /// means the document has no proof.
    public static func verifyProofs(
        of document: JSONValue, resolver: any VerificationMethodResolver = DIDKeyResolver(),
        expectations: ProofExpectations = ProofExpectations(), jsonLD: JSONLDOptions = JSONLDOptions()
    ) async -> [ProofVerification] {
        // Dropped data is the verifier's `jsonld` check, not a reason to skip the signature.
        var jsonLD = jsonLD
        jsonLD.safeMode = false
        let all = proofs(of: document)
        var results: [ProofVerification] = []
        for i in all.indices {
            results.append(await verifyProof(at: i, all: all, document: document, resolver: resolver,
                                             expectations: expectations, jsonLD: jsonLD))
        }
        return results
    }

    static func verifyProof(
        at index: Int, all: [JSONValue], document: JSONValue, resolver: any VerificationMethodResolver,
        expectations: ProofExpectations, jsonLD: JSONLDOptions
    ) async -> ProofVerification {
        var r = ProofVerification(index: index, outcome: .invalid, reason: "")
        func fail(_ o: ProofVerification.Outcome, _ reason: String) -> ProofVerification {
            var f = r
            f.outcome = o
            f.reason = reason
            return f
        }
        guard case .object(let proof) = all[index] else { return fail(.invalid, "proof is not a JSON object") }
        r.type = proof["type"]?.stringValue
        r.cryptosuite = proof["cryptosuite"]?.stringValue
        r.verificationMethodID = proof["verificationMethod"]?.stringValue
        // Which suite?
        enum Suite { case eddsa, ecdsa, ecdsaSD, ed25519Signature2020 }
        let suite: Suite
        switch r.type {
        case "DataIntegrityProof"?:
            switch r.cryptosuite {
            case nil: return fail(.invalid, "DataIntegrityProof without cryptosuite")
            case ECDSACryptosuite.rdfc2019?, ECDSACryptosuite.jcs2019?: suite = .ecdsa
            case ECDSASDCryptosuite.name?: suite = .ecdsaSD
            case let cs? where Cryptosuite(rawValue: cs) != nil: suite = .eddsa
            case let cs?:
                return fail(.unsupported, "unsupported cryptosuite \(cs) (supported: \(verifiedCryptosuites.joined(separator: ", ")))")
            }
        case Ed25519Signature2020.proofType?:
            suite = .ed25519Signature2020
        case let t?:
            return fail(.unsupported, "unsupported proof type \(t)")
        case nil:
            return fail(.invalid, "proof has no type")
        }
        // §4.4 step: required properties and expectations.
        guard let vmID = r.verificationMethodID else { return fail(.invalid, "proof has no verificationMethod") }
        guard proof["proofValue"]?.stringValue != nil else { return fail(.invalid, "proof has no proofValue") }
        guard let purpose = proof["proofPurpose"]?.stringValue else { return fail(.invalid, "proof has no proofPurpose") }
        guard purpose == expectations.proofPurpose else {
            return fail(.invalid, "proofPurpose is \(purpose), expected \(expectations.proofPurpose)")
        }
        if let created = proof["created"], created.stringValue.flatMap(XSDDateTime.parse) == nil {
            return fail(.invalid, "created is not an XML Schema dateTime")
        }
        if let expires = proof["expires"] {
            guard let d = expires.stringValue.flatMap(XSDDateTime.parse) else {
                return fail(.invalid, "expires is not an XML Schema dateTime")
            }
            if d < expectations.now { return fail(.invalid, "the proof expired at \(expires.stringValue!)") }
        }
        if let challenge = expectations.challenge, proof["challenge"]?.stringValue != challenge {
            return fail(.invalid, "challenge does not match the expected challenge")
        }
        if let domain = expectations.domain {
            let domains = proof["domain"].map { $0.arrayValue ?? [$0] }?.compactMap(\.stringValue) ?? []
            if !domains.contains(domain) { return fail(.invalid, "domain does not match the expected domain") }
        }
        // §4.5: a chained proof signs over the proofs it names.
        var chained: JSONValue?
        if let prev = proof["previousProof"] {
            let ids = (prev.arrayValue ?? [prev]).compactMap(\.stringValue)
            do { chained = .array(try matchingProofs(ids, in: all)) } catch {
                return fail(.invalid, error.reason)
            }
        }
        // Resolve the key.
        let method: VerificationMethod
        do { method = try await resolver.resolve(vmID) } catch {
            return fail(error.code == .unsupported ? .unsupported : .unresolvable,
                        "verification method \(vmID) cannot be resolved: \(error.reason)")
        }
        r.verificationMethod = method
        if !method.relationships.isEmpty, !method.relationships.contains(purpose) {
            return fail(.invalid, "verification method \(vmID) is not authorized for \(purpose)")
        }
        // Verify.
        do {
            let verified: Bool
            let data: ProofHashData
            switch suite {
            case .eddsa:
                let (unsecured, options, proofBytes) = try DataIntegrity.prepareVerification(
                    document, proof: proof, chained: chained)
                data = try EdDSACryptosuite.hashData(unsecuredDocument: unsecured, options: options, jsonLD: jsonLD)
                verified = try EdDSACryptosuite.proofVerification(hashData: data, proofBytes: proofBytes, publicKey: method.publicKey)
            case .ecdsa:
                (verified, data) = try ECDSACryptosuite.verifyProof(
                    document, proof: proof, publicKey: method.publicKey, chained: chained, jsonLD: jsonLD)
            case .ecdsaSD:
                guard chained == nil else { return fail(.invalid, "an ecdsa-sd-2023 derived proof cannot be part of a proof chain") }
                let (sdVerified, _) = try ECDSASDCryptosuite.verifyDerivedProof(
                    document, proof: proof, publicKey: method.publicKey, jsonLD: jsonLD)
                return sdVerified
                    ? fail(.verified, "signatures valid (ecdsa-sd-2023 derived proof: the disclosed statements, \(vmID))")
                    : fail(.signatureMismatch,
                           "signature does not match; the disclosed statements were altered after signing or were not signed by \(vmID)")
            case .ed25519Signature2020:
                (verified, data) = try Ed25519Signature2020.verifyProof(document, proof: proof, publicKey: method.publicKey, jsonLD: jsonLD)
            }
            r.hashData = data
            return verified
                ? fail(.verified, "signature valid (\(r.cryptosuite ?? r.type ?? "proof"), \(vmID))")
                : fail(.signatureMismatch,
                       "signature does not match; the document was altered after signing or was not signed by \(vmID)")
        } catch {
            return fail(error.code == .unsupported ? .unsupported : .invalid, error.reason)
        }
    }
}
