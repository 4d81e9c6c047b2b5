import VitaCredentials
import VitaJSON

/// A Credential Configuration Vita offers to wallets (OpenID4VCI 1.0 §12.2.4, with the `ldp_vc` format of
/// Appendix A.1.2): the credentials Vita itself issued, as the signed JSON-LD documents they are (Data Integrity
/// proofs, `eddsa-rdfc-2022` or `eddsa-jcs-2022`).
///
/// Vita delivers the credential it already issued rather than signing a new one at the wallet's request, so no
/// configuration declares `cryptographic_binding_methods_supported` or `proof_types_supported` (§12.2.4: without
/// them the Wallet sends no key proof, §8.2): the subject stays what the issuer named — the learner's DID, or a
/// hashed identity — and the credential keeps its one status-list entry.
public struct CredentialConfiguration: Sendable, Equatable {
    /// The configuration's identifier in `credential_configurations_supported` and in offers.
    public let id: String
    /// The `type` a credential of this configuration carries besides `VerifiableCredential`.
    public let credentialType: String
    /// `credential_definition.@context`: the contexts Vita issues it with.
    public let contexts: [String]
    /// The name a wallet shows (`credential_metadata.display`).
    public let displayName: String

    /// The wire format (Appendix A.1.2).
    public static let format = "ldp_vc"
    /// The cryptosuites Vita signs with (`credential_signing_alg_values_supported` of an `ldp_vc` configuration).
    public static let cryptosuites = ["eddsa-rdfc-2022", "eddsa-jcs-2022"]

    /// Open Badges 3.0: an OpenBadgeCredential.
    public static let openBadge = CredentialConfiguration(
        id: "OpenBadgeCredential_ldp_vc", credentialType: "OpenBadgeCredential", contexts: OpenBadgeIssuance.contexts,
        displayName: "Open Badge")
    /// CLR 2.0: a ClrCredential.
    public static let clr = CredentialConfiguration(
        id: "ClrCredential_ldp_vc", credentialType: "ClrCredential", contexts: ClrIssuance.contexts,
        displayName: "Comprehensive Learner Record")

    /// Every configuration Vita offers.
    public static let all = [openBadge, clr]

    /// The configuration with this identifier.
    public static func named(_ id: String) -> CredentialConfiguration? {
        all.first { $0.id == id }
    }

    /// The configuration a signed credential is delivered as: its `type` names the configuration's credential type
    /// (an Open Badge may also be typed `AchievementCredential`, its OB 3.0 alias) and it carries an embedded proof.
    public static func of(_ credential: JSONValue) -> CredentialConfiguration? {
        guard credential["proof"] != nil else { return nil }
        let types = credential["type"]?.arrayValue?.compactMap(\.stringValue) ?? credential["type"]?.stringValue.map { [$0] } ?? []
        if types.contains(clr.credentialType) { return clr }
        if types.contains(openBadge.credentialType) || types.contains("AchievementCredential") { return openBadge }
        return nil
    }

    /// The configuration's entry in the Credential Issuer Metadata.
    public var metadata: JSONValue {
        [
            "format": .string(Self.format),
            "credential_definition": [
                "@context": .array(contexts.map(JSONValue.string)),
                "type": ["VerifiableCredential", .string(credentialType)],
            ],
            "credential_signing_alg_values_supported": .array(Self.cryptosuites.map(JSONValue.string)),
            "credential_metadata": ["display": [["name": .string(displayName), "locale": "en"]]],
        ]
    }
}
