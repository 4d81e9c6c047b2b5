/// Output options for ``JSONValue/serialized(options:)``.
public struct JSONWriteOptions: Sendable, Hashable {
    /// Indent nested values with two spaces and put members on their own lines.
    public var prettyPrinted: Bool
    /// Sort object members by key (UTF-16 code units) instead of keeping their order.
    public var sortedKeys: Bool

    public init(prettyPrinted: Bool = false, sortedKeys: Bool = false) {
        self.prettyPrinted = prettyPrinted
        self.sortedKeys = sortedKeys
    }
}

extension JSONValue {
    /// The JSON text as UTF-8 bytes. Numbers are written as they were parsed; object
    /// members keep their order unless `options.sortedKeys`.
    public func serialized(options: JSONWriteOptions = JSONWriteOptions()) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        JSONWriter.write(self, into: &out, options: options, canonical: false, indent: 0)
        return out
    }

    /// The JSON text as a `String`.
    public func serializedString(options: JSONWriteOptions = JSONWriteOptions()) -> String {
        String(decoding: serialized(options: options), as: UTF8.self)
    }

    /// The RFC 8785 JSON Canonicalization Scheme (JCS) form as UTF-8 bytes: no whitespace,
    /// members sorted by UTF-16 code units, numbers in ECMAScript form, minimal string escaping.
    public func canonicalized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        JSONWriter.write(self, into: &out, options: JSONWriteOptions(sortedKeys: true), canonical: true, indent: 0)
        return out
    }

    /// The RFC 8785 canonical form as a `String`.
    public func canonicalString() -> String {
        String(decoding: canonicalized(), as: UTF8.self)
    }
}

enum JSONWriter {
    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func write(_ value: JSONValue, into out: inout [UInt8], options: JSONWriteOptions, canonical: Bool, indent: Int) {
        switch value {
        case .null: out += [0x6E, 0x75, 0x6C, 0x6C]
        case .bool(let b): out += b ? Array("true".utf8) : Array("false".utf8)
        case .number(let n):
            if canonical { out += n.canonicalString.utf8 } else { out += n.lexical.utf8 }
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, e) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if options.prettyPrinted { newline(&out, indent + 1) }
                write(e, into: &out, options: options, canonical: canonical, indent: indent + 1)
            }
            if options.prettyPrinted && !a.isEmpty { newline(&out, indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            let keys = options.sortedKeys ? o.keysSortedByUTF16 : o.keys
            for (i, k) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if options.prettyPrinted { newline(&out, indent + 1) }
                writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                if options.prettyPrinted { out.append(0x20) }
                write(o[k]!, into: &out, options: options, canonical: canonical, indent: indent + 1)
            }
            if options.prettyPrinted && !o.isEmpty { newline(&out, indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        out += repeatElement(0x20, count: indent * 2)
    }

    /// Writes a JSON string with the minimal escaping RFC 8785 prescribes.
    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { writeEscaped($0, into: &out) }
        out.append(0x22)
    }

    /// Writes `bytes` (UTF-8) escaped: the runs that need no escape are copied whole, eight bytes at a time tested at
    /// once, so long text costs a copy rather than a step per byte.
    private static func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let words = UnsafeRawBufferPointer(bytes)
        var run = 0, index = 0
        while index < bytes.count {
            if index + 8 <= bytes.count, !mayNeedEscape(words.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
                continue
            }
            let c = bytes[index]
            guard c < 0x20 || c == 0x22 || c == 0x5C else {
                index += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run ..< index]))
            switch c {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            default: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]]
            }
            index += 1
            run = index
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run ..< bytes.count]))
    }

    /// Whether one of `word`'s bytes may need escaping: a control character (under 0x20), `"` or `\`. Never false
    /// when one does (a byte under n borrows from its top bit); rarely true when none does, which costs only the
    /// byte-by-byte look.
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (0x22 &* ones), backslashes = word ^ (0x5C &* ones)
        let control = (word &- 0x20 &* ones) & ~word & tops
        return control | ((quotes &- ones) & ~quotes & tops) | ((backslashes &- ones) & ~backslashes & tops) != 0
    }
}
