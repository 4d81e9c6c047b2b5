import Foundation
import VitaCore
import VitaCredentials
import VitaJSON

/// An OpenID for Verifiable Credential Issuance 1.0 Credential Offer as Vita's wallet receives it from another issuer
/// (the other side of ``CredentialOffer``): the link or QR code text (`openid-credential-offer://?credential_offer=…`,
/// §4.1.3) or, by reference, the URL of the offer object (`credential_offer_uri`, which the caller fetches and reads
/// with ``init(document:)``). Vita's wallet claims offers with a **pre-authorized code** (§3.5); an offer with only the
/// authorization code grant needs a sign-in at the issuer, which a server-side wallet cannot do for the learner.
public struct ReceivedCredentialOffer: Sendable, Equatable {
    /// What the link holds.
    public enum Link: Sendable, Equatable {
        /// The offer itself.
        case offer(ReceivedCredentialOffer)
        /// Where to fetch it (`credential_offer_uri`).
        case reference(String)
    }

    /// What the issuer says of the Transaction Code it sent the person another way (§4.1.1 `tx_code`).
    public struct TransactionCode: Sendable, Equatable {
        /// `numeric` (the default) or `text`.
        public let inputMode: String
        /// Its length, if the issuer says.
        public let length: Int?
        /// The issuer's guidance (at most 300 characters, §4.1.1).
        public let description: String?
    }

    /// The Credential Issuer Identifier (an https URL).
    public let credentialIssuer: String
    /// The Credential Configurations offered.
    public let configurationIDs: [String]
    /// The pre-authorized code.
    public let preAuthorizedCode: String
    /// The Transaction Code the token request needs, if any.
    public let transactionCode: TransactionCode?
    /// The authorization server to use, when the issuer has several (§4.1.1).
    public let authorizationServer: String?

    /// The longest link accepted.
    public static let maxLength = 32 * 1024

    /// Reads the link or QR code text: the offer by value, or where to fetch it.
    /// - Throws: ``WalletProtocolError/Code/invalidCredentialOffer`` saying what is wrong.
    public static func link(_ text: String) throws(WalletProtocolError) -> Link {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count <= maxLength else { throw invalid("the offer is longer than \(maxLength / 1024) KiB") }
        guard let question = text.firstIndex(of: "?"), text[..<question].contains(":"),
              let fields = PercentEncoding.formFields(text[text.index(after: question)...].prefix(while: { $0 != "#" })) else {
            throw invalid("not a credential offer: expected a link such as openid-credential-offer://?credential_offer=…")
        }
        let value = fields.first { $0.name == "credential_offer" }?.value
        let reference = fields.first { $0.name == "credential_offer_uri" }?.value
        switch (value, reference) {
        case (let value?, nil):
            guard let document = try? JSONValue(parsing: value) else { throw invalid("credential_offer is not JSON") }
            return .offer(try ReceivedCredentialOffer(document: document))
        case (nil, let reference?):
            guard let url = URL(string: reference), url.scheme?.lowercased() == "https" || url.scheme?.lowercased() == "http",
                  url.host != nil else { throw invalid("credential_offer_uri must be an https URL") }
            return .reference(reference)
        case (.some, .some):
            throw invalid("credential_offer and credential_offer_uri must not both be sent (§4.1)")
        case (nil, nil):
            throw invalid("the link holds neither credential_offer nor credential_offer_uri")
        }
    }

    /// Reads a Credential Offer object (§4.1.1).
    public init(document: JSONValue) throws(WalletProtocolError) {
        guard case .object(let offer) = document else { throw Self.invalid("the credential offer must be a JSON object") }
        guard let issuer = offer["credential_issuer"]?.stringValue, Self.isIssuerIdentifier(issuer) else {
            throw Self.invalid("credential_issuer must be an https URL without query or fragment")
        }
        guard case .array(let ids)? = offer["credential_configuration_ids"], !ids.isEmpty,
              case let strings = ids.compactMap(\.stringValue), strings.count == ids.count, Set(strings).count == strings.count else {
            throw Self.invalid("credential_configuration_ids must be a non-empty array of distinct strings")
        }
        guard case .object(let grant)? = offer["grants"]?[CredentialOffer.preAuthorizedGrantType] else {
            throw Self.invalid(offer["grants"]?["authorization_code"] != nil
                               ? "the offer needs a sign-in at the issuer (authorization code grant): Vita's wallet claims offers with a pre-authorized code"
                               : "the offer has no pre-authorized code grant")
        }
        guard let code = grant["pre-authorized_code"]?.stringValue, !code.isEmpty, code.count <= 4096 else {
            throw Self.invalid("the grant's pre-authorized_code is required")
        }
        var transactionCode: TransactionCode?
        if let spec = grant["tx_code"] {
            guard case .object(let object) = spec else { throw Self.invalid("tx_code must be an object") }
            let mode = object["input_mode"]?.stringValue ?? "numeric"
            guard mode == "numeric" || mode == "text" else { throw Self.invalid("tx_code.input_mode must be numeric or text") }
            let length = object["length"]?.numberValue?.intValue
            if object["length"] != nil, !(1...100).contains(length ?? 0) { throw Self.invalid("tx_code.length must be a positive integer") }
            transactionCode = TransactionCode(inputMode: mode, length: length,
                                              description: object["description"]?.stringValue.map { String($0.prefix(300)) })
        }
        let server = grant["authorization_server"]?.stringValue
        if let server, !Self.isIssuerIdentifier(server) { throw Self.invalid("authorization_server must be an https URL") }
        credentialIssuer = issuer
        configurationIDs = strings
        preAuthorizedCode = code
        self.transactionCode = transactionCode
        authorizationServer = server
    }

    /// Whether a Transaction Code has the shape the offer describes.
    public func accepts(transactionCode code: String) -> Bool {
        guard let transactionCode else { return false }
        guard !code.isEmpty, code.count <= 100 else { return false }
        if let length = transactionCode.length, code.count != length { return false }
        return transactionCode.inputMode == "text" || code.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// The token request's form (§6.1): the pre-authorized code grant with the Transaction Code, if given.
    public func tokenRequest(transactionCode: String?) -> [(name: String, value: String)] {
        [("grant_type", CredentialOffer.preAuthorizedGrantType), ("pre-authorized_code", preAuthorizedCode)]
            + (transactionCode.map { [("tx_code", $0)] } ?? [])
    }

    /// An https (or, for local setups the outbound policy allows, http) URL without query or fragment.
    static func isIssuerIdentifier(_ text: String) -> Bool {
        guard let url = URL(string: text), ["https", "http"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else { return false }
        return url.query == nil && url.fragment == nil && url.user == nil
    }

    static func invalid(_ reason: String) -> WalletProtocolError { WalletProtocolError(.invalidCredentialOffer, reason) }
}

/// Another issuer's Credential Issuer Metadata (OpenID4VCI 1.0 §12.2) as Vita's wallet reads it: where to ask for a
/// credential, a nonce and a notification, which authorization server issues tokens, and each offered configuration's
/// format, name and key proof requirements.
public struct ReceivedIssuerMetadata: Sendable, Equatable {
    /// One Credential Configuration (§12.2.4).
    public struct Configuration: Sendable, Equatable {
        /// The Credential Format Identifier (`ldp_vc`, `jwt_vc_json`, …).
        public let format: String
        /// The name the issuer displays, if any.
        public let name: String?
        /// The key proof types and their signing algorithms, when a proof of the holder's key is required.
        public let proofTypes: [String: [String]]?
        /// How the credential may be bound to a key (`did:key`, `jwk`, …), if the issuer says.
        public let bindingMethods: [String]?
    }

    /// The Credential Issuer Identifier (must be the offer's).
    public let credentialIssuer: String
    /// The Credential Endpoint.
    public let credentialEndpoint: String
    /// The Nonce Endpoint, if any.
    public let nonceEndpoint: String?
    /// The Notification Endpoint, if any.
    public let notificationEndpoint: String?
    /// The authorization servers (the issuer itself when absent).
    public let authorizationServers: [String]
    /// The issuer's display name, if any.
    public let displayName: String?
    /// The configurations, by id.
    public let configurations: [String: Configuration]
    /// Whether credential responses must be encrypted (which Vita's wallet does not support).
    public let requiresEncryption: Bool

    /// Where the metadata of `issuer` lives (§12.2.2): the well-known path inserted between the host and the path.
    public static func url(of issuer: String) -> String {
        wellKnownURL(issuer, name: "openid-credential-issuer")
    }

    /// Where the OAuth 2.0 Authorization Server Metadata of `server` lives (RFC 8414 §3.1).
    public static func authorizationServerMetadataURL(of server: String) -> String {
        wellKnownURL(server, name: "oauth-authorization-server")
    }

    private static func wellKnownURL(_ identifier: String, name: String) -> String {
        guard var components = URLComponents(string: identifier) else { return identifier }
        let path = components.path == "/" ? "" : components.path
        components.path = "/.well-known/\(name)" + path
        return components.string ?? identifier
    }

    /// Reads the metadata of `issuer`.
    /// - Throws: ``WalletProtocolError/Code/invalidIssuerResponse`` saying what is wrong.
    public init(document: JSONValue, issuer: String) throws(WalletProtocolError) {
        guard case .object(let metadata) = document else { throw Self.invalid("the issuer's metadata is not a JSON object") }
        guard metadata["credential_issuer"]?.stringValue == issuer else {
            throw Self.invalid("the issuer's metadata names another credential_issuer (§12.2.3)")
        }
        guard let endpoint = metadata["credential_endpoint"]?.stringValue, ReceivedCredentialOffer.isIssuerIdentifier(endpoint) else {
            throw Self.invalid("the issuer's metadata has no credential_endpoint URL")
        }
        guard case .object(let supported)? = metadata["credential_configurations_supported"] else {
            throw Self.invalid("the issuer's metadata has no credential_configurations_supported")
        }
        var configurations: [String: Configuration] = [:]
        for (id, value) in zip(supported.keys, supported.values) {
            guard let format = value["format"]?.stringValue else { continue }
            let display = value["credential_metadata"]?["display"] ?? value["display"]
            var proofTypes: [String: [String]]?
            if case .object(let types)? = value["proof_types_supported"] {
                proofTypes = Dictionary(uniqueKeysWithValues: zip(types.keys, types.values).map { name, spec in
                    (name, spec["proof_signing_alg_values_supported"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                })
            }
            configurations[id] = Configuration(
                format: format, name: Self.name(display),
                proofTypes: proofTypes,
                bindingMethods: value["cryptographic_binding_methods_supported"]?.arrayValue?.compactMap(\.stringValue))
        }
        credentialIssuer = issuer
        credentialEndpoint = endpoint
        nonceEndpoint = metadata["nonce_endpoint"]?.stringValue
        notificationEndpoint = metadata["notification_endpoint"]?.stringValue
        authorizationServers = metadata["authorization_servers"]?.arrayValue?.compactMap(\.stringValue) ?? []
        displayName = Self.name(metadata["display"])
        self.configurations = configurations
        requiresEncryption = metadata["credential_response_encryption"]?["encryption_required"]?.boolValue == true
    }

    /// The English (else the first) display name.
    private static func name(_ display: JSONValue?) -> String? {
        let entries = display?.arrayValue ?? []
        let english = entries.first { ($0["locale"]?.stringValue ?? "").lowercased().hasPrefix("en") } ?? entries.first
        return english?["name"]?.stringValue.map { String($0.prefix(200)) }
    }

    static func invalid(_ reason: String) -> WalletProtocolError { WalletProtocolError(.invalidIssuerResponse, reason) }
}

/// A proof of possession of the holder's key for a Credential Request (OpenID4VCI 1.0 §8.2.1, Appendix F.1): a JWT
/// of type `openid4vci-proof+jwt` signed with the learner's Ed25519 holder key, naming the key by its `did:key` URL
/// (`kid`) or as a JWK (`jwk`), with the Credential Issuer as audience and the issuer's `c_nonce`.
public enum KeyProof {
    /// The JWT's `typ`.
    public static let type = "openid4vci-proof+jwt"

    /// How the key is named in the proof's header.
    public enum KeyReference: Sendable, Equatable {
        /// `kid`: the `did:key` verification method.
        case didKey
        /// `jwk`: the public key.
        case jwk
    }

    /// The key reference and algorithm name the configuration accepts for a `jwt` proof with an Ed25519 key, or nil
    /// when it accepts none: the algorithm `EdDSA` or `Ed25519` (RFC 9864); `did:key` when the configuration's binding
    /// methods allow a DID (or do not say), else `jwk`.
    public static func choice(for configuration: ReceivedIssuerMetadata.Configuration) -> (KeyReference, String)? {
        guard let algorithms = configuration.proofTypes?["jwt"],
              let algorithm = ["EdDSA", "Ed25519"].first(where: algorithms.contains) else { return nil }
        let methods = configuration.bindingMethods ?? []
        if methods.isEmpty || methods.contains(where: { $0 == "did:key" || $0 == "did" }) { return (.didKey, algorithm) }
        return methods.contains("jwk") ? (.jwk, algorithm) : nil
    }

    /// The proof JWT (Appendix F.1): header `typ`, `alg`, `kid` or `jwk`; claims `aud` (the Credential Issuer), `iat`
    /// and `nonce` (the issuer's `c_nonce`, when it has a Nonce Endpoint). No `iss`: the pre-authorized code grant is
    /// used without a client id (§F.1).
    public static func jwt(holder: Ed25519KeyPair, reference: KeyReference, algorithm: String, issuer: String, nonce: String?,
                           now: Date) throws(CredentialError) -> String {
        var header: JSONObject = ["typ": .string(type), "alg": .string(algorithm)]
        switch reference {
        case .didKey: header["kid"] = .string(holder.didKey.verificationMethodID)
        case .jwk: header["jwk"] = VCJWTSigningKey(ed25519: holder).publicKey.jwk
        }
        var claims: JSONObject = ["aud": .string(issuer), "iat": .number(JSONNumber(Int(now.timeIntervalSince1970.rounded(.down))))]
        if let nonce { claims["nonce"] = .string(nonce) }
        return try CompactJWS.sign(header: header, payload: .object(claims), signer: holder)
    }
}

/// What a Credential Endpoint answered (OpenID4VCI 1.0 §8.3): the credentials issued, and the id to notify the
/// issuer with.
public struct ReceivedCredentials: Sendable, Equatable {
    /// The credentials: JSON objects (`ldp_vc`) or strings (JWT-based formats).
    public let credentials: [JSONValue]
    /// The `notification_id`, if the issuer wants to hear what became of them (§11).
    public let notificationID: String?

    /// Reads the Credential Response body. Throws ``WalletProtocolError/Code/invalidIssuerResponse`` for a deferred
    /// issuance (a `transaction_id`: Vita's wallet does not poll) or a response without credentials.
    public init(response: JSONValue) throws(WalletProtocolError) {
        if response["transaction_id"] != nil {
            throw ReceivedIssuerMetadata.invalid("the issuer deferred the issuance (transaction_id): Vita's wallet takes credentials issued at once")
        }
        guard case .array(let entries)? = response["credentials"], !entries.isEmpty else {
            throw ReceivedIssuerMetadata.invalid("the credential response has no credentials")
        }
        let credentials = entries.compactMap { $0["credential"] }
        guard credentials.count == entries.count, credentials.allSatisfy({ $0.objectValue != nil || $0.stringValue != nil }) else {
            throw ReceivedIssuerMetadata.invalid("each entry of credentials must hold a credential (an object or a string)")
        }
        self.credentials = credentials
        notificationID = response["notification_id"]?.stringValue
    }
}
