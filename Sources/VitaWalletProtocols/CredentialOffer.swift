import VitaCore
import VitaJSON

/// A Credential Offer with a Pre-Authorized Code (OpenID4VCI 1.0 §4.1.1), passed to the wallet by value in an
/// `openid-credential-offer://` URI (§4.1), as a link or a QR code.
public struct CredentialOffer: Sendable, Equatable {
    /// The Pre-Authorized Code grant type (§3.5, §6.1).
    public static let preAuthorizedGrantType = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    /// The scheme of the offer URI (§4.1.3: the Wallet's default custom scheme).
    public static let scheme = "openid-credential-offer://"
    /// The length of a Transaction Code: six digits.
    public static let transactionCodeLength = 6

    /// The Credential Issuer Identifier.
    public let issuer: String
    /// The offered configuration.
    public let configuration: CredentialConfiguration
    /// The Pre-Authorized Code.
    public let preAuthorizedCode: String
    /// Whether the Token Request must carry the Transaction Code the learner sees on Vita's page (§4.1.1 `tx_code`).
    public let requiresTransactionCode: Bool

    /// Creates an offer.
    public init(issuer: String, configuration: CredentialConfiguration, preAuthorizedCode: String, requiresTransactionCode: Bool) {
        self.issuer = issuer
        self.configuration = configuration
        self.preAuthorizedCode = preAuthorizedCode
        self.requiresTransactionCode = requiresTransactionCode
    }

    /// The Credential Offer object (§4.1.1).
    public var document: JSONValue {
        var grant: JSONObject = ["pre-authorized_code": .string(preAuthorizedCode)]
        if requiresTransactionCode {
            grant["tx_code"] = ["input_mode": "numeric", "length": JSONValue(integerLiteral: Self.transactionCodeLength),
                                "description": "The six-digit code shown next to the QR code in your Vita wallet"]
        }
        return [
            "credential_issuer": .string(issuer),
            "credential_configuration_ids": [.string(configuration.id)],
            "grants": .object([Self.preAuthorizedGrantType: .object(grant)]),
        ]
    }

    /// The offer by value: `openid-credential-offer://?credential_offer=` and the object, percent-encoded (§4.1.3).
    public var uri: String {
        Self.scheme + "?credential_offer=" + PercentEncoding.unreserved(document.serializedString())
    }

    /// A new Transaction Code: six digits from the system's secure random generator.
    public static func makeTransactionCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<transactionCodeLength).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
    }

    /// Whether `code` has the shape of a Transaction Code (six ASCII digits).
    public static func isWellFormedTransactionCode(_ code: String) -> Bool {
        code.utf8.count == transactionCodeLength && code.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
