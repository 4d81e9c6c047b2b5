import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import VitaAPI
import VitaCore
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
    var contentType: String? { headers[.contentType] }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
}

/// Drives the real router of the Learner API on a fresh database.
struct APIHarness: Sendable {
    let client: any TestClientProtocol
    let adminKey: String
    let database: VitaDatabase
    /// The background worker of the API under test (bulk issuance jobs).
    let issuanceJobWorker: IssuanceJobWorker
    /// Every reply is checked against the published OpenAPI document.
    let conformance: DocumentConformance
    /// Posts the API's change notifications (nil without a peer client in the options).
    var changeNotifier: ChangeNotifier? = nil

    /// Runs `body` against the real router on a fresh database on `engine`; `clock` and `options` are injectable
    /// (`options` replaces `maxBodySize` when given; without it rate limiting is off, since tests call in bursts).
    /// `live` serves on a loopback port with the API's background services running, as `vita serve` does.
    static func run(_ engine: TestEngine, maxBodySize: Int = 1 << 20,
                    clock: @escaping @Sendable () -> Date = { Date() }, options: ServerOptions? = nil, live: Bool = false,
                    _ body: @escaping @Sendable (APIHarness) async throws -> Void) async throws {
        try await TestDatabase.with(engine) { test in
            let id = EntityID.make("adm")
            let (key, hash) = APIKeys.make(ownerId: id)
            try await test.database.transaction { try await $0.insertAdminKey(id: id, keyHash: hash, at: Date()) }
            let api = LearnerAPI(database: test.database, vault: try KeyVault(base64: KeyVault.generateMasterKey()),
                                 options: options ?? .init(maxBodySize: maxBodySize, rateLimit: .off,
                                                                          signInRateLimit: .off),
                                 clock: clock)
            addStaffRoute(api)
            let worker = api.issuanceJobWorker
            let notifier = api.changeNotifier
            let conformance = DocumentConformance.shared(document: api.openAPIDocument)
            var quiet = Logger(label: "vita.test")
            quiet.logLevel = .warning
            let app = Application(router: api.router, services: live ? api.services(logger: quiet) : [], logger: quiet)
            try await app.test(live ? .live : .router) { client in
                try await body(APIHarness(client: client, adminKey: key, database: test.database, issuanceJobWorker: worker,
                                          conformance: conformance, changeNotifier: notifier))
            }
        }
    }

    /// A test-only route that makes the issuer console's in-process call as a staff member: the request's method, path
    /// and staff account travel in the headers below, its body and other headers are passed on.
    static let staffRoute = "/test/as-staff"
    static let staffHeader = "X-Test-Staff"
    static let methodHeader = "X-Test-Method"
    static let pathHeader = "X-Test-Path"

    static func addStaffRoute(_ api: LearnerAPI) {
        let inProcess = api.inProcess
        api.router.post(RouterPath(staffRoute)) { request, context in
            guard let staffId = request.headers[HTTPField.Name(staffHeader)!],
                  let method = request.headers[HTTPField.Name(methodHeader)!].map(HTTPRequest.Method.init(_:)) ?? nil,
                  let path = request.headers[HTTPField.Name(pathHeader)!] else { return Response(status: .badRequest) }
            var request = request
            let bytes = Array(try await request.collectBody(upTo: 1 << 24).readableBytesView)
            var passed = HTTPFields()
            for field in request.headers where !field.name.rawName.lowercased().hasPrefix("x-test-")
                && ![.contentType, .contentLength].contains(field.name) {
                passed.append(field)
            }
            let answer = await inProcess.call(method, path, body: bytes.isEmpty ? nil : bytes,
                                              contentType: bytes.isEmpty ? nil : request.headers[.contentType], headers: passed,
                                              as: .staff(staffId: staffId), context: context)
            return Response(status: answer.status, headers: answer.headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
    }

    /// Sends a request through the router; the reply is checked against the OpenAPI document (an issue is recorded at
    /// the caller's line when it departs from it). The body is `json` serialized, `raw` text or `bytes` as they are,
    /// sent as `application/json` unless `headers` names another type.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: Any? = nil, raw: String? = nil,
              bytes: [UInt8]? = nil, headers extra: [String: String] = [:],
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> Reply {
        var headers = HTTPFields()
        if let key { headers[.authorization] = "Bearer \(key)" }
        var body: ByteBuffer?
        if let json {
            // Sorted keys: the same value must give the same bytes (Idempotency-Key compares request digests).
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
        } else if let raw {
            body = ByteBuffer(string: raw)
        } else if let bytes {
            body = ByteBuffer(bytes: bytes)
        }
        if body != nil { headers[.contentType] = "application/json" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let reply = try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
        }
        conformance.check(method: method.rawValue, uri: uri, request: body.map { Array($0.readableBytesView) }, reply: reply,
                          sourceLocation: sourceLocation)
        return reply
    }

    func admin(_ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, headers: [String: String] = [:],
               sourceLocation: SourceLocation = #_sourceLocation) async throws -> Reply {
        try await send(method, uri, key: adminKey, json: json, headers: headers, sourceLocation: sourceLocation)
    }

    /// An organization, a system with its key, and an agreement of the given shape.
    struct World: Sendable {
        let organizationId: String
        let systemId: String
        let systemKey: String
        let agreementId: String
    }

    func world(categories: [String] = ["affiliations", "experiences", "competencies", "credentials", "employment"],
               permissions: [String] = ["read", "write"], consentRequired: Bool = false, status: String = "active",
               extraProfileAgreement: Bool = true) async throws -> World {
        let organization = try await admin(.post, "/api/v1/organizations", json: ["name": "Riverside University", "kind": "university"])
        let organizationId = organization["id"] as! String
        let system = try await admin(.post, "/api/v1/systems",
                                     json: ["organizationId": organizationId, "name": "Registrar SIS", "kind": "sis"])
        let systemId = (system["system"] as! [String: Any])["id"] as! String
        let agreement = try await admin(.post, "/api/v1/agreements", json: [
            "providerOrganizationId": organizationId, "consumerSystemId": systemId, "categories": categories,
            "permissions": permissions, "purpose": "Registrar sync", "consentRequired": consentRequired, "status": status,
        ])
        #expect(agreement.status == 201, "\(agreement.string)")
        if extraProfileAgreement {
            let profile = try await admin(.post, "/api/v1/agreements", json: [
                "providerOrganizationId": organizationId, "consumerSystemId": systemId, "categories": ["profile"],
                "permissions": ["read"], "purpose": "Advising", "consentRequired": consentRequired, "status": status,
            ])
            #expect(profile.status == 201)
        }
        return World(organizationId: organizationId, systemId: systemId, systemKey: system["apiKey"] as! String,
                     agreementId: agreement["id"] as! String)
    }

    func learner(key: String) async throws -> String {
        let reply = try await send(.post, "/api/v1/learners", key: key,
                                   json: ["name": ["given": "Ada", "family": "Lovelace", "display": "Ada Lovelace"],
                                          "identifiers": [["scheme": "institutional", "value": "S-1001"]]])
        #expect(reply.status == 201, "\(reply.string)")
        return reply["id"] as! String
    }

    /// Every item of the paged list at `path` (which has no query yet), read `limit` at a time by following
    /// `nextCursor` as `key`; records an issue when a page fails, holds more than `limit` items, or the walk does not
    /// end within 100 pages.
    func walk(_ path: String, key: String, limit: Int,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> (items: [[String: Any]], pages: Int) {
        var items: [[String: Any]] = []
        var cursor: String?
        for pages in 1...100 {
            let query = "?limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await send(.get, path + query, key: key, sourceLocation: sourceLocation)
            #expect(page.status == 200 && page.items.count <= limit, "\(path): \(page.string.prefix(300))",
                    sourceLocation: sourceLocation)
            guard page.status == 200 else { return (items, pages) }
            items += page.items
            cursor = page["nextCursor"] as? String
            if cursor == nil { return (items, pages) }
        }
        Issue.record("\(path): still a next page after 100", sourceLocation: sourceLocation)
        return (items, 100)
    }

    /// Records a learning experience for `learner` as `world`'s system, expecting it to be created.
    @discardableResult
    func recordExperience(_ world: World, learner: String, source: String, title: String = "Algorithms", credits: Double = 4,
                          sourceLocation: SourceLocation = #_sourceLocation) async throws -> Reply {
        let reply = try await send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                   json: Self.experience(world.organizationId, source: source, title: title, credits: credits),
                                   sourceLocation: sourceLocation)
        #expect(reply.status == 201, "\(reply.string)", sourceLocation: sourceLocation)
        return reply
    }

    static func experience(_ organizationId: String, source: String, title: String = "Algorithms", credits: Double = 4) -> [String: Any] {
        ["record": ["organizationId": organizationId, "kind": "course", "title": title, "status": "completed",
                    "startDate": "2025-01-10", "endDate": "2025-05-10", "credits": credits],
         "provenance": ["sourceRecordId": source, "rawDataURI": "sis://enrolments/\(source)"]]
    }
}
