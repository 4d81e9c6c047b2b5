import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import VitaJSON
import VitaOAuth

/// Who a web page acts for when it calls the API in process.
public enum WebIdentity: Sendable, Equatable {
    /// A learner signed in to the wallet: acts as the learner's own access token with every scope, so it reads the
    /// learner's records and wallet and nothing else (another learner's data is refused by the same rules).
    case learner(learnerId: String)
    /// An organization's staff member signed in to the issuer console: acts as ``Principal/staff(_:)``, so the
    /// console reaches what the member's role allows in their own organization and nothing else. The account is
    /// re-read on every call, so a disabled account stops at once.
    case staff(staffId: String)
}

/// An API answer to a page: status, headers and the body's bytes.
public struct APIResponse: Sendable {
    /// The status code.
    public let status: HTTPResponse.Status
    /// The response headers.
    public let headers: HTTPFields
    /// The body.
    public let body: [UInt8]

    /// The body parsed as JSON, when it is JSON.
    public var json: JSONValue? { try? JSONValue(parsing: body) }

    /// The problem's `detail`, when the answer is an `application/problem+json` error.
    public var problemDetail: String? { json?.objectValue?["detail"]?.stringValue }

    /// Whether the status is 2xx.
    public var succeeded: Bool { (200..<300).contains(status.code) }
}

/// The client the wallet's in-process calls are attributed to (idempotency keys, scope denials).
let webClientId = "vita-web"

/// The API's routes alone, for web pages to call in process.
public struct InProcessAPI: Sendable {
    /// Built from the router before any page is added, so a page never calls a page.
    let responder: RouterResponder<VitaRequestContext>

    /// Calls one API operation in process, as `identity` (nil: anonymously), through the same middleware and route
    /// handlers as an HTTP request, so that a page enforces exactly the API's agreements, roles and audit. `context`
    /// is the page request's (its remote address and logger carry over). Never throws: an error is answered as the
    /// API answers it (a problem response).
    public func call(_ method: HTTPRequest.Method, _ path: String, body: [UInt8]? = nil, contentType: String? = nil,
                     headers extra: HTTPFields = [:], as identity: WebIdentity?, context: VitaRequestContext) async -> APIResponse {
        var fields = extra
        if let contentType { fields[.contentType] = contentType }
        if let body { fields[.contentLength] = String(body.count) }
        let head = HTTPRequest(method: method, scheme: "http", authority: "vita.internal", path: path, headerFields: fields)
        let request = Request(head: head, body: .init(buffer: ByteBuffer(bytes: body ?? [])))
        var context = context
        context.isInProcessCall = true
        switch identity {
        case .learner(let learnerId):
            context.principal = .learner(learnerId: learnerId, clientId: webClientId)
            context.token = TokenGrant(clientId: webClientId, learnerId: learnerId, scopes: OAuthScopes(OAuthScope.all))
        case .staff(let staffId):
            context.principal = nil
            context.token = nil
            context.inProcessStaffId = staffId
        case nil:
            context.principal = nil
            context.token = nil
        }
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch {
            return APIResponse(status: .internalServerError, headers: [:], body: [])
        }
        let collector = BodyCollector()
        do {
            try await response.body.write(collector)
        } catch {
            return APIResponse(status: .internalServerError, headers: [:], body: [])
        }
        return APIResponse(status: response.status, headers: response.headers, body: collector.bytes)
    }
}

/// Gathers a response body written in parts.
private struct BodyCollector: ResponseBodyWriter {
    private final class Storage: Sendable {
        let bytes = Mutex<[UInt8]>([])
    }
    private let storage = Storage()

    var bytes: [UInt8] { storage.bytes.withLock { $0 } }

    mutating func write(_ buffer: ByteBuffer) async throws {
        storage.bytes.withLock { $0.append(contentsOf: buffer.readableBytesView) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
