import HTTPTypes
import Hummingbird
import VitaOAuth
import VitaWalletProtocols

/// An error of the endpoints wallet apps call (OpenID4VCI's Credential and Notification Endpoints, OpenID4VP's
/// Response URI), answered as OAuth-style JSON (`error`, `error_description`): `invalid_token` (401, RFC 6750 §3.1,
/// with `WWW-Authenticate`), or a protocol's error code (400).
struct WalletError: Error {
    var status: HTTPResponse.Status
    var code: String
    var reason: String

    static func invalidToken(_ reason: String) -> WalletError {
        WalletError(status: .unauthorized, code: "invalid_token", reason: reason)
    }

    /// Runs a wallet-facing endpoint: its errors — and a malformed form, a body over the limit — answer as OAuth-style
    /// JSON, never cached.
    static func answering(_ body: () async throws -> Response) async throws -> Response {
        let failure: WalletError
        do {
            return try await body()
        } catch let error as WalletError {
            failure = error
        } catch let error as WalletProtocolError {
            failure = WalletError(status: .badRequest, code: error.code.rawValue, reason: error.reason)
        } catch let error as OAuthError {
            failure = WalletError(status: .badRequest, code: error.code.rawValue, reason: error.reason)
        } catch let error where Problem.from(error).status == 413 {
            failure = WalletError(status: .contentTooLarge, code: "invalid_request", reason: Problem.from(error).detail)
        }
        var headers = OAuthRoutes.noStore
        if failure.status == .unauthorized {
            headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\", error_description=\"\(failure.reason)\""
        }
        return try APIJSON.response(DTO.OAuthErrorBody(error: failure.code, errorDescription: failure.reason),
                                    status: failure.status, headers: headers)
    }
}
