/// Base58btc, multibase and multicodec: the encodings of did:key, Multikey and
/// Data Integrity `proofValue`s.
///
/// - base58btc: the Bitcoin alphabet (draft-msporny-base58).
/// - multibase: a one-character prefix naming the base; Vita reads and writes only
///   `z` (base58btc), as the EdDSA cryptosuites require.
/// - multicodec: an unsigned-varint type prefix before the key bytes
///   (ed25519-pub 0xed → `0xed 0x01`, ed25519-priv 0x1300 → `0x80 0x26`,
///   p256-pub 0x1200 → `0x80 0x24`).
public enum Base58 {
    static let alphabet: [UInt8] = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)
    static let decodeTable: [Int8] = {
        var t = [Int8](repeating: -1, count: 128)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = Int8(i) }
        return t
    }()

    /// Encodes bytes in base58btc (leading zero bytes become leading `1`s).
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var zeros = 0
        while zeros < input.count && input[zeros] == 0 { zeros += 1 }
        // Base-58 digits, least significant first.
        var digits: [UInt8] = []
        digits.reserveCapacity(input.count * 138 / 100 + 1)
        for byte in input[zeros...] {
            var carry = Int(byte)
            for i in digits.indices {
                carry += Int(digits[i]) << 8
                digits[i] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        var out = [UInt8](repeating: alphabet[0], count: zeros)
        out.reserveCapacity(zeros + digits.count)
        for d in digits.reversed() { out.append(alphabet[Int(d)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The longest text ``decode(_:maxLength:)`` accepts by default. Base58 decoding is
    /// quadratic; keys and signatures are far shorter (an Ed25519 `proofValue` is 87-88
    /// characters), so longer input is rejected instead of burning CPU.
    public static let defaultMaxLength = 2048

    /// Decodes base58btc text.
    /// - Throws: ``CredentialError/Code/invalidEncoding`` for characters outside the
    ///   alphabet or text longer than `maxLength`.
    public static func decode(_ text: some StringProtocol, maxLength: Int = defaultMaxLength) throws(CredentialError) -> [UInt8] {
        let input = Array(text.utf8)
        guard input.count <= maxLength else {
            throw CredentialError(.invalidEncoding, "base58btc text longer than \(maxLength) characters")
        }
        var zeros = 0
        while zeros < input.count && input[zeros] == alphabet[0] { zeros += 1 }
        var bytes: [UInt8] = []  // least significant first
        bytes.reserveCapacity(input.count * 733 / 1000 + 1)
        for c in input[zeros...] {
            guard c < 128, decodeTable[Int(c)] >= 0 else {
                throw CredentialError(.invalidEncoding, "character outside the base58btc alphabet")
            }
            var carry = Int(decodeTable[Int(c)])
            for i in bytes.indices {
                carry += Int(bytes[i]) * 58
                bytes[i] = UInt8(carry & 0xff)
                carry >>= 8
            }
            while carry > 0 {
                bytes.append(UInt8(carry & 0xff))
                carry >>= 8
            }
        }
        return [UInt8](repeating: 0, count: zeros) + bytes.reversed()
    }
}

/// Multibase with the base58btc (`z`) base.
public enum Multibase {
    /// `"z" + base58btc(bytes)`.
    public static func encodeBase58btc(_ bytes: some Collection<UInt8>) -> String {
        "z" + Base58.encode(bytes)
    }

    /// Decodes a `z`-prefixed multibase string.
    /// - Throws: ``CredentialError/Code/invalidEncoding`` if the prefix is not `z` or the text is not base58btc.
    public static func decodeBase58btc(_ text: some StringProtocol) throws(CredentialError) -> [UInt8] {
        guard let first = text.first else {
            throw CredentialError(.invalidEncoding, "empty multibase value")
        }
        guard first == "z" else {
            throw CredentialError(.invalidEncoding, "multibase prefix '\(first)' is not 'z' (base58btc)")
        }
        return try Base58.decode(text.dropFirst())
    }
}

/// Multicodec key types Vita knows (the unsigned-varint prefixes of Multikey values).
public enum Multicodec: Sendable, Hashable, CaseIterable {
    /// Ed25519 public key, code 0xed, varint `ed 01`, 32 bytes.
    case ed25519Public
    /// Ed25519 private key (seed), code 0x1300, varint `80 26`, 32 bytes.
    case ed25519Private
    /// X25519 public key, code 0xec, varint `ec 01`, 32 bytes (key agreement; not used for proofs).
    case x25519Public
    /// P-256 public key (compressed), code 0x1200, varint `80 24`, 33 bytes.
    case p256Public
    /// P-384 public key (compressed), code 0x1201, varint `81 24`, 49 bytes.
    case p384Public
    /// P-256 private key (the scalar), code 0x1306, varint `86 26`, 32 bytes.
    case p256Private
    /// P-384 private key (the scalar), code 0x1307, varint `87 26`, 48 bytes.
    case p384Private
    /// secp256k1 public key (compressed), code 0xe7, varint `e7 01`, 33 bytes.
    case secp256k1Public
    /// BLS12-381 G2 public key, code 0xeb, varint `eb 01`, 96 bytes.
    case bls12381G2Public

    /// The varint prefix.
    public var prefix: [UInt8] {
        switch self {
        case .ed25519Public: return [0xed, 0x01]
        case .ed25519Private: return [0x80, 0x26]
        case .x25519Public: return [0xec, 0x01]
        case .p256Public: return [0x80, 0x24]
        case .p384Public: return [0x81, 0x24]
        case .p256Private: return [0x86, 0x26]
        case .p384Private: return [0x87, 0x26]
        case .secp256k1Public: return [0xe7, 0x01]
        case .bls12381G2Public: return [0xeb, 0x01]
        }
    }

    /// The key length after the prefix.
    public var keyLength: Int {
        switch self {
        case .ed25519Public, .ed25519Private, .x25519Public, .p256Private: return 32
        case .p384Private: return 48
        case .p256Public, .secp256k1Public: return 33
        case .p384Public: return 49
        case .bls12381G2Public: return 96
        }
    }

    /// The multicodec name (as in the multicodec table).
    public var name: String {
        switch self {
        case .ed25519Public: return "ed25519-pub"
        case .ed25519Private: return "ed25519-priv"
        case .x25519Public: return "x25519-pub"
        case .p256Public: return "p256-pub"
        case .p384Public: return "p384-pub"
        case .p256Private: return "p256-priv"
        case .p384Private: return "p384-priv"
        case .secp256k1Public: return "secp256k1-pub"
        case .bls12381G2Public: return "bls12_381-g2-pub"
        }
    }

    /// Splits `prefix ‖ key` into the codec and the key bytes.
    /// - Throws: ``CredentialError/Code/invalidEncoding`` for an unknown prefix or a wrong key length.
    public static func split(_ bytes: [UInt8]) throws(CredentialError) -> (codec: Multicodec, key: [UInt8]) {
        for codec in allCases where bytes.count >= 2 && bytes[0] == codec.prefix[0] && bytes[1] == codec.prefix[1] {
            let key = Array(bytes[2...])
            guard key.count == codec.keyLength else {
                throw CredentialError(.invalidEncoding, "\(codec.name) key is \(key.count) bytes, expected \(codec.keyLength)")
            }
            return (codec, key)
        }
        throw CredentialError(.invalidEncoding, "unknown multicodec prefix")
    }
}
