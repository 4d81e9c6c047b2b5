import VitaCore
import VitaJSON

/// A VC-API exchange a wallet app is invited to (the protocol of the Learner Credential Wallet and the Digital
/// Credentials Consortium's tools): an *exchange invitation* `{"credentialRequestOrigin", "protocols": {"vcapi": URL}}`
/// passed in the `request` query parameter of the wallet's link; the wallet `POST`s `{}` to the URL, and the answer
/// offers the credential in a Verifiable Presentation (`{"verifiablePresentation": …}`, the "VP offer" of CHAPI/VC-API
/// native wallets).
public struct ExchangeInvitation: Sendable, Equatable {
    /// The origin the wallet shows as asking (Vita's public base URL).
    public let origin: String
    /// The exchange's URL.
    public let exchangeURL: String

    /// The Learner Credential Wallet's universal link (opens the app, or its web page when it is not installed).
    public static let learnerCredentialWalletLink = "https://lcw.app/request.html"
    /// The Learner Credential Wallet's own scheme, for a link followed on the phone itself.
    public static let learnerCredentialWalletScheme = "dccrequest://request"

    /// Creates an invitation to the exchange at `exchangeURL` from `origin`.
    public init(origin: String, exchangeURL: String) {
        self.origin = origin
        self.exchangeURL = exchangeURL
    }

    /// The invitation object.
    public var document: JSONValue {
        ["credentialRequestOrigin": .string(origin), "protocols": ["vcapi": .string(exchangeURL)]]
    }

    /// The wallet's universal link: `https://lcw.app/request.html?request=` and the invitation, percent-encoded.
    public var walletLink: String { link(Self.learnerCredentialWalletLink) }

    /// The same with the wallet's own scheme.
    public var deepLink: String { link(Self.learnerCredentialWalletScheme) }

    /// The answer to a wallet's `GET` of the exchange URL with `iuv=1` (an *interaction URL*): the protocols it speaks.
    public var interaction: JSONValue { ["protocols": ["vcapi": .string(exchangeURL)]] }

    /// The offer the exchange answers: an unsigned Verifiable Presentation carrying `credential` as issued.
    public static func offer(_ credential: JSONValue) -> JSONValue {
        ["verifiablePresentation": [
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [credential],
        ]]
    }

    private func link(_ base: String) -> String {
        base + "?request=" + PercentEncoding.unreserved(document.serializedString())
    }
}
