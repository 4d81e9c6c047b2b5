import Foundation

/// The metadata of an OAuth client (RFC 7591 §2), as registered and as answered.
///
/// Decoding is strict in the way 1EdTech asks: the array fields must be JSON arrays even for one value, and the
/// string fields strings; a wrong shape is an `invalid_client_metadata` error naming the field. Unknown fields are
/// ignored (RFC 7591 §2). `validatedForRegistration()` adds the rules of dynamic registration.
public struct ClientMetadata: Codable, Sendable, Equatable {
    /// The grant types Vita's token endpoint serves.
    public enum GrantType: String, Codable, Sendable, CaseIterable {
        case authorizationCode = "authorization_code"
        case refreshToken = "refresh_token"
        case clientCredentials = "client_credentials"
    }

    /// `redirect_uris`: where the authorization endpoint may send the browser back.
    public var redirectURIs: [String]
    /// `token_endpoint_auth_method`: always `client_secret_basic` (HTTP Basic at the token endpoint).
    public var tokenEndpointAuthMethod: String
    /// `grant_types`.
    public var grantTypes: [GrantType]
    /// `response_types`: `code` for the authorization-code grant, none otherwise.
    public var responseTypes: [String]
    /// `client_name`, shown on the consent page.
    public var clientName: String
    /// `client_uri`: the client's home page; its host is the host every other URI must have.
    public var clientURI: String?
    /// `logo_uri`.
    public var logoURI: String?
    /// `tos_uri`.
    public var tosURI: String?
    /// `policy_uri`.
    public var policyURI: String?
    /// `software_id`.
    public var softwareId: String?
    /// `software_version`.
    public var softwareVersion: String?
    /// `contacts`.
    public var contacts: [String]?
    /// `scope`: the scopes the client may ask for.
    public var scope: OAuthScopes

    /// Creates metadata.
    public init(redirectURIs: [String], tokenEndpointAuthMethod: String = "client_secret_basic",
                grantTypes: [GrantType], responseTypes: [String], clientName: String, clientURI: String? = nil,
                logoURI: String? = nil, tosURI: String? = nil, policyURI: String? = nil, softwareId: String? = nil,
                softwareVersion: String? = nil, contacts: [String]? = nil, scope: OAuthScopes) {
        self.redirectURIs = redirectURIs
        self.tokenEndpointAuthMethod = tokenEndpointAuthMethod
        self.grantTypes = grantTypes
        self.responseTypes = responseTypes
        self.clientName = clientName
        self.clientURI = clientURI
        self.logoURI = logoURI
        self.tosURI = tosURI
        self.policyURI = policyURI
        self.softwareId = softwareId
        self.softwareVersion = softwareVersion
        self.contacts = contacts
        self.scope = scope
    }

    /// The metadata of a connected system's client: the client-credentials grant only, no redirect URIs.
    public static func connectedSystem(name: String, scope: OAuthScopes) -> ClientMetadata {
        ClientMetadata(redirectURIs: [], grantTypes: [.clientCredentials], responseTypes: [], clientName: name, scope: scope)
    }

    enum CodingKeys: String, CodingKey {
        case redirectURIs = "redirect_uris", tokenEndpointAuthMethod = "token_endpoint_auth_method"
        case grantTypes = "grant_types", responseTypes = "response_types", clientName = "client_name"
        case clientURI = "client_uri", logoURI = "logo_uri", tosURI = "tos_uri", policyURI = "policy_uri"
        case softwareId = "software_id", softwareVersion = "software_version", contacts, scope
    }

    /// The longest accepted string field, in characters.
    static let maxLength = 2000

    public init(from decoder: any Decoder) throws {
        let container: KeyedDecodingContainer<CodingKeys>
        do {
            container = try decoder.container(keyedBy: CodingKeys.self)
        } catch {
            throw OAuthError(.invalidClientMetadata, "the registration must be a JSON object")
        }
        func string(_ key: CodingKeys) throws -> String? {
            guard container.contains(key) else { return nil }
            guard let value = try? container.decode(String.self, forKey: key) else {
                throw OAuthError(.invalidClientMetadata, "\(key.rawValue) must be a string")
            }
            guard value.count <= Self.maxLength else {
                throw OAuthError(.invalidClientMetadata, "\(key.rawValue) is longer than \(Self.maxLength) characters")
            }
            return value
        }
        func strings(_ key: CodingKeys) throws -> [String]? {
            guard container.contains(key) else { return nil }
            guard let value = try? container.decode([String].self, forKey: key) else {
                throw OAuthError(key == .redirectURIs ? .invalidRedirectURI : .invalidClientMetadata,
                                 "\(key.rawValue) must be an array of strings, even for one value")
            }
            guard value.count <= 20, value.allSatisfy({ $0.count <= Self.maxLength }) else {
                throw OAuthError(.invalidClientMetadata, "\(key.rawValue) has too many or too long values")
            }
            return value
        }
        redirectURIs = try strings(.redirectURIs) ?? []
        tokenEndpointAuthMethod = try string(.tokenEndpointAuthMethod) ?? "client_secret_basic"
        let grants = try strings(.grantTypes) ?? [GrantType.authorizationCode.rawValue]
        grantTypes = try grants.map { text in
            guard let grant = GrantType(rawValue: text) else {
                throw OAuthError(.invalidClientMetadata, "grant_types: '\(text.prefix(60))' is not a grant type Vita serves")
            }
            return grant
        }
        responseTypes = try strings(.responseTypes) ?? ["code"]
        clientName = try string(.clientName) ?? ""
        clientURI = try string(.clientURI)
        logoURI = try string(.logoURI)
        tosURI = try string(.tosURI)
        policyURI = try string(.policyURI)
        softwareId = try string(.softwareId)
        softwareVersion = try string(.softwareVersion)
        contacts = try strings(.contacts)
        scope = try OAuthScopes(parsing: try string(.scope) ?? "")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(redirectURIs, forKey: .redirectURIs)
        try container.encode(tokenEndpointAuthMethod, forKey: .tokenEndpointAuthMethod)
        try container.encode(grantTypes, forKey: .grantTypes)
        try container.encode(responseTypes, forKey: .responseTypes)
        try container.encode(clientName, forKey: .clientName)
        try container.encodeIfPresent(clientURI, forKey: .clientURI)
        try container.encodeIfPresent(logoURI, forKey: .logoURI)
        try container.encodeIfPresent(tosURI, forKey: .tosURI)
        try container.encodeIfPresent(policyURI, forKey: .policyURI)
        try container.encodeIfPresent(softwareId, forKey: .softwareId)
        try container.encodeIfPresent(softwareVersion, forKey: .softwareVersion)
        try container.encodeIfPresent(contacts, forKey: .contacts)
        try container.encode(scope.description, forKey: .scope)
    }

    /// The metadata checked against RFC 7591 §2 and the 1EdTech rules for dynamic registration (OB 3.0 / CLR 2.0
    /// "Dynamic Client Registration"): `client_name`, `client_uri`, `logo_uri`, `tos_uri`, `policy_uri`,
    /// `software_id`, `software_version`, `redirect_uris` and `scope` are required; every URI is an absolute https URL
    /// on the host of `client_uri`; redirect URIs have no fragment (RFC 6749 §3.1.2); the authentication method is
    /// `client_secret_basic`; grant types are `authorization_code` and optionally `refresh_token`, with the
    /// response type `code` (RFC 7591 §2.1).
    ///
    /// `allowingLoopbackHTTP` also accepts `http` URIs on a loopback host (`127.0.0.1`, `[::1]`, `localhost`), as
    /// RFC 8252 §7.3 does for native clients: for development and for tests that run two servers on one machine.
    public func validatedForRegistration(allowingLoopbackHTTP: Bool = false) throws -> ClientMetadata {
        let httpsHost = { (text: String) in Self.httpsHost(text, allowingLoopbackHTTP: allowingLoopbackHTTP) }
        func require(_ value: String?, _ name: String) throws -> String {
            guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw OAuthError(.invalidClientMetadata, "\(name) is required")
            }
            return value
        }
        _ = try require(clientName, "client_name")
        _ = try require(softwareId, "software_id")
        _ = try require(softwareVersion, "software_version")
        let home = try require(clientURI, "client_uri")
        guard let host = httpsHost(home) else {
            throw OAuthError(.invalidClientMetadata, "client_uri must be an absolute https URL")
        }
        for (value, name) in [(logoURI, "logo_uri"), (tosURI, "tos_uri"), (policyURI, "policy_uri")] {
            let uri = try require(value, name)
            guard let uriHost = httpsHost(uri) else {
                throw OAuthError(.invalidClientMetadata, "\(name) must be an absolute https URL")
            }
            guard uriHost == host else {
                throw OAuthError(.invalidClientMetadata, "\(name) must be on the host of client_uri")
            }
        }
        guard !redirectURIs.isEmpty else { throw OAuthError(.invalidRedirectURI, "redirect_uris must name at least one URI") }
        for uri in redirectURIs {
            guard let uriHost = httpsHost(uri), URLComponents(string: uri)?.fragment == nil else {
                throw OAuthError(.invalidRedirectURI, "every redirect URI must be an absolute https URL without a fragment")
            }
            guard uriHost == host else {
                throw OAuthError(.invalidRedirectURI, "every redirect URI must be on the host of client_uri")
            }
        }
        guard tokenEndpointAuthMethod == "client_secret_basic" else {
            throw OAuthError(.invalidClientMetadata, "token_endpoint_auth_method must be client_secret_basic")
        }
        guard grantTypes.contains(.authorizationCode), !grantTypes.contains(.clientCredentials) else {
            throw OAuthError(.invalidClientMetadata,
                             "grant_types must be authorization_code, optionally with refresh_token")
        }
        guard responseTypes == ["code"] else {
            throw OAuthError(.invalidClientMetadata, "response_types must be [\"code\"]")
        }
        guard !scope.isEmpty else { throw OAuthError(.invalidClientMetadata, "scope is required") }
        var validated = self
        validated.grantTypes = GrantType.allCases.filter(grantTypes.contains)
        return validated
    }

    /// The lowercased host of an absolute https URL with no user info (or, when allowed, an http URL on a loopback
    /// host); nil for anything else.
    static func httpsHost(_ text: String, allowingLoopbackHTTP: Bool = false) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              components.user == nil, components.password == nil,
              let host = components.host?.lowercased(), !host.isEmpty else { return nil }
        if scheme == "https" { return host }
        let loopback = ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host)
        return scheme == "http" && allowingLoopbackHTTP && loopback ? host : nil
    }

    /// Whether `uri` is one of the registered redirect URIs, compared as exact strings (RFC 6749 §3.1.2.3 with
    /// the simple string comparison of RFC 3986 §6.2.1).
    public func isRegistered(redirectURI uri: String) -> Bool {
        redirectURIs.contains(uri)
    }
}
