import Foundation
import Hummingbird
import VitaJSON

/// Answering a verifier from the wallet (`/wallet/present`): the learner pastes the OpenID4VP request a verifier shows,
/// sees who asks (the address the answer goes to, the only thing an unsigned request names) and what for, picks the
/// credentials to send among those that answer each query (`previewMyPresentationRequest`), and sends them or
/// declines (`answerMyPresentationRequest`).
extension WalletScreens {
    /// `GET /wallet/present`: the form to paste a request into; with a request's parameters in the query — the wallet
    /// invoked by link, OpenID4VP 1.0 §13.1, this page being Vita's wallet's authorization endpoint — the request read.
    func present(_ request: Request, learnerId: String) async -> Response {
        guard request.uri.queryParameters["client_id"] != nil, let query = request.uri.query else {
            return present(request, learnerId: learnerId, problem: nil)
        }
        return await previewPage(request, learnerId: learnerId, text: "openid4vp://?" + query)
    }

    func present(_ request: Request, learnerId: String, problem: String?, pasted: String = "",
                 status: HTTPResponse.Status = .ok) -> Response {
        var values: [String: Any] = [:]
        if let problem { values["problem"] = problem }
        if !pasted.isEmpty { values["pasted"] = String(pasted.prefix(WalletPresentForm.maxRequestLength)) }
        return render(request, "wallet_present", title: strings["wallet.present_title"], nav: "present", values: values, status: status)
    }

    /// `POST /wallet/present`: reads the request (`step` absent or `read`), sends the chosen credentials (`send`) or
    /// declines (`decline`).
    func answerPresentationRequest(_ request: Request, learnerId: String) async -> Response {
        let (form, refusal) = await form(request)
        guard let form else { return refusal! }
        let text = (form.fields["request"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            return present(request, learnerId: learnerId, problem: strings["input.empty"], status: .unprocessableContent)
        }
        switch form.fields["step"] {
        case "send":
            let body: JSONValue = ["request": .string(text), "credentials": .object(WalletPresentForm.selection(form.fields))]
            return await sendAnswer(request, learnerId: learnerId, text: text, body: body)
        case "decline":
            return await sendAnswer(request, learnerId: learnerId, text: text, body: ["request": .string(text), "decline": true])
        default:
            return await previewPage(request, learnerId: learnerId, text: text)
        }
    }

    private func previewPage(_ request: Request, learnerId: String, text: String, problem: String? = nil,
                             status: HTTPResponse.Status = .ok) async -> Response {
        let reply = await api.send(learnerId, .post, "/api/v1/me/presentation-requests/preview", json: ["request": .string(text)])
        guard reply.isSuccess, let preview = reply.json else {
            if reply.status == 422 || reply.status == 400 {
                return present(request, learnerId: learnerId, problem: explained(strings["wallet.present_unreadable"], reply),
                               pasted: text, status: .unprocessableContent)
            }
            return unavailable(request, nav: "present", reply: reply)
        }
        var values = WalletPresentForm.values(preview, strings: strings)
        values["request"] = text
        if let problem { values["problem"] = problem }
        return render(request, "wallet_present", title: strings["wallet.present_title"], nav: "present", values: values, status: status)
    }

    private func sendAnswer(_ request: Request, learnerId: String, text: String, body: JSONValue) async -> Response {
        let reply = await api.send(learnerId, .post, "/api/v1/me/presentations", json: body)
        guard reply.isSuccess, let outcome = reply.json else {
            let problem = explained(strings["wallet.present_failed"], reply)
            // A choice the query does not allow: the same request again, with the reason.
            if reply.status == 422 || reply.status == 400 {
                return await previewPage(request, learnerId: learnerId, text: text, problem: problem, status: .unprocessableContent)
            }
            return present(request, learnerId: learnerId, problem: problem, status: HTTPResponse.Status(code: reply.status >= 400 ? reply.status : 502))
        }
        let host = outcome["verifier"]?["host"]?.stringValue ?? ""
        let count = outcome["presented"]?.arrayValue?.count ?? 0
        let message = outcome["outcome"]?.stringValue == "declined"
            ? strings.format("wallet.present_declined", ["host": host])
            : strings.format("wallet.present_sent", ["host": host, "count": count == 1 ? strings["wallet.present_sent_one"]
                                                                     : strings.format("wallet.present_sent_many", ["count": String(count)])])
        var result: [String: Any] = ["message": message]
        if let redirect = outcome["redirectUri"]?.stringValue { result["redirect"] = redirect }
        return render(request, "wallet_present", title: strings["wallet.present_title"], nav: "present", values: ["result": result])
    }
}

/// The request page's form: the choices laid out from the preview, and read back from the fields.
enum WalletPresentForm {
    /// The longest request text kept in the form (a request by value is a few kilobytes).
    static let maxRequestLength = 32 * 1024
    /// The prefix of the fields that carry a choice: `pick.<query>` (one credential) or `pick.<query>.<credential>`.
    static let fieldPrefix = "pick."

    /// The template's values for a preview: who asks, each query with its choices, the default selection checked.
    static func values(_ preview: JSONValue, strings: WebStrings) -> [String: Any] {
        let verifier = preview["verifier"]
        let host = verifier?["host"]?.stringValue ?? ""
        let selection = preview["selection"]?.objectValue
        // Without credential sets every query must be answered: "send none" only where sets make a query optional.
        let queriesMayGoUnanswered = preview["credentialSets"] != nil
        var queries: [[String: Any]] = []
        for (position, query) in (preview["queries"]?.arrayValue ?? []).enumerated() {
            let id = query["id"]?.stringValue ?? ""
            let multiple = query["multiple"]?.boolValue == true
            let chosen = Set(selection?[id]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let matches = query["matches"]?.arrayValue ?? []
            var options: [[String: Any]] = matches.enumerated().map { index, match in
                let credentialId = match["credentialId"]?.stringValue ?? ""
                let name = match["name"]?.stringValue ?? strings["wallet.present_unnamed"]
                let label = match["issuer"]?.stringValue.map { strings.format("wallet.present_option", ["name": name, "issuer": $0]) } ?? name
                return ["inputType": multiple ? "checkbox" : "radio", "id": "pick-\(position)-\(index)",
                        "field": fieldPrefix + id + (multiple ? ".\(credentialId)" : ""), "value": multiple ? "on" : credentialId,
                        "checked": chosen.contains(credentialId), "label": label]
            }
            if !multiple && !matches.isEmpty && queriesMayGoUnanswered {
                options.append(["inputType": "radio", "id": "pick-\(position)-none", "field": fieldPrefix + id, "value": "",
                                "checked": chosen.isEmpty, "label": strings["wallet.present_none"]])
            }
            let kinds = (query["typeValues"]?.arrayValue ?? []).map { alternative in
                (alternative.arrayValue ?? []).compactMap(\.stringValue).filter { !$0.hasSuffix("#VerifiableCredential") }
                    .map(typeName).joined(separator: " + ")
            }.filter { !$0.isEmpty }
            let what = kinds.isEmpty ? strings["wallet.present_any"] : kinds.joined(separator: " / ")
            let format = query["format"]?.stringValue ?? ""
            let legend = strings.format("wallet.present_query", ["what": what])
                + (strings.table["wallet.present_format.\(format)"].map { ", " + $0 } ?? "")
            var row: [String: Any] = ["legend": legend, "options": options, "hasMatches": !matches.isEmpty]
            let claims = (query["claims"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !claims.isEmpty { row["claims"] = strings.format("wallet.present_claims", ["claims": claims.joined(separator: ", ")]) }
            queries.append(row)
        }
        var values: [String: Any] = [
            "preview": true, "queries": queries, "answerable": preview["answerable"]?.boolValue == true,
            "asks": strings.format("wallet.present_asks", ["host": host]),
            "unverified": strings.format("wallet.present_unverified", ["uri": verifier?["responseUri"]?.stringValue ?? ""]),
        ]
        if queriesMayGoUnanswered { values["alternatives"] = strings["wallet.present_alternatives"] }
        if let name = verifier?["name"]?.stringValue { values["claimedName"] = strings.format("wallet.present_claimed_name", ["name": name]) }
        if let reason = preview["unanswerable"]?.stringValue { values["unanswerable"] = reason }
        return values
    }

    /// The choices submitted: query id → credential ids.
    static func selection(_ fields: [String: String]) -> JSONObject {
        var chosen: [String: [String]] = [:]
        for (name, value) in fields where name.hasPrefix(fieldPrefix) {
            let rest = name.dropFirst(fieldPrefix.count)
            if let dot = rest.firstIndex(of: ".") {
                guard value == "on" else { continue }
                chosen[String(rest[..<dot]), default: []].append(String(rest[rest.index(after: dot)...]))
            } else if !value.isEmpty {
                chosen[String(rest), default: []].append(value)
            }
        }
        var object = JSONObject()
        for id in chosen.keys.sorted() { object[id] = .array(chosen[id]!.sorted().map(JSONValue.string)) }
        return object
    }

    /// A type IRI as people read it: its last segment (`…/vocab.html#OpenBadgeCredential` → `OpenBadgeCredential`).
    static func typeName(_ iri: String) -> String {
        String(iri.split(whereSeparator: { $0 == "#" || $0 == "/" }).last ?? Substring(iri))
    }
}
