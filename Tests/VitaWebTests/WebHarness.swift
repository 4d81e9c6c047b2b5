import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VitaAPI
import VitaCore
import VitaResolution
import VitaStorage
import VitaTestSupport
import VitaWeb

/// A response as the web tests read it.
struct Page: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: Data

    var html: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }

    /// The page's CSRF token (the hidden form field).
    var csrfToken: String? {
        guard let range = html.range(of: #"name="csrf_token" value="([^"]+)""#, options: .regularExpression) else { return nil }
        return String(html[range].dropFirst(#"name="csrf_token" value=""#.count).dropLast())
    }

    /// The `name=value` of the CSRF cookie the page sets.
    var csrfCookie: String? { cookie("vita_csrf") }

    /// The `name=value` of cookie `name` among those the response sets.
    func cookie(_ name: String) -> String? {
        headers[values: .setCookie].lazy.compactMap { $0.split(separator: ";").first.map(String.init) }
            .first { $0.hasPrefix(name + "=") }
    }

    /// The whole `Set-Cookie` value for cookie `name`.
    func setCookie(_ name: String) -> String? {
        headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
    }
}

/// One part of a multipart form.
enum FormPart {
    case field(String, String)
    case file(String, filename: String, contentType: String, bytes: [UInt8])
}

/// Drives the real router (Learner API + web interface) on a fresh database (SQLite unless `engine` says otherwise).
struct WebHarness: Sendable {
    let client: any TestClientProtocol
    let adminKey: String
    let database: VitaDatabase
    /// The web interface's routes (method, path with `{parameter}` segments), without the API's.
    let pageRoutes: [(method: String, path: String)]
    /// Posts change notifications when a test runs a round (with a `notificationClient`; no round runs by itself).
    let changeNotifier: ChangeNotifier?

    static func run(_ engine: TestEngine = .sqlite, maxUploadSize: Int = 1 << 20, rateLimited: Bool = true,
                    notificationClient: ResolutionHTTPClient? = nil,
                    clock: @escaping @Sendable () -> Date = { Date() },
                    _ body: @escaping @Sendable (WebHarness) async throws -> Void) async throws {
        try await TestDatabase.with(engine) { test in
            let id = EntityID.make("adm")
            let (key, hash) = APIKeys.make(ownerId: id)
            try await test.database.transaction { try await $0.insertAdminKey(id: id, keyHash: hash, at: Date()) }
            let vault = try KeyVault(base64: KeyVault.generateMasterKey())
            let options = ServerOptions(maxBodySize: maxUploadSize, rateLimit: rateLimited ? .standardPerCaller : .off,
                                        signInRateLimit: rateLimited ? .standardSignIn : .off,
                                        notificationClient: notificationClient, changeNotificationInterval: 0)
            let api = LearnerAPI(database: test.database, vault: vault, options: options, clock: clock)
            let web = try await WebInterface(api: api, database: test.database, vault: vault, secureCookies: false,
                                             maxUploadSize: maxUploadSize, clock: clock)
            let apiRoutes = Set(api.router.routes.map(\.description))
            web.register(on: api.router)
            // HEAD is each page's GET answer without the body: the pages are swept by their GET.
            let pageRoutes = api.router.routes.filter { !apiRoutes.contains($0.description) && $0.method != .head }
                .map { ($0.method.rawValue, $0.path.description) }
            let notifier = api.changeNotifier
            let app = Application(router: api.router)
            try await app.test(.router) { client in
                try await body(WebHarness(client: client, adminKey: key, database: test.database, pageRoutes: pageRoutes,
                                          changeNotifier: notifier))
            }
        }
    }

    func get(_ uri: String, cookie: String? = nil, method: HTTPRequest.Method = .get) async throws -> Page {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: method, headers: headers, body: nil) { response in
            Page(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
        }
    }

    /// Submits a URL-encoded form, as a browser does for forms without files.
    func post(_ uri: String, form: [(String, String)], cookie: String?) async throws -> Page {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let text = form.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: text)) { response in
            Page(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
        }
    }

    func post(_ uri: String, parts: [FormPart], cookie: String?) async throws -> Page {
        let boundary = "----vita-test-\(UUID().uuidString)"
        var body = ByteBuffer()
        for part in parts {
            body.writeString("--\(boundary)\r\n")
            switch part {
            case .field(let name, let value):
                body.writeString("Content-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
            case .file(let name, let filename, let contentType, let bytes):
                body.writeString("Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\n")
                body.writeString("Content-Type: \(contentType)\r\n\r\n")
                body.writeBytes(bytes)
                body.writeString("\r\n")
            }
        }
        body.writeString("--\(boundary)--\r\n")
        var headers = HTTPFields()
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: body) { response in
            Page(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
        }
    }

    /// Opens the form, then submits `parts` with its token and cookie, as a browser does.
    func submitVerify(_ parts: [FormPart]) async throws -> Page {
        let form = try await get("/verify")
        let token = try #require(form.csrfToken)
        return try await post("/verify", parts: [.field("csrf_token", token)] + parts, cookie: form.csrfCookie)
    }

    func api(_ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, headers extra: HTTPFields = [:]) async throws -> Page {
        var headers = extra
        headers[.authorization] = "Bearer \(adminKey)"
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            Page(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
        }
    }

    /// An organization with a signing key, and a credential it issued (JSON text).
    func issue(name: String = "Algorithms", issuerImage: String? = nil) async throws -> String {
        let organization = try await api(.post, "/api/v1/organizations", json: ["name": "Riverside University", "kind": "university"])
        let organizationId = try #require(organization.json["id"] as? String)
        #expect(try await api(.post, "/api/v1/organizations/\(organizationId)/keys").status == 201)
        var issuer: [String: Any] = ["type": ["Profile"], "name": "Riverside University"]
        if let issuerImage { issuer["image"] = ["id": issuerImage, "type": "Image"] }
        let credential: [String: Any] = [
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": name, "validFrom": "2026-01-01T00:00:00Z",
            "issuer": issuer,
            "credentialSubject": ["id": "did:example:learner", "type": ["AchievementSubject"],
                                  "achievement": ["id": "https://riverside.example/achievements/cs-230", "type": ["Achievement"],
                                                  "name": name, "description": "Completed the course",
                                                  "criteria": ["narrative": "Pass the course"]]],
        ]
        let issued = try await api(.post, "/credentials/issue",
                                   json: ["credential": credential, "options": ["organizationId": organizationId]])
        #expect(issued.status == 201, "\(issued.html)")
        let signed = try #require(issued.json["verifiableCredential"])
        return String(decoding: try JSONSerialization.data(withJSONObject: signed), as: UTF8.self)
    }
}
