import Foundation
import HTTPTypes
import Hummingbird
import VitaAPI
import VitaCore
import VitaJSON

/// One connected system in the console: what it is, and — for an organization administrator — where its change
/// notifications go (`docs/CHANGES.md`, "Notifications"): how the last posts went, a new URL (its signing secret shown
/// once), or none.
extension ConsolePages {
    func registerSystems(on router: Router<VitaRequestContext>) {
        let pages = self
        router.getAndHead("/admin/systems/:systemId") { request, context in
            try await pages.signedIn(request, context) { request, context, member in
                try await pages.system(request, context, member, id: context.parameters.get("systemId") ?? "")
            }
        }
        router.post("/admin/systems/:systemId") { request, context in
            try await pages.signedInForm(request, context) { try await pages.renameSystem($0, $1, $2, $3) }
        }
        router.post("/admin/systems/:systemId/notifications") { request, context in
            try await pages.signedInForm(request, context) { try await pages.setNotifications($0, $1, $2, $3) }
        }
        router.post("/admin/systems/:systemId/notifications/remove") { request, context in
            try await pages.signedInForm(request, context) { try await pages.removeNotifications($0, $1, $2, $3) }
        }
    }

    /// What the system page shows besides the system: a notice or problem, and a new signing secret (shown once).
    struct SystemOutcome {
        var notice: String?
        var problem: String?
        var createdSecret: String?
        /// The URL the administrator typed, kept in the field when it was refused.
        var typedURL: String?
        /// The name the administrator typed, kept in the field when it was refused.
        var typedName: String?
        var status: HTTPResponse.Status = .ok
    }

    func system(_ request: Request, _ context: VitaRequestContext, _ member: Member, id: String,
                _ outcome: SystemOutcome = .init()) async throws -> Response {
        guard EntityID.isWellFormed(id, prefix: "sys") else { return notFound(member) }
        let read = await api.call(.get, "/api/v1/systems/\(id)", as: member.identity, context: context)
        guard read.succeeded, let system = read.json else { return notFound(member) }
        let name = system["name"]?.stringValue ?? id
        let active = system["revokedAt"]?.stringValue == nil
        var values = frame(member, title: strings.format("console.system_title", ["name": name]), current: "/admin/systems")
        values["system"] = [
            "id": id, "name": name, "kind": strings["console.system_kind_\(system["kind"]?.stringValue ?? "other")"],
            "registered": system["createdAt"]?.stringValue ?? "",
            "state": active ? strings["console.system_active"]
                : strings.format("console.system_revoked_at", ["at": system["revokedAt"]?.stringValue ?? ""]),
        ]
        values["action"] = "/admin/systems/\(id)/notifications"
        if member.canAdminister, active, let tag = read.headers[.eTag] {
            let kind = system["kind"]?.stringValue ?? "other"
            values["rename"] = [
                "action": "/admin/systems/\(id)", "version": tag, "name": outcome.typedName ?? name,
                "kinds": ConnectedSystem.Kind.allCases.map {
                    ["value": $0.rawValue, "label": strings["console.system_kind_\($0.rawValue)"], "selected": $0.rawValue == kind]
                },
            ]
        }
        if member.canAdminister {
            values["showNotifications"] = true
            values["canSetNotifications"] = active
            values["typedURL"] = outcome.typedURL ?? ""
            let target = await api.call(.get, "/api/v1/systems/\(id)/change-notifications", as: member.identity, context: context)
            if target.succeeded, let target = target.json {
                values["target"] = targetValues(target)
            } else if target.status != .notFound {
                values["targetProblem"] = apiProblem(target)
            }
        }
        if let notice = outcome.notice { values["notice"] = notice }
        if let problem = outcome.problem { values["problem"] = problem }
        if let secret = outcome.createdSecret { values["createdSecret"] = secret }
        return withForm(request, "console_system", values, status: outcome.status)
    }

    func setNotifications(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                          _ form: FormInput) async throws -> Response {
        let id = context.parameters.get("systemId") ?? ""
        guard EntityID.isWellFormed(id, prefix: "sys") else { return notFound(member) }
        let url = (form.fields["url"] ?? "").trimmingCharacters(in: .whitespaces)
        let set = await api.call(.put, "/api/v1/systems/\(id)/change-notifications",
                                 body: JSONValue.object(["url": .string(url)]).serialized(),
                                 contentType: "application/json", as: member.identity, context: context)
        guard set.succeeded, let secret = set.json?["secret"]?.stringValue else {
            return try await system(request, context, member, id: id,
                                    .init(problem: apiProblem(set), typedURL: url, status: set.status))
        }
        return try await system(request, context, member, id: id,
                                .init(notice: strings.format("console.notifications_set", ["url": url]), createdSecret: secret))
    }

    func removeNotifications(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                             _ form: FormInput) async throws -> Response {
        let id = context.parameters.get("systemId") ?? ""
        guard EntityID.isWellFormed(id, prefix: "sys") else { return notFound(member) }
        let removed = await api.call(.delete, "/api/v1/systems/\(id)/change-notifications", as: member.identity, context: context)
        guard removed.succeeded else {
            return try await system(request, context, member, id: id, .init(problem: apiProblem(removed), status: removed.status))
        }
        return try await system(request, context, member, id: id, .init(notice: strings["console.notifications_removed"]))
    }

    /// Corrects the system's name and kind (`updateSystem`) under the version the form was filled from.
    func renameSystem(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                      _ form: FormInput) async throws -> Response {
        let id = context.parameters.get("systemId") ?? ""
        guard EntityID.isWellFormed(id, prefix: "sys") else { return notFound(member) }
        let name = (form.fields["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let body: JSONValue = ["name": .string(name), "kind": .string(form.fields["kind"] ?? "")]
        let changed = await api.call(.put, "/api/v1/systems/\(id)", body: body.serialized(), contentType: "application/json",
                                     headers: [.ifMatch: form.fields["version"] ?? ""], as: member.identity, context: context)
        guard changed.succeeded else {
            if changed.status == .preconditionFailed {
                return try await system(request, context, member, id: id,
                                        .init(problem: strings["console.system_stale"], status: changed.status))
            }
            return try await system(request, context, member, id: id,
                                    .init(problem: apiProblem(changed), typedName: name, status: changed.status))
        }
        return try await system(request, context, member, id: id, .init(notice: strings["console.system_renamed"]))
    }

    /// A notification target as the page shows it: where, since when, and how the last posts went.
    private func targetValues(_ target: JSONValue) -> [String: Any] {
        let failures = target["failures"]?.numberValue.map { Int($0.doubleValue) } ?? 0
        var values: [String: Any] = [
            "url": target["url"]?.stringValue ?? "", "since": target["createdAt"]?.stringValue ?? "",
            "delivered": target["lastDeliveredAt"]?.stringValue ?? strings["console.notifications_never"],
            "through": target["notifiedThrough"]?.numberValue.map { String(Int($0.doubleValue)) } ?? "0",
        ]
        if failures > 0 {
            values["failing"] = strings.format("console.notifications_failing",
                                               ["count": String(failures), "reason": target["lastError"]?.stringValue ?? "",
                                                "next": target["nextAttemptAt"]?.stringValue ?? ""])
        }
        return values
    }
}
