import Foundation
import Hummingbird
import NIOCore
import VitaCore

/// The rate limits of one server: per caller, and the stricter one for sign-in and the token endpoint per address.
struct RateLimiting: Sendable {
    let perCaller: RateLimiter
    let signIn: RateLimiter
    /// Take the caller's address from the last `X-Forwarded-For` entry (set by a trusted proxy in front).
    let trustForwardedFor: Bool
    let clock: @Sendable () -> Date

    init(options: ServerOptions, clock: @escaping @Sendable () -> Date) {
        self.perCaller = RateLimiter(limit: options.rateLimit, capacity: options.rateLimitBuckets)
        self.signIn = RateLimiter(limit: options.signInRateLimit, capacity: options.rateLimitBuckets)
        self.trustForwardedFor = options.trustForwardedFor
        self.clock = clock
    }

    /// The remote address the request came from, as it is limited (``limitedAddress(_:)``; `unknown` when the
    /// transport has none, as in tests).
    func address(_ request: Request, _ context: VitaRequestContext) -> String {
        if trustForwardedFor, let forwarded = request.headers[values: .init("X-Forwarded-For")!].last,
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
            return Self.limitedAddress(last)
        }
        return context.remoteAddress?.ipAddress.map(Self.limitedAddress) ?? "unknown"
    }

    /// What an address is limited as: an IPv6 address by its /64 prefix — the smallest block a network hands one
    /// subscriber, inside which a client may take any address it likes — an IPv4-mapped IPv6 address as its IPv4
    /// address, anything else (IPv4, text that is no address) as it is.
    static func limitedAddress(_ text: String) -> String {
        var address = in6_addr()
        // A zone (`fe80::1%eth0`) names the interface, not the caller.
        let bare = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        guard bare.contains(":"), inet_pton(AF_INET6, bare, &address) == 1 else { return text }
        let bytes = withUnsafeBytes(of: &address) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }

    /// Who is calling, as far as limits go: the OAuth client of a bearer token, the owner of an API key, the client
    /// named by HTTP Basic at the OAuth endpoints, else the remote address.
    func caller(_ request: Request, _ context: VitaRequestContext) -> String {
        if let token = context.token { return "client:" + token.clientId }
        switch context.principal {
        case .admin(let keyId): return "key:" + keyId
        case .system(let system): return "key:" + system.id
        case .learner(_, let clientId): return "client:" + clientId
        case .staff(let member): return "staff:" + member.id
        case nil: break
        }
        if request.uri.path.hasPrefix("/oauth/"), let basic = AuthorizationHeader.credentials(request, scheme: "Basic"),
           let decoded = Data(base64Encoded: basic),
           let id = String(data: decoded, encoding: .utf8)?.split(separator: ":", maxSplits: 1).first,
           let clientId = PercentEncoding.formDecoded(id), EntityID.isWellFormed(clientId, prefix: "cli") {
            return "client:" + clientId
        }
        return "address:" + address(request, context)
    }

    /// Charges a request whose credentials were refused to its address; the 429 to answer instead, if over the limit.
    func chargeRefused(_ request: Request, _ context: VitaRequestContext) -> Response? {
        perCaller.take("address:" + address(request, context), now: clock().timeIntervalSince1970).map(Self.tooMany)
    }

    /// 429 with `Retry-After` in whole seconds (RFC 6585 §4, RFC 9110 §10.2.3).
    static func tooMany(retryAfter seconds: Int) -> Response {
        var response = Problem(status: 429, title: "Too Many Requests",
                               detail: "too many requests; retry after \(seconds) s").response()
        response.headers[.retryAfter] = String(seconds)
        return response
    }
}

/// Limits requests per caller (after `AuthenticationMiddleware` has said who it is), and sign-in (the OAuth consent
/// page, the web sign-in pages) and the token endpoint per remote address as well.
struct RateLimitMiddleware: RouterMiddleware {
    let limits: RateLimiting

    /// The POST paths that check a password or a client secret.
    static let signInPaths: Set<String> = ["/oauth/authorize", "/oauth/token", "/wallet/sign-in", "/admin/sign-in"]

    func handle(_ request: Request, context: VitaRequestContext,
                next: (Request, VitaRequestContext) async throws -> Response) async throws -> Response {
        let now = limits.clock().timeIntervalSince1970
        // A page's in-process calls were charged as the page.
        if context.isInProcessCall { return try await next(request, context) }
        if request.method == .post, Self.signInPaths.contains(request.uri.path),
           let wait = limits.signIn.take("address:" + limits.address(request, context), now: now) {
            return RateLimiting.tooMany(retryAfter: wait)
        }
        if let wait = limits.perCaller.take(limits.caller(request, context), now: now) {
            return RateLimiting.tooMany(retryAfter: wait)
        }
        return try await next(request, context)
    }
}
