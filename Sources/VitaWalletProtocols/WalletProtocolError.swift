/// The error type of VitaWalletProtocols. `code` is the wire error code of OpenID for Verifiable Credential Issuance 1.0
/// (§8.3.1.2 for the Credential Endpoint, §11.3 for the Notification Endpoint) or, at the OpenID4VP Response URI,
/// RFC 6749's `invalid_request`; for Vita's wallet as a client of other issuers and verifiers, the OpenID4VP error it
/// would answer with, or what was wrong with an offer or an issuer's answer. `reason` says what is wrong and never
/// contains a code, token or personal data.
public struct WalletProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, CaseIterable {
        /// §8.3.1.2: the Credential Request is missing a parameter or is malformed.
        case invalidCredentialRequest = "invalid_credential_request"
        /// §8.3.1.2: the requested Credential Configuration is unknown, or not the one the offer was for.
        case unknownCredentialConfiguration = "unknown_credential_configuration"
        /// §8.3.1.2: `credential_identifier` names no Credential of this authorization.
        case unknownCredentialIdentifier = "unknown_credential_identifier"
        /// §8.3.1.2: the Credential cannot be issued (here: it was revoked or suspended since it was offered).
        case credentialRequestDenied = "credential_request_denied"
        /// §11.3: `notification_id` is not the one this token's Credential Response returned.
        case invalidNotificationId = "invalid_notification_id"
        /// §11.3: the Notification Request is missing a parameter or is malformed.
        case invalidNotificationRequest = "invalid_notification_request"
        /// OpenID4VP 1.0 §8.2: what was posted to the Response URI is not an answer to a Vita request (no `state`,
        /// a malformed `vp_token`, an unknown or spent request); §8.5, for Vita's wallet: a request it cannot answer
        /// (a malformed query, a Client Identifier Prefix that needs a signed request, a Response Mode other than
        /// `direct_post`).
        case invalidRequest = "invalid_request"
        /// OpenID4VP 1.0 §8.5: the Client Identifier names a verifier the wallet would have to know beforehand.
        case invalidClient = "invalid_client"
        /// OpenID4VP 1.0 §8.5: the verifier accepts none of the formats or cryptosuites the wallet can present.
        case vpFormatsNotSupported = "vp_formats_not_supported"
        /// OpenID4VP 1.0 §8.5: the request carries transaction data, which Vita's wallet does not process.
        case invalidTransactionData = "invalid_transaction_data"
        /// Vita's wallet as an OpenID4VCI client: a Credential Offer it cannot claim (malformed, or without a
        /// pre-authorized code).
        case invalidCredentialOffer = "invalid_credential_offer"
        /// Vita's wallet as an OpenID4VCI client: an issuer's metadata or answer it cannot use.
        case invalidIssuerResponse = "invalid_issuer_response"
    }

    /// What went wrong.
    public let code: Code
    /// Details for people.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
