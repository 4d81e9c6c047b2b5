/// Strict JSON (RFC 8259) parser working directly on UTF-8 bytes.
///
/// Rejects: invalid UTF-8, unpaired surrogate escapes, control characters in strings,
/// duplicate object keys, nesting deeper than ``JSONLimits/maxDepth``, input larger than
/// ``JSONLimits/maxBytes``, leading zeros, trailing commas, and anything after the value
/// other than whitespace. A leading UTF-8 byte order mark is also rejected (RFC 8259 §8.1).
struct JSONParser: ~Copyable {
    let bytes: UnsafeBufferPointer<UInt8>
    let limits: JSONLimits
    var pos = 0
    var depth = 0
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        if bytes.count > limits.maxBytes {
            throw JSONError(.tooLarge, "input is \(bytes.count) bytes, the limit is \(limits.maxBytes)")
        }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if pos != bytes.count { throw JSONError(.syntax, "unexpected data after the JSON value", offset: pos) }
        return value
    }

    @inline(__always) mutating func skipWhitespace() {
        while pos < bytes.count {
            let c = bytes[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return }
        }
    }

    mutating func parseValue() throws(JSONError) -> JSONValue {
        guard pos < bytes.count else { throw JSONError(.unexpectedEnd, "expected a value", offset: pos) }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw JSONError(.syntax, "unexpected character", offset: pos)
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        guard pos + n <= bytes.count else { throw JSONError(.unexpectedEnd, "truncated literal", offset: pos) }
        let p = word.utf8Start
        for i in 0..<n where bytes[pos + i] != p[i] {
            throw JSONError(.syntax, "invalid literal", offset: pos)
        }
        pos += n
    }

    mutating func enter() throws(JSONError) {
        depth += 1
        if depth > limits.maxDepth {
            throw JSONError(.tooDeep, "nesting deeper than \(limits.maxDepth)", offset: pos)
        }
    }

    mutating func parseArray() throws(JSONError) -> JSONValue {
        try enter()
        pos += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard pos < bytes.count else { throw JSONError(.unexpectedEnd, "unterminated array", offset: pos) }
            let c = bytes[pos]
            pos += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { break }
            throw JSONError(.syntax, "expected ',' or ']' in array", offset: pos - 1)
        }
        depth -= 1
        return .array(elements)
    }

    mutating func parseObject() throws(JSONError) -> JSONValue {
        try enter()
        pos += 1
        var object = JSONObject()
        skipWhitespace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard pos < bytes.count else { throw JSONError(.unexpectedEnd, "unterminated object", offset: pos) }
            guard bytes[pos] == UInt8(ascii: "\"") else {
                throw JSONError(.syntax, "expected a string key", offset: pos)
            }
            let keyOffset = pos
            let key = try parseString()
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
                throw JSONError(.syntax, "expected ':' after key", offset: pos)
            }
            pos += 1
            skipWhitespace()
            let value = try parseValue()
            if !object.insertIfAbsent(key, value) {
                throw JSONError(.duplicateKey, "an object has the same key twice", offset: keyOffset)
            }
            skipWhitespace()
            guard pos < bytes.count else { throw JSONError(.unexpectedEnd, "unterminated object", offset: pos) }
            let c = bytes[pos]
            pos += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            throw JSONError(.syntax, "expected ',' or '}' in object", offset: pos - 1)
        }
        depth -= 1
        return .object(object)
    }

    mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = pos
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < bytes.count, isDigit(bytes[pos]) else { throw JSONError(.syntax, "invalid number", offset: start) }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < bytes.count && isDigit(bytes[pos]) {
                throw JSONError(.syntax, "leading zero in number", offset: start)
            }
        } else {
            while pos < bytes.count && isDigit(bytes[pos]) { pos += 1 }
        }
        var simpleInteger = true
        if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
            simpleInteger = false
            pos += 1
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw JSONError(.syntax, "invalid fraction", offset: start) }
            while pos < bytes.count && isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count && (bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E")) {
            simpleInteger = false
            pos += 1
            if pos < bytes.count && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) { pos += 1 }
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw JSONError(.syntax, "invalid exponent", offset: start) }
            while pos < bytes.count && isDigit(bytes[pos]) { pos += 1 }
        }
        let slice = UnsafeBufferPointer(rebasing: bytes[start..<pos])
        let text = String(decoding: slice, as: UTF8.self)
        let double: Double
        if simpleInteger && slice.count <= 15 {
            // Exact: at most 15 digits fit a double without rounding.
            var v: Int64 = 0
            var neg = false
            for c in slice {
                if c == UInt8(ascii: "-") { neg = true } else { v = v * 10 + Int64(c - 0x30) }
            }
            double = neg ? -Double(v) : Double(v)
        } else {
            double = Double(text) ?? .infinity
        }
        return JSONNumber(uncheckedLexical: text, double: double)
    }

    @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    mutating func parseString() throws(JSONError) -> String {
        let open = pos
        pos += 1
        let start = pos
        // Fast path: no escapes, all ASCII or validated UTF-8.
        var ascii = true
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<pos])
                pos += 1
                if ascii { return String(decoding: slice, as: UTF8.self) }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw JSONError(.invalidUTF8, "a string is not valid UTF-8", offset: start)
                }
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw JSONError(.syntax, "control character in string", offset: pos) }
            if c >= 0x80 { ascii = false }
            pos += 1
        }
        guard pos < bytes.count else { throw JSONError(.unexpectedEnd, "unterminated string", offset: open) }
        // Slow path with escapes.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                guard let s = String(validating: scratch, as: UTF8.self) else {
                    throw JSONError(.invalidUTF8, "a string is not valid UTF-8", offset: start)
                }
                return s
            }
            if c < 0x20 { throw JSONError(.syntax, "control character in string", offset: pos) }
            if c != UInt8(ascii: "\\") {
                scratch.append(c)
                pos += 1
                continue
            }
            pos += 1
            guard pos < bytes.count else { break }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                        throw JSONError(.invalidUTF8, "unpaired surrogate escape", offset: pos)
                    }
                    pos += 2
                    let low = try parseHex4()
                    guard low >= 0xDC00 && low <= 0xDFFF else {
                        throw JSONError(.invalidUTF8, "unpaired surrogate escape", offset: pos)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw JSONError(.invalidUTF8, "unpaired surrogate escape", offset: pos)
                }
                appendUTF8(scalar)
            default:
                throw JSONError(.syntax, "invalid escape", offset: pos - 2)
            }
        }
        throw JSONError(.unexpectedEnd, "unterminated string", offset: open)
    }

    mutating func parseHex4() throws(JSONError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw JSONError(.unexpectedEnd, "truncated \\u escape", offset: pos) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw JSONError(.syntax, "invalid \\u escape", offset: pos)
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    mutating func appendUTF8(_ s: UInt32) {
        switch s {
        case 0..<0x80:
            scratch.append(UInt8(s))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (s >> 6)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (s >> 12)))
            scratch.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (s >> 18)))
            scratch.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        }
    }
}

extension JSONValue {
    /// Parses UTF-8 JSON text strictly.
    ///
    /// - Throws: ``JSONError`` with the byte offset of the problem.
    public init(parsing bytes: some Collection<UInt8>, limits: JSONLimits = .default) throws(JSONError) {
        let result: Result<JSONValue, JSONError>? = bytes.withContiguousStorageIfAvailable { buffer in
            var parser = JSONParser(bytes: buffer, limits: limits)
            do throws(JSONError) { return .success(try parser.parseDocument()) } catch { return .failure(error) }
        }
        if let result {
            self = try result.get()
        } else {
            let array = Array(bytes)
            self = try array.withUnsafeBufferPointer { buffer throws(JSONError) in
                var parser = JSONParser(bytes: buffer, limits: limits)
                return try parser.parseDocument()
            }
        }
    }

    /// Parses JSON text strictly.
    public init(parsing text: String, limits: JSONLimits = .default) throws(JSONError) {
        var text = text
        let result: Result<JSONValue, JSONError> = text.withUTF8 { buffer in
            var parser = JSONParser(bytes: buffer, limits: limits)
            do throws(JSONError) { return .success(try parser.parseDocument()) } catch { return .failure(error) }
        }
        self = try result.get()
    }
}
