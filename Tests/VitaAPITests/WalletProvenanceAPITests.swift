import Foundation
import Hummingbird
import NIOCore
import Testing
import VitaAPI
import VitaCore
import VitaResolution
import VitaTestSupport

/// The wallet's provenance operations: names of sources, and the live check of a record's raw data against its digest.
struct WalletProvenanceAPITests {
    static let raw = Array("enrolment enr-1: Algorithms, completed 2025-05-10, 4 credits".utf8)

    /// Serves raw data on a loopback port: `/raw/one` (the bytes the digest was made of), `/raw/changed` (other bytes),
    /// anything else 404.
    static func withSource(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.get("/raw/one") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: raw))) }
        router.get("/raw/changed") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "edited later"))) }
        try await LiveVita.serving(router, body)
    }

    @Test("the raw-data check fetches through the outbound policy and says whether the digest matches, or why it could not check",
          arguments: TestEngine.available)
    func rawDataCheck(_ engine: TestEngine) async throws {
        try await LiveVita.withLoopbackClient { http in
            try await Self.withSource { source in
                let options = ServerOptions(maxBodySize: 1 << 20, rateLimit: .off, signInRateLimit: .off, rawDataClient: http)
                try await APIHarness.run(engine, options: options) { api in
                    let s = try await WalletAPITests.setup(api)
                    func record(_ uri: String?) async throws -> String {
                        var body = APIHarness.experience(s.world.organizationId, source: "raw-\(UUID().uuidString)")
                        var provenance = body["provenance"] as! [String: Any]
                        provenance["rawDataURI"] = uri
                        provenance["rawDigest"] = ContentDigest.sha256(Self.raw)
                        body["provenance"] = provenance
                        let created = try await api.send(.post, "/api/v1/learners/\(s.learnerId)/experiences", key: s.world.systemKey,
                                                         json: body)
                        #expect(created.status == 201, "\(created.string)")
                        return try #require(created["id"] as? String)
                    }
                    func check(_ id: String) async throws -> (String?, String?) {
                        let reply = try await api.send(.get, "/api/v1/me/records/\(id)/raw-data-check", key: s.token)
                        #expect(reply.status == 200, "\(reply.string)")
                        return (reply["outcome"] as? String, reply["reason"] as? String)
                    }
                    let matching = try await record(source + "/raw/one")
                    let (outcome, _) = try await check(matching)
                    #expect(outcome == "matches")
                    let named = try await api.send(.get, "/api/v1/me/records/\(matching)/raw-data-check", key: s.token)
                    #expect(named["systemName"] as? String == "Registrar SIS" && named["organizationName"] as? String == "Riverside University")
                    #expect(try await check(record(source + "/raw/changed")).0 == "differs")
                    let missing = try await check(record(source + "/raw/missing"))
                    #expect(missing.0 == "not-checked" && missing.1?.contains("HTTP status 404") == true, "\(missing)")
                    let insecure = try await check(record("http://registrar.example/raw/one"))
                    #expect(insecure.0 == "not-checked" && insecure.1?.contains("could not be fetched") == true, "\(insecure)")
                    let nowhere = try await check(record(nil))
                    #expect(nowhere.0 == "not-checked" && nowhere.1?.contains("named no place") == true)

                    let other = try await api.learner(key: s.world.systemKey)
                    let foreign = try await api.send(.post, "/api/v1/learners/\(other)/experiences", key: s.world.systemKey,
                                                     json: APIHarness.experience(s.world.organizationId, source: "enr-9"))
                    let refused = try await api.send(.get, "/api/v1/me/records/\(foreign["id"] as! String)/raw-data-check", key: s.token)
                    #expect(refused.status == 404, "another learner's record")
                    let sources = try await api.send(.get, "/api/v1/me/sources", key: s.token)
                    #expect((sources["systems"] as? [[String: Any]])?.first?["name"] as? String == "Registrar SIS")
                }
            }
        }
    }
}
