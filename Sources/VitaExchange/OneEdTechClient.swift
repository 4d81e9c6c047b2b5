import Foundation
import VitaJSON
import VitaOAuth
import VitaResolution

/// Vita as a client of another platform's 1EdTech service API (Open Badges 3.0 / CLR 2.0, "Open Badges API" and
/// "CLR Standard API"): discovery, dynamic client registration (RFC 7591), the authorization-code grant with PKCE
/// (RFC 6749 §4.1, RFC 7636), refresh (RFC 6749 §6), and the getCredentials / upsertCredential calls.
///
/// Every request goes out through ``ResolutionHTTPClient``'s policy (https only unless a host is allowed plain http,
/// no private addresses, one deadline, a size cap). Nothing here touches storage: the caller keeps the registration
/// and the tokens (sealed) and decides what to do with the credentials.
public struct OneEdTechClient: Sendable {
    let http: ResolutionHTTPClient

    /// A client sending through `http`.
    public init(http: ResolutionHTTPClient) {
        self.http = http
    }

    // MARK: Discovery

    /// What a platform's Service Description Document says a client needs.
    public struct ServiceDescription: Sendable, Equatable {
        /// The API's base URL (`servers[0].url`, or the discovery URL without `/discovery`).
        public var apiBase: String
        /// `components.securitySchemes.OAuth2ACG.x-imssf-registrationUrl`.
        public var registrationURL: String
        /// The authorization endpoint.
        public var authorizationURL: String
        /// The token endpoint.
        public var tokenURL: String
        /// The refresh endpoint (the token endpoint when not given).
        public var refreshURL: String
        /// The scopes the platform offers.
        public var scopes: [String]

        /// Creates a description.
        public init(apiBase: String, registrationURL: String, authorizationURL: String, tokenURL: String,
                    refreshURL: String, scopes: [String]) {
            self.apiBase = apiBase
            self.registrationURL = registrationURL
            self.authorizationURL = authorizationURL
            self.tokenURL = tokenURL
            self.refreshURL = refreshURL
            self.scopes = scopes
        }
    }

    /// Fetches and reads a Service Description Document (Open Badges 3.0 "Service Discovery").
    public func discover(_ discoveryURL: String) async throws(ExchangeError) -> ServiceDescription {
        let response = try await send(OutboundRequest(method: "GET", url: discoveryURL, headers: [("Accept", "application/json")]))
        guard response.status == 200 else { throw ExchangeError.refused(response, doing: "discovery") }
        let document = try json(response, "the Service Description Document")
        let scheme = document["components"]?["securitySchemes"]?["OAuth2ACG"]
        let flow = scheme?["flows"]?["authorizationCode"]
        guard let registration = scheme?["x-imssf-registrationUrl"]?.stringValue,
              let authorization = flow?["authorizationUrl"]?.stringValue,
              let token = flow?["tokenUrl"]?.stringValue else {
            throw ExchangeError(.invalidResponse, "the Service Description Document has no OAuth2ACG registration, authorization and token URLs")
        }
        let base = document["servers"]?[0]?["url"]?.stringValue
            ?? (discoveryURL.hasSuffix("/discovery") ? String(discoveryURL.dropLast("/discovery".count)) : discoveryURL)
        let scopes = flow?["scopes"]?.objectValue.map { Array($0.keys) } ?? []
        return ServiceDescription(apiBase: base, registrationURL: registration, authorizationURL: authorization,
                                  tokenURL: token, refreshURL: flow?["refreshUrl"]?.stringValue ?? token, scopes: scopes.sorted())
    }

    // MARK: Registration and authorization

    /// The client credentials a platform issued at registration.
    public struct Registration: Sendable, Equatable {
        /// `client_id`.
        public var clientId: String
        /// `client_secret`.
        public var clientSecret: String

        /// Creates a registration.
        public init(clientId: String, clientSecret: String) {
            self.clientId = clientId
            self.clientSecret = clientSecret
        }
    }

    /// Registers with a platform (RFC 7591 §3.1; the 1EdTech profile requires the metadata of ``ClientMetadata``).
    public func register(at registrationURL: String, metadata: JSONObject) async throws(ExchangeError) -> Registration {
        let response = try await send(OutboundRequest(
            method: "POST", url: registrationURL,
            headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
            body: JSONValue.object(metadata).serialized()))
        guard response.status == 201 || response.status == 200 else { throw ExchangeError.refused(response, doing: "registration") }
        let document = try json(response, "the registration response")
        guard let clientId = document["client_id"]?.stringValue, let secret = document["client_secret"]?.stringValue else {
            throw ExchangeError(.invalidResponse, "the registration response has no client_id and client_secret")
        }
        return Registration(clientId: clientId, clientSecret: secret)
    }

    /// The URL to send the learner's browser to (RFC 6749 §4.1.1 with RFC 7636 §4.3: S256 only).
    public static func authorizationURL(_ service: ServiceDescription, clientId: String, redirectURI: String, scope: String,
                                        state: String, codeVerifier: String) -> String {
        let parameters = [("response_type", "code"), ("client_id", clientId), ("redirect_uri", redirectURI), ("scope", scope),
                          ("state", state), ("code_challenge", PKCE.challenge(for: codeVerifier)),
                          ("code_challenge_method", "S256")]
        let query = parameters.map { "\($0)=\(formEncode($1))" }.joined(separator: "&")
        return service.authorizationURL + (service.authorizationURL.contains("?") ? "&" : "?") + query
    }

    /// The tokens a token endpoint issued.
    public struct Tokens: Sendable, Equatable {
        /// `access_token`.
        public var accessToken: String
        /// `refresh_token`, when issued.
        public var refreshToken: String?
        /// When the access token expires (from `expires_in`), if said.
        public var expiresAt: Date?
        /// The granted `scope`.
        public var scope: String?
    }

    /// Exchanges an authorization code (RFC 6749 §4.1.3, with the PKCE `code_verifier`).
    public func exchange(code: String, redirectURI: String, codeVerifier: String, tokenURL: String,
                         registration: Registration, now: Date = Date()) async throws(ExchangeError) -> Tokens {
        try await token(tokenURL, registration, [("grant_type", "authorization_code"), ("code", code),
                                                 ("redirect_uri", redirectURI), ("code_verifier", codeVerifier)], now: now)
    }

    /// Refreshes an access token (RFC 6749 §6); the platform may rotate the refresh token.
    public func refresh(_ refreshToken: String, tokenURL: String, registration: Registration,
                        now: Date = Date()) async throws(ExchangeError) -> Tokens {
        var tokens = try await token(tokenURL, registration, [("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
                                     now: now)
        if tokens.refreshToken == nil { tokens.refreshToken = refreshToken }
        return tokens
    }

    private func token(_ url: String, _ registration: Registration, _ form: [(String, String)],
                       now: Date) async throws(ExchangeError) -> Tokens {
        let basic = Data("\(formEncode(registration.clientId)):\(formEncode(registration.clientSecret))".utf8).base64EncodedString()
        let body = form.map { "\($0)=\(Self.formEncode($1))" }.joined(separator: "&")
        let response = try await send(OutboundRequest(
            method: "POST", url: url,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
                      ("Authorization", "Basic \(basic)")],
            body: Array(body.utf8)))
        guard response.status == 200 else {
            // RFC 6749 §5.2: `invalid_grant` means the grant is gone (revoked, expired, used).
            let error = (try? JSONValue(parsing: response.body))?["error"]?.stringValue
            if error == "invalid_grant" || error == "invalid_client" {
                throw ExchangeError(.unauthorized, "the platform's token endpoint refused the grant (\(error ?? "?"))")
            }
            throw ExchangeError.refused(response, doing: "the token request")
        }
        let document = try json(response, "the token response")
        guard let access = document["access_token"]?.stringValue else {
            throw ExchangeError(.invalidResponse, "the token response has no access_token")
        }
        let expiresIn = document["expires_in"]?.numberValue?.doubleValue
        return Tokens(accessToken: access, refreshToken: document["refresh_token"]?.stringValue,
                      expiresAt: expiresIn.map { now.addingTimeInterval($0) }, scope: document["scope"]?.stringValue)
    }

    // MARK: The service API

    /// A credential as the service API carries it.
    public enum Credential: Sendable, Equatable {
        /// JSON with an embedded proof.
        case json(JSONValue)
        /// A VC-JWT (Compact JWS).
        case jws(String)
    }

    /// Every credential getCredentials returns, page after page (`limit`/`offset`, until `X-Total-Count` is reached
    /// or a page comes back empty; at most `maxCredentials`).
    public func credentials(apiBase: String, accessToken: String, pageSize: Int = 50,
                            maxCredentials: Int = 10_000) async throws(ExchangeError) -> [Credential] {
        var all: [Credential] = []
        var offset = 0
        while all.count < maxCredentials {
            let response = try await send(OutboundRequest(
                method: "GET", url: "\(apiBase)/credentials?limit=\(pageSize)&offset=\(offset)",
                headers: [("Accept", "application/json"), ("Authorization", "Bearer \(accessToken)")]))
            guard response.status == 200 else { throw ExchangeError.refused(response, doing: "getCredentials") }
            let document = try json(response, "the getCredentials response")
            var page: [Credential] = []
            // The JSON-LD adaptation of the schema allows a single value where an array is expected.
            func items(_ value: JSONValue?) -> [JSONValue] {
                switch value {
                case .array(let items)?: items
                case let item?: [item]
                case nil: []
                }
            }
            page += items(document["credential"]).map { .json($0) }
            page += items(document["compactJwsString"]).compactMap(\.stringValue).map { .jws($0) }
            all += page
            offset += page.count
            let total = response.header("X-Total-Count").flatMap(Int.init)
            if page.isEmpty || (total.map { offset >= $0 } ?? (page.count < pageSize)) { break }
        }
        return all
    }

    /// What upsertCredential did.
    public enum UpsertOutcome: String, Sendable, Equatable {
        /// 201: the platform did not hold the credential.
        case created
        /// 200: it replaced the version it held (or held this one already).
        case replaced
        /// 304: it holds a newer version.
        case notModified
    }

    /// Sends one credential with upsertCredential (JSON as `application/json`, a VC-JWT as `text/plain`).
    public func upsert(_ credential: Credential, apiBase: String, accessToken: String) async throws(ExchangeError) -> UpsertOutcome {
        let (contentType, body): (String, [UInt8]) = switch credential {
        case .json(let value): ("application/json", value.serialized())
        case .jws(let token): ("text/plain", Array(token.utf8))
        }
        let response = try await send(OutboundRequest(
            method: "POST", url: "\(apiBase)/credentials",
            headers: [("Content-Type", contentType), ("Authorization", "Bearer \(accessToken)")], body: body))
        switch response.status {
        case 201: return .created
        case 200: return .replaced
        case 304: return .notModified
        default: throw ExchangeError.refused(response, doing: "upsertCredential")
        }
    }

    // MARK: Helpers

    private func send(_ request: OutboundRequest) async throws(ExchangeError) -> OutboundResponse {
        do {
            return try await http.send(request)
        } catch {
            throw ExchangeError(.unreachable, error.reason)
        }
    }

    private func json(_ response: OutboundResponse, _ what: String) throws(ExchangeError) -> JSONValue {
        guard let value = try? JSONValue(parsing: response.body), case .object = value else {
            throw ExchangeError(.invalidResponse, "\(what) is not a JSON object")
        }
        // No field has a use for it, and PostgreSQL cannot store it.
        if let field = NULCharacter.path(in: value) {
            throw ExchangeError(.invalidResponse, "\(what) holds the NUL character (U+0000) in \(field.isEmpty ? "a member name" : field)")
        }
        return value
    }

    /// `application/x-www-form-urlencoded` value encoding (unreserved characters kept, everything else percent-encoded).
    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private func formEncode(_ text: String) -> String { Self.formEncode(text) }
}
