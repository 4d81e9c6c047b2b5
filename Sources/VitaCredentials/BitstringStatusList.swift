/// A W3C Bitstring Status List (https://www.w3.org/TR/vc-bitstring-status-list/): a
/// bitstring of `count` entries of `statusSize` bits each.
///
/// Bit order (§2.2 "BitstringStatusListCredential", §3.3 "Bitstring Generation
/// Algorithm"): index 0 is the left-most bit of the bitstring, i.e. the most significant
/// bit (`0x80`) of the first byte. Entry `i` occupies bits `i × statusSize ..< (i + 1) ×
/// statusSize`; a multi-bit status is read left to right, most significant bit first
/// (entry 0 = `0b10…` has status `0x2` with `statusSize` 2).
///
/// ```swift
/// var list = try BitstringStatusList()                 // 131 072 entries × 1 bit (16 KB), all 0
/// try list.setStatus(1, at: 94567)                     // revoke / suspend index 94567
/// let encoded = try list.encodedList()                 // "uH4sI…" (multibase base64url of GZIP)
/// let back = try BitstringStatusList(encodedList: encoded)
/// try back.status(at: 94567)                           // 1
/// ```
public struct BitstringStatusList: Sendable, Hashable {
    /// §3.2 "Validate Algorithm" step 2: the minimum number of entries, 131 072 (a 16 KB
    /// bitstring with `statusSize` 1), "for group privacy".
    public static let minimumEntries = 131_072
    /// The default cap on the decompressed size of an `encodedList` (16 MiB): enough for
    /// 16 million 8-bit statuses, small enough that a GZIP bomb cannot exhaust memory.
    public static let defaultMaxDecompressedBytes = 16 * 1024 * 1024
    /// The largest `statusSize` supported (statuses are read into a `UInt`; a
    /// `statusMessage` table for 8 bits already has 256 rows).
    public static let maxStatusSize = 8

    /// Bits per entry (§2.1 `statusSize`, default 1).
    public let statusSize: Int
    /// The number of entries: `bytes.count × 8 / statusSize`.
    public let count: Int
    /// The uncompressed bitstring.
    public private(set) var bytes: [UInt8]

    /// An all-zero list of `count` entries (rounded up to whole bytes).
    /// - Throws: ``CredentialError`` (`malformedStatusList`) if `statusSize` is not in
    ///   1…``maxStatusSize`` or `count` is negative or over 16 MiB of bits. A list shorter
    ///   than ``minimumEntries`` can be built (for tests) but verifiers reject it.
    public init(count: Int = BitstringStatusList.minimumEntries, statusSize: Int = 1) throws(CredentialError) {
        try Self.validate(statusSize: statusSize)
        guard count >= 0, count <= Self.defaultMaxDecompressedBytes * 8 / statusSize else {
            throw CredentialError(.malformedStatusList, "a status list of \(count) entries is not supported")
        }
        let byteCount = (count * statusSize + 7) / 8
        self.statusSize = statusSize
        self.bytes = [UInt8](repeating: 0, count: byteCount)
        self.count = byteCount * 8 / statusSize
    }

    /// A list over an uncompressed bitstring.
    public init(bytes: [UInt8], statusSize: Int = 1) throws(CredentialError) {
        try Self.validate(statusSize: statusSize)
        self.statusSize = statusSize
        self.bytes = bytes
        self.count = bytes.count * 8 / statusSize
    }

    /// §3.4 "Bitstring Expansion Algorithm": decodes an `encodedList` — multibase
    /// base64url without padding (`u` prefix), then GZIP.
    /// - Parameters:
    ///   - maxDecompressedBytes: larger lists are rejected (GZIP bombs).
    ///   - allowsMissingMultibasePrefix: accept the prefix-less base64url of the legacy
    ///     `StatusList2021` (whose `encodedList` is plain base64url of the GZIP data).
    /// - Throws: ``CredentialError``: `invalidEncoding` (not `u` + base64url), `compression`
    ///   (not GZIP, corrupt, or over the cap), `malformedStatusList` (bad `statusSize`).
    public init(encodedList: String, statusSize: Int = 1,
                maxDecompressedBytes: Int = BitstringStatusList.defaultMaxDecompressedBytes,
                allowsMissingMultibasePrefix: Bool = false) throws(CredentialError) {
        var text = Substring(encodedList)
        if text.hasPrefix("u") {
            text = text.dropFirst()
        } else if !(allowsMissingMultibasePrefix && text.hasPrefix("H4sI")) {
            throw CredentialError(.invalidEncoding, "encodedList must be multibase base64url (start with \"u\")")
        }
        let compressed = try Base64URL.decode(text, allowsPadding: allowsMissingMultibasePrefix)
        let raw = try GZip.decompress(compressed, maxOutputBytes: maxDecompressedBytes)
        try self.init(bytes: raw, statusSize: statusSize)
    }

    /// §3.3 "Bitstring Generation Algorithm": the `encodedList` value — `u`
    /// followed by the base64url (no padding) of the GZIP-compressed bitstring.
    public func encodedList() throws(CredentialError) -> String {
        "u" + Base64URL.encode(try GZip.compress(bytes))
    }

    /// The status of entry `index` (0 … 2^statusSize − 1).
    /// - Throws: ``CredentialError`` (`statusRange`) if `index` is outside the list
    ///   (§3.2, RANGE_ERROR).
    public func status(at index: Int) throws(CredentialError) -> UInt {
        try checkIndex(index)
        var value: UInt = 0
        let first = index * statusSize
        for bit in first..<(first + statusSize) {
            value = value << 1 | UInt(bytes[bit >> 3] >> (7 - UInt8(bit & 7)) & 1)
        }
        return value
    }

    /// Sets the status of entry `index`.
    /// - Throws: ``CredentialError``: `statusRange` for an index outside the list,
    ///   `malformedStatusList` for a value that does not fit in `statusSize` bits.
    public mutating func setStatus(_ value: UInt, at index: Int) throws(CredentialError) {
        try checkIndex(index)
        guard value < (1 << UInt(statusSize)) else {
            throw CredentialError(.malformedStatusList, "status \(value) does not fit in \(statusSize) bits")
        }
        let first = index * statusSize
        for k in 0..<statusSize {
            let bit = first + k
            let mask: UInt8 = 0x80 >> UInt8(bit & 7)
            if value >> UInt(statusSize - 1 - k) & 1 == 1 {
                bytes[bit >> 3] |= mask
            } else {
                bytes[bit >> 3] &= ~mask
            }
        }
    }

    /// `true` if entry `index` is non-zero (for 1-bit lists: the bit is set).
    public func isSet(_ index: Int) throws(CredentialError) -> Bool { try status(at: index) != 0 }

    /// Sets entry `index` to 1 (`true`) or 0 (`false`): revoke / suspend, or reinstate.
    public mutating func set(_ index: Int, _ on: Bool) throws(CredentialError) {
        try setStatus(on ? 1 : 0, at: index)
    }

    func checkIndex(_ index: Int) throws(CredentialError) {
        guard index >= 0, index < count else {
            throw CredentialError(.statusRange, "status list index \(index) is outside the list (\(count) entries of \(statusSize) bit\(statusSize == 1 ? "" : "s"))")
        }
    }

    static func validate(statusSize: Int) throws(CredentialError) {
        guard (1...maxStatusSize).contains(statusSize) else {
            throw CredentialError(.malformedStatusList, "statusSize \(statusSize) is not supported (1…\(maxStatusSize))")
        }
    }
}

extension CredentialError.Code {
    /// A `credentialStatus` entry is malformed (missing or ill-typed properties).
    public static let malformedStatusEntry = Self(rawValue: "malformed status entry")
    /// A status list or status list credential is malformed (wrong type, bad
    /// `statusSize`, missing `encodedList`, …).
    public static let malformedStatusList = Self(rawValue: "malformed status list")
    /// GZIP compression or decompression failed (corrupt data, size cap exceeded).
    public static let compression = Self(rawValue: "compression error")
    /// Bitstring Status List §3.5 STATUS_RETRIEVAL_ERROR: the status list could not be obtained.
    public static let statusRetrieval = Self(rawValue: "status retrieval error")
    /// STATUS_VERIFICATION_ERROR: the status list credential does not verify, or its
    /// purpose or issuer does not match the entry.
    public static let statusVerification = Self(rawValue: "status verification error")
    /// STATUS_LIST_LENGTH_ERROR: fewer than the minimum number of entries.
    public static let statusListLength = Self(rawValue: "status list length error")
    /// RANGE_ERROR: the index is outside the status list.
    public static let statusRange = Self(rawValue: "range error")
}

/// base64url (RFC 4648 §5) without padding, as multibase `u` and JOSE (RFC 7515 §2) require; strict on input.
enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    static let table: [Int8] = {
        var t = [Int8](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = Int8(i) }
        return t
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict decoding: only the base64url alphabet; `=` padding only if allowed; the
    /// unused low bits of the last character must be zero.
    static func decode(_ text: some StringProtocol, allowsPadding: Bool = false) throws(CredentialError) -> [UInt8] {
        var chars = Array(text.utf8)
        if allowsPadding {
            while chars.last == UInt8(ascii: "=") { chars.removeLast() }
        }
        guard chars.count % 4 != 1 else {
            throw CredentialError(.invalidEncoding, "base64url text of \(chars.count) characters is truncated")
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for (position, c) in chars.enumerated() {
            let v = table[Int(c)]
            guard v >= 0 else {
                let shown = c >= 0x21 && c < 0x7f ? "'\(Character(Unicode.Scalar(c)))'" : "byte \(c)"
                throw CredentialError(.invalidEncoding, "\(shown) at position \(position) is not a base64url character")
            }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                acc &= (1 << UInt32(bits)) - 1
            }
        }
        // Canonical form only: one byte string has exactly one encoding (no malleable signatures).
        guard acc == 0 else {
            throw CredentialError(.invalidEncoding, "base64url text has non-zero padding bits")
        }
        return out
    }
}
