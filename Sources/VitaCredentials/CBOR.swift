/// A CBOR data item (RFC 8949 §3): the subset a Data Integrity proof value is made of —
/// integers, byte and text strings, arrays and maps of definite length. Tags, floats,
/// simple values and indefinite lengths are refused (ecdsa-sd-2023 §3.5.6: "CBOR tagging
/// MUST NOT be used on any of the components").
enum CBORItem {
    case unsigned(UInt64)
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBORItem])
    case map([(key: CBORItem, value: CBORItem)])

    /// Decodes exactly one item from `bytes` (trailing bytes are an error).
    /// - Throws: ``CredentialError/Code/invalidEncoding`` naming what is wrong and where.
    static func decode(_ bytes: some Collection<UInt8>) throws(CredentialError) -> CBORItem {
        var reader = CBORReader(bytes: Array(bytes))
        let item = try reader.item(depth: 0)
        guard reader.offset == reader.bytes.count else {
            throw CredentialError(.invalidEncoding, "CBOR: \(reader.bytes.count - reader.offset) byte(s) after the item")
        }
        return item
    }
}

/// Reads CBOR items (RFC 8949 §3.1 major types 0-5) from a byte buffer, never reading past
/// its end and never allocating more than the input could hold.
struct CBORReader {
    let bytes: [UInt8]
    var offset = 0
    /// Nesting this deep is not a proof value.
    static let maximumDepth = 16

    mutating func item(depth: Int) throws(CredentialError) -> CBORItem {
        guard depth < Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) levels") }
        let initial = try byte()
        let major = initial >> 5
        let argument = try self.argument(initial & 0x1F)
        switch major {
        case 0: return .unsigned(argument)
        case 1: return .negative(argument)
        case 2: return .bytes(try take(argument))
        case 3:
            guard let text = String(validating: try take(argument), as: UTF8.self) else { throw failure("text string is not UTF-8") }
            return .text(text)
        case 4:
            // Every item takes at least one byte: a count beyond what is left is malformed.
            guard argument <= UInt64(bytes.count - offset) else { throw failure("array of \(argument) items is longer than the input") }
            var items: [CBORItem] = []
            items.reserveCapacity(Int(argument))
            for _ in 0..<argument { items.append(try item(depth: depth + 1)) }
            return .array(items)
        case 5:
            guard argument <= UInt64(bytes.count - offset) / 2 else { throw failure("map of \(argument) entries is longer than the input") }
            var entries: [(key: CBORItem, value: CBORItem)] = []
            entries.reserveCapacity(Int(argument))
            for _ in 0..<argument {
                let key = try item(depth: depth + 1)
                entries.append((key, try item(depth: depth + 1)))
            }
            return .map(entries)
        case 6: throw failure("tagged item (tags are not used in proof values)")
        default: throw failure("floating-point or simple value (not used in proof values)")
        }
    }

    /// §3.1: the argument that follows the initial byte's additional information.
    mutating func argument(_ info: UInt8) throws(CredentialError) -> UInt64 {
        switch info {
        case 0..<24: return UInt64(info)
        case 24...27:
            var value: UInt64 = 0
            for _ in 0..<(1 << (info - 24)) { value = value << 8 | UInt64(try byte()) }
            return value
        case 31: throw failure("indefinite length (not used in proof values)")
        default: throw failure("reserved additional information \(info)")
        }
    }

    mutating func byte() throws(CredentialError) -> UInt8 {
        guard offset < bytes.count else { throw failure("input ends inside an item") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func take(_ count: UInt64) throws(CredentialError) -> [UInt8] {
        guard count <= UInt64(bytes.count - offset) else { throw failure("string of \(count) bytes is longer than the input") }
        defer { offset += Int(count) }
        return Array(bytes[offset..<offset + Int(count)])
    }

    func failure(_ what: String) -> CredentialError {
        CredentialError(.invalidEncoding, "CBOR at byte \(offset): \(what)")
    }
}
