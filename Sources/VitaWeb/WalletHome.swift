import Foundation
import Hummingbird
import VitaAPI
import VitaCredentials
import VitaJSON

/// The wallet's pages for a signed-in learner: the profile home, a record's provenance, credentials, collections and
/// shares, who accessed the records, and the learner's data (import, export, erasure). Every value comes from an API
/// operation called as the learner (``WalletAPIClient``); every form carries a CSRF token and its errors are shown on
/// the page.
struct WalletScreens: Sendable {
    let renderer: PageRenderer
    let csrf: CSRFProtection
    var api: WalletAPIClient
    let verification: CredentialVerification
    let maxUploadSize: Int

    var strings: WebStrings { renderer.strings }

    /// Renders a wallet page: the layout, the wallet's navigation (with the sign-out form) and a fresh CSRF token.
    func render(_ request: Request, _ template: String, title: String, nav: String, values: [String: Any],
                status: HTTPResponse.Status = .ok) -> Response {
        var values = values
        values["title"] = title
        values["heading"] = values["heading"] ?? title
        values["navWallet"] = true
        values["wallet"] = true
        values["nav_\(nav)"] = true
        if values["notice"] == nil, let done = request.uri.queryParameters.get("done"),
           let text = strings.table["wallet.done.\(done)"] {
            values["notice"] = text
        }
        return renderer.formPage(template, values, request: request, csrf: csrf, status: status)
    }

    /// A page saying the API could not give what the page needs (never an error page with a stack).
    func unavailable(_ request: Request, nav: String, reply: APIReply?) -> Response {
        let message = explained(strings["wallet.unavailable"], reply)
        let code = reply?.status ?? 503
        return render(request, "wallet_message", title: strings["wallet.unavailable_title"], nav: nav,
                      values: ["message": message], status: HTTPResponse.Status(code: code >= 400 ? code : 503))
    }

    /// `lead`, then the API's reason for its refusal when it gave one.
    func explained(_ lead: String, _ reply: APIReply?) -> String {
        guard let text = reply?.problemText else { return lead }
        return lead + " " + strings.format("input.reason", ["reason": text])
    }

    func redirect(_ location: String) -> Response {
        PageRenderer.redirect(location)
    }

    /// These screens calling the API in process within `context`, the page request's.
    func bound(to context: VitaRequestContext) -> WalletScreens {
        var screens = self
        screens.api = api.bound(to: context)
        return screens
    }

    /// The form of a POST after its CSRF check; nil with the response to send when it is refused or unreadable.
    func form(_ request: Request, limit: Int = 64 * 1024) async -> (FormInput?, Response?) {
        let form: FormInput
        do {
            form = try await FormInput.read(request, limit: limit)
        } catch {
            return (nil, renderer.message(title: strings["error.title"], message: strings["input.bad_form"], status: .badRequest))
        }
        if let size = form.oversizedBytes {
            let text = strings.format("input.too_large", ["size": WebStrings.size(size), "limit": WebStrings.size(limit)])
            return (nil, renderer.message(title: strings["error.title"], message: text, status: .contentTooLarge))
        }
        guard csrf.isValid(token: form.fields[CSRFProtection.fieldName], cookieHeader: request.headers[.cookie]) else {
            return (nil, renderer.message(title: strings["error.csrf_title"], message: strings["error.csrf"], status: .forbidden))
        }
        return (form, nil)
    }

    // MARK: Home

    /// How many entries of each list the home page shows before "show all".
    static let homeListLimit = 50
    /// How many source links one value shows before "show all".
    static let homeSourceLimit = 10

    /// `GET /wallet`: the profile — the path through organizations, credentials held, competencies, employment —
    /// each value linking to the records it came from.
    func home(_ request: Request, learnerId: String, me: JSONValue) async -> Response {
        async let profileReply = api.get(learnerId, "/api/v1/learners/\(learnerId)/profile")
        async let sourcesReply = api.get(learnerId, "/api/v1/me/sources")
        let (profile, sources) = await (profileReply, sourcesReply)
        guard profile.isSuccess, let json = profile.json else {
            return unavailable(request, nav: "home", reply: profile)
        }
        let names = WalletFormat.Names(sources.json)
        let name = me["name"]?["display"]?.stringValue
            ?? [me["name"]?["given"]?.stringValue, me["name"]?["family"]?.stringValue].compactMap { $0 }.joined(separator: " ")
        var values: [String: Any] = [:]
        if !name.isEmpty { values["greeting"] = strings.format("wallet.greeting", ["name": name]) }
        values["heading"] = name.isEmpty ? strings["wallet.home_title"] : strings.format("wallet.home_heading", ["name": name])

        // Long lists show their most recent entries; "show all" (`?all=1`) lists every one.
        let showAll = request.uri.queryParameters.get("all") == "1"
        var shortened = false
        let sourceLimit: Int? = showAll ? nil : Self.homeSourceLimit
        func recent(_ items: [JSONValue], newestLast: Bool) -> [JSONValue] {
            guard !showAll, items.count > Self.homeListLimit else { return items }
            shortened = true
            return newestLast ? Array(items.suffix(Self.homeListLimit)) : Array(items.prefix(Self.homeListLimit))
        }
        let timelineItems = json["timeline"]?.arrayValue ?? []
        let credentialItems = json["credentials"]?.arrayValue ?? []
        let competencyItems = json["competencies"]?.arrayValue ?? []
        let aggregates = competencyItems + [json["employment"], json["totalCredits"], json["totalHours"]].compactMap { $0 }
        if !showAll, aggregates.contains(where: { ($0["derivation"]?["sources"]?.arrayValue?.count ?? 0) > Self.homeSourceLimit }) {
            shortened = true
        }
        let timeline = recent(timelineItems, newestLast: true).map { entry -> [String: Any] in
            let value = entry["value"]
            let role = value?["role"]?.stringValue.map(CredentialView.words) ?? ""
            let start = WalletFormat.date(value?["startDate"]?.stringValue)
            let end = WalletFormat.date(value?["endDate"]?.stringValue)
            let period: String = switch (start, end) {
            case let (s?, e?): strings.format("wallet.period", ["start": s, "end": e])
            case let (s?, nil): strings.format("wallet.period_open", ["start": s])
            case let (nil, e?): strings.format("wallet.period_until", ["end": e])
            default: strings["wallet.period_unknown"]
            }
            let what = value?["title"]?.stringValue ?? role
            return ["period": period, "what": what, "role": role,
                    "organization": names.organization(value?["organizationId"]?.stringValue) ?? "",
                    "current": value?["current"]?.boolValue == true,
                    "sources": sourceLinks(entry, title: what, limit: sourceLimit)]
        }
        values["timeline"] = timeline
        values["hasTimeline"] = !timeline.isEmpty

        let credentials = recent(credentialItems, newestLast: false).map { entry -> [String: Any] in
            let value = entry["value"]
            let title = value?["title"]?.stringValue ?? strings["content.unnamed"]
            var facts = [strings.format("wallet.awarded_on", ["date": WalletFormat.date(value?["awardedDate"]?.stringValue) ?? "?"])]
            if let expires = WalletFormat.date(value?["expiresDate"]?.stringValue) {
                facts.append(strings.format(value?["expired"]?.boolValue == true ? "wallet.expired_on" : "wallet.expires_on",
                                            ["date": expires]))
            }
            return ["title": title, "kind": value?["kind"]?.stringValue.map(CredentialView.words) ?? "",
                    "organization": names.organization(value?["organizationId"]?.stringValue) ?? "",
                    "facts": facts.joined(separator: "; ").capitalizedFirst, "expired": value?["expired"]?.boolValue == true,
                    "sources": sourceLinks(entry, title: title, limit: sourceLimit)]
        }
        values["credentials"] = credentials
        values["hasCredentials"] = !credentials.isEmpty

        let competencies = recent(competencyItems, newestLast: false).map { entry -> [String: Any] in
            let value = entry["value"]
            let competencyId = value?["competencyId"]?.stringValue ?? ""
            let id = names.competencies[competencyId] ?? competencyId
            var level = WalletFormat.number(value?["bestLevel"]) ?? "?"
            if let maximum = WalletFormat.number(value?["levelMaximum"]) { level = strings.format("wallet.level_of", ["level": level, "maximum": maximum]) }
            if let label = value?["levelLabel"]?.stringValue { level += " (\(label))" }
            let evidence = Int(WalletFormat.number(value?["evidenceCount"]) ?? "0") ?? 0
            let assertions = Int(WalletFormat.number(value?["assertionCount"]) ?? "0") ?? 0
            return ["competency": id, "level": level,
                    "evidence": strings.format(evidence == 1 ? "wallet.evidence_one" : "wallet.evidence_many", ["count": String(evidence)]),
                    "assertions": strings.format(assertions == 1 ? "wallet.assertions_one" : "wallet.assertions_many", ["count": String(assertions)]),
                    "sources": sourceLinks(entry, title: id, limit: sourceLimit)]
        }
        values["competencies"] = competencies
        values["hasCompetencies"] = !competencies.isEmpty

        let employment = json["employment"]
        let positions = (employment?["value"]?["current"]?.arrayValue ?? []).map { position -> [String: Any] in
            ["title": position["title"]?.stringValue ?? "", "organization": names.organization(position["organizationId"]?.stringValue) ?? "",
             "since": strings.format("wallet.since", ["date": WalletFormat.date(position["startDate"]?.stringValue) ?? "?"])]
        }
        values["positions"] = positions
        values["hasPositions"] = !positions.isEmpty
        let months = WalletFormat.number(employment?["value"]?["totalMonths"]) ?? "0"
        values["employmentTotal"] = strings.format("wallet.employment_total", ["months": months])
        values["employmentSources"] = sourceLinks(employment ?? .null, title: strings["wallet.employment_heading"], limit: sourceLimit)
        var totals: [[String: Any]] = []
        for (key, id) in [("totalCredits", "wallet.total_credits"), ("totalHours", "wallet.total_hours")] {
            guard let total = json[key], let number = WalletFormat.number(total["value"]), number != "0" else { continue }
            let text = strings.format(id, ["value": number])
            totals.append(["text": text, "sources": sourceLinks(total, title: text, limit: sourceLimit)])
        }
        values["totals"] = totals
        values["hasTotals"] = !totals.isEmpty
        values["intro"] = strings["wallet.home_intro"]
        if shortened {
            values["shortened"] = strings.format("wallet.home_shortened", [
                "limit": String(Self.homeListLimit), "timeline": String(timelineItems.count),
                "credentials": String(credentialItems.count), "competencies": String(competencyItems.count)])
        }
        return render(request, "wallet_home", title: strings["wallet.home_title"], nav: "home", values: values)
    }

    /// The links from a derived value to the records it came from: at most `limit` (nil: all), then how many more.
    func sourceLinks(_ derived: JSONValue, title: String, limit: Int?) -> [[String: String]] {
        let sources = derived["derivation"]?["sources"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var links = sources.prefix(limit ?? sources.count).enumerated().map { index, id in
            let label = sources.count == 1 ? strings.format("wallet.source_one", ["title": title])
                : strings.format("wallet.source_many", ["number": String(index + 1), "title": title])
            return ["recordId": id, "label": label, "text": sources.count == 1 ? strings["wallet.source"]
                        : strings.format("wallet.source_number", ["number": String(index + 1)])]
        }
        if links.count < sources.count {
            links.append(["more": strings.format("wallet.sources_more", ["count": String(sources.count - links.count)])])
        }
        return links
    }

    // MARK: A record and its provenance

    /// `GET /wallet/records/{recordId}`: what the record says, who asserted it and when, where its raw data lives, and
    /// whether that raw data still matches the recorded digest (checked now).
    func record(_ request: Request, learnerId: String, recordId: String) async -> Response {
        guard recordId.hasPrefix("rec_"), recordId.count < 80,
              recordId.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            return notFound(request, nav: "home")
        }
        let check = await api.get(learnerId, "/api/v1/me/records/\(recordId)/raw-data-check")
        guard check.isSuccess, let provenance = check.json else {
            return check.status == 404 ? notFound(request, nav: "home") : unavailable(request, nav: "home", reply: check)
        }
        let category = provenance["category"]?.stringValue ?? ""
        let recordReply = await api.get(learnerId, "/api/v1/learners/\(learnerId)/\(category)/\(recordId)")
        var facts: [[String: String]] = []
        func fact(_ id: String, _ value: String?) {
            if let value, !value.isEmpty { facts.append(["label": strings[id], "value": value]) }
        }
        fact("wallet.record_category", strings.table["wallet.category.\(category)"] ?? category)
        fact("wallet.record_organization", provenance["organizationName"]?.stringValue ?? provenance["organizationId"]?.stringValue)
        var system = provenance["systemName"]?.stringValue ?? provenance["systemId"]?.stringValue
        if let name = system, let organization = provenance["systemOrganizationName"]?.stringValue { system = "\(name) (\(organization))" }
        fact("wallet.record_system", system)
        fact("wallet.record_asserted", WalletFormat.date(provenance["assertedAt"]?.stringValue))
        fact("wallet.record_recorded", WalletFormat.date(provenance["recordedAt"]?.stringValue))
        fact("wallet.record_source_id", provenance["sourceRecordId"]?.stringValue)
        fact("wallet.record_raw_location", provenance["rawDataURI"]?.stringValue ?? strings["wallet.record_raw_nowhere"])
        fact("wallet.record_digest", provenance["rawDigest"]?.stringValue)

        let outcome = provenance["outcome"]?.stringValue ?? "not-checked"
        let reason = provenance["reason"]?.stringValue
        let checkLine: String
        let tone: String
        switch outcome {
        case "matches": (checkLine, tone) = (strings["wallet.digest_matches"], "good")
        case "differs": (checkLine, tone) = (strings["wallet.digest_differs"], "bad")
        default: (checkLine, tone) = (strings.format("wallet.digest_unchecked", ["reason": reason ?? "?"]), "warn")
        }
        var content: [[String: String]] = []
        if let body = recordReply.json?["record"]?.objectValue {
            for (key, value) in body {
                content.append(["label": CredentialView.words(key).capitalizedFirst, "value": Self.plain(value)])
            }
        }
        let values: [String: Any] = ["facts": facts, "checkLine": checkLine, "tone": tone, "outcome": outcome,
                                     "content": content, "hasContent": !content.isEmpty]
        return render(request, "wallet_record", title: strings["wallet.record_title"], nav: "home", values: values)
    }

    /// A JSON value as one line of text.
    static func plain(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .number: return WalletFormat.number(value) ?? ""
        case .bool(let flag): return flag ? "yes" : "no"
        case .null: return ""
        case .array(let items): return items.map(plain).joined(separator: "; ")
        case .object(let object):
            return object.map { "\(CredentialView.words($0.key)): \(plain($0.value))" }.joined(separator: ", ")
        }
    }

    func notFound(_ request: Request, nav: String) -> Response {
        render(request, "wallet_message", title: strings["wallet.not_found_title"], nav: nav,
               values: ["message": strings["wallet.not_found"]], status: .notFound)
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
