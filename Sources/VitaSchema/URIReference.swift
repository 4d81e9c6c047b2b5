import Foundation

/// A URI reference split into its RFC 3986 §3 components, with §5.2 reference resolution.
///
/// Used to resolve `$id`, `$ref` and `$recursiveRef` against the current base URI
/// (JSON Schema 2019-09 core §8.2.1 and §8.2.4).
struct URIReference: Hashable, Sendable {
    var scheme: String?
    var authority: String?
    var path: String
    var query: String?
    var fragment: String?

    init(scheme: String?, authority: String?, path: String, query: String?, fragment: String?) {
        self.scheme = scheme
        self.authority = authority
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    /// Parses with the generic syntax (RFC 3986 appendix B).
    init(_ text: String) {
        var rest = Substring(text)
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        if let colon = rest.firstIndex(of: ":"), colon != rest.startIndex {
            let candidate = rest[..<colon]
            let first = candidate.first!
            if first.isASCII && first.isLetter
                && candidate.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
            {
                scheme = String(candidate)
                rest = rest[rest.index(after: colon)...]
            }
        }
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = String(rest[..<end])
            rest = rest[end...]
        }
        path = String(rest)
    }

    /// The reference as text.
    var string: String {
        var s = ""
        if let scheme { s += scheme + ":" }
        if let authority { s += "//" + authority }
        s += path
        if let query { s += "?" + query }
        if let fragment { s += "#" + fragment }
        return s
    }

    /// The URI without its fragment.
    var withoutFragment: URIReference {
        var copy = self
        copy.fragment = nil
        return copy
    }

    var isAbsolute: Bool { scheme != nil }

    /// RFC 3986 §5.2.2: resolves `reference` against `self` (an absolute URI).
    func resolving(_ reference: URIReference) -> URIReference {
        var target = URIReference(scheme: nil, authority: nil, path: "", query: nil, fragment: reference.fragment)
        if let s = reference.scheme {
            target.scheme = s
            target.authority = reference.authority
            target.path = Self.removeDotSegments(reference.path)
            target.query = reference.query
        } else {
            if reference.authority != nil {
                target.authority = reference.authority
                target.path = Self.removeDotSegments(reference.path)
                target.query = reference.query
            } else {
                if reference.path.isEmpty {
                    target.path = path
                    target.query = reference.query ?? query
                } else {
                    if reference.path.hasPrefix("/") {
                        target.path = Self.removeDotSegments(reference.path)
                    } else {
                        target.path = Self.removeDotSegments(merge(reference.path))
                    }
                    target.query = reference.query
                }
                target.authority = authority
            }
            target.scheme = scheme
        }
        return target
    }

    /// RFC 3986 §5.2.3.
    private func merge(_ refPath: String) -> String {
        if authority != nil && path.isEmpty { return "/" + refPath }
        if let slash = path.lastIndex(of: "/") { return String(path[...slash]) + refPath }
        return refPath
    }

    /// RFC 3986 §5.2.4.
    static func removeDotSegments(_ input: String) -> String {
        guard input.contains(".") else { return input }
        var inp = Substring(input)
        var out = ""
        while !inp.isEmpty {
            if inp.hasPrefix("../") { inp = inp.dropFirst(3) }
            else if inp.hasPrefix("./") { inp = inp.dropFirst(2) }
            else if inp.hasPrefix("/./") { inp = inp.dropFirst(2) }
            else if inp == "/." { inp = "/" }
            else if inp.hasPrefix("/../") || inp == "/.." {
                inp = inp.hasPrefix("/../") ? inp.dropFirst(3) : "/"
                if let slash = out.lastIndex(of: "/") { out = String(out[..<slash]) } else { out = "" }
            } else if inp == "." || inp == ".." {
                inp = ""
            } else {
                var segEnd = inp.index(after: inp.startIndex)
                if inp.first != "/" { segEnd = inp.startIndex }
                let next = inp[segEnd...].firstIndex(of: "/") ?? inp.endIndex
                out += inp[..<next]
                inp = inp[next...]
            }
        }
        return out
    }
}

extension URIReference {
    /// Resolves `reference` (text) against `base` (text); a relative base is treated as-is.
    static func resolve(_ reference: String, against base: String) -> String {
        let ref = URIReference(reference)
        if ref.isAbsolute {
            var r = ref
            r.path = removeDotSegments(r.path)
            return r.string
        }
        return URIReference(base).resolving(ref).string
    }

    /// The resource key for a URI: the text without fragment (an empty fragment is dropped).
    static func resourceKey(_ uri: String) -> String {
        if let hash = uri.firstIndex(of: "#") { return String(uri[..<hash]) }
        return uri
    }
}
