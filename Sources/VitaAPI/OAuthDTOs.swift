import Foundation
import VitaOAuth
import VitaStorage

extension DTO {
    /// RFC 8414 §2 authorization server metadata.
    struct AuthorizationServerMetadata: Encodable {
        var issuer: String
        var authorizationEndpoint: String
        var tokenEndpoint: String
        var registrationEndpoint: String
        var revocationEndpoint: String
        var scopesSupported: [String]
        var responseTypesSupported: [String]
        var grantTypesSupported: [String]
        var tokenEndpointAuthMethodsSupported: [String]
        var revocationEndpointAuthMethodsSupported: [String]
        var codeChallengeMethodsSupported: [String]
        var serviceDocumentation: String
        /// OpenID4VCI 1.0 §12.3: a wallet exchanges a pre-authorized code without client authentication.
        var preAuthorizedGrantAnonymousAccessSupported: Bool

        enum CodingKeys: String, CodingKey {
            case issuer, authorizationEndpoint = "authorization_endpoint", tokenEndpoint = "token_endpoint"
            case registrationEndpoint = "registration_endpoint", revocationEndpoint = "revocation_endpoint"
            case scopesSupported = "scopes_supported", responseTypesSupported = "response_types_supported"
            case grantTypesSupported = "grant_types_supported"
            case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
            case revocationEndpointAuthMethodsSupported = "revocation_endpoint_auth_methods_supported"
            case codeChallengeMethodsSupported = "code_challenge_methods_supported"
            case serviceDocumentation = "service_documentation"
            case preAuthorizedGrantAnonymousAccessSupported = "pre-authorized_grant_anonymous_access_supported"
        }
    }

    /// RFC 7591 §3.2.1: the registered metadata with the client's credentials. The secret is shown here only.
    struct RegisteredClient: Encodable {
        var metadata: ClientMetadata
        var clientId: String
        var clientSecret: String
        var clientIdIssuedAt: Int64

        enum CodingKeys: String, CodingKey {
            case clientId = "client_id", clientSecret = "client_secret", clientIdIssuedAt = "client_id_issued_at"
            case clientSecretExpiresAt = "client_secret_expires_at"
        }

        func encode(to encoder: any Encoder) throws {
            try metadata.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(clientId, forKey: .clientId)
            try container.encode(clientSecret, forKey: .clientSecret)
            try container.encode(clientIdIssuedAt, forKey: .clientIdIssuedAt)
            try container.encode(0, forKey: .clientSecretExpiresAt)
        }
    }

    /// RFC 6749 §5.1.
    struct TokenResponse: Encodable, Sendable {
        var accessToken: String
        var tokenType: String
        var expiresIn: Int
        /// Absent for a credential offer's token, which reaches the offered credential only.
        var scope: String?
        var refreshToken: String?

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in", scope
            case refreshToken = "refresh_token"
        }
    }

    /// RFC 6749 §5.2 / RFC 7591 §3.2.2.
    struct OAuthErrorBody: Encodable {
        var error: String
        var errorDescription: String

        enum CodingKeys: String, CodingKey { case error, errorDescription = "error_description" }
    }

    struct CreateLearnerAccount: Decodable {
        var login: String
        var password: String
    }

    /// A learner account as the API shows it: never the password or its hash.
    struct LearnerAccount: Encodable {
        var id: String
        var learnerId: String
        var login: String
        var createdAt: Date
        /// Sign-in is refused until then after failed attempts (absent when it is not locked).
        var lockedUntil: Date?
    }

    struct CreateSystemClient: Decodable {
        var scope: String
    }

    /// A learner's approval of an application.
    struct Approval: Encodable {
        var id: String
        var clientId: String
        var clientName: String?
        var scopes: [String]
        var grantedAt: Date
        var revokedAt: Date?

        init(_ approval: OAuthApproval, clientName: String?) {
            self.id = approval.id
            self.clientId = approval.clientId
            self.clientName = clientName
            self.scopes = approval.scope.split(separator: " ").map(String.init)
            self.grantedAt = approval.grantedAt
            self.revokedAt = approval.revokedAt
        }
    }

    /// A client as an administrator sees it: its metadata summary, never its secret or the secret's hash.
    struct OAuthClientSummary: Encodable {
        var id: String
        var clientName: String?
        var clientUri: String?
        var redirectUris: [String]
        var grantTypes: [String]
        var scopes: [String]
        var systemId: String?
        var createdAt: Date
        var revokedAt: Date?

        init(_ client: StoredOAuthClient, metadata: ClientMetadata?) {
            self.id = client.id
            self.clientName = metadata?.clientName
            self.clientUri = metadata?.clientURI
            self.redirectUris = metadata?.redirectURIs ?? []
            self.grantTypes = metadata?.grantTypes.map(\.rawValue) ?? []
            self.scopes = metadata?.scope.description.split(separator: " ").map(String.init) ?? []
            self.systemId = client.systemId
            self.createdAt = client.createdAt
            self.revokedAt = client.revokedAt
        }
    }
}
