import Foundation
import Testing
import VitaJSON
@testable import VitaWalletProtocols

@Suite("Wallet protocols: OpenID4VCI and VC-API exchange documents and requests")
struct WalletProtocolsTests {
    @Test func issuerMetadataNamesTheEndpointsAndEveryConfigurationAsLdpVC() throws {
        let metadata = CredentialIssuerMetadata(issuer: "https://vita.example").document
        #expect(metadata["credential_issuer"] == "https://vita.example")
        #expect(metadata["credential_endpoint"] == "https://vita.example/oid4vci/credential")
        #expect(metadata["notification_endpoint"] == "https://vita.example/oid4vci/notification")
        let configurations = try #require(metadata["credential_configurations_supported"]?.objectValue)
        #expect(configurations.keys.sorted() == ["ClrCredential_ldp_vc", "OpenBadgeCredential_ldp_vc"])
        let badge = try #require(configurations["OpenBadgeCredential_ldp_vc"])
        #expect(badge["format"] == "ldp_vc")
        #expect(badge["credential_definition"]?["type"] == ["VerifiableCredential", "OpenBadgeCredential"])
        #expect(badge["credential_definition"]?["@context"]?.arrayValue?.first == "https://www.w3.org/ns/credentials/v2")
        // No key proof is asked for: the credential is delivered as issued (§12.2.4, §8.2).
        #expect(badge["proof_types_supported"] == nil)
        #expect(badge["cryptographic_binding_methods_supported"] == nil)
    }

    @Test func offerCarriesThePreAuthorizedCodeAndTheTransactionCodeDescriptor() throws {
        let offer = CredentialOffer(issuer: "https://vita.example", configuration: .clr, preAuthorizedCode: "vpc_abc",
                                    requiresTransactionCode: true)
        let grant = offer.document["grants"]?["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
        #expect(grant?["pre-authorized_code"] == "vpc_abc")
        #expect(grant?["tx_code"]?["input_mode"] == "numeric")
        #expect(grant?["tx_code"]?["length"]?.numberValue?.doubleValue == 6)
        #expect(offer.document["credential_configuration_ids"] == ["ClrCredential_ldp_vc"])
        let plain = CredentialOffer(issuer: "https://vita.example", configuration: .openBadge, preAuthorizedCode: "vpc_abc",
                                    requiresTransactionCode: false)
        #expect(plain.document["grants"]?["urn:ietf:params:oauth:grant-type:pre-authorized_code"]?["tx_code"] == nil)
    }

    @Test func offerURIPercentEncodesTheOfferSoItParsesBack() throws {
        let offer = CredentialOffer(issuer: "https://vita.example/a b", configuration: .openBadge,
                                    preAuthorizedCode: "vpc_x-y_z", requiresTransactionCode: true)
        let uri = offer.uri
        #expect(uri.hasPrefix("openid-credential-offer://?credential_offer=%7B%22"))
        #expect(!uri.dropFirst("openid-credential-offer://?".count).contains { "{}\" :/&#".contains($0) })
        let encoded = String(uri.dropFirst("openid-credential-offer://?credential_offer=".count))
        let decoded = try #require(encoded.removingPercentEncoding)
        #expect(try JSONValue(parsing: decoded) == offer.document)
    }

    @Test func transactionCodesAreSixDigits() {
        for _ in 0..<50 {
            let code = CredentialOffer.makeTransactionCode()
            #expect(CredentialOffer.isWellFormedTransactionCode(code), "\(code)")
        }
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "12 456"] {
            #expect(!CredentialOffer.isWellFormedTransactionCode(bad), "\(bad)")
        }
    }

    @Test func configurationOfASignedCredentialFollowsItsType() {
        let proof: JSONValue = ["type": "DataIntegrityProof"]
        #expect(CredentialConfiguration.of(["type": ["VerifiableCredential", "OpenBadgeCredential"], "proof": proof]) == .openBadge)
        #expect(CredentialConfiguration.of(["type": ["VerifiableCredential", "AchievementCredential"], "proof": proof]) == .openBadge)
        #expect(CredentialConfiguration.of(["type": ["VerifiableCredential", "ClrCredential"], "proof": proof]) == .clr)
        #expect(CredentialConfiguration.of(["type": ["VerifiableCredential", "OpenBadgeCredential"]]) == nil)
        #expect(CredentialConfiguration.of(["type": ["VerifiableCredential"], "proof": proof]) == nil)
    }

    @Test func credentialRequestNamesTheParameterAtFault() throws {
        #expect(try CredentialRequest(body: ["credential_configuration_id": "ClrCredential_ldp_vc"]).configurationId
            == "ClrCredential_ldp_vc")
        // A proof is accepted (and not used) so that wallets which always send one still receive the credential.
        #expect(try CredentialRequest(body: ["credential_configuration_id": "x", "proofs": ["jwt": ["e30"]]]).configurationId == "x")
        let cases: [(JSONValue, WalletProtocolError.Code, String)] = [
            ([1], .invalidCredentialRequest, "JSON object"),
            ([:], .invalidCredentialRequest, "credential_configuration_id is required"),
            (["credential_configuration_id": 5], .invalidCredentialRequest, "credential_configuration_id must be"),
            (["credential_identifier": "a"], .unknownCredentialIdentifier, "credential_identifier"),
            (["credential_configuration_id": "x", "proofs": "jwt"], .invalidCredentialRequest, "proofs must be an object"),
            (["credential_configuration_id": "x", "credential_response_encryption": [:]], .invalidCredentialRequest,
             "credential_response_encryption"),
        ]
        for (body, code, reason) in cases {
            let error = #expect(throws: WalletProtocolError.self) { try CredentialRequest(body: body) }
            #expect(error?.code == code)
            #expect(error?.reason.contains(reason) == true, "\(error?.reason ?? "")")
        }
    }

    @Test func notificationRequestReadsTheEventAndRefusesUnsafeDescriptions() throws {
        let notice = try NotificationRequest(body: ["notification_id": "cof_1", "event": "credential_accepted",
                                                    "event_description": "stored"])
        #expect(notice.event == .accepted)
        #expect(notice.description == "stored")
        for body: JSONValue in [["event": "credential_accepted"], ["notification_id": "n", "event": "stored"],
                                ["notification_id": "n", "event": "credential_deleted", "event_description": "say \"hi\""],
                                ["notification_id": "n", "event": "credential_failure", "event_description": .string(String(repeating: "a", count: 501))]] {
            let error = #expect(throws: WalletProtocolError.self) { try NotificationRequest(body: body) }
            #expect(error?.code == .invalidNotificationRequest)
        }
    }

    @Test func exchangeInvitationLinksCarryTheInvitationTheWalletParses() throws {
        let invitation = ExchangeInvitation(origin: "https://vita.example", exchangeURL: "https://vita.example/exchanges/vxe_a-b")
        for (link, prefix) in [(invitation.walletLink, "https://lcw.app/request.html?request="),
                               (invitation.deepLink, "dccrequest://request?request=")] {
            #expect(link.hasPrefix(prefix))
            let decoded = try #require(String(link.dropFirst(prefix.count)).removingPercentEncoding)
            #expect(try JSONValue(parsing: decoded) == invitation.document)
        }
        #expect(invitation.document["protocols"]?["vcapi"] == "https://vita.example/exchanges/vxe_a-b")
        #expect(invitation.interaction == ["protocols": ["vcapi": "https://vita.example/exchanges/vxe_a-b"]])
        let offer = ExchangeInvitation.offer(["id": "urn:uuid:1"])
        #expect(offer["verifiablePresentation"]?["type"] == ["VerifiablePresentation"])
        #expect(offer["verifiablePresentation"]?["verifiableCredential"] == [["id": "urn:uuid:1"]])
    }
}
