import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import VitaCore
import VitaCredentials
import VitaExchange
import VitaIssuance
import VitaPeer
import VitaResolution
import VitaStorage

/// Options of the Learner API server.
public struct ServerOptions: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port to listen on.
    public var port: Int
    /// The largest accepted request body, in bytes (1 MiB by default).
    public var maxBodySize: Int
    /// The URL clients reach Vita at (behind a proxy or load balancer: its public https URL). Status list URLs and
    /// organizations' `did:web`s are built from it; `http://<host>:<port>` when not given.
    public var publicBaseURL: String
    /// Resolves verification methods of other issuers for `POST /credentials/verify`, after this server's own
    /// (default: did:key only, offline; `vita serve` passes VitaResolution's did:web/https resolver unless resolution
    /// is offline).
    public var verificationMethodResolver: any VerificationMethodResolver
    /// Fetches other issuers' status lists for `POST /credentials/verify`, after this server's own (default `nil`:
    /// only this server's lists are checked).
    public var statusListResolver: (any StatusListResolver)?
    /// The terms of service the 1EdTech Service Description Documents name (`info.termsOfService`, required there);
    /// the API documentation page when not given.
    public var termsOfServiceURL: String
    /// The privacy policy the Service Description Documents name (`info.x-imssf-privacyPolicyUrl`, required there);
    /// the API documentation page when not given.
    public var privacyPolicyURL: String
    /// Talks to other platforms' 1EdTech APIs for learners' connections (`vita serve` passes one built on VitaResolution's
    /// outbound policy); nil: connections answer 503 and Vita makes no outbound requests for them.
    public var platformClient: OneEdTechClient?
    /// Accepts dynamic registrations whose URIs are plain http on a loopback host (RFC 8252 §7.3): development and tests
    /// only; production registrations need https.
    public var allowsLoopbackClients: Bool
    /// Contacts peer Vitas for record transfers (`POST /api/v1/transfers`); nil answers transfers with 503. The
    /// caller owns the client and shuts it down.
    public var peerClient: PeerHTTPClient?
    /// Requests per caller (API key owner, OAuth client, else remote address); `.off` disables. Per node: with N
    /// nodes a caller gets up to N times this (docs/SECURITY.md).
    public var rateLimit: RateLimit
    /// Learner sign-in (`POST /oauth/authorize`) and `POST /oauth/token` per remote address; `.off` disables.
    public var signInRateLimit: RateLimit
    /// The most token buckets each limit keeps in memory (least recently used are evicted beyond it).
    public var rateLimitBuckets: Int
    /// Take the remote address from the last `X-Forwarded-For` entry: only behind a proxy that sets it.
    public var trustForwardedFor: Bool
    /// Fetches a record's raw data from where its system said it lives, for the wallet's digest check
    /// (`GET /api/v1/me/records/{recordId}/raw-data-check`), under VitaResolution's outbound policy; nil: the check
    /// answers "could not be checked" and Vita makes no request.
    public var rawDataClient: ResolutionHTTPClient?
    /// Vita's wallet's requests to other verifiers and issuers — answers to OpenID4VP requests
    /// (`POST /api/v1/me/presentations`), OpenID4VCI offers claimed (`/api/v1/me/received-offers`) — under
    /// VitaResolution's outbound policy; nil: those endpoints answer 503 and Vita makes no request.
    public var walletClient: ResolutionHTTPClient?
    /// Fetches competency framework packages from CASE servers (`POST /api/v1/competency-frameworks` with a
    /// `packageURL`) under VitaResolution's outbound policy; nil: such imports answer 503 (a package in the body still
    /// imports).
    public var frameworkClient: ResolutionHTTPClient?
    /// Seconds after which an unfinished bulk issuance job that no worker moved counts as stalled (its node stopped)
    /// and is resumed by the next node's sweep (`BackgroundSweep.stalledJobs`, every half of it); 0 leaves stalled
    /// jobs to the resume endpoint.
    public var stalledJobTimeout: TimeInterval
    /// Seconds between purges of expired OAuth codes, tokens, web sessions and idempotency keys; 0 disables.
    public var oauthPurgeInterval: TimeInterval
    /// Seconds a response stored for an `Idempotency-Key` is replayed; older ones are purged with the other expired
    /// data (a day by default).
    public var idempotencyWindow: TimeInterval
    /// Posts connected systems' change notifications (`docs/CHANGES.md`) under VitaResolution's outbound policy; nil:
    /// none are posted and setting where they go answers 503.
    public var notificationClient: ResolutionHTTPClient?
    /// Seconds between rounds of posting the change notifications that are due; 0 disables them.
    public var changeNotificationInterval: TimeInterval
    /// Serves the process's metrics at `GET /metrics` to scrapers with its token, and measures every request; nil
    /// (the default): neither (`vita serve` sets it when `VITA_METRICS_TOKEN` is set).
    public var metrics: MetricsExposition?

    /// Creates options.
    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodySize: Int = 1 << 20, publicBaseURL: String? = nil,
                verificationMethodResolver: any VerificationMethodResolver = DIDKeyResolver(),
                statusListResolver: (any StatusListResolver)? = nil, termsOfServiceURL: String? = nil,
                privacyPolicyURL: String? = nil, platformClient: OneEdTechClient? = nil, allowsLoopbackClients: Bool = false,
                peerClient: PeerHTTPClient? = nil, rateLimit: RateLimit = .standardPerCaller,
                signInRateLimit: RateLimit = .standardSignIn, rateLimitBuckets: Int = 100_000,
                trustForwardedFor: Bool = false, rawDataClient: ResolutionHTTPClient? = nil, walletClient: ResolutionHTTPClient? = nil,
                frameworkClient: ResolutionHTTPClient? = nil, stalledJobTimeout: TimeInterval = 120, oauthPurgeInterval: TimeInterval = 3600,
                idempotencyWindow: TimeInterval = 86_400, notificationClient: ResolutionHTTPClient? = nil,
                changeNotificationInterval: TimeInterval = 5, metrics: MetricsExposition? = nil) {
        self.host = host
        self.port = port
        self.maxBodySize = maxBodySize
        self.publicBaseURL = publicBaseURL ?? "http://\(host):\(port)"
        self.verificationMethodResolver = verificationMethodResolver
        self.statusListResolver = statusListResolver
        self.termsOfServiceURL = termsOfServiceURL ?? self.publicBaseURL + "/docs"
        self.privacyPolicyURL = privacyPolicyURL ?? self.publicBaseURL + "/docs"
        self.platformClient = platformClient
        self.allowsLoopbackClients = allowsLoopbackClients
        self.peerClient = peerClient
        self.rateLimit = rateLimit
        self.signInRateLimit = signInRateLimit
        self.rateLimitBuckets = rateLimitBuckets
        self.trustForwardedFor = trustForwardedFor
        self.rawDataClient = rawDataClient
        self.walletClient = walletClient
        self.frameworkClient = frameworkClient
        self.stalledJobTimeout = stalledJobTimeout
        self.oauthPurgeInterval = oauthPurgeInterval
        self.idempotencyWindow = idempotencyWindow
        self.notificationClient = notificationClient
        self.changeNotificationInterval = changeNotificationInterval
        self.metrics = metrics
    }
}

/// The router of the Learner API with its OpenAPI document, built from one catalog of operations.
public struct LearnerAPI {
    /// The router to serve.
    public let router: Router<VitaRequestContext>
    /// The OpenAPI 3.1 document (JSON) describing exactly the routes of `router`.
    public let openAPIDocument: Data
    /// The verification behind `POST /credentials/verify`, for the web verifier page.
    public let verification: CredentialVerification
    /// The API's routes alone (built before any page is added), for pages' in-process calls.
    public let inProcess: InProcessAPI
    /// Issues bulk issuance jobs' rows in the background; resumes jobs whose node stopped.
    public let issuanceJobWorker: IssuanceJobWorker
    /// Posts connected systems' change notifications in the background; nil without a `notificationClient`.
    public let changeNotifier: ChangeNotifier?
    let database: VitaDatabase
    let options: ServerOptions

    /// Builds the routes on `database`; `vault` seals the organizations' signing keys. `clock` is injectable for tests.
    public init(database: VitaDatabase, vault: KeyVault, options: ServerOptions = .init(),
                clock: @escaping @Sendable () -> Date = { Date() }) {
        let router = Router(context: VitaRequestContext.self)
        let limits = RateLimiting(options: options, clock: clock)
        // Outermost, so that each request's count and duration carry the status it was finally answered with.
        if options.metrics != nil { router.add(middleware: MetricsMiddleware()) }
        router.add(middleware: ResponseHeadersMiddleware())
        router.add(middleware: ConditionalRequestMiddleware())
        router.add(middleware: ProblemMiddleware())
        let gate = AccessGate(database: database, clock: clock)
        let catalog = RouteCatalog(router: router, audits: gate.audits, clock: clock, maxBodySize: options.maxBodySize)
        // The metrics endpoint checks its own scrape token: it is added before the API's authentication (a router's
        // middleware applies to the routes added after it).
        options.metrics?.register(in: catalog)
        router.add(middleware: AuthenticationMiddleware(database: database, tokens: BearerTokens(database: database, clock: clock),
                                                        limits: limits))
        router.add(middleware: RateLimitMiddleware(limits: limits))
        let reader = RequestReader(maxBodySize: options.maxBodySize)
        let idempotency = Idempotency(vault: vault, window: options.idempotencyWindow)
        AdminRoutes(database: database, gate: gate, reader: reader, idempotency: idempotency).register(in: catalog)
        LearnerRoutes(database: database, gate: gate, reader: reader, idempotency: idempotency).register(in: catalog)
        ChangeRoutes(database: database, gate: gate, reader: reader).register(in: catalog)
        ChangeNotificationRoutes(database: database, gate: gate, reader: reader, vault: vault, client: options.notificationClient)
            .register(in: catalog)
        XAPIRoutes(database: database, gate: gate, reader: reader).register(in: catalog)
        CompetencyFrameworkRoutes(database: database, gate: gate, reader: reader, idempotency: idempotency,
                                  client: options.frameworkClient, maxBodySize: options.maxBodySize).register(in: catalog)
        let issuer = CredentialIssuer(database: database, vault: vault, publicBaseURL: options.publicBaseURL, clock: clock)
        let credentialRoutes = CredentialRoutes(database: database, gate: gate, reader: reader, idempotency: idempotency, issuer: issuer,
                                                remoteResolver: options.verificationMethodResolver,
                                                remoteStatusResolver: options.statusListResolver)
        credentialRoutes.register(in: catalog)
        StaffRoutes(database: database, gate: gate, reader: reader, idempotency: idempotency).register(in: catalog)
        let worker = IssuanceJobWorker(database: database, issuer: issuer, clock: clock)
        IssuanceJobRoutes(database: database, gate: gate, reader: reader, idempotency: idempotency, worker: worker).register(in: catalog)
        self.issuanceJobWorker = worker
        self.changeNotifier = options.notificationClient.map {
            ChangeNotifier(database: database, vault: vault, client: $0, feedURL: options.publicBaseURL + "/api/v1/changes",
                           clock: clock)
        }
        self.database = database
        self.options = options
        self.verification = credentialRoutes.verification
        OneEdTechRoutes(database: database, gate: gate, reader: reader, options: options,
                        verifier: credentialRoutes.verifier).register(in: catalog)
        ConnectionRoutes(database: database, gate: gate, reader: reader, vault: vault, options: options,
                         verifier: credentialRoutes.verifier).register(in: catalog)
        WalletRoutes(database: database, gate: gate, reader: reader, options: options,
                     verifier: credentialRoutes.verifier).register(in: catalog)
        WalletProvenanceRoutes(database: database, reader: reader, client: options.rawDataClient, clock: clock).register(in: catalog)
        WalletDownloadRoutes(database: database, reader: reader).register(in: catalog)
        let holderKeys = HolderKeys(database: database, vault: vault, clock: clock)
        WalletPresentationRoutes(database: database, gate: gate, reader: reader, holderKeys: holderKeys,
                                 verifier: credentialRoutes.verifier, client: options.walletClient, clock: clock).register(in: catalog)
        WalletOfferClaimRoutes(gate: gate, reader: reader, holderKeys: holderKeys, verifier: credentialRoutes.verifier,
                               client: options.walletClient, clock: clock).register(in: catalog)
        let presentationRequests = PresentationRequestRoutes(database: database, reader: reader, options: options,
                                                             verifier: credentialRoutes.verifier, clock: clock)
        presentationRequests.register(in: catalog)
        let credentialOffers = CredentialOfferRoutes(database: database, gate: gate, reader: reader, options: options)
        credentialOffers.register(in: catalog)
        ExchangeRoutes(reader: reader, offers: credentialOffers, requests: presentationRequests).register(in: catalog)
        OAuthRoutes(database: database, gate: gate, reader: reader, idempotency: idempotency, issuer: options.publicBaseURL,
                    allowsLoopbackClients: options.allowsLoopbackClients, credentialOffers: credentialOffers).register(in: catalog)
        TransferRoutes(database: database, gate: gate, reader: reader, idempotency: idempotency, vault: vault, client: options.peerClient,
                       verifier: credentialRoutes.verifier).register(in: catalog)

        catalog.add(Operation(method: .get, path: "/health", operationId: "health", summary: "Liveness",
                              tag: "Service", access: .open, query: [], headers: [], requestSchema: nil,
                              success: (200, "Health"), errors: [])) { _, _ in
            try APIJSON.response(DTO.Health(status: "ok"))
        }
        catalog.add(Operation(method: .get, path: "/ready", operationId: "ready",
                              summary: "Readiness: the database answers", tag: "Service", access: .open, query: [],
                              headers: [], requestSchema: nil, success: (200, "Health"), errors: [503])) { _, _ in
            do {
                _ = try await database.withConnection { try await $0.raw("SELECT 1 AS one").first() }
            } catch {
                throw Problem(status: 503, title: "Service Unavailable", detail: "the database does not answer")
            }
            return try APIJSON.response(DTO.Health(status: "ready"))
        }
        catalog.add(Operation(method: .get, path: "/logo.svg", operationId: "logo",
                              summary: "Vita's logo (named in its registrations at other platforms)", tag: "Service",
                              access: .open, query: [], headers: [], requestSchema: nil, success: (200, nil), errors: [],
                              successMediaTypes: ["image/svg+xml"])) { _, _ in
            Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "public, max-age=86400"],
                     body: .init(byteBuffer: ByteBuffer(string: Self.logo)))
        }
        // The document lists itself and /docs too, so it is built after those two are added.
        let documentBox = DocumentBox()
        catalog.add(Operation(method: .get, path: "/openapi.json", operationId: "openAPIDocument",
                              summary: "This OpenAPI document", tag: "Service", access: .open, query: [], headers: [],
                              requestSchema: nil, success: (200, nil), errors: [])) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(bytes: documentBox.bytes)))
        }
        catalog.add(Operation(method: .get, path: "/docs", operationId: "apiDocs", summary: "Interactive API documentation",
                              tag: "Service", access: .open, query: [], headers: [], requestSchema: nil,
                              success: (200, nil), errors: [], successMediaTypes: ["text/html"])) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8",
                                            .contentSecurityPolicy: OpenAPIDocument.docsPolicy],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.docsPage(catalog.operations))))
        }
        catalog.answerUndeclaredMethods()
        let document = OpenAPIDocument.build(catalog.operations)
        documentBox.bytes = document
        self.router = router
        self.openAPIDocument = document
        self.inProcess = InProcessAPI(responder: router.buildResponder())
    }
}

extension LearnerAPI {
    /// The background services every node runs beside the server (attach them to the `Application`), logging to
    /// `logger`: the sweep for stalled bulk issuance jobs, the purge of expired OAuth artefacts and the change
    /// notifications, each unless its interval in `ServerOptions` is 0.
    public func services(logger: Logger) -> [any Service] {
        var services: [any Service] = []
        if options.stalledJobTimeout > 0 {
            services.append(BackgroundSweep.stalledJobs(issuanceJobWorker, idleFor: options.stalledJobTimeout, logger: logger))
        }
        if options.oauthPurgeInterval > 0 {
            services.append(BackgroundSweep.expiryPurge(database, every: options.oauthPurgeInterval,
                                                        idempotencyWindow: options.idempotencyWindow, logger: logger))
        }
        if options.changeNotificationInterval > 0, let changeNotifier {
            services.append(BackgroundSweep.changeNotifications(changeNotifier, every: options.changeNotificationInterval,
                                                                logger: logger))
        }
        return services
    }

    /// A plain mark: a rounded square with a "V".
    static let logo = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" aria-label="Vita">\
        <rect width="64" height="64" rx="12" fill="#1f5f8b"/>\
        <path d="M16 16 L32 50 L48 16" fill="none" stroke="#fff" stroke-width="7" stroke-linejoin="round"/></svg>
        """
}

/// Builds the Vita server application.
public func buildApplication(database: VitaDatabase, vault: KeyVault, options: ServerOptions, logger: Logger)
    -> some ApplicationProtocol {
    let api = LearnerAPI(database: database, vault: vault, options: options)
    return Application(router: api.router,
                       configuration: .init(address: .hostname(options.host, port: options.port), serverName: "Vita"),
                       services: api.services(logger: logger), logger: logger)
}

/// Holds the document bytes, set once before the server starts.
final class DocumentBox: @unchecked Sendable {
    var bytes = Data()
}
