import Foundation
import VitaJSON
import VitaJSONLD

/// What the verifier of a presentation (the relying party) expects: the values it gave
/// the holder to sign (VC Data Integrity 1.0 §4.4 "Verify Proof" options `challenge`,
/// `domain`), and whether a presentation without a proof is acceptable.
public struct PresentationExpectations: Sendable, Hashable {
    /// The nonce the verifier issued; the proof's `challenge` (a JWT's `nonce`) must equal it.
    /// `nil`: not checked, and the report warns that a replayed presentation would pass.
    public var challenge: String?
    /// The verifier's domain; the proof's `domain` (a JWT's `aud`) must equal or contain it.
    public var domain: String?
    /// Accept a presentation without a proof (the holder is then not authenticated): a
    /// warning instead of a failure.
    public var allowsUnsignedPresentations: Bool

    /// Expectations; by default a proof is required and neither challenge nor domain is checked.
    public init(challenge: String? = nil, domain: String? = nil, allowsUnsignedPresentations: Bool = false) {
        self.challenge = challenge
        self.domain = domain
        self.allowsUnsignedPresentations = allowsUnsignedPresentations
    }
}

extension CredentialVerifier {
    /// Verifies a verifiable presentation (VC DM 2.0 §4.13 "Verifiable Presentations")
    /// secured with Data Integrity proofs. Never throws. Checks, in order:
    ///
    /// 1. `format` — a JSON object;
    /// 2. `context` — as for credentials (VC 2.0 base context first, all contexts known offline);
    /// 3. `type` — includes `VerifiablePresentation`;
    /// 4. `proof` — every proof with `proofPurpose` `authentication` and the expected
    ///    `challenge` and `domain` (DI §4.4); no proof fails ("not bound to a holder") unless
    ///    ``PresentationExpectations/allowsUnsignedPresentations``; `challenge` warns when the
    ///    caller expects no challenge (replay is then not prevented);
    /// 5. `holder` — when the presentation names a `holder`, a verified proof's verification
    ///    method must be controlled by it;
    /// 6. `jsonld` — data the canonical form drops (see ``DroppedDataPolicy``);
    /// 7. `credentials` — every `verifiableCredential` verified on its own (embedded JSON
    ///    credentials with ``verify(_:)``; `EnvelopedVerifiableCredential` with a
    ///    `data:application/vc+jwt,…` id and plain JWT strings with ``verify(jwt:knownKeys:)``),
    ///    each with a sub-report in ``VerificationReport/nested``; one failed credential fails it.
    public func verifyPresentation(
        _ presentation: JSONValue, expecting expectations: PresentationExpectations = PresentationExpectations(),
        knownKeys: [VCJWTKnownKey] = []
    ) async -> VerificationReport {
        await presentationReport(presentation, jws: nil, expectations: expectations, knownKeys: knownKeys)
    }

    /// Verifies a presentation secured as a JWT: VC DM 1.1 §6.3.1 (the presentation in the
    /// `vp` claim; `iss` = holder, `nonce` = challenge, `aud` = domain) or a VC 2.0
    /// presentation as the payload (VC-JOSE-COSE, `typ` `vp+jwt` too). The key comes from
    /// the header's `kid` (resolver or `knownKeys`) or `jwk`, as for VC-JWTs, and must be
    /// authorized for `authentication`. Then the checks of
    /// ``verifyPresentation(_:expecting:knownKeys:)`` plus `claims` (`iss`, `nonce`, `aud`)
    /// and `validity` (`nbf`, `exp`).
    public func verifyPresentation(
        jwt: String, expecting expectations: PresentationExpectations = PresentationExpectations(),
        knownKeys: [VCJWTKnownKey] = []
    ) async -> VerificationReport {
        let jws: CompactJWS
        do { jws = try CompactJWS(parsing: jwt.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
            return VerificationReport(checks: [.init("format", .fail, "not a compact JWS: \(error.reason)")])
        }
        let presentation: JSONValue
        if case .object? = jws.payload["vp"] {
            presentation = jws.payload["vp"]!
        } else if case .object(var o) = jws.payload {
            for name in VCJWT.registeredClaims { o[name] = nil }
            o["nonce"] = nil
            presentation = .object(o)
        } else {
            return VerificationReport(checks: [.init("format", .fail, "the JWT payload is not a JSON object")])
        }
        return await presentationReport(presentation, jws: jws, expectations: expectations, knownKeys: knownKeys)
    }

    /// Verifies bytes holding a JSON presentation, a compact JWT presentation, or a JSON
    /// string holding one.
    public func verifyPresentation(
        input: [UInt8], expecting expectations: PresentationExpectations = PresentationExpectations(),
        knownKeys: [VCJWTKnownKey] = []
    ) async -> VerificationReport {
        let body = input.starts(with: [0xef, 0xbb, 0xbf]) ? Array(input.dropFirst(3)) : input
        guard let first = body.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }) else {
            return VerificationReport(checks: [.init("format", .fail, "the input is empty")])
        }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "\"") || first == UInt8(ascii: "[") {
            let value: JSONValue
            do { value = try JSONValue(parsing: body) } catch {
                return VerificationReport(checks: [.init("format", .fail, "not valid JSON: \(error.reason)")])
            }
            if case .string(let jwt) = value { return await verifyPresentation(jwt: jwt, expecting: expectations, knownKeys: knownKeys) }
            return await verifyPresentation(value, expecting: expectations, knownKeys: knownKeys)
        }
        guard let text = String(validating: body, as: UTF8.self) else {
            return VerificationReport(checks: [.init("format", .fail, "the input is neither JSON nor a compact JWS (not UTF-8)")])
        }
        return await verifyPresentation(jwt: text, expecting: expectations, knownKeys: knownKeys)
    }

    func presentationReport(
        _ presentation: JSONValue, jws: CompactJWS?, expectations: PresentationExpectations, knownKeys: [VCJWTKnownKey]
    ) async -> VerificationReport {
        var report = VerificationReport(credentialID: presentation["id"]?.stringValue)
        func add(_ name: String, _ outcome: VerificationReport.Outcome, _ message: String) {
            report.checks.append(.init(name, outcome, message))
        }
        let now = clock()

        // 1. format
        guard case .object(let object) = presentation else {
            add("format", .fail, "the presentation is not a JSON object (found \(presentation.kindName))")
            return report
        }
        if let jws {
            let place = jws.payload["vp"] != nil ? "presentation in the vp claim (VC DM 1.1 style)" : "presentation as the payload (VC DM 2.0 style)"
            add("format", .pass, "compact JWS (\(jws.algorithm ?? "?")); \(place)")
        } else {
            add("format", .pass, "JSON object")
        }

        // 2. context
        report.checks.append(contextCheck(object, noun: "presentation").0)

        // 3. type
        let types: [String] = object["type"].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? []
        if types.contains("VerifiablePresentation") {
            add("type", .pass, "[\(types.joined(separator: ", "))]")
        } else {
            add("type", .fail, "type does not include VerifiablePresentation")
        }

        // 4. proof (authentication, challenge, domain) → who controls the key(s).
        // VC DM 1.1 §6.3.1: in a JWT presentation `iss` is the holder.
        let holderID: String? = object["holder"].flatMap { $0.stringValue ?? $0["id"]?.stringValue }
            ?? jws?.payload["iss"]?.stringValue
        var controllers: [(method: String, controller: String)] = []
        var proofs: [ProofVerification] = []
        var jwtKey: VCJWTPublicKey?
        if let jws {
            let proof = await jwtProof(jws, credential: object, knownKeys: knownKeys, relationship: "authentication")
            proofs = [proof.result]
            report.checks.append(proof.check)
            if proof.result.isVerified {
                jwtKey = proof.key
                if let controller = proof.controller {
                    controllers.append((proof.result.verificationMethodID ?? "the header jwk", controller))
                }
            }
            report.checks.append(presentationClaimsCheck(jws, holderID: holderID, expectations: expectations))
        } else {
            let expected = ProofExpectations(proofPurpose: "authentication", challenge: expectations.challenge,
                                             domain: expectations.domain, now: now)
            proofs = await DataIntegrity.verifyProofs(of: presentation, resolver: resolver, expectations: expected, jsonLD: jsonLD)
            if proofs.isEmpty {
                add("proof", expectations.allowsUnsignedPresentations ? .warning : .fail,
                    "the presentation has no proof: it is not bound to a holder")
            }
            for p in proofs {
                let label = proofs.count > 1 ? "proof[\(p.index)] " : ""
                let suite = p.cryptosuite.map { "\(p.type ?? "?")/\($0)" } ?? (p.type ?? "untyped proof")
                switch p.outcome {
                case .verified: add("proof", .pass, "\(label)\(suite): \(p.reason)")
                case .unsupported: add("proof", .notChecked, "\(label)\(suite): \(p.reason)")
                case .unresolvable, .invalid, .signatureMismatch: add("proof", .fail, "\(label)\(p.reason)")
                }
                if p.isVerified, let m = p.verificationMethod { controllers.append((m.id, m.controller)) }
            }
            if !proofs.isEmpty, proofs.allSatisfy({ $0.outcome == .unsupported }) {
                add("proof", .fail, "no proof uses a supported proof type or cryptosuite")
            }
        }
        report.proofs = proofs
        let signed = !proofs.isEmpty
        if signed, expectations.challenge == nil {
            add("challenge", .warning, "no challenge was expected, so a replayed presentation is not detected")
        }

        // 5. holder
        report.checks.append(holderCheck(holderID: holderID, controllers: controllers, jwtKey: jwtKey, signed: signed))

        // 6. jsonld
        if let check = droppedDataCheck(presentation, proofs: proofs) { report.checks.append(check) }

        // 7. validity (JWT nbf / exp; Data Integrity `expires` is part of `proof`)
        if let jws { report.checks += timeChecks(jws, now: now) }

        // 8. credentials
        let items = object["verifiableCredential"].map { $0.arrayValue ?? [$0] } ?? []
        var failed: [String] = []
        for (i, item) in items.enumerated() {
            let sub = await presentedCredentialReport(item, knownKeys: knownKeys)
            if sub.verdict == .invalid { failed.append(sub.credentialID ?? "verifiableCredential[\(i)]") }
            report.nested.append(sub)
        }
        if items.isEmpty {
            add("credentials", .pass, "the presentation contains no credentials")
        } else if failed.isEmpty {
            add("credentials", .pass, "all \(items.count) credentials verified")
        } else {
            add("credentials", .fail, "\(failed.count) of \(items.count) credentials failed verification: \(failed.joined(separator: ", "))")
        }
        return report
    }

    /// One `verifiableCredential` entry: an embedded credential, an enveloped one, or a JWT string.
    func presentedCredentialReport(_ item: JSONValue, knownKeys: [VCJWTKnownKey]) async -> VerificationReport {
        if case .string(let jwt) = item { return await verify(jwt: jwt, knownKeys: knownKeys) }
        let types: [String] = item["type"].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? []
        guard types.contains("EnvelopedVerifiableCredential") else { return await verify(item, depth: 1) }
        // VC DM 2.0 §4.13.1 "Enveloped Verifiable Credentials": the id is a data: URL.
        guard let id = item["id"]?.stringValue else {
            return VerificationReport(checks: [.init("format", .fail, "an EnvelopedVerifiableCredential without an id data: URL")])
        }
        switch Self.decodeDataURL(id) {
        case .success(let (mediaType, content)):
            switch mediaType.lowercased() {
            case "application/vc+jwt", "application/vc-ld+jwt", "application/jwt":
                return await verify(jwt: content, knownKeys: knownKeys)
            default:
                return VerificationReport(checks: [.init("format", .fail, "enveloped credentials of media type \(mediaType) are not supported (application/vc+jwt is)")])
            }
        case .failure(let error):
            return VerificationReport(checks: [.init("format", .fail, "the EnvelopedVerifiableCredential id is not a usable data: URL: \(error.reason)")])
        }
    }

    /// RFC 2397 `data:[<mediatype>][;base64],<data>` → media type and text content.
    static func decodeDataURL(_ url: String) -> Result<(String, String), CredentialError> {
        guard url.lowercased().hasPrefix("data:"), let comma = url.firstIndex(of: ",") else {
            return .failure(CredentialError(.malformedDocument, "not a data: URL"))
        }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
        let parameters = header.split(separator: ";", omittingEmptySubsequences: false)
        let mediaType = String(parameters.first ?? "")
        let data = String(url[url.index(after: comma)...])
        if parameters.dropFirst().contains(where: { $0.lowercased() == "base64" }) {
            guard let bytes = Data(base64Encoded: data), let text = String(data: bytes, encoding: .utf8) else {
                return .failure(CredentialError(.invalidEncoding, "the base64 content is not valid UTF-8 text"))
            }
            return .success((mediaType, text))
        }
        guard let text = data.removingPercentEncoding else {
            return .failure(CredentialError(.invalidEncoding, "the content has invalid percent-encoding"))
        }
        return .success((mediaType, text))
    }

    /// The `holder` check: a verified proof's key is controlled by the holder.
    func holderCheck(
        holderID: String?, controllers: [(method: String, controller: String)], jwtKey: VCJWTPublicKey?, signed: Bool
    ) -> VerificationReport.Check {
        guard let holderID else {
            if let first = controllers.first {
                return .init("holder", .pass, "no holder stated; presented with \(first.method), controlled by \(first.controller)")
            }
            return .init("holder", signed ? .notChecked : .warning,
                         signed ? "no holder stated and no verified proof" : "no holder stated and no proof: nobody is authenticated")
        }
        if let bound = controllers.first(where: { $0.controller == holderID }) {
            return .init("holder", .pass, "\(bound.method) is controlled by the holder \(holderID)")
        }
        // A JWT with an embedded jwk: bound only if the holder is a did:key of that very key.
        if let jwtKey, holderID.hasPrefix("did:key:"), let m = try? DIDKeyResolver.resolveSynchronously(holderID),
           let holderKey = try? VCJWTPublicKey(multikey: m.publicKey), holderKey == jwtKey {
            return .init("holder", .pass, "the header jwk is the key of the did:key holder \(holderID)")
        }
        if let first = controllers.first {
            return .init("holder", .fail, "\(first.method) is controlled by \(first.controller), not by the holder \(holderID)")
        }
        if jwtKey != nil {
            return .init("holder", .fail, "the key was embedded in the JWT header and nothing binds it to the holder \(holderID)")
        }
        return .init("holder", signed ? .notChecked : .fail,
                     signed ? "no verified proof to bind the holder \(holderID) to"
                            : "the presentation has no proof, so it is not bound to the holder \(holderID)")
    }

    /// JWT presentation claims: `iss` = holder, `nonce` = expected challenge, `aud` contains the expected domain.
    func presentationClaimsCheck(_ jws: CompactJWS, holderID: String?, expectations: PresentationExpectations) -> VerificationReport.Check {
        let p = jws.payload
        var problems: [String] = []
        var agreed: [String] = []
        if let iss = p["iss"] {
            if let holderID, iss.stringValue != holderID { problems.append("iss ≠ holder \(holderID)") } else if holderID != nil { agreed.append("iss") }
        }
        if let challenge = expectations.challenge {
            if p["nonce"]?.stringValue == challenge { agreed.append("nonce") } else {
                problems.append(p["nonce"] == nil ? "nonce is missing (a challenge was expected)" : "nonce does not match the expected challenge")
            }
        }
        if let domain = expectations.domain {
            let audiences = p["aud"].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? []
            if audiences.contains(domain) { agreed.append("aud") } else {
                problems.append(p["aud"] == nil ? "aud is missing (a domain was expected)" : "aud does not contain the expected domain")
            }
        }
        if !problems.isEmpty { return .init("claims", .fail, "JWT claims: " + problems.joined(separator: "; ")) }
        return .init("claims", .pass, agreed.isEmpty ? "no claims to compare" : "\(agreed.joined(separator: ", ")) as expected")
    }
}
