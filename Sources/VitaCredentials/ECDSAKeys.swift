import Crypto
import VitaJSON
import VitaJSONLD

/// The NIST curves of W3C "Data Integrity ECDSA Cryptosuites v1.0" (§2.1.1 Multikey,
/// §5.1 "Choice of ECDSA and Parameters"): P-256 hashed with SHA-256 and P-384 hashed with
/// SHA-384, signatures in IEEE P1363 form (`r ‖ s`, 64 or 96 bytes).
public enum ECDSACurve: String, Sendable, Hashable, CaseIterable {
    /// NIST P-256 (secp256r1), multicodec `p256-pub` 0x1200.
    case p256 = "P-256"
    /// NIST P-384 (secp384r1), multicodec `p384-pub` 0x1201.
    case p384 = "P-384"

    /// The length of a signature (`r ‖ s`).
    public var signatureLength: Int { self == .p256 ? 64 : 96 }

    /// The hash RDFC-1.0 labels blank nodes with for this curve (§3.2.3 step 2).
    var rdfcHash: RDFCHashAlgorithm { self == .p256 ? .sha256 : .sha384 }

    /// The curve's hash (§3.2.4 "Hashing": SHA-256 for P-256, SHA-384 for P-384).
    public func hash(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .p256: return Array(SHA256.hash(data: bytes))
        case .p384: return Array(SHA384.hash(data: bytes))
        }
    }
}

/// An ECDSA public key (P-256 or P-384) that checks Data Integrity signatures.
public struct ECDSAPublicKey: Sendable {
    enum Storage: Sendable {
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
    }

    let storage: Storage

    /// The key's curve.
    public var curve: ECDSACurve {
        switch storage {
        case .p256: return .p256
        case .p384: return .p384
        }
    }

    /// The key of a `p256-pub` or `p384-pub` Multikey (`zDn…`, `z82…`: compressed points).
    /// - Throws: ``CredentialError/Code/unsupported`` for other key types,
    ///   ``CredentialError/Code/invalidKey`` if the bytes are not a point of the curve.
    public init(multikey: Multikey) throws(CredentialError) {
        do {
            switch multikey.codec {
            case .p256Public: storage = .p256(try P256.Signing.PublicKey(compressedRepresentation: multikey.keyBytes))
            case .p384Public: storage = .p384(try P384.Signing.PublicKey(compressedRepresentation: multikey.keyBytes))
            default:
                throw CredentialError(.unsupported,
                    "\(multikey.codec.name) keys cannot check ECDSA proofs (only P-256 and P-384 Multikeys)")
            }
        } catch let error as CredentialError {
            throw error
        } catch {
            throw CredentialError(.invalidKey, "not a valid compressed \(multikey.codec == .p256Public ? "P-256" : "P-384") public key")
        }
    }

    /// Whether `signature` (`r ‖ s`) is this key's ECDSA signature of `message` (hashed with the
    /// curve's hash, as ECDSA does). A signature of the wrong length is not valid.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        switch storage {
        case .p256(let key):
            guard let s = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(s, for: message)
        case .p384(let key):
            guard let s = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(s, for: message)
        }
    }
}

extension Multikey {
    /// The Multikey of a public JWK on P-384 (`kty` `EC`, `crv` `P-384`, `x` and `y`: RFC 7518 §6.2.1), as
    /// controller documents give ECDSA keys in `JsonWebKey` methods (P-256 and Ed25519 JWKs: ``VCJWTPublicKey``).
    /// - Throws: ``CredentialError/Code/invalidKey`` for another shape, a private member, or a point not on the curve.
    public init(p384JWK jwk: JSONValue) throws(CredentialError) {
        guard jwk["kty"]?.stringValue == "EC", jwk["crv"]?.stringValue == "P-384" else {
            throw CredentialError(.invalidKey, "not an EC P-384 JWK")
        }
        guard jwk["d"] == nil else { throw CredentialError(.invalidKey, "a public JWK must not contain the private member \"d\"") }
        guard let x = jwk["x"]?.stringValue.flatMap({ try? Base64URL.decode($0) }), x.count == 48,
              let y = jwk["y"]?.stringValue.flatMap({ try? Base64URL.decode($0) }), y.count == 48,
              let key = try? P384.Signing.PublicKey(rawRepresentation: x + y) else {
            throw CredentialError(.invalidKey, "the P-384 JWK's x and y are not a point of the curve")
        }
        try self.init(codec: .p384Public, keyBytes: Array(key.compressedRepresentation))
    }

    /// The ECDSA public key, for `p256-pub` and `p384-pub` keys.
    /// - Throws: ``CredentialError/Code/unsupported`` for other codecs.
    public func ecdsaPublicKey() throws(CredentialError) -> ECDSAPublicKey { try ECDSAPublicKey(multikey: self) }
}

/// An ECDSA signing key pair on P-256 or P-384, for the ECDSA cryptosuites.
///
/// Signatures are randomized (BoringSSL's ECDSA), so two signatures of the same data differ;
/// verification does not depend on how the nonce was chosen (§5.2). `description` never
/// shows the private key.
public struct ECDSAKeyPair: ProofSigner, CustomStringConvertible {
    enum Storage: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
    }

    let storage: Storage

    /// A fresh random key pair on `curve`.
    public init(curve: ECDSACurve) {
        switch curve {
        case .p256: storage = .p256(P256.Signing.PrivateKey())
        case .p384: storage = .p384(P384.Signing.PrivateKey())
        }
    }

    /// A key pair from a `secretKeyMultibase` (`z` + base58btc of `p256-priv` 0x1306 or
    /// `p384-priv` 0x1307 and the private scalar), as in the W3C test vectors.
    /// - Throws: ``CredentialError/Code/invalidKey`` if it is not such a key.
    public init(secretKeyMultibase: some StringProtocol) throws(CredentialError) {
        let codec: Multicodec
        let scalar: [UInt8]
        do { (codec, scalar) = try Multicodec.split(try Multibase.decodeBase58btc(secretKeyMultibase)) } catch {
            throw CredentialError(.invalidKey, "not a P-256 or P-384 secret key multibase")
        }
        do {
            switch codec {
            case .p256Private: storage = .p256(try P256.Signing.PrivateKey(rawRepresentation: scalar))
            case .p384Private: storage = .p384(try P384.Signing.PrivateKey(rawRepresentation: scalar))
            default: throw CredentialError(.invalidKey, "\(codec.name) is not a P-256 or P-384 secret key")
            }
        } catch let error as CredentialError {
            throw error
        } catch {
            throw CredentialError(.invalidKey, "the secret key is not a scalar of its curve")
        }
    }

    /// A key pair from a private JWK (`kty` `EC`, `crv` `P-256` or `P-384`, `d`; RFC 7518 §6.2.2), as Vita
    /// stores an organization's P-256 key. When the JWK has `x` and `y`, they must be the private key's point.
    /// - Throws: ``CredentialError/Code/invalidKey`` if it is not such a key.
    public init(secretJWK jwk: JSONValue) throws(CredentialError) {
        guard jwk["kty"]?.stringValue == "EC", let curve = jwk["crv"]?.stringValue.flatMap(ECDSACurve.init(rawValue:)) else {
            throw CredentialError(.invalidKey, "not an EC P-256 or P-384 private JWK")
        }
        guard let d = jwk["d"]?.stringValue.flatMap({ try? Base64URL.decode($0) }) else {
            throw CredentialError(.invalidKey, "the JWK has no private member \"d\"")
        }
        do {
            switch curve {
            case .p256: storage = .p256(try P256.Signing.PrivateKey(rawRepresentation: d))
            case .p384: storage = .p384(try P384.Signing.PrivateKey(rawRepresentation: d))
            }
        } catch {
            throw CredentialError(.invalidKey, "the JWK's \"d\" is not a scalar of \(curve.rawValue)")
        }
        if let x = jwk["x"]?.stringValue, let y = jwk["y"]?.stringValue {
            let point: [UInt8]
            switch storage {
            case .p256(let key): point = Array(key.publicKey.rawRepresentation)
            case .p384(let key): point = Array(key.publicKey.rawRepresentation)
            }
            guard Base64URL.encode(Array(point.prefix(point.count / 2))) == x, Base64URL.encode(Array(point.suffix(point.count / 2))) == y else {
                throw CredentialError(.invalidKey, "the JWK's x and y are not the point of its private key")
            }
        }
    }

    /// The key pair's curve.
    public var curve: ECDSACurve {
        switch storage {
        case .p256: return .p256
        case .p384: return .p384
        }
    }

    /// The public key as a Multikey (compressed point: always 33 or 49 bytes, so the
    /// length check of `Multikey.init(codec:keyBytes:)` cannot fail).
    public var multikey: Multikey {
        switch storage {
        case .p256(let key): return try! Multikey(codec: .p256Public, keyBytes: Array(key.publicKey.compressedRepresentation))
        case .p384(let key): return try! Multikey(codec: .p384Public, keyBytes: Array(key.publicKey.compressedRepresentation))
        }
    }

    /// The public key's `publicKeyMultibase` (`zDn…` for P-256, `z82…` for P-384).
    public var publicKeyMultibase: String { multikey.multibase }

    /// The `did:key` of the public key.
    public var didKey: DIDKey { DIDKey(publicKey: multikey) }

    /// ECDSA signature of `bytes` (hashed with the curve's hash) as `r ‖ s`.
    public func signature(for bytes: [UInt8]) throws(CredentialError) -> [UInt8] {
        do {
            switch storage {
            case .p256(let key): return Array(try key.signature(for: bytes).rawRepresentation)
            case .p384(let key): return Array(try key.signature(for: bytes).rawRepresentation)
            }
        } catch {
            throw CredentialError(.signingFailed, "ECDSA signing failed")
        }
    }

    /// Shows only the public key.
    public var description: String { "ECDSAKeyPair(\(curve.rawValue), public: \(publicKeyMultibase))" }
}
