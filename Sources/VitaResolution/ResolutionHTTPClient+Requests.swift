import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A request to another platform's API, sent under the same policy as resolution (https unless the host is allowed
/// plain http, no private addresses unless allowed, one deadline, a size cap) but never cached and never redirected:
/// an API answers where it is asked.
public struct OutboundRequest: Sendable {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    public var method: String
    /// The absolute URL.
    public var url: String
    /// Request headers (name, value).
    public var headers: [(String, String)]
    /// The body, if any.
    public var body: [UInt8]?
    /// The most bytes of the answer read, when a request needs more than ``ResolutionConfiguration/maxResponseBytes``
    /// (a competency framework package).
    public var maxResponseBytes: Int?
    /// How long the request may take, when it needs longer than ``ResolutionConfiguration/timeout``.
    public var timeout: Duration?

    /// Creates a request.
    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                maxResponseBytes: Int? = nil, timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.maxResponseBytes = maxResponseBytes
        self.timeout = timeout
    }
}

/// What another platform answered: any status (the caller decides what it means).
public struct OutboundResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// The response headers (name, value).
    public var headers: [(name: String, value: String)]
    /// The body, at most the request's ``OutboundRequest/maxResponseBytes`` or else
    /// ``ResolutionConfiguration/maxResponseBytes``.
    public var body: [UInt8]

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

extension ResolutionHTTPClient {
    /// Sends `request` and returns the response whatever its status.
    /// - Throws: ``ResolutionError``: `offline`, `invalidIdentifier`, `insecureURL`, `forbiddenAddress`, `timeout`,
    ///   `network`, `tooLarge`.
    public func send(_ request: OutboundRequest) async throws(ResolutionError) -> OutboundResponse {
        guard let http, !configuration.offline else {
            throw ResolutionError(.offline, "offline mode: requests to other platforms are disabled")
        }
        let url = try checkedURL(request.url)
        return try await withDeadline(url, limit: request.timeout) {
            var outbound = HTTPClientRequest(url: url.absoluteString)
            outbound.method = HTTPMethod(rawValue: request.method)
            outbound.headers.add(name: "User-Agent", value: "Vita/1")
            for (name, value) in request.headers { outbound.headers.add(name: name, value: value) }
            if let body = request.body { outbound.body = .bytes(ByteBuffer(bytes: body)) }
            let response = try await http.execute(outbound, timeout: TimeAmount(request.timeout ?? self.configuration.timeout))
            return OutboundResponse(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                                    body: try await self.collectBody(response, from: url, cap: request.maxResponseBytes))
        }
    }
}
