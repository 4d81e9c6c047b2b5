import Foundation
import HTTPTypes
import Hummingbird
import VitaAPI
import VitaJSON

/// What one API operation answered, as the wallet pages read it.
struct APIReply: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: [UInt8]

    var isSuccess: Bool { (200..<300).contains(status) }
    /// The body as JSON, if it is.
    var json: JSONValue? { try? JSONValue(parsing: body) }

    /// A problem+json answer in one sentence for the page: its detail, then the reasons of its fields.
    var problemText: String? {
        guard !isSuccess, let json else { return nil }
        var parts: [String] = []
        if let detail = json["detail"]?.stringValue { parts.append(detail) }
        for error in json["errors"]?.arrayValue ?? [] {
            guard let reason = error["reason"]?.stringValue else { continue }
            let field = error["field"]?.stringValue.map { "\($0): " } ?? ""
            let text = field + reason
            if !parts.contains(where: { $0.contains(reason) }) { parts.append(text) }
        }
        return parts.isEmpty ? nil : parts.joined(separator: " — ")
    }
}

/// The wallet pages' one way to the data: an API operation called in process (``InProcessAPI``) as the signed-in
/// learner (or, for a share link, as nobody), through the API's own middleware and rules. Pages never reach storage.
struct WalletAPIClient: Sendable {
    let inProcess: InProcessAPI
    /// The page request's context (its remote address and logger carry over); set per request by ``bound(to:)``.
    var context: VitaRequestContext?

    func bound(to context: VitaRequestContext) -> WalletAPIClient {
        WalletAPIClient(inProcess: inProcess, context: context)
    }

    /// Calls `method path` with `body` (of `contentType`) and `headers` as the learner `learnerId` (nil: no identity).
    func call(_ learnerId: String?, _ method: HTTPRequest.Method, _ path: String, _ body: [UInt8]?,
              _ contentType: String?, headers: HTTPFields = [:]) async -> APIReply {
        guard let context else { return APIReply(status: 500, headers: [:], body: []) }
        let response = await inProcess.call(method, path, body: body, contentType: contentType, headers: headers,
                                            as: learnerId.map { .learner(learnerId: $0) }, context: context)
        return APIReply(status: Int(response.status.code), headers: response.headers, body: response.body)
    }

    func get(_ learnerId: String?, _ path: String) async -> APIReply {
        await call(learnerId, .get, path, nil, nil)
    }

    /// Every item of the paged list at `path` (a path without a query), read 200 a page by following `nextCursor`,
    /// as one reply `{"items": […]}`; the first page that fails is the reply instead.
    func list(_ learnerId: String?, _ path: String) async -> APIReply {
        var items: [JSONValue] = []
        var cursor: String?
        repeat {
            // Cursors are base64url: safe in a query as they are.
            let page = await get(learnerId, path + "?limit=200" + (cursor.map { "&cursor=" + $0 } ?? ""))
            guard page.isSuccess, let json = page.json else { return page }
            items += json["items"]?.arrayValue ?? []
            cursor = json["nextCursor"]?.stringValue
        } while cursor != nil
        return APIReply(status: 200, headers: [.contentType: "application/json"],
                        body: JSONValue.object(["items": .array(items)]).serialized())
    }

    func send(_ learnerId: String?, _ method: HTTPRequest.Method, _ path: String, json: JSONValue,
              headers: HTTPFields = [:]) async -> APIReply {
        await call(learnerId, method, path, json.serialized(), "application/json", headers: headers)
    }
}
