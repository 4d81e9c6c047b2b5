/// Finding the NUL character (U+0000) in JSON. No field of Vita's has a use for it and PostgreSQL's text types cannot
/// store it, so input holding one is refused where it enters (the API, imports), naming the field.
public enum NULCharacter {
    /// What a refusal says.
    public static let reason = "must not contain the NUL character (U+0000)"

    /// Whether JSON text holds a NUL: a raw zero byte, or a `\u0000` escape. An escaped backslash before `u0000` is
    /// text, not an escape: every backslash starts a two-character escape, so scanning in pairs tells them apart. One
    /// pass over contiguous bytes (a request body is one), no parsing, no allocation.
    public static func isHeld(inJSON bytes: some Sequence<UInt8>) -> Bool {
        if let held = bytes.withContiguousStorageIfAvailable(isHeld(inJSONBytes:)) { return held }
        return Array(bytes).withUnsafeBufferPointer(isHeld(inJSONBytes:))
    }

    /// The scan of ``isHeld(inJSON:)``. Eight bytes holding neither a zero nor a backslash, the common case, are passed
    /// over with one comparison; a byte-at-a-time walk through a generic collection cost the API half of its time on
    /// large bodies in debug builds.
    private static func isHeld(inJSONBytes bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let words = UnsafeRawBufferPointer(bytes)
        let backslash = UInt8(ascii: "\\")
        var index = 0
        while index < bytes.count {
            if index + 8 <= bytes.count {
                let word = words.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if !holdsZeroByte(word), !holdsZeroByte(word ^ 0x5C5C_5C5C_5C5C_5C5C) {
                    index += 8
                    continue
                }
            }
            let byte = bytes[index]
            index += 1
            if byte == 0 { return true }
            guard byte == backslash, index < bytes.count else { continue }
            let escaped = bytes[index]
            index += 1
            if escaped == 0 { return true }
            guard escaped == UInt8(ascii: "u") else { continue }
            var zeros = 0
            while zeros < 4, index < bytes.count {
                let digit = bytes[index]
                index += 1
                if digit == 0 { return true }
                guard digit == UInt8(ascii: "0") else { break }
                zeros += 1
            }
            if zeros == 4 { return true }
        }
        return false
    }

    /// Whether one of `word`'s eight bytes is zero (the classic test: a byte borrows from its top bit only when zero).
    private static func holdsZeroByte(_ word: UInt64) -> Bool {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0
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
