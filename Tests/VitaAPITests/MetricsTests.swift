import Foundation
import Metrics
import Prometheus
import Testing
import VitaAPI
import VitaTestSupport

/// `GET /metrics`: Prometheus text for scrapers with the token, nothing for anyone else.
struct MetricsTests {
    /// The test process's one metrics backend (swift-metrics is bootstrapped once per process).
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
    static let token = "scrape-token-for-the-tests"

    @Test("/metrics refuses a scraper without the token or with a wrong one (401), and shows the token's holder each route's requests by status and the profile computations",
          arguments: TestEngine.available)
    func metricsNeedTheToken(_ engine: TestEngine) async throws {
        let options = ServerOptions(rateLimit: .off, signInRateLimit: .off,
                                    metrics: try MetricsExposition(registry: Self.registry, token: Self.token))
        try await APIHarness.run(engine, options: options) { api in
            let world = try await api.world()
            let learner = try await api.send(.post, "/api/v1/learners", key: world.systemKey,
                                             json: ["name": ["display": "Ada"], "identifiers": [["scheme": "email", "value": "ada@example.edu"]]])
            let learnerId = try #require(learner["id"] as? String)
            #expect(try await api.send(.get, "/api/v1/learners/\(learnerId)/profile", key: world.systemKey).status == 200)
            #expect(try await api.send(.get, "/api/v1/learners/\(learnerId)/profile", key: "vk.sys_nobody.wrong").status == 401)

            let anonymous = try await api.client.execute(uri: "/metrics", method: .get, headers: [:], body: nil) { $0 }
            #expect(anonymous.status.code == 401)
            #expect(try await api.send(.get, "/metrics", key: "not-the-scrape-token").status == 401)
            #expect(try await api.send(.get, "/metrics", key: world.systemKey).status == 401, "an API key is not the token")
            let scraped = try await api.send(.get, "/metrics", key: Self.token)
            #expect(scraped.status == 200)
            #expect(scraped.contentType == "text/plain; version=0.0.4; charset=utf-8")
            let text = scraped.string
            let profileRoute = #"http_route="/api/v1/learners/{learnerId}/profile""#
            #expect(text.split(separator: "\n").contains { $0.hasPrefix("hb_requests{") && $0.contains(profileRoute)
                && $0.contains(#"http_response_status_code="200""#) }, "\(text.prefix(3000))")
            #expect(text.split(separator: "\n").contains { $0.hasPrefix("hb_requests{") && $0.contains(profileRoute)
                && $0.contains(#"http_response_status_code="401""#) })
            #expect(text.contains("vita_profile_computation_duration_count"))
            #expect(!text.contains(learnerId), "routes are counted by their pattern, never by a learner's id")
        }
    }

    @Test("a metrics token shorter than 16 characters is refused")
    func shortTokensAreRefused() {
        #expect(throws: MetricsTokenError.self) { try MetricsExposition(registry: Self.registry, token: "too-short") }
    }
}
