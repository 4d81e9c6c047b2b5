import Foundation
import HTTPTypes
import Hummingbird
import VitaAPI
import VitaCore
import VitaJSON

/// The console's connected systems, information-exchange agreements and learners' consents: every member reads them;
/// an organization administrator registers a system (its API key shown once) and revokes one, creates an agreement
/// the organization provides, moves it through its states (with the version read, so that a change made meanwhile by
/// someone else is refused rather than overwritten), and records or withdraws a learner's consent to it.
extension ConsolePages {
    func registerAgreements(on router: Router<VitaRequestContext>) {
        let pages = self
        router.getAndHead("/admin/systems") { request, context in
            try await pages.signedIn(request, context) { try await pages.systems($0, $1, $2) }
        }
        router.post("/admin/systems") { request, context in
            try await pages.signedInForm(request, context) { try await pages.createSystem($0, $1, $2, $3) }
        }
        router.post("/admin/systems/key") { request, context in
            try await pages.signedInForm(request, context) { try await pages.rotateSystemKey($0, $1, $2, $3) }
        }
        router.post("/admin/systems/revoke") { request, context in
            try await pages.signedInForm(request, context) { try await pages.revokeSystem($0, $1, $2, $3) }
        }
        router.post("/admin/agreements") { request, context in
            try await pages.signedInForm(request, context) { try await pages.createAgreement($0, $1, $2, $3) }
        }
        router.getAndHead("/admin/agreements/:agreementId") { request, context in
            try await pages.signedIn(request, context) { request, context, member in
                try await pages.agreement(request, context, member, id: context.parameters.get("agreementId") ?? "")
            }
        }
        router.post("/admin/agreements/:agreementId") { request, context in
            try await pages.signedInForm(request, context) { try await pages.updateAgreement($0, $1, $2, $3) }
        }
        router.post("/admin/agreements/:agreementId/consents") { request, context in
            try await pages.signedInForm(request, context) { try await pages.grantConsent($0, $1, $2, $3) }
        }
        router.post("/admin/agreements/:agreementId/consents/withdraw") { request, context in
            try await pages.signedInForm(request, context) { try await pages.withdrawConsent($0, $1, $2, $3) }
        }
    }

    // MARK: Systems and the list of agreements

    /// What the systems page shows besides the lists: a notice or problem, and a new system's key (shown once).
    struct SystemsOutcome {
        var notice: String?
        var problem: String?
        var createdKey: String?
        var status: HTTPResponse.Status = .ok
    }

    func systems(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                 _ outcome: SystemsOutcome = .init()) async throws -> Response {
        var values = frame(member, title: strings["console.systems_title"], current: "/admin/systems")
        let systems = await api.call(.get, "/api/v1/systems?limit=200", as: member.identity, context: context)
        var names: [String: String] = [:]
        values["systems"] = (systems.json?["items"]?.arrayValue ?? []).map { system -> [String: Any] in
            let id = system["id"]?.stringValue ?? ""
            let active = system["revokedAt"]?.stringValue == nil
            names[id] = system["name"]?.stringValue ?? id
            return ["id": id, "name": system["name"]?.stringValue ?? "", "kind": strings["console.system_kind_\(system["kind"]?.stringValue ?? "other")"],
                    "state": strings[active ? "console.system_active" : "console.system_revoked"],
                    "canRevoke": member.canAdminister && active]
        }
        let agreements = await api.call(.get, "/api/v1/agreements?limit=200", as: member.identity, context: context)
        values["agreements"] = (agreements.json?["items"]?.arrayValue ?? []).map { agreement -> [String: Any] in
            var row = agreementValues(agreement, systemNames: names)
            row["href"] = "/admin/agreements/\(agreement["id"]?.stringValue ?? "")"
            return row
        }
        values["canAdminister"] = member.canAdminister
        values["systemKinds"] = ConnectedSystem.Kind.allCases.map { ["value": $0.rawValue, "label": strings["console.system_kind_\($0.rawValue)"]] }
        values["ownSystems"] = names.sorted { $0.value < $1.value }.map { ["id": $0.key, "name": $0.value] }
        values["categoryChoices"] = RecordCategory.allCases.map { ["field": "category_\($0.rawValue)", "label": strings["console.category_\($0.rawValue)"]] }
        values["permissionChoices"] = Permission.allCases.map { ["field": "permission_\($0.rawValue)", "label": strings["console.permission_\($0.rawValue)"]] }
        if let notice = outcome.notice { values["notice"] = notice }
        if let problem = outcome.problem { values["problem"] = problem }
        if let key = outcome.createdKey { values["createdKey"] = key }
        return withForm(request, "console_systems", values, status: outcome.status)
    }

    func createSystem(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput) async throws -> Response {
        var body = JSONObject()
        body["organizationId"] = .string(member.organizationId)
        body["name"] = .string((form.fields["name"] ?? "").trimmingCharacters(in: .whitespaces))
        body["kind"] = .string(form.fields["kind"] ?? "")
        let created = await api.call(.post, "/api/v1/systems", body: JSONValue.object(body).serialized(),
                                     contentType: "application/json", as: member.identity, context: context)
        guard created.succeeded, let key = created.json?["apiKey"]?.stringValue else {
            return try await systems(request, context, member, .init(problem: apiProblem(created), status: created.status))
        }
        let name = created.json?["system"]?["name"]?.stringValue ?? ""
        return try await systems(request, context, member,
                                 .init(notice: strings.format("console.system_created", ["name": name]), createdKey: key,
                                       status: .created))
    }

    /// A new key for a system, shown once; the replaced key keeps working for a day (the API's default), so the
    /// system can switch over.
    func rotateSystemKey(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput) async throws -> Response {
        let id = form.fields["systemId"] ?? ""
        guard EntityID.isWellFormed(id, prefix: "sys") else {
            return try await systems(request, context, member, .init(problem: strings["input.bad_form"], status: .badRequest))
        }
        let rotated = await api.call(.post, "/api/v1/systems/\(id)/key", as: member.identity, context: context)
        guard rotated.succeeded, let key = rotated.json?["apiKey"]?.stringValue else {
            return try await systems(request, context, member, .init(problem: apiProblem(rotated), status: rotated.status))
        }
        let name = rotated.json?["system"]?["name"]?.stringValue ?? id
        return try await systems(request, context, member,
                                 .init(notice: strings.format("console.system_key_rotated", ["name": name]), createdKey: key,
                                       status: .created))
    }

    func revokeSystem(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput) async throws -> Response {
        let id = form.fields["systemId"] ?? ""
        guard EntityID.isWellFormed(id, prefix: "sys") else {
            return try await systems(request, context, member, .init(problem: strings["input.bad_form"], status: .badRequest))
        }
        let revoked = await api.call(.post, "/api/v1/systems/\(id)/revoke", as: member.identity, context: context)
        guard revoked.succeeded else {
            return try await systems(request, context, member, .init(problem: apiProblem(revoked), status: revoked.status))
        }
        return try await systems(request, context, member,
                                 .init(notice: strings.format("console.system_revoked_notice",
                                                              ["name": revoked.json?["name"]?.stringValue ?? id])))
    }

    func createAgreement(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                         _ form: FormInput) async throws -> Response {
        func field(_ name: String) -> String { (form.fields[name] ?? "").trimmingCharacters(in: .whitespaces) }
        var body = JSONObject()
        body["providerOrganizationId"] = .string(member.organizationId)
        body["consumerSystemId"] = .string(field("consumerSystemId"))
        body["purpose"] = .string(field("purpose"))
        body["categories"] = .array(RecordCategory.allCases.filter { form.fields["category_\($0.rawValue)"] != nil }
            .map { .string($0.rawValue) })
        body["permissions"] = .array(Permission.allCases.filter { form.fields["permission_\($0.rawValue)"] != nil }
            .map { .string($0.rawValue) })
        body["consentRequired"] = .bool(form.fields["consentRequired"] != nil)
        body["status"] = .string(field("status") == "active" ? "active" : "draft")
        do {
            if let from = try Self.timestamp(field("validFrom"), field: "validFrom", endOfDay: false) { body["validFrom"] = .string(from) }
            if let until = try Self.timestamp(field("validUntil"), field: "validUntil", endOfDay: true) { body["validUntil"] = .string(until) }
        } catch let error as DateFieldError {
            return try await systems(request, context, member,
                                     .init(problem: strings.format("console.date_invalid", ["field": strings["console.\(error.field)"]]),
                                           status: .unprocessableContent))
        }
        let created = await api.call(.post, "/api/v1/agreements", body: JSONValue.object(body).serialized(),
                                     contentType: "application/json", as: member.identity, context: context)
        guard created.succeeded, let id = created.json?["id"]?.stringValue else {
            return try await systems(request, context, member, .init(problem: apiProblem(created), status: created.status))
        }
        return try await agreement(request, context, member, id: id, notice: strings["console.agreement_created"],
                                   status: .created)
    }

    // MARK: One agreement and its consents

    func agreement(_ request: Request, _ context: VitaRequestContext, _ member: Member, id: String,
                   notice: String? = nil, problem: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard EntityID.isWellFormed(id, prefix: "agr") else { return notFound(member) }
        let read = await api.call(.get, "/api/v1/agreements/\(id)", as: member.identity, context: context)
        guard read.succeeded, let agreement = read.json else { return notFound(member) }
        let systems = await api.call(.get, "/api/v1/systems?limit=200", as: member.identity, context: context)
        var names: [String: String] = [:]
        for system in systems.json?["items"]?.arrayValue ?? [] {
            if let systemId = system["id"]?.stringValue { names[systemId] = system["name"]?.stringValue ?? systemId }
        }
        var values = frame(member, title: strings.format("console.agreement_title", ["purpose": agreement["purpose"]?.stringValue ?? id]),
                           current: "/admin/systems")
        values["agreement"] = agreementValues(agreement, systemNames: names)
        values["action"] = "/admin/agreements/\(id)"
        let provided = agreement["providerOrganizationId"]?.stringValue == member.organizationId
        let current = agreement["status"]?.stringValue.flatMap(Agreement.Status.init(rawValue:))
        if provided, member.canAdminister, let current, let etag = read.headers[.eTag] {
            values["version"] = etag
            values["transitions"] = Agreement.Status.allCases.filter { current.canMove(to: $0) }.map {
                ["value": $0.rawValue, "label": strings["console.agreement_to_\($0.rawValue)"]]
            }
            values["canChange"] = current != .terminated
        }
        if provided {
            values["consents"] = await consentValues(request, context, member, agreementId: id)
            values["showConsents"] = true
            values["canRecordConsent"] = member.canAdminister && current != .terminated
        }
        if let notice { values["notice"] = notice }
        if let problem { values["problem"] = problem }
        return withForm(request, "console_agreement", values, status: status)
    }

    /// The consents to the agreement (the page's `cursor` picks the page), with the link to the next page.
    private func consentValues(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                               agreementId: String) async -> [String: Any] {
        let path = "/api/v1/agreements/\(agreementId)/consents?limit=100"
            + Self.cursorParameter(request.uri.queryParameters["cursor"].map(String.init))
        let listed = await api.call(.get, path, as: member.identity, context: context)
        var values: [String: Any] = [:]
        guard listed.succeeded else {
            values["listProblem"] = apiProblem(listed)
            return values
        }
        values["items"] = (listed.json?["items"]?.arrayValue ?? []).map { consent -> [String: Any] in
            let withdrawn = consent["withdrawnAt"]?.stringValue
            return ["id": consent["id"]?.stringValue ?? "", "learnerId": consent["learnerId"]?.stringValue ?? "",
                    "grantedAt": consent["grantedAt"]?.stringValue ?? "",
                    "state": withdrawn.map { strings.format("console.consent_withdrawn_at", ["at": $0]) } ?? strings["console.consent_in_force"],
                    "canWithdraw": member.canAdminister && withdrawn == nil]
        }
        if let next = listed.json?["nextCursor"]?.stringValue {
            values["next"] = "/admin/agreements/\(agreementId)?cursor=" + Self.queryValue(next)
        }
        return values
    }

    func updateAgreement(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                         _ form: FormInput) async throws -> Response {
        let id = context.parameters.get("agreementId") ?? ""
        guard EntityID.isWellFormed(id, prefix: "agr") else { return notFound(member) }
        var body = JSONObject()
        if let next = form.fields["status"], !next.isEmpty { body["status"] = .string(next) }
        do {
            if let until = try Self.timestamp((form.fields["validUntil"] ?? "").trimmingCharacters(in: .whitespaces),
                                              field: "validUntil", endOfDay: true) {
                body["validUntil"] = .string(until)
            }
        } catch let error as DateFieldError {
            return try await agreement(request, context, member, id: id,
                                       problem: strings.format("console.date_invalid", ["field": strings["console.\(error.field)"]]),
                                       status: .unprocessableContent)
        }
        guard !body.isEmpty else {
            return try await agreement(request, context, member, id: id, problem: strings["console.agreement_nothing_changed"],
                                       status: .unprocessableContent)
        }
        let changed = await api.call(.patch, "/api/v1/agreements/\(id)", body: JSONValue.object(body).serialized(),
                                     contentType: "application/json", headers: [.ifMatch: form.fields["version"] ?? ""],
                                     as: member.identity, context: context)
        guard changed.succeeded else {
            let problem = changed.status == .preconditionFailed ? strings["console.agreement_stale"] : apiProblem(changed)
            return try await agreement(request, context, member, id: id, problem: problem, status: changed.status)
        }
        return try await agreement(request, context, member, id: id, notice: strings["console.agreement_changed"])
    }

    func grantConsent(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput) async throws -> Response {
        let id = context.parameters.get("agreementId") ?? ""
        guard EntityID.isWellFormed(id, prefix: "agr") else { return notFound(member) }
        let learnerId = (form.fields["learnerId"] ?? "").trimmingCharacters(in: .whitespaces)
        guard EntityID.isWellFormed(learnerId, prefix: "lrn") else {
            return try await agreement(request, context, member, id: id, problem: strings["console.learner_id_invalid"],
                                       status: .unprocessableContent)
        }
        let granted = await api.call(.post, "/api/v1/learners/\(learnerId)/consents",
                                     body: JSONValue.object(["agreementId": .string(id)]).serialized(),
                                     contentType: "application/json", as: member.identity, context: context)
        guard granted.succeeded else {
            return try await agreement(request, context, member, id: id, problem: apiProblem(granted), status: granted.status)
        }
        return try await agreement(request, context, member, id: id,
                                   notice: strings.format("console.consent_recorded", ["learner": learnerId]), status: .created)
    }

    func withdrawConsent(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                         _ form: FormInput) async throws -> Response {
        let id = context.parameters.get("agreementId") ?? ""
        guard EntityID.isWellFormed(id, prefix: "agr") else { return notFound(member) }
        let learnerId = form.fields["learnerId"] ?? ""
        let consentId = form.fields["consentId"] ?? ""
        guard EntityID.isWellFormed(learnerId, prefix: "lrn"), EntityID.isWellFormed(consentId, prefix: "cns") else {
            return try await agreement(request, context, member, id: id, problem: strings["input.bad_form"], status: .badRequest)
        }
        let withdrawn = await api.call(.delete, "/api/v1/learners/\(learnerId)/consents/\(consentId)",
                                       as: member.identity, context: context)
        guard withdrawn.succeeded else {
            return try await agreement(request, context, member, id: id, problem: apiProblem(withdrawn), status: withdrawn.status)
        }
        return try await agreement(request, context, member, id: id,
                                   notice: strings.format("console.consent_withdrawn", ["learner": learnerId]))
    }

    // MARK: Helpers

    /// An agreement as the pages show it.
    private func agreementValues(_ agreement: JSONValue, systemNames: [String: String]) -> [String: Any] {
        let consumer = agreement["consumerSystemId"]?.stringValue ?? ""
        let categories = (agreement["categories"]?.arrayValue ?? []).compactMap(\.stringValue).map { strings["console.category_\($0)"] }
        let permissions = (agreement["permissions"]?.arrayValue ?? []).compactMap(\.stringValue).map { strings["console.permission_\($0)"] }
        let state = agreement["status"]?.stringValue ?? ""
        return ["id": agreement["id"]?.stringValue ?? "", "purpose": agreement["purpose"]?.stringValue ?? "",
                "consumer": systemNames[consumer] ?? consumer, "consumerId": consumer,
                "provider": agreement["providerOrganizationId"]?.stringValue ?? "",
                "categories": categories.joined(separator: ", "), "permissions": permissions.joined(separator: ", "),
                "status": strings["console.agreement_status_\(state)"], "statusClass": state,
                "consent": strings[agreement["consentRequired"]?.boolValue == true ? "console.consent_required" : "console.consent_not_required"],
                "from": agreement["validFrom"]?.stringValue ?? "",
                "until": agreement["validUntil"]?.stringValue ?? strings["console.no_end"],
                "ends": agreement["validUntil"]?.stringValue.map { strings.format("console.ends", ["at": $0]) } ?? strings["console.no_end"]]
    }

    /// A form's date field that is not a calendar date.
    struct DateFieldError: Error {
        let field: String
    }

    /// A `YYYY-MM-DD` form date as an API timestamp (UTC; the day's start, or its last second for an end date); nil
    /// when the field is empty.
    static func timestamp(_ text: String, field: String, endOfDay: Bool) throws -> String? {
        guard !text.isEmpty else { return nil }
        guard let date = CalendarDate(text) else { throw DateFieldError(field: field) }
        return date.description + (endOfDay ? "T23:59:59Z" : "T00:00:00Z")
    }
}
