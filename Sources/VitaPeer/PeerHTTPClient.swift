import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What went wrong talking to another Vita. Messages name the URL and the cause, never a secret or token.
public struct PeerError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Kind: String, Sendable {
        /// The URL is not an absolute https URL (or http on a loopback host).
        case insecureURL
        /// The peer could not be reached, or the connection broke.
        case network
        /// The peer did not answer in time.
        case timeout
        /// The answer is larger than the limit.
        case tooLarge
    }

    /// The kind.
    public let kind: Kind
    /// What happened.
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The methods a peer is called with.
public enum PeerMethod: String, Sendable {
    case get = "GET", post = "POST"
}

/// A peer's answer.
public struct PeerResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// The media type, lowercased, without parameters.
    public var mediaType: String?
    /// The body bytes, exactly as received.
    public var body: [UInt8]
}

/// Outgoing HTTP to other Vitas (record transfer) and, from the command line, to a Vita's API.
///
/// https only, except on loopback hosts (`127.0.0.1`, `::1`, `localhost`), where plain http is allowed for local
/// setups and tests; no redirects are followed (a peer's API does not redirect, and a redirect must not carry the
/// token elsewhere); every request has a deadline and every body a size cap. The client must be shut down.
public final class PeerHTTPClient: Sendable {
    /// The deadline of one request (connect, send, read the whole body).
    public let timeout: Duration
    /// The largest accepted response body.
    public let maxResponseBytes: Int
    let http: HTTPClient

    /// Creates a client: 30 s per request and 16 MiB per response by default.
    public init(timeout: Duration = .seconds(30), maxResponseBytes: Int = 16 << 20) {
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        let limit = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                           + timeout.components.attoseconds / 1_000_000_000)
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: limit, read: limit), decompression: .disabled)
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Stops the client.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Whether `host` is a loopback name or address.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bare == "localhost" || bare == "::1" || bare == "127.0.0.1"
    }

    /// `text` as a base URL without a trailing slash, if it is an absolute https URL (or http on a loopback host)
    /// without user information, query or fragment.
    public static func checkedBaseURL(_ text: String) throws(PeerError) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw PeerError(.insecureURL, "\(text) is not an absolute URL with a host")
        }
        guard components.user == nil, components.password == nil, components.query == nil, components.fragment == nil else {
            throw PeerError(.insecureURL, "a base URL has no user information, query or fragment")
        }
        guard scheme == "https" || (scheme == "http" && isLoopback(host)) else {
            throw PeerError(.insecureURL, "\(text) must be https (plain http only on 127.0.0.1, ::1 or localhost)")
        }
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }

    /// Sends a request and reads the whole answer (within the deadline and the size cap).
    public func send(_ method: PeerMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil)
        async throws(PeerError) -> PeerResponse {
        var status = 0
        var mediaType: String?
        var received: [UInt8] = []
        try await stream(method, url, headers: headers, body: body) { head in
            status = head.status
            mediaType = head.mediaType
        } chunk: { bytes in
            received.append(contentsOf: bytes)
        }
        return PeerResponse(status: status, mediaType: mediaType, body: received)
    }

    /// The status and media type of an answer, before its body.
    public struct Head: Sendable {
        /// The HTTP status.
        public var status: Int
        /// The media type, lowercased, without parameters.
        public var mediaType: String?
    }

    /// Sends a request and hands the answer's body to `chunk` as it arrives (the deadline covers the whole answer;
    /// the size cap the whole body).
    public func stream(_ method: PeerMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                       head: (Head) async throws -> Void, chunk: ([UInt8]) async throws -> Void) async throws(PeerError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw PeerError(.insecureURL, "\(url) is not an absolute URL with a host")
        }
        guard scheme == "https" || (scheme == "http" && Self.isLoopback(host)) else {
            throw PeerError(.insecureURL, "\(url) must be https (plain http only on 127.0.0.1, ::1 or localhost)")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method == .get ? .GET : .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: "Vita-Transfer/1")
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let deadline = NIODeadline.now() + TimeAmount.nanoseconds(
            Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let cap = maxResponseBytes
        do {
            let response = try await http.execute(request, deadline: deadline)
            if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > cap {
                throw PeerError(.tooLarge, "\(url) sends \(declared) bytes; the limit is \(cap)")
            }
            let type = response.headers.first(name: "content-type")?.split(separator: ";").first
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            try await head(Head(status: Int(response.status.code), mediaType: type))
            var total = 0
            for try await part in response.body {
                total += part.readableBytes
                guard total <= cap else { throw PeerError(.tooLarge, "\(url) sends more than \(cap) bytes") }
                try await chunk(Array(part.readableBytesView))
            }
        } catch let error as PeerError {
            throw error
        } catch let error as HTTPClientError {
            switch error {
            case .connectTimeout, .readTimeout, .deadlineExceeded, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout:
                throw PeerError(.timeout, "\(url) did not answer within \(timeout)")
            default:
                throw PeerError(.network, "cannot reach \(url): \(error)")
            }
        } catch {
            throw PeerError(.network, "cannot reach \(url): \(error)")
        }
    }
}
