import Foundation
import Hummingbird
import VitaAPI
import VitaCore
import VitaJSON

/// The learner's wallet (`/wallet`): sign-in with the learner's account, sign-out (here or everywhere), and the
/// pages (``WalletScreens``, routed by ``WalletRouting``), which get every value through the API in process as the
/// signed-in learner (``InProcessAPI``), so that they show exactly what the learner's own token would reach; and the
/// public share page (``SharePage``).
struct WalletPages: Sendable {
    let renderer: PageRenderer
    let csrf: CSRFProtection
    let sessions: WebSessions
    let signIn: LearnerSignIn
    let api: InProcessAPI
    let screens: WalletScreens
    let share: SharePage

    var strings: WebStrings { renderer.strings }

    func register(on router: Router<VitaRequestContext>) {
        let pages = self
        router.get("/wallet/sign-in") { request, _ in try await pages.showSignIn(request) }
        router.post("/wallet/sign-in") { request, _ in try await pages.submitSignIn(request) }
        router.post("/wallet/sign-out") { request, _ in try await pages.signOut(request) }
        router.get("/wallet") { request, context in try await pages.home(request, context) }
        WalletRouting(screens: screens, share: share, sessions: sessions).register(on: router)
    }

    // MARK: Signing in and out

    func showSignIn(_ request: Request) async throws -> Response {
        if try await sessions.current(request, .learner) != nil { return PageRenderer.redirect("/wallet") }
        let notice = request.uri.queryParameters["signed-out"] != nil ? strings["wallet.signed_out"] : nil
        return renderSignIn(request, login: "", problem: nil, notice: notice)
    }

    func submitSignIn(_ request: Request) async throws -> Response {
        guard let form = try? await FormInput.read(request, limit: 16 * 1024), form.oversizedBytes == nil else {
            return renderSignIn(request, login: "", problem: strings["input.bad_form"], status: .badRequest)
        }
        guard csrf.isValid(token: form.fields[CSRFProtection.fieldName], cookieHeader: request.headers[.cookie]) else {
            return renderer.message(title: strings["error.csrf_title"], message: strings["error.csrf"], status: .forbidden)
        }
        let login = (form.fields["login"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form.fields["password"] ?? ""
        guard !login.isEmpty, !password.isEmpty else {
            return renderSignIn(request, login: login, problem: strings["wallet.sign_in_missing"], status: .unprocessableContent)
        }
        let secret = WebSessions.newSecret()
        let sessions = sessions
        let outcome = try await signIn.attempt(login: login, password: password, action: "web.signin") { tx, account, at in
            try await tx.insert(sessions.record(.learner, secret: secret, subjectId: account.learnerId, at: at))
            try await tx.appendAudit(AuditEntry(occurredAt: at, actor: .init(kind: .learner, id: account.learnerId),
                                                action: "web.signin", learnerId: account.learnerId, categories: [],
                                                agreementId: nil, outcome: .allowed, reason: nil))
        }
        switch outcome {
        case .signedIn:
            return PageRenderer.redirect("/wallet", cookies: [sessions.setCookie(.learner, secret: secret)])
        case .wrong:
            return renderSignIn(request, login: login, problem: strings["wallet.sign_in_wrong"], status: .unauthorized)
        case .locked:
            return renderSignIn(request, login: login, problem: strings["wallet.sign_in_locked"], status: .tooManyRequests)
        }
    }

    func signOut(_ request: Request) async throws -> Response {
        guard let form = try? await FormInput.read(request, limit: 16 * 1024), form.oversizedBytes == nil,
              csrf.isValid(token: form.fields[CSRFProtection.fieldName], cookieHeader: request.headers[.cookie]) else {
            return renderer.message(title: strings["error.csrf_title"], message: strings["error.csrf"], status: .forbidden)
        }
        guard let session = try await sessions.current(request, .learner) else {
            return PageRenderer.redirect("/wallet/sign-in?signed-out=1", cookies: [sessions.clearingCookie(.learner)])
        }
        let cookie = try await sessions.end(session, everywhere: form.fields["everywhere"] == "yes")
        return PageRenderer.redirect("/wallet/sign-in?signed-out=1", cookies: [cookie])
    }

    func renderSignIn(_ request: Request, login: String, problem: String?, notice: String? = nil,
                      status: HTTPResponse.Status = .ok) -> Response {
        var values: [String: Any] = ["title": strings["wallet.sign_in_title"], "login": login, "navWallet": true]
        if let problem { values["problem"] = problem }
        if let notice { values["notice"] = notice }
        return withForm(request, "wallet_sign_in", values, status: status)
    }

    // MARK: Pages

    /// The answer to a page request without a live session: to the sign-in page, dropping a stale cookie.
    var toSignIn: Response {
        PageRenderer.redirect("/wallet/sign-in", cookies: [sessions.clearingCookie(.learner)])
    }

    func home(_ request: Request, _ context: VitaRequestContext) async throws -> Response {
        guard let session = try await sessions.current(request, .learner) else { return toSignIn }
        let me = await api.call(.get, "/api/v1/me", as: .learner(learnerId: session.subjectId), context: context)
        guard me.succeeded, let learner = me.json else {
            // The learner's record is gone (erased): the session goes too.
            let cookie = try await sessions.end(session, everywhere: true)
            return PageRenderer.redirect("/wallet/sign-in", cookies: [cookie])
        }
        return await screens.bound(to: context).home(request, learnerId: session.subjectId, me: learner)
    }

    /// Renders a page that holds forms: with a CSRF token (and the cookie it pairs with, when the browser has none).
    func withForm(_ request: Request, _ template: String, _ values: [String: Any],
                  status: HTTPResponse.Status = .ok) -> Response {
        guard let (token, setCookie) = try? csrf.issue(cookieHeader: request.headers[.cookie]) else {
            return renderer.message(title: strings["error.title"], message: strings["error.generic"], status: .internalServerError)
        }
        var values = values
        values["csrf"] = token
        return renderer.page(template, values, status: status, cookies: setCookie.map { [$0] } ?? [])
    }
}
