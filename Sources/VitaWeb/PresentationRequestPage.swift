import Foundation
import Hummingbird
import VitaAPI
import VitaCredentials
import VitaJSON

/// `/verify/request` and `/verify/requests/{token}`: a verifier asks a wallet app for credentials through the API's
/// presentation requests (`createPresentationRequest`, `getPresentationRequest`), by a VC-API exchange (the Learner
/// Credential Wallet) or by OpenID4VP. The request's page shows the QR code and the wallet's link while it waits, with a link to check for the answer (no script, and no
/// timed reload: WCAG 2.2.1 leaves the timing to the person), then the
/// presentation's checks — the holder's proof over this request's challenge and this site's domain — and each
/// credential presented with its verdict, checks and content, as verified when it arrived.
struct PresentationRequestPage: Sendable {
    let renderer: PageRenderer
    let csrf: CSRFProtection
    var api: WalletAPIClient

    var strings: WebStrings { renderer.strings }

    /// This page calling the API in process within `context`, the page request's.
    func bound(to context: VitaRequestContext) -> PresentationRequestPage {
        var page = self
        page.api = api.bound(to: context)
        return page
    }

    static func isToken(_ token: String) -> Bool {
        token.hasPrefix("vpv_") && token.count < 100
            && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// `POST /verify/request`: makes the request and goes to its page.
    func create(_ request: Request) async -> Response {
        let form: FormInput
        do {
            form = try await FormInput.read(request, limit: 16 * 1024)
        } catch {
            return renderer.message(title: strings["error.title"], message: strings["input.bad_form"], status: .badRequest)
        }
        guard csrf.isValid(token: form.fields[CSRFProtection.fieldName], cookieHeader: request.headers[.cookie]) else {
            return renderer.message(title: strings["error.csrf_title"], message: strings["error.csrf"], status: .forbidden)
        }
        let body: JSONValue = ["credentialType": .string(form.fields["credentialType"] ?? "VerifiableCredential"),
                               "protocol": .string(form.fields["protocol"] ?? "vcapi"), "reason": .string(form.fields["reason"] ?? "")]
        let reply = await api.send(nil, .post, "/api/v1/presentation-requests", json: body)
        guard reply.isSuccess, let token = reply.json?["viewToken"]?.stringValue else {
            let message = reply.problemText.map { strings.format("input.reason", ["reason": $0]) } ?? strings["wallet.unavailable"]
            return renderer.message(title: strings["ask.title"], message: message,
                                    status: HTTPResponse.Status(code: reply.status >= 400 ? reply.status : 503))
        }
        return PageRenderer.redirect("/verify/requests/\(token)")
    }

    /// `GET /verify/requests/{token}`: waiting (the QR code), answered (what was presented) or expired.
    func show(_ request: Request, token: String) async -> Response {
        guard Self.isToken(token) else { return gone() }
        let reply = await api.get(nil, "/api/v1/presentation-requests/\(token)")
        guard reply.isSuccess, let json = reply.json else {
            return reply.status == 404 ? gone() : renderer.message(title: strings["ask.title"], message: strings["wallet.unavailable"],
                                                                   status: .serviceUnavailable)
        }
        let type = json["credentialType"]?.stringValue ?? ""
        let typeLabel = ["OpenBadgeCredential": strings["ask.type_badge"], "ClrCredential": strings["ask.type_clr"]][type]
            ?? strings["ask.type_any"]
        var values: [String: Any] = [
            "title": strings["ask.title"], "navVerify": true,
            "asked": strings.format("ask.asked", ["type": typeLabel, "reason": json["reason"]?.stringValue ?? ""]),
        ]
        switch json["state"]?.stringValue {
        case "waiting":
            let openID = json["protocol"]?.stringValue == "openid4vp"
            let qr: Any = json["qrCodeSVG"]?.stringValue.map(QRImage.values(svg:)) ?? false
            let link: String = json["offerURI"]?.stringValue ?? ""
            values["waiting"] = [
                "scan": strings[openID ? "ask.scan_openid4vp" : "ask.scan"],
                "linkLabel": strings[openID ? "ask.link_openid4vp" : "ask.link"],
                "link": link,
                "qr": qr,
                "until": strings.format("ask.until", ["at": WalletFormat.date(json["expiresAt"]?.stringValue) ?? ""]),
                "self": "/verify/requests/\(token)",
            ]
        case "received":
            values["received"] = received(json)
        case "declined":
            let error = json["result"]?["walletError"]
            let code = error?["error"]?.stringValue ?? ""
            values["declined"] = strings.format("ask.declined", [
                "error": code == "access_denied" ? strings["ask.declined_access_denied"] : code,
                "description": error?["description"]?.stringValue ?? "",
            ])
        default:
            values["expired"] = true
        }
        return renderer.page("presentation_request", values)
    }

    /// The answer laid out: the presentation's checks, then each credential with its verdict, checks and content.
    private func received(_ json: JSONValue) -> [String: Any] {
        let result = json["result"]
        let report = result?["report"].flatMap(VerificationReport.init(json:)) ?? VerificationReport()
        let presentationPassed = !report.failed("proof") && !report.failed("holder") && report.passed("proof")
        var values: [String: Any] = ["at": strings.format("ask.received", ["at": WalletFormat.date(json["receivedAt"]?.stringValue) ?? ""])]
        values["holderLine"] = presentationPassed
            ? strings.format("ask.holder_ok", ["holder": result?["holder"]?.stringValue ?? "?"]) : strings["ask.holder_bad"]
        values["holderTone"] = presentationPassed ? "good" : "bad"
        values["presentation"] = ["caption": strings["ask.presentation_checks"],
                                  "checks": VerdictSummary.checkRows(report, strings: strings)]
        let credentials = result?["credentials"]?.arrayValue ?? []
        values["credentials"] = credentials.enumerated().map { index, credential -> [String: Any] in
            let nested = index < report.nested.count ? report.nested[index] : VerificationReport()
            var item = VerdictSummary.values(for: nested, strings: strings)
            item["number"] = String(index + 1)
            item["presentedHeading"] = strings.format("ask.presented", ["number": String(index + 1), "count": String(credentials.count)])
            let object = credential.objectValue != nil ? credential : CredentialView.credential(in: Array((credential.stringValue ?? "").utf8))
            if let object, object.objectValue != nil { item["content"] = CredentialView(strings: strings).values(for: object) }
            return item
        }
        values["hasCredentials"] = !credentials.isEmpty
        return values
    }

    private func gone() -> Response {
        renderer.message(title: strings["ask.title"], message: strings["ask.gone"], status: .notFound)
    }
}
