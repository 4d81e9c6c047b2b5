import Hummingbird

/// The credentials of a request's `Authorization` header for one scheme. The scheme name is case-insensitive
/// (RFC 9110 §11.1, §11.4): `Bearer`, `bearer` and `BEARER` are the same scheme; the credentials are not.
enum AuthorizationHeader {
    /// What follows `scheme` and its space in `request`'s `Authorization` header, or nil for another scheme or none.
    static func credentials(_ request: Request, scheme: String) -> String? {
        request.headers[.authorization].flatMap { credentials($0, scheme: scheme) }
    }

    /// What follows `scheme` and its space in `header`, or nil for another scheme.
    static func credentials(_ header: String, scheme: String) -> String? {
        let bytes = header.utf8
        let name = scheme.utf8
        guard bytes.count > name.count + 1, bytes[bytes.index(bytes.startIndex, offsetBy: name.count)] == UInt8(ascii: " "),
              zip(bytes, name).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) else { return nil }
        // ASCII letters compared without case (the scheme names are letters only); the credentials as sent.
        return String(Substring(bytes.dropFirst(name.count + 1)))
    }
}
