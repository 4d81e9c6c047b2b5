import Foundation
import HTTPTypes
import Hummingbird
import VitaAPI
import VitaCore
import VitaJSON

/// The console's competency frameworks (`docs/CASE.md`): every member reads the organization's imported frameworks
/// and each one's items as a tree; issuers and organization administrators import a CASE package — a file or a CASE
/// server's URL — and see what the import did and where the package deviates from CASE 1.1.
extension ConsolePages {
    func registerFrameworks(on router: Router<VitaRequestContext>) {
        let pages = self
        router.getAndHead("/admin/frameworks") { request, context in
            try await pages.signedIn(request, context) { try await pages.frameworks($0, $1, $2) }
        }
        router.post("/admin/frameworks") { request, context in
            try await pages.signedInForm(request, context, uploadLimit: LearnerAPI.maximumFrameworkPackageBytes) {
                try await pages.importFramework($0, $1, $2, $3)
            }
        }
        router.getAndHead("/admin/frameworks/:frameworkId") { request, context in
            try await pages.signedIn(request, context) { request, context, member in
                try await pages.framework(request, context, member, id: context.parameters.get("frameworkId") ?? "")
            }
        }
    }

    /// What the frameworks page shows besides the list: a notice with what an import did, its deviations, a problem.
    struct FrameworksOutcome {
        var notice: String?
        var deviations: [[String: Any]] = []
        var problem: String?
        var status: HTTPResponse.Status = .ok
    }

    func frameworks(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                    _ outcome: FrameworksOutcome = .init()) async throws -> Response {
        var values = frame(member, title: strings["console.frameworks_title"], current: "/admin/frameworks")
        let listed = await api.call(.get, "/api/v1/competency-frameworks?limit=200&organizationId=\(member.organizationId)",
                                    as: member.identity, context: context)
        values["frameworks"] = (listed.json?["items"]?.arrayValue ?? []).map { framework -> [String: Any] in
            let id = framework["id"]?.stringValue ?? ""
            var row: [String: Any] = [
                "id": id, "href": "/admin/frameworks/\(id)", "title": framework["title"]?.stringValue ?? id,
                "items": framework["itemCount"]?.numberValue?.intValue ?? 0,
                "imported": WalletFormat.date(framework["source"]?["importedAt"]?.stringValue) ?? "",
                "source": framework["source"]?["retrievedFrom"]?.stringValue ?? strings["console.framework_uploaded"]]
            row["label"] = framework["frameworkVersion"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? false
            return row
        }
        values["canImport"] = member.canIssue
        values["limit"] = WebStrings.size(LearnerAPI.maximumFrameworkPackageBytes)
        if let notice = outcome.notice { values["notice"] = notice }
        if let problem = outcome.problem { values["problem"] = problem }
        values["deviations"] = outcome.deviations
        values["hasDeviations"] = !outcome.deviations.isEmpty
        return withForm(request, "console_frameworks", values, status: outcome.status)
    }

    func importFramework(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                         _ form: FormInput) async throws -> Response {
        let url = (form.fields["packageURL"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let file = form.files["package"].flatMap { $0.bytes.isEmpty ? nil : $0.bytes }
        var body = JSONObject()
        body["organizationId"] = .string(member.organizationId)
        body["conformance"] = form.fields["strict"] == "yes" ? "strict" : "lenient"
        switch (file, url.isEmpty) {
        case (let bytes?, true):
            guard let package = try? JSONValue(parsing: bytes) else {
                return try await frameworks(request, context, member, .init(problem: strings["console.framework_not_json"],
                                                                            status: .unprocessableContent))
            }
            body["package"] = package
        case (nil, false):
            body["packageURL"] = .string(url)
        default:
            return try await frameworks(request, context, member, .init(problem: strings["console.framework_choose"],
                                                                        status: .unprocessableContent))
        }
        let imported = await api.call(.post, "/api/v1/competency-frameworks", body: JSONValue.object(body).serialized(),
                                      contentType: "application/json", as: member.identity, context: context)
        guard imported.succeeded, let result = imported.json else {
            // A strict import's refusal lists the deviations, each naming where it is.
            return try await frameworks(request, context, member, .init(deviations: Self.rows(imported.json?["errors"], path: "field"),
                                                                        problem: apiProblem(imported), status: imported.status))
        }
        let count = { (name: String) in String(result[name]?.numberValue?.intValue ?? 0) }
        var notice = strings.format("console.framework_imported", [
            "title": result["framework"]?["title"]?.stringValue ?? "", "created": count("created"),
            "updated": count("updated"), "retired": count("retired"), "unchanged": count("unchanged")])
        let deviationCount = result["deviationCount"]?.numberValue?.intValue ?? 0
        if deviationCount > 0 {
            notice += " " + (deviationCount == 1 ? strings["console.framework_deviation"]
                : strings.format("console.framework_deviations", ["count": String(deviationCount)]))
        }
        return try await frameworks(request, context, member, .init(notice: notice, deviations: Self.rows(result["deviations"], path: "path"),
                                                                    status: imported.status))
    }

    /// The first 50 places a package deviates, as the page lists them: an import's `deviations` (member `path`) or a
    /// refusal's `errors` (member `field`), each with its reason.
    static func rows(_ list: JSONValue?, path member: String) -> [[String: Any]] {
        (list?.arrayValue ?? []).prefix(50).map { entry in
            ["path": entry[member]?.stringValue ?? "", "reason": entry["reason"]?.stringValue ?? ""]
        }
    }

    func framework(_ request: Request, _ context: VitaRequestContext, _ member: Member, id: String) async throws -> Response {
        guard EntityID.isWellFormed(id, prefix: "cfw") else { return notFound(member) }
        let read = await api.call(.get, "/api/v1/competency-frameworks/\(id)", as: member.identity, context: context)
        guard read.succeeded, let framework = read.json,
              framework["organizationId"]?.stringValue == member.organizationId else { return notFound(member) }
        var competencies: [JSONValue] = []
        var cursor: String?
        repeat {
            let page = await api.call(.get, "/api/v1/competency-frameworks/\(id)/competencies?limit=200"
                                      + Self.cursorParameter(cursor), as: member.identity, context: context)
            guard page.succeeded else { return notFound(member) }
            competencies += page.json?["items"]?.arrayValue ?? []
            cursor = page.json?["nextCursor"]?.stringValue
        } while cursor != nil
        let title = framework["title"]?.stringValue ?? id
        var values = frame(member, title: title, current: "/admin/frameworks")
        var facts: [String: Any] = [
            "id": id, "items": framework["itemCount"]?.numberValue?.intValue ?? 0,
            "source": framework["source"]?["retrievedFrom"]?.stringValue ?? strings["console.framework_uploaded"],
            "digest": framework["source"]?["digest"]?.stringValue ?? "",
            "imported": WalletFormat.date(framework["source"]?["importedAt"]?.stringValue) ?? "",
        ]
        // Only what the package gave: an empty string would still open the template's section, and a missing key
        // would be looked up further out (Mustache's context stack), so what is not given is false.
        for (key, member) in [("creator", "creator"), ("publisher", "publisher"), ("label", "frameworkVersion"),
                              ("adoptionStatus", "adoptionStatus"), ("language", "language"), ("caseURI", "caseURI"),
                              ("lastChange", "lastChangeDateTime"), ("description", "description")] {
            facts[key] = framework[member]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? false
        }
        values["framework"] = facts
        values["children"] = Self.itemTree(competencies)
        return withForm(request, "console_framework", values)
    }

    /// The competencies as nested lists: each node's `children` (always present, so that a leaf's lookup never
    /// reaches its parent's), ordered by position, then code.
    static func itemTree(_ competencies: [JSONValue]) -> [[String: Any]] {
        var byParent: [String: [JSONValue]] = [:]
        let ids = Set(competencies.compactMap { $0["id"]?.stringValue })
        for competency in competencies {
            let parent = competency["parentId"]?.stringValue.flatMap { ids.contains($0) ? $0 : nil } ?? ""
            byParent[parent, default: []].append(competency)
        }
        func nodes(under parent: String, depth: Int) -> [[String: Any]] {
            let children = (byParent[parent] ?? []).sorted {
                let a = $0["position"]?.numberValue?.intValue ?? Int.max, b = $1["position"]?.numberValue?.intValue ?? Int.max
                return a != b ? a < b : ($0["code"]?.stringValue ?? "") < ($1["code"]?.stringValue ?? "")
            }
            return children.map { competency in
                let id = competency["id"]?.stringValue ?? ""
                // Depth is bounded by the tree (an import never makes an item its own ancestor); 64 guards the page.
                let below = depth < 64 ? nodes(under: id, depth: depth + 1) : []
                var node: [String: Any] = ["id": id, "name": competency["name"]?.stringValue ?? "",
                        "retired": competency["retiredAt"]?.stringValue != nil,
                        "children": below, "hasChildren": !below.isEmpty]
                // False, not absent: a missing key would be looked up in the parent item (Mustache's context stack).
                node["code"] = competency["code"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? false
                return node
            }
        }
        return nodes(under: "", depth: 0)
    }
}
