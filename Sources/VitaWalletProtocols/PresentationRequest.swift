import VitaJSON

/// A request for credentials sent to a wallet app through a VC-API exchange (W3C CCG Verifiable Presentation Request):
/// a *query by example* for the kind of credential wanted, and *DID authentication* so that the wallet signs the
/// presentation with the holder's key over the exchange's `challenge` and this Vita's `domain` — a presentation
/// replayed from elsewhere, or made for another verifier, fails.
public struct PresentationRequest: Sendable, Equatable {
    /// The kinds of credential a request may ask for (`type` in the example); `VerifiableCredential` asks for any.
    public static let credentialTypes = ["OpenBadgeCredential", "ClrCredential", "VerifiableCredential"]
    /// The longest reason shown to the learner.
    public static let maxReasonLength = 300

    /// The `type` every credential presented must carry.
    public let credentialType: String
    /// Why the verifier asks, shown by the wallet.
    public let reason: String
    /// The exchange's challenge.
    public let challenge: String
    /// The verifier's domain (this Vita's host).
    public let domain: String

    /// Creates a request.
    public init(credentialType: String, reason: String, challenge: String, domain: String) {
        self.credentialType = credentialType
        self.reason = reason
        self.challenge = challenge
        self.domain = domain
    }

    /// The exchange's answer to the wallet's `{}`: `{"verifiablePresentationRequest": …}`.
    public var document: JSONValue {
        ["verifiablePresentationRequest": [
            "query": [
                ["type": "QueryByExample",
                 "credentialQuery": ["reason": .string(reason), "example": ["type": [.string(credentialType)]]]],
                ["type": "DIDAuthentication", "acceptedMethods": [["method": "key"]]],
            ],
            "challenge": .string(challenge),
            "domain": .string(domain),
        ]]
    }
}
