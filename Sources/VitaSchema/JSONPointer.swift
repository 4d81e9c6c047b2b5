import Foundation
import VitaJSON

/// JSON Pointer (RFC 6901) helpers: escaping, parsing, evaluation.
public enum JSONPointer {
    /// Escapes one reference token (`~` → `~0`, `/` → `~1`).
    public static func escape(_ token: String) -> String {
        guard token.contains(where: { $0 == "~" || $0 == "/" }) else { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// Joins tokens into a pointer string (`""` for the whole document).
    public static func make(_ tokens: some Sequence<String>) -> String {
        var out = ""
        for t in tokens { out += "/" + escape(t) }
        return out
    }

    /// Splits a pointer into unescaped tokens; `nil` if it is not a valid pointer.
    public static func tokens(_ pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        var result: [String] = []
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var it = raw.makeIterator()
            while let c = it.next() {
                if c == "~" {
                    switch it.next() {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default: return nil
                    }
                } else {
                    token.append(c)
                }
            }
            result.append(token)
        }
        return result
    }

    /// Evaluates unescaped tokens against a value.
    public static func evaluate(_ tokens: [String], in value: JSONValue) -> JSONValue? {
        var current = value
        for t in tokens {
            switch current {
            case .object(let o):
                guard let next = o[t] else { return nil }
                current = next
            case .array(let a):
                guard let i = arrayIndex(t), i < a.count else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }

    /// An RFC 6901 array index: `0` or digits without a leading zero.
    static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if token.utf8.count > 1 && token.utf8.first == 0x30 { return nil }
        return Int(token)
    }
}
