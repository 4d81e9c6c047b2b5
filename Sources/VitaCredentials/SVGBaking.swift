/// OB 3.0 §"SVG" › "Baking" / "Extracting" over the bytes of an SVG (XML 1.0, UTF-8).
///
/// A small XML scanner, not a parser: it understands what is needed to find elements and
/// their namespaces — the prolog (XML declaration, processing instructions, comments, a
/// DOCTYPE with an internal subset), start and end tags with quoted attributes, CDATA
/// sections, character and the five predefined entity references — and tracks namespace
/// declarations per element, so `<ob:credential>` with `xmlns:ob` bound to the OB 3.0
/// namespace is found as well as `<openbadges:credential>`. It never builds a tree, never
/// expands external entities and never reads past the end of the input.
enum SVGBaking {
    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    /// Element nesting beyond this is refused (namespace lookups walk the open elements).
    static let maxDepth = 1000

    static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    /// The first byte after an optional byte-order mark and blanks.
    static func firstSignificantByte(_ bytes: [UInt8]) -> UInt8? {
        let start = bytes.starts(with: bom) ? 3 : 0
        return bytes[start...].first { !isBlank($0) }
    }

    struct Attribute {
        var name: String
        var value: String
    }

    struct StartTag {
        /// Offset of `<`.
        var start: Int
        /// Offset just after `>`.
        var end: Int
        var name: String
        var attributes: [Attribute]
        var isEmptyElement: Bool

        var prefix: String? { name.firstIndex(of: ":").map { String(name[..<$0]) } }
        var localName: String { name.firstIndex(of: ":").map { String(name[name.index(after: $0)...]) } ?? name }
        func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }
        /// The namespace declarations on this element: prefix ("" for the default) → URI.
        var namespaceDeclarations: [String: String] {
            var d: [String: String] = [:]
            for a in attributes {
                if a.name == "xmlns" { d[""] = a.value } else if a.name.hasPrefix("xmlns:") { d[String(a.name.dropFirst(6))] = a.value }
            }
            return d
        }
    }

    /// A cursor over the document.
    struct Scanner {
        let bytes: [UInt8]
        var i: Int

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            i = bytes.starts(with: SVGBaking.bom) ? 3 : 0
        }

        var atEnd: Bool { i >= bytes.count }

        func hasPrefix(_ s: String) -> Bool {
            var j = i
            for c in s.utf8 {
                guard j < bytes.count, bytes[j] == c else { return false }
                j += 1
            }
            return true
        }

        /// Moves past the next occurrence of `terminator`.
        mutating func skip(past terminator: String, what: String) throws(CredentialError) {
            let t = Array(terminator.utf8)
            var j = i
            while j + t.count <= bytes.count {
                if bytes[j] == t[0], bytes[j..<(j + t.count)].elementsEqual(t) {
                    i = j + t.count
                    return
                }
                j += 1
            }
            throw CredentialError(.truncatedImage, "the SVG ends inside \(what) (no \(terminator))")
        }

        /// `<!DOCTYPE …>` with an optional `[ internal subset ]` and quoted literals.
        mutating func skipDeclaration() throws(CredentialError) {
            var bracket = 0
            var quote: UInt8?
            while i < bytes.count {
                let c = bytes[i]
                i += 1
                if let q = quote {
                    if c == q { quote = nil }
                } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    quote = c
                } else if c == UInt8(ascii: "[") {
                    bracket += 1
                } else if c == UInt8(ascii: "]") {
                    bracket -= 1
                } else if c == UInt8(ascii: ">"), bracket <= 0 {
                    return
                }
            }
            throw CredentialError(.truncatedImage, "the SVG ends inside a <!DOCTYPE> declaration")
        }

        mutating func skipBlanks() {
            while i < bytes.count, SVGBaking.isBlank(bytes[i]) { i += 1 }
        }

        mutating func name() throws(CredentialError) -> String {
            let start = i
            while i < bytes.count {
                let c = bytes[i]
                if SVGBaking.isBlank(c) || c == UInt8(ascii: "=") || c == UInt8(ascii: ">") || c == UInt8(ascii: "/")
                    || c == UInt8(ascii: "<") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { break }
                i += 1
            }
            guard i > start else {
                if atEnd { throw CredentialError(.truncatedImage, "the SVG ends inside a tag") }
                throw CredentialError(.corruptImage, "malformed XML at byte \(i): a name was expected")
            }
            guard let s = String(validating: bytes[start..<i], as: UTF8.self) else {
                throw CredentialError(.corruptImage, "malformed XML at byte \(start): a name is not UTF-8")
            }
            return s
        }

        /// A start tag; `i` is at `<`.
        mutating func startTag() throws(CredentialError) -> StartTag {
            let start = i
            i += 1
            let elementName = try name()
            var attributes: [Attribute] = []
            while true {
                let before = i
                skipBlanks()
                guard i < bytes.count else { throw CredentialError(.truncatedImage, "the SVG ends inside the <\(elementName)> start tag") }
                if bytes[i] == UInt8(ascii: ">") {
                    i += 1
                    return StartTag(start: start, end: i, name: elementName, attributes: attributes, isEmptyElement: false)
                }
                if bytes[i] == UInt8(ascii: "/") {
                    guard i + 1 < bytes.count else { throw CredentialError(.truncatedImage, "the SVG ends inside the <\(elementName)> start tag") }
                    guard bytes[i + 1] == UInt8(ascii: ">") else { throw CredentialError(.corruptImage, "malformed XML at byte \(i): '/' not followed by '>'") }
                    i += 2
                    return StartTag(start: start, end: i, name: elementName, attributes: attributes, isEmptyElement: true)
                }
                guard i > before else { throw CredentialError(.corruptImage, "malformed XML at byte \(i): attributes must be separated by blanks") }
                let attributeName = try name()
                skipBlanks()
                guard i < bytes.count else { throw CredentialError(.truncatedImage, "the SVG ends inside the <\(elementName)> start tag") }
                guard bytes[i] == UInt8(ascii: "=") else { throw CredentialError(.corruptImage, "malformed XML at byte \(i): attribute \(attributeName) has no value") }
                i += 1
                skipBlanks()
                guard i < bytes.count else { throw CredentialError(.truncatedImage, "the SVG ends inside the <\(elementName)> start tag") }
                let quote = bytes[i]
                guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                    throw CredentialError(.corruptImage, "malformed XML at byte \(i): the value of \(attributeName) is not quoted")
                }
                i += 1
                guard let close = bytes[i...].firstIndex(of: quote) else {
                    throw CredentialError(.truncatedImage, "the SVG ends inside the value of attribute \(attributeName)")
                }
                let value = try SVGBaking.decodeCharacterData(bytes[i..<close])
                i = close + 1
                attributes.append(Attribute(name: attributeName, value: String(decoding: value, as: UTF8.self)))
            }
        }

        /// The next markup item, skipping character data, comments, PIs, DOCTYPE and CDATA
        /// outside the element looked for. Returns nil at the end of the input.
        enum Item { case start(StartTag), end(String) }

        mutating func nextItem() throws(CredentialError) -> Item? {
            while true {
                guard let lt = bytes[i...].firstIndex(of: UInt8(ascii: "<")) else {
                    i = bytes.count
                    return nil
                }
                i = lt
                if hasPrefix("<!--") {
                    try skip(past: "-->", what: "a comment")
                } else if hasPrefix("<![CDATA[") {
                    try skip(past: "]]>", what: "a CDATA section")
                } else if hasPrefix("<?") {
                    try skip(past: "?>", what: "a processing instruction")
                } else if hasPrefix("<!") {
                    try skipDeclaration()
                } else if hasPrefix("</") {
                    i += 2
                    let n = try name()
                    skipBlanks()
                    guard i < bytes.count else { throw CredentialError(.truncatedImage, "the SVG ends inside the </\(n)> end tag") }
                    guard bytes[i] == UInt8(ascii: ">") else { throw CredentialError(.corruptImage, "malformed XML at byte \(i): end tag </\(n)> not closed") }
                    i += 1
                    return .end(n)
                } else {
                    return .start(try startTag())
                }
            }
        }
    }

    /// Character data with entity references resolved (`&lt;` `&gt;` `&amp;` `&quot;` `&apos;`, `&#…;`, `&#x…;`).
    static func decodeCharacterData(_ data: ArraySlice<UInt8>) throws(CredentialError) -> [UInt8] {
        guard data.contains(UInt8(ascii: "&")) else { return Array(data) }
        var out: [UInt8] = []
        out.reserveCapacity(data.count)
        var i = data.startIndex
        while i < data.endIndex {
            let c = data[i]
            guard c == UInt8(ascii: "&") else {
                out.append(c)
                i += 1
                continue
            }
            guard let semicolon = data[i...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
                throw CredentialError(.corruptImage, "malformed XML at byte \(i): an entity reference has no ';'")
            }
            let reference = String(decoding: data[(i + 1)..<semicolon], as: UTF8.self)
            let scalar: Unicode.Scalar?
            switch reference {
            case "lt": scalar = "<"
            case "gt": scalar = ">"
            case "amp": scalar = "&"
            case "quot": scalar = "\""
            case "apos": scalar = "'"
            default:
                if reference.hasPrefix("#x") {
                    scalar = UInt32(reference.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
                } else if reference.hasPrefix("#") {
                    scalar = UInt32(reference.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init)
                } else {
                    throw CredentialError(.corruptImage, "malformed XML at byte \(i): unknown entity &\(reference);")
                }
            }
            guard let scalar else { throw CredentialError(.corruptImage, "malformed XML at byte \(i): invalid character reference &\(reference);") }
            out += Array(String(Character(scalar)).utf8)
            i = semicolon + 1
        }
        return out
    }

    static func checkSize(_ svg: [UInt8], limits: BadgeBaking.Limits) throws(CredentialError) {
        guard svg.count <= limits.maxImageBytes else {
            throw CredentialError(.imageTooLarge, "the SVG is \(svg.count) bytes; at most \(limits.maxImageBytes) are accepted")
        }
        guard String(validating: svg, as: UTF8.self) != nil else {
            throw CredentialError(.notAnImage, "the SVG is not UTF-8 text")
        }
    }

    /// The root element's start tag, which must be `<svg>` (any prefix).
    static func root(_ scanner: inout Scanner) throws(CredentialError) -> StartTag {
        guard case .start(let root)? = try scanner.nextItem() else {
            throw CredentialError(.notAnImage, "the document has no root element")
        }
        guard root.localName == "svg" else {
            throw CredentialError(.notAnImage, "the root element is <\(root.name)>, not <svg>")
        }
        return root
    }

    /// The first `credential` element in the OB 3.0 namespace, with the scanner after its start tag.
    static func findCredential(_ scanner: inout Scanner) throws(CredentialError) -> StartTag? {
        var scopes: [[String: String]] = []
        func resolve(_ prefix: String) -> String? {
            for scope in scopes.reversed() { if let uri = scope[prefix] { return uri } }
            return nil
        }
        while let item = try scanner.nextItem() {
            switch item {
            case .start(let tag):
                guard scopes.count < maxDepth else {
                    throw CredentialError(.corruptImage, "the SVG nests elements deeper than \(maxDepth) levels")
                }
                scopes.append(tag.namespaceDeclarations)
                if tag.localName == "credential", let prefix = tag.prefix, resolve(prefix) == BadgeBaking.svgNamespace {
                    return tag
                }
                if tag.isEmptyElement { scopes.removeLast() }
            case .end:
                if !scopes.isEmpty { scopes.removeLast() }
            }
        }
        if !scopes.isEmpty {
            throw CredentialError(.truncatedImage, "the SVG ends before its root element is closed")
        }
        return nil
    }

    /// OB 3.0 §"SVG" › "Extracting": the `verify` attribute, else the text content (character
    /// data and CDATA sections, in order) of the first `<openbadges:credential>`.
    static func extractText(from svg: [UInt8], limits: BadgeBaking.Limits) throws(CredentialError) -> [UInt8] {
        try checkSize(svg, limits: limits)
        var scanner = Scanner(svg)
        _ = try root(&scanner)
        scanner = Scanner(svg)
        guard let tag = try findCredential(&scanner) else {
            throw CredentialError(.noBakedCredential, "the SVG has no <openbadges:credential> element in the namespace \(BadgeBaking.svgNamespace)")
        }
        if let verify = tag.attribute("verify") { return Array(verify.utf8) }
        if tag.isEmptyElement {
            throw CredentialError(.corruptBakedCredential, "the <\(tag.name)> element is empty and has no verify attribute")
        }
        var text: [UInt8] = []
        var i = scanner.i
        let bytes = scanner.bytes
        while true {
            guard let lt = bytes[i...].firstIndex(of: UInt8(ascii: "<")) else {
                throw CredentialError(.truncatedImage, "the SVG ends inside the <\(tag.name)> element")
            }
            text += try decodeCharacterData(bytes[i..<lt])
            scanner.i = lt
            if scanner.hasPrefix("<![CDATA[") {
                let start = lt + 9
                try scanner.skip(past: "]]>", what: "a CDATA section")
                text += bytes[start..<(scanner.i - 3)]
            } else if scanner.hasPrefix("<!--") {
                try scanner.skip(past: "-->", what: "a comment")
            } else if scanner.hasPrefix("<?") {
                try scanner.skip(past: "?>", what: "a processing instruction")
            } else if case .end(let name)? = try scanner.nextItem() {
                guard name == tag.name else {
                    throw CredentialError(.corruptBakedCredential, "</\(name)> closes <\(tag.name)>")
                }
                return text
            } else {
                throw CredentialError(.corruptBakedCredential, "the <\(tag.name)> element contains an element; only the credential text is allowed")
            }
            i = scanner.i
        }
    }

    /// OB 3.0 §"SVG" › "Baking".
    static func bake(credential: BakedCredential, text: [UInt8], into svg: [UInt8], limits: BadgeBaking.Limits) throws(CredentialError) -> [UInt8] {
        try checkSize(svg, limits: limits)
        var scanner = Scanner(svg)
        let root = try root(&scanner)
        var search = Scanner(svg)
        if try findCredential(&search) != nil {
            throw CredentialError(.alreadyBaked, "the SVG already carries an <openbadges:credential> element")
        }
        let declarations = root.namespaceDeclarations
        if let bound = declarations["openbadges"], bound != BadgeBaking.svgNamespace {
            throw CredentialError(.corruptImage, "the <svg> root binds the prefix openbadges to another namespace (\(bound)); remove the older baked data first")
        }
        var element: [UInt8]
        switch credential {
        case .compactJWS:
            // A Compact JWS has only [A-Za-z0-9_.-]: nothing to escape in the attribute.
            element = Array("<openbadges:credential verify=\"".utf8) + text + Array("\"></openbadges:credential>".utf8)
        case .json:
            // "]]>" cannot occur inside a CDATA section: end the section after "]]" and start a new one before ">".
            element = Array("<openbadges:credential><![CDATA[".utf8)
            var i = 0
            while i < text.count {
                if text[i] == UInt8(ascii: "]"), i + 2 < text.count, text[i + 1] == UInt8(ascii: "]"), text[i + 2] == UInt8(ascii: ">") {
                    element += Array("]]]]><![CDATA[>".utf8)
                    i += 3
                } else {
                    element.append(text[i])
                    i += 1
                }
            }
            element += Array("]]></openbadges:credential>".utf8)
        }
        // Where the start tag's closing "/>" or ">" begins.
        let close = root.isEmptyElement ? root.end - 2 : root.end - 1
        var out: [UInt8] = []
        out.reserveCapacity(svg.count + element.count + 64)
        out += svg[..<close]
        if declarations["openbadges"] == nil {
            out += Array(" xmlns:openbadges=\"\(BadgeBaking.svgNamespace)\"".utf8)
        }
        out.append(UInt8(ascii: ">"))
        out += element
        if root.isEmptyElement { out += Array("</\(root.name)>".utf8) }
        out += svg[root.end...]
        guard out.count <= limits.maxImageBytes else {
            throw CredentialError(.imageTooLarge, "the baked SVG would exceed \(limits.maxImageBytes) bytes")
        }
        return out
    }
}
