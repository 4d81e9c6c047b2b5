import Foundation
import Hummingbird
import Logging
import VitaAPI
import VitaCore
import VitaStorage

/// Vita's web interface: server-rendered pages on the same router as the Learner API, getting their data only
/// through the API layer (``LearnerAPI``, called in process as the signed-in person), never from storage; the one
/// thing pages keep in the database themselves is who is signed in (``WebSessions``). The verifier page (`/verify`)
/// and the learner's wallet (`/wallet`) share one renderer, strings table, CSRF protection and set of headers.
public struct WebInterface: Sendable {
    let renderer: PageRenderer
    let verifyPage: VerifyPage
    let requestPage: PresentationRequestPage
    let walletPages: WalletPages
    let consolePages: ConsolePages

    /// Loads the templates, strings and stylesheet. `database` keeps the sign-in sessions; `vault` signs CSRF tokens
    /// (any node with the same master key checks them); `secureCookies` adds `Secure` to cookies (behind https);
    /// `maxUploadSize` bounds uploads.
    public init(api: LearnerAPI, database: VitaDatabase, vault: KeyVault, secureCookies: Bool, maxUploadSize: Int = 1 << 20,
                clock: @escaping @Sendable () -> Date = { Date() }) async throws {
        let renderer = try await PageRenderer.load()
        let csrf = CSRFProtection(vault: vault, secureCookies: secureCookies, clock: clock)
        self.renderer = renderer
        self.verifyPage = VerifyPage(renderer: renderer, csrf: csrf, verification: api.verification,
                                     maxUploadSize: maxUploadSize)
        self.requestPage = PresentationRequestPage(renderer: renderer, csrf: csrf, api: WalletAPIClient(inProcess: api.inProcess))
        self.walletPages = WalletPages(renderer: renderer, csrf: csrf,
                                       sessions: WebSessions(database: database, secureCookies: secureCookies, clock: clock),
                                       signIn: LearnerSignIn(database: database, clock: { Timestamp.truncated(clock()) }),
                                       api: api.inProcess,
                                       screens: WalletScreens(renderer: renderer, csrf: csrf,
                                                              api: WalletAPIClient(inProcess: api.inProcess),
                                                              verification: api.verification, maxUploadSize: maxUploadSize),
                                       share: SharePage(renderer: renderer, csrf: csrf, api: WalletAPIClient(inProcess: api.inProcess),
                                                        verification: api.verification))
        self.consolePages = ConsolePages(renderer: renderer, csrf: csrf,
                                         sessions: WebSessions(database: database, secureCookies: secureCookies, clock: clock),
                                         signIn: StaffSignIn(database: database, clock: { Timestamp.truncated(clock()) }),
                                         api: api.inProcess, script: try ConsolePages.loadScript(),
                                         maxUploadSize: maxUploadSize)
    }

    /// Adds the pages and the stylesheet to `router`.
    public func register(on router: Router<VitaRequestContext>) {
        let verifyPage = verifyPage
        let renderer = renderer
        router.getAndHead("/") { _, _ in
            Response(status: .seeOther, headers: [.location: "/verify"])
        }
        router.getAndHead("/verify") { request, _ in verifyPage.show(request) }
        router.post("/verify") { request, _ in await verifyPage.submit(request) }
        let requestPage = requestPage
        router.post("/verify/request") { request, context in await requestPage.bound(to: context).create(request) }
        router.getAndHead("/verify/requests/:token") { request, context in
            await requestPage.bound(to: context).show(request, token: context.parameters.get("token") ?? "")
        }
        walletPages.register(on: router)
        consolePages.register(on: router)
        router.getAndHead("/static/vita.css") { _, _ in renderer.stylesheetResponse() }
    }
}

/// Builds the Vita server: the Learner API and the web interface on one router.
public func buildWebApplication(database: VitaDatabase, vault: KeyVault, options: ServerOptions, logger: Logger)
    async throws -> some ApplicationProtocol {
    let api = LearnerAPI(database: database, vault: vault, options: options)
    let web = try await WebInterface(api: api, database: database, vault: vault,
                                     secureCookies: options.publicBaseURL.hasPrefix("https:"),
                                     maxUploadSize: options.maxBodySize)
    web.register(on: api.router)
    return Application(router: api.router,
                       configuration: .init(address: .hostname(options.host, port: options.port), serverName: "Vita"),
                       services: api.services(logger: logger), logger: logger)
}
