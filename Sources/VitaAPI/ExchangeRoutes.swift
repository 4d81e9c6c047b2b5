import Hummingbird
import VitaJSON
import VitaOAuth

/// VC-API exchanges at `/exchanges/{exchangeId}` (docs/WALLET-APPS.md). The secret in the path says whose exchange it
/// is — a learner's offer of a credential to a wallet app (`vxe_…`, ``CredentialOfferRoutes``) or a verifier's request
/// for credentials (`vxp_…`, ``PresentationRequestRoutes``) — and the wallet's message goes to that one.
struct ExchangeRoutes: Sendable {
    let reader: RequestReader
    let offers: CredentialOfferRoutes
    let requests: PresentationRequestRoutes

    func register(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .get, path: "/exchanges/{exchangeId}", operationId: "getExchangeProtocols",
                              summary: "A VC-API exchange as an interaction URL: the protocols it speaks, for the wallet app that scanned it",
                              tag: "Wallet exchanges", access: .open, query: [("iuv", "string", "1: the interaction URL version the wallet speaks")],
                              headers: [], requestSchema: nil, success: (200, "ExchangeProtocols"), errors: [404, 410])) { _, context in
            let secret = context.parameters.get("exchangeId") ?? ""
            let answer = OAuthSecret.kind(of: secret) == .presentationExchange
                ? try await requests.interaction(secret) : try await offers.interaction(secret)
            return APIJSON.response(json: answer, status: .ok, headers: OAuthRoutes.noStore)
        }
        catalog.add(Operation(method: .post, path: "/exchanges/{exchangeId}", operationId: "participateInExchange",
                              summary: "Take part in a VC-API exchange: {} starts it; a learner's offer answers with the credential as issued in a Verifiable Presentation, once; a verifier's request answers with a Verifiable Presentation Request, then takes one presentation",
                              tag: "Wallet exchanges", access: .open, query: [], headers: [], requestSchema: "ExchangeMessage",
                              success: (200, "ExchangeResponse"), errors: [400, 404, 410, 413, 422])) { request, context in
            let body = try await reader.object(request, allowEmpty: true)
            let secret = context.parameters.get("exchangeId") ?? ""
            return OAuthSecret.kind(of: secret) == .presentationExchange
                ? try await requests.participate(secret, body: body) : try await offers.participate(secret, body: body)
        }
    }
}
