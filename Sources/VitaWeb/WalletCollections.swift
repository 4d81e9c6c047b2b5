import Foundation
import Hummingbird
import VitaCredentials
import VitaJSON

/// Collections of credentials and records with a short statement, and share links of a collection or of one
/// credential: expiry, optional passcode, revocation, the URL and QR code (shown once, when made), each opening.
extension WalletScreens {
    /// The learner's records for choosing (each category's current records, at most 200 each).
    func recordChoices(learnerId: String) async -> [[String: Any]] {
        var choices: [[String: Any]] = []
        for category in ["affiliations", "experiences", "competencies", "credentials", "employment"] {
            let reply = await api.get(learnerId, "/api/v1/learners/\(learnerId)/\(category)?limit=200")
            for item in reply.json?["items"]?.arrayValue ?? [] {
                guard let id = item["id"]?.stringValue else { continue }
                choices.append(["id": id, "field": "item.record.\(id)", "label": recordLabel(item, category: category)])
            }
        }
        return choices
    }

    /// A record in a line: its category and its title, name or competency.
    func recordLabel(_ item: JSONValue, category: String) -> String {
        let body = item["record"]
        let name = body?["title"]?.stringValue ?? body?["name"]?.stringValue ?? body?["competencyId"]?.stringValue
            ?? body?["role"]?.stringValue.map(CredentialView.words) ?? item["id"]?.stringValue ?? ""
        let kind = strings.table["wallet.category_one.\(category)"] ?? category
        return "\(kind): \(name)"
    }

    /// The values of the collection form: name, statement, and every credential and record to tick, those of
    /// `selected` (form field names, `item.<kind>.<id>`) ticked.
    func collectionForm(learnerId: String, name: String, statement: String, selected: Set<String>) async -> [String: Any] {
        var credentialChoices: [[String: Any]] = []
        for credential in await credentials(learnerId: learnerId) ?? [] {
            let field = "item.\(credential.kind).\(credential.id)"
            credentialChoices.append(["id": credential.id, "field": field, "label": credential.title,
                                      "checked": selected.contains(field)])
        }
        let records = await recordChoices(learnerId: learnerId).map { choice in
            var choice = choice
            choice["checked"] = selected.contains(choice["field"] as? String ?? "")
            return choice
        }
        return ["credentialChoices": credentialChoices, "hasCredentialChoices": !credentialChoices.isEmpty,
                "recordChoices": records, "hasRecordChoices": !records.isEmpty, "name": name, "statement": statement]
    }

    /// The ticked items of a submitted collection form.
    static func selectedItems(_ form: FormInput) -> [JSONValue] {
        form.fields.keys.sorted().compactMap { key -> JSONValue? in
            let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
            guard parts.count == 3, parts[0] == "item" else { return nil }
            return ["kind": .string(parts[1]), "id": .string(parts[2])]
        }
    }

    /// `GET /wallet/collections`: the collections, and the form to make one.
    func collections(_ request: Request, learnerId: String, problem: String? = nil, form: FormInput? = nil) async -> Response {
        let reply = await api.list(learnerId, "/api/v1/me/collections")
        guard reply.isSuccess else { return unavailable(request, nav: "collections", reply: reply) }
        let list = (reply.json?["items"]?.arrayValue ?? []).map { item -> [String: Any] in
            let count = item["items"]?.arrayValue?.count ?? 0
            return ["id": item["id"]?.stringValue ?? "", "name": item["name"]?.stringValue ?? "",
                    "statement": item["statement"]?.stringValue ?? "",
                    "count": strings.format(count == 1 ? "wallet.items_one" : "wallet.items_many", ["count": String(count)])]
        }
        var values = await collectionForm(learnerId: learnerId, name: form?.fields["name"] ?? "",
                                          statement: form?.fields["statement"] ?? "",
                                          selected: Set(form?.fields.keys.filter { $0.hasPrefix("item.") } ?? []))
        values["collections"] = list
        values["hasCollections"] = !list.isEmpty
        values["formAction"] = "/wallet/collections"
        values["formHeading"] = "new-collection"
        values["submitLabel"] = strings["wallet.collection_create"]
        if let problem { values["problem"] = problem }
        return render(request, "wallet_collections", title: strings["wallet.collections_title"], nav: "collections",
                      values: values, status: problem == nil ? .ok : .unprocessableContent)
    }

    /// The body of a collection from a submitted form; nil with the problem when it has no name.
    func collectionBody(_ form: FormInput) -> (JSONValue?, String?) {
        let name = (form.fields["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { return (nil, strings["wallet.collection_name_missing"]) }
        var body: JSONObject = ["name": .string(name), "items": .array(Self.selectedItems(form))]
        let statement = (form.fields["statement"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !statement.isEmpty { body["statement"] = .string(statement) }
        return (.object(body), nil)
    }

    /// `POST /wallet/collections`: makes a collection from the form.
    func createCollection(_ request: Request, learnerId: String) async -> Response {
        let (form, refusal) = await form(request)
        guard let form else { return refusal! }
        let (body, problem) = collectionBody(form)
        guard let body else { return await collections(request, learnerId: learnerId, problem: problem, form: form) }
        let reply = await api.send(learnerId, .post, "/api/v1/me/collections", json: body)
        guard reply.isSuccess, let id = reply.json?["id"]?.stringValue else {
            return await collections(request, learnerId: learnerId,
                                     problem: reply.problemText ?? strings["wallet.unavailable"], form: form)
        }
        return redirect("/wallet/collections/\(id)?done=collection_created")
    }

    /// `GET /wallet/collections/{id}/edit`: the collection's form, filled in (after a refused change, as submitted).
    func editCollection(_ request: Request, learnerId: String, id: String, problem: String? = nil,
                        form: FormInput? = nil) async -> Response {
        guard Self.isSafeId(id) else { return notFound(request, nav: "collections") }
        let reply = await api.get(learnerId, "/api/v1/me/collections/\(id)")
        guard reply.isSuccess, let collection = reply.json else {
            return reply.status == 404 ? notFound(request, nav: "collections")
                : unavailable(request, nav: "collections", reply: reply)
        }
        let name = collection["name"]?.stringValue ?? ""
        let current = Set((collection["items"]?.arrayValue ?? []).compactMap { item -> String? in
            guard let kind = item["kind"]?.stringValue, let itemId = item["id"]?.stringValue else { return nil }
            return "item.\(kind).\(itemId)"
        })
        var values = await collectionForm(
            learnerId: learnerId, name: form?.fields["name"] ?? name,
            statement: form?.fields["statement"] ?? collection["statement"]?.stringValue ?? "",
            selected: form.map { Set($0.fields.keys.filter { $0.hasPrefix("item.") }) } ?? current)
        values["id"] = id
        // The version the form was filled from: saving names it, so a change made meanwhile elsewhere is not lost.
        values["version"] = reply.headers[.eTag] ?? ""
        values["heading"] = strings.format("wallet.collection_edit_heading", ["name": name])
        values["formAction"] = "/wallet/collections/\(id)"
        values["formHeading"] = "edit-collection"
        values["submitLabel"] = strings["wallet.collection_save"]
        if let problem { values["problem"] = problem }
        return render(request, "wallet_collection_edit", title: strings.format("wallet.collection_edit_heading", ["name": name]),
                      nav: "collections", values: values, status: problem == nil ? .ok : .unprocessableContent)
    }

    /// `POST /wallet/collections/{id}`: replaces the collection's name, statement and items (its share links show
    /// the new content).
    func updateCollection(_ request: Request, learnerId: String, id: String) async -> Response {
        let (form, refusal) = await form(request)
        guard let form else { return refusal! }
        guard Self.isSafeId(id) else { return notFound(request, nav: "collections") }
        let (body, problem) = collectionBody(form)
        guard let body else { return await editCollection(request, learnerId: learnerId, id: id, problem: problem, form: form) }
        let reply = await api.send(learnerId, .put, "/api/v1/me/collections/\(id)", json: body,
                                   headers: [.ifMatch: form.fields["version"] ?? ""])
        guard reply.isSuccess else {
            if reply.status == 404 { return notFound(request, nav: "collections") }
            if reply.status == 412 || reply.status == 428 {
                // Changed meanwhile (on another device): the form shows the collection as it is now.
                return await editCollection(request, learnerId: learnerId, id: id, problem: strings["wallet.collection_stale"])
            }
            return await editCollection(request, learnerId: learnerId, id: id,
                                        problem: reply.problemText ?? strings["wallet.unavailable"], form: form)
        }
        return redirect("/wallet/collections/\(id)?done=collection_updated")
    }

    /// `GET /wallet/collections/{id}`: what it holds, the form to share it, its share links and their openings.
    func collection(_ request: Request, learnerId: String, id: String, created: [String: Any]? = nil,
                    problem: String? = nil) async -> Response {
        guard Self.isSafeId(id) else { return notFound(request, nav: "collections") }
        let reply = await api.get(learnerId, "/api/v1/me/collections/\(id)")
        guard reply.isSuccess, let collection = reply.json else {
            return reply.status == 404 ? notFound(request, nav: "collections")
                : unavailable(request, nav: "collections", reply: reply)
        }
        let credentialTitles = Dictionary((await credentials(learnerId: learnerId) ?? []).map { ($0.id, $0.title) },
                                          uniquingKeysWith: { first, _ in first })
        let listed = collection["items"]?.arrayValue ?? []
        var recordLabels: [String: String] = [:]
        if listed.contains(where: { $0["kind"]?.stringValue == "record" }) {
            for choice in await recordChoices(learnerId: learnerId) {
                if let id = choice["id"] as? String, let label = choice["label"] as? String { recordLabels[id] = label }
            }
        }
        var items: [[String: String]] = []
        for item in listed {
            guard let itemId = item["id"]?.stringValue else { continue }
            if item["kind"]?.stringValue == "record" {
                items.append(["label": recordLabels[itemId] ?? strings.format("wallet.item_record", ["id": itemId]),
                              "href": "/wallet/records/\(itemId)"])
            } else {
                items.append(["label": credentialTitles[itemId] ?? itemId, "href": "/wallet/credentials/\(itemId)"])
            }
        }
        let shares = await api.list(learnerId, "/api/v1/me/shares")
        let rows = await shareRows(learnerId: learnerId, shares.json, matching: { $0["collectionId"]?.stringValue == id })
        var values: [String: Any] = [
            "id": id, "collectionId": id, "back": "/wallet/collections/\(id)",
            "name": collection["name"]?.stringValue ?? "", "items": items, "hasItems": !items.isEmpty,
            "shares": rows, "hasShares": !rows.isEmpty, "expiryOptions": expiryOptions(),
        ]
        if let statement = collection["statement"]?.stringValue { values["statement"] = statement }
        if let created { values["created"] = created }
        if let problem { values["problem"] = problem }
        return render(request, "wallet_collection", title: collection["name"]?.stringValue ?? strings["wallet.collections_title"],
                      nav: "collections", values: values, status: problem == nil ? .ok : .unprocessableContent)
    }

    /// `POST /wallet/collections/{id}/delete`.
    func deleteCollection(_ request: Request, learnerId: String, id: String) async -> Response {
        let (form, refusal) = await form(request)
        guard form != nil else { return refusal! }
        guard Self.isSafeId(id) else { return notFound(request, nav: "collections") }
        let reply = await call(learnerId, .delete, "/api/v1/me/collections/\(id)")
        guard reply.isSuccess else { return await collection(request, learnerId: learnerId, id: id, problem: reply.problemText) }
        return redirect("/wallet/collections?done=collection_deleted")
    }

    /// `POST /wallet/shares`: a share link of a collection (`collectionId`) or of one credential (`credentialId`,
    /// `kind`), with the chosen expiry and optional passcode; the page then shows its URL and QR code, once.
    func createShare(_ request: Request, learnerId: String) async -> Response {
        let (form, refusal) = await form(request)
        guard let form else { return refusal! }
        let collectionId = form.fields["collectionId"].flatMap { $0.isEmpty ? nil : $0 }
        let credentialId = form.fields["credentialId"].flatMap { $0.isEmpty ? nil : $0 }
        var body = JSONObject()
        if let collectionId {
            body["collectionId"] = .string(collectionId)
        } else if let credentialId, let kind = form.fields["kind"], kind == "issued" || kind == "held" {
            body["item"] = ["kind": .string(kind), "id": .string(credentialId)]
        } else {
            return notFound(request, nav: "collections")
        }
        let days = Int(form.fields["expiresInDays"] ?? "") ?? 30
        guard (1...365).contains(days) else {
            return await afterShare(request, learnerId: learnerId, collectionId: collectionId, credentialId: credentialId,
                                    problem: strings["wallet.share_expiry_invalid"])
        }
        body["expiresAt"] = .string(XSDDateTime.format(Date().addingTimeInterval(Double(days) * 86_400)))
        let passcode = form.fields["passcode"] ?? ""
        if !passcode.isEmpty { body["passcode"] = .string(passcode) }
        let reply = await api.send(learnerId, .post, "/api/v1/me/shares", json: .object(body))
        guard reply.isSuccess, let json = reply.json, let url = json["url"]?.stringValue else {
            return await afterShare(request, learnerId: learnerId, collectionId: collectionId, credentialId: credentialId,
                                    problem: reply.problemText ?? strings["wallet.unavailable"])
        }
        var created: [String: Any] = ["url": url, "expires": WalletFormat.date(json["expiresAt"]?.stringValue) ?? "",
                                      "hasPasscode": !passcode.isEmpty]
        if let svg = json["qrCodeSVG"]?.stringValue {
            created["qr"] = QRImage.values(svg: svg)
        }
        return await afterShare(request, learnerId: learnerId, collectionId: collectionId, credentialId: credentialId,
                                created: created)
    }

    private func afterShare(_ request: Request, learnerId: String, collectionId: String?, credentialId: String?,
                            created: [String: Any]? = nil, problem: String? = nil) async -> Response {
        if let collectionId {
            return await collection(request, learnerId: learnerId, id: collectionId, created: created, problem: problem)
        }
        return await credential(request, learnerId: learnerId, id: credentialId ?? "", created: created, problem: problem)
    }

    /// `POST /wallet/shares/{id}/revoke`: back to the page the form was on.
    func revokeShare(_ request: Request, learnerId: String, id: String) async -> Response {
        await delete(request, learnerId: learnerId, id: id, at: "/api/v1/me/shares", nav: "collections", done: "share_revoked")
    }

    /// A form's button that deletes one of the learner's things (`{path}/{id}` in the API), then goes back to the page
    /// the form was on (its `back` field, a wallet path) saying `done`; the wallet's section `nav` otherwise.
    func delete(_ request: Request, learnerId: String, id: String, at path: String, nav: String, done: String) async -> Response {
        let (form, refusal) = await form(request)
        guard let form else { return refusal! }
        guard Self.isSafeId(id) else { return notFound(request, nav: nav) }
        let reply = await call(learnerId, .delete, "\(path)/\(id)")
        let back = form.fields["back"].flatMap { Self.isWalletPath($0) ? $0 : nil } ?? "/wallet/\(nav)"
        guard reply.isSuccess else { return unavailable(request, nav: nav, reply: reply) }
        return redirect(back + "?done=\(done)")
    }

    /// The share links `matching`, with their state and each opening.
    func shareRows(learnerId: String, _ list: JSONValue?, matching: (JSONValue) -> Bool) async -> [[String: Any]] {
        var rows: [[String: Any]] = []
        let now = Date()
        for share in (list?["items"]?.arrayValue ?? []).filter(matching) {
            guard let id = share["id"]?.stringValue else { continue }
            let expiresText = share["expiresAt"]?.stringValue ?? ""
            let expired = XSDDateTime.parse(expiresText).map { $0 <= now } ?? false
            let state = share["revokedAt"] != nil ? strings["wallet.share_revoked"]
                : expired ? strings["wallet.share_expired"] : strings["wallet.share_active"]
            let openingsReply = await api.get(learnerId, "/api/v1/me/shares/\(id)/openings")
            let openings = (openingsReply.json?["items"]?.arrayValue ?? []).map { opening -> [String: String] in
                let outcome = opening["outcome"]?.stringValue ?? ""
                return ["when": WalletFormat.date(opening["openedAt"]?.stringValue) ?? "",
                        "outcome": strings.table["wallet.opening.\(outcome)"] ?? outcome]
            }
            rows.append(["id": id, "state": state, "active": share["revokedAt"] == nil && !expired,
                         "created": WalletFormat.date(share["createdAt"]?.stringValue) ?? "",
                         "expires": WalletFormat.date(expiresText) ?? "",
                         "passcode": share["hasPasscode"]?.boolValue == true ? strings["wallet.yes"] : strings["wallet.no"],
                         "openings": openings, "hasOpenings": !openings.isEmpty])
        }
        return rows
    }

    func expiryOptions() -> [[String: Any]] {
        [1, 7, 30, 90, 365].map { (days: Int) -> [String: Any] in
            let id = days == 1 ? "wallet.days_one" : "wallet.days_many"
            let label: String = strings.format(id, ["count": String(days)])
            return ["days": String(days), "label": label, "selected": days == 30]
        }
    }

    func call(_ learnerId: String, _ method: HTTPRequest.Method, _ path: String) async -> APIReply {
        await api.call(learnerId, method, path, nil, nil)
    }

    /// An id as the API hands them out (`col_…`): letters, digits, `_` and `-`.
    static func isSafeId(_ id: String) -> Bool {
        !id.isEmpty && id.count < 80 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// A path of this wallet to go back to (never another site).
    static func isWalletPath(_ path: String) -> Bool {
        path.hasPrefix("/wallet") && !path.contains("//") && !path.contains("\\") && path.count < 200
            && path.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/_-".contains($0)) }
    }
}
