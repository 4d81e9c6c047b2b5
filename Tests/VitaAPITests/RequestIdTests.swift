import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import VitaAPI
import VitaCore
import VitaStorage
import VitaTestSupport

/// `X-Request-Id`: one id per request in its answer and its log lines, so a report of a failure leads to its entry.
struct RequestIdTests {
    static let header = HTTPField.Name("X-Request-Id")!

    @Test("every answer carries X-Request-Id: the caller's when a log can carry it as it is, else one the server made; a server failure's problem names it, as its log line does",
          arguments: TestEngine.available)
    func requestIds(_ engine: TestEngine) async throws {
        let capture = LogCapture()
        var logger = Logger(label: "vita.test") { _ in capture }
        logger.logLevel = .error
        try await TestDatabase.with(engine) { test in
            let adminId = EntityID.make("adm")
            let (adminKey, adminHash) = APIKeys.make(ownerId: adminId)
            try await test.database.transaction { try await $0.insertAdminKey(id: adminId, keyHash: adminHash, at: Date()) }
            let api = LearnerAPI(database: test.database, vault: try KeyVault(base64: KeyVault.generateMasterKey()),
                                 options: ServerOptions(rateLimit: .off, signInRateLimit: .off))
            try await Application(router: api.router, logger: logger).test(.router) { client in
                func send(_ uri: String, id: String? = nil, key: String? = nil) async throws -> (status: Int, id: String?, body: [String: Any]) {
                    var headers = HTTPFields()
                    if let id { headers[Self.header] = id }
                    if let key { headers[.authorization] = "Bearer \(key)" }
                    return try await client.execute(uri: uri, method: .get, headers: headers) { response in
                        (Int(response.status.code), response.headers[Self.header],
                         (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:])
                    }
                }
                for given in ["lb-7f3a9c:2026-12-07/1=a+b_c.d", "a", String(repeating: "7", count: 128)] {
                    #expect(try await send("/health", id: given).id == given)
                }
                var made: Set<String> = []
                for malformed in ["two words", String(repeating: "a", count: 129), "café", "", "a\"b", "line\u{7F}"] {
                    let id = try #require(try await send("/health", id: malformed).id)
                    #expect(id != malformed && !id.isEmpty, "\(malformed)")
                    made.insert(id)
                }
                #expect(made.count == 6, "each request its own id")
                // Errors carry it too; only a server failure's problem names it.
                let missing = try await send("/api/v1/organizations/org_missing", id: "req-404", key: adminKey)
                #expect(missing.status == 404 && missing.id == "req-404" && missing.body["requestId"] == nil)

                try await test.database.withConnection { try await $0.raw("DROP TABLE audit_archives").run() }
                let failed = try await send("/api/v1/audit/archives", id: "req-500-given", key: adminKey)
                #expect(failed.status == 500 && failed.id == "req-500-given")
                #expect(failed.body["requestId"] as? String == "req-500-given")
                let unnamed = try await send("/api/v1/audit/archives", key: adminKey)
                let id = try #require(unnamed.id)
                #expect(unnamed.status == 500 && unnamed.body["requestId"] as? String == id)
                let lines = capture.text.split(separator: "\n").filter { $0.hasPrefix("request failed") }
                #expect(lines.count == 2, "\(capture.text)")
                #expect(lines.first?.contains("req-500-given") == true && lines.last?.contains(id) == true, "\(lines)")
            }
        }
    }
}
