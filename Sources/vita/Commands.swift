import ArgumentParser
import Foundation
import Hummingbird
import Metrics
import Prometheus
import VitaAPI
import VitaCore
import VitaExchange
import VitaPeer
import VitaResolution
import VitaStorage
import VitaWeb

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Learner API server (migrates the database first).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Largest accepted request body in bytes.") var maxBodySize = 1 << 20
    @OptionGroup var publicURL: PublicURLOption
    @OptionGroup var storage: StorageOptions
    @Option(help: "Terms of service URL named in the 1EdTech service descriptions (or VITA_TERMS_URL; default: /docs).")
    var termsURL: String?
    @Option(help: "Privacy policy URL named in the 1EdTech service descriptions (or VITA_PRIVACY_URL; default: /docs).")
    var privacyURL: String?
    @Option(help: "Requests per second per caller (API key owner, OAuth client, else address); 0 disables (default: $VITA_RATE_LIMIT, else 50).")
    var rateLimit: Double?
    @Option(help: "Requests a caller may send at once (default: $VITA_RATE_BURST, else 100).")
    var rateBurst: Int?
    @Option(help: "Sign-in and token requests per second per address; 0 disables (default: $VITA_SIGNIN_RATE_LIMIT, else 1).")
    var signInRateLimit: Double?
    @Option(help: "Sign-in and token requests an address may send at once (default: $VITA_SIGNIN_RATE_BURST, else 20).")
    var signInRateBurst: Int?
    @Flag(help: "Take the client address from the last X-Forwarded-For entry (only behind a proxy that sets it; also $VITA_TRUST_FORWARDED_FOR=true).")
    var trustForwardedFor = false
    @Option(help: "Seconds between purges of expired OAuth codes and tokens, web sessions and idempotency keys; 0 disables (default: $VITA_OAUTH_PURGE_INTERVAL, else 3600).")
    var oauthPurgeInterval: Int?
    @Option(help: "Seconds between rounds of posting connected systems' change notifications; 0 disables (default: $VITA_CHANGE_NOTIFICATION_INTERVAL, else 5).")
    var changeNotificationInterval: Int?
    @Option(help: "Seconds after which an unfinished bulk issuance job no node is working on is resumed by this one; 0 disables (default: $VITA_STALLED_JOB_TIMEOUT, else 120).")
    var stalledJobTimeout: Int?
    @Option(help: "Seconds a response stored for an Idempotency-Key is replayed, then purged; at least 60 (default: $VITA_IDEMPOTENCY_WINDOW, else 86400).")
    var idempotencyWindow: Int?

    /// A limit from the option, else the environment, else the default; refuses negative or malformed values.
    static func limit(rate: Double?, burst: Int?, rateName: String, burstName: String, default standard: RateLimit,
                      environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RateLimit {
        func number<T: LosslessStringConvertible>(_ given: T?, _ name: String, _ fallback: T) throws -> T {
            if let given { return given }
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let value = T(text) else { throw CommandFailure("\(name) must be a number") }
            return value
        }
        let rate = try number(rate, rateName, standard.rate)
        let burst = try number(burst, burstName, standard.burst)
        guard rate >= 0, rate.isFinite, burst >= 0 else { throw CommandFailure("rate limits must be 0 or more") }
        return rate == 0 ? .off : RateLimit(rate: rate, burst: max(1, burst))
    }

    func run() async throws {
        try await reportingFailures {
            guard (1...65535).contains(port) else { throw CommandFailure("--port must be from 1 to 65535") }
            let environment = ProcessInfo.processInfo.environment
            let terms = termsURL ?? environment["VITA_TERMS_URL"]
            let privacy = privacyURL ?? environment["VITA_PRIVACY_URL"]
            for (name, value) in [("--terms-url", terms), ("--privacy-url", privacy)] {
                if let value, !URLCheck.isAbsolute(value) { throw CommandFailure("\(name) must be an absolute URL") }
            }
            // Development only: accept plain-http loopback URIs in dynamic client registrations (RFC 8252 §7.3).
            let loopbackClients = ["1", "true", "yes", "on"].contains(environment["VITA_ALLOW_LOOPBACK_CLIENTS"]?.lowercased() ?? "")
            let base = try publicURL.resolve(default: "http://\(host):\(port)")
            guard maxBodySize > 0 else { throw CommandFailure("--max-body-size must be positive") }
            let rateLimits = (caller: try Self.limit(rate: rateLimit, burst: rateBurst, rateName: "VITA_RATE_LIMIT",
                                                     burstName: "VITA_RATE_BURST", default: .standardPerCaller),
                              signIn: try Self.limit(rate: signInRateLimit, burst: signInRateBurst,
                                                     rateName: "VITA_SIGNIN_RATE_LIMIT", burstName: "VITA_SIGNIN_RATE_BURST",
                                                     default: .standardSignIn))
            let trustsForwarding = trustForwardedFor
                || ["true", "1", "yes", "on"].contains(environment["VITA_TRUST_FORWARDED_FOR"]?.lowercased() ?? "")
            let purgeInterval = try Self.seconds(oauthPurgeInterval, "--oauth-purge-interval", "VITA_OAUTH_PURGE_INTERVAL",
                                                 environment, default: 3600, minimum: 0)
            let stallTimeout = try Self.seconds(stalledJobTimeout, "--stalled-job-timeout", "VITA_STALLED_JOB_TIMEOUT",
                                                environment, default: 120, minimum: 0)
            let window = try Self.seconds(idempotencyWindow, "--idempotency-window", "VITA_IDEMPOTENCY_WINDOW",
                                          environment, default: 86_400, minimum: 60)
            let notificationInterval = try Self.seconds(changeNotificationInterval, "--change-notification-interval",
                                                        "VITA_CHANGE_NOTIFICATION_INTERVAL", environment, default: 5, minimum: 0)
            let metrics = try Self.metrics(environment["VITA_METRICS_TOKEN"])
            let logger = makeLogger("vita")
            let location = try storage.location()
            let vault = try storage.keyVault()
            let resolutionConfiguration = try Resolution.configuration(offline: false)
            let database = try await storage.open(logger: logger)
            let resolution = ResolutionHTTPClient(configuration: resolutionConfiguration)
            let peers = PeerHTTPClient()
            logger.info("Vita serving on http://\(host):\(port) with \(location)")
            logger.info("Network resolution of did:web, https keys and status lists is \(resolution.configuration.offline ? "off (VITA_OFFLINE_RESOLUTION)" : "on")")
            let options = ServerOptions(host: host, port: port, maxBodySize: maxBodySize, publicBaseURL: base,
                                        verificationMethodResolver: resolution.verificationMethodResolver,
                                        statusListResolver: resolution.statusListResolver,
                                        termsOfServiceURL: terms, privacyPolicyURL: privacy,
                                        platformClient: resolution.configuration.offline ? nil : OneEdTechClient(http: resolution),
                                        allowsLoopbackClients: loopbackClients, peerClient: peers, rateLimit: rateLimits.caller,
                                        signInRateLimit: rateLimits.signIn, trustForwardedFor: trustsForwarding,
                                        rawDataClient: resolution, walletClient: resolution, frameworkClient: resolution, stalledJobTimeout: TimeInterval(stallTimeout),
                                        oauthPurgeInterval: TimeInterval(purgeInterval),
                                        idempotencyWindow: TimeInterval(window),
                                        notificationClient: resolution.configuration.offline ? nil : resolution,
                                        changeNotificationInterval: TimeInterval(notificationInterval), metrics: metrics)
            logger.info("Rate limits: \(Self.describe(options.rateLimit)) per caller, \(Self.describe(options.signInRateLimit)) for sign-in and tokens per address")
            do {
                // The Learner API and the web interface (VitaWeb) on one router, with the API's background sweeps.
                let app = try await buildWebApplication(database: database, vault: vault, options: options, logger: logger)
                try await app.runService()
            } catch {
                try? await resolution.shutdown()
                try? await peers.shutdown()
                try? await database.shutdown()
                throw CommandFailure("the server stopped: \(error)")
            }
            try? await resolution.shutdown()
            try? await peers.shutdown()
            try await database.shutdown()
        }
    }
}

extension Serve {
    /// With a scrape token: the process's metrics go to a Prometheus registry that `GET /metrics` shows to scrapers
    /// with the token. Without one: no metrics are kept and the endpoint does not exist.
    /// A number of seconds from its option, else its environment variable, else `default`; at least `minimum`.
    static func seconds(_ option: Int?, _ flag: String, _ variable: String, _ environment: [String: String],
                        default standard: Int, minimum: Int) throws -> Int {
        let value = try option ?? environment[variable].map {
            guard let value = Int($0) else { throw CommandFailure("\(variable) must be whole seconds") }
            return value
        } ?? standard
        guard value >= minimum else { throw CommandFailure("\(flag) must be \(minimum) or more") }
        return value
    }

    static func metrics(_ token: String?) throws -> MetricsExposition? {
        guard let token, !token.isEmpty else { return nil }
        let registry = PrometheusCollectorRegistry()
        let exposition: MetricsExposition
        do {
            exposition = try MetricsExposition(registry: registry, token: token)
        } catch {
            throw CommandFailure("VITA_METRICS_TOKEN: \(error)")
        }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return exposition
    }

    static func describe(_ limit: RateLimit) -> String {
        limit.isEnabled ? "\(limit.rate)/s (burst \(limit.burst))" : "off"
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await reportingFailures {
            let applied = try await storage.withDatabase(migrating: false) { try await Migrations.run(on: $0) }
            print(applied.isEmpty ? "The schema is up to date (version \(Migrations.latestVersion))."
                                  : "Applied migrations \(applied.map(String.init).joined(separator: ", ")).")
        }
    }
}

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Administration.", subcommands: [Bootstrap.self])

    struct Bootstrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an administrator API key and print it once (only its hash is stored).")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await reportingFailures {
                let id = EntityID.make("adm")
                let (key, hash) = APIKeys.make(ownerId: id)
                try await storage.withDatabase { database in
                    try await database.transaction { tx in
                        try await tx.insertAdminKey(id: id, keyHash: hash, at: Timestamp.truncated(Date()))
                        _ = try await tx.appendAudit(AuditEntry(occurredAt: Date(), actor: .init(kind: .cli, id: "cli"),
                                                                action: "admin.bootstrap", learnerId: nil, categories: [],
                                                                agreementId: nil, outcome: .allowed, reason: nil))
                    }
                }
                print(key)
                FileHandle.standardError.write(Data("Store this administrator key now: it is not shown again.\n".utf8))
            }
        }
    }
}

struct Staff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Organizations' staff accounts for the issuer console.",
                                                    subcommands: [Create.self, Password.self])

    /// The password from VITA_STAFF_PASSWORD, else the first line of standard input (never an argument).
    static func readPassword() throws -> String {
        if let fromEnvironment = ProcessInfo.processInfo.environment["VITA_STAFF_PASSWORD"] { return fromEnvironment }
        if let line = readLine(strippingNewline: true) { return line }
        throw CommandFailure("give the password in VITA_STAFF_PASSWORD or on standard input")
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a staff account (role admin, issuer or auditor) of an organization, e.g. its first console user.",
            discussion: "The password is read from VITA_STAFF_PASSWORD, else from the first line of standard input; never from an argument, which other users could see.")
        @Option(help: "The organization's id (org_…).") var organization: String
        @Option(help: "The login name (stored lowercased, unique across Vita).") var login: String
        @Option(help: "admin (the organization's administrator), issuer or auditor.") var role: String
        @Option(help: "The name shown in the console (default: the login).") var displayName: String?
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await reportingFailures {
                let password = try Staff.readPassword()
                let account = try StaffRoutes.account(organizationId: organization, login: login, password: password,
                                                      role: role, displayName: displayName, now: Date())
                try await storage.withDatabase { database in
                    try await database.transaction { tx in
                        guard try await tx.organization(id: organization) != nil else {
                            throw CommandFailure("no organization \(organization)")
                        }
                        try await tx.insert(account)
                        try await tx.appendAudit(AuditEntry(occurredAt: Date(), actor: .init(kind: .cli, id: "cli"),
                                                            action: "staff.create", learnerId: nil, categories: [],
                                                            agreementId: nil, outcome: .allowed, reason: nil))
                    }
                }
                print(account.id)
            }
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "password",
            abstract: "Set a new password for a staff account (e.g. an administrator who forgot theirs): its lock is lifted and its console sessions end.",
            discussion: "The password is read from VITA_STAFF_PASSWORD, else from the first line of standard input; never from an argument, which other users could see.")
        @Option(help: "The account's login name.") var login: String
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await reportingFailures {
                let hash = try StaffRoutes.passwordHash(try Staff.readPassword(), field: "password")
                try await storage.withDatabase { database in
                    try await database.transaction { tx in
                        guard let account = try await tx.staffAccount(login: login.lowercased(), forUpdate: true) else {
                            throw CommandFailure("no staff account with that login")
                        }
                        let now = Timestamp.truncated(Date())
                        try await tx.setStaffPassword(accountId: account.id, passwordHash: hash, at: now)
                        try await tx.appendAudit(AuditEntry(occurredAt: now, actor: .init(kind: .cli, id: "cli"),
                                                            action: "staff.password.reset", learnerId: nil, categories: [],
                                                            agreementId: nil, outcome: .allowed, reason: "staff account \(account.id)"))
                    }
                }
                print("The password of \(login.lowercased()) was set; its sessions have ended.")
            }
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a learner's full record (every version) and profile as JSON.")
    @Option(help: "The learner's id.") var learner: String
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await reportingFailures {
            guard EntityID.isWellFormed(learner, prefix: "lrn") else { throw CommandFailure("--learner is not a learner id") }
            let learnerId = learner
            let output = try await storage.withDatabase { database in
                try await database.transaction { tx -> Data? in
                    guard let export = try await ExportDocument.load(tx, learnerId: learnerId, now: Date()) else { return nil }
                    try await tx.appendAudit(AuditEntry(occurredAt: Date(), actor: .init(kind: .cli, id: "cli"),
                                                        action: "learner.export", learnerId: learnerId,
                                                        categories: RecordCategory.allCases, agreementId: nil,
                                                        outcome: .allowed, reason: nil))
                    return try export.encoded()
                }
            }
            guard let output else { throw CommandFailure("no learner with this id") }
            FileHandle.standardOutput.write(output)
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
    }
}
