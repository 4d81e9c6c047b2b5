import Foundation
import Hummingbird
import NIOCore
import VitaJSON

/// "Who accessed my records" (the audit entries about the learner in plain language), the consents and application
/// approvals the learner gave (each revocable), and the learner's data: import a credential, export everything,
/// ask for erasure.
extension WalletScreens {
    /// How many access-log entries the page shows (the newest).
    static let accessLogShown = 100

    /// `GET /wallet/access`.
    func access(_ request: Request, learnerId: String, problem: String? = nil) async -> Response {
        async let logReply = api.get(learnerId, "/api/v1/me/access-log?order=newest&limit=\(Self.accessLogShown)")
        async let consentsReply = api.list(learnerId, "/api/v1/me/consents")
        async let approvalsReply = api.list(learnerId, "/api/v1/me/approvals")
        async let sourcesReply = api.get(learnerId, "/api/v1/me/sources")
        let (log, consents, approvals, sources) = await (logReply, consentsReply, approvalsReply, sourcesReply)
        guard log.isSuccess, let logJSON = log.json, consents.isSuccess else {
            return unavailable(request, nav: "access", reply: log.isSuccess ? consents : log)
        }
        let newest = logJSON["items"]?.arrayValue ?? []
        let names = WalletFormat.Names(sources.json)
        let entries = newest.map { entry -> [String: Any] in
            let actorKind = entry["actor"]?["kind"]?.stringValue ?? ""
            let actorId = entry["actor"]?["id"]?.stringValue
            let who: String = switch actorKind {
            case "system": names.system(actorId) ?? strings["wallet.actor.system"]
            case "learner": actorId == learnerId ? strings["wallet.actor.you"] : strings["wallet.actor.learner"]
            default: strings.table["wallet.actor.\(actorKind)"] ?? actorKind
            }
            let action = entry["action"]?.stringValue ?? ""
            let categories = (entry["categories"]?.arrayValue ?? []).compactMap(\.stringValue)
                .map { strings.table["wallet.category.\($0)"] ?? $0 }
            let allowed = entry["outcome"]?.stringValue == "allowed"
            var row: [String: Any] = [
                "when": WalletFormat.date(entry["occurredAt"]?.stringValue) ?? "", "who": who,
                // An action without a dot is an operation refused before it ran (scope, staff role): its reason says which.
                "what": strings.table["wallet.action.\(action)"]
                    ?? (action.contains(".") ? action.replacingOccurrences(of: ".", with: " ") : strings["wallet.action.operation"]),
                "categories": categories.isEmpty ? "—" : categories.joined(separator: ", "),
                "agreement": entry["agreementId"]?.stringValue ?? "—",
                "outcome": allowed ? strings["wallet.allowed"] : strings["wallet.denied"],
                "outcomeClass": allowed ? "pass" : "fail",
            ]
            // A denial says why; an answer to a verifier says what went where and what the verifier said.
            if let reason = entry["reason"]?.stringValue, !allowed || action.hasPrefix("presentation.") { row["reason"] = reason }
            return row
        }
        let consentRows = (consents.json?["items"]?.arrayValue ?? []).map { consent -> [String: Any] in
            let consumer = consent["consumerName"]?.stringValue ?? strings["wallet.actor.system"]
            let organization = consent["consumerOrganizationName"]?.stringValue.map { " (\($0))" } ?? ""
            let categories = (consent["categories"]?.arrayValue ?? []).compactMap(\.stringValue)
                .map { strings.table["wallet.category.\($0)"] ?? $0 }.joined(separator: ", ")
            return ["id": consent["id"]?.stringValue ?? "", "who": consumer + organization,
                    "provider": consent["providerName"]?.stringValue ?? "", "purpose": consent["purpose"]?.stringValue ?? "",
                    "categories": categories, "granted": WalletFormat.date(consent["grantedAt"]?.stringValue) ?? "",
                    "withdrawn": WalletFormat.date(consent["withdrawnAt"]?.stringValue) ?? "",
                    "active": consent["withdrawnAt"] == nil]
        }
        let approvalRows = (approvals.json?["items"]?.arrayValue ?? []).map { approval -> [String: Any] in
            ["id": approval["id"]?.stringValue ?? "",
             "who": approval["clientName"]?.stringValue ?? approval["clientId"]?.stringValue ?? "",
             "scopes": (approval["scopes"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "),
             "granted": WalletFormat.date(approval["grantedAt"]?.stringValue) ?? "",
             "revoked": WalletFormat.date(approval["revokedAt"]?.stringValue) ?? "",
             "active": approval["revokedAt"] == nil]
        }
        var values: [String: Any] = [
            "entries": Array(entries), "hasEntries": !entries.isEmpty,
            "logNote": logJSON["nextCursor"]?.stringValue == nil
                ? strings.format("wallet.access_all", ["shown": String(entries.count)])
                : strings.format("wallet.access_shown", ["shown": String(entries.count)]),
            "consents": consentRows, "hasConsents": !consentRows.isEmpty,
            "approvals": approvalRows, "hasApprovals": !approvalRows.isEmpty,
        ]
        if let archived = WalletFormat.date(logJSON["archivedBefore"]?.stringValue) {
            values["archivedNote"] = strings.format("wallet.log_archived", ["date": archived])
        }
        if let problem { values["problem"] = problem }
        return render(request, "wallet_access", title: strings["wallet.access_title"], nav: "access", values: values,
                      status: problem == nil ? .ok : .unprocessableContent)
    }

    /// `POST /wallet/consents/{id}/withdraw` and `POST /wallet/approvals/{id}/revoke`.
    func withdraw(_ request: Request, learnerId: String, path: String, id: String, done: String) async -> Response {
        let (form, refusal) = await form(request)
        guard form != nil else { return refusal! }
        guard Self.isSafeId(id) else { return notFound(request, nav: "access") }
        let reply = await call(learnerId, .delete, "\(path)/\(id)")
        guard reply.isSuccess else {
            return await access(request, learnerId: learnerId, problem: reply.problemText ?? strings["wallet.unavailable"])
        }
        return redirect("/wallet/access?done=\(done)")
    }

    // MARK: My data

    /// `GET /wallet/data`: import, export, erasure.
    func data(_ request: Request, learnerId: String, problem: String? = nil, pasted: String = "",
              imported: [String: Any]? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let hint = strings.format("wallet.import_file_hint", ["limit": WebStrings.size(maxUploadSize)])
        var values: [String: Any] = ["fileHint": hint]
        if let problem { values["problem"] = problem }
        if !pasted.isEmpty { values["pasted"] = String(pasted.prefix(200_000)) }
        if let imported { values["imported"] = imported }
        return render(request, "wallet_data", title: strings["wallet.data_title"], nav: "data", values: values, status: status)
    }

    /// `POST /wallet/import`: a pasted or uploaded credential goes to the import operation (verified there, kept
    /// with its provenance); its answer is shown on the page.
    func importCredential(_ request: Request, learnerId: String) async -> Response {
        let (form, refusal) = await form(request, limit: maxUploadSize + 16 * 1024)
        guard let form else { return refusal! }
        let pasted = (form.fields["credential"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let file = form.files["file"].flatMap { $0.bytes.isEmpty ? nil : $0 }
        if !pasted.isEmpty, file != nil {
            return data(request, learnerId: learnerId, problem: strings["input.both"], pasted: pasted, status: .unprocessableContent)
        }
        guard let bytes = file?.bytes ?? (pasted.isEmpty ? nil : Array(pasted.utf8)) else {
            return data(request, learnerId: learnerId, problem: strings["input.empty"], status: .unprocessableContent)
        }
        guard bytes.count <= maxUploadSize else {
            return data(request, learnerId: learnerId, problem: strings.format("input.too_large", [
                "size": WebStrings.size(bytes.count), "limit": WebStrings.size(maxUploadSize)]), status: .contentTooLarge)
        }
        let type: String
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            type = "image/png"
        } else if let text = String(validating: bytes, as: UTF8.self)?.trimmingCharacters(in: .whitespacesAndNewlines) {
            type = text.hasPrefix("<") ? "image/svg+xml" : text.hasPrefix("{") ? "application/json" : "text/plain"
        } else {
            return data(request, learnerId: learnerId, problem: strings["input.not_text"], status: .unprocessableContent)
        }
        let reply = await api.call(learnerId, .post, "/api/v1/me/credentials", bytes, type)
        guard reply.isSuccess, let json = reply.json else {
            return data(request, learnerId: learnerId, problem: explained(strings["wallet.import_failed"], reply), pasted: pasted,
                        status: .unprocessableContent)
        }
        let held = WalletCredential(held: json)
        let (id, title) = (held.id, held.title)
        let messageId = json["outcome"]?.stringValue == "created" ? "wallet.imported" : "wallet.import_known"
        let message = strings.format(messageId, ["title": title])
        return data(request, learnerId: learnerId, imported: ["message": message, "id": id])
    }

    /// `GET /wallet/export`: everything Vita holds about the learner, as the API's JSON download.
    func export(_ request: Request, learnerId: String) async -> Response {
        let reply = await api.get(learnerId, "/api/v1/me/export")
        guard reply.isSuccess else { return unavailable(request, nav: "data", reply: reply) }
        return Response(status: .ok, headers: [.contentType: "application/json",
                                               .contentDisposition: "attachment; filename=\"vita-export.json\"",
                                               .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    /// `POST /wallet/erasure`: asks for erasure (an administrator carries it out).
    func requestErasure(_ request: Request, learnerId: String) async -> Response {
        let (form, refusal) = await form(request)
        guard let form else { return refusal! }
        guard form.fields["confirm"] == "yes" else {
            return data(request, learnerId: learnerId, problem: strings["wallet.erasure_unconfirmed"],
                        status: .unprocessableContent)
        }
        var body = JSONObject()
        let reason = (form.fields["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !reason.isEmpty { body["reason"] = .string(reason) }
        let reply = await api.send(learnerId, .post, "/api/v1/me/erasure-requests", json: .object(body))
        guard reply.isSuccess else {
            return data(request, learnerId: learnerId, problem: reply.problemText ?? strings["wallet.unavailable"],
                        status: .unprocessableContent)
        }
        return redirect("/wallet/data?done=erasure_requested")
    }
}
