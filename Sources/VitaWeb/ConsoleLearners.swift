import Foundation
import HTTPTypes
import Hummingbird
import VitaAPI
import VitaCore
import VitaJSON

/// A learner as the member's organization knows them, for issuers and organization administrators: the learner, the
/// profile computed from the organization's own records with each value's rule and the records it came from (linked
/// to them on the page, so that "why does the profile say this?" is one click), and those records with their
/// provenance; a credential record links to the issue form, filled in. A learner is found by Vita's id or by an
/// identifier's value (an email address, a student number: `lookUpLearners`). Every value comes from the API
/// (`getLearner`, `getProfile`, `list…Records`), which refuses a learner the organization does not hold and audits each
/// read under the staff member's name, so the learner sees it in their access log.
extension ConsolePages {
    func registerLearners(on router: Router<VitaRequestContext>) {
        let pages = self
        router.getAndHead("/admin/learners") { request, context in
            try await pages.signedIn(request, context) { request, context, member in
                let typed = request.uri.queryParameters.get("learner")?.trimmingCharacters(in: .whitespaces) ?? ""
                if typed.isEmpty { return try await pages.heldLearners(request, context, member) }
                if EntityID.isWellFormed(typed, prefix: "lrn") { return try await pages.learner(request, context, member, id: typed) }
                return try await pages.lookUp(request, context, member, value: typed)
            }
        }
        router.getAndHead("/admin/learners/:learnerId/:category/:recordId") { request, context in
            try await pages.signedIn(request, context) { request, context, member in
                try await pages.recordHistory(request, context, member, learnerId: context.parameters.get("learnerId") ?? "",
                                              category: context.parameters.get("category") ?? "",
                                              recordId: context.parameters.get("recordId") ?? "")
            }
        }
    }

    /// The lookup form above the learners the organization holds (`listLearners`), 50 to a page in the order they were
    /// registered (the query's `cursor` picks the page).
    func heldLearners(_ request: Request, _ context: VitaRequestContext, _ member: Member) async throws -> Response {
        guard member.canIssue else { return learnerLookup(request, member) }
        let cursor = request.uri.queryParameters["cursor"].map(String.init)
        let listed = await api.call(.get, "/api/v1/learners?limit=50" + Self.cursorParameter(cursor),
                                    as: member.identity, context: context)
        guard listed.succeeded, let items = listed.json?["items"]?.arrayValue else {
            return learnerLookup(request, member, problem: apiProblem(listed), status: listed.status)
        }
        var values = frame(member, title: strings["console.learners_title"], current: "/admin/learners")
        values["canRead"] = true
        values["showHeld"] = true
        values["held"] = items.map(learnerLine)
        values["hasHeld"] = !items.isEmpty
        if let next = listed.json?["nextCursor"]?.stringValue { values["next"] = "/admin/learners?cursor=" + Self.queryValue(next) }
        return withForm(request, "console_learners", values)
    }

    /// The learners the organization holds with an identifier of value `value`, or when none has, whose names begin
    /// with its words (`lookUpLearners`, `value` then `name`): one is opened, more are listed to choose from, 50 to a
    /// page (the query's `cursor` picks the page, `by=name` says the pages are of the search by name).
    func lookUp(_ request: Request, _ context: VitaRequestContext, _ member: Member, value: String) async throws -> Response {
        guard member.canIssue else { return learnerLookup(request, member, status: .forbidden) }
        let cursor = request.uri.queryParameters["cursor"].map(String.init)
        var byName = request.uri.queryParameters["by"] == "name"
        func search(_ parameter: String) async -> APIResponse {
            await api.call(.get, "/api/v1/learner-lookup?limit=50&\(parameter)=\(Self.queryValue(value))"
                               + Self.cursorParameter(cursor),
                           as: member.identity, context: context)
        }
        var found = await search(byName ? "name" : "value")
        if !byName, cursor == nil, found.succeeded, found.json?["items"]?.arrayValue?.isEmpty == true {
            // No identifier has this value: the words may be a name. A value without a letter or a digit is no name (400):
            // not found either way.
            let named = await search("name")
            if named.succeeded { found = named; byName = true }
        }
        guard found.succeeded, let items = found.json?["items"]?.arrayValue else {
            return learnerLookup(request, member, problem: apiProblem(found), typed: value, status: found.status)
        }
        let next = found.json?["nextCursor"]?.stringValue
        switch items.count {
        case 0:
            return learnerLookup(request, member, problem: strings["console.learner_not_held"], typed: value, status: .notFound)
        case 1 where cursor == nil && next == nil:
            return try await learner(request, context, member, id: items[0]["id"]?.stringValue ?? "")
        default:
            var values = frame(member, title: strings["console.learners_title"], current: "/admin/learners")
            values["typed"] = value
            values["canRead"] = true
            values["hasFound"] = true
            values["foundHeading"] = strings[byName ? "console.learners_found_by_name" : "console.learners_found"]
            values["found"] = items.map(learnerLine)
            if let next {
                values["next"] = "/admin/learners?learner=\(Self.queryValue(value))" + (byName ? "&by=name" : "")
                    + Self.cursorParameter(next)
            }
            return withForm(request, "console_learners", values)
        }
    }

    /// A learner in a list: their name linking to their page, their identifiers' values and Vita's id.
    private func learnerLine(_ item: JSONValue) -> [String: Any] {
        let id = item["id"]?.stringValue ?? ""
        return ["id": id, "href": "/admin/learners?learner=\(Self.queryValue(id))",
                "name": item["name"]?["display"]?.stringValue ?? id,
                "identifiers": (item["identifiers"]?.arrayValue ?? []).compactMap { $0["value"]?.stringValue }.joined(separator: ", ")]
    }

    /// The lookup form alone (an identifier's value, a name or Vita's id), with `problem` and what was `typed` when it found
    /// nothing.
    func learnerLookup(_ request: Request, _ member: Member, problem: String? = nil, typed: String = "",
                       status: HTTPResponse.Status = .ok) -> Response {
        var values = frame(member, title: strings["console.learners_title"], current: "/admin/learners")
        values["typed"] = typed
        if let problem { values["problem"] = problem }
        values["canRead"] = member.canIssue
        return withForm(request, "console_learners", values, status: status)
    }

    func learner(_ request: Request, _ context: VitaRequestContext, _ member: Member, id: String) async throws -> Response {
        guard member.canIssue else { return learnerLookup(request, member, status: .forbidden) }
        let path = "/api/v1/learners/\(id)"
        let read = await api.call(.get, path, as: member.identity, context: context)
        guard read.succeeded, let learner = read.json else {
            let problem = read.status == .forbidden || read.status == .notFound ? strings["console.learner_not_held"] : apiProblem(read)
            return learnerLookup(request, member, problem: problem, typed: id, status: read.status == .forbidden ? .notFound : read.status)
        }
        let name = learner["name"]?["display"]?.stringValue ?? id
        var values = frame(member, title: strings.format("console.learner_title", ["name": name]), current: "/admin/learners")
        values["learner"] = [
            "id": id,
            "identifiers": (learner["identifiers"]?.arrayValue ?? []).map { identifier -> [String: Any] in
                ["scheme": strings["console.identifier_scheme_\(identifier["scheme"]?.stringValue ?? "other")"],
                 "value": identifier["value"]?.stringValue ?? ""]
            },
        ]

        var stored: [(RecordCategory, JSONValue)] = []
        for category in RecordCategory.stored {
            var cursor: String?
            repeat {
                let query = "limit=200" + Self.cursorParameter(cursor)
                let page = await api.call(.get, "\(path)/\(category.rawValue)?\(query)", as: member.identity, context: context)
                guard page.succeeded, let json = page.json else { return try await failed(request, member, page) }
                stored += (json["items"]?.arrayValue ?? []).map { (category, $0) }
                cursor = json["nextCursor"]?.stringValue
            } while cursor != nil
        }
        // Competencies are named by their definitions (the organization's own, or another's it may read).
        var competencies: [String: String] = [:]
        for competencyId in Set(stored.compactMap { $0.1["record"]?["competencyId"]?.stringValue })
        where EntityID.isWellFormed(competencyId, prefix: "cmp") {
            let definition = await api.call(.get, "/api/v1/competencies/\(competencyId)", as: member.identity, context: context)
            if let name = definition.json?["name"]?.stringValue { competencies[competencyId] = name }
        }
        let records = stored.map { category, record in
            recordValues(record, category: category, learnerId: id, competencies: competencies)
        }
        var titles: [String: String] = [:]
        for record in records { if let recordId = record["id"] as? String { titles[recordId] = record["title"] as? String } }
        values["records"] = records
        values["hasRecords"] = !records.isEmpty

        let profile = await api.call(.get, "\(path)/profile", as: member.identity, context: context)
        guard profile.succeeded, let json = profile.json else { return try await failed(request, member, profile) }
        values["profile"] = profileLines(json, titles: titles, competencies: competencies, member: member)
        return withForm(request, "console_learner", values)
    }

    /// Every version of one record, newest first: who asserted it (the system, its own record id, where the raw data
    /// lives and its digest, when), what it said, and what changed from the version before, so that a registrar can
    /// answer "what did this record say before, and who changed it?". From `list…RecordVersions`, audited like the
    /// learner page's reads.
    func recordHistory(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                       learnerId: String, category: String, recordId: String) async throws -> Response {
        guard member.canIssue else { return learnerLookup(request, member, status: .forbidden) }
        guard EntityID.isWellFormed(learnerId, prefix: "lrn"), EntityID.isWellFormed(recordId, prefix: "rec"),
              let category = RecordCategory(rawValue: category), RecordCategory.stored.contains(category) else {
            return notFound(member)
        }
        let learnerPath = "/api/v1/learners/\(learnerId)"
        var versions: [JSONValue] = []
        var cursor: String?
        repeat {
            let query = "limit=200" + Self.cursorParameter(cursor)
            let page = await api.call(.get, "\(learnerPath)/\(category.rawValue)/\(recordId)/versions?\(query)",
                                      as: member.identity, context: context)
            guard page.succeeded, let json = page.json else {
                if page.status == .notFound || page.status == .forbidden { return notFound(member) }
                return try await failed(request, member, page)
            }
            versions += json["items"]?.arrayValue ?? []
            cursor = json["nextCursor"]?.stringValue
        } while cursor != nil
        guard let newest = versions.last else { return notFound(member) }

        let learner = await api.call(.get, learnerPath, as: member.identity, context: context)
        let name = learner.json?["name"]?["display"]?.stringValue ?? learnerId
        var competencies: [String: String] = [:]
        if let competencyId = newest["record"]?["competencyId"]?.stringValue, EntityID.isWellFormed(competencyId, prefix: "cmp"),
           let definition = await api.call(.get, "/api/v1/competencies/\(competencyId)", as: member.identity, context: context)
            .json?["name"]?.stringValue {
            competencies[competencyId] = definition
        }
        var values: [String: Any] = [:]
        values["back"] = "/admin/learners?learner=\(Self.queryValue(learnerId))#\(recordId)"
        values["backText"] = strings.format("console.record_back", ["name": name])
        values["record"] = ["id": recordId, "category": strings["console.learner_category_\(category.rawValue)"]]
        var earlier: [String: String] = [:]
        var shown: [[String: Any]] = []
        for version in versions {
            var entry = recordValues(version, category: category, learnerId: learnerId, competencies: competencies)
            entry["issue"] = nil
            let number = entry["version"] as? String ?? ""
            entry["heading"] = strings.format(version == newest ? "console.record_version_current" : "console.record_version",
                                              ["version": number])
            if let deletion = version["deletion"] {
                entry["deletion"] = strings.format("console.record_deleted", [
                    "reason": deletion["reason"]?.stringValue ?? "", "at": deletion["at"]?.stringValue ?? "",
                    "by": deletion["by"]?.stringValue ?? ""])
            }
            let fields = Self.fields(of: version["record"])
            let now = Dictionary(fields, uniquingKeysWith: { first, _ in first })
            entry["fields"] = fields.map { field, value -> [String: Any] in
                var row: [String: Any] = ["name": field, "value": value]
                if !shown.isEmpty, earlier[field] != value { row["was"] = earlier[field] ?? strings["console.record_absent"] }
                return row
            }
            entry["hasFields"] = !fields.isEmpty
            // A deletion says why it holds nothing; an earlier version's values are not each "no longer set".
            let removed = shown.isEmpty || version["deletion"] != nil ? [] : earlier.keys.filter { now[$0] == nil }.sorted()
            entry["removed"] = removed.map { ["name": $0, "was": earlier[$0] ?? ""] }
            entry["hasRemoved"] = !removed.isEmpty
            earlier = now
            shown.append(entry)
        }
        let title = shown.last?["title"] as? String ?? recordId
        values.merge(frame(member, title: strings.format("console.record_title", ["title": title]), current: "/admin/learners")) { $1 }
        values["versions"] = Array(shown.reversed())
        return withForm(request, "console_record", values)
    }

    /// A record body's values by dotted path (`result.score`, `credits`), in the body's order; a list of plain values is
    /// one value, its items joined; absent and null members are left out.
    static func fields(of value: JSONValue?, at path: String = "") -> [(String, String)] {
        guard let value else { return [] }
        switch value {
        case .object(let object):
            return object.members.flatMap { name, member in fields(of: member, at: path.isEmpty ? name : "\(path).\(name)") }
        case .array(let items):
            let plain = items.compactMap(Self.plainText)
            if plain.count == items.count { return path.isEmpty ? [] : [(path, plain.joined(separator: ", "))] }
            return items.enumerated().flatMap { index, item in fields(of: item, at: "\(path)[\(index)]") }
        default:
            return plainText(value).map { [(path, $0)] } ?? []
        }
    }

    /// A string, number or boolean as the page shows it; nil for anything else.
    private static func plainText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let number): return number.lexical
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }

    private func failed(_ request: Request, _ member: Member, _ answer: APIResponse) async throws -> Response {
        learnerLookup(request, member, problem: apiProblem(answer), status: answer.status)
    }

    /// One record as the page lists it: what it is, its version and its provenance.
    private func recordValues(_ record: JSONValue, category: RecordCategory, learnerId: String,
                              competencies: [String: String]) -> [String: Any] {
        let id = record["id"]?.stringValue ?? ""
        let body = record["record"]
        let competency = body?["competencyId"]?.stringValue.map { competencies[$0] ?? $0 }
        let title = body?["title"]?.stringValue ?? competency ?? body?["role"]?.stringValue ?? body?["kind"]?.stringValue
            ?? strings["console.learner_deleted"]
        let provenance = record["provenance"]
        var values: [String: Any] = [
            "id": id, "title": title, "category": strings["console.learner_category_\(category.rawValue)"],
            "version": record["version"]?.numberValue.map { String(Int($0.doubleValue)) } ?? "1",
            "system": provenance?["systemId"]?.stringValue ?? "", "source": provenance?["sourceRecordId"]?.stringValue ?? "",
            "digest": provenance?["rawDigest"]?.stringValue ?? "", "asserted": provenance?["assertedAt"]?.stringValue ?? "",
            "recorded": provenance?["recordedAt"]?.stringValue ?? "",
        ]
        if let uri = provenance?["rawDataURI"]?.stringValue { values["uri"] = uri }
        values["history"] = "/admin/learners/\(learnerId)/\(category.rawValue)/\(id)"
        if category == .credentials {
            values["issue"] = "/admin/issue?learnerId=\(Self.queryValue(learnerId))&recordId=\(Self.queryValue(id))"
        }
        return values
    }

    /// The profile's values, each with its rule and the records it came from (their titles, linked to them).
    private func profileLines(_ profile: JSONValue, titles: [String: String], competencies: [String: String],
                              member: Member) -> [[String: Any]] {
        func line(_ text: String, _ derived: JSONValue) -> [String: Any] {
            let sources = derived["derivation"]?["sources"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return ["text": text, "rule": derived["derivation"]?["rule"]?.stringValue ?? "", "hasSources": !sources.isEmpty,
                    "sources": sources.map { ["id": $0, "title": titles[$0] ?? $0] }]
        }
        func organization(_ value: JSONValue) -> String {
            let id = value["organizationId"]?.stringValue ?? ""
            return id == member.organizationId ? member.organizationName : id
        }
        var lines: [[String: Any]] = []
        for entry in profile["timeline"]?.arrayValue ?? [] {
            let value = entry["value"] ?? .null
            let dates = [value["startDate"]?.stringValue ?? "…", value["endDate"]?.stringValue ?? "…"].joined(separator: " – ")
            lines.append(line(strings.format(value["current"]?.boolValue == true ? "console.learner_affiliation_current"
                                             : "console.learner_affiliation",
                                             ["role": value["role"]?.stringValue ?? "", "organization": organization(value),
                                              "dates": dates]), entry))
        }
        for entry in profile["credentials"]?.arrayValue ?? [] {
            let value = entry["value"] ?? .null
            lines.append(line(strings.format(value["expired"]?.boolValue == true ? "console.learner_credential_expired"
                                             : "console.learner_credential",
                                             ["title": value["title"]?.stringValue ?? "", "awarded": value["awardedDate"]?.stringValue ?? ""]),
                              entry))
        }
        for entry in profile["competencies"]?.arrayValue ?? [] {
            let value = entry["value"] ?? .null
            let level = value["levelLabel"]?.stringValue ?? value["bestLevel"]?.numberValue?.lexical ?? ""
            lines.append(line(strings.format("console.learner_competency",
                                             ["competency": value["competencyId"]?.stringValue.map { competencies[$0] ?? $0 } ?? "",
                                              "level": level,
                                              "count": value["assertionCount"]?.numberValue?.lexical ?? "0"]), entry))
        }
        for (key, message) in [("totalCredits", "console.learner_credits"), ("totalHours", "console.learner_hours")] {
            if let derived = profile[key] {
                lines.append(line(strings.format(message, ["value": derived["value"]?.numberValue?.lexical ?? "0"]), derived))
            }
        }
        if let employment = profile["employment"] {
            lines.append(line(strings.format("console.learner_employment",
                                             ["months": employment["value"]?["totalMonths"]?.numberValue?.lexical ?? "0"]),
                              employment))
        }
        return lines
    }
}
