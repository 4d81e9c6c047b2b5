import VitaJSON
import VitaResolution

/// The one error type of VitaExchange: what went wrong talking to another platform.
///
/// `reason` names URLs, statuses and the platform's own error codes or `imsx_description`, never tokens, secrets or
/// credential contents.
public struct ExchangeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A category of failure.
    public enum Code: String, Sendable, Hashable {
        /// The platform could not be reached under the outbound policy (network, timeout, https only, size cap).
        case unreachable = "unreachable"
        /// The platform refused the access token or the grant: it expired, or the learner or platform revoked it.
        case unauthorized = "unauthorized"
        /// The platform answered with an error status.
        case refused = "refused"
        /// The platform's answer is not what the specification says it is.
        case invalidResponse = "invalid response"
    }

    /// The category.
    public var code: Code
    /// What went wrong.
    public var reason: String
    /// The platform's HTTP status, when it answered.
    public var status: Int?

    /// An error.
    public init(_ code: Code, _ reason: String, status: Int? = nil) {
        self.code = code
        self.reason = reason
        self.status = status
    }

    public var description: String { "\(code.rawValue): \(reason)" }

    /// The error for an unexpected status: 401 is `unauthorized`; otherwise `refused`, with the platform's
    /// `imsx_description` (1EdTech), `detail` (RFC 9457) or `error` (RFC 6749) when the body has one.
    static func refused(_ response: OutboundResponse, doing what: String) -> ExchangeError {
        let body = try? JSONValue(parsing: response.body)
        let said = body?["imsx_description"]?.stringValue ?? body?["detail"]?.stringValue ?? body?["error_description"]?.stringValue
            ?? body?["error"]?.stringValue
        let reason = "\(what) answered HTTP \(response.status)" + (said.map { ": \($0.prefix(300))" } ?? "")
        return ExchangeError(response.status == 401 ? .unauthorized : .refused, reason, status: response.status)
    }
}
