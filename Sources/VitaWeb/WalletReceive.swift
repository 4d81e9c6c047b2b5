import Foundation
import Hummingbird
import VitaJSON

/// Receiving a credential another issuer offers (`/wallet/receive`): the learner pastes the OpenID4VCI offer an issuer
/// shows, sees who offers what (`previewReceivedOffer`), types the transaction code if the offer needs one, and the
/// credentials are fetched, checked and kept with theirs (`claimReceivedOffer`).
extension WalletScreens {
    /// `GET /wallet/receive`: the form to paste an offer into; with `credential_offer` or `credential_offer_uri` in the
    /// query — the wallet invoked by link, OpenID4VCI 1.0 §4.1.3, this page being Vita's wallet's credential offer
    /// endpoint — the offer read.
    func receive(_ request: Request, learnerId: String) async -> Response {
        let parameters = request.uri.queryParameters
        guard parameters["credential_offer"] != nil || parameters["credential_offer_uri"] != nil, let query = request.uri.query else {
            return receive(request, learnerId: learnerId, problem: nil)
        }
        return await offerPreview(request, learnerId: learnerId, offer: "openid-credential-offer://?" + query)
    }

    func receive(_ request: Request, learnerId: String, problem: String?, pasted: String = "",
                 status: HTTPResponse.Status = .ok) -> Response {
        var values: [String: Any] = [:]
        if let problem { values["problem"] = problem }
        if !pasted.isEmpty { values["pasted"] = String(pasted.prefix(WalletPresentForm.maxRequestLength)) }
        return render(request, "wallet_receive", title: strings["wallet.receive_title"], nav: "credentials", values: values, status: status)
    }

    /// `POST /wallet/receive`: reads the offer (`step` absent or `read`) or claims it (`claim`).
    func claimOffer(_ request: Request, learnerId: String) async -> Response {
        let (form, refusal) = await form(request)
        guard let form else { return refusal! }
        let offer = (form.fields["offer"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !offer.isEmpty else {
            return receive(request, learnerId: learnerId, problem: strings["input.empty"], status: .unprocessableContent)
        }
        guard form.fields["step"] == "claim" else { return await offerPreview(request, learnerId: learnerId, offer: offer) }
        var body: JSONObject = ["offer": .string(offer)]
        if let code = form.fields["transactionCode"]?.trimmingCharacters(in: .whitespaces), !code.isEmpty { body["transactionCode"] = .string(code) }
        let reply = await api.send(learnerId, .post, "/api/v1/me/received-offers", json: .object(body))
        guard reply.isSuccess, let json = reply.json else {
            let problem = explained(strings["wallet.receive_failed"], reply)
            // A wrong or missing code: the offer again, to type it again.
            if [400, 422].contains(reply.status) {
                return await offerPreview(request, learnerId: learnerId, offer: offer, problem: problem, status: .unprocessableContent)
            }
            return receive(request, learnerId: learnerId, problem: problem, status: HTTPResponse.Status(code: reply.status >= 400 ? reply.status : 502))
        }
        let issuer = json["issuer"]?["name"]?.stringValue ?? json["issuer"]?["id"]?.stringValue ?? ""
        let kept = json["credentials"]?.arrayValue ?? []
        let items: [[String: Any]] = kept.map { held in
            let credential = WalletCredential(held: held)
            return ["id": credential.id, "title": credential.title]
        }
        let message = kept.count == 1 ? strings.format("wallet.receive_done_one", ["issuer": issuer])
            : strings.format("wallet.receive_done_many", ["issuer": issuer, "count": String(kept.count)])
        return render(request, "wallet_receive", title: strings["wallet.receive_title"], nav: "credentials",
                      values: ["result": ["message": message, "items": items], "preview": false])
    }

    private func offerPreview(_ request: Request, learnerId: String, offer: String, problem: String? = nil,
                              status: HTTPResponse.Status = .ok) async -> Response {
        let reply = await api.send(learnerId, .post, "/api/v1/me/received-offers/preview", json: ["offer": .string(offer)])
        guard reply.isSuccess, let preview = reply.json else {
            let lead = reply.status == 422 || reply.status == 400 ? strings["wallet.receive_unreadable"] : strings["wallet.receive_failed"]
            return receive(request, learnerId: learnerId, problem: explained(lead, reply), pasted: offer,
                           status: HTTPResponse.Status(code: reply.status >= 400 ? reply.status : 502))
        }
        let issuerId = preview["issuer"]?["id"]?.stringValue ?? ""
        let host = URL(string: issuerId)?.host ?? issuerId
        // The name is what the issuer says of itself; the host is where the credential comes from.
        let issuer = preview["issuer"]?["name"]?.stringValue.map { strings.format("wallet.receive_named", ["name": $0, "host": host]) } ?? host
        let credentials = (preview["credentials"]?.arrayValue ?? []).map { item -> [String: Any] in
            var row: [String: Any] = ["label": item["name"]?.stringValue
                                        ?? strings.format("wallet.receive_unnamed", ["id": item["configurationId"]?.stringValue ?? ""])]
            if item["claimable"]?.boolValue != true { row["reason"] = item["reason"]?.stringValue ?? "" }
            return row
        }
        var values: [String: Any] = [
            "preview": true, "offer": offer, "credentials": credentials,
            "offers": strings.format("wallet.receive_offers", ["issuer": issuer]),
            "claimable": (preview["credentials"]?.arrayValue ?? []).contains { $0["claimable"]?.boolValue == true },
        ]
        if let code = preview["transactionCode"]?.objectValue {
            var hints = [code["description"]?.stringValue.map { strings.format("wallet.receive_code_says", ["text": $0]) }
                ?? strings["wallet.receive_code_hint"]]
            if let length = code["length"]?.numberValue?.intValue {
                hints.append(strings.format("wallet.receive_code_length", ["length": String(length)]))
            }
            values["code"] = ["hint": hints.joined(separator: " "), "inputMode": code["inputMode"]?.stringValue == "text" ? "text" : "numeric"]
        }
        if let problem { values["problem"] = problem }
        return render(request, "wallet_receive", title: strings["wallet.receive_title"], nav: "credentials", values: values, status: status)
    }
}
