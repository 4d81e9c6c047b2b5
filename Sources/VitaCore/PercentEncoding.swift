import Foundation

/// RFC 3986 §2.1 percent-encoding.
public enum PercentEncoding {
    /// `text` with every byte of its UTF-8 but the unreserved characters (§2.3: letters, digits, `-` `.` `_` `~`)
    /// written as `%XX`: safe in any query value or path segment.
    public static func unreserved(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }
}

extension PercentEncoding {
    /// The name–value pairs of `application/x-www-form-urlencoded` text (a query or a form body: URL Standard §5.1,
    /// `+` for a space, `%XX` for a byte), in order; `nil` when a percent-escape does not decode to UTF-8.
    public static func formFields(_ text: some StringProtocol) -> [(name: String, value: String)]? {
        var fields: [(name: String, value: String)] = []
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = formDecoded(parts[0]), let value = formDecoded(parts.count > 1 ? parts[1] : "") else { return nil }
            fields.append((name, value))
        }
        return fields
    }

    /// One name or value of form-urlencoded text decoded (`+` is a space); `nil` when it does not decode to UTF-8.
    public static func formDecoded(_ text: some StringProtocol) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
