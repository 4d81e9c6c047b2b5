import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaCredentials
import VitaJSON
import VitaStorage

/// `GET /api/v1/me/credentials/{credentialId}/download?format=…`: one of the learner's credentials (issued by Vita —
/// `vcr_`/`clr_` — or held — `hcr_`) as a file: its JSON, a baked badge (OB 3.0 "Baking": SVG always, into a plain
/// SVG badge drawn here when the achievement has no SVG image; PNG when the achievement's or credential's image is a
/// PNG), or its VC-JWT when it was received as one.
struct WalletDownloadRoutes: Sendable {
    let database: VitaDatabase
    let reader: RequestReader

    enum Format: String, CaseIterable {
        case json, svg, png, jwt
    }

    func register(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .get, path: "/api/v1/me/credentials", operationId: "listMyCredentials",
                              summary: "My credentials: those Vita issued me (Open Badges and CLRs) and those I hold (imported, received, pulled), each with its id for collections and shares, in id order",
                              tag: "Wallet", access: .learner, query: AdminRoutes.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "WalletCredentialList"), errors: [400, 401, 403])) { request, context in
            let learnerId = context.token!.learnerId!
            let (cursor, limit) = try reader.paging(request)
            // Three lists in one: each read a page past the cursor, merged in id order, the first `limit` kept.
            let (badges, clrs, held) = try await database.read { tx in
                (try await tx.issuedCredentials(learnerId: learnerId, organizations: nil, after: cursor, limit: limit),
                 try await tx.issuedClrs(learnerId: learnerId, organizations: nil, after: cursor, limit: limit),
                 try await tx.heldCredentials(learnerId: learnerId, after: cursor, limit: limit))
            }
            var items: [(id: String, item: JSONValue)] = []
            for (id, body) in badges.items.map({ ($0.id, $0.body) }) + clrs.items.map({ ($0.id, $0.body) }) {
                let credential = (try? JSONValue(parsing: Array(body.utf8))) ?? .null
                items.append((id, ["id": .string(id), "kind": "issued", "format": "json", "credential": credential]))
            }
            for held in held.items {
                let credential: JSONValue = held.format == .jwt ? .string(held.document)
                    : (try? JSONValue(parsing: Array(held.document.utf8))) ?? .null
                items.append((held.id, ["id": .string(held.id), "kind": "held", "format": .string(held.format.rawValue),
                                        "credential": credential, "receivedAt": .string(XSDDateTime.format(held.receivedAt)),
                                        "source": .string(held.sourceKind.rawValue)]))
            }
            items.sort { $0.id < $1.id }
            let more = items.count > limit || [badges.nextCursor, clrs.nextCursor, held.nextCursor].contains { $0 != nil }
            let kept = items.prefix(limit)
            let next = more ? kept.last.map { StoreTransaction.cursor(for: $0.id) } : nil
            return APIJSON.response(json: APIJSON.page(kept.map(\.item), next: next), status: .ok)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/me/credentials/{credentialId}/download", operationId: "downloadMyCredential",
                              summary: "One of my credentials as a file: JSON, a baked SVG or PNG badge, or the VC-JWT it was received as",
                              tag: "Wallet", access: .learner,
                              query: [("format", "string", "json (default), svg, png or jwt")], headers: [], requestSchema: nil,
                              success: (200, nil), errors: [400, 401, 403, 404, 422],
                              successMediaTypes: ["application/vc+ld+json", "application/json", "application/vc+jwt",
                                                  "image/svg+xml", "image/png"])) { request, context in
            let learnerId = context.token!.learnerId!
            let id = context.parameters.get("credentialId") ?? ""
            guard ["vcr", "clr", "hcr"].contains(where: { EntityID.isWellFormed(id, prefix: $0) }) else {
                throw Problem.notFound("credential")
            }
            let formatText = request.uri.queryParameters.get("format") ?? "json"
            guard let format = Format(rawValue: formatText) else {
                throw Problem.badRequest("format", "must be json, svg, png or jwt")
            }
            let contents = try await database.read { tx in
                try await WalletContents.load(tx, learnerId: learnerId, withRecords: false)
            }
            let credential: BakedCredential
            if let issued = contents.issued.first(where: { $0.id == id }) {
                credential = .json(issued.credential)
            } else if let held = contents.held.first(where: { $0.id == id }) {
                switch held.format {
                case .json:
                    guard let value = try? JSONValue(parsing: Array(held.document.utf8)) else { throw Problem.notFound("credential") }
                    credential = .json(value)
                case .jwt:
                    credential = .compactJWS(held.document)
                }
            } else {
                throw Problem.notFound("credential")
            }
            return try Self.file(credential, format: format, name: id)
        }
    }

    /// The file of `credential` in `format`.
    static func file(_ credential: BakedCredential, format: Format, name: String) throws -> Response {
        let bytes: [UInt8]
        let type: String
        switch (format, credential) {
        case (.json, .json(let value)):
            (bytes, type) = (value.serialized(), "application/vc+ld+json")
        case (.json, .compactJWS(let jws)):
            guard let payload = Self.payload(ofJWS: jws) else { throw unavailable("the VC-JWT's payload is not JSON") }
            (bytes, type) = (payload.serialized(), "application/json")
        case (.jwt, .compactJWS(let jws)):
            (bytes, type) = (Array(jws.utf8), "application/vc+jwt")
        case (.jwt, .json):
            throw unavailable("this credential was issued with an embedded proof, not as a VC-JWT")
        case (.svg, _):
            let image = Self.image(of: credential, prefix: "data:image/svg+xml;base64,") ?? Self.plainBadge(title: Self.title(of: credential))
            do { bytes = try BadgeBaking.bake(credential, intoSVG: image) } catch { throw unavailable(error.reason) }
            type = "image/svg+xml"
        case (.png, _):
            guard let image = Self.image(of: credential, prefix: "data:image/png;base64,") else {
                throw unavailable("this credential has no PNG image to bake into; download the SVG badge instead")
            }
            do { bytes = try BadgeBaking.bake(credential, intoPNG: image) } catch { throw unavailable(error.reason) }
            type = "image/png"
        }
        let extensions: [Format: String] = [.json: "json", .svg: "svg", .png: "png", .jwt: "jwt"]
        return Response(status: .ok,
                        headers: [.contentType: type, .cacheControl: "no-store",
                                  .contentDisposition: "attachment; filename=\"\(name).\(extensions[format]!)\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func unavailable(_ reason: String) -> Problem {
        Problem(status: 422, title: "Unprocessable Content", detail: reason, errors: [.init(field: "format", reason: reason)])
    }

    /// The credential a VC-JWT carries (``CompactJWS/credential``), unverified; nil when the token does not parse.
    static func payload(ofJWS jws: String) -> JSONValue? {
        (try? CompactJWS(parsing: jws))?.credential
    }

    static func json(of credential: BakedCredential) -> JSONValue? {
        switch credential {
        case .json(let value): value
        case .compactJWS(let jws): payload(ofJWS: jws)
        }
    }

    static func title(of credential: BakedCredential) -> String {
        let json = json(of: credential)
        var subject = json?["credentialSubject"]
        if let first = subject?.arrayValue?.first { subject = first }
        return subject?["achievement"]?["name"]?.stringValue ?? json?["name"]?.stringValue ?? "Credential"
    }

    /// The achievement's (or else the credential's) image, when it is a `data:` URI with `prefix`.
    static func image(of credential: BakedCredential, prefix: String) -> [UInt8]? {
        let json = json(of: credential)
        var subject = json?["credentialSubject"]
        if let first = subject?.arrayValue?.first { subject = first }
        for value in [subject?["achievement"]?["image"], json?["image"]] {
            guard let uri = value?.stringValue ?? value?["id"]?.stringValue, uri.hasPrefix(prefix),
                  let data = Data(base64Encoded: String(uri.dropFirst(prefix.count))) else { continue }
            return Array(data)
        }
        return nil
    }

    /// A plain badge to bake into: a circle with the achievement's name (XML-escaped, shortened).
    static func plainBadge(title: String) -> [UInt8] {
        var text = title.count > 28 ? String(title.prefix(27)) + "…" : title
        for (character, entity) in [("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\"", "&quot;")] {
            text = text.replacingOccurrences(of: character, with: entity)
        }
        return Array("""
            <svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" role="img" aria-label="\(text)">\
            <circle cx="128" cy="128" r="120" fill="#1f5f8b"/><circle cx="128" cy="128" r="104" fill="none" stroke="#fff" stroke-width="4"/>\
            <text x="128" y="136" font-family="sans-serif" font-size="16" fill="#fff" text-anchor="middle">\(text)</text></svg>
            """.utf8)
    }
}
