import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VitaCore
import VitaOAuth

/// The server-rendered pages of the authorization endpoint: sign-in with consent, and errors.
///
/// Every value from a client or a request is HTML-escaped; the pages carry no scripts, and a Content-Security-Policy
/// forbids any (`default-src 'none'`), allows the one stylesheet by its hash, images only over https, and form
/// submission only to Vita and to the client's redirect URI (where the answer is sent). Framing is refused.
enum ConsentPage {
    /// What the consent page shows about a client.
    struct Client {
        var name: String
        var uri: String?
        var logoURI: String?
        var tosURI: String?
        var policyURI: String?
    }

    /// The cookie that carries the page's CSRF token (double submit: the form carries it too, and both must match the
    /// pending authorization's stored hash). `SameSite=Strict` keeps other sites' forms from sending it.
    static let csrfCookie = "vita_oauth_csrf"

    static let style = """
        body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}\
        img{max-height:4rem}label{display:block;margin:.6rem 0}input[type=text],input[type=password]{width:100%;padding:.4rem}\
        .error{color:#a00;font-weight:600}button{padding:.5rem 1.2rem;margin-right:.6rem}
        """

    /// The CSP hash source of `style`.
    static let styleHash: String = "'sha256-" + Data(SHA256.hash(data: Array(style.utf8))).base64EncodedString() + "'"

    /// Escapes text for HTML element content and double-quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The origin (`scheme://host[:port]`) of an absolute URL, for the CSP `form-action`.
    static func origin(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host,
              !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else { return nil }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    static func headers(formTarget: String?) -> HTTPFields {
        var formAction = "'self'"
        if let formTarget, let origin = origin(formTarget) { formAction += " " + origin }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src \(styleHash); img-src https:; form-action \(formAction); frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return headers
    }

    static func document(title: String, body: String) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">\
        <title>\(escape(title))</title><style>\(style)</style></head><body>\(body)</body></html>
        """
    }

    /// The sign-in and consent page for a pending authorization.
    static func consent(client: Client, scopes: OAuthScopes, pendingId: String, csrfToken: String, redirectURI: String,
                        login: String = "", message: String? = nil, status: HTTPResponse.Status = .ok,
                        setCookie: Bool = false) -> Response {
        var body = "<h1>Sign in to Vita</h1>"
        if let logo = client.logoURI { body += "<p><img src=\"\(escape(logo))\" alt=\"\"></p>" }
        body += "<p><strong>\(escape(client.name))</strong>"
        if let uri = client.uri { body += " (<a href=\"\(escape(uri))\" rel=\"noopener noreferrer\">\(escape(uri))</a>)" }
        body += " asks to:</p><ul>"
        for scope in scopes.sorted { body += "<li>\(escape(scope.plainLanguage))</li>" }
        body += "</ul>"
        var links: [String] = []
        if let tos = client.tosURI { links.append("<a href=\"\(escape(tos))\" rel=\"noopener noreferrer\">terms of service</a>") }
        if let policy = client.policyURI {
            links.append("<a href=\"\(escape(policy))\" rel=\"noopener noreferrer\">privacy policy</a>")
        }
        if !links.isEmpty { body += "<p>The application's \(links.joined(separator: " and ")).</p>" }
        if let message { body += "<p class=\"error\" role=\"alert\">\(escape(message))</p>" }
        body += """
            <form method="post" action="/oauth/authorize">\
            <input type="hidden" name="pending" value="\(escape(pendingId))">\
            <input type="hidden" name="csrf_token" value="\(escape(csrfToken))">\
            <label>Login name <input type="text" name="login" autocomplete="username" value="\(escape(login))"></label>\
            <label>Password <input type="password" name="password" autocomplete="current-password"></label>\
            <button type="submit" name="decision" value="approve">Sign in and allow</button>\
            <button type="submit" name="decision" value="deny">Deny</button></form>
            """
        var headers = headers(formTarget: redirectURI)
        if setCookie {
            headers[.setCookie] = "\(csrfCookie)=\(csrfToken); Path=/oauth/authorize; HttpOnly; Secure; SameSite=Strict"
        }
        return Response(status: status, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: document(title: "Sign in to Vita", body: body))))
    }

    /// An error page: shown instead of redirecting when the redirect URI cannot be trusted.
    static func error(_ message: String, status: HTTPResponse.Status = .badRequest) -> Response {
        let body = "<h1>This sign-in request cannot be completed</h1><p class=\"error\">\(escape(message))</p>"
            + "<p>Return to the application and start again.</p>"
        return Response(status: status, headers: headers(formTarget: nil),
                        body: .init(byteBuffer: ByteBuffer(string: document(title: "Sign-in error", body: body))))
    }
}

/// `application/x-www-form-urlencoded` bodies and query strings (RFC 6749 appendix B), strict: a parameter sent
/// twice is an error (RFC 6749 §3.1, §3.2).
enum FormParameters {
    static func parse(_ text: String) throws -> [String: String] {
        var parameters: [String: String] = [:]
        guard let fields = PercentEncoding.formFields(text) else {
            throw OAuthError(.invalidRequest, "the parameters are not form-urlencoded")
        }
        for (name, value) in fields {
            guard parameters[name] == nil else { throw OAuthError(.invalidRequest, "\(name.prefix(40)) is sent more than once") }
            // PostgreSQL cannot store it, and no parameter has a use for it.
            guard !name.utf8.contains(0), !value.utf8.contains(0) else {
                throw OAuthError(.invalidRequest, "the parameters must not contain the NUL character (U+0000)")
            }
            parameters[name] = value
        }
        return parameters
    }

    /// `uri` with `parameters` added to its query.
    static func appending(_ parameters: [(String, String)], to uri: String) -> String {
        let query = parameters.map { "\(PercentEncoding.unreserved($0.0))=\(PercentEncoding.unreserved($0.1))" }.joined(separator: "&")
        return uri + (uri.contains("?") ? "&" : "?") + query
    }
}
