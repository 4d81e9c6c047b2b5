import Foundation
import HTTPTypes
import Testing
import VitaJSON
import VitaOAuth
import VitaTestSupport

/// Every operation of the published document, called with hostile input by every kind of caller: malformed and
/// mistyped bodies, bodies built from the operation's own schema with one property wrong at a time, hostile path
/// segments, query values and headers. Whatever the input, the answer is a documented status with a documented body
/// (the harness's conformance check), never a 500, and a 400 or 422 problem names the field and the reason.
struct HostileInputTests {
    /// The operations are swept in parts (`SweepParts`), each on a database of its own, so that the parts run side by side.
    @Test("every operation answers hostile bodies, path segments, query values and headers with a documented error, never a 500",
          arguments: TestEngine.available, SweepParts.all)
    func hostileInputNeverFails(_ engine: TestEngine, part: Int) async throws {
        try await APIHarness.run(engine) { api in
            let sweep = try await Sweep.prepare(api)
            #expect(sweep.operations.count > 100, "the sweep found the document's operations")
            for (index, operation) in sweep.operations.enumerated() where SweepParts.includes(index, in: part) {
                try await sweep.probe(operation)
            }
            let (broken, _) = try await api.database.verifyAuditChain()
            #expect(broken == nil, "the audit chain broke under hostile input")
        }
    }

    @Test("a NUL character in a JSON string, a query value or a form field is refused with 400 naming the field on both engines; an escaped backslash before u0000 is text",
          arguments: TestEngine.available)
    func nulCharactersAreRefused(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.send(.post, "/api/v1/learners", key: world.systemKey,
                                             raw: #"{"name":{"display":"Ada"},"identifiers":[{"scheme":"email","value":"a\u0000@example.org"}]}"#)
            #expect(learner.status == 400)
            #expect((learner["errors"] as? [[String: Any]])?.first?["field"] as? String == "identifiers[0].value")
            // `\\u0000` in JSON text is a backslash followed by "u0000": no NUL, and the learner is stored with it.
            let literal = try await api.send(.post, "/api/v1/learners", key: world.systemKey,
                                             raw: #"{"name":{"display":"Ada \\u0000 Lovelace"}}"#)
            #expect(literal.status == 201, "\(literal.string)")
            #expect((literal["name"] as? [String: Any])?["display"] as? String == "Ada \\u0000 Lovelace")
            let search = try await api.admin(.get, "/api/v1/organizations/\(world.organizationId)/credentials?search=a%00b")
            #expect(search.status == 400)
            #expect((search["errors"] as? [[String: Any]])?.first?["field"] as? String == "search")
            // The OAuth endpoints answer in OAuth's terms: a form field is invalid_request, a client id is invalid_client.
            let client = try await OAuthClientSteps.register(api)
            let token = try await client.form("/oauth/token", ["grant_type": "refresh_token", "refresh_token": "a\u{0}b"],
                                              authorization: client.basic)
            #expect(token.status == 400, "\(token.string)")
            #expect(token["error"] as? String == "invalid_request")
            let nulClient = try await client.form("/oauth/token", ["grant_type": "client_credentials"],
                                                  authorization: "Basic " + Data("cli_\u{0}:secret".utf8).base64EncodedString())
            #expect(nulClient.status == 401)
            #expect(nulClient["error"] as? String == "invalid_client")
            // Nothing was written for the refused requests.
            let learners = try await api.admin(.get, "/api/v1/learners")
            #expect(learners.items.count == 1)
        }
    }

    @Test("an optional member of the wrong type is refused naming it, never ignored; a null member is the same as an absent one")
    func wrongTypesAreRefused() async throws {
        try await APIHarness.run(.sqlite) { api in
            let presentation: [String: Any] = ["verifiablePresentation": ["type": ["VerifiablePresentation"]]]
            for (options, field) in [("x", "options"), (["challenge": 7], "options.challenge"),
                                     (["allowUnsigned": "yes"], "options.allowUnsigned")] as [(Any, String)] {
                let reply = try await api.send(.post, "/presentations/verify", json: presentation.merging(["options": options]) { $1 })
                #expect(reply.status == 400, "\(reply.string)")
                #expect((reply["errors"] as? [[String: Any]])?.first?["field"] as? String == field)
            }
            let nullOptions = try await api.send(.post, "/presentations/verify", json: presentation.merging(["options": NSNull()]) { $1 })
            #expect(nullOptions.status == 200, "\(nullOptions.string)")
            let token = try await Sweep.learnerToken(api)
            let wrong = try await api.send(.post, "/api/v1/me/erasure-requests", key: token, json: ["reason": ["text": "please"]])
            #expect(wrong.status == 400)
            #expect((wrong["errors"] as? [[String: Any]])?.first?["field"] as? String == "reason")
            let null = try await api.send(.post, "/api/v1/me/erasure-requests", key: token, json: ["reason": NSNull()])
            #expect(null.status == 202, "\(null.string)")
        }
    }
}

/// One operation of the document, as the sweep reads it.
private struct DocumentedOperation {
    let method: HTTPRequest.Method
    let path: String
    let query: [String]
    let headers: [String]
    /// The JSON body's schema, when the operation takes JSON.
    let jsonBody: JSONValue?
    let takesForm: Bool
}

private struct Sweep {
    let api: APIHarness
    let operations: [DocumentedOperation]
    let components: JSONValue
    /// The callers: none, an administrator, a connected system under agreements, a learner's token.
    let keys: [String?]
    /// Real identifiers for path parameters, so that a probe reaches the route's own validation.
    let identifiers: [String: String]

    static func prepare(_ api: APIHarness) async throws -> Sweep {
        let document = try JSONValue(parsing: Array(try await api.send(.get, "/openapi.json").body))
        var operations: [DocumentedOperation] = []
        if case .object(let paths)? = document["paths"] {
            for (path, entries) in paths.members {
                guard case .object(let entries) = entries else { continue }
                for (method, operation) in entries.members {
                    var query: [String] = []
                    var headers: [String] = []
                    if case .array(let parameters)? = operation["parameters"] {
                        for parameter in parameters {
                            guard case .string(let name)? = parameter["name"] else { continue }
                            if parameter["in"] == .string("query") { query.append(name) }
                            if parameter["in"] == .string("header") { headers.append(name) }
                        }
                    }
                    let content = operation["requestBody"]?["content"]
                    operations.append(DocumentedOperation(
                        method: HTTPRequest.Method(method.uppercased())!, path: path, query: query, headers: headers,
                        jsonBody: content?["application/json"]?["schema"],
                        takesForm: content?["application/x-www-form-urlencoded"] != nil))
                }
            }
        }
        let world = try await api.world()
        let learnerId = try await api.learner(key: world.systemKey)
        let record = try await api.send(.post, "/api/v1/learners/\(learnerId)/experiences", key: world.systemKey,
                                        json: APIHarness.experience(world.organizationId, source: "hostile-1"))
        let learnerToken = try await Self.learnerToken(api)
        return Sweep(api: api, operations: operations.sorted { ($0.path, $0.method.rawValue) < ($1.path, $1.method.rawValue) },
                     components: document["components"] ?? .null,
                     keys: [nil, api.adminKey, world.systemKey, learnerToken],
                     identifiers: ["learnerId": learnerId, "organizationId": world.organizationId,
                                   "systemId": world.systemId, "agreementId": world.agreementId,
                                   "recordId": record["id"] as? String ?? "exp_1"])
    }

    /// A learner's access token with every scope Vita grants.
    static func learnerToken(_ api: APIHarness) async throws -> String {
        try await OAuthAPITests.learnerAccount(api)
        let scopes = OAuthScope.all.map(\.description).joined(separator: " ")
        var registration = OAuthClientSteps.registration
        registration["scope"] = scopes
        let client = try await OAuthClientSteps.register(api, registration)
        let answered = try await client.answer(try await client.page(verifier: OAuthAPITests.verifier, scope: scopes))
        let code = try #require(try OAuthClientSteps.query(answered)["code"])
        let tokens = try await client.exchange(code, verifier: OAuthAPITests.verifier)
        return try #require(tokens["access_token"] as? String)
    }

    func probe(_ operation: DocumentedOperation) async throws {
        let real = PathTemplate.fill(operation.path) { identifiers[$0] ?? PathTemplate.placeholder(for: $0) }
        for key in keys {
            for segment in Self.hostileSegments where operation.path.contains("{") {
                try await send(operation, PathTemplate.fill(operation.path) { _ in segment }, key: key, body: Self.emptyObject(operation))
            }
            for value in Self.hostileQueryValues {
                for name in operation.query {
                    try await send(operation, real + "?\(name)=\(value)", key: key, body: Self.emptyObject(operation))
                }
            }
            for (name, value) in Self.hostileHeaders(operation) {
                try await send(operation, real, key: key, body: Self.emptyObject(operation), headers: [name: value])
            }
            guard operation.method != .get else { continue }
            for body in Self.malformedBodies {
                try await send(operation, real, key: key, body: body)
            }
            if operation.takesForm {
                for form in ["%", "a=%ZZ", String(repeating: "a=1&", count: 10_000), "=&=&&"] {
                    try await send(operation, real, key: key, body: Array(form.utf8),
                                   contentType: "application/x-www-form-urlencoded")
                }
            }
            // The operation's own schema with one property wrong at a time (only as the callers that reach it).
            // Updates carry the resource's current ETag, so that the body is what gets judged.
            if key != nil, let schema = operation.jsonBody {
                for body in mistyped(schema) {
                    var headers: [String: String] = [:]
                    if [.put, .patch].contains(operation.method),
                       let etag = try await api.send(.get, real, key: key).headers[.eTag] {
                        headers["If-Match"] = etag
                    }
                    try await send(operation, real, key: key, body: body.serialized(), headers: headers)
                }
            }
        }
    }

    @discardableResult
    func send(_ operation: DocumentedOperation, _ uri: String, key: String?, body: [UInt8]?,
              contentType: String = "application/json", headers extra: [String: String] = [:]) async throws -> Reply {
        var headers = extra
        if body != nil { headers["Content-Type"] = contentType }
        // The harness holds the reply to the document (a form body is not JSON, so its request is not checked).
        let reply = try await api.send(operation.method, uri, key: key, bytes: body, headers: headers)
        let what = "\(operation.method) \(operation.path) as \(key == nil ? "nobody" : "a caller"), \(uri.prefix(120))"
        #expect(reply.status < 500 || [502, 503].contains(reply.status), "\(what) answered \(reply.status): \(reply.string.prefix(300))")
        if [400, 422].contains(reply.status), reply.contentType?.hasPrefix("application/problem+json") == true {
            let errors = reply["errors"] as? [[String: Any]] ?? []
            #expect(!errors.isEmpty && errors.allSatisfy { !($0["field"] as? String ?? "").isEmpty && !($0["reason"] as? String ?? "").isEmpty },
                    "\(what) answered \(reply.status) without naming the field and the reason: \(reply.string.prefix(300))")
        }
        return reply
    }

    static func emptyObject(_ operation: DocumentedOperation) -> [UInt8]? {
        operation.method == .get || operation.method == .delete ? nil : Array("{}".utf8)
    }

    static let hostileSegments = [
        String(repeating: "a", count: 4096), "..%2F..%2Fetc%2Fpasswd", "%00", "lrn_%27%20OR%201%3D1--", "%F0%9F%92%A9",
        "%FF%FE", "lrn_", "_", "%20",
    ]

    static let hostileQueryValues = [
        "", "-1", "0", "abc", "1e400", "99999999999999999999", String(repeating: "z", count: 4096), "%FF", "%00",
        "2026-13-45T99%3A99%3A99Z", "true%27--", "%5B%5D",
    ]

    static func hostileHeaders(_ operation: DocumentedOperation) -> [(String, String)] {
        var headers = [("If-Match", "garbage"), ("If-Match", "W/\"1\""), ("If-Match", "\"999999999999999999999\""),
                       ("Accept", "application/x-nothing"), ("Authorization", "Bearer"), ("Authorization", "Bearer vk.x.y"),
                       ("Authorization", "Basic %%%"), ("Authorization", "Bearer vat_" + String(repeating: "A", count: 2000))]
        if operation.method == .post {
            headers += [("Idempotency-Key", ""), ("Idempotency-Key", String(repeating: "k", count: 5000))]
        }
        return headers
    }

    static let malformedBodies: [[UInt8]?] = [
        nil, [], Array("{".utf8), Array("[]".utf8), Array("null".utf8), Array("42".utf8), Array("\"text\"".utf8),
        Array("{\"a\":1,\"a\":2}".utf8), [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D],
        Array(String(repeating: "[", count: 100_000).utf8), Array("{\"n\":1e999999}".utf8),
        Array(("{\"s\":\"" + String(repeating: "\\u0000", count: 1000) + "\"}").utf8),
    ]

    /// Bodies of `schema`'s shape with each property in turn set to a wrong or extreme value.
    func mistyped(_ schema: JSONValue) -> [JSONValue] {
        let resolved = resolve(schema)
        guard case .object(let properties)? = resolved["properties"] else { return [] }
        var base = JSONObject()
        for (name, property) in properties.members { base[name] = typical(resolve(property)) }
        var bodies: [JSONValue] = [.object(base)]
        let hostile: [JSONValue] = [
            .null, .bool(true), -1, .string(""), .string(String(repeating: "é", count: 70_000)),
            .array([.null]), .object(["nested": .object(["deeper": .array([])])]), 1e308,
            .string("2026-02-30"), .string("javascript:alert(1)"), .string("nul \u{0} inside"),
        ]
        for name in properties.keys {
            for value in hostile {
                var body = base
                body[name] = value
                bodies.append(.object(body))
            }
        }
        return bodies
    }

    private func resolve(_ schema: JSONValue) -> JSONValue {
        guard case .string(let reference)? = schema["$ref"], reference.hasPrefix("#/components/schemas/") else {
            if case .array(let all)? = schema["allOf"], let first = all.first { return resolve(first) }
            if case .array(let one)? = schema["oneOf"], let first = one.first { return resolve(first) }
            return schema
        }
        return components["schemas"]?[String(reference.dropFirst("#/components/schemas/".count))] ?? .null
    }

    private func typical(_ schema: JSONValue) -> JSONValue {
        if case .array(let values)? = schema["enum"], let first = values.first { return first }
        switch schema["type"] {
        case .string("integer")?, .string("number")?: return 1
        case .string("boolean")?: return .bool(true)
        case .string("array")?: return .array([])
        case .string("object")?: return .object(JSONObject())
        default: return .string("x")
        }
    }
}
