/// Finding the NUL character (U+0000) in JSON. No field of Vita's has a use for it and PostgreSQL's text types cannot
/// store it, so input holding one is refused where it enters (the API, imports), naming the field.
public enum NULCharacter {
    /// What a refusal says.
    public static let reason = "must not contain the NUL character (U+0000)"

    /// Whether JSON text holds a NUL: a raw zero byte, or a `\u0000` escape. An escaped backslash before `u0000` is
    /// text, not an escape: every backslash starts a two-character escape, so scanning in pairs tells them apart. One
    /// pass, no parsing, no allocation.
    public static func isHeld(inJSON bytes: some Sequence<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            if byte == 0 { return true }
            guard byte == UInt8(ascii: "\\"), let escaped = iterator.next() else { continue }
            if escaped == 0 { return true }
            guard escaped == UInt8(ascii: "u") else { continue }
            var zeros = 0
            while zeros < 4, let digit = iterator.next() {
                if digit == 0 { return true }
                guard digit == UInt8(ascii: "0") else { break }
                zeros += 1
            }
            if zeros == 4 { return true }
        }
        return false
    }

    /// The dotted path (`record.title`, `identifiers[1].value`) of the first member name or string of `value` holding a
    /// NUL, `""` when it is `value` itself (or a member name at its top), nil when there is none.
    public static func path(in value: JSONValue, at path: String = "") -> String? {
        switch value {
        case .string(let text): return text.utf8.contains(0) ? path : nil
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = self.path(in: item, at: "\(path)[\(index)]") { return found }
            }
        case .object(let object):
            for (name, member) in object.members {
                if name.utf8.contains(0) { return path }
                if let found = self.path(in: member, at: path.isEmpty ? name : "\(path).\(name)") { return found }
            }
        default: break
        }
        return nil
    }

    /// The path of the first NUL in JSON text (as ``path(in:at:)``), nil when there is none; `""` when the text does not
    /// parse.
    public static func path(inJSON bytes: some Collection<UInt8>) -> String? {
        guard isHeld(inJSON: bytes) else { return nil }
        guard let value = try? JSONValue(parsing: bytes) else { return "" }
        return path(in: value) ?? ""
    }
}
