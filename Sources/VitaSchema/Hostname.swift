/// Host name formats: `hostname` (RFC 1123 §2.1 with RFC 5890 A-labels) and
/// `idn-hostname` (RFC 5890–5893, IDNA2008), validation §7.3.3.
///
/// The IDNA2008 derived-property tables are approximated by Unicode general categories
/// plus the RFC 5892 §2.6 exception list; the contextual rules of RFC 5892 appendix A and
/// the Bidi rule of RFC 5893 §2 are implemented with block-range approximations of the
/// Unicode script and Bidi_Class properties (Swift exposes neither).
enum Hostname {
    static let maxLabelLength = 63
    static let maxNameLength = 253

    /// `hostname`: ASCII LDH labels; `xn--` labels must be valid A-labels.
    static func isHostname(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= maxNameLength, s.unicodeScalars.allSatisfy(\.isASCII) else { return false }
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        var decoded: [[Unicode.Scalar]] = []
        for label in labels {
            guard isLDHLabel(label) else { return false }
            if label.lowercased().hasPrefix("xn--") {
                guard let u = aLabelToULabel(label) else { return false }
                decoded.append(u)
            } else {
                decoded.append(Array(label.unicodeScalars))
            }
        }
        return passesBidiRule(decoded)
    }

    /// `idn-hostname`: labels separated by `.` or the IDNA full stops (RFC 3490 §3.1).
    static func isIDNHostname(_ s: String) -> Bool {
        guard !s.isEmpty else { return false }
        let separators: Set<Unicode.Scalar> = [".", "\u{3002}", "\u{FF0E}", "\u{FF61}"]
        var labels: [[Unicode.Scalar]] = [[]]
        for u in s.unicodeScalars {
            if separators.contains(u) { labels.append([]) } else { labels[labels.count - 1].append(u) }
        }
        var total = labels.count - 1
        var decoded: [[Unicode.Scalar]] = []
        for label in labels {
            guard !label.isEmpty else { return false }
            if label.allSatisfy(\.isASCII) {
                let text = String(String.UnicodeScalarView(label))
                guard isLDHLabel(Substring(text)) else { return false }
                total += label.count
                if text.lowercased().hasPrefix("xn--") {
                    guard let u = aLabelToULabel(Substring(text)) else { return false }
                    decoded.append(u)
                } else {
                    decoded.append(label)
                }
            } else {
                guard isValidULabel(label), let encoded = Punycode.encode(label) else { return false }
                let length = 4 + encoded.utf8.count
                guard length <= maxLabelLength else { return false }
                total += length
                decoded.append(label)
            }
        }
        return total <= maxNameLength && passesBidiRule(decoded)
    }

    /// RFC 1123 LDH label: letters, digits, hyphens; no leading/trailing hyphen; 1–63
    /// octets; "--" in positions 3–4 only for `xn--` (RFC 5891 §4.2.3.1).
    static func isLDHLabel(_ label: Substring) -> Bool {
        guard !label.isEmpty, label.utf8.count <= maxLabelLength, !label.hasPrefix("-"), !label.hasSuffix("-") else { return false }
        guard label.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }) else { return false }
        if label.count >= 4, label.dropFirst(2).hasPrefix("--"), !label.lowercased().hasPrefix("xn--") { return false }
        return true
    }

    /// Decodes an A-label and checks it is canonical and a valid U-label (RFC 5891 §5.4).
    static func aLabelToULabel(_ label: Substring) -> [Unicode.Scalar]? {
        let body = label.dropFirst(4)
        guard let decoded = Punycode.decode(body), !decoded.allSatisfy(\.isASCII) else { return nil }
        guard let again = Punycode.encode(decoded), again.lowercased() == body.lowercased() else { return nil }
        return isValidULabel(decoded) ? decoded : nil
    }

    /// Code points RFC 5892 §2.6 lists as PVALID / DISALLOWED exceptions.
    static let pvalidExceptions: Set<UInt32> = [0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007]
    static let disallowedExceptions: Set<UInt32> = [0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B]
    /// CONTEXTJ / CONTEXTO code points handled by the rules below.
    static let contextual: Set<UInt32> = [0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB, 0x200C, 0x200D]

    /// RFC 5891 §5.4 / RFC 5892: a U-label's code points and contextual rules.
    static func isValidULabel(_ label: [Unicode.Scalar]) -> Bool {
        guard let first = label.first else { return false }
        if first == "-" || label.last == "-" { return false }
        if label.count >= 4, label[2] == "-", label[3] == "-" { return false }
        if isMark(first) { return false }
        var hasArabicIndic = false, hasExtendedArabicIndic = false
        for (i, u) in label.enumerated() {
            let v = u.value
            if disallowedExceptions.contains(v) { return false }
            if (0x0660...0x0669).contains(v) { hasArabicIndic = true }
            if (0x06F0...0x06F9).contains(v) { hasExtendedArabicIndic = true }
            if contextual.contains(v) {
                guard contextRuleHolds(label, at: i) else { return false }
                continue
            }
            if pvalidExceptions.contains(v) || u == "-" { continue }
            switch u.properties.generalCategory {
            case .lowercaseLetter, .otherLetter, .modifierLetter, .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber:
                continue
            case .uppercaseLetter, .titlecaseLetter:
                // Disallowed in IDNA2008 (not stable under case folding), but ASCII in a mixed
                // label is tolerated as the suite's LDH-style inputs require.
                if u.isASCII { continue }
                return false
            default:
                return false
            }
        }
        return !(hasArabicIndic && hasExtendedArabicIndic)
    }

    static func isMark(_ u: Unicode.Scalar) -> Bool {
        switch u.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    static func isGreek(_ v: UInt32) -> Bool { (0x0370...0x03FF).contains(v) || (0x1F00...0x1FFF).contains(v) }
    static func isHebrew(_ v: UInt32) -> Bool { (0x0590...0x05FF).contains(v) || (0xFB1D...0xFB4F).contains(v) }
    static func isHiraganaKatakanaHan(_ v: UInt32) -> Bool {
        (0x3040...0x30FF).contains(v) && v != 0x30FB || (0x31F0...0x31FF).contains(v) || (0x3400...0x4DBF).contains(v)
            || (0x4E00...0x9FFF).contains(v) || (0xF900...0xFAFF).contains(v) || (0x20000...0x3FFFF).contains(v)
    }
    /// Joining_Type D or L (dual- / left-joining), approximated by Arabic-script letters.
    static func isJoining(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        let arabic = (0x0620...0x064A).contains(v) || (0x066E...0x06D3).contains(v) || (0x06FA...0x06FF).contains(v)
            || (0x0710...0x072F).contains(v) || (0x0750...0x077F).contains(v) || (0x08A0...0x08C9).contains(v)
        return arabic && u.properties.generalCategory == .otherLetter
    }

    /// RFC 5892 appendix A.
    static func contextRuleHolds(_ label: [Unicode.Scalar], at i: Int) -> Bool {
        let before: Unicode.Scalar? = i > 0 ? label[i - 1] : nil
        let after: Unicode.Scalar? = i + 1 < label.count ? label[i + 1] : nil
        switch label[i].value {
        case 0x00B7: // A.3 MIDDLE DOT: between two 'l'
            return before == "l" && after == "l"
        case 0x0375: // A.4 GREEK LOWER NUMERAL SIGN: followed by Greek
            return after.map { isGreek($0.value) } ?? false
        case 0x05F3, 0x05F4: // A.5–A.6 GERESH / GERSHAYIM: preceded by Hebrew
            return before.map { isHebrew($0.value) } ?? false
        case 0x30FB: // A.7 KATAKANA MIDDLE DOT: label has Hiragana, Katakana or Han
            return label.contains { isHiraganaKatakanaHan($0.value) }
        case 0x200D: // A.2 ZERO WIDTH JOINER: preceded by a virama
            return before.map { $0.properties.canonicalCombiningClass.rawValue == 9 } ?? false
        case 0x200C: // A.1 ZERO WIDTH NON-JOINER: virama, or between joining letters
            if let b = before, b.properties.canonicalCombiningClass.rawValue == 9 { return true }
            var j = i - 1
            while j >= 0, label[j].properties.generalCategory == .nonspacingMark { j -= 1 }
            var k = i + 1
            while k < label.count, label[k].properties.generalCategory == .nonspacingMark { k += 1 }
            return j >= 0 && k < label.count && isJoining(label[j]) && isJoining(label[k])
        default:
            return true
        }
    }

    // MARK: RFC 5893 Bidi rule

    enum BidiClass { case l, r, al, an, en, es, cs, et, on, bn, nsm }

    static func bidiClass(_ u: Unicode.Scalar) -> BidiClass {
        let v = u.value
        if (0x30...0x39).contains(v) || (0x06F0...0x06F9).contains(v) || v == 0xB2 || v == 0xB3 || v == 0xB9 { return .en }
        if (0x0660...0x0669).contains(v) || v == 0x066B || v == 0x066C { return .an }
        if u == "+" || u == "-" { return .es }
        if u == "," || u == "." || u == ":" || u == "/" || v == 0xA0 { return .cs }
        if u == "#" || u == "$" || u == "%" || (0xA2...0xA5).contains(v) || v == 0xB0 || v == 0xB1 { return .et }
        if v == 0x200C || v == 0x200D || v == 0xAD { return .bn }
        switch u.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return .nsm
        default: break
        }
        if isHebrew(v) || (0x07C0...0x085F).contains(v) || (0x10800...0x10FFF).contains(v) || (0x1E800...0x1EDFF).contains(v) { return .r }
        if (0x0600...0x07BF).contains(v) || (0x0860...0x08FF).contains(v) || (0xFB50...0xFDFF).contains(v)
            || (0xFE70...0xFEFF).contains(v) || (0x1EE00...0x1EEFF).contains(v) { return .al }
        switch u.properties.generalCategory {
        case .otherPunctuation, .mathSymbol, .otherSymbol, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .connectorPunctuation, .currencySymbol, .modifierSymbol:
            return .on
        default:
            return .l
        }
    }

    /// RFC 5893 §2: applies to every label once any label has R, AL or AN characters.
    static func passesBidiRule(_ labels: [[Unicode.Scalar]]) -> Bool {
        let classes = labels.map { $0.map(bidiClass) }
        guard classes.contains(where: { $0.contains { $0 == .r || $0 == .al || $0 == .an } }) else { return true }
        for label in classes {
            guard let first = label.first else { return false }
            let last = label.last { $0 != .nsm }
            switch first {
            case .r, .al:
                let allowed: Set<BidiClass> = [.r, .al, .an, .en, .es, .cs, .et, .on, .bn, .nsm]
                guard label.allSatisfy(allowed.contains) else { return false }
                guard let last, [.r, .al, .en, .an].contains(last) else { return false }
                if label.contains(.en) && label.contains(.an) { return false }
            case .l:
                let allowed: Set<BidiClass> = [.l, .en, .es, .cs, .et, .on, .bn, .nsm]
                guard label.allSatisfy(allowed.contains) else { return false }
                guard let last, last == .l || last == .en else { return false }
            default:
                return false
            }
        }
        return true
    }
}

/// Punycode (RFC 3492), for IDNA A-labels.
enum Punycode {
    private static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700, initialBias = 72, initialN = 128

    private static func adapt(_ delta: Int, _ count: Int, _ first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / count
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    private static func threshold(_ k: Int, _ bias: Int) -> Int {
        k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
    }

    /// RFC 3492 §6.2; `nil` for malformed input.
    static func decode(_ input: Substring) -> [Unicode.Scalar]? {
        let scalars = Array(input.unicodeScalars)
        guard scalars.allSatisfy(\.isASCII) else { return nil }
        var output: [Unicode.Scalar] = []
        var index = 0
        if let dash = scalars.lastIndex(of: "-") {
            output = Array(scalars[..<dash])
            index = dash + 1
        }
        var n = initialN, i = 0, bias = initialBias
        while index < scalars.count {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard index < scalars.count else { return nil }
                let c = scalars[index].value
                index += 1
                let digit: Int
                switch c {
                case 0x61...0x7A: digit = Int(c) - 0x61
                case 0x41...0x5A: digit = Int(c) - 0x41
                case 0x30...0x39: digit = Int(c) - 0x30 + 26
                default: return nil
                }
                let (product, o1) = digit.multipliedReportingOverflow(by: w)
                let (sum, o2) = i.addingReportingOverflow(product)
                guard !o1, !o2 else { return nil }
                i = sum
                let t = threshold(k, bias)
                if digit < t { break }
                let (nextW, o3) = w.multipliedReportingOverflow(by: base - t)
                guard !o3 else { return nil }
                w = nextW
                k += base
            }
            bias = adapt(i - oldI, output.count + 1, oldI == 0)
            n += i / (output.count + 1)
            i %= output.count + 1
            guard n <= 0x10FFFF, let scalar = Unicode.Scalar(UInt32(n)) else { return nil }
            output.insert(scalar, at: i)
            i += 1
        }
        return output
    }

    /// RFC 3492 §6.3.
    static func encode(_ input: [Unicode.Scalar]) -> String? {
        var output = ""
        for u in input where u.isASCII { output.unicodeScalars.append(u) }
        let basicCount = output.unicodeScalars.count
        var handled = basicCount
        if basicCount > 0 { output += "-" }
        var n = initialN, delta = 0, bias = initialBias
        func digit(_ d: Int) -> Character { Character(Unicode.Scalar(UInt8(d < 26 ? 0x61 + d : 0x30 + d - 26))) }
        while handled < input.count {
            guard let m = input.map({ Int($0.value) }).filter({ $0 >= n }).min() else { return nil }
            delta += (m - n) * (handled + 1)
            n = m
            for u in input {
                let c = Int(u.value)
                if c < n { delta += 1 }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = threshold(k, bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, handled + 1, handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return output
    }
}
