import Foundation
import HTTPTypes
import Logging
import NIOCore
import Hummingbird
import ServiceLifecycle
import Testing
import VitaAPI
import VitaCore
import VitaExchange
import VitaResolution
import VitaStorage
import VitaTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A real Vita server on a loopback port with its own database, for tests where two Vitas talk to each other.
struct LiveVita: Sendable {
    let baseURL: String
    let adminKey: String
    let database: VitaDatabase
    let http: ResolutionHTTPClient
    /// Every reply of this server is held to its OpenAPI document, as the in-process harness's are.
    let conformance: DocumentConformance

    /// The outbound policy of the tests: plain http to loopback only.
    static let loopbackPolicy = ResolutionConfiguration(allowInsecureHTTPForHosts: ["127.0.0.1"], timeout: .seconds(20))

    /// Runs `body` with a fresh server on `engine`. The server talks to other loopback servers (connections, the
    /// wallet's answers to verifiers) and accepts loopback registrations.
    static func run(_ engine: TestEngine, _ body: @escaping @Sendable (LiveVita) async throws -> Void) async throws {
        let http = ResolutionHTTPClient(configuration: loopbackPolicy)
        do {
            try await TestDatabase.with(engine) { test in
                let id = EntityID.make("adm")
                let (key, hash) = APIKeys.make(ownerId: id)
                try await test.database.transaction { try await $0.insertAdminKey(id: id, keyHash: hash, at: Date()) }
                // The server's own URL is in its options (issuer ids, redirects), so its port is chosen before it starts.
                try await serve(on: freePort) { port, onRunning in
                    let baseURL = "http://127.0.0.1:\(port)"
                    let options = ServerOptions(host: "127.0.0.1", port: port, publicBaseURL: baseURL,
                                                platformClient: OneEdTechClient(http: http), allowsLoopbackClients: true,
                                                walletClient: http)
                    let api = LearnerAPI(database: test.database, vault: try KeyVault(base64: KeyVault.generateMasterKey()),
                                         options: options)
                    let app = Application(router: api.router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                                          onServerRunning: onRunning)
                    return (app, LiveVita(baseURL: baseURL, adminKey: key, database: test.database, http: http,
                                          conformance: DocumentConformance.shared(document: api.openAPIDocument)))
                } _: { _, vita in
                    try await body(vita)
                }
            }
        } catch {
            try await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    /// Runs `body` with an outbound client of the tests' policy (plain http to loopback only), shut down after it.
    static func withLoopbackClient(_ body: (ResolutionHTTPClient) async throws -> Void) async throws {
        let http = ResolutionHTTPClient(configuration: loopbackPolicy)
        do {
            try await body(http)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    /// Serves `router` on a free loopback port for the length of `body`, which gets the server's base URL (a stand-in
    /// for another party: a system's raw data, a CASE server).
    static func serving(_ router: Router<BasicRequestContext>,
                        _ body: @escaping @Sendable (String) async throws -> Void) async throws {
        try await serve(on: { 0 }) { port, onRunning in
            (Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                         onServerRunning: onRunning), ())
        } _: { port, _ in
            try await body("http://127.0.0.1:\(port)")
        }
    }

    /// Runs the server that `make` builds for a port from `port()` until `body` — given the port it listens on and
    /// what `make` returned beside the server — is done, then shuts it down gracefully (as on SIGTERM).
    ///
    /// A server that stops before it listens (its port taken since ``freePort()`` read it: a connection of the same
    /// process may have been given it) is built again on another port, three times at most; its error is thrown then.
    /// Nothing waits for a start that will not come.
    static func serve<Context>(
        on port: () throws -> Int,
        _ make: (_ port: Int, _ onRunning: @escaping @Sendable (any Channel) async -> Void) throws -> (any Service, Context),
        _ body: (_ port: Int, Context) async throws -> Void
    ) async throws {
        for attempt in 1...3 {
            let requested = try port()
            let (started, signal) = AsyncStream<Int>.makeStream()
            let (server, context) = try make(requested) { channel in signal.yield(channel.localAddress?.port ?? requested) }
            let services = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [],
                                                             logger: Logger(label: "vita.test.server")))
            let served = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { signal.finish() }
                    try await services.run()
                }
                var listening: Int?
                for await port in started {
                    listening = port
                    break
                }
                guard let listening else {
                    do {
                        try await group.waitForAll()
                    } catch {
                        if attempt < 3 { return false }
                        throw error
                    }
                    Issue.record("the server on port \(requested) stopped before it listened, without an error")
                    return true
                }
                do {
                    try await body(listening, context)
                } catch {
                    await services.triggerGracefulShutdown()
                    throw error
                }
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return true
            }
            if served { return }
        }
    }

    /// A port nothing listens on now (bound to port 0, read, released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound, "no free loopback port")
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Sends a request; `url` is absolute or a path on this server.
    @discardableResult
    func send(_ method: String, _ url: String, key: String? = nil, json: Any? = nil, form: [String: String]? = nil,
              raw: String? = nil, headers extra: [(String, String)] = [],
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> LiveReply {
        var headers = extra
        var body = raw.map { Array($0.utf8) }
        if let key { headers.append(("Authorization", key.hasPrefix("Basic ") ? key : "Bearer \(key)")) }
        if let json {
            headers.append(("Content-Type", "application/json"))
            body = Array(try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
        } else if let form {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = Array(form.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                .joined(separator: "&").utf8)
        }
        let response = try await http.send(OutboundRequest(method: method, url: url.hasPrefix("http") ? url : baseURL + url,
                                                           headers: headers, body: body))
        let reply = LiveReply(status: response.status, headers: response.headers, body: Data(response.body))
        if !url.hasPrefix("http") || url.hasPrefix(baseURL + "/") {
            var fields = HTTPFields()
            for (name, value) in response.headers { if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) } }
            conformance.check(method: method, uri: url.hasPrefix("http") ? String(url.dropFirst(baseURL.count)) : url, request: body,
                              reply: Reply(status: reply.status, headers: fields, body: reply.body), sourceLocation: sourceLocation)
        }
        return reply
    }

    func admin(_ method: String, _ path: String, json: Any? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> LiveReply {
        try await send(method, path, key: adminKey, json: json, sourceLocation: sourceLocation)
    }
}

/// A response from a live server.
struct LiveReply: Sendable {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: Data

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    subscript(_ key: String) -> Any? { json[key] }
    var string: String { String(decoding: body, as: UTF8.self) }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
}

/// A learner's browser at a Vita's consent page: reads the form, signs in, approves or denies.
enum LiveBrowser {
    /// Opens `authorizationURL`, signs in as `login` and answers; returns where the server redirects the browser.
    static func authorize(_ server: LiveVita, _ authorizationURL: String, login: String, password: String,
                          decision: String = "approve") async throws -> String {
        let page = try await server.send("GET", authorizationURL)
        #expect(page.status == 200, "\(page.string.prefix(300))")
        func field(_ name: String) throws -> String {
            let marker = "name=\"\(name)\" value=\""
            let range = try #require(page.string.range(of: marker))
            return String(page.string[range.upperBound...].prefix { $0 != "\"" })
        }
        let cookie = String(try #require(page.header("Set-Cookie")).prefix { $0 != ";" })
        let answer = try await server.send("POST", "/oauth/authorize", form: [
            "pending": try field("pending"), "csrf_token": try field("csrf_token"), "login": login, "password": password,
            "decision": decision,
        ], headers: [("Cookie", cookie)])
        #expect(answer.status == 303, "\(answer.string.prefix(300))")
        return try #require(answer.header("Location"))
    }
}
