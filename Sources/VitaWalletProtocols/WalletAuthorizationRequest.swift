import Foundation
import VitaCore
import VitaCredentials
import VitaJSON

/// An OpenID for Verifiable Presentations 1.0 Authorization Request as Vita's wallet receives it from a verifier
/// (the other side of ``PresentationAuthorizationRequest``), read from the link or QR code the verifier shows:
///
/// - passed by value (§5): the parameters in the query of an `openid4vp://` URI (or any URI a wallet is invoked
///   with, §13.1); a request by reference (`request_uri`) or a signed one (`request`) is refused, since Vita's wallet
///   verifies no request signatures, and so is every Client Identifier Prefix that needs one (§5.9.3);
/// - the Client Identifier has the `redirect_uri` prefix: it is the Response URI, the only thing that names the
///   verifier (§5.9.3) — which the learner is shown;
/// - Response Type `vp_token`, Response Mode `direct_post` (§8.2): the answer is posted to the Response URI by Vita's
///   server; `direct_post.jwt` (encryption) and the redirect-based modes are refused;
/// - a DCQL query (§6); a `scope` naming a predefined query, and `transaction_data`, are refused.
///
/// The answer: one presentation per credential sent (`ldp_vc`: a Verifiable Presentation signed by the holder with
/// `challenge` = ``nonce`` and `domain` = ``clientID``, §B.1.3.2; `jwt_vc_json`: a JWT presentation with `nonce` and
/// `aud` = ``clientID``, §B.1.3.1), in ``answer(_:)``; or the End-User's refusal (``refusal(description:)``).
public struct WalletAuthorizationRequest: Sendable, Equatable {
    /// The longest request accepted: a request by value in a QR code is a few kilobytes.
    public static let maxLength = 32 * 1024

    /// The Client Identifier, prefix included: the presentation's `domain`.
    public let clientID: String
    /// The Response URI the answer is posted to.
    public let responseURI: String
    /// The nonce the presentation is signed over (its `challenge`).
    public let nonce: String
    /// The `state` to send back, if the verifier gave one.
    public let state: String?
    /// What the verifier asks for.
    public let query: DCQLQuery
    /// The name the verifier gives itself (`client_metadata.client_name`): said by the verifier, not checked.
    public let clientName: String?
    /// The Data Integrity proof types the verifier accepts for `ldp_vc` (nil: it did not say).
    public let acceptedProofTypes: [String]?
    /// The cryptosuites the verifier accepts for `ldp_vc` (nil: it did not say).
    public let acceptedCryptosuites: [String]?
    /// The JWS algorithms the verifier accepts for `jwt_vc_json` (nil: it did not say).
    public let acceptedJWTAlgorithms: [String]?
    /// The formats the verifier lists in `vp_formats_supported` (nil: it did not say, so any).
    public let acceptedFormats: Set<String>?

    /// Reads a request from the URI a verifier shows (a link or a QR code's text).
    /// - Throws: ``WalletProtocolError`` with the §8.5 code a wallet answers with: `invalid_request` (not a request
    ///   by value Vita's wallet can answer, and why), `invalid_client` (a pre-registered Client Identifier),
    ///   `vp_formats_not_supported` (the verifier accepts no `ldp_vc` proof Vita can make),
    ///   `invalid_transaction_data`.
    public init(uri text: String) throws(WalletProtocolError) {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count <= Self.maxLength else {
            throw Self.invalid("the request is longer than \(Self.maxLength / 1024) KiB")
        }
        guard let question = text.firstIndex(of: "?"), text[..<question].contains(":"),
              case let query = text[text.index(after: question)...].prefix(while: { $0 != "#" }), !query.isEmpty else {
            throw Self.invalid("not an OpenID4VP request: expected a link such as openid4vp://?client_id=…")
        }
        guard let fields = PercentEncoding.formFields(query) else {
            throw Self.invalid("the request's parameters are not percent-encoded UTF-8")
        }
        var parameters: [String: String] = [:]
        for (name, value) in fields {
            guard parameters[name] == nil else { throw Self.invalid("\(name.prefix(40)) is sent more than once") }
            parameters[name] = value
        }
        try self.init(parameters: parameters)
    }

    /// Reads a request from its parameters (§5.1, §5.2).
    public init(parameters: [String: String]) throws(WalletProtocolError) {
        if parameters["request_uri"] != nil || parameters["request"] != nil {
            throw Self.invalid("the request is passed by reference or signed (request_uri, request): Vita's wallet answers unsigned requests passed by value")
        }
        guard let clientID = parameters["client_id"], !clientID.isEmpty else { throw Self.invalid("client_id is required") }
        let prefix = PresentationAuthorizationRequest.clientIdentifierPrefix
        guard clientID.hasPrefix(prefix) else {
            if let colon = clientID.firstIndex(of: ":"), Self.signedPrefixes.contains(String(clientID[..<colon])) {
                throw Self.invalid("the Client Identifier Prefix \(clientID[..<colon]) needs a signed request, which Vita's wallet does not verify")
            }
            throw WalletProtocolError(.invalidClient, "the Client Identifier names a verifier registered beforehand; Vita's wallet knows only the redirect_uri prefix")
        }
        let responseURI = String(clientID.dropFirst(prefix.count))
        guard let url = URL(string: responseURI), ["https", "http"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
              url.user == nil, url.fragment == nil else {
            throw Self.invalid("the Client Identifier after redirect_uri: must be the absolute https Response URI")
        }
        guard parameters["response_type"] == "vp_token" else {
            throw Self.invalid("response_type must be vp_token (Vita's wallet issues no ID Tokens)")
        }
        switch parameters["response_mode"] {
        case "direct_post": break
        case "direct_post.jwt": throw Self.invalid("encrypted responses (direct_post.jwt) are not supported: the verifier must accept direct_post")
        default: throw Self.invalid("response_mode must be direct_post: Vita's wallet posts its answer to the Response URI")
        }
        if parameters["redirect_uri"] != nil { throw Self.invalid("redirect_uri must not be sent with direct_post (§8.2)") }
        if let given = parameters["response_uri"], given != responseURI {
            throw Self.invalid("response_uri must be the Client Identifier's Response URI (§5.9.3)")
        }
        guard let nonce = parameters["nonce"], !nonce.isEmpty, nonce.count <= 1024 else {
            throw Self.invalid("nonce is required (at most 1024 characters)")
        }
        if parameters["transaction_data"] != nil {
            throw WalletProtocolError(.invalidTransactionData, "Vita's wallet does not process transaction data")
        }
        guard let dcql = parameters["dcql_query"] else {
            throw Self.invalid(parameters["scope"] != nil ? "a scope naming a predefined query is not supported: send dcql_query"
                                                           : "dcql_query is required")
        }
        if parameters["scope"] != nil { throw Self.invalid("dcql_query and scope must not both be sent") }
        guard let dcqlJSON = try? JSONValue(parsing: dcql) else { throw Self.invalid("dcql_query is not JSON") }
        let query = try DCQLQuery(dcqlJSON)
        let state = parameters["state"].flatMap { $0.isEmpty ? nil : $0 }
        if state == nil && query.credentials.contains(where: { !$0.requiresHolderBinding }) {
            throw Self.invalid("state is required when a credential may be sent without holder binding (§5.2)")
        }
        var clientName: String?
        var proofTypes: [String]?
        var cryptosuites: [String]?
        var algorithms: [String]?
        var formats: Set<String>?
        if let text = parameters["client_metadata"] {
            guard case .object(let metadata)? = try? JSONValue(parsing: text) else {
                throw Self.invalid("client_metadata must be a JSON object")
            }
            clientName = metadata["client_name"]?.stringValue.map { String($0.prefix(200)) }
            if let value = metadata["vp_formats_supported"] {
                guard case .object(let byFormat) = value else {
                    throw Self.invalid("client_metadata.vp_formats_supported must be an object")
                }
                formats = Set(byFormat.keys)
                let prefix = "client_metadata.vp_formats_supported"
                proofTypes = try Self.strings(byFormat["ldp_vc"]?["proof_type_values"], "\(prefix).ldp_vc.proof_type_values")
                cryptosuites = try Self.strings(byFormat["ldp_vc"]?["cryptosuite_values"], "\(prefix).ldp_vc.cryptosuite_values")
                algorithms = try Self.strings(byFormat["jwt_vc_json"]?["alg_values"], "\(prefix).jwt_vc_json.alg_values")
            }
        }
        self.clientID = clientID
        self.responseURI = responseURI
        self.nonce = nonce
        self.state = state
        self.query = query
        self.clientName = clientName
        acceptedProofTypes = proofTypes
        acceptedCryptosuites = cryptosuites
        acceptedJWTAlgorithms = algorithms
        acceptedFormats = formats
        guard query.credentials.contains(where: { canPresent(format: $0.format) || !$0.requiresHolderBinding && accepts(format: $0.format) }) else {
            throw WalletProtocolError(.vpFormatsNotSupported, "the verifier accepts none of the presentations Vita's wallet makes: ldp_vc signed with eddsa-rdfc-2022 or eddsa-jcs-2022, jwt_vc_json signed with EdDSA")
        }
    }

    /// The Client Identifier Prefixes that need a signed request (§5.9.3).
    static let signedPrefixes: Set<String> = [
        "x509_san_dns", "x509_hash", "decentralized_identifier", "verifier_attestation", "openid_federation", "origin",
    ]

    /// The host of the Response URI: how the learner is told who asks.
    public var responseHost: String { URL(string: responseURI)?.host ?? responseURI }

    /// Whether the verifier accepts presentations of `format` (it lists it, or lists none).
    public func accepts(format: String) -> Bool { acceptedFormats?.contains(format) ?? true }

    /// Whether Vita's wallet can sign a presentation of `format` the verifier accepts: `ldp_vc` (``holderCryptosuite``)
    /// or `jwt_vc_json` (``holderJWTAlgorithm``).
    public func canPresent(format: String) -> Bool {
        switch format {
        case "ldp_vc": holderCryptosuite != nil
        case "jwt_vc_json": holderJWTAlgorithm != nil
        default: false
        }
    }

    /// Whether the verifier accepts a JWS signed with `algorithm` (on a JWT presentation or a VC-JWT).
    public func accepts(jwtAlgorithm algorithm: String) -> Bool {
        accepts(format: "jwt_vc_json") && acceptedJWTAlgorithms.map { $0.contains(algorithm) } ?? true
    }

    /// The algorithm name the holder signs JWT presentations with: `EdDSA`, or `Ed25519` (RFC 9864) when the verifier
    /// lists only that; nil when it accepts neither.
    public var holderJWTAlgorithm: String? {
        ["EdDSA", "Ed25519"].first { accepts(jwtAlgorithm: $0) }
    }

    /// Whether the verifier accepts a proof of this type and cryptosuite (on a presentation or a credential).
    public func accepts(proofType: String, cryptosuite: String?) -> Bool {
        guard accepts(format: "ldp_vc") else { return false }
        if let acceptedProofTypes, !acceptedProofTypes.contains(proofType) { return false }
        if let acceptedCryptosuites, let cryptosuite, !acceptedCryptosuites.contains(cryptosuite) { return false }
        return true
    }

    /// The cryptosuite the holder signs presentations with: `eddsa-rdfc-2022`, or `eddsa-jcs-2022` when the verifier
    /// accepts only that; nil when it accepts neither.
    public var holderCryptosuite: Cryptosuite? {
        [Cryptosuite.eddsaRdfc2022, .eddsaJcs2022].first { accepts(proofType: "DataIntegrityProof", cryptosuite: $0.rawValue) }
    }

    /// The form posted to the Response URI with the presentations for each Credential Query answered (§8.1, §8.2):
    /// `vp_token` (a JSON object keyed by query id, in the query's order) and `state`.
    public func answer(_ presentations: [String: [JSONValue]]) -> [(name: String, value: String)] {
        var token = JSONObject()
        for query in query.credentials {
            if let answers = presentations[query.id], !answers.isEmpty { token[query.id] = .array(answers) }
        }
        return [("vp_token", JSONValue.object(token).serializedString())] + stateField
    }

    /// The form posted to the Response URI when the End-User declines (§8.5 `access_denied`).
    public func refusal(description: String? = nil) -> [(name: String, value: String)] {
        [("error", "access_denied")] + (description.map { [("error_description", $0)] } ?? []) + stateField
    }

    private var stateField: [(name: String, value: String)] { state.map { [("state", $0)] } ?? [] }

    /// `credential` in a Verifiable Presentation held by `holder`'s `did:key`, with a Data Integrity proof for
    /// `authentication` over the request's nonce (`challenge`) and Client Identifier (`domain`) (§B.1.3.2.5), in
    /// ``holderCryptosuite``. A VC Data Model 1.1 credential goes in a 1.1 presentation (with the Data Integrity
    /// context), any other in a 2.0 one.
    public func presentation(of credential: JSONValue, holder: Ed25519KeyPair, now: Date) throws(CredentialError) -> JSONValue {
        let contexts = credential["@context"].map { $0.arrayValue ?? [$0] } ?? []
        let context: JSONValue = contexts.first?.stringValue == "https://www.w3.org/2018/credentials/v1"
            ? ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/data-integrity/v2"]
            : ["https://www.w3.org/ns/credentials/v2"]
        let presentation: JSONValue = [
            "@context": context, "type": ["VerifiablePresentation"], "holder": .string(holder.didKey.did),
            "verifiableCredential": [credential],
        ]
        return try DataIntegrity.addProof(
            to: presentation,
            options: ProofOptions(cryptosuite: holderCryptosuite ?? .eddsaRdfc2022, verificationMethod: holder.didKey.verificationMethodID,
                                  proofPurpose: "authentication", challenge: nonce, domain: clientID),
            signer: holder, now: now)
    }

    /// A VC-JWT in a JWT presentation (VC Data Model 1.1 §6.3.1, §B.1.3.1.5): the presentation in `vp`, `iss` the
    /// holder's `did:key`, `aud` the Client Identifier, `nonce` the request's, signed with ``holderJWTAlgorithm`` and the
    /// holder's key named by `kid`.
    public func presentation(ofJWT token: String, holder: Ed25519KeyPair, now: Date) throws(CredentialError) -> String {
        let header: JSONObject = ["alg": .string(holderJWTAlgorithm ?? "EdDSA"), "typ": "JWT", "kid": .string(holder.didKey.verificationMethodID)]
        let payload: JSONValue = [
            "iss": .string(holder.didKey.did), "aud": .string(clientID), "nonce": .string(nonce),
            "iat": .number(JSONNumber(Int(now.timeIntervalSince1970.rounded(.down)))),
            "vp": ["@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiablePresentation"],
                   "verifiableCredential": [.string(token)]],
        ]
        return try CompactJWS.sign(header: header, payload: payload, signer: holder)
    }

    /// The `redirect_uri` in the verifier's reply to the answer (§8.2), when it gave an http(s) one: where the
    /// End-User continues.
    public static func redirectURI(inReply body: [UInt8]) -> String? {
        guard let reply = try? JSONValue(parsing: body), let uri = reply["redirect_uri"]?.stringValue,
              let url = URL(string: uri), ["https", "http"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else { return nil }
        return uri
    }

    private static func strings(_ value: JSONValue?, _ name: String) throws(WalletProtocolError) -> [String]? {
        guard let value else { return nil }
        guard case .array(let entries) = value, !entries.isEmpty,
              case let strings = entries.compactMap(\.stringValue), strings.count == entries.count else {
            throw invalid("\(name) must be a non-empty array of strings")
        }
        return strings
    }

    private static func invalid(_ reason: String) -> WalletProtocolError { WalletProtocolError(.invalidRequest, reason) }
}
