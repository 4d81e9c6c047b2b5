import Crypto
import CryptoExtras
import Foundation
import JWTKit
import VitaJSON

/// The JWS algorithms Vita signs and verifies VC-JWTs with (RFC 7518 §3.1, RFC 8037 §3.1).
///
/// OB 3.0 §8.2 requires `RS256` of every VC-JWT implementation; `ES256` and `EdDSA` are
/// permitted ("other algorithms … limit interoperability"). Symmetric (`HS*`) algorithms
/// and `none` are never accepted.
public enum VCJWTAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3), RSA keys of 2048 bits or more.
    case rs256 = "RS256"
    /// ECDSA P-256 with SHA-256 (RFC 7518 §3.4), signature R ‖ S (64 bytes).
    case es256 = "ES256"
    /// Ed25519 (RFC 8037 §3.1).
    case edDSA = "EdDSA"

    public var description: String { rawValue }

    /// The key type this algorithm needs.
    public var keyType: VCJWTKeyType {
        switch self {
        case .rs256: return .rsa
        case .es256: return .p256
        case .edDSA: return .ed25519
        }
    }
}

/// The key types of ``VCJWTAlgorithm``.
public enum VCJWTKeyType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// RSA (JWK `kty: RSA`), 2048 bits or more.
    case rsa
    /// NIST P-256 (JWK `kty: EC`, `crv: P-256`).
    case p256
    /// Ed25519 (JWK `kty: OKP`, `crv: Ed25519`, RFC 8037).
    case ed25519

    public var description: String { rawValue }

    /// The one algorithm Vita uses with this key type (no algorithm choice per key:
    /// a key and its algorithm are bound, which rules out algorithm confusion).
    public var algorithm: VCJWTAlgorithm {
        switch self {
        case .rsa: return .rs256
        case .p256: return .es256
        case .ed25519: return .edDSA
        }
    }

    /// Parses `rsa`, `p256` (also `p-256`, `ec`), `ed25519` (also `okp`, `eddsa`), case-insensitively.
    public init?(name: String) {
        switch name.lowercased() {
        case "rsa", "rs256": self = .rsa
        case "p256", "p-256", "ec", "es256": self = .p256
        case "ed25519", "okp", "eddsa": self = .ed25519
        default: return nil
        }
    }
}

/// A public key for verifying VC-JWTs: RSA, P-256 or Ed25519, backed by jwt-kit's key
/// types. Imports and exports public JWKs (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2);
/// a JWK with private members is refused here — OB 3.0 §8.2.1: the `jwk` header
/// "MUST NOT contain the private key".
public struct VCJWTPublicKey: Sendable, Equatable, CustomStringConvertible {
    enum Storage: Sendable, Equatable {
        case rsa(JWTKit.Insecure.RSA.PublicKey)
        case p256(ES256PublicKey)
        case ed25519(EdDSA.PublicKey)
    }

    let storage: Storage

    init(storage: Storage) { self.storage = storage }

    /// The key type.
    public var keyType: VCJWTKeyType {
        switch storage {
        case .rsa: return .rsa
        case .p256: return .p256
        case .ed25519: return .ed25519
        }
    }

    /// The only algorithm this key verifies.
    public var algorithm: VCJWTAlgorithm { keyType.algorithm }

    /// JWK members that carry private key material (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2; `k` of §6.4).
    static let privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

    /// Imports a public JWK (`kty` RSA with `n`/`e`, EC P-256 with `x`/`y`, OKP Ed25519 with `x`).
    /// - Throws: ``CredentialError/Code/invalidKey`` for a malformed key, a private member
    ///   (`d`, …), an RSA modulus under 2048 bits, or an `alg`/`use` that does not fit;
    ///   ``CredentialError/Code/unsupported`` for other key types and curves.
    public init(jwk: JSONValue) throws(CredentialError) {
        guard case .object(let o) = jwk else { throw CredentialError(.invalidKey, "a JWK must be a JSON object") }
        if let secret = Self.privateMembers.first(where: { o[$0] != nil }) {
            throw CredentialError(.invalidKey, "a public JWK must not contain the private member \"\(secret)\"")
        }
        self = try Self.parse(o, allowPrivate: false).publicKey
    }

    /// Imports a public JWK from its JSON text.
    public init(jwkJSON: String) throws(CredentialError) {
        let value: JSONValue
        do { value = try JSONValue(parsing: jwkJSON) } catch {
            throw CredentialError(.invalidKey, "the JWK is not valid JSON")
        }
        try self.init(jwk: value)
    }

    /// The key of a Multikey (`did:key`): Ed25519 (`z6Mk…`) or P-256 (`zDn…`, compressed).
    /// - Throws: ``CredentialError/Code/unsupported`` for other codecs.
    public init(multikey: Multikey) throws(CredentialError) {
        switch multikey.codec {
        case .ed25519Public:
            storage = .ed25519(EdDSA.PublicKey(backing: try multikey.ed25519PublicKey()))
        case .p256Public:
            do {
                let key = try P256.Signing.PublicKey(compressedRepresentation: multikey.keyBytes)
                storage = .p256(try ES256PublicKey(backing: key))
            } catch {
                throw CredentialError(.invalidKey, "not a valid compressed P-256 public key")
            }
        default:
            throw CredentialError(.unsupported, "\(multikey.codec.name) keys cannot verify VC-JWTs (only Ed25519 and P-256 Multikeys, or RSA JWKs)")
        }
    }

    /// The public JWK: only the public members, in RFC 7638 order (`e`, `kty`, `n` /
    /// `crv`, `kty`, `x`, `y` / `crv`, `kty`, `x`), so its serialization is also the
    /// thumbprint input.
    public var jwk: JSONValue {
        var o = JSONObject()
        switch storage {
        case .rsa(let key):
            // getKeyPrimitives cannot fail for a key that was constructed.
            let (n, e) = (try? key.getKeyPrimitives()) ?? (Data(), Data())
            o["e"] = .string(Base64URL.encode(Array(e)))
            o["kty"] = "RSA"
            o["n"] = .string(Base64URL.encode(Array(n)))
        case .p256(let key):
            let (x, y) = key.parameters ?? ("", "")
            o["crv"] = "P-256"
            o["kty"] = "EC"
            o["x"] = .string(x)
            o["y"] = .string(y)
        case .ed25519(let key):
            o["crv"] = "Ed25519"
            o["kty"] = "OKP"
            o["x"] = .string(Base64URL.encode(Array(key.rawRepresentation)))
        }
        return .object(o)
    }

    /// The RFC 7638 JWK thumbprint (base64url of SHA-256 over the required members): a
    /// stable key id.
    public var thumbprint: String {
        Base64URL.encode(Array(SHA256.hash(data: jwk.serialized())))
    }

    /// The key as a Multikey, for Ed25519 and P-256 (nil for RSA, which has no Multikey
    /// form in Vita).
    public var multikey: Multikey? {
        switch storage {
        case .rsa: return nil
        case .p256(let key):
            guard let (x, y) = key.parameters, let xb = try? Base64URL.decode(x), let yb = try? Base64URL.decode(y),
                  xb.count == 32, yb.count == 32 else { return nil }
            return try? Multikey(codec: .p256Public, keyBytes: [0x02 | (yb[31] & 1)] + xb)
        case .ed25519(let key):
            return try? Multikey(codec: .ed25519Public, keyBytes: Array(key.rawRepresentation))
        }
    }

    public var description: String { "VCJWTPublicKey(\(keyType), \(thumbprint))" }

    /// jwt-kit's verifier for this key (RS256 / ES256 / EdDSA, fixed by the key type).
    func jwtKitAlgorithm() async throws(CredentialError) -> any JWTAlgorithm {
        try await VitaCredentials.jwtKitAlgorithm(keyType, failure: .invalidKey) { keys, kid in
            switch storage {
            case .rsa(let key): await keys.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
            case .p256(let key): await keys.add(ecdsa: key, kid: kid)
            case .ed25519(let key): await keys.add(eddsa: key, kid: kid)
            }
        }
    }

    /// Parses a JWK object (public or, with `allowPrivate`, secret).
    static func parse(_ o: JSONObject, allowPrivate: Bool) throws(CredentialError) -> VCJWTSigningKeyOrPublic {
        func member(_ name: String) throws(CredentialError) -> String {
            guard let s = o[name]?.stringValue, !s.isEmpty else {
                throw CredentialError(.invalidKey, "the JWK has no \"\(name)\" member")
            }
            return s
        }
        func bytes(_ name: String) throws(CredentialError) -> [UInt8] {
            do { return try Base64URL.decode(try member(name)) } catch {
                throw CredentialError(.invalidKey, "the JWK member \"\(name)\" is not base64url")
            }
        }
        if let use = o["use"], use.stringValue != "sig" {
            throw CredentialError(.invalidKey, "the JWK's \"use\" is not \"sig\"")
        }
        guard let kty = o["kty"]?.stringValue else { throw CredentialError(.invalidKey, "the JWK has no \"kty\"") }
        let type: VCJWTKeyType
        switch kty {
        case "RSA": type = .rsa
        case "EC":
            guard o["crv"]?.stringValue == "P-256" else {
                throw CredentialError(.unsupported, "EC curve \(o["crv"]?.stringValue ?? "(none)") is not supported (only P-256)")
            }
            type = .p256
        case "OKP":
            guard o["crv"]?.stringValue == "Ed25519" else {
                throw CredentialError(.unsupported, "OKP curve \(o["crv"]?.stringValue ?? "(none)") is not supported (only Ed25519)")
            }
            type = .ed25519
        case "oct":
            throw CredentialError(.unsupported, "symmetric (oct) keys are not accepted for VC-JWTs")
        default:
            throw CredentialError(.unsupported, "JWK key type \(kty) is not supported (RSA, EC P-256, OKP Ed25519)")
        }
        if let alg = o["alg"] {
            guard alg.stringValue == type.algorithm.rawValue else {
                throw CredentialError(.invalidKey, "the JWK's \"alg\" \(alg.stringValue ?? "?") does not fit a \(type) key (\(type.algorithm))")
            }
        }
        let isPrivate = allowPrivate && o["d"] != nil
        do {
            switch type {
            case .rsa:
                let n = try bytes("n")
                guard n.drop(while: { $0 == 0 }).count >= 256 else {
                    throw CredentialError(.invalidKey, "RSA keys must have at least 2048 bits")
                }
                _ = try bytes("e")
                if isPrivate {
                    let key = o["p"] != nil || o["q"] != nil
                        ? try JWTKit.Insecure.RSA.PrivateKey(
                            modulus: try member("n"), exponent: try member("e"), privateExponent: try member("d"),
                            prime1: try member("p"), prime2: try member("q"))
                        : try JWTKit.Insecure.RSA.PrivateKey(modulus: try member("n"), exponent: try member("e"), privateExponent: try member("d"))
                    return .secret(.init(storage: .rsa(key)))
                }
                return .public(.init(storage: .rsa(try JWTKit.Insecure.RSA.PublicKey(modulus: try member("n"), exponent: try member("e")))))
            case .p256:
                let x = try bytes("x"), y = try bytes("y")
                guard x.count == 32, y.count == 32 else { throw CredentialError(.invalidKey, "P-256 coordinates must be 32 bytes") }
                if isPrivate {
                    let d = try bytes("d")
                    let key = try ES256PrivateKey(backing: try P256.Signing.PrivateKey(rawRepresentation: d))
                    guard key.publicKey.parameters?.x == (try member("x")), key.publicKey.parameters?.y == (try member("y")) else {
                        throw CredentialError(.invalidKey, "the JWK's public coordinates do not match \"d\"")
                    }
                    return .secret(.init(storage: .p256(key)))
                }
                return .public(.init(storage: .p256(try ES256PublicKey(parameters: (try member("x"), try member("y"))))))
            case .ed25519:
                let x = try bytes("x")
                guard x.count == 32 else { throw CredentialError(.invalidKey, "an Ed25519 key is 32 bytes") }
                if isPrivate {
                    let d = try bytes("d")
                    guard d.count == 32 else { throw CredentialError(.invalidKey, "an Ed25519 private key is 32 bytes") }
                    let key = try EdDSA.PrivateKey(backing: Curve25519.Signing.PrivateKey(rawRepresentation: d))
                    guard Array(key.publicKey.rawRepresentation) == x else {
                        throw CredentialError(.invalidKey, "the JWK's \"x\" does not match \"d\"")
                    }
                    return .secret(.init(storage: .ed25519(key)))
                }
                return .public(.init(storage: .ed25519(EdDSA.PublicKey(backing: try Curve25519.Signing.PublicKey(rawRepresentation: x)))))
            }
        } catch let error as CredentialError {
            throw error
        } catch {
            throw CredentialError(.invalidKey, "not a valid \(type) JWK")
        }
    }
}

/// The result of parsing a JWK that may be public or secret.
enum VCJWTSigningKeyOrPublic {
    case `public`(VCJWTPublicKey)
    case secret(VCJWTSigningKey)

    var publicKey: VCJWTPublicKey {
        switch self {
        case .public(let k): return k
        case .secret(let k): return k.publicKey
        }
    }
}

/// A private key for signing VC-JWTs: RSA (RS256), P-256 (ES256) or Ed25519 (EdDSA).
///
/// `description` shows only the public key's thumbprint. The private key leaves this
/// type only through the explicitly named ``secretJWK``.
///
/// ```swift
/// let key = try VCJWTSigningKey.generate(.p256)
/// let stored = key.secretJWK                      // SECRET: {"kty":"EC","crv":"P-256","x":…,"y":…,"d":…}
/// let again = try VCJWTSigningKey(secretJWK: stored)
/// let header = key.publicKey.jwk                  // public members only
/// ```
public struct VCJWTSigningKey: Sendable, CustomStringConvertible {
    enum Storage: Sendable {
        case rsa(JWTKit.Insecure.RSA.PrivateKey)
        case p256(ES256PrivateKey)
        case ed25519(EdDSA.PrivateKey)
    }

    let storage: Storage

    init(storage: Storage) { self.storage = storage }

    /// A fresh random key. RSA keys have `rsaBits` bits (2048, 3072 or 4096).
    /// - Throws: ``CredentialError/Code/signingFailed`` if key generation fails,
    ///   ``CredentialError/Code/invalidKey`` for another RSA size.
    public static func generate(_ type: VCJWTKeyType, rsaBits: Int = 2048) throws(CredentialError) -> VCJWTSigningKey {
        switch type {
        case .p256: return VCJWTSigningKey(storage: .p256((try? ES256PrivateKey(backing: P256.Signing.PrivateKey()))!))
        case .ed25519: return VCJWTSigningKey(storage: .ed25519(EdDSA.PrivateKey(backing: Curve25519.Signing.PrivateKey())))
        case .rsa:
            let size: _RSA.Signing.KeySize
            switch rsaBits {
            case 2048: size = .bits2048
            case 3072: size = .bits3072
            case 4096: size = .bits4096
            default: throw CredentialError(.invalidKey, "RSA keys are generated with 2048, 3072 or 4096 bits")
            }
            do {
                return VCJWTSigningKey(storage: .rsa(try JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: size))))
            } catch {
                throw CredentialError(.signingFailed, "RSA key generation failed")
            }
        }
    }

    /// SECRET: generates a key and returns it as a private JWK (with `d`, and for RSA the
    /// CRT members), plus `alg`, `use: sig` and `kid` = the RFC 7638 thumbprint. For
    /// `vita keys generate --type p256|rsa|ed25519`; store it like a password.
    public static func generateSecretJWK(_ type: VCJWTKeyType, rsaBits: Int = 2048) throws(CredentialError) -> JSONValue {
        try generate(type, rsaBits: rsaBits).secretJWK
    }

    /// Imports a private JWK (RSA with `n`, `e`, `d`, `p`, `q`; EC P-256 with `x`, `y`, `d`;
    /// OKP Ed25519 with `x`, `d`).
    /// - Throws: ``CredentialError/Code/invalidKey`` if it is malformed, public only, or
    ///   its public members do not match the private ones.
    public init(secretJWK: JSONValue) throws(CredentialError) {
        guard case .object(let o) = secretJWK else { throw CredentialError(.invalidKey, "a JWK must be a JSON object") }
        guard o["d"] != nil else { throw CredentialError(.invalidKey, "the JWK has no private member \"d\"") }
        guard case .secret(let key) = try VCJWTPublicKey.parse(o, allowPrivate: true) else {
            throw CredentialError(.invalidKey, "the JWK is not a private key")
        }
        self = key
    }

    /// An Ed25519 key pair (the same key as for Data Integrity proofs and did:key).
    public init(ed25519 keyPair: Ed25519KeyPair) {
        storage = .ed25519(EdDSA.PrivateKey(backing: keyPair.privateKey))
    }

    /// A P-256 private key.
    public init(p256 privateKey: P256.Signing.PrivateKey) {
        storage = .p256((try? ES256PrivateKey(backing: privateKey))!)
    }

    /// An RSA private key from PEM (PKCS#1 or PKCS#8), 2048 bits or more.
    public init(rsaPEM pem: String) throws(CredentialError) {
        do { storage = .rsa(try JWTKit.Insecure.RSA.PrivateKey(pem: pem)) } catch {
            throw CredentialError(.invalidKey, "not an RSA private key PEM of 2048 bits or more")
        }
    }

    /// The key type.
    public var keyType: VCJWTKeyType {
        switch storage {
        case .rsa: return .rsa
        case .p256: return .p256
        case .ed25519: return .ed25519
        }
    }

    /// The algorithm this key signs with.
    public var algorithm: VCJWTAlgorithm { keyType.algorithm }

    /// The public key.
    public var publicKey: VCJWTPublicKey {
        switch storage {
        case .rsa(let k): return VCJWTPublicKey(storage: .rsa(k.publicKey))
        case .p256(let k): return VCJWTPublicKey(storage: .p256(k.publicKey))
        case .ed25519(let k): return VCJWTPublicKey(storage: .ed25519(k.publicKey))
        }
    }

    /// SECRET: the private key as a JWK (RFC 7518 §6.2.2 / §6.3.2, RFC 8037 §2), with
    /// `alg`, `use: sig` and `kid` (RFC 7638 thumbprint). Handle like a password; never
    /// put it in a JWT header (use ``VCJWTPublicKey/jwk``).
    public var secretJWK: JSONValue {
        guard case .object(var o) = publicKey.jwk else { return publicKey.jwk }
        switch storage {
        case .rsa(let key):
            if let fields = PKCS1.privateKeyFields(Array(key.derRepresentation)) {
                for (name, value) in zip(["d", "p", "q", "dp", "dq", "qi"], fields.dropFirst(2)) {
                    o[name] = .string(Base64URL.encode(value))
                }
            }
        case .p256(let key):
            if let raw = try? P256.Signing.PrivateKey(pemRepresentation: key.pemRepresentation).rawRepresentation {
                o["d"] = .string(Base64URL.encode(Array(raw)))
            }
        case .ed25519(let key):
            o["d"] = .string(Base64URL.encode(Array(key.rawRepresentation)))
        }
        o["alg"] = .string(algorithm.rawValue)
        o["use"] = "sig"
        o["kid"] = .string(publicKey.thumbprint)
        return .object(o)
    }

    /// Shows only the public key.
    public var description: String { "VCJWTSigningKey(\(keyType), public \(publicKey.thumbprint))" }

    /// jwt-kit's signer for this key.
    func jwtKitAlgorithm() async throws(CredentialError) -> any JWTAlgorithm {
        try await VitaCredentials.jwtKitAlgorithm(keyType, failure: .signingFailed) { keys, kid in
            switch storage {
            case .rsa(let key): await keys.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
            case .p256(let key): await keys.add(ecdsa: key, kid: kid)
            case .ed25519(let key): await keys.add(eddsa: key, kid: kid)
            }
        }
    }
}

/// Just enough DER to read the integers of a PKCS#1 `RSAPrivateKey` (RFC 8017 §A.1.2),
/// also when wrapped in PKCS#8.
enum PKCS1 {
    /// `[n, e, d, p, q, dp, dq, qi]` as unsigned big-endian bytes.
    static func privateKeyFields(_ der: [UInt8]) -> [[UInt8]]? {
        var i = 0
        func length() -> Int? {
            guard i < der.count else { return nil }
            let first = Int(der[i]); i += 1
            if first < 0x80 { return first }
            let n = first & 0x7f
            guard n >= 1, n <= 4, i + n <= der.count else { return nil }
            var l = 0
            for _ in 0..<n { l = l << 8 | Int(der[i]); i += 1 }
            return l
        }
        func element(_ tag: UInt8) -> [UInt8]? {
            guard i < der.count, der[i] == tag else { return nil }
            i += 1
            guard let l = length(), i + l <= der.count else { return nil }
            defer { i += l }
            return Array(der[i..<(i + l)])
        }
        guard i < der.count, der[i] == 0x30 else { return nil }
        i += 1
        guard length() != nil else { return nil }
        guard element(0x02) != nil else { return nil }  // version
        if i < der.count, der[i] == 0x30 {  // PKCS#8: AlgorithmIdentifier, then OCTET STRING { RSAPrivateKey }
            _ = element(0x30)
            guard let inner = element(0x04) else { return nil }
            return privateKeyFields(inner)
        }
        var fields: [[UInt8]] = []
        for _ in 0..<8 {
            guard let v = element(0x02) else { return nil }
            fields.append(Array(v.drop(while: { $0 == 0 })))
        }
        return fields
    }
}

extension VCJWTPublicKey {
    /// Whether `jws` carries a valid signature by this key over its signing input — the
    /// signature alone (the algorithm is the key's; no header, claim or credential checks:
    /// ``CredentialVerifier/verify(jwt:knownKeys:)`` does those). For benchmarks and for
    /// callers that have already checked the rest.
    public func verifiesSignature(of jws: CompactJWS) async -> Bool {
        guard let algorithm = try? await jwtKitAlgorithm() else { return false }
        return (try? algorithm.verify(jws.signature, signs: jws.signingInput)) == true
    }
}

/// jwt-kit's algorithm for one key: `add` puts the key into a fresh collection under a fixed kid, which is read back.
/// A key jwt-kit cannot use is a `failure` error.
private func jwtKitAlgorithm(
    _ keyType: VCJWTKeyType, failure: CredentialError.Code,
    add: (JWTKeyCollection, JWKIdentifier) async -> Void
) async throws(CredentialError) -> any JWTAlgorithm {
    let keys = JWTKeyCollection()
    let kid = JWKIdentifier(string: "k")
    await add(keys, kid)
    do { return try await keys.getKey(for: kid) } catch {
        throw CredentialError(failure, "jwt-kit could not use the \(keyType) key")
    }
}
