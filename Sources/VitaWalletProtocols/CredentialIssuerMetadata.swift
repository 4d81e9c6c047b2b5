import VitaJSON

/// The Credential Issuer Metadata (OpenID4VCI 1.0 §12.2), served at `/.well-known/openid-credential-issuer`.
///
/// Vita is its own authorization server (no `authorization_servers`: §12.2.4), takes Credential Requests at
/// `/oid4vci/credential` and Notifications at `/oid4vci/notification`, and needs no nonce endpoint (no configuration
/// asks for a key proof).
public struct CredentialIssuerMetadata: Sendable {
    /// The Credential Issuer Identifier: Vita's public base URL.
    public let issuer: String
    /// The name wallets show for the issuer.
    public let displayName: String

    /// The Credential Endpoint's path.
    public static let credentialPath = "/oid4vci/credential"
    /// The Notification Endpoint's path.
    public static let notificationPath = "/oid4vci/notification"
    /// The metadata's path (§12.2.2, for an issuer identifier without a path component).
    public static let wellKnownPath = "/.well-known/openid-credential-issuer"

    /// Creates the metadata of the issuer at `issuer` (no trailing slash).
    public init(issuer: String, displayName: String = "Vita") {
        self.issuer = issuer
        self.displayName = displayName
    }

    /// The metadata document.
    public var document: JSONValue {
        var configurations = JSONObject()
        for configuration in CredentialConfiguration.all { configurations[configuration.id] = configuration.metadata }
        return [
            "credential_issuer": .string(issuer),
            "credential_endpoint": .string(issuer + Self.credentialPath),
            "notification_endpoint": .string(issuer + Self.notificationPath),
            "display": [["name": .string(displayName), "locale": "en", "logo": ["uri": .string(issuer + "/logo.svg"), "alt_text": "Vita"]]],
            "credential_configurations_supported": .object(configurations),
        ]
    }
}
