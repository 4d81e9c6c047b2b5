import Foundation
import VitaJSON

extension CredentialError.Code {
    /// A compact JWS / JWT is malformed (parts, base64url, JSON, header).
    public static let malformedJWT = CredentialError.Code(rawValue: "malformed JWT")
}

/// Keys for VC-JWT verification that the caller knows out of band (a JWKS fetched from
/// the issuer's `/.well-known/jwks.json`, keys configured by an administrator, tests):
/// OB 3.0 §8.2.1 allows a `kid` that dereferences to a JWK, and RSA keys — which have no
/// Multikey form — can only be found this way.
public struct VCJWTKnownKey: Sendable, Equatable {
    /// The `kid` the key is known under (matched exactly against the header's `kid`).
    public var kid: String
    /// Who controls the key: compared with the credential's issuer id.
    public var controller: String
    /// The key.
    public var key: VCJWTPublicKey

    /// A known key.
    public init(kid: String, controller: String, key: VCJWTPublicKey) {
        self.kid = kid
        self.controller = controller
        self.key = key
    }
}

extension CredentialVerifier {
    /// Verifies a VC-JWT (OB 3.0 §8.2.4 "Verify a Credential", VC DM 1.1 §6.3.1):
    ///
    /// 1. `format` — a compact JWS whose header and payload are JSON objects;
    /// 2. `context`, `type`, `schema` — as for JSON credentials, on the credential the
    ///    payload carries (`vc` claim, or the payload itself without JWT claims);
    /// 3. `proof` — the key from the header's `jwk` (public members only), or its `kid`
    ///    via `knownKeys` or the verifier's ``VerificationMethodResolver`` (did:key
    ///    Ed25519 / P-256); `alg` must be the key's algorithm (RS256 / ES256 / EdDSA; `none`
    ///    and `HS*` are never accepted, so an RSA public key cannot be used as an HMAC
    ///    secret); the signature is verified by jwt-kit over the exact signing input;
    /// 4. `claims` — `iss` = issuer id, `jti` = `id`, `sub` = `credentialSubject.id`,
    ///    `nbf` = `validFrom`/`issuanceDate`, `exp` = `validUntil`/`expirationDate` (a missing
    ///    `sub`, `jti`, `nbf` or `exp`, or an `nbf`/`exp` without a credential date, is a
    ///    warning: the 1EdTech fixtures omit `sub`, VC-JOSE-COSE uses `exp` for the JWT alone);
    /// 5. `issuer` — the key is controlled by the issuer (a resolved method's controller,
    ///    a known key's controller, or a did:key issuer whose key is the embedded `jwk`);
    ///    an embedded `jwk` nothing binds to the issuer fails under `.required` (anyone can
    ///    embed a key; OB 3.0's key-provenance check fetches the issuer's JWKS, which this
    ///    offline verifier does not) and warns under `.warnOnly`;
    /// 6. `validity` — the credential's dates, plus `nbf` not in the future and `exp` not
    ///    passed;
    /// 7. `status`, `endorsements`, `nested` — as for JSON credentials.
    ///
    /// Never throws and never crashes: malformed input is a failed `format` check.
    public func verify(jwt: String, knownKeys: [VCJWTKnownKey] = []) async -> VerificationReport {
        let token = jwt.trimmingCharacters(in: .whitespacesAndNewlines)
        let jws: CompactJWS
        do { jws = try CompactJWS(parsing: token) } catch {
            return VerificationReport(checks: [.init("format", .fail, "not a VC-JWT: \(error.reason)")])
        }
        let credential = jws.credential
        guard case .object(let c) = credential else {
            return VerificationReport(checks: [.init("format", .fail, "the vc claim is not a JSON object")])
        }
        let now = clock()

        // The JSON path for context, type, schema, validity, status, endorsements, nested.
        let base = await verify(credential, depth: 0)
        var report = VerificationReport(credentialID: c["id"]?.stringValue ?? jws.payload["jti"]?.stringValue)
        let proof = await jwtProof(jws, credential: c, knownKeys: knownKeys)
        let hasEmbeddedProofs = !base.proofs.isEmpty

        for check in base.checks {
            switch check.name {
            case "format":
                let alg = jws.algorithm ?? "?"
                let where_ = jws.usesVCClaim ? "credential in the vc claim (VC DM 1.1 style)" : "credential as the payload (VC DM 2.0 style)"
                report.checks.append(.init("format", .pass, "compact JWS (\(alg)); \(where_)"))
            case "proof":
                if report.checks(named: "proof").isEmpty {
                    report.checks.append(proof.check)
                    report.checks.append(claimsCheck(jws, credential: c))
                }
                // An embedded Data Integrity proof inside the JWT payload is reported too;
                // "no proof" / "no supported proof" are about Data Integrity only.
                if hasEmbeddedProofs, !check.message.hasPrefix("no proof uses a supported") {
                    report.checks.append(.init("proof", check.outcome, "embedded: " + check.message))
                }
            case "issuer":
                if check.outcome == .pass, hasEmbeddedProofs {
                    report.checks.append(check)
                } else {
                    report.checks.append(issuerCheck(proof, credential: c))
                }
            case "jsonld":
                // Said again with the JWT signature known: it covers the JSON bytes.
                report.checks.append(droppedDataCheck(credential, proofs: [proof.result] + base.proofs) ?? check)
            case "validity":
                report.checks.append(check)
                report.checks += timeChecks(jws, now: now)
            default:
                report.checks.append(check)
            }
        }
        if report.checks(named: "proof").isEmpty {  // the JSON path stopped early
            report.checks.append(proof.check)
        }
        report.proofs = [proof.result] + base.proofs
        report.nested = base.nested
        report.endorsements = base.endorsements
        return report
    }

    /// Verifies bytes that hold a JSON credential, a compact VC-JWT, or a baked PNG/SVG
    /// image (uploaded, or received over an API): a PNG by its signature or an SVG by a
    /// leading `<` is unbaked (``verify(bakedImage:format:knownKeys:)``); JSON if the first
    /// non-blank byte is `{`; a JSON string holding a JWT is unwrapped; otherwise a JWT.
    public func verify(input: [UInt8], knownKeys: [VCJWTKnownKey] = []) async -> VerificationReport {
        if let image = BadgeBaking.ImageFormat(sniffing: input) {
            return await verify(bakedImage: input, format: image, knownKeys: knownKeys)
        }
        let blank: Set<UInt8> = [0x20, 0x09, 0x0a, 0x0d]
        let bom: [UInt8] = [0xef, 0xbb, 0xbf]
        let body = input.starts(with: bom) ? Array(input.dropFirst(3)) : input
        guard let first = body.first(where: { !blank.contains($0) }) else {
            return VerificationReport(checks: [.init("format", .fail, "the input is empty")])
        }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "\"") || first == UInt8(ascii: "[") {
            let value: JSONValue
            do { value = try JSONValue(parsing: body) } catch {
                return VerificationReport(checks: [.init("format", .fail, "not valid JSON: \(error.reason)")])
            }
            if case .string(let jwt) = value { return await verify(jwt: jwt, knownKeys: knownKeys) }
            return await verify(value)
        }
        guard let text = String(validating: body, as: UTF8.self) else {
            return VerificationReport(checks: [.init("format", .fail, "the input is neither JSON nor a compact JWS (not UTF-8)")])
        }
        return await verify(jwt: text, knownKeys: knownKeys)
    }

    // MARK: - Proof

    struct JWTProof {
        var result: ProofVerification
        var check: VerificationReport.Check
        /// Who controls the key, when that is known.
        var controller: String?
        /// How the key was found: "jwk", "kid", "known", "none".
        var source: String
        var key: VCJWTPublicKey?
    }

    func jwtProof(
        _ jws: CompactJWS, credential c: JSONObject, knownKeys: [VCJWTKnownKey], relationship: String = "assertionMethod"
    ) async -> JWTProof {
        let algName = jws.algorithm
        let kid = jws.header["kid"]?.stringValue
        var result = ProofVerification(index: 0, type: "VC-JWT", cryptosuite: algName, verificationMethodID: kid, outcome: .invalid, reason: "")
        func done(_ outcome: ProofVerification.Outcome, _ reason: String, controller: String? = nil, source: String = "none",
                  key: VCJWTPublicKey? = nil) -> JWTProof {
            result.outcome = outcome
            result.reason = reason
            let label = "VC-JWT (\(algName ?? "no alg"))"
            let check: VerificationReport.Check
            switch outcome {
            case .verified: check = .init("proof", .pass, "\(label): \(reason)")
            case .unsupported: check = .init("proof", .fail, "\(label): \(reason)")
            default: check = .init("proof", .fail, "\(label): \(reason)")
            }
            return JWTProof(result: result, check: check, controller: controller, source: source, key: key)
        }

        // Header (OB 3.0 §8.2.1, RFC 7515 §4.1).
        guard let algName else { return done(.invalid, "the header has no alg") }
        if algName == "none" { return done(.invalid, "unsecured JWTs (alg none) are never accepted") }
        guard let alg = VCJWTAlgorithm(rawValue: algName) else {
            if algName.hasPrefix("HS") {
                return done(.invalid, "symmetric algorithm \(algName) is never accepted for credentials (a public key must not be used as an HMAC secret)")
            }
            return done(.unsupported, "algorithm \(algName) is not supported (RS256, ES256, EdDSA)")
        }
        if let typ = jws.header["typ"] {
            // Media type names are case-insensitive (RFC 7515 §4.1.9).
            // A presentation (authentication) may say vp+jwt; a credential must not.
            let presenting = relationship == "authentication"
            let accepted: Set<String> = presenting
                ? ["jwt", "vp+jwt", "vp+ld+jwt", "application/jwt", "application/vp+jwt"]
                : ["jwt", "vc+jwt", "vc+ld+jwt", "application/jwt", "application/vc+jwt"]
            guard let t = typ.stringValue?.lowercased(), accepted.contains(t) else {
                return done(.invalid, "typ \(typ.stringValue ?? typ.kindName) is not JWT (OB 3.0 §8.2.1) or \(presenting ? "vp+jwt" : "vc+jwt")")
            }
        }
        if let crit = jws.header["crit"] {
            return done(.invalid, "critical header parameters \(crit) are not understood (RFC 7515 §4.1.11)")
        }

        // Key.
        var key: VCJWTPublicKey
        var controller: String?
        var source: String
        var keyLabel: String
        if let jwk = jws.header["jwk"] {
            do { key = try VCJWTPublicKey(jwk: jwk) } catch {
                return done(.invalid, "the header jwk is not usable: \(error.reason)")
            }
            source = "jwk"
            keyLabel = "header jwk \(key.thumbprint)"
            if let kid, let known = knownKeys.first(where: { $0.kid == kid }) {
                guard known.key == key else { return done(.invalid, "the header jwk is not the key known as kid \(kid)") }
                controller = known.controller
            } else if let kid, let method = try? await resolver.resolve(kid) {
                // Both given and the kid resolves: they must name the same key.
                guard (try? VCJWTPublicKey(multikey: method.publicKey)) == key else {
                    return done(.invalid, "the header jwk is not the key kid \(kid) resolves to")
                }
                result.verificationMethod = method
                controller = method.controller
            }
        } else if let kid {
            if let known = knownKeys.first(where: { $0.kid == kid }) {
                key = known.key
                controller = known.controller
                source = "known"
            } else {
                let method: VerificationMethod
                do { method = try await resolver.resolve(kid) } catch {
                    return done(.unresolvable, "kid \(kid) cannot be resolved: \(error.reason)")
                }
                do { key = try VCJWTPublicKey(multikey: method.publicKey) } catch {
                    return done(.unsupported, "the key of kid \(kid) cannot verify a VC-JWT: \(error.reason)")
                }
                // Issuing is an assertion, presenting is authentication (VC DM 2.0 §4.12 / DI §2.1
                // proofPurpose): the controller must have authorized the method for it, when its document says.
                if !method.relationships.isEmpty, !method.relationships.contains(relationship) {
                    return done(.invalid, "kid \(kid) is not authorized for \(relationship) by its controller")
                }
                result.verificationMethod = method
                controller = method.controller
                source = "kid"
            }
            keyLabel = "kid \(kid)"
        } else {
            return done(.unresolvable, "the header has neither kid nor jwk: the key must be obtained out of band")
        }

        // Algorithm bound to the key type: no algorithm confusion.
        guard key.algorithm == alg else {
            return done(.invalid, "alg \(alg) does not match the \(key.keyType) key (which verifies only \(key.algorithm))",
                        controller: controller, source: source, key: key)
        }

        // Signature (RFC 7515 §5.2), by jwt-kit.
        let verified: Bool
        do {
            let algorithm = try await key.jwtKitAlgorithm()
            verified = (try? algorithm.verify(jws.signature, signs: jws.signingInput)) ?? false
        } catch {
            return done(.invalid, error.reason)
        }
        guard verified else {
            return done(.signatureMismatch, "signature does not match (\(keyLabel)); the token was altered after signing or was not signed by this key",
                        controller: controller, source: source, key: key)
        }
        return done(.verified, "signature valid (\(keyLabel))", controller: controller, source: source, key: key)
    }

    // MARK: - Claims ↔ credential (OB 3.0 §8.2.4)

    func claimsCheck(_ jws: CompactJWS, credential c: JSONObject) -> VerificationReport.Check {
        let p = jws.payload
        var problems: [String] = []
        var warnings: [String] = []
        var agreed: [String] = []
        func compare(_ claim: String, _ property: String, _ expected: String?, required: Bool) {
            let value = p[claim]
            switch (value, expected) {
            case (nil, nil): break
            case (nil, _?):
                if required { problems.append("\(claim) is missing (\(property) is set)") } else {
                    warnings.append("\(claim) is missing (\(property) is set)")
                }
            case (let v?, nil):
                problems.append("\(claim) \(v.stringValue ?? v.kindName) but the credential has no \(property)")
            case (let v?, let e?):
                if v.stringValue == e { agreed.append("\(claim)") } else {
                    problems.append("\(claim) \(v.stringValue ?? v.kindName) ≠ \(property) \(e)")
                }
            }
        }
        compare("iss", "issuer id", VCJWT.issuerID(of: c), required: true)
        if p["iss"] == nil, VCJWT.issuerID(of: c) == nil { problems.append("iss is missing") }
        compare("jti", "id", c["id"]?.stringValue, required: false)
        compare("sub", "credentialSubject.id", VCJWT.subjectID(of: c), required: false)
        let (fromKey, untilKey) = VCJWT.validityKeys(c)
        func compareDate(_ claim: String, _ property: String) {
            let expected = c[property]?.stringValue.flatMap(XSDDateTime.parse).map(VCJWT.numericDate)
            switch (p[claim], expected) {
            case (nil, nil): break
            case (nil, _?): warnings.append("\(claim) is missing (\(property) is set)")
            case (_?, nil):
                // VC-JOSE-COSE lets nbf/exp describe the JWT alone: a warning; still enforced by `validity`.
                if c[property] == nil { warnings.append("\(claim) is set but the credential has no \(property)") }
            case (let v?, let e?):
                guard let n = v.numberValue?.doubleValue, n.isFinite else {
                    problems.append("\(claim) is not a NumericDate"); return
                }
                if Int(n.rounded(.down)) == e { agreed.append(claim) } else {
                    problems.append("\(claim) \(v) ≠ \(property) \(c[property]?.stringValue ?? "") (\(e))")
                }
            }
        }
        compareDate("nbf", fromKey)
        compareDate("exp", untilKey)
        if !problems.isEmpty { return .init("claims", .fail, "JWT claims disagree with the credential: " + problems.joined(separator: "; ")) }
        if !warnings.isEmpty { return .init("claims", .warning, "agree: \(agreed.joined(separator: ", ")); " + warnings.joined(separator: "; ")) }
        return .init("claims", .pass, "\(agreed.joined(separator: ", ")) agree with the credential")
    }

    /// `nbf` not in the future, `exp` not passed (RFC 7519 §4.1.4, §4.1.5).
    func timeChecks(_ jws: CompactJWS, now: Date) -> [VerificationReport.Check] {
        var checks: [VerificationReport.Check] = []
        let nowText = XSDDateTime.format(now)
        for claim in ["nbf", "exp"] {
            guard let v = jws.payload[claim] else { continue }
            guard let n = v.numberValue?.doubleValue, n.isFinite, abs(n) < 1e11 else {
                checks.append(.init("validity", .fail, "JWT \(claim) is not a NumericDate")); continue
            }
            let date = Date(timeIntervalSince1970: n)
            let text = XSDDateTime.format(date)
            if claim == "nbf", date > now {
                checks.append(.init("validity", .fail, "not yet valid: JWT nbf \(text) is after \(nowText)"))
            } else if claim == "exp", date <= now {
                checks.append(.init("validity", .fail, "expired: JWT exp \(text) is not after \(nowText)"))
            }
        }
        return checks
    }

    func issuerCheck(_ proof: JWTProof, credential c: JSONObject) -> VerificationReport.Check {
        guard let issuerID = VCJWT.issuerID(of: c) else {
            return .init("issuer", .fail, "the credential has no issuer (or the issuer has no id)")
        }
        guard proof.result.isVerified, let key = proof.key else {
            return .init("issuer", .notChecked, "no verified proof to bind the issuer \(issuerID) to")
        }
        let method = proof.result.verificationMethodID ?? "the header jwk"
        if let controller = proof.controller {
            if controller == issuerID {
                return .init("issuer", .pass, "the key of \(method) is controlled by the issuer \(issuerID)")
            }
            return .init("issuer", issuerBinding == .required ? .fail : .warning,
                         "the key of \(method) is controlled by \(controller), not by the issuer \(issuerID)")
        }
        // An embedded jwk: bound only if the issuer is a did:key of that very key.
        if issuerID.hasPrefix("did:key:"), let m = try? DIDKeyResolver.resolveSynchronously(issuerID),
           let issuerKey = try? VCJWTPublicKey(multikey: m.publicKey), issuerKey == key {
            return .init("issuer", .pass, "the header jwk is the key of the did:key issuer \(issuerID)")
        }
        return .init("issuer", issuerBinding == .required ? .fail : .warning,
                     "the key was embedded in the JWT header (jwk \(key.thumbprint)) and nothing binds it to the issuer \(issuerID) (its JWKS is not fetched offline)")
    }
}
