import Crypto

/// A public key in Multikey form (W3C Controlled Identifiers §2.2.2 "Multikey"):
/// `publicKeyMultibase` = `z` + base58btc(multicodec prefix ‖ key bytes).
///
/// Every codec in ``Multicodec`` parses; Ed25519 keys (``ed25519PublicKey()``) and P-256 and
/// P-384 keys (``ecdsaPublicKey()``) verify signatures; others report
/// ``CredentialError/Code/unsupported`` when used.
public struct Multikey: Sendable, Hashable, CustomStringConvertible {
    /// The key type.
    public let codec: Multicodec
    /// The raw key bytes (without prefix).
    public let keyBytes: [UInt8]

    /// A key from its codec and raw bytes.
    /// - Throws: ``CredentialError/Code/invalidKey`` if the length does not fit the codec.
    public init(codec: Multicodec, keyBytes: [UInt8]) throws(CredentialError) {
        guard keyBytes.count == codec.keyLength else {
            throw CredentialError(.invalidKey, "\(codec.name) key is \(keyBytes.count) bytes, expected \(codec.keyLength)")
        }
        self.codec = codec
        self.keyBytes = keyBytes
    }

    /// An Ed25519 public key.
    public init(ed25519 publicKey: Curve25519.Signing.PublicKey) {
        self.codec = .ed25519Public
        self.keyBytes = Array(publicKey.rawRepresentation)
    }

    /// Parses a `publicKeyMultibase` value such as `z6Mk…`.
    /// - Throws: ``CredentialError/Code/invalidEncoding`` for bad multibase or an unknown codec.
    public init(multibase: some StringProtocol) throws(CredentialError) {
        let (codec, key) = try Multicodec.split(Multibase.decodeBase58btc(multibase))
        self.codec = codec
        self.keyBytes = key
    }

    /// The `publicKeyMultibase` text.
    public var multibase: String { Multibase.encodeBase58btc(codec.prefix + keyBytes) }

    public var description: String { multibase }

    /// The Ed25519 public key.
    /// - Throws: ``CredentialError/Code/unsupported`` if this is not an Ed25519 key.
    public func ed25519PublicKey() throws(CredentialError) -> Curve25519.Signing.PublicKey {
        guard codec == .ed25519Public else {
            throw CredentialError(.unsupported, "\(codec.name) keys are not supported for signature verification (only ed25519-pub)")
        }
        do {
            return try Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        } catch {
            throw CredentialError(.invalidKey, "not a valid Ed25519 public key")
        }
    }
}

/// An Ed25519 signing key pair.
///
/// `description` never shows the private key. Private keys are exported only through
/// the explicitly named ``secretKeyMultibase`` and ``seed``.
public struct Ed25519KeyPair: Sendable, CustomStringConvertible {
    /// The private key.
    public let privateKey: Curve25519.Signing.PrivateKey

    /// A fresh random key pair.
    public init() { privateKey = Curve25519.Signing.PrivateKey() }

    /// Wraps an existing private key.
    public init(privateKey: Curve25519.Signing.PrivateKey) { self.privateKey = privateKey }

    /// A key pair from a 32-byte RFC 8032 seed.
    /// - Throws: ``CredentialError/Code/invalidKey`` if the seed is not 32 bytes.
    public init(seed: some Collection<UInt8>) throws(CredentialError) {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: Array(seed)) else {
            throw CredentialError(.invalidKey, "an Ed25519 seed must be 32 bytes")
        }
        privateKey = key
    }

    /// A key pair from a `secretKeyMultibase` (`z` + base58btc(0x8026 ‖ seed)), as in the
    /// W3C test vectors. Also accepts the 64-byte seed ‖ public-key layout some tools write.
    /// - Throws: ``CredentialError/Code/invalidKey`` if it is not an Ed25519 private key.
    public init(secretKeyMultibase: some StringProtocol) throws(CredentialError) {
        let bytes = try Multibase.decodeBase58btc(secretKeyMultibase)
        guard bytes.count >= 2, bytes[0] == 0x80, bytes[1] == 0x26 else {
            throw CredentialError(.invalidKey, "not an ed25519-priv multikey")
        }
        let body = Array(bytes[2...])
        switch body.count {
        case 32: try self.init(seed: body)
        case 64:
            try self.init(seed: body[..<32])
            guard Array(publicKey.rawRepresentation) == Array(body[32...]) else {
                throw CredentialError(.invalidKey, "the public half does not match the seed")
            }
        default: throw CredentialError(.invalidKey, "an ed25519-priv multikey holds 32 bytes")
        }
    }

    /// The public key.
    public var publicKey: Curve25519.Signing.PublicKey { privateKey.publicKey }

    /// The public key as a Multikey.
    public var multikey: Multikey { Multikey(ed25519: publicKey) }

    /// The public key's `publicKeyMultibase` (`z6Mk…`).
    public var publicKeyMultibase: String { multikey.multibase }

    /// The `did:key` of the public key.
    public var didKey: DIDKey { DIDKey(publicKey: multikey) }

    /// SECRET: the private key as `secretKeyMultibase`. Handle like a password.
    public var secretKeyMultibase: String { Multibase.encodeBase58btc(Multicodec.ed25519Private.prefix + seed) }

    /// SECRET: the 32-byte seed.
    public var seed: [UInt8] { Array(privateKey.rawRepresentation) }

    /// Signs bytes (Ed25519, RFC 8032).
    public func signature(for bytes: [UInt8]) throws(CredentialError) -> [UInt8] {
        do { return Array(try privateKey.signature(for: bytes)) } catch {
            throw CredentialError(.signingFailed, "Ed25519 signing failed")
        }
    }

    /// Shows only the public key.
    public var description: String { "Ed25519KeyPair(public: \(publicKeyMultibase))" }
}
