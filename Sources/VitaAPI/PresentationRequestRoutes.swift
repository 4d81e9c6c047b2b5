import Foundation
import Hummingbird
import VitaCore
import VitaCredentials
import VitaJSON
import VitaOAuth
import VitaQR
import VitaStorage
import VitaWalletProtocols

/// A verifier asks a learner's wallet app for credentials (docs/WALLET-APPS.md): `POST /api/v1/presentation-requests`
/// makes a request (a QR code and links) and a page secret, for one of two protocols:
///
/// - a VC-API exchange (the Learner Credential Wallet): the wallet's `{}` is answered with a Verifiable Presentation
///   Request (query by example, DID authentication over the exchange's challenge and this Vita's domain), and the
///   wallet posts its presentation to the exchange;
/// - OpenID for Verifiable Presentations 1.0 (``PresentationAuthorizationRequest``): an `openid4vp://` request by value
///   with a DCQL query, and the wallet posts its presentation (or its refusal) to the Response URI
///   `/oid4vp/response` (`direct_post`) with the request's `state`; the presentation is signed over the request's
///   nonce and Client Identifier.
///
/// Either way the presentation is verified at once — the holder's proof, the challenge, the domain, every credential,
/// and that each is of the kind asked for — and kept with its report for the verifier to read at
/// `GET /api/v1/presentation-requests/{viewToken}` until the request is purged, an hour after it was made.
struct PresentationRequestRoutes: Sendable {
    let database: VitaDatabase
    let reader: RequestReader
    let options: ServerOptions
    let verifier: CredentialVerifier
    let clock: @Sendable () -> Date

    /// How long the wallet has to answer.
    static let answerWindow: TimeInterval = 900
    /// How long a request and what was presented to it are kept.
    static let retention: TimeInterval = 3600
    /// Why an exchange that has its presentation answers 410.
    static let complete = "this exchange is complete: it took one presentation"

    var now: Date { Timestamp.truncated(clock()) }
    /// The domain a presentation to a VC-API exchange must be signed for: this Vita's host.
    var domain: String { URLComponents(string: options.publicBaseURL)?.host ?? options.publicBaseURL }
    /// The OpenID4VP Response URI.
    var responseURI: String { options.publicBaseURL + PresentationAuthorizationRequest.responsePath }

    func register(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .post, path: "/api/v1/presentation-requests", operationId: "createPresentationRequest",
                              summary: "Ask a wallet app for credentials (a VC-API exchange with the Learner Credential Wallet's links, or an OpenID4VP request), with its QR code; the page token to read the answer is shown once",
                              tag: "Wallet exchanges", access: .open, query: [], headers: [], requestSchema: "PresentationRequestInput",
                              success: (201, "CreatedPresentationRequest"), errors: [400, 413])) { request, _ in
            try await create(request)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/presentation-requests/{viewToken}", operationId: "getPresentationRequest",
                              summary: "Whether the wallet app answered a presentation request, and what it presented with the verification report",
                              tag: "Wallet exchanges", access: .open, query: [], headers: [], requestSchema: nil,
                              success: (200, "PresentationRequest"), errors: [404])) { _, context in
            let token = context.parameters.get("viewToken") ?? ""
            guard OAuthSecret.kind(of: token) == .presentationView,
                  let stored = try await database.read({ try await $0.presentationRequest(viewHash: OAuthSecret.hash(token)) }),
                  now < stored.createdAt + Self.retention else {
                throw Problem.notFound("presentation request")
            }
            var view = describe(stored).objectValue ?? JSONObject()
            if view["state"] == "waiting" { for (key, value) in invitation(stored, viewToken: token) { view[key] = value } }
            return APIJSON.response(json: .object(view), status: .ok, headers: OAuthRoutes.noStore)
        }
        catalog.add(Operation(method: .post, path: PresentationAuthorizationRequest.responsePath, operationId: "postPresentationResponse",
                              summary: "OpenID4VP Response URI (direct_post): a wallet app's presentation for a verifier's request, or its error, with the request's state",
                              tag: "OpenID4VP", access: .open, query: [], headers: [], requestSchema: "PresentationResponseForm",
                              success: (200, "PresentationResponseReceipt"), errors: [400, 413])) { request, _ in
            try await WalletError.answering { try await respond(request) }
        }
    }

    private func create(_ request: Request) async throws -> Response {
        let body = try await reader.object(request, allowEmpty: true)
        let type = try body.optionalString("credentialType") ?? "VerifiableCredential"
        guard PresentationRequest.credentialTypes.contains(type) else {
            throw Problem.badRequest("credentialType", "must be one of " + PresentationRequest.credentialTypes.joined(separator: ", "))
        }
        let protocolName = try body.optionalString("protocol") ?? StoredPresentationRequest.WalletProtocol.vcapi.rawValue
        guard let walletProtocol = StoredPresentationRequest.WalletProtocol(rawValue: protocolName) else {
            throw Problem.badRequest("protocol", "must be vcapi or openid4vp")
        }
        let reason = (try body.optionalString("reason") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count <= PresentationRequest.maxReasonLength else {
            throw Problem.badRequest("reason", "must be at most \(PresentationRequest.maxReasonLength) characters")
        }
        let at = now
        let (viewToken, viewHash) = OAuthSecret.make(.presentationView)
        let exchangeHash = OAuthSecret.hash(Self.exchangeSecret(viewToken: viewToken))
        let stored = StoredPresentationRequest(
            id: EntityID.make("prq", now: at), walletProtocol: walletProtocol, viewHash: viewHash, exchangeHash: exchangeHash,
            challenge: PKCE.makeVerifier(), credentialType: type,
            reason: reason.isEmpty ? "A verifier asks to see your credentials" : reason,
            expiresAt: at + Self.answerWindow, createdAt: at)
        try await database.transaction { try await $0.insert(stored) }
        var view = describe(stored).objectValue ?? JSONObject()
        view["viewToken"] = .string(viewToken)
        for (key, value) in invitation(stored, viewToken: viewToken) { view[key] = value }
        return APIJSON.response(json: .object(view), status: .created, headers: OAuthRoutes.noStore)
    }

    /// The exchange's secret, derived from the page's: the page can show the QR code again while it waits, and the
    /// exchange URL a wallet holds does not reveal the page.
    static func exchangeSecret(viewToken: String) -> String {
        OAuthSecret.derive(.presentationExchange, from: viewToken, label: "vita presentation exchange")
    }

    /// What the wallet app is shown, with its QR code: for a VC-API exchange its URL, invitation and the Learner
    /// Credential Wallet's links; for OpenID4VP the Authorization Request and its `openid4vp://` URI.
    func invitation(_ stored: StoredPresentationRequest, viewToken: String) -> JSONObject {
        var answer: JSONObject
        switch stored.walletProtocol {
        case .vcapi:
            let invitation = ExchangeInvitation(origin: options.publicBaseURL,
                                                exchangeURL: options.publicBaseURL + "/exchanges/" + Self.exchangeSecret(viewToken: viewToken))
            answer = ["exchangeURL": .string(invitation.exchangeURL), "invitation": invitation.document,
                      "offerURI": .string(invitation.walletLink), "deepLink": .string(invitation.deepLink)]
        case .openid4vp:
            let request = authorizationRequest(stored, state: Self.exchangeSecret(viewToken: viewToken))
            answer = ["authorizationRequest": request.document, "offerURI": .string(request.uri)]
        }
        answer["qrCodeSVG"] = (try? QRCode(text: answer["offerURI"]?.stringValue ?? "").svg(title: "QR code of the request for credentials"))
            .map(JSONValue.string) ?? .null
        return answer
    }

    /// The OpenID4VP Authorization Request of `stored`, whose `state` is its exchange secret.
    func authorizationRequest(_ stored: StoredPresentationRequest, state: String) -> PresentationAuthorizationRequest {
        PresentationAuthorizationRequest(responseURI: responseURI, credentialType: stored.credentialType,
                                         nonce: stored.challenge, state: state)
    }

    /// A request as its verifier sees it: waiting, received (with what was presented and the report), declined (the
    /// wallet's OpenID4VP error) or expired.
    func describe(_ stored: StoredPresentationRequest) -> JSONValue {
        let result = stored.result.flatMap { try? JSONValue(parsing: Array($0.utf8)) }
        let state = stored.receivedAt == nil ? (now < stored.expiresAt ? "waiting" : "expired")
            : result?["walletError"] != nil ? "declined" : "received"
        var view: JSONObject = [
            "id": .string(stored.id), "protocol": .string(stored.walletProtocol.rawValue),
            "credentialType": .string(stored.credentialType), "reason": .string(stored.reason), "state": .string(state),
            "createdAt": .string(XSDDateTime.format(stored.createdAt)), "expiresAt": .string(XSDDateTime.format(stored.expiresAt)),
        ]
        if let received = stored.receivedAt { view["receivedAt"] = .string(XSDDateTime.format(received)) }
        if let result { view["result"] = result }
        return .object(view)
    }

    // MARK: The wallet's side (``ExchangeRoutes`` for `vxp_` secrets)

    /// The VC-API request whose exchange secret is `secret` (404), while it takes an answer (410).
    func answerable(_ secret: String) async throws -> StoredPresentationRequest {
        guard let stored = try await database.read({ try await $0.presentationRequest(exchangeHash: OAuthSecret.hash(secret)) }),
              stored.walletProtocol == .vcapi else {
            throw Problem.notFound("exchange")
        }
        if stored.receivedAt != nil {
            throw Problem.gone(Self.complete)
        }
        guard now < stored.expiresAt else { throw Problem.gone("this exchange expired") }
        return stored
    }

    /// `{}` → the Verifiable Presentation Request; `{"verifiablePresentation": …}` → verified and kept, answered `{}`.
    func participate(_ secret: String, body: JSONObject) async throws -> Response {
        let stored = try await answerable(secret)
        if body.isEmpty {
            let request = PresentationRequest(credentialType: stored.credentialType, reason: stored.reason,
                                              challenge: stored.challenge, domain: domain)
            return APIJSON.response(json: request.document, status: .ok, headers: OAuthRoutes.noStore)
        }
        guard body.keys.count == 1, let presentation = body["verifiablePresentation"] else {
            throw Problem.badRequest("body", "send {} to start, then {\"verifiablePresentation\": …}")
        }
        let expectations = PresentationExpectations(challenge: stored.challenge, domain: domain)
        switch presentation {
        case .object, .string: break
        default: throw Problem.badRequest("verifiablePresentation", "must be a presentation object or a JWT string")
        }
        let result = await verified(presentation, asked: stored, expecting: expectations)
        guard try await record(result, for: stored) else { throw Problem.gone(Self.complete) }
        return APIJSON.response(json: [:], status: .ok, headers: OAuthRoutes.noStore)
    }

    /// The exchange's interaction answer, while it takes an answer.
    func interaction(_ secret: String) async throws -> JSONValue {
        _ = try await answerable(secret)
        return ExchangeInvitation(origin: options.publicBaseURL, exchangeURL: options.publicBaseURL + "/exchanges/" + secret).interaction
    }

    // MARK: OpenID4VP's Response URI

    /// `POST /oid4vp/response`: the wallet's Authorization Response (OpenID4VP 1.0 §8.2) for the request its `state`
    /// names. A presentation is verified against the request's nonce and Client Identifier (§8.6, §14.2.2) and kept
    /// with its report, verified or not; an error (the learner declined, nothing matched) is kept as the wallet's
    /// answer. Either is the request's one answer, acknowledged with `{}` (no `redirect_uri`: the verifier's page is on
    /// another device). What is not an answer to a waiting request is refused with `invalid_request`.
    private func respond(_ request: Request) async throws -> Response {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw WalletProtocolError(.invalidRequest, "send the Authorization Response as application/x-www-form-urlencoded (direct_post)")
        }
        let form = try FormParameters.parse(String(decoding: try await reader.bytes(request), as: UTF8.self))
        let answer = try PresentationAuthorizationResponse(form: form)
        guard OAuthSecret.kind(of: answer.state) == .presentationExchange,
              let stored = try await database.read({ try await $0.presentationRequest(exchangeHash: OAuthSecret.hash(answer.state)) }),
              stored.walletProtocol == .openid4vp else {
            throw WalletProtocolError(.invalidRequest, "state names no OpenID4VP request of this verifier")
        }
        guard stored.receivedAt == nil else { throw WalletProtocolError(.invalidRequest, Self.complete) }
        guard now < stored.expiresAt else { throw WalletProtocolError(.invalidRequest, "this request expired") }
        let result: JSONValue
        switch answer {
        case .presentation(let presentation, let state):
            let clientID = authorizationRequest(stored, state: state).clientID
            result = await verified(presentation, asked: stored,
                                    expecting: PresentationExpectations(challenge: stored.challenge, domain: clientID))
        case .error(let code, let description, _):
            result = ["verified": false, "walletError": ["error": .string(code), "description": description.map(JSONValue.string) ?? .null]]
        }
        guard try await record(result, for: stored) else { throw WalletProtocolError(.invalidRequest, Self.complete) }
        return APIJSON.response(json: [:], status: .ok, headers: OAuthRoutes.noStore)
    }

    // MARK: Both protocols

    /// `presentation` verified as an answer to `stored`: its report (with the `request` check: each credential is of
    /// the kind asked for), its holder and its credentials.
    private func verified(_ presentation: JSONValue, asked stored: StoredPresentationRequest,
                          expecting expectations: PresentationExpectations) async -> JSONValue {
        var report: VerificationReport
        // A JWT presentation (VC DM 1.1 §6.3.1: the presentation in `vp`, its holder the `iss`; or the payload itself).
        var content = presentation
        var holder = presentation["holder"].flatMap { $0.stringValue ?? $0["id"]?.stringValue }
        if case .string(let jwt) = presentation {
            report = await verifier.verifyPresentation(jwt: jwt, expecting: expectations)
            let payload = (try? CompactJWS(parsing: jwt))?.payload
            content = payload?["vp"]?.objectValue.map(JSONValue.object) ?? payload ?? .null
            holder = payload?["iss"]?.stringValue ?? content["holder"].flatMap { $0.stringValue ?? $0["id"]?.stringValue }
        } else {
            report = await verifier.verifyPresentation(presentation, expecting: expectations)
        }
        let credentials = content["verifiableCredential"].map { $0.arrayValue ?? [$0] } ?? []
        report.checks.append(PresentationRequest.typeCheck(credentials, credentialType: stored.credentialType, verifier: verifier))
        return ["verified": .bool(report.verdict == .valid), "report": report.json,
                "holder": holder.map(JSONValue.string) ?? .null, "credentials": .array(credentials)]
    }

    /// Keeps the request's one answer: false when one was kept meanwhile.
    private func record(_ result: JSONValue, for stored: StoredPresentationRequest) async throws -> Bool {
        let at = now
        return try await database.transaction {
            try await $0.recordPresentation(requestId: stored.id, result: result.serializedString(), at: at)
        }
    }
}
