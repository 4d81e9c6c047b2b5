import VitaJSON

/// A Credential Request (OpenID4VCI 1.0 §8.2), read from its JSON body.
///
/// Vita's configurations take no key proof (``CredentialConfiguration``): `proofs` (and the older `proof`) are
/// accepted when they are objects and not used, so wallets that always send one still receive the credential.
/// Response encryption is not offered (§12.2.4 has no `credential_response_encryption`), so a request for it is refused.
public struct CredentialRequest: Sendable, Equatable {
    /// The requested Credential Configuration.
    public let configurationId: String

    /// Reads a request body; throws ``WalletProtocolError`` naming the parameter at fault.
    public init(body: JSONValue) throws(WalletProtocolError) {
        guard let object = body.objectValue else {
            throw WalletProtocolError(.invalidCredentialRequest, "the request must be a JSON object")
        }
        if object["credential_identifier"] != nil {
            throw WalletProtocolError(.unknownCredentialIdentifier,
                               "credential_identifier: this issuer returns no credential identifiers; send credential_configuration_id")
        }
        guard let value = object["credential_configuration_id"] else {
            throw WalletProtocolError(.invalidCredentialRequest, "credential_configuration_id is required")
        }
        guard let id = value.stringValue, !id.isEmpty else {
            throw WalletProtocolError(.invalidCredentialRequest, "credential_configuration_id must be a string")
        }
        for name in ["proofs", "proof"] where object[name] != nil && object[name]?.objectValue == nil {
            throw WalletProtocolError(.invalidCredentialRequest, "\(name) must be an object")
        }
        if object["credential_response_encryption"] != nil {
            throw WalletProtocolError(.invalidCredentialRequest, "credential_response_encryption: this issuer does not encrypt responses")
        }
        configurationId = id
    }
}

/// A Notification Request (OpenID4VCI 1.0 §11.1): what the wallet did with the credential it received.
public struct NotificationRequest: Sendable, Equatable {
    /// The event (§11.1 `event`).
    public enum Event: String, Sendable, CaseIterable {
        /// The credential was stored.
        case accepted = "credential_accepted"
        /// The wallet could not store it.
        case failure = "credential_failure"
        /// The learner declined or deleted it.
        case deleted = "credential_deleted"
    }

    /// The `notification_id` of the Credential Response.
    public let notificationId: String
    /// What happened.
    public let event: Event
    /// The wallet's description, at most 500 characters (§11.1 `event_description`, ASCII without `"` and `\`).
    public let description: String?

    /// Reads a request body; throws ``WalletProtocolError`` naming the parameter at fault.
    public init(body: JSONValue) throws(WalletProtocolError) {
        guard let object = body.objectValue else {
            throw WalletProtocolError(.invalidNotificationRequest, "the request must be a JSON object")
        }
        guard let id = object["notification_id"]?.stringValue, !id.isEmpty else {
            throw WalletProtocolError(.invalidNotificationRequest, "notification_id is required (a string)")
        }
        guard let eventText = object["event"]?.stringValue, let event = Event(rawValue: eventText) else {
            throw WalletProtocolError(.invalidNotificationRequest,
                               "event must be credential_accepted, credential_failure or credential_deleted")
        }
        var description: String?
        if let value = object["event_description"], value != .null {
            guard let text = value.stringValue, text.utf8.count <= 500,
                  text.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }) else {
                throw WalletProtocolError(.invalidNotificationRequest,
                                   "event_description must be printable ASCII without \" or \\, at most 500 characters")
            }
            description = text
        }
        self.notificationId = id
        self.event = event
        self.description = description
    }
}
