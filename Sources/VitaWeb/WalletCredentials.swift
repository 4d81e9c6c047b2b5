import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VitaAPI
import VitaCredentials
import VitaJSON

/// One credential in the wallet: issued by Vita (`vcr_`, `clr_`) or held (`hcr_`), as JSON or a VC-JWT.
struct WalletCredential: Sendable {
    var id: String
    /// `issued` or `held`: the kind a collection item names.
    var kind: String
    /// `json` or `jwt`.
    var format: String
    /// The credential as submitted for verification: JSON text or the compact JWS.
    var bytes: [UInt8]

    /// The credential's JSON (a VC-JWT's payload).
    var json: JSONValue? { CredentialView.credential(in: bytes) }

    /// A held credential as the API describes one it kept (`id`, `format`, `credential`).
    init(held view: JSONValue) {
        let credential = view["credential"] ?? .null
        self.init(id: view["id"]?.stringValue ?? "", kind: "held", format: view["format"]?.stringValue ?? "json",
                  bytes: credential.stringValue.map { Array($0.utf8) } ?? credential.serialized())
    }

    init(id: String, kind: String, format: String, bytes: [UInt8]) {
        self.id = id
        self.kind = kind
        self.format = format
        self.bytes = bytes
    }

    var title: String {
        let json = json
        return CredentialView.text(CredentialView.first(json?["credentialSubject"])?["achievement"]?["name"])
            ?? CredentialView.text(json?["name"]) ?? id
    }
}

extension WalletScreens {
    /// Every credential of the learner: issued Open Badges and CLRs, and held ones; nil (with the answer) when the API
    /// refuses.
    func credentials(learnerId: String) async -> [WalletCredential]? {
        let reply = await api.list(learnerId, "/api/v1/me/credentials")
        guard reply.isSuccess else { return nil }
        return (reply.json?["items"]?.arrayValue ?? []).compactMap { item in
            guard let id = item["id"]?.stringValue, let kind = item["kind"]?.stringValue, let credential = item["credential"] else {
                return nil
            }
            if let jwt = credential.stringValue {
                return WalletCredential(id: id, kind: kind, format: "jwt", bytes: Array(jwt.utf8))
            }
            return WalletCredential(id: id, kind: kind, format: "json", bytes: credential.serialized())
        }
    }

    /// The card values of a credential in a list: title, issuer, date, the verdict checked now, a link.
    func summary(_ credential: WalletCredential, verify: Bool) async -> [String: Any] {
        let json = credential.json
        var values: [String: Any] = ["id": credential.id, "title": credential.title, "kind": credential.kind]
        values["issuer"] = CredentialView.party(json?["issuer"]) ?? ""
        values["date"] = CredentialView.date(CredentialView.text(json?["awardedDate"]) ?? CredentialView.text(json?["validFrom"])
                                             ?? CredentialView.text(json?["issuanceDate"])) ?? ""
        values["isClr"] = CredentialView.strings(json?["type"]).contains("ClrCredential")
        if verify {
            let summary = VerdictSummary(await verification.verify(.upload(credential.bytes)))
            values["verdict"] = summary.rawValue
            values["tone"] = summary.tone
            values["headline"] = strings[summary.messageId]
        }
        return values
    }

    /// `GET /wallet/credentials`: every credential as a card with its verification status checked now.
    func credentialList(_ request: Request, learnerId: String) async -> Response {
        guard let found = await credentials(learnerId: learnerId) else { return unavailable(request, nav: "credentials", reply: nil) }
        var cards: [[String: Any]] = []
        for credential in found { cards.append(await summary(credential, verify: true)) }
        return render(request, "wallet_credentials", title: strings["wallet.credentials_title"], nav: "credentials",
                      values: ["cards": cards, "hasCards": !cards.isEmpty])
    }

    /// `GET /wallet/credentials/{id}`: the credential laid out for reading, its verdict and every check (now), the
    /// downloads, a form to share it alone, and (for one Vita issued) a form to send it to a wallet app.
    func credential(_ request: Request, learnerId: String, id: String, created: [String: Any]? = nil,
                    offer: [String: Any]? = nil, problem: String? = nil) async -> Response {
        guard let found = await credentials(learnerId: learnerId) else { return unavailable(request, nav: "credentials", reply: nil) }
        guard let credential = found.first(where: { $0.id == id }) else { return notFound(request, nav: "credentials") }
        let report = await verification.verify(.upload(credential.bytes))
        var values = VerdictSummary.values(for: report, strings: strings)
        values.merge(["id": credential.id, "kind": credential.kind, "credentialId": credential.id,
                      "back": "/wallet/credentials/\(credential.id)"]) { _, new in new }
        if let json = credential.json { values["content"] = CredentialView(strings: strings).values(for: json) }
        var downloads: [[String: String]] = [["format": "json", "label": strings["wallet.download_json"]],
                                             ["format": "svg", "label": strings["wallet.download_svg"]]]
        if WalletCredential.hasPNGImage(credential.json) {
            downloads.append(["format": "png", "label": strings["wallet.download_png"]])
        }
        if credential.format == "jwt" { downloads.append(["format": "jwt", "label": strings["wallet.download_jwt"]]) }
        values["downloads"] = downloads
        values["expiryOptions"] = expiryOptions()
        if let created { values["created"] = created }
        if let problem { values["problem"] = problem }
        let shares = await api.list(learnerId, "/api/v1/me/shares")
        values["shares"] = await shareRows(learnerId: learnerId, shares.json, matching: { $0["item"]?["id"]?.stringValue == id })
        values["hasShares"] = !(values["shares"] as? [[String: Any]] ?? []).isEmpty
        if credential.kind == "issued" {
            let offers = await offerRows(learnerId: learnerId, credentialId: id)
            values["canOffer"] = true
            values["offers"] = offers
            values["hasOffers"] = !offers.isEmpty
            if let offer { values["offerCreated"] = offer }
        }
        return render(request, "wallet_credential", title: credential.title, nav: "credentials", values: values,
                      status: problem == nil ? .ok : .unprocessableContent)
    }


    /// `GET /wallet/credentials/{id}/download/{format}`: the file from the API, or the credential page with the
    /// reason it cannot be made.
    func download(_ request: Request, learnerId: String, id: String, format: String) async -> Response {
        guard ["json", "svg", "png", "jwt"].contains(format), id.count < 80,
              id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            return notFound(request, nav: "credentials")
        }
        let reply = await api.get(learnerId, "/api/v1/me/credentials/\(id)/download?format=\(format)")
        guard reply.isSuccess else {
            if reply.status == 404 { return notFound(request, nav: "credentials") }
            return await credential(request, learnerId: learnerId, id: id, problem: reply.problemText ?? strings["wallet.unavailable"])
        }
        var headers = HTTPFields()
        headers[.contentType] = reply.headers[.contentType] ?? "application/octet-stream"
        headers[.contentDisposition] = reply.headers[.contentDisposition] ?? "attachment"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; sandbox"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}

extension WalletCredential {
    /// Whether the credential names a PNG image the API can bake into.
    static func hasPNGImage(_ json: JSONValue?) -> Bool {
        let achievement = CredentialView.first(json?["credentialSubject"])?["achievement"]
        return [achievement?["image"], json?["image"]].contains { value in
            (value?.stringValue ?? value?["id"]?.stringValue)?.hasPrefix("data:image/png;base64,") == true
        }
    }
}
