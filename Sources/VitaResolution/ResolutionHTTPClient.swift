import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What a fetch is for; names the switched-off feature in offline mode and in errors.
public enum FetchPurpose: String, Sendable, Hashable {
    /// A did:web DID document.
    case didWeb = "did:web resolution"
    /// A controller document or issuer profile an https verification method points to.
    case controllerDocument = "controller document retrieval"
    /// A status list credential or 1EdTech revocation list.
    case statusList = "status list retrieval"
}

/// A document fetched over HTTP(S).
public struct FetchedDocument: Sendable, Hashable {
    /// The URL the body came from (after redirects, without fragment).
    public var url: String
    /// The response's media type, lowercased, without parameters (`application/json`), if given.
    public var mediaType: String?
    /// The body (at most ``ResolutionConfiguration/maxResponseBytes``).
    public var body: [UInt8]
    /// `Cache-Control: max-age` of the response, if given.
    public var maxAge: Duration?
    /// `Cache-Control: no-store` or `no-cache`: the response is not cached.
    public var noStore: Bool

    /// A document (tests, other transports).
    public init(url: String, mediaType: String?, body: [UInt8], maxAge: Duration? = nil, noStore: Bool = false) {
        self.url = url
        self.mediaType = mediaType
        self.body = body
        self.maxAge = maxAge
        self.noStore = noStore
    }
}

/// The HTTP side of every VitaResolution resolver: one policy (``ResolutionConfiguration``),
/// one connection pool, one cache.
///
/// `GET` only, no cookies, no credentials, no compression; `Accept` set per purpose;
/// redirects followed by hand so that every hop is checked against the policy; the body
/// streamed into a buffer that refuses to grow past the size cap; one deadline for the whole
/// fetch. Successful responses are cached for `min(max-age, document ttl)` (or
/// ``ResolutionConfiguration/defaultTTL``), capped by ``ResolutionConfiguration/maxTTL``;
/// failures for ``ResolutionConfiguration/failureTTL``.
///
/// Call ``shutdown()`` when done (it closes the connection pool). In offline mode no HTTP
/// client is created at all.
public final class ResolutionHTTPClient: Sendable {
    /// The policy.
    public let configuration: ResolutionConfiguration
    let http: HTTPClient?
    let cache: ResolutionCache
    let now: @Sendable () -> Date

    /// A client with this policy; `now` is the cache's clock (injectable for tests).
    public init(configuration: ResolutionConfiguration = ResolutionConfiguration(),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.now = now
        cache = ResolutionCache(capacity: configuration.cacheCapacity)
        if configuration.offline {
            http = nil
        } else {
            let limit = TimeAmount(configuration.timeout)
            var http = HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: limit, read: limit), decompression: .disabled)
            http.connectionPool.retryConnectionEstablishment = false
            self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
        }
    }

    /// Closes the connection pool. The client must not be used afterwards.
    public func shutdown() async throws {
        try await http?.shutdown()
    }

    /// Forgets every cached document and failure.
    public func clearCache() async { await cache.removeAll() }

    /// Fetches `url` (its fragment is ignored), from the cache when fresh.
    ///
    /// - Parameters:
    ///   - accept: the `Accept` header.
    ///   - purpose: what the document is for (named in offline-mode and error reasons).
    ///   - lifetime: how long the document itself says it may be cached (a status list's
    ///     `ttl`), or `nil`; the shorter of this and `max-age` wins.
    /// - Throws: ``ResolutionError``: `offline`, `invalidIdentifier`, `insecureURL`,
    ///   `forbiddenAddress`, `timeout`, `network`, `httpStatus`, `redirect`, `tooLarge`.
    public func fetch(_ url: String, accept: String, purpose: FetchPurpose,
                      lifetime: (@Sendable (FetchedDocument) -> Duration?)? = nil) async throws(ResolutionError) -> FetchedDocument {
        guard let http, !configuration.offline else {
            throw ResolutionError(.offline, "offline mode: \(purpose.rawValue) disabled")
        }
        let target = try checkedURL(url)
        let key = target.absoluteString + "\n" + accept
        if let cached = await cache.lookup(key, now: now()) { return try cached.get() }
        let result: Result<FetchedDocument, ResolutionError>
        do { result = .success(try await fetchWithDeadline(target, accept: accept, http: http)) } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let document):
            var seconds = [document.maxAge, lifetime?(document)].compactMap { $0 }.min() ?? configuration.defaultTTL
            if document.noStore { seconds = .zero }
            await cache.store(key, result, lifetime: min(seconds, configuration.maxTTL), now: now())
        case .failure:
            await cache.store(key, result, lifetime: configuration.failureTTL, now: now())
        }
        return try result.get()
    }

    /// Checks, before it is stored, a URL that requests will later be sent to (a connected system's notification
    /// URL): the policy of ``checkedURL(_:)``, no fragment, at most 2 000 characters. Returns it as given.
    public func checkTarget(_ text: String) throws(ResolutionError) -> String {
        guard text.utf8.count <= 2_000, URLComponents(string: text)?.fragment == nil else {
            throw ResolutionError(.invalidIdentifier, "a target URL has at most 2000 characters and no fragment")
        }
        _ = try checkedURL(text)
        return text
    }

    /// Checks `text` against the policy: an absolute http(s) URL without user info, https
    /// unless the host is allowed plain http, not a loopback/private address unless allowed.
    /// Returns it without fragment.
    func checkedURL(_ text: String) throws(ResolutionError) -> URL {
        guard var components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw ResolutionError(.invalidIdentifier, "\(text) is not an absolute URL with a host")
        }
        guard components.user == nil, components.password == nil else {
            throw ResolutionError(.invalidIdentifier, "URLs with user information are not fetched")
        }
        let bareHost = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let allowed = configuration.allowInsecureHTTPForHosts.contains(bareHost)
        switch scheme {
        case "https": break
        case "http":
            guard allowed else {
                throw ResolutionError(.insecureURL, "plain http is not allowed for \(bareHost) (https only)")
            }
        default:
            throw ResolutionError(.insecureURL, "URL scheme \(scheme) is not fetched (https only)")
        }
        if !allowed, Self.isLocalOrPrivate(bareHost) {
            throw ResolutionError(.forbiddenAddress, "\(bareHost) is a loopback, private or link-local address; it is not fetched")
        }
        components.fragment = nil
        guard let url = components.url else {
            throw ResolutionError(.invalidIdentifier, "\(text) is not an absolute URL with a host")
        }
        return url
    }

    /// `localhost`, or an IP literal in a loopback, private, link-local, shared or unspecified range.
    /// (Names that resolve to such addresses are not detected here.)
    static func isLocalOrPrivate(_ host: String) -> Bool {
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        let octets = parts.compactMap { UInt8($0) }
        if parts.count == 4, octets.count == 4 {
            switch (octets[0], octets[1]) {
            case (0, _), (10, _), (127, _), (169, 254), (192, 168): return true
            case (172, 16...31), (100, 64...127): return true
            case (224..., _): return true
            default: return false
            }
        }
        guard host.contains(":") else { return false }
        if host == "::1" || host == "::" { return true }
        if host.hasPrefix("::ffff:") { return isLocalOrPrivate(String(host.dropFirst(7))) }
        return ["fc", "fd", "fe8", "fe9", "fea", "feb"].contains { host.hasPrefix($0) }
    }

    /// The fetch, bounded by ``ResolutionConfiguration/timeout`` from first connect to last byte.
    func fetchWithDeadline(_ url: URL, accept: String, http: HTTPClient) async throws(ResolutionError) -> FetchedDocument {
        try await withDeadline(url) { try await self.fetchFollowingRedirects(url, accept: accept, http: http) }
    }

    /// Runs `operation` on `url` bounded by `limit` (else ``ResolutionConfiguration/timeout``) from first connect to
    /// last byte, and turns its failures into ``ResolutionError``s (`timeout`, `network`, or the operation's own).
    func withDeadline<T: Sendable>(_ url: URL, limit: Duration? = nil,
                                   _ operation: @escaping @Sendable () async throws -> T) async throws(ResolutionError) -> T {
        let limit = limit ?? configuration.timeout
        do {
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await operation() }
                group.addTask {
                    try await Task.sleep(for: limit)
                    throw ResolutionError(.timeout, "\(url.absoluteString) did not answer within \(limit)")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else {
                    throw ResolutionError(.network, "cannot reach \(url.absoluteString)")
                }
                return first
            }
        } catch let error as ResolutionError {
            throw error
        } catch let error as HTTPClientError {
            switch error {
            case .connectTimeout, .readTimeout, .deadlineExceeded, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout:
                throw ResolutionError(.timeout, "\(url.absoluteString) did not answer within \(limit)")
            default:
                throw ResolutionError(.network, "cannot reach \(url.absoluteString): \(error)")
            }
        } catch {
            throw ResolutionError(.network, "cannot reach \(url.absoluteString): \(error)")
        }
    }

    /// Reads a response body up to the size cap (refusing early when `Content-Length` already exceeds it).
    func collectBody(_ response: HTTPClientResponse, from url: URL, cap: Int? = nil) async throws -> [UInt8] {
        let cap = cap ?? configuration.maxResponseBytes
        if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > cap {
            throw ResolutionError(.tooLarge, "\(url.absoluteString) sends \(declared) bytes; the limit is \(cap)")
        }
        var body: [UInt8] = []
        for try await chunk in response.body {
            guard body.count + chunk.readableBytes <= cap else {
                throw ResolutionError(.tooLarge, "\(url.absoluteString) sends more than \(cap) bytes")
            }
            body.append(contentsOf: chunk.readableBytesView)
        }
        return body
    }

    /// GET with manual redirects; the body is read up to the size cap.
    func fetchFollowingRedirects(_ start: URL, accept: String, http: HTTPClient) async throws -> FetchedDocument {
        var url = start
        var redirects = 0
        while true {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = .GET
            request.headers.add(name: "Accept", value: accept)
            request.headers.add(name: "User-Agent", value: "Vita-Resolution/1")
            let response = try await http.execute(request, timeout: TimeAmount(configuration.timeout))
            let status = Int(response.status.code)
            if [301, 302, 303, 307, 308].contains(status) {
                redirects += 1
                guard redirects <= configuration.maxRedirects else {
                    throw ResolutionError(.redirect, "more than \(configuration.maxRedirects) redirects from \(start.absoluteString)")
                }
                guard let location = response.headers.first(name: "location"),
                      let next = URL(string: location, relativeTo: url)?.absoluteURL else {
                    throw ResolutionError(.redirect, "\(url.absoluteString) redirects without a usable Location")
                }
                url = try checkedURL(next.absoluteString)
                continue
            }
            guard (200..<300).contains(status) else {
                throw ResolutionError(.httpStatus, "\(url.absoluteString) answered HTTP \(status)")
            }
            let body = try await collectBody(response, from: url)
            let cacheControl = Self.cacheControl(response.headers[canonicalForm: "cache-control"].map(String.init))
            return FetchedDocument(url: url.absoluteString, mediaType: Self.mediaType(response.headers.first(name: "content-type")),
                                   body: body, maxAge: cacheControl.maxAge, noStore: cacheControl.noStore)
        }
    }

    /// `application/json; charset=utf-8` → `application/json`.
    static func mediaType(_ header: String?) -> String? {
        guard let header, let type = header.split(separator: ";").first else { return nil }
        let trimmed = type.trimmingCharacters(in: .whitespaces).lowercased()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// RFC 9111 §5.2.2: `max-age` (seconds), and `no-store` / `no-cache` (not cached).
    static func cacheControl(_ directives: [String]) -> (maxAge: Duration?, noStore: Bool) {
        var maxAge: Duration?
        var noStore = false
        for directive in directives {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            switch parts.first {
            case "no-store", "no-cache": noStore = true
            case "max-age":
                if parts.count == 2, let seconds = Int64(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))), seconds >= 0 {
                    maxAge = .seconds(seconds)
                }
            default: break
            }
        }
        return (maxAge, noStore)
    }
}
