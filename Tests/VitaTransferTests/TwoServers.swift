import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VitaAPI
import VitaCore
import VitaJSON
import VitaPeer
import VitaStorage
import VitaTestSupport

/// A response as the tests read it.
struct Reply: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: Data

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    subscript(_ key: String) -> Any? { json[key] }
    var string: String { String(decoding: body, as: UTF8.self) }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
}

/// One real Vita server on a loopback port with its own database and administrator key.
struct Server: Sendable {
    let client: any TestClientProtocol
    let adminKey: String
    let database: VitaDatabase
    let origin: String

    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: Any? = nil,
              headers extra: [String: String] = [:]) async throws -> Reply {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(key ?? adminKey)"
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
        }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
        }
    }
}

enum Servers {
    /// Starts a Vita on a fresh database on an ephemeral loopback port and runs `body` with it.
    static func vita(_ engine: TestEngine, publicBaseURL: String, peerClient: PeerHTTPClient? = nil,
                     clock: TestClock = TestClock(), _ body: @escaping @Sendable (Server) async throws -> Void) async throws {
        try await TestDatabase.with(engine) { test in
            let id = EntityID.make("adm")
            let (key, hash) = APIKeys.make(ownerId: id)
            try await test.database.transaction { try await $0.insertAdminKey(id: id, keyHash: hash, at: Date()) }
            let api = LearnerAPI(database: test.database, vault: try KeyVault(base64: KeyVault.generateMasterKey()),
                                 options: ServerOptions(publicBaseURL: publicBaseURL, peerClient: peerClient),
                                 clock: { clock.now })
            let app = Application(router: api.router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let port = try #require(client.port)
                try await body(Server(client: client, adminKey: key, database: test.database, origin: "http://127.0.0.1:\(port)"))
            }
        }
    }

    /// A loopback proxy to `target` that changes the `name` of the first credential in every `/badges` answer.
    static func tamperingProxy(to target: String, client: PeerHTTPClient,
                               _ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        @Sendable func forward(_ request: Request, _ method: PeerMethod) async throws -> Response {
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            var headers: [(String, String)] = []
            for name in [HTTPField.Name.authorization, .contentType, .accept] {
                if let value = request.headers[name] { headers.append((name.rawName, value)) }
            }
            let path = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            let answer = try await client.send(method, target + path, headers: headers,
                                               body: method == .post ? Array(bytes.readableBytesView) : nil)
            var out = answer.body
            if request.uri.path.hasSuffix("/badges"), answer.status == 200,
               case .object(var page)? = try? JSONValue(parsing: answer.body),
               case .array(var items)? = page["items"], case .object(var first)? = items.first,
               case .object(var credential)? = first["verifiableCredential"] {
                credential["name"] = .string("Tampered in transit")
                first["verifiableCredential"] = .object(credential)
                items[0] = .object(first)
                page["items"] = .array(items)
                out = JSONValue.object(page).serialized()
            }
            var responseHeaders = HTTPFields()
            responseHeaders[.contentType] = answer.mediaType ?? "application/json"
            return Response(status: .init(code: answer.status), headers: responseHeaders,
                            body: .init(byteBuffer: ByteBuffer(bytes: out)))
        }
        router.get("**") { request, _ in try await forward(request, .get) }
        router.post("**") { request, _ in try await forward(request, .post) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { proxy in
            try await body("http://127.0.0.1:\(try #require(proxy.port))")
        }
    }
}

/// Runs the built `vita` executable off the cooperative threads.
enum VitaExecutable {
    static let url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vita")

    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String, error: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let process = Process()
                    process.executableURL = url
                    process.arguments = arguments
                    var env = ProcessInfo.processInfo.environment
                    env["VITA_API_KEY"] = nil
                    for (name, value) in environment { env[name] = value }
                    process.environment = env
                    let output = Pipe(), error = Pipe()
                    process.standardOutput = output
                    process.standardError = error
                    process.standardInput = FileHandle.nullDevice
                    try process.run()
                    // A command still running after two minutes is killed: the test fails on its status, not by hanging.
                    let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
                    DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(120), execute: watchdog)
                    defer { watchdog.cancel() }
                    let out = output.fileHandleForReading.readDataToEndOfFile()
                    let err = error.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: (process.terminationStatus, String(decoding: out, as: UTF8.self),
                                                    String(decoding: err, as: UTF8.self)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
