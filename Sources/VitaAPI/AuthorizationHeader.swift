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
        guard header.utf8.count > scheme.utf8.count + 1,
              header.prefix(scheme.count).lowercased() == scheme.lowercased(),
              header.dropFirst(scheme.count).first == " " else { return nil }
        return String(header.dropFirst(scheme.count + 1))
    }
}
