import Crypto
import Foundation
import Hummingbird
import NIOCore
import Prometheus
import VitaCore

/// The server's metrics for Prometheus at `GET /metrics`: per-route request counts and durations (Hummingbird's
/// `MetricsMiddleware`) and Vita's own (`vita_profile_computation_duration`), from the process's swift-metrics backend
/// (a `PrometheusMetricsFactory` writing to `registry`). A scraper sends `Authorization: Bearer <token>`; without the
/// token the endpoint answers 401, so the figures are not public.
public struct MetricsExposition: Sendable {
    /// Where the process's metrics are collected.
    public let registry: PrometheusCollectorRegistry
    /// SHA-256 of the scrape token (compared in constant time).
    let tokenDigest: [UInt8]

    /// Shows `registry` to scrapers that present `token` (at least 16 characters).
    public init(registry: PrometheusCollectorRegistry, token: String) throws(MetricsTokenError) {
        guard token.count >= 16 else { throw MetricsTokenError() }
        self.registry = registry
        tokenDigest = Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// Adds `GET /metrics` to `catalog`.
    func register(in catalog: RouteCatalog) {
        let metrics = self
        catalog.add(Operation(method: .get, path: "/metrics", operationId: "metrics",
                              summary: "The server's metrics in the Prometheus text format, for a scraper that sends the metrics token as 'Authorization: Bearer <token>' (VITA_METRICS_TOKEN)",
                              tag: "Service", access: .open, query: [], headers: [], requestSchema: nil,
                              success: (200, nil), errors: [401])) { request, _ in
            guard metrics.admits(request) else {
                throw Problem(status: 401, title: "Unauthorized", detail: "send the metrics token as 'Authorization: Bearer <token>'",
                              errors: [.init(field: "Authorization", reason: "missing or not the metrics token")])
            }
            return metrics.response()
        }
    }

    /// Whether the request's `Authorization` header carries the scrape token.
    func admits(_ request: Request) -> Bool {
        guard let token = AuthorizationHeader.credentials(request, scheme: "Bearer") else { return false }
        return ConstantTime.equal(Array(SHA256.hash(data: Array(token.utf8))), tokenDigest)
    }

    /// The registry in the Prometheus text exposition format (0.0.4).
    func response() -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}

/// A metrics scrape token shorter than 16 characters.
public struct MetricsTokenError: Error, CustomStringConvertible {
    public var description: String { "the metrics token needs at least 16 characters" }
}
