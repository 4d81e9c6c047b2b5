import Foundation
import JWTKit
import VitaJSON

/// VC-JWT as profiled by Open Badges 3.0 §8.2 "JSON Web Token Proof Format" (and CLR 2.0,
/// which reuses it): a credential secured as a compact JWS (RFC 7515 §7.1) with `alg`
/// RS256 (required of implementations), ES256 or EdDSA.
///
/// JOSE header (OB 3.0 §8.2.1): `alg`; `typ: "JWT"`; `kid` (a URL — DID URL or key URL —
/// that dereferences to the key) **or** `jwk` (the public key; never private members).
///
/// JWT claims (OB 3.0 §8.2.2): `iss` = `issuer.id`, `jti` = `id`, `sub` =
/// `credentialSubject.id`, `nbf` = `validFrom` (VC 1.1: `issuanceDate`) as NumericDate,
/// `exp` = `validUntil` (VC 1.1: `expirationDate`) if present, and `iat` = the signing time
/// (OB 3.0 maps `validFrom` to `nbf`, not to `iat`; `iat` says when the JWT was made).
///
/// Where the credential goes (``PayloadStyle``): OB 3.0.3 (VC DM 2.0) makes the JWT
/// payload the credential itself with the claims added; VC DM 1.1 credentials put it in
/// the `vc` claim (VC DM 1.1 §6.3.1), which the 1EdTech validator fixtures use.
/// Verification accepts both.
///
/// The header and payload are built and serialized by VitaJSON (member order and numbers
/// exactly as written: jwt-kit's `Codable` payloads would turn `1.0` into `1` and reorder
/// nothing useful), then signed and verified over the exact bytes with jwt-kit's
/// algorithms (``VCJWTSigningKey``, ``VCJWTPublicKey``).
///
/// ```swift
/// let key = try VCJWTSigningKey.generate(.rsa)
/// let jwt = try await VCJWT.sign(credential: credential, key: key, kid: "https://example.edu/keys/1")
/// let jwt2 = try await VCJWT.sign(credential: credential, key: key, embedJWK: true)
/// let report = await CredentialVerifier().verify(jwt: jwt2)
/// ```
public enum VCJWT {
    /// How the verifier finds the key (OB 3.0 §8.2.1).
    public enum KeyReference: Sendable, Hashable {
        /// `kid`: a URL dereferencing to the public key (DID URL, key URL).
        case kid(String)
        /// `jwk`: the public key embedded in the header.
        case jwk
    }

    /// Where the credential sits in the JWT payload.
    public enum PayloadStyle: Sendable, Hashable {
        /// VC DM 2.0 credentials as the payload itself, VC DM 1.1 credentials in `vc`.
        case automatic
        /// The payload is the credential plus the JWT claims (OB 3.0.3 §8.2, VC DM 2.0).
        case credential
        /// The credential is the `vc` claim (VC DM 1.1 §6.3.1; the OB 3.0 VC 1.1 mapping).
        case vcClaim
    }

    /// The `typ` OB 3.0 §8.2.1 prescribes. (W3C VC-JOSE-COSE uses `vc+jwt`; both are accepted.)
    public static let typ = "JWT"

    /// The registered JWT claims Vita writes and strips again when the payload is the
    /// credential itself (RFC 7519 §4.1).
    static let registeredClaims: Set<String> = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"]

    /// Signs a credential with a `kid` header (a DID URL or key URL the verifier resolves).
    public static func sign(
        credential: JSONValue, key: VCJWTSigningKey, kid: String,
        payloadStyle: PayloadStyle = .automatic, issuedAt: Date? = Date()
    ) async throws(CredentialError) -> String {
        try await sign(credential: credential, key: key, reference: .kid(kid), payloadStyle: payloadStyle, issuedAt: issuedAt)
    }

    /// Signs a credential with the public key embedded as a `jwk` header (`embedJWK:
    /// true`), or with neither `kid` nor `jwk` (`false`: the verifier must know the key
    /// out of band).
    public static func sign(
        credential: JSONValue, key: VCJWTSigningKey, embedJWK: Bool,
        payloadStyle: PayloadStyle = .automatic, issuedAt: Date? = Date()
    ) async throws(CredentialError) -> String {
        try await sign(credential: credential, key: key, reference: embedJWK ? .jwk : nil, payloadStyle: payloadStyle, issuedAt: issuedAt)
    }

    /// Signs a credential as a VC-JWT (OB 3.0 §8.2.3 "Create the proof").
    ///
    /// - Parameters:
    ///   - issuedAt: the `iat` claim (signing time; `nil` omits it).
    /// - Throws: ``CredentialError/Code/malformedDocument`` if the credential is not an
    ///   object, has no issuer id, has a `validFrom`/`validUntil` that is not a dateTime,
    ///   or (payload style `.credential`) already uses a registered claim name;
    ///   ``CredentialError/Code/signingFailed`` if signing fails.
    public static func sign(
        credential: JSONValue, key: VCJWTSigningKey, reference: KeyReference?,
        payloadStyle: PayloadStyle = .automatic, issuedAt: Date? = Date()
    ) async throws(CredentialError) -> String {
        var header = JSONObject()
        header["alg"] = .string(key.algorithm.rawValue)
        header["typ"] = .string(typ)
        switch reference {
        case .kid(let kid)?: header["kid"] = .string(kid)
        case .jwk?: header["jwk"] = key.publicKey.jwk
        case nil: break
        }
        let payload = try self.payload(for: credential, style: payloadStyle, issuedAt: issuedAt)
        return try await signCompact(header: header, payload: payload.serialized(), key: key)
    }

    /// The JWT claims for a credential (OB 3.0 §8.2.2): `iss`, `jti`, `sub`, `nbf`, `exp`
    /// (those the credential has a source for), in that order.
    public static func claims(for credential: JSONValue) throws(CredentialError) -> JSONObject {
        guard case .object(let c) = credential else {
            throw CredentialError(.malformedDocument, "the credential is not a JSON object")
        }
        var claims = JSONObject()
        guard let issuer = issuerID(of: c) else {
            throw CredentialError(.malformedDocument, "the credential has no issuer id (needed for the iss claim)")
        }
        claims["iss"] = .string(issuer)
        if let id = c["id"]?.stringValue { claims["jti"] = .string(id) }
        if let sub = subjectID(of: c) { claims["sub"] = .string(sub) }
        let (fromKey, untilKey) = validityKeys(c)
        if let v = c[fromKey] {
            guard let s = v.stringValue, let d = XSDDateTime.parse(s) else {
                throw CredentialError(.malformedDocument, "\(fromKey) is not an XML Schema dateTime")
            }
            claims["nbf"] = .number(JSONNumber(numericDate(d)))
        }
        if let v = c[untilKey] {
            guard let s = v.stringValue, let d = XSDDateTime.parse(s) else {
                throw CredentialError(.malformedDocument, "\(untilKey) is not an XML Schema dateTime")
            }
            claims["exp"] = .number(JSONNumber(numericDate(d)))
        }
        return claims
    }

    /// The JWT payload for a credential: the claims plus the credential, as `style` says.
    public static func payload(for credential: JSONValue, style: PayloadStyle = .automatic, issuedAt: Date? = Date()) throws(CredentialError) -> JSONValue {
        var claims = try claims(for: credential)
        if let issuedAt { claims["iat"] = .number(JSONNumber(numericDate(issuedAt))) }
        guard case .object(let c) = credential else { throw CredentialError(.malformedDocument, "the credential is not a JSON object") }
        let useVC: Bool
        switch style {
        case .vcClaim: useVC = true
        case .credential: useVC = false
        case .automatic: useVC = isVC11(c)
        }
        if useVC {
            claims["vc"] = credential
            return .object(claims)
        }
        var payload = c
        for (name, value) in claims {
            guard payload[name] == nil else {
                throw CredentialError(.malformedDocument, "the credential has a property \"\(name)\", which is a registered JWT claim; use the vc claim style")
            }
            payload[name] = value
        }
        return .object(payload)
    }

    /// Signs `base64url(header) . base64url(payload)` (RFC 7515 §5.1) with jwt-kit.
    static func signCompact(header: JSONObject, payload: [UInt8], key: VCJWTSigningKey) async throws(CredentialError) -> String {
        let signingInput = Base64URL.encode(JSONValue.object(header).serialized()) + "." + Base64URL.encode(payload)
        let algorithm = try await key.jwtKitAlgorithm()
        let signature: [UInt8]
        do { signature = try algorithm.sign(Array(signingInput.utf8)) } catch {
            throw CredentialError(.signingFailed, "\(key.algorithm) signing failed")
        }
        return signingInput + "." + Base64URL.encode(signature)
    }

    // MARK: - Mapping helpers (shared with verification)

    static func issuerID(of c: JSONObject) -> String? {
        c["issuer"].flatMap { $0.stringValue ?? $0["id"]?.stringValue }
    }

    /// The `credentialSubject.id` (of the first subject if there are several).
    static func subjectID(of c: JSONObject) -> String? {
        guard let s = c["credentialSubject"] else { return nil }
        return (s.arrayValue?.first ?? s)["id"]?.stringValue
    }

    static func isVC11(_ c: JSONObject) -> Bool {
        let first = c["@context"].flatMap { $0.arrayValue?.first ?? $0 }?.stringValue
        return first == CredentialVerifier.vc1Context
    }

    /// The properties `nbf` and `exp` map to: `validFrom`/`validUntil` (VC DM 2.0, OB 3.0
    /// §8.2.2); for a VC DM 1.1 credential `issuanceDate`/`expirationDate` (VC DM 1.1
    /// §6.3.1), falling back to `validFrom`/`validUntil` when those are absent.
    static func validityKeys(_ c: JSONObject) -> (String, String) {
        guard isVC11(c) else { return ("validFrom", "validUntil") }
        return (c["issuanceDate"] != nil || c["validFrom"] == nil ? "issuanceDate" : "validFrom",
                c["expirationDate"] != nil || c["validUntil"] == nil ? "expirationDate" : "validUntil")
    }

    /// Seconds since the epoch, rounded down (RFC 7519 §2 NumericDate; Vita writes integers).
    static func numericDate(_ d: Date) -> Int { Int(d.timeIntervalSince1970.rounded(.down)) }
}

/// A parsed compact JWS (RFC 7515 §7.1): three base64url parts, a JSON object header and
/// (for a JWT) a JSON object payload. Parsing never verifies anything.
public struct CompactJWS: Sendable, Hashable {
    /// The protected header.
    public let header: JSONObject
    /// The payload as JSON (numbers as written).
    public let payload: JSONValue
    /// The decoded payload bytes.
    public let payloadBytes: [UInt8]
    /// The decoded signature.
    public let signature: [UInt8]
    /// `ASCII(BASE64URL(header) || '.' || BASE64URL(payload))`, what the signature covers.
    public let signingInput: [UInt8]

    /// The largest token accepted (credentials with embedded images can be large).
    public static let maxLength = 16 << 20

    /// Parses a compact JWS whose header and payload are JSON objects.
    /// - Throws: ``CredentialError/Code/malformedJWT`` naming what is wrong (part count,
    ///   base64url, JSON, non-object header/payload); never crashes on any input.
    public init(parsing text: some StringProtocol) throws(CredentialError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maxLength else {
            throw CredentialError(.malformedJWT, "the token is longer than \(Self.maxLength) bytes")
        }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw CredentialError(.malformedJWT, parts.count == 5
                ? "the token has 5 parts: a JWE (encrypted JWT) is not a VC-JWT"
                : "a compact JWS has 3 base64url parts separated by \".\", found \(parts.count)")
        }
        func decode(_ part: ArraySlice<UInt8>, _ name: String) throws(CredentialError) -> [UInt8] {
            do { return try Base64URL.decode(String(decoding: part, as: UTF8.self)) } catch {
                throw CredentialError(.malformedJWT, "the \(name) is not base64url: \(error.reason)")
            }
        }
        let headerBytes = try decode(parts[0], "header")
        let payloadBytes = try decode(parts[1], "payload")
        let signature = try decode(parts[2], "signature")
        guard case .object(let header)? = try? JSONValue(parsing: headerBytes) else {
            throw CredentialError(.malformedJWT, "the header is not a JSON object")
        }
        let payload: JSONValue
        do { payload = try JSONValue(parsing: payloadBytes) } catch {
            throw CredentialError(.malformedJWT, "the payload is not JSON (\(error.reason))")
        }
        guard case .object = payload else {
            throw CredentialError(.malformedJWT, "the payload is not a JSON object (found \(payload.kindName))")
        }
        self.header = header
        self.payload = payload
        self.payloadBytes = payloadBytes
        self.signature = signature
        self.signingInput = Array(bytes[..<(parts[0].count + 1 + parts[1].count)])
    }

    /// The header's `alg`.
    public var algorithm: String? { header["alg"]?.stringValue }

    /// The credential the payload carries: the `vc` claim (VC DM 1.1 style) if present,
    /// otherwise the payload without the registered JWT claims (OB 3.0.3 / VC DM 2.0 style).
    public var credential: JSONValue {
        if let vc = payload["vc"], case .object = vc { return vc }
        guard case .object(var o) = payload else { return payload }
        for name in VCJWT.registeredClaims { o[name] = nil }
        return .object(o)
    }

    /// `true` if the credential is in a `vc` claim.
    public var usesVCClaim: Bool { if case .object? = payload["vc"] { return true } else { return false } }
}

extension CompactJWS {
    /// Signs `payload` under `header` as a JWS Compact Serialization (RFC 7515 §5.1, §7.1) with an Ed25519 signer
    /// (EdDSA, RFC 8037 §3.1); `header` names the algorithm (`EdDSA` or `Ed25519`) and the key. For JWTs other than
    /// credentials, such as an OpenID4VCI key proof.
    public static func sign(header: JSONObject, payload: JSONValue, signer: some ProofSigner) throws(CredentialError) -> String {
        let signingInput = Base64URL.encode(JSONValue.object(header).serialized()) + "." + Base64URL.encode(payload.serialized())
        return signingInput + "." + Base64URL.encode(try signer.signature(for: Array(signingInput.utf8)))
    }
}
