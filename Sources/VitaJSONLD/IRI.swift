/// IRI helpers: absolute-IRI test and RFC 3986 §5.2 reference resolution.
enum IRI {
    /// `true` if `s` starts with a scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`).
    static func isAbsolute(_ s: String) -> Bool {
        var first = true
        for c in s.utf8 {
            if c == UInt8(ascii: ":") { return !first }
            let alpha = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            if first {
                guard alpha else { return false }
                first = false
                continue
            }
            let ok = alpha || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
            if !ok { return false }
        }
        return false
    }

    /// A well-formed absolute IRI for RDF purposes: has a scheme and no spaces or forbidden characters.
    static func isWellFormed(_ s: String) -> Bool {
        guard isAbsolute(s) else { return false }
        var hashes = 0
        for c in s.utf8 {
            if c == UInt8(ascii: "#") {
                hashes += 1
                if hashes > 1 { return false }
            }
            switch c {
            case 0...0x20, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "{"),
                 UInt8(ascii: "}"), UInt8(ascii: "|"), UInt8(ascii: "\\"), UInt8(ascii: "^"), UInt8(ascii: "`"):
                return false
            default: continue
            }
        }
        return true
    }

    struct Parts {
        var scheme: Substring?
        var authority: Substring?
        var path: Substring
        var query: Substring?
        var fragment: Substring?
    }

    /// Splits a reference into its RFC 3986 components (Appendix B).
    static func parse(_ s: String) -> Parts {
        var rest = Substring(s)
        var parts = Parts(path: "")
        if let hash = rest.firstIndex(of: "#") {
            parts.fragment = rest[rest.index(after: hash)...]
            rest = rest[..<hash]
        }
        if let q = rest.firstIndex(of: "?") {
            parts.query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        if let colon = rest.firstIndex(of: ":"), isAbsolute(String(rest[...colon])) {
            parts.scheme = rest[..<colon]
            rest = rest[rest.index(after: colon)...]
        }
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            parts.authority = rest[..<end]
            rest = rest[end...]
        }
        parts.path = rest
        return parts
    }

    /// RFC 3986 §5.2.4 remove_dot_segments.
    static func removeDotSegments(_ path: Substring) -> String {
        guard path.utf8.contains(UInt8(ascii: ".")) else { return String(path) }
        var input = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let absolute = path.hasPrefix("/")
        if absolute { input.removeFirst() }
        var output: [String] = []
        for (i, seg) in input.enumerated() {
            let last = i == input.count - 1
            if seg == "." {
                if last { output.append("") }
            } else if seg == ".." {
                if !output.isEmpty { output.removeLast() }
                if last { output.append("") }
            } else {
                output.append(seg)
            }
        }
        return (absolute ? "/" : "") + output.joined(separator: "/")
    }

    /// Resolves `reference` against `base` (RFC 3986 §5.2.2). Returns `reference` unchanged
    /// if `base` is `nil`.
    static func resolve(_ reference: String, against base: String?) -> String {
        guard let base else { return reference }
        let r = parse(reference)
        if r.scheme != nil {
            return compose(scheme: r.scheme, authority: r.authority, path: removeDotSegments(r.path), query: r.query, fragment: r.fragment)
        }
        let b = parse(base)
        var authority: Substring?
        var path: String
        var query: Substring?
        if r.authority != nil {
            authority = r.authority
            path = removeDotSegments(r.path)
            query = r.query
        } else {
            authority = b.authority
            if r.path.isEmpty {
                path = String(b.path)
                query = r.query ?? b.query
            } else {
                if r.path.hasPrefix("/") {
                    path = removeDotSegments(r.path)
                } else {
                    // §5.2.3 merge
                    let merged: String
                    if b.authority != nil && b.path.isEmpty {
                        merged = "/" + r.path
                    } else if let slash = b.path.lastIndex(of: "/") {
                        merged = String(b.path[...slash]) + r.path
                    } else {
                        merged = String(r.path)
                    }
                    path = removeDotSegments(Substring(merged))
                }
                query = r.query
            }
        }
        return compose(scheme: b.scheme, authority: authority, path: path, query: query, fragment: r.fragment)
    }

    static func compose(scheme: Substring?, authority: Substring?, path: String, query: Substring?, fragment: Substring?) -> String {
        var s = ""
        if let scheme { s += scheme + ":" }
        if let authority { s += "//" + authority }
        s += path
        if let query { s += "?" + query }
        if let fragment { s += "#" + fragment }
        return s
    }
}
