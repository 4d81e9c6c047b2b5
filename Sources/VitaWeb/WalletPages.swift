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
        signInPages.register(on: router)
        router.getAndHead("/wallet") { request, context in try await pages.home(request, context) }
        WalletRouting(screens: screens, share: share, sessions: sessions, signInPages: signInPages).register(on: router)
    }

    // MARK: Signing in and out

    /// The sign-in and sign-out pages for learners, checked against the learner accounts.
    var signInPages: SignInPages {
        let sessions = sessions
        let signIn = signIn
        return SignInPages(kind: .learner, home: "/wallet", stringPrefix: "wallet", navKey: "navWallet", renderer: renderer,
                           csrf: csrf, sessions: sessions) { login, password, secret in
            let outcome = try await signIn.attempt(login: login, password: password, action: "web.signin") { tx, account, at in
                try await tx.insert(sessions.record(.learner, secret: secret, subjectId: account.learnerId, at: at))
                try await tx.appendAudit(AuditEntry(occurredAt: at, actor: .init(kind: .learner, id: account.learnerId),
                                                    action: "web.signin", learnerId: account.learnerId, categories: [],
                                                    agreementId: nil, outcome: .allowed, reason: nil))
            }
            switch outcome {
            case .signedIn: return .signedIn
            case .wrong: return .wrong
            case .locked: return .locked
            }
        }
    }

    // MARK: Pages

    /// The answer to a page request without a live session: to the sign-in page, dropping a stale cookie.
    var toSignIn: Response { signInPages.toSignIn }

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
        renderer.formPage(template, values, request: request, csrf: csrf, status: status)
    }
}
