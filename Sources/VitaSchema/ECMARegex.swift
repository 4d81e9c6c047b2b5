import Foundation

/// An ECMA-262 regular expression (JSON Schema 2019-09 core §4.3.1 / validation §6.3.3),
/// compiled to ICU via `NSRegularExpression` after translating the constructs whose
/// meaning differs between the two dialects:
///
/// * `\d`, `\D`, `\w`, `\W`, `\b`-classes are ASCII-only in ECMA-262 (ICU is Unicode-aware);
/// * `$` outside a class matches only at the end of input (ICU also before a final newline);
/// * `[^]` (any character) and `[]` (nothing) have no ICU spelling.
///
/// Patterns are not anchored: `pattern` matches anywhere in the string.
final class ECMARegex: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to use from several threads.
    let source: String
    private let regex: NSRegularExpression

    init(_ source: String) throws(SchemaError) {
        self.source = source
        guard let translated = ECMARegex.translate(source) else {
            throw SchemaError(.invalidPattern, "the pattern is not a valid ECMA-262 regular expression")
        }
        do {
            regex = try NSRegularExpression(pattern: translated, options: [])
        } catch {
            throw SchemaError(.invalidPattern, "the pattern is not a valid ECMA-262 regular expression")
        }
    }

    /// The outcome of a search with a time budget.
    enum Outcome {
        case match, noMatch
        /// The search ran past its budget (catastrophic backtracking, e.g. `^(a+)+$`).
        case tooExpensive
    }

    /// `true` if the pattern matches somewhere in `string` (no time budget).
    func matches(_ string: String) -> Bool {
        search(string, budgetNanoseconds: .max) == .match
    }

    /// Searches `string`, giving up after `budgetNanoseconds` of matching. ICU reports
    /// progress during long searches (`.reportProgress`); the callback stops the search
    /// once the budget is spent, so a hostile instance cannot hang validation.
    func search(_ string: String, budgetNanoseconds: UInt64) -> Outcome {
        let range = NSRange(location: 0, length: (string as NSString).length)
        guard budgetNanoseconds != .max else {
            return regex.firstMatch(in: string, options: [], range: range) != nil ? .match : .noMatch
        }
        let deadline = DispatchTime.now().uptimeNanoseconds &+ budgetNanoseconds
        var outcome = Outcome.noMatch
        regex.enumerateMatches(in: string, options: [.reportProgress], range: range) { match, _, stop in
            if match != nil {
                outcome = .match
                stop.pointee = true
            } else if DispatchTime.now().uptimeNanoseconds > deadline {
                outcome = .tooExpensive
                stop.pointee = true
            }
        }
        return outcome
    }

    /// Translates ECMA-262 syntax to ICU syntax; `nil` for constructs ECMA-262 rejects.
    static func translate(_ pattern: String) -> String? {
        let chars = Array(pattern.unicodeScalars)
        var out = ""
        var i = 0
        var inClass = false
        let word = "a-zA-Z0-9_"
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                guard i + 1 < chars.count else { return nil }
                let n = chars[i + 1]
                switch n {
                case "b" where inClass: out += "\\x{08}" // backspace inside a class
                case "u" where i + 2 < chars.count && chars[i + 2] == "{":
                    // \u{X…} (Unicode mode) is ICU's \x{X…}.
                    out += "\\x"
                case "d": out += inClass ? "0-9" : "[0-9]"
                case "D": out += inClass ? "\\x{0}-/:-\\x{10FFFF}" : "[^0-9]"
                case "w": out += inClass ? word : "[\(word)]"
                case "W": out += inClass ? "\\x{0}-/:-@\\[-^`{-\\x{10FFFF}" : "[^\(word)]"
                case "s":
                    // ECMA WhiteSpace + LineTerminator.
                    let ws = "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"
                    out += inClass ? ws : "[\(ws)]"
                case "S":
                    let ws = "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"
                    out += inClass ? "\\S" : "[^\(ws)]"
                case "c":
                    // \cX: control character X % 32.
                    if i + 2 < chars.count, chars[i + 2].properties.isASCIIHexDigit || chars[i + 2].isASCII && Character(chars[i + 2]).isLetter {
                        let v = chars[i + 2].value % 32
                        out += String(format: "\\x{%X}", v)
                        i += 3
                        continue
                    }
                    return nil
                case _ where n.isASCII && Character(n).isLetter && !"bBfnrtvxukpP".unicodeScalars.contains(n):
                    // Not ECMA-262 escapes (identity escapes of letters are errors in Unicode mode).
                    return nil
                default:
                    out.unicodeScalars.append(c)
                    out.unicodeScalars.append(n)
                }
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
                if c == "[" { out += "\\[" ; i += 1; continue }
                out.unicodeScalars.append(c)
                i += 1
                continue
            }
            switch c {
            case "(":
                // Only (?: (?= (?! (?<= (?<! and (?<name> are groups in ECMA-262; ICU's inline
                // flags (?i) and comments (?#…) are not.
                if i + 1 < chars.count, chars[i + 1] == "?" {
                    guard i + 2 < chars.count else { return nil }
                    let k = chars[i + 2]
                    if k == "<" {
                        guard i + 3 < chars.count else { return nil }
                    } else if k != ":" && k != "=" && k != "!" {
                        return nil
                    }
                }
                out.unicodeScalars.append(c)
            case "[":
                if i + 2 < chars.count + 1, i + 1 < chars.count, chars[i + 1] == "^", i + 2 < chars.count, chars[i + 2] == "]" {
                    out += "[\\x{0}-\\x{10FFFF}]"
                    i += 3
                    continue
                }
                if i + 1 < chars.count, chars[i + 1] == "]" {
                    out += "(?!)"
                    i += 2
                    continue
                }
                inClass = true
                out += "["
                if i + 1 < chars.count, chars[i + 1] == "^" { out += "^"; i += 1 }
                // A leading `]` is not special in ECMA-262 only inside `[]`, handled above.
            case "$":
                out += "(?![\\s\\S])"
            default:
                out.unicodeScalars.append(c)
            }
            i += 1
        }
        return inClass ? nil : out
    }
}

/// A thread-safe cache of compiled patterns, shared by all schemas.
final class RegexCache: @unchecked Sendable {
    static let shared = RegexCache()
    private let lock = NSLock()
    private var cache: [String: ECMARegex] = [:]

    func regex(_ source: String) throws(SchemaError) -> ECMARegex {
        lock.lock()
        if let r = cache[source] { lock.unlock(); return r }
        lock.unlock()
        let r = try ECMARegex(source)
        lock.lock()
        if cache.count > 4096 { cache.removeAll() }
        cache[source] = r
        lock.unlock()
        return r
    }
}
