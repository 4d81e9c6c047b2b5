import Foundation
import Hummingbird
import VitaAPI
import VitaCredentials
import VitaJSON

/// `/s/{token}`: what a learner shared, for whoever holds the link, without signing in. The page first asks the API
/// whether the link needs a passcode (`getShareLinkState`, which opens nothing), asks for it when it does, then opens
/// the link (`openShareLink`, which records the opening the learner sees) and shows each credential as the verifier
/// page does — the verdict in one line, every check, the content — verified now, and each record with its provenance.
struct SharePage: Sendable {
    let renderer: PageRenderer
    let csrf: CSRFProtection
    var api: WalletAPIClient
    let verification: CredentialVerification

    var strings: WebStrings { renderer.strings }

    static func isToken(_ token: String) -> Bool {
        token.hasPrefix("vsh_") && token.count < 100
            && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// This page calling the API in process within `context`, the page request's.
    func bound(to context: VitaRequestContext) -> SharePage {
        var page = self
        page.api = api.bound(to: context)
        return page
    }

    /// `GET /s/{token}`.
    func show(_ request: Request, token: String) async -> Response {
        guard Self.isToken(token) else { return gone(request, "share.not_found", status: .notFound) }
        let state = await api.get(nil, "/api/v1/shared/\(token)")
        guard state.isSuccess, let json = state.json else {
            return state.status == 404 ? gone(request, "share.not_found", status: .notFound) : failure(request)
        }
        switch json["state"]?.stringValue {
        case "expired": return gone(request, "share.expired", status: .gone)
        case "revoked": return gone(request, "share.revoked", status: .gone)
        default: break
        }
        if json["needsPasscode"]?.boolValue == true { return passcodeForm(request, token: token, problem: nil) }
        return await open(request, token: token, passcode: nil)
    }

    /// `POST /s/{token}`: the passcode form.
    func submit(_ request: Request, token: String) async -> Response {
        guard Self.isToken(token) else { return gone(request, "share.not_found", status: .notFound) }
        let form: FormInput
        do {
            form = try await FormInput.read(request, limit: 16 * 1024)
        } catch {
            return renderer.message(title: strings["error.title"], message: strings["input.bad_form"], status: .badRequest)
        }
        guard form.oversizedBytes == nil,
              csrf.isValid(token: form.fields[CSRFProtection.fieldName], cookieHeader: request.headers[.cookie]) else {
            return renderer.message(title: strings["error.csrf_title"], message: strings["error.csrf"], status: .forbidden)
        }
        let passcode = form.fields["passcode"] ?? ""
        if passcode.isEmpty { return passcodeForm(request, token: token, problem: strings["share.passcode_missing"]) }
        return await open(request, token: token, passcode: passcode)
    }

    private func open(_ request: Request, token: String, passcode: String?) async -> Response {
        var body = JSONObject()
        if let passcode { body["passcode"] = .string(passcode) }
        let reply = await api.send(nil, .post, "/api/v1/shared/\(token)", json: .object(body))
        switch reply.status {
        case 200: break
        case 403: return passcodeForm(request, token: token, problem: strings["share.passcode_wrong"])
        case 404: return gone(request, "share.not_found", status: .notFound)
        case 410:
            let expired = reply.json?["detail"]?.stringValue?.contains("expired") == true
            return gone(request, expired ? "share.expired" : "share.revoked", status: .gone)
        default: return failure(request)
        }
        guard let json = reply.json else { return failure(request) }
        var values: [String: Any] = [:]
        let learner = json["learnerName"]?.stringValue
        values["intro"] = learner.map { strings.format("share.intro_named", ["name": $0]) } ?? strings["share.intro"]
        if let name = json["name"]?.stringValue { values["collectionName"] = name }
        if let statement = json["statement"]?.stringValue { values["statement"] = statement }
        values["expires"] = strings.format("share.expires", ["date": WalletFormat.date(json["expiresAt"]?.stringValue) ?? "?"])
        var items: [[String: Any]] = []
        for (index, item) in (json["items"]?.arrayValue ?? []).enumerated() {
            if item["kind"]?.stringValue == "record", let record = item["record"] {
                items.append(["record": recordValues(record, index: index)])
            } else if let credential = item["credential"] {
                items.append(["credential": await credentialValues(credential, index: index)])
            }
        }
        values["items"] = items
        values["hasItems"] = !items.isEmpty
        return render(request, "share", values: values)
    }

    /// A shared credential as the verifier page shows it, verified now.
    func credentialValues(_ credential: JSONValue, index: Int) async -> [String: Any] {
        let bytes = credential.stringValue.map { Array($0.utf8) } ?? credential.serialized()
        let report = await verification.verify(.upload(bytes))
        var values = VerdictSummary.values(for: report, strings: strings)
        values["number"] = String(index + 1)
        if let json = CredentialView.credential(in: bytes) { values["content"] = CredentialView(strings: strings).values(for: json) }
        return values
    }

    /// A shared record: what it says, and who asserted it when.
    func recordValues(_ record: JSONValue, index: Int) -> [String: Any] {
        let category = record["category"]?.stringValue ?? ""
        var facts: [[String: String]] = []
        for (key, value) in record["record"]?.objectValue ?? JSONObject() {
            facts.append(["label": CredentialView.words(key).capitalizedFirst, "value": WalletScreens.plain(value)])
        }
        let provenance = record["provenance"]
        var origin: [[String: String]] = []
        func fact(_ id: String, _ value: String?) {
            if let value, !value.isEmpty { origin.append(["label": strings[id], "value": value]) }
        }
        fact("wallet.record_system", provenance?["systemId"]?.stringValue)
        fact("wallet.record_asserted", WalletFormat.date(provenance?["assertedAt"]?.stringValue))
        fact("wallet.record_raw_location", provenance?["rawDataURI"]?.stringValue)
        fact("wallet.record_digest", provenance?["rawDigest"]?.stringValue)
        return ["number": String(index + 1), "heading": strings.table["wallet.category_one.\(category)"] ?? category,
                "facts": facts, "origin": origin]
    }

    func passcodeForm(_ request: Request, token: String, problem: String?) -> Response {
        var values: [String: Any] = ["token": token, "passcode": true]
        if let problem { values["problem"] = problem }
        return render(request, "share", values: values, status: problem == nil ? .ok : .forbidden)
    }

    func gone(_ request: Request, _ id: String, status: HTTPResponse.Status) -> Response {
        render(request, "share", values: ["gone": strings[id]], status: status)
    }

    func failure(_ request: Request) -> Response {
        render(request, "share", values: ["gone": strings["error.generic"]], status: .serviceUnavailable)
    }

    func render(_ request: Request, _ template: String, values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var values = values
        values["title"] = strings["share.title"]
        return renderer.formPage(template, values, request: request, csrf: csrf, status: status)
    }
}
