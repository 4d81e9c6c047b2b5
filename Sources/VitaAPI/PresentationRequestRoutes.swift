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
/// makes a VC-API exchange (a QR code and the Learner Credential Wallet's links) and a page secret; the wallet's `{}`
/// is answered with a Verifiable Presentation Request (query by example, DID authentication over the exchange's
/// challenge and this Vita's domain); the wallet's presentation is verified at once — the holder's proof, the challenge,
/// the domain, every credential — and kept with its report for the verifier to read at
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
    /// The domain a presentation must be signed for: this Vita's host.
    var domain: String { URLComponents(string: options.publicBaseURL)?.host ?? options.publicBaseURL }

    func register(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .post, path: "/api/v1/presentation-requests", operationId: "createPresentationRequest",
                              summary: "Ask a wallet app for credentials (a VC-API exchange: QR code and Learner Credential Wallet links); the page token to read the answer is shown once",
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
            if view["state"] == "waiting" { for (key, value) in invitation(viewToken: token) { view[key] = value } }
            return APIJSON.response(json: .object(view), status: .ok, headers: OAuthRoutes.noStore)
        }
    }

    private func create(_ request: Request) async throws -> Response {
        let body = try await reader.object(request, allowEmpty: true)
        let type = try body.optionalString("credentialType") ?? "VerifiableCredential"
        guard PresentationRequest.credentialTypes.contains(type) else {
            throw Problem.badRequest("credentialType", "must be one of " + PresentationRequest.credentialTypes.joined(separator: ", "))
        }
        let reason = (try body.optionalString("reason") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count <= PresentationRequest.maxReasonLength else {
            throw Problem.badRequest("reason", "must be at most \(PresentationRequest.maxReasonLength) characters")
        }
        let at = now
        let (viewToken, viewHash) = OAuthSecret.make(.presentationView)
        let exchangeHash = OAuthSecret.hash(Self.exchangeSecret(viewToken: viewToken))
        let stored = StoredPresentationRequest(
            id: EntityID.make("prq", now: at), viewHash: viewHash, exchangeHash: exchangeHash,
            challenge: PKCE.makeVerifier(), credentialType: type,
            reason: reason.isEmpty ? "A verifier asks to see your credentials" : reason,
            expiresAt: at + Self.answerWindow, createdAt: at)
        try await database.transaction { try await $0.insert(stored) }
        var view = describe(stored).objectValue ?? JSONObject()
        view["viewToken"] = .string(viewToken)
        for (key, value) in invitation(viewToken: viewToken) { view[key] = value }
        return APIJSON.response(json: .object(view), status: .created, headers: OAuthRoutes.noStore)
    }

    /// The exchange's secret, derived from the page's: the page can show the QR code again while it waits, and the
    /// exchange URL a wallet holds does not reveal the page.
    static func exchangeSecret(viewToken: String) -> String {
        OAuthSecret.derive(.presentationExchange, from: viewToken, label: "vita presentation exchange")
    }

    /// The exchange URL, its invitation, the Learner Credential Wallet's links and the QR code.
    func invitation(viewToken: String) -> JSONObject {
        let invitation = ExchangeInvitation(origin: options.publicBaseURL,
                                            exchangeURL: options.publicBaseURL + "/exchanges/" + Self.exchangeSecret(viewToken: viewToken))
        return [
            "exchangeURL": .string(invitation.exchangeURL), "invitation": invitation.document,
            "offerURI": .string(invitation.walletLink), "deepLink": .string(invitation.deepLink),
            "qrCodeSVG": (try? QRCode(text: invitation.walletLink).svg(title: "QR code of the request for credentials"))
                .map(JSONValue.string) ?? .null,
        ]
    }

    /// A request as its verifier sees it: waiting, received (with what was presented and the report) or expired.
    func describe(_ stored: StoredPresentationRequest) -> JSONValue {
        var view: JSONObject = [
            "id": .string(stored.id), "credentialType": .string(stored.credentialType), "reason": .string(stored.reason),
            "state": .string(stored.receivedAt != nil ? "received" : now < stored.expiresAt ? "waiting" : "expired"),
            "createdAt": .string(XSDDateTime.format(stored.createdAt)), "expiresAt": .string(XSDDateTime.format(stored.expiresAt)),
        ]
        if let received = stored.receivedAt { view["receivedAt"] = .string(XSDDateTime.format(received)) }
        if let text = stored.result, let result = try? JSONValue(parsing: Array(text.utf8)) { view["result"] = result }
        return .object(view)
    }

    // MARK: The wallet's side (``ExchangeRoutes`` for `vxp_` secrets)

    /// The request whose exchange secret is `secret` (404), while it takes an answer (410).
    func answerable(_ secret: String) async throws -> StoredPresentationRequest {
        guard let stored = try await database.read({ try await $0.presentationRequest(exchangeHash: OAuthSecret.hash(secret)) }) else {
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
        let report: VerificationReport
        switch presentation {
        case .object: report = await verifier.verifyPresentation(presentation, expecting: expectations)
        case .string(let jwt): report = await verifier.verifyPresentation(jwt: jwt, expecting: expectations)
        default: throw Problem.badRequest("verifiablePresentation", "must be a presentation object or a JWT string")
        }
        let credentials = presentation["verifiableCredential"].map { $0.arrayValue ?? [$0] } ?? []
        let result: JSONValue = ["verified": .bool(report.verdict == .valid), "report": report.json,
                                 "holder": presentation["holder"].flatMap { $0.stringValue ?? $0["id"]?.stringValue }.map(JSONValue.string) ?? .null,
                                 "credentials": .array(credentials)]
        let at = now
        let recorded = try await database.transaction {
            try await $0.recordPresentation(requestId: stored.id, result: result.serializedString(), at: at)
        }
        guard recorded else { throw Problem.gone(Self.complete) }
        return APIJSON.response(json: [:], status: .ok, headers: OAuthRoutes.noStore)
    }

    /// The exchange's interaction answer, while it takes an answer.
    func interaction(_ secret: String) async throws -> JSONValue {
        _ = try await answerable(secret)
        return ExchangeInvitation(origin: options.publicBaseURL, exchangeURL: options.publicBaseURL + "/exchanges/" + secret).interaction
    }
}
