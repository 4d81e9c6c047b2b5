import Foundation
import HTTPTypes
import Hummingbird
import VitaStorage

/// `If-None-Match` on reads (RFC 9110 §13.1.2, §13.2.2): a `GET` or `HEAD` whose successful answer carries an
/// `ETag` that the request's `If-None-Match` names (weak comparison), or any answer when it says `*`, is answered
/// `304 Not Modified` with the validator and cache headers the `200` would have had and no body. The read itself ran
/// — checked against the agreements and audited like any other — only the body is not sent again. Answers other
/// than 2xx ignore the header (§13.2.1).
struct ConditionalRequestMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: VitaRequestContext,
                next: (Request, VitaRequestContext) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        guard request.method == .get || request.method == .head, (200..<300).contains(response.status.code),
              let condition = request.headers[.ifNoneMatch], let tag = response.headers[.eTag],
              Self.matches(condition, tag) else { return response }
        var headers = HTTPFields()
        // §15.4.5: the fields a 200 would have sent that a cache needs.
        for name in [HTTPField.Name.eTag, .cacheControl, .contentLocation, .date, .expires, .vary] {
            for value in response.headers[values: name] { headers.append(HTTPField(name: name, value: value)) }
        }
        return Response(status: .notModified, headers: headers)
    }

    /// Whether the `If-None-Match` field value `condition` names the entity tag `tag` (weak comparison: `W/` ignored
    /// on both sides), or is `*`. A malformed member ends the list (what came before it still counts).
    static func matches(_ condition: String, _ tag: String) -> Bool {
        let trimmed = condition.trimmingCharacters(in: .whitespaces)
        if trimmed == "*" { return true }
        let wanted = opaque(Substring(tag))
        var rest = Substring(trimmed)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "," }
            guard !rest.isEmpty else { return false }
            if rest.hasPrefix("W/") { rest = rest.dropFirst(2) }
            guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else { return false }
            if rest[rest.index(after: rest.startIndex) ..< close] == wanted { return true }
            rest = rest[rest.index(after: close)...]
        }
    }

    /// The opaque part of an entity tag: between the quotes, without a `W/` prefix.
    private static func opaque(_ tag: Substring) -> Substring {
        var tag = tag
        if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
        if tag.count >= 2, tag.first == "\"", tag.last == "\"" { tag = tag.dropFirst().dropLast() }
        return tag
    }
}

extension Versioned {
    /// The strong entity tag of the definition with `id` at this version (`"org_….v2"`), as agreements and records
    /// have theirs: what `If-Match` names to update it.
    func entityTag(_ id: String) -> String { "\"\(id).v\(version)\"" }
}
