import Crypto
import Foundation
import Testing
import VitaCore
import VitaCredentials
import VitaJSON
@testable import VitaWalletProtocols

@Suite("OpenID4VCI as the wallet: reading another issuer's offer and metadata, the key proof, the credential response")
struct ReceivedCredentialOfferTests {
    static let grant = CredentialOffer.preAuthorizedGrantType

    static func link(_ offer: JSONValue) -> String {
        CredentialOffer.scheme + "?credential_offer=" + PercentEncoding.unreserved(offer.serializedString())
    }

    static func offerError(_ text: String) -> WalletProtocolError? {
        do {
            _ = try ReceivedCredentialOffer.link(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsTheOfferVitasOwnIssuerMakes() throws {
        let sent = CredentialOffer(issuer: "https://vita.example", configuration: .openBadge, preAuthorizedCode: "vpc_code", requiresTransactionCode: true)
        guard case .offer(let offer) = try ReceivedCredentialOffer.link(sent.uri) else { Issue.record("not by value"); return }
        #expect(offer.credentialIssuer == "https://vita.example")
        #expect(offer.configurationIDs == ["OpenBadgeCredential_ldp_vc"])
        #expect(offer.preAuthorizedCode == "vpc_code")
        #expect(offer.transactionCode?.inputMode == "numeric" && offer.transactionCode?.length == 6)
        #expect(offer.accepts(transactionCode: "123456") && !offer.accepts(transactionCode: "12345") && !offer.accepts(transactionCode: "12a456"))
        #expect(offer.tokenRequest(transactionCode: "123456").map(\.name) == ["grant_type", "pre-authorized_code", "tx_code"])
        #expect(offer.tokenRequest(transactionCode: nil)[0].value == Self.grant)
        let plain = CredentialOffer(issuer: "https://vita.example", configuration: .clr, preAuthorizedCode: "c", requiresTransactionCode: false)
        guard case .offer(let noCode) = try ReceivedCredentialOffer.link(plain.uri) else { Issue.record("not by value"); return }
        #expect(noCode.transactionCode == nil && !noCode.accepts(transactionCode: "123456"))
    }

    @Test func readsAnOfferByReferenceAndTextCodes() throws {
        #expect(try ReceivedCredentialOffer.link("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Foffers%2F1")
                == .reference("https://issuer.example/offers/1"))
        let offer = try ReceivedCredentialOffer(document: [
            "credential_issuer": "https://issuer.example/tenant", "credential_configuration_ids": ["UniversityDegree", "Badge"],
            "grants": [Self.grant: ["pre-authorized_code": "abc", "tx_code": ["input_mode": "text", "description": "Sent by e-mail"],
                                             "authorization_server": "https://as.example"]],
        ])
        #expect(offer.configurationIDs == ["UniversityDegree", "Badge"] && offer.authorizationServer == "https://as.example")
        #expect(offer.transactionCode?.inputMode == "text" && offer.transactionCode?.length == nil)
        #expect(offer.accepts(transactionCode: "tulip-42"))
    }

    @Test("offers Vita's wallet cannot claim are refused saying why", arguments: [
        ("hello", "not a credential offer"),
        ("openid-credential-offer://?x=1", "neither"),
        ("openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fa.example", "must not both"),
        ("openid-credential-offer://?credential_offer=%7Bnot", "not JSON"),
        ("openid-credential-offer://?credential_offer_uri=ftp%3A%2F%2Fa.example", "https URL"),
        (link(["credential_issuer": "https://a.example", "credential_configuration_ids": ["X"], "grants": ["authorization_code": ["issuer_state": "s"]]]), "sign-in at the issuer"),
        (link(["credential_issuer": "https://a.example", "credential_configuration_ids": ["X"], "grants": [:]]), "no pre-authorized code"),
        (link(["credential_issuer": "https://a.example?x=1", "credential_configuration_ids": ["X"], "grants": ["urn:ietf:params:oauth:grant-type:pre-authorized_code": ["pre-authorized_code": "c"]]]), "credential_issuer"),
        (link(["credential_issuer": "https://a.example", "credential_configuration_ids": [], "grants": ["urn:ietf:params:oauth:grant-type:pre-authorized_code": ["pre-authorized_code": "c"]]]), "credential_configuration_ids"),
        (link(["credential_issuer": "https://a.example", "credential_configuration_ids": ["X", "X"], "grants": ["urn:ietf:params:oauth:grant-type:pre-authorized_code": ["pre-authorized_code": "c"]]]), "distinct"),
        (link(["credential_issuer": "https://a.example", "credential_configuration_ids": ["X"], "grants": ["urn:ietf:params:oauth:grant-type:pre-authorized_code": ["pre-authorized_code": ""]]]), "pre-authorized_code"),
        (link(["credential_issuer": "https://a.example", "credential_configuration_ids": ["X"], "grants": ["urn:ietf:params:oauth:grant-type:pre-authorized_code": ["pre-authorized_code": "c", "tx_code": ["input_mode": "voice"]]]]), "input_mode"),
        (link(["credential_issuer": "https://a.example", "credential_configuration_ids": ["X"], "grants": ["urn:ietf:params:oauth:grant-type:pre-authorized_code": ["pre-authorized_code": "c", "tx_code": ["length": 0]]]]), "length"),
    ] as [(String, String)])
    func refusesWhatItCannotClaim(_ text: String, reason: String) throws {
        let error = try #require(Self.offerError(text))
        #expect(error.code == .invalidCredentialOffer)
        #expect(error.reason.contains(reason), "\(error.reason)")
    }

    @Test func readsIssuerMetadataVitasIssuerPublishesAndFindsItsWellKnownURL() throws {
        let document = CredentialIssuerMetadata(issuer: "https://vita.example").document
        let metadata = try ReceivedIssuerMetadata(document: document, issuer: "https://vita.example")
        #expect(metadata.credentialEndpoint == "https://vita.example/oid4vci/credential")
        #expect(metadata.notificationEndpoint == "https://vita.example/oid4vci/notification")
        #expect(metadata.nonceEndpoint == nil && metadata.authorizationServers.isEmpty && metadata.displayName == "Vita")
        #expect(metadata.configurations["ClrCredential_ldp_vc"] == .init(format: "ldp_vc", name: "Comprehensive Learner Record", proofTypes: nil, bindingMethods: nil))
        #expect(!metadata.requiresEncryption)
        #expect(throws: WalletProtocolError.self) { try ReceivedIssuerMetadata(document: document, issuer: "https://other.example") }
        #expect(throws: WalletProtocolError.self) { try ReceivedIssuerMetadata(document: ["credential_issuer": "https://vita.example"], issuer: "https://vita.example") }

        // §12.2.2 and RFC 8414 §3.1: the well-known segment goes between the host and the path.
        #expect(ReceivedIssuerMetadata.url(of: "https://vita.example") == "https://vita.example/.well-known/openid-credential-issuer")
        #expect(ReceivedIssuerMetadata.url(of: "https://issuer.example/tenant") == "https://issuer.example/.well-known/openid-credential-issuer/tenant")
        #expect(ReceivedIssuerMetadata.authorizationServerMetadataURL(of: "https://as.example:8443/realm")
                == "https://as.example:8443/.well-known/oauth-authorization-server/realm")
    }

    @Test func keyProofIsAnEdDSAJWTForTheIssuerWithItsNonceVerifiableWithTheHoldersKey() throws {
        let configuration = ReceivedIssuerMetadata.Configuration(format: "ldp_vc", name: nil, proofTypes: ["jwt": ["ES256", "EdDSA"]],
                                                                 bindingMethods: ["did:key"])
        let (reference, algorithm) = try #require(KeyProof.choice(for: configuration))
        #expect(reference == .didKey && algorithm == "EdDSA")
        let holder = Ed25519KeyPair()
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        let jwt = try KeyProof.jwt(holder: holder, reference: reference, algorithm: algorithm, issuer: "https://issuer.example",
                                   nonce: "c-nonce-1", now: now)
        let jws = try CompactJWS(parsing: jwt)
        #expect(jws.header["typ"] == "openid4vci-proof+jwt" && jws.header["alg"] == "EdDSA")
        #expect(jws.header["kid"]?.stringValue == holder.didKey.verificationMethodID)
        #expect(jws.payload == ["aud": "https://issuer.example", "iat": 1_780_000_000, "nonce": "c-nonce-1"])
        #expect(holder.publicKey.isValidSignature(jws.signature, for: jws.signingInput))

        let jwkOnly = try KeyProof.jwt(holder: holder, reference: .jwk, algorithm: "Ed25519", issuer: "https://issuer.example", nonce: nil, now: now)
        let parsed = try CompactJWS(parsing: jwkOnly)
        #expect(parsed.header["jwk"]?["kty"] == "OKP" && parsed.header["kid"] == nil && parsed.payload["nonce"] == nil)

        #expect(KeyProof.choice(for: .init(format: "ldp_vc", name: nil, proofTypes: ["jwt": ["Ed25519"]], bindingMethods: ["jwk"]))! == (.jwk, "Ed25519"))
        #expect(KeyProof.choice(for: .init(format: "ldp_vc", name: nil, proofTypes: ["jwt": ["ES256"]], bindingMethods: nil)) == nil)
        #expect(KeyProof.choice(for: .init(format: "ldp_vc", name: nil, proofTypes: ["di_vp": ["eddsa-rdfc-2022"]], bindingMethods: nil)) == nil)
        #expect(KeyProof.choice(for: .init(format: "ldp_vc", name: nil, proofTypes: ["jwt": ["EdDSA"]], bindingMethods: ["did:web"])) == nil)
    }

    @Test func credentialResponseGivesTheCredentialsAndRefusesDeferredIssuance() throws {
        let response = try ReceivedCredentials(response: ["credentials": [["credential": ["type": ["VerifiableCredential"]]], ["credential": "eyJ.a.b"]],
                                                          "notification_id": "n-1"])
        #expect(response.credentials == [["type": ["VerifiableCredential"]], "eyJ.a.b"] && response.notificationID == "n-1")
        for body: JSONValue in [["transaction_id": "t", "interval": 5], ["credentials": []], ["credentials": [["format": "ldp_vc"]]], [:]] {
            #expect(throws: WalletProtocolError.self, "\(body)") { try ReceivedCredentials(response: body) }
        }
    }
}
