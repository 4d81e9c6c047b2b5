import Foundation
import Hummingbird
import VitaAPI
import VitaCore

/// The sign-in and sign-out pages of one kind of account — the wallet's learners (`/wallet/sign-in`) and the
/// console's staff (`/admin/sign-in`): the form with its CSRF token, both fields required, the password check with
/// lockout, a new session (never an old one reused), and signing out here or on every device. Each kind keeps its own
/// cookie, strings (`<prefix>.sign_in_title`, …) and audit action.
struct SignInPages: Sendable {
    /// How a password check ended.
    enum Outcome: Sendable {
        case signedIn, wrong, locked
    }

    let kind: WebSessions.Kind
    /// Where the signed-in pages start (`/wallet`, `/admin`); the pages here are below it.
    let home: String
    /// The prefix of the pages' strings (`wallet`, `console`).
    let stringPrefix: String
    /// The layout's value that marks the site navigation's current entry (`navWallet`, `navConsole`).
    let navKey: String
    let renderer: PageRenderer
    let csrf: CSRFProtection
    let sessions: WebSessions
    /// Checks a login and password; on success stores the session for `secret` (``WebSessions/record(_:secret:subjectId:at:)``)
    /// and audits the sign-in, in the password check's transaction.
    let check: @Sendable (_ login: String, _ password: String, _ secret: String) async throws -> Outcome

    var strings: WebStrings { renderer.strings }
    var signInPath: String { home + "/sign-in" }

    func register(on router: Router<VitaRequestContext>) {
        let pages = self
        router.getAndHead(RouterPath(signInPath)) { request, _ in try await pages.show(request) }
        router.post(RouterPath(signInPath)) { request, _ in try await pages.submit(request) }
        router.post(RouterPath(home + "/sign-out")) { request, _ in try await pages.signOut(request) }
    }

    /// The answer to a page request without a live session: to the sign-in page, dropping a stale cookie.
    var toSignIn: Response {
        PageRenderer.redirect(signInPath, cookies: [sessions.clearingCookie(kind)])
    }

    /// The answer to `request` without a live session: to the sign-in page, which returns to the page asked for when
    /// it was a `GET` (or `HEAD`) of a page below ``home`` (a link into the wallet, such as a verifier's request by value).
    func toSignIn(returningFrom request: Request) -> Response {
        let target = request.uri.description
        guard request.method == .get || request.method == .head, let next = safeNext(target), next != home else { return toSignIn }
        return PageRenderer.redirect(signInPath + "?next=" + PercentEncoding.unreserved(next), cookies: [sessions.clearingCookie(kind)])
    }

    /// The longest page address kept to return to after signing in.
    static let maxNextLength = 16 * 1024

    /// `value` when it is a page of this kind of account to return to after signing in: a path below ``home``, with no
    /// control characters, backslashes or dot segments, so that the redirect can lead nowhere else.
    func safeNext(_ value: String?) -> String? {
        guard let value, value.utf8.count <= Self.maxNextLength, value.hasPrefix(home),
              value.count == home.count || ["/", "?"].contains(value[value.index(value.startIndex, offsetBy: home.count)]),
              !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || $0 == "\\" }),
              !value.hasPrefix(signInPath) else { return nil }
        // No dot segments (RFC 3986 §5.2.4), written or percent-encoded: the browser would resolve them out of `home`.
        let path = value.prefix { $0 != "?" && $0 != "#" }
        guard !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }),
              !path.lowercased().contains("%2e") else { return nil }
        return value
    }

    func show(_ request: Request) async throws -> Response {
        if try await sessions.current(request, kind) != nil { return PageRenderer.redirect(home) }
        // A flag in the query (`?signed-out=1`, `?password-changed=1`) shows its notice, if this kind of account has one.
        let notice = ["signed-out", "password-changed"].first { request.uri.queryParameters[$0] != nil }
            .flatMap { strings.table["\(stringPrefix).\($0.replacingOccurrences(of: "-", with: "_"))"] }
        return render(request, login: "", problem: nil, notice: notice, next: safeNext(request.uri.queryParameters.get("next")))
    }

    func submit(_ request: Request) async throws -> Response {
        guard let form = try? await FormInput.read(request, limit: 16 * 1024), form.oversizedBytes == nil else {
            return render(request, login: "", problem: strings["input.bad_form"], status: .badRequest)
        }
        guard csrf.isValid(token: form.fields[CSRFProtection.fieldName], cookieHeader: request.headers[.cookie]) else {
            return renderer.message(title: strings["error.csrf_title"], message: strings["error.csrf"], status: .forbidden)
        }
        let login = (form.fields["login"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form.fields["password"] ?? ""
        let next = safeNext(form.fields["next"])
        guard !login.isEmpty, !password.isEmpty else {
            return render(request, login: login, problem: text("sign_in_missing"), next: next, status: .unprocessableContent)
        }
        let secret = WebSessions.newSecret()
        switch try await check(login, password, secret) {
        case .signedIn:
            return PageRenderer.redirect(next ?? home, cookies: [sessions.setCookie(kind, secret: secret)])
        case .wrong:
            return render(request, login: login, problem: text("sign_in_wrong"), next: next, status: .unauthorized)
        case .locked:
            return render(request, login: login, problem: text("sign_in_locked"), next: next, status: .tooManyRequests)
        }
    }

    func signOut(_ request: Request) async throws -> Response {
        guard let form = try? await FormInput.read(request, limit: 16 * 1024), form.oversizedBytes == nil,
              csrf.isValid(token: form.fields[CSRFProtection.fieldName], cookieHeader: request.headers[.cookie]) else {
            return renderer.message(title: strings["error.csrf_title"], message: strings["error.csrf"], status: .forbidden)
        }
        let signedOut = signInPath + "?signed-out=1"
        guard let session = try await sessions.current(request, kind) else {
            return PageRenderer.redirect(signedOut, cookies: [sessions.clearingCookie(kind)])
        }
        let cookie = try await sessions.end(session, everywhere: form.fields["everywhere"] == "yes")
        return PageRenderer.redirect(signedOut, cookies: [cookie])
    }

    func render(_ request: Request, login: String, problem: String?, notice: String? = nil, next: String? = nil,
                status: HTTPResponse.Status = .ok) -> Response {
        var values: [String: Any] = [
            "title": text("sign_in_title"), "intro": text("sign_in_intro"), "action": signInPath,
            "loginLabel": text("login_label"), "passwordLabel": text("password_label"), "submit": text("sign_in_submit"),
            "login": login, navKey: true,
        ]
        if let problem { values["problem"] = problem }
        if let notice { values["notice"] = notice }
        if let next { values["next"] = next }
        return renderer.formPage("sign_in", values, request: request, csrf: csrf, status: status)
    }

    private func text(_ id: String) -> String { strings["\(stringPrefix).\(id)"] }
}
