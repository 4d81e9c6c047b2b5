import Foundation

/// The `format` keyword (JSON Schema 2019-09 validation §7).
///
/// By default `format` is an annotation only (§7.2). With
/// ``ValidationOptions/assertFormats`` the formats below are asserted; unknown formats
/// always pass (§7.2.3).
public enum FormatChecker {
    /// The format names this checker can assert.
    public static let supportedFormats: Set<String> = [
        "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "ipv4", "ipv6",
        "uri", "uri-reference", "iri", "iri-reference", "uri-template", "uuid", "json-pointer",
        "relative-json-pointer", "regex",
    ]

    /// `true` if `value` conforms to `format` (or the format is not known).
    public static func check(_ format: String, _ value: String) -> Bool {
        switch format {
        case "date-time": return isDateTime(value)
        case "date": return isFullDate(Substring(value))
        case "time": return isFullTime(Substring(value))
        case "duration": return isDuration(value)
        case "email": return isEmail(value, international: false)
        case "idn-email": return isEmail(value, international: true)
        case "hostname": return Hostname.isHostname(value)
        case "idn-hostname": return Hostname.isIDNHostname(value)
        case "ipv4": return isIPv4(Substring(value))
        case "ipv6": return isIPv6(value)
        case "uri": return isURI(value, requireScheme: true, allowNonASCII: false)
        case "uri-reference": return isURI(value, requireScheme: false, allowNonASCII: false)
        case "iri": return isURI(value, requireScheme: true, allowNonASCII: true)
        case "iri-reference": return isURI(value, requireScheme: false, allowNonASCII: true)
        case "uri-template": return isURITemplate(value)
        case "uuid": return isUUID(value)
        case "json-pointer": return isJSONPointer(Substring(value))
        case "relative-json-pointer": return isRelativeJSONPointer(value)
        case "regex": return ECMARegex.translate(value) != nil && (try? ECMARegex(value)) != nil
        default: return true
        }
    }

    // MARK: RFC 3339 §5.6

    private static func digits(_ s: Substring, _ n: Int) -> Int? {
        guard s.count == n, s.unicodeScalars.allSatisfy({ $0.value >= 0x30 && $0.value <= 0x39 }) else { return nil }
        return Int(s)
    }

    private static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func isFullDate(_ s: Substring) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let y = digits(parts[0], 4), let m = digits(parts[1], 2), let d = digits(parts[2], 2) else { return false }
        guard (1...12).contains(m), d >= 1 else { return false }
        let days = [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    /// full-time = partial-time time-offset; leap seconds only at 23:59:60 UTC.
    static func isFullTime(_ s: Substring) -> Bool {
        guard s.count >= 9 else { return false }
        let hh = s.prefix(2), mm = s.dropFirst(3).prefix(2), ss = s.dropFirst(6).prefix(2)
        guard s.dropFirst(2).first == ":", s.dropFirst(5).first == ":" else { return false }
        guard let h = digits(hh, 2), let m = digits(mm, 2), let sec = digits(ss, 2) else { return false }
        var rest = s.dropFirst(8)
        if rest.first == "." {
            rest = rest.dropFirst()
            let frac = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !frac.isEmpty else { return false }
            rest = rest.dropFirst(frac.count)
        }
        var offsetMinutes = 0
        if rest == "Z" || rest == "z" {
            offsetMinutes = 0
        } else {
            guard rest.count == 6, let sign = rest.first, sign == "+" || sign == "-", rest.dropFirst(3).first == ":",
                  let oh = digits(rest.dropFirst().prefix(2), 2), let om = digits(rest.dropFirst(4), 2),
                  oh <= 23, om <= 59 else { return false }
            offsetMinutes = (oh * 60 + om) * (sign == "+" ? 1 : -1)
        }
        guard h <= 23, m <= 59, sec <= 60 else { return false }
        if sec == 60 {
            let utc = ((h * 60 + m - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    static func isDateTime(_ s: String) -> Bool {
        guard let t = s.firstIndex(where: { $0 == "T" || $0 == "t" }) else { return false }
        return isFullDate(s[..<t]) && isFullTime(s[s.index(after: t)...])
    }

    /// RFC 3339 appendix A (ISO 8601 durations).
    static func isDuration(_ s: String) -> Bool {
        let pattern = #"^P(?:(?:[0-9]+Y(?:[0-9]+M(?:[0-9]+D)?)?|[0-9]+M(?:[0-9]+D)?|[0-9]+D)(?:T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S))?|T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)|[0-9]+W)$"#
        return s.unicodeScalars.allSatisfy({ $0.isASCII && $0 != "\n" }) && s.range(of: pattern, options: .regularExpression) != nil
    }

    // MARK: RFC 5321 / 1123 / 2673

    static func isEmail(_ s: String, international: Bool) -> Bool {
        guard let at = s.lastIndex(of: "@") else { return false }
        let local = s[..<at], domain = s[s.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty, local.unicodeScalars.count <= 64 else { return false }
        if local.hasPrefix("\"") {
            guard local.count >= 2, local.hasSuffix("\"") else { return false }
        } else {
            guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
            let allowed = Set("!#$%&'*+-/=?^_`{|}~.".unicodeScalars)
            for u in local.unicodeScalars {
                let ok = (u.isASCII && (CharacterSet.alphanumerics.contains(u) || allowed.contains(u))) || (international && !u.isASCII)
                if !ok { return false }
            }
        }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let inner = domain.dropFirst().dropLast()
            if inner.hasPrefix("IPv6:") { return isIPv6(String(inner.dropFirst(5))) }
            return isIPv4(inner)
        }
        return international ? Hostname.isIDNHostname(String(domain)) : Hostname.isHostname(String(domain))
    }

    static func isIPv4(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.unicodeScalars.allSatisfy({ $0.value >= 0x30 && $0.value <= 0x39 }) else { return false }
            if p.count > 1 && p.first == "0" { return false }
            guard let v = Int(p), v <= 255 else { return false }
        }
        return true
    }

    static func isIPv6(_ s: String) -> Bool {
        guard s.unicodeScalars.allSatisfy({ $0.isASCII && !$0.properties.isWhitespace }), !s.contains("%") else { return false }
        var rest = Substring(s)
        // A trailing dotted IPv4 counts as two groups.
        var extraGroups = 0
        if let lastColon = rest.lastIndex(of: ":"), rest[rest.index(after: lastColon)...].contains(".") {
            guard isIPv4(rest[rest.index(after: lastColon)...]) else { return false }
            rest = rest[...lastColon]
            if rest.hasSuffix(":") && !rest.hasSuffix("::") { rest = rest.dropLast() }
            extraGroups = 2
        }
        let doubleColon = rest.components(separatedBy: "::")
        guard doubleColon.count <= 2 else { return false }
        func groups(_ t: String) -> [Substring]? {
            if t.isEmpty { return [] }
            let g = t.split(separator: ":", omittingEmptySubsequences: false)
            for x in g { guard (1...4).contains(x.count), x.allSatisfy(\.isHexDigit) else { return nil } }
            return g
        }
        if doubleColon.count == 2 {
            guard let a = groups(doubleColon[0]), let b = groups(doubleColon[1]) else { return false }
            return a.count + b.count + extraGroups <= 7
        }
        guard let g = groups(doubleColon[0]) else { return false }
        return g.count + extraGroups == 8
    }

    // MARK: RFC 3986 / 3987 / 6570

    static func isURI(_ s: String, requireScheme: Bool, allowNonASCII: Bool) -> Bool {
        let unreserved = Set("-._~!$&'()*+,;=:@/?#[]%".unicodeScalars)
        let scalars = Array(s.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let u = scalars[i]
            if u == "%" {
                guard i + 2 < scalars.count, scalars[i + 1].properties.isASCIIHexDigit, scalars[i + 2].properties.isASCIIHexDigit else { return false }
                i += 3
                continue
            }
            if u.isASCII {
                guard CharacterSet.alphanumerics.contains(u) || unreserved.contains(u) else { return false }
            } else if !allowNonASCII {
                return false
            }
            i += 1
        }
        let ref = URIReference(s)
        if requireScheme && ref.scheme == nil { return false }
        if ref.scheme == nil, let colon = s.firstIndex(of: ":") {
            // A relative reference's first segment must not contain ':'.
            let firstSlash = s.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? s.endIndex
            if colon < firstSlash { return false }
        }
        if let authority = ref.authority {
            var host = Substring(authority)
            if let at = host.firstIndex(of: "@") {
                let userinfo = host[..<at]
                if userinfo.contains("[") || userinfo.contains("]") { return false }
                host = host[host.index(after: at)...]
                if host.contains("@") { return false }
            }
            if host.hasPrefix("[") {
                guard let close = host.firstIndex(of: "]") else { return false }
                let inner = host[host.index(after: host.startIndex)..<close]
                if !(inner.hasPrefix("v") || inner.hasPrefix("V")) && !isIPv6(String(inner)) { return false }
                host = host[host.index(after: close)...]
                if !host.isEmpty && !host.hasPrefix(":") { return false }
            } else if host.contains("[") || host.contains("]") {
                return false
            }
            if let colon = host.lastIndex(of: ":") {
                guard host[host.index(after: colon)...].allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
                // Only a bracketed IP literal may contain ':' (RFC 3986 §3.2.2).
                if host[..<colon].contains(":") { return false }
            }
        }
        if ref.path.contains("[") || ref.path.contains("]") || (ref.query ?? "").contains("[") { return false }
        if let f = ref.fragment, f.contains("#") || f.contains("[") { return false }
        return true
    }

    /// RFC 6570 §2: literals and `{operator? varspec,...}` expressions.
    static func isURITemplate(_ s: String) -> Bool {
        let scalars = Array(s.unicodeScalars)
        var i = 0
        let forbiddenLiteral = Set(" \"<>\\^`{|}".unicodeScalars)
        while i < scalars.count {
            let c = scalars[i]
            if c == "{" {
                guard let close = scalars[i...].firstIndex(of: "}") else { return false }
                var body = Array(scalars[(i + 1)..<close])[...]
                if let op = body.first, "+#./;?&".unicodeScalars.contains(op) { body = body.dropFirst() }
                guard !body.isEmpty else { return false }
                for varspec in body.split(separator: ",", omittingEmptySubsequences: false) {
                    guard isVarspec(Array(varspec)) else { return false }
                }
                i = close + 1
                continue
            }
            if c == "}" || forbiddenLiteral.contains(c) || c.value < 0x20 || c.value == 0x7F { return false }
            if c == "%" {
                guard i + 2 < scalars.count, scalars[i + 1].properties.isASCIIHexDigit, scalars[i + 2].properties.isASCIIHexDigit else { return false }
                i += 3
                continue
            }
            i += 1
        }
        return true
    }

    private static func isVarspec(_ v: [Unicode.Scalar]) -> Bool {
        var name = v[...]
        if name.last == "*" {
            name = name.dropLast()
        } else if let colon = name.firstIndex(of: ":") {
            let digits = name[(colon + 1)...]
            guard (1...4).contains(digits.count), digits.first != "0", digits.allSatisfy({ $0.value >= 0x30 && $0.value <= 0x39 }) else { return false }
            name = name[..<colon]
        }
        guard !name.isEmpty, name.first != ".", name.last != "." else { return false }
        var previousDot = false
        var j = name.startIndex
        while j < name.endIndex {
            let c = name[j]
            if c == "." {
                if previousDot { return false }
                previousDot = true
            } else if c == "%" {
                guard j + 2 < name.endIndex, name[j + 1].properties.isASCIIHexDigit, name[j + 2].properties.isASCIIHexDigit else { return false }
                j += 2
                previousDot = false
            } else {
                guard c.isASCII, c.properties.isAlphabetic || (c.value >= 0x30 && c.value <= 0x39) || c == "_" else { return false }
                previousDot = false
            }
            j += 1
        }
        return true
    }

    static func isUUID(_ s: String) -> Bool {
        // RFC 4122 §3: 8-4-4-4-12 hex digits. Bytes: a framework package checks one per item and association.
        let bytes = s.utf8
        guard bytes.count == 36 else { return false }
        for (offset, byte) in bytes.enumerated() {
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte) else { return false }
            }
        }
        return true
    }

    static func isJSONPointer(_ s: Substring) -> Bool {
        if s.isEmpty { return true }
        guard s.first == "/" else { return false }
        var it = s.makeIterator()
        while let c = it.next() {
            if c == "~" {
                guard let n = it.next(), n == "0" || n == "1" else { return false }
            }
        }
        return true
    }

    static func isRelativeJSONPointer(_ s: String) -> Bool {
        let num = s.prefix(while: { $0.isASCII && $0.isNumber })
        guard !num.isEmpty, num == "0" || num.first != "0" else { return false }
        let rest = s.dropFirst(num.count)
        return rest == "#" || isJSONPointer(rest)
    }
}
