/// N-Quads (RDF 1.1) parsing and canonical serialization.
///
/// Serialization follows the canonical N-Quads form used by RDFC-1.0: IRIs written as-is,
/// literals escaping only `"` `\` and control characters (`\b \t \n \f \r` as ECHAR, the
/// rest as `\uXXXX` with upper-case hex), one quad per line, each line ending in `\n`.
/// The parser is linear time and decodes `\u`/`\U` escapes in IRIs and literals.
public enum NQuads {
    /// Canonical N-Quads text of `quads`, in the given order.
    public static func serialize(_ quads: some Sequence<RDFQuad>) -> String {
        var out: [UInt8] = []
        for q in quads { appendQuad(q, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends one quad line (with its trailing `\n`).
    public static func appendQuad(_ q: RDFQuad, to out: inout [UInt8]) {
        appendTerm(q.subject, to: &out)
        out.append(0x20)
        appendTerm(q.predicate, to: &out)
        out.append(0x20)
        appendTerm(q.object, to: &out)
        if let g = q.graph {
            out.append(0x20)
            appendTerm(g, to: &out)
        }
        out += [0x20, 0x2E, 0x0A]
    }

    /// Appends the N-Quads form of one term.
    public static func appendTerm(_ t: RDFTerm, to out: inout [UInt8]) {
        switch t {
        case .iri(let iri):
            out.append(UInt8(ascii: "<"))
            out += iri.utf8
            out.append(UInt8(ascii: ">"))
        case .blankNode(let label):
            out += [UInt8(ascii: "_"), UInt8(ascii: ":")]
            out += label.utf8
        case .literal(let lit):
            appendLiteral(lit, to: &out)
        }
    }

    static let hexUpper: [UInt8] = Array("0123456789ABCDEF".utf8)

    static func appendLiteral(_ lit: RDFLiteral, to out: inout [UInt8]) {
        out.append(0x22)
        for c in lit.lexicalForm.utf8 {
            switch c {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0..<0x20, 0x7F:
                out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexUpper[Int(c >> 4)], hexUpper[Int(c & 0xF)]]
            default: out.append(c)
            }
        }
        out.append(0x22)
        if let lang = lit.language {
            out.append(UInt8(ascii: "@"))
            out += lang.utf8
        } else if lit.datatype != RDFVocabulary.xsdString {
            out += [UInt8(ascii: "^"), UInt8(ascii: "^"), UInt8(ascii: "<")]
            out += lit.datatype.utf8
            out.append(UInt8(ascii: ">"))
        }
    }

    /// Parses N-Quads text into a dataset (duplicate quads dropped).
    ///
    /// - Throws: ``JSONLDError`` with code ``JSONLDError/Code/invalidNQuads`` naming the line.
    public static func parse(_ text: String) throws(JSONLDError) -> RDFDataset {
        var text = text
        let result: Result<RDFDataset, JSONLDError> = text.withUTF8 { buf in
            var p = NQuadsParser(bytes: buf)
            do throws(JSONLDError) { return .success(try p.parseDocument()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses UTF-8 N-Quads bytes into a dataset.
    public static func parse(bytes: [UInt8]) throws(JSONLDError) -> RDFDataset {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw JSONLDError(.invalidNQuads, "input is not valid UTF-8")
        }
        return try parse(text)
    }
}

struct NQuadsParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0
    var line = 1

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func fail(_ reason: String) -> JSONLDError {
        JSONLDError(.invalidNQuads, "\(reason) on line \(line)")
    }

    mutating func skipSpaces() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x09 { pos += 1 }
    }

    mutating func skipToLineEnd() {
        while pos < bytes.count, bytes[pos] != 0x0A, bytes[pos] != 0x0D { pos += 1 }
    }

    mutating func parseDocument() throws(JSONLDError) -> RDFDataset {
        var ds = RDFDataset()
        while pos < bytes.count {
            skipSpaces()
            guard pos < bytes.count else { break }
            let c = bytes[pos]
            if c == 0x0A || c == 0x0D {
                if c == 0x0A { line += 1 }
                pos += 1
                continue
            }
            if c == UInt8(ascii: "#") {
                skipToLineEnd()
                continue
            }
            let s = try parseTerm()
            guard !isLiteral(s) else { throw fail("a literal cannot be a subject") }
            skipSpaces()
            let p = try parseTerm()
            guard case .iri = p else { throw fail("the predicate must be an IRI") }
            skipSpaces()
            let o = try parseTerm()
            skipSpaces()
            var g: RDFTerm? = nil
            if pos < bytes.count && bytes[pos] != UInt8(ascii: ".") {
                let t = try parseTerm()
                guard !isLiteral(t) else { throw fail("a literal cannot be a graph name") }
                g = t
                skipSpaces()
            }
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ".") else { throw fail("expected '.'") }
            pos += 1
            skipSpaces()
            if pos < bytes.count && bytes[pos] == UInt8(ascii: "#") { skipToLineEnd() }
            if pos < bytes.count && bytes[pos] != 0x0A && bytes[pos] != 0x0D { throw fail("unexpected data after '.'") }
            ds.insert(RDFQuad(s, p, o, graph: g))
        }
        return ds
    }

    func isLiteral(_ t: RDFTerm) -> Bool {
        if case .literal = t { return true }
        return false
    }

    mutating func parseTerm() throws(JSONLDError) -> RDFTerm {
        guard pos < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[pos] {
        case UInt8(ascii: "<"): return .iri(try parseIRI())
        case UInt8(ascii: "_"):
            guard pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: ":") else { throw fail("invalid blank node") }
            pos += 2
            let start = pos
            while pos < bytes.count {
                let c = bytes[pos]
                if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == UInt8(ascii: "<") || c == UInt8(ascii: "\"") { break }
                pos += 1
            }
            // A label may not end with '.'.
            while pos > start && bytes[pos - 1] == UInt8(ascii: ".") { pos -= 1 }
            guard pos > start else { throw fail("empty blank node label") }
            return .blankNode(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self))
        case UInt8(ascii: "\""): return .literal(try parseLiteral())
        default: throw fail("unexpected character")
        }
    }

    mutating func parseIRI() throws(JSONLDError) -> String {
        pos += 1
        var out: [UInt8] = []
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: ">") {
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                pos += 1
                guard pos < bytes.count else { break }
                let e = bytes[pos]
                pos += 1
                if e == UInt8(ascii: "u") { try appendScalar(parseHex(4), &out) }
                else if e == UInt8(ascii: "U") { try appendScalar(parseHex(8), &out) }
                else { throw fail("invalid escape in IRI") }
                continue
            }
            if c <= 0x20 || c == UInt8(ascii: "<") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "{")
                || c == UInt8(ascii: "}") || c == UInt8(ascii: "|") || c == UInt8(ascii: "^") || c == UInt8(ascii: "`")
            {
                throw fail("invalid character in IRI")
            }
            out.append(c)
            pos += 1
        }
        throw fail("unterminated IRI")
    }

    mutating func parseHex(_ n: Int) throws(JSONLDError) -> UInt32 {
        guard pos + n <= bytes.count else { throw fail("truncated escape") }
        var v: UInt32 = 0
        for _ in 0..<n {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("invalid hex digit in escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    func appendScalar(_ v: UInt32, _ out: inout [UInt8]) throws(JSONLDError) {
        guard let s = Unicode.Scalar(v) else { throw fail("escape is not a Unicode scalar") }
        out += Array(String(Character(s)).utf8)
    }

    mutating func parseLiteral() throws(JSONLDError) -> RDFLiteral {
        pos += 1
        var out: [UInt8] = []
        var closed = false
        while pos < bytes.count {
            let c = bytes[pos]
            if c == 0x22 {
                pos += 1
                closed = true
                break
            }
            if c == 0x0A || c == 0x0D { throw fail("line break in literal") }
            if c == 0x5C {
                pos += 1
                guard pos < bytes.count else { break }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "'"): out.append(0x27)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "u"): try appendScalar(parseHex(4), &out)
                case UInt8(ascii: "U"): try appendScalar(parseHex(8), &out)
                default: throw fail("invalid escape in literal")
                }
                continue
            }
            out.append(c)
            pos += 1
        }
        guard closed else { throw fail("unterminated literal") }
        let value = String(decoding: out, as: UTF8.self)
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "@") {
            pos += 1
            let start = pos
            while pos < bytes.count {
                let c = bytes[pos]
                if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") {
                    pos += 1
                } else { break }
            }
            guard pos > start else { throw fail("empty language tag") }
            return RDFLiteral(value, language: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self))
        }
        if pos + 1 < bytes.count && bytes[pos] == UInt8(ascii: "^") && bytes[pos + 1] == UInt8(ascii: "^") {
            pos += 2
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "<") else { throw fail("expected datatype IRI") }
            return RDFLiteral(value, datatype: try parseIRI())
        }
        return RDFLiteral(value)
    }
}
