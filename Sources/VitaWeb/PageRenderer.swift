import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders the Mustache templates bundled in `Resources/templates` into responses that carry the web interface's
/// security headers. Mustache escapes every `{{value}}` for HTML; no template uses the unescaped `{{{…}}}` form.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let strings: WebStrings
    /// `strings.templateValues`, computed once.
    let stringValues: [String: String]
    /// The stylesheet, served from `/static/vita.css`.
    let stylesheet: ByteBuffer

    /// The Content-Security-Policy of every page: no scripts, styles only from the stylesheet, images from Vita or
    /// `data:` URIs (badge images embedded in credentials), forms only to Vita, no framing, no `<base>`.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func load() async throws -> PageRenderer {
        guard let templates = WebStrings.templatesURL,
              let css = Bundle.module.url(forResource: "vita", withExtension: "css", subdirectory: "static"),
              let stylesheet = try? Data(contentsOf: css) else {
            throw WebError(.missingResource, "templates or static/vita.css")
        }
        let library: MustacheLibrary
        do {
            library = try await MustacheLibrary(directory: templates.path)
        } catch {
            throw WebError(.badTemplate, "\(error)")
        }
        let strings = try WebStrings()
        return PageRenderer(library: library, strings: strings, stringValues: strings.templateValues,
                            stylesheet: ByteBuffer(bytes: stylesheet))
    }

    /// The policy of a page that runs Vita's own scripts from `/static` (the console's progress bar): scripts and
    /// their requests only to Vita, still no inline script.
    static let scriptedContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// The headers of every page; `scripts` allows Vita's own scripts (``scriptedContentSecurityPolicy``).
    static func pageHeaders(scripts: Bool = false) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Content-Security-Policy")!] = scripts ? scriptedContentSecurityPolicy : contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return headers
    }

    /// Renders `template` with `values` (plus the strings as `t`) into a page response that sets `cookies`.
    func page(_ template: String, _ values: [String: Any], status: HTTPResponse.Status = .ok,
              cookies: [String] = [], scripts: Bool = false) -> Response {
        var context = values
        context["t"] = stringValues
        var headers = Self.pageHeaders(scripts: scripts)
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        guard let html = library.render(context, withTemplate: template) else {
            return Response(status: .internalServerError, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: "<!doctype html><title>Vita</title><p>\(strings["error.generic"])")))
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page with a heading and one message (CSRF refusal, unexpected failures).
    func message(title: String, message: String, status: HTTPResponse.Status) -> Response {
        page("message", ["title": title, "heading": title, "message": message], status: status)
    }

    /// The stylesheet response.
    func stylesheetResponse() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/css; charset=utf-8"
        headers[.cacheControl] = "public, max-age=3600"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: stylesheet))
    }
}

extension PageRenderer {
    /// A `303 See Other` to `location` (after a form, or to the sign-in page), setting `cookies`.
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = pageHeaders()
        headers[.location] = location
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }
}

extension PageRenderer {
    /// Renders a page that holds forms: with a CSRF token for them (`csrf`) and, when the browser has no CSRF cookie
    /// yet, the cookie it pairs with.
    func formPage(_ template: String, _ values: [String: Any], request: Request, csrf: CSRFProtection,
                  status: HTTPResponse.Status = .ok, scripts: Bool = false) -> Response {
        guard let (token, setCookie) = try? csrf.issue(cookieHeader: request.headers[.cookie]) else {
            return message(title: strings["error.title"], message: strings["error.generic"], status: .internalServerError)
        }
        var values = values
        values["csrf"] = token
        return page(template, values, status: status, cookies: setCookie.map { [$0] } ?? [], scripts: scripts)
    }
}
