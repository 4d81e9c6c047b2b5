import VitaCore
import VitaCredentials
import VitaJSON

/// A request for credentials sent to a wallet app by OpenID for Verifiable Presentations 1.0 — the protocol of the
/// OpenID4VC wallet apps (walt.id's, Sphereon's and LearnCard's among them) — as a verifier on Vita's public address:
///
/// - the Authorization Request (§5) is passed by value in an `openid4vp://` URI (§13.1.2, the wallet's default
///   authorization endpoint), unsigned, so the Client Identifier uses the `redirect_uri` prefix (§5.9.3): the Response
///   URI with `redirect_uri:` before it;
/// - it asks with a DCQL query (§6) for one credential whose type expands to the one wanted (`meta.type_values`,
///   §B.1.1), in a Verifiable Presentation (cryptographic holder binding, the default): a Data Integrity `ldp_vc`
///   credential (§B.1.3.2) or a VC-JWT `jwt_vc_json` one (§B.1.3.1), one or the other (a Credential Set Query, §6.2);
/// - the wallet posts the answer to the Response URI (Response Mode `direct_post`, §8.2) with the `state` it was
///   given, and signs the presentation with `challenge` = `nonce` and `domain` = the Client Identifier (§B.1.3.2,
///   §14.2.2), so a presentation made for another verifier or another request fails.
public struct PresentationAuthorizationRequest: Sendable, Equatable {
    /// The scheme of the request URI: the wallet's static authorization endpoint `openid4vp:` (§13.1.2).
    public static let scheme = "openid4vp://"
    /// The path of the Response URI on Vita's public address.
    public static let responsePath = "/oid4vp/response"
    /// The Client Identifier Prefix of an unsigned request whose Client Identifier is its Response URI (§5.9.3).
    public static let clientIdentifierPrefix = "redirect_uri:"
    /// The `id` of the request's Credential Query for an `ldp_vc` credential, its key in `vp_token` (§8.1).
    public static let queryID = "credential"
    /// The `id` of the Credential Query for a `jwt_vc_json` credential (a VC-JWT in a JWT presentation).
    public static let jwtQueryID = "credential_jwt"
    /// The JWS algorithms Vita verifies on a VC-JWT and on a JWT presentation.
    public static let jwtAlgorithms = ["EdDSA", "Ed25519", "ES256", "RS256"]
    /// The proof types and cryptosuites Vita verifies in a presentation and its credentials (§B.1.3.2 metadata).
    public static let proofTypes = ["DataIntegrityProof", "Ed25519Signature2020"]
    /// See ``proofTypes``: every cryptosuite of ``DataIntegrity/verifiedCryptosuites`` but the legacy name eddsa-2022.
    public static let cryptosuites = DataIntegrity.verifiedCryptosuites.filter { $0 != Cryptosuite.eddsa2022Legacy.rawValue }

    /// The Response URI: Vita's public base URL and ``responsePath``.
    public let responseURI: String
    /// The kind of credential asked for (a key of ``PresentationRequest/typeIRIs``).
    public let credentialType: String
    /// The nonce the presentation must be signed over (§5.2): URL-safe, 256 bits.
    public let nonce: String
    /// The `state` that brings the wallet's answer back to this request (§5.2): the request's exchange secret.
    public let state: String

    /// Creates a request answered at `responseURI`.
    public init(responseURI: String, credentialType: String, nonce: String, state: String) {
        self.responseURI = responseURI
        self.credentialType = credentialType
        self.nonce = nonce
        self.state = state
    }

    /// The Client Identifier: ``clientIdentifierPrefix`` and the Response URI. The presentation's `domain` must be
    /// exactly this, prefix included (§14.10).
    public var clientID: String { Self.clientIdentifierPrefix + responseURI }

    /// The DCQL query (§6): one credential whose expanded types include the one wanted, as an `ldp_vc` or a
    /// `jwt_vc_json` credential — the two Credential Queries are the two options of one Credential Set Query.
    public var dcqlQuery: JSONValue {
        var typeValues: [JSONValue] = [.string(PresentationRequest.typeIRIs["VerifiableCredential"]!)]
        if credentialType != "VerifiableCredential" {
            typeValues.append(.string(PresentationRequest.typeIRIs[credentialType] ?? credentialType))
        }
        let meta: JSONValue = ["type_values": [.array(typeValues)]]
        return [
            "credentials": [
                ["id": .string(Self.queryID), "format": "ldp_vc", "meta": meta],
                ["id": .string(Self.jwtQueryID), "format": "jwt_vc_json", "meta": meta],
            ],
            "credential_sets": [["options": [[.string(Self.queryID)], [.string(Self.jwtQueryID)]]]],
        ]
    }

    /// The verifier metadata (§5.1 `client_metadata`, §11.1): the proof types, cryptosuites and JWS algorithms Vita
    /// verifies.
    public var clientMetadata: JSONValue {
        ["vp_formats_supported": [
            "ldp_vc": [
                "proof_type_values": .array(Self.proofTypes.map(JSONValue.string)),
                "cryptosuite_values": .array(Self.cryptosuites.map(JSONValue.string)),
            ],
            "jwt_vc_json": ["alg_values": .array(Self.jwtAlgorithms.map(JSONValue.string))],
        ]]
    }

    /// The Authorization Request's parameters in the order they are sent; objects as JSON strings (§5.1).
    public var parameters: [(name: String, value: String)] {
        [
            ("response_type", "vp_token"), ("response_mode", "direct_post"), ("client_id", clientID),
            ("response_uri", responseURI), ("nonce", nonce), ("state", state),
            ("dcql_query", dcqlQuery.serializedString()), ("client_metadata", clientMetadata.serializedString()),
        ]
    }

    /// The same parameters as one JSON object, objects as objects: what the API shows the verifier.
    public var document: JSONValue {
        var object = JSONObject()
        for (name, value) in parameters { object[name] = .string(value) }
        object["dcql_query"] = dcqlQuery
        object["client_metadata"] = clientMetadata
        return .object(object)
    }

    /// The request by value: `openid4vp://?` and the parameters, form-encoded — what the QR code holds.
    public var uri: String {
        Self.scheme + "?" + parameters.map { "\($0.name)=\(PercentEncoding.unreserved($0.value))" }.joined(separator: "&")
    }
}

/// The wallet's Authorization Response at the Response URI (OpenID4VP 1.0 §8.2, Response Mode `direct_post`): a
/// `vp_token` with the presentation, or an error (§8.5) — the End-User declined, or the wallet holds nothing that
/// matches — each with the request's `state`.
public enum PresentationAuthorizationResponse: Sendable, Equatable {
    /// The presentation answering the one Credential Query.
    case presentation(JSONValue, state: String)
    /// The wallet's error (RFC 6749 §4.1.2.1 codes and §8.5's), with its description if it sent one.
    case error(code: String, description: String?, state: String)

    /// The longest error description kept.
    public static let maxDescriptionLength = 500

    /// Reads the form the wallet posted. Throws ``WalletProtocolError/Code/invalidRequest`` when it is not an answer
    /// to a Vita request: no `state`, an encrypted response (`direct_post.jwt`, not asked for), a `vp_token` that is
    /// not a JSON object holding exactly one of the two queries with one presentation (`multiple` is false, §6.1) — a
    /// presentation object under ``PresentationAuthorizationRequest/queryID``, a JWT under
    /// ``PresentationAuthorizationRequest/jwtQueryID`` —, or neither a `vp_token` nor an `error`.
    public init(form: [String: String]) throws(WalletProtocolError) {
        guard let state = form["state"], !state.isEmpty else {
            throw WalletProtocolError(.invalidRequest, "state is required: send the state of the request")
        }
        if let code = form["error"] {
            guard !code.isEmpty, code.count <= 100, code.unicodeScalars.allSatisfy({ (0x20...0x7e).contains($0.value) && $0 != "\"" && $0 != "\\" }) else {
                throw WalletProtocolError(.invalidRequest, "error must be an error code (RFC 6749 §4.1.2.1)")
            }
            let description = form["error_description"].map { String($0.prefix(Self.maxDescriptionLength)) }
            self = .error(code: code, description: description, state: state)
            return
        }
        if form["response"] != nil {
            throw WalletProtocolError(.invalidRequest, "encrypted responses (direct_post.jwt) were not asked for: send vp_token by direct_post")
        }
        guard let text = form["vp_token"] else {
            throw WalletProtocolError(.invalidRequest, "vp_token or error is required")
        }
        guard let token = try? JSONValue(parsing: Array(text.utf8)), case .object(let entries) = token else {
            throw WalletProtocolError(.invalidRequest, "vp_token must be a JSON object keyed by the credential query's id (§8.1)")
        }
        let (ldp, jwt) = (PresentationAuthorizationRequest.queryID, PresentationAuthorizationRequest.jwtQueryID)
        guard entries.count == 1, let id = entries.keys.first, id == ldp || id == jwt, let answer = entries[id] else {
            throw WalletProtocolError(.invalidRequest, "vp_token must hold exactly one of the credential queries \"\(ldp)\" and \"\(jwt)\"")
        }
        guard case .array(let presentations) = answer, presentations.count == 1 else {
            throw WalletProtocolError(.invalidRequest, "vp_token.\(id) must be an array of one presentation (multiple is false)")
        }
        switch (id, presentations[0]) {
        case (ldp, .object), (jwt, .string):
            self = .presentation(presentations[0], state: state)
        case (ldp, _):
            throw WalletProtocolError(.invalidRequest, "an ldp_vc presentation is a JSON object")
        default:
            throw WalletProtocolError(.invalidRequest, "a jwt_vc_json presentation is a JWT (a string)")
        }
    }

    /// The request's `state` the answer carries.
    public var state: String {
        switch self {
        case .presentation(_, let state), .error(_, _, let state): state
        }
    }
}
