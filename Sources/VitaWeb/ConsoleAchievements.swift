import Foundation
import HTTPTypes
import Hummingbird
import VitaAPI
import VitaCore
import VitaJSON

/// One achievement in the console: its definition as credentials carry it, and for issuers and organization
/// administrators a form that corrects it (`updateAchievement`). The form carries the ETag it was filled from, so a
/// save from a form opened before someone else's correction is refused and the page shows the achievement as it now is.
/// Credentials issued before a correction keep the definition they were signed with.
extension ConsolePages {
    func registerAchievements(on router: Router<VitaRequestContext>) {
        let pages = self
        router.getAndHead("/admin/achievements/:achievementId") { request, context in
            try await pages.signedIn(request, context) { request, context, member in
                try await pages.achievement(request, context, member, id: context.parameters.get("achievementId") ?? "")
            }
        }
        router.post("/admin/achievements/:achievementId") { request, context in
            try await pages.signedInForm(request, context) { try await pages.updateAchievement($0, $1, $2, $3) }
        }
    }

    func achievement(_ request: Request, _ context: VitaRequestContext, _ member: Member, id: String,
                     notice: String? = nil, problem: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard EntityID.isWellFormed(id, prefix: "ach") else { return notFound(member) }
        let read = await api.call(.get, "/api/v1/achievements/\(id)", as: member.identity, context: context)
        guard read.succeeded, let achievement = read.json else { return notFound(member) }
        let name = achievement["name"]?.stringValue ?? id
        var values = frame(member, title: strings.format("console.achievement_title", ["name": name]),
                           current: "/admin/achievements")
        let alignments = achievement["alignments"]?.arrayValue ?? []
        var shown: [String: Any] = [
            "id": id, "name": name, "description": achievement["description"]?.stringValue ?? "",
            "criteria": achievement["criteriaNarrative"]?.stringValue ?? "",
            "uri": achievement["uri"]?.stringValue ?? "", "created": achievement["createdAt"]?.stringValue ?? "",
            // Mustache shows a section for an empty string too: a kind or code that is not there is left out.
            "alignments": alignments.map { alignment -> [String: Any] in
                var shown: [String: Any] = ["name": alignment["targetName"]?.stringValue ?? "",
                                            "url": alignment["targetUrl"]?.stringValue ?? ""]
                if let code = alignment["targetCode"]?.stringValue { shown["code"] = code }
                return shown
            },
            "codes": alignments.compactMap { $0["targetCode"]?.stringValue }.joined(separator: "\n"),
            "uncoded": alignments.contains { $0["targetCode"]?.stringValue == nil },
        ]
        if let type = achievement["achievementType"]?.stringValue { shown["type"] = type }
        if let image = achievement["image"]?.stringValue {
            shown["image"] = image
            shown["imageShown"] = image.hasPrefix("data:image/") ? image : false
        }
        values["achievement"] = shown
        if member.canIssue, let tag = read.headers[.eTag] {
            values["canEdit"] = true
            values["version"] = tag
            values["action"] = "/admin/achievements/\(id)"
        }
        if let notice { values["notice"] = notice }
        if let problem { values["problem"] = problem }
        return withForm(request, "console_achievement", values, status: status)
    }

    func updateAchievement(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                           _ form: FormInput) async throws -> Response {
        let id = context.parameters.get("achievementId") ?? ""
        guard EntityID.isWellFormed(id, prefix: "ach") else { return notFound(member) }
        let read = await api.call(.get, "/api/v1/achievements/\(id)", as: member.identity, context: context)
        guard read.succeeded, let current = read.json else { return notFound(member) }
        let version = form.fields["version"] ?? ""
        // The alignments and image the form leaves as they were are taken from the version it was filled from.
        guard read.headers[.eTag] == version else {
            return try await achievement(request, context, member, id: id, problem: strings["console.achievement_stale"],
                                         status: .preconditionFailed)
        }
        let body: JSONObject
        switch await achievementBody(form, member, context, current: current) {
        case .success(let made): body = made
        case .failure(let problem):
            return try await achievement(request, context, member, id: id, problem: problem.message, status: problem.status)
        }
        let changed = await api.call(.put, "/api/v1/achievements/\(id)", body: JSONValue.object(body).serialized(),
                                     contentType: "application/json", headers: [.ifMatch: version],
                                     as: member.identity, context: context)
        guard changed.succeeded else {
            let problem = changed.status == .preconditionFailed ? strings["console.achievement_stale"] : apiProblem(changed)
            return try await achievement(request, context, member, id: id, problem: problem, status: changed.status)
        }
        return try await achievement(request, context, member, id: id, notice: strings["console.achievement_changed"])
    }
}
