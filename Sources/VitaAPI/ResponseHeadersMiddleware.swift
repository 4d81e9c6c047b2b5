import HTTPTypes
import Hummingbird

/// Headers every response gets, outermost (so errors and 429s carry them too): the request's id (`X-Request-Id`, also
/// in its log lines), CORS where a browser client needs it, `X-Content-Type-Options: nosniff` everywhere, and a strict
/// policy on HTML pages that do not set their own.
struct ResponseHeadersMiddleware: RouterMiddleware {
    /// Paths a script in another origin's page may call (wallets and other platforms in the browser): the OAuth
    /// endpoints a client calls itself (not the authorization page, which the browser navigates to), the 1EdTech
    /// service APIs, and credential verification. Exact paths, and prefixes ending in `/`.
    static let corsPaths = ["/oauth/token", "/oauth/revoke", "/oauth/register", "/.well-known/oauth-authorization-server",
                            "/credentials/verify", "/.well-known/openid-credential-issuer", "/oid4vci/credential",
                            "/oid4vci/notification", "/oid4vp/response"]
    static let corsPrefixes = ["/ims/", "/exchanges/"]
    static let allowedMethods = "GET, POST, PUT"
    static let allowedHeaders = "Authorization, Content-Type"
    static let exposedHeaders = "X-Total-Count, Link, Retry-After, ETag, X-Request-Id"
    /// How long a browser may cache a preflight answer (Chromium caps it at 2 hours).
    static let preflightMaxAge = "7200"
    /// The policy of an HTML page that sets none: nothing may load, nothing may frame it, no form may post.
    static let defaultPagePolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    static func allowsCrossOrigin(_ path: String) -> Bool {
        corsPaths.contains(path) || corsPrefixes.contains { path.hasPrefix($0) }
    }

    /// The id a request is known by: the caller's `X-Request-Id` (a load balancer's or client's) when a log can carry
    /// it as it is — 1 to 128 characters, letters, digits and `-_.:=+/` — else the one Hummingbird gave the request.
    static func requestId(_ given: String?, assigned: String) -> String {
        guard let given, (1...128).contains(given.utf8.count), given.utf8.allSatisfy({ byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "-_.:=+/".utf8.contains(byte)
            }
        }) else { return assigned }
        return given
    }

    func handle(_ request: Request, context: VitaRequestContext,
                next: (Request, VitaRequestContext) async throws -> Response) async throws -> Response {
        // Every log line of the request and its answer carry the same id.
        var context = context
        let id = Self.requestId(request.headers[.xRequestId], assigned: context.id)
        if id != context.id { context.logger[metadataKey: "hb.request.id"] = .string(id) }
        let crossOrigin = Self.allowsCrossOrigin(request.uri.path)
        var response: Response
        if crossOrigin, request.method == .options {
            // A CORS preflight (Fetch §3.2.2): the request that follows is checked as any other.
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = Self.allowedMethods
            response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            response.headers[.accessControlMaxAge] = Self.preflightMaxAge
        } else {
            response = try await next(request, context)
        }
        if crossOrigin {
            // Any origin, never with credentials: tokens travel in Authorization, Vita sets no cookies here.
            response.headers[.accessControlAllowOrigin] = "*"
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        }
        response.headers[.xRequestId] = id
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            if response.headers[.contentSecurityPolicy] == nil {
                response.headers[.contentSecurityPolicy] = Self.defaultPagePolicy
            }
            if response.headers[.xFrameOptions] == nil { response.headers[.xFrameOptions] = "DENY" }
            if response.headers[.referrerPolicy] == nil { response.headers[.referrerPolicy] = "no-referrer" }
        }
        return response
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xRequestId = HTTPField.Name("X-Request-Id")!
}
