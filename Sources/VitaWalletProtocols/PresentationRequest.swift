import VitaCredentials
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
    /// The IRI each kind of credential's `type` expands to (the VC 2.0 and 1.1 contexts, the Open Badges 3.0 context
    /// — where `AchievementCredential` is an alias of `OpenBadgeCredential` — and the CLR 2.0 context).
    public static let typeIRIs = [
        "VerifiableCredential": "https://www.w3.org/2018/credentials#VerifiableCredential",
        "OpenBadgeCredential": "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential",
        "ClrCredential": "https://purl.imsglobal.org/spec/vc/clr/vocab.html#ClrCredential",
    ]

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

    /// The `request` check of a presentation's report: whether every credential presented is of `credentialType` (its
    /// `type` expanded by JSON-LD, so the check reads what the contexts say, not the strings). A wallet is not trusted
    /// to have applied the query (OpenID4VP 1.0 §14.11): a credential of another kind fails the check.
    public static func typeCheck(_ credentials: [JSONValue], credentialType: String,
                                 verifier: CredentialVerifier) -> VerificationReport.Check {
        let wanted = typeIRIs[credentialType] ?? credentialType
        guard !credentials.isEmpty else {
            return .init("request", .fail, "the presentation holds no credential, and a \(credentialType) was asked for")
        }
        let mismatched = credentials.indices.filter { verifier.expandedTypes(of: credentials[$0])?.contains(wanted) != true }
        guard mismatched.isEmpty else {
            let which = mismatched.map { "credential \($0 + 1)" }.joined(separator: ", ")
            return .init("request", .fail, "\(which) of \(credentials.count) is not a \(credentialType), which was asked for")
        }
        return .init("request", .pass, credentials.count == 1 ? "the credential is a \(credentialType), as asked"
                                                               : "each of the \(credentials.count) credentials is a \(credentialType), as asked")
    }
}
