import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import VitaCredentials
import VitaJSON
@testable import VitaResolution

/// What the loopback test server answers for one path.
struct Served: Sendable {
    enum Body: Sendable {
        /// A fixed body.
        case bytes([UInt8])
        /// `chunks` × 64 KiB, then a stall of `stall` before finishing (size-cap tests);
        /// `declaredLength` sets Content-Length.
        case stream(chunks: Int, stall: Duration, declaredLength: Int?)
    }

    var status: HTTPResponse.Status = .ok
    var contentType = "application/json"
    var cacheControl: String?
    var location: String?
    var delay: Duration?
    var body: Body

    static func json(_ value: JSONValue, contentType: String = "application/json", cacheControl: String? = nil) -> Served {
        Served(contentType: contentType, cacheControl: cacheControl, body: .bytes(Array(value.serialized())))
    }

    static func text(_ text: String, contentType: String) -> Served {
        Served(contentType: contentType, body: .bytes(Array(text.utf8)))
    }

    static func redirect(to location: String) -> Served {
        Served(status: .found, location: location, body: .bytes([]))
    }
}

/// A real HTTP server on a loopback port (Hummingbird): serves what a test puts at a path
/// and counts the requests per path.
final class TestServer: Sendable {
    private let routes = Mutex<[String: Served]>([:])
    private let counts = Mutex<[String: Int]>([:])
    let port: Int

    init(port: Int) { self.port = port }

    /// `http://127.0.0.1:<port>`.
    var origin: String { "http://127.0.0.1:\(port)" }
    /// The did:web domain part, `127.0.0.1%3A<port>`.
    var didWebDomain: String { "127.0.0.1%3A\(port)" }

    func serve(_ path: String, _ served: Served) { routes.withLock { $0[path] = served } }

    func requests(_ path: String) -> Int { counts.withLock { $0[path] ?? 0 } }

    var totalRequests: Int { counts.withLock { $0.values.reduce(0, +) } }

    func respond(_ path: String) async throws -> Response {
        counts.withLock { $0[path, default: 0] += 1 }
        guard let served = routes.withLock({ $0[path] }) else { return Response(status: .notFound) }
        if let delay = served.delay { try await Task.sleep(for: delay) }
        var headers = HTTPFields()
        headers[.contentType] = served.contentType
        if let cacheControl = served.cacheControl { headers[.cacheControl] = cacheControl }
        if let location = served.location { headers[.location] = location }
        switch served.body {
        case .bytes(let bytes):
            return Response(status: served.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .stream(let chunks, let stall, let declared):
            return Response(status: served.status, headers: headers, body: ResponseBody(contentLength: declared) { writer in
                let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 64 * 1024)
                for _ in 0..<chunks { try await writer.write(chunk) }
                try await Task.sleep(for: stall)
                try await writer.finish(nil)
            })
        }
    }

    /// Runs `body` with a fresh server on an ephemeral loopback port.
    static func with(_ body: @Sendable @escaping (TestServer) async throws -> Void) async throws {
        let box = ServerBox()
        let router = Router()
        router.get("**") { request, _ -> Response in
            guard let server = box.server.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return try await server.respond(request.uri.path)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let server = TestServer(port: try #require(client.port))
            box.server.withLock { $0 = server }
            try await body(server)
        }
    }
}

/// Hands the server (known once the port is) to the route handler.
final class ServerBox: Sendable {
    let server = Mutex<TestServer?>(nil)
}

/// A settable clock for cache expiry.
final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

extension ResolutionConfiguration {
    /// The test policy: plain http to the loopback server.
    static func loopback(timeout: Duration = .seconds(20), maxResponseBytes: Int = 1 << 20, offline: Bool = false) -> Self {
        ResolutionConfiguration(offline: offline, allowInsecureHTTPForHosts: ["127.0.0.1"], timeout: timeout,
                                maxResponseBytes: maxResponseBytes)
    }
}

/// Runs `body` with a client that is always shut down afterwards.
func withClient(_ configuration: ResolutionConfiguration = .loopback(), clock: TestClock? = nil,
                _ body: (ResolutionHTTPClient) async throws -> Void) async throws {
    let now: @Sendable () -> Date
    if let clock { now = { clock.now } } else { now = { Date() } }
    let client = ResolutionHTTPClient(configuration: configuration, now: now)
    do {
        try await body(client)
    } catch {
        try await client.shutdown()
        throw error
    }
    try await client.shutdown()
}

/// The ResolutionError a throwing call ends with (nil if it succeeds or throws something else).
func resolutionError<T>(_ body: () async throws -> T) async -> ResolutionError? {
    do {
        _ = try await body()
        return nil
    } catch let error as ResolutionError {
        return error
    } catch {
        return nil
    }
}

/// Fixtures: keys, DID documents, credentials.
enum Fixtures {
    static let now = XSDDateTime.parse("2026-06-01T12:00:00Z")!
    static let issuerKey = try! Ed25519KeyPair(seed: Array(repeating: 11, count: 32))
    static let otherKey = try! Ed25519KeyPair(seed: Array(repeating: 12, count: 32))

    /// A DID document for `did` with `#key-1` (Multikey, assertionMethod by relative reference)
    /// and, optionally, more entries.
    static func didDocument(_ did: String, key: Ed25519KeyPair = issuerKey, id: String? = nil,
                            relationships: [String] = ["assertionMethod", "authentication"]) -> JSONValue {
        var o = JSONObject()
        o["@context"] = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
        o["id"] = .string(id ?? did)
        o["verificationMethod"] = [[
            "id": .string("\(did)#key-1"), "type": "Multikey", "controller": .string(did),
            "publicKeyMultibase": .string(key.publicKeyMultibase),
        ]]
        for name in relationships { o[name] = ["#key-1"] }
        return .object(o)
    }

    static func sign(_ doc: JSONValue, key: Ed25519KeyPair = issuerKey, method: String) throws -> JSONValue {
        try DataIntegrity.addProof(to: doc, options: ProofOptions(cryptosuite: .eddsaRdfc2022, verificationMethod: method),
                                   signer: key, now: now)
    }

    /// A VC 2.0 credential by `issuer`, signed with `method`.
    static func credential(
        issuer: String, method: String, status: JSONValue? = nil, key: Ed25519KeyPair = issuerKey,
        contexts: [String] = ["https://www.w3.org/ns/credentials/v2"]
    ) throws -> JSONValue {
        var o = JSONObject()
        o["@context"] = .array(contexts.map(JSONValue.string))
        o["id"] = "urn:uuid:5f0c2b8e-3d4a-4e1f-8b6a-2c9d7e1f0a34"
        o["type"] = ["VerifiableCredential"]
        o["issuer"] = .string(issuer)
        o["validFrom"] = "2026-01-01T00:00:00Z"
        o["credentialSubject"] = ["id": "did:example:learner"]
        if let status { o["credentialStatus"] = status }
        return try sign(.object(o), key: key, method: method)
    }
}
