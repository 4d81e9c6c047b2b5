import Foundation
import Hummingbird
import VitaJSON

/// Sending a credential Vita issued to a wallet app (`POST /api/v1/me/credentials/{id}/offers`, OpenID4VCI or the
/// Learner Credential Wallet's VC-API exchange): the offer's QR code, same-device link and transaction code on the
/// credential page, and the offers made with their state.
extension WalletScreens {
    /// `POST /wallet/credentials/{id}/offers`: makes an offer and shows it on the credential page, once.
    func createOffer(_ request: Request, learnerId: String, id: String) async -> Response {
        let (form, refusal) = await form(request)
        guard let form else { return refusal! }
        guard Self.isSafeId(id) else { return notFound(request, nav: "credentials") }
        let walletProtocol = form.fields["protocol"] == "vcapi" ? "vcapi" : "oid4vci"
        var body: JSONObject = ["protocol": .string(walletProtocol)]
        if walletProtocol == "oid4vci" { body["transactionCode"] = .bool(form.fields["transactionCode"] != nil) }
        let reply = await api.send(learnerId, .post, "/api/v1/me/credentials/\(id)/offers", json: .object(body))
        guard reply.isSuccess, let json = reply.json, let uri = json["offerURI"]?.stringValue else {
            if reply.status == 404 { return notFound(request, nav: "credentials") }
            return await credential(request, learnerId: learnerId, id: id, problem: reply.problemText ?? strings["wallet.unavailable"])
        }
        var created: [String: Any] = [
            "uri": uri,
            "expires": strings.format("wallet.offer_until", ["at": WalletFormat.date(json["expiresAt"]?.stringValue) ?? ""]),
        ]
        if let code = json["transactionCode"]?.stringValue { created["transactionCode"] = code }
        if let deepLink = json["deepLink"]?.stringValue { created["deepLink"] = deepLink }
        if let svg = json["qrCodeSVG"]?.stringValue {
            created["qr"] = QRImage.values(svg: svg)
        }
        return await credential(request, learnerId: learnerId, id: id, offer: created)
    }

    /// `POST /wallet/credential-offers/{id}/withdraw`: back to the credential page.
    func withdrawOffer(_ request: Request, learnerId: String, id: String) async -> Response {
        await delete(request, learnerId: learnerId, id: id, at: "/api/v1/me/credential-offers", nav: "credentials",
                     done: "offer_withdrawn")
    }

    /// The offers of credential `id`, newest first, with their state in words and whether they can be withdrawn.
    func offerRows(learnerId: String, credentialId id: String) async -> [[String: Any]] {
        let reply = await api.list(learnerId, "/api/v1/me/credential-offers")
        let offers = (reply.json?["items"]?.arrayValue ?? []).filter { $0["credentialId"]?.stringValue == id }
        return offers.reversed().compactMap { offer -> [String: Any]? in
            guard let offerId = offer["id"]?.stringValue, let state = offer["state"]?.stringValue else { return nil }
            var row: [String: Any] = ["id": offerId, "state": strings.table["wallet.offer_state.\(state)"] ?? state,
                                      "created": WalletFormat.date(offer["createdAt"]?.stringValue) ?? "",
                                      "active": state == "offered" || state == "redeemed"]
            if let event = offer["walletEvent"]?.stringValue {
                row["event"] = strings.table["wallet.offer_event.\(event)"] ?? event
            }
            return row
        }
    }
}
