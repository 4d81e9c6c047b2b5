import HTTPTypes
import Hummingbird

/// Headers every response gets, outermost (so errors and 429s carry them too): CORS where a browser client needs it,
/// `X-Content-Type-Options: nosniff` everywhere, and a strict policy on HTML pages that do not set their own.
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
    static let exposedHeaders = "X-Total-Count, Link, Retry-After, ETag"
    /// How long a browser may cache a preflight answer (Chromium caps it at 2 hours).
    static let preflightMaxAge = "7200"
    /// The policy of an HTML page that sets none: nothing may load, nothing may frame it, no form may post.
    static let defaultPagePolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    static func allowsCrossOrigin(_ path: String) -> Bool {
        corsPaths.contains(path) || corsPrefixes.contains { path.hasPrefix($0) }
    }

    func handle(_ request: Request, context: VitaRequestContext,
                next: (Request, VitaRequestContext) async throws -> Response) async throws -> Response {
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
}
