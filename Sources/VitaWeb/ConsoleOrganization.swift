import Foundation
import HTTPTypes
import Hummingbird
import VitaAPI
import VitaCore
import VitaJSON

/// The member's organization in the console: its name, kind, identifiers (IPEDS, OPEID, DUNS, web domain, …) and what
/// its credentials say of it as their issuer (website, email, description, logo), and for an organization
/// administrator a form that corrects them (`updateOrganization`) under the version the form was filled from. Each
/// identifier is a row of the form; a row whose value is left empty is dropped, and two empty rows take new
/// identifiers. The logo stays until another is uploaded or its removal is ticked. Credentials issued before a
/// correction keep the issuer they were signed with.
extension ConsolePages {
    func registerOrganization(on router: Router<VitaRequestContext>) {
        let pages = self
        router.getAndHead("/admin/organization") { request, context in
            try await pages.signedIn(request, context) { try await pages.organization($0, $1, $2) }
        }
        router.post("/admin/organization") { request, context in
            try await pages.signedInForm(request, context) { try await pages.correctOrganization($0, $1, $2, $3) }
        }
    }

    /// What the organization page shows besides the organization: a notice or problem, and what the administrator
    /// typed when it was refused.
    struct OrganizationOutcome {
        var notice: String?
        var problem: String?
        var typed: OrganizationForm?
        var status: HTTPResponse.Status = .ok
    }

    /// The correction form's fields as submitted.
    struct OrganizationForm {
        var name: String
        var kind: String
        /// The rows with a value, in the form's order.
        var identifiers: [(scheme: String, value: String, issuer: String)]
        /// The issuer profile's website, email and description; empty for none.
        var url = "", email = "", description = ""

        init(name: String, kind: String, identifiers: [(scheme: String, value: String, issuer: String)]) {
            self.name = name
            self.kind = kind
            self.identifiers = identifiers
        }

        /// Reads the fields `name`, `kind` and, for each row `n` from 0 up to the first missing `value_n`, `scheme_n`,
        /// `value_n` and `issuer_n`.
        init(_ form: FormInput) {
            func field(_ name: String) -> String { (form.fields[name] ?? "").trimmingCharacters(in: .whitespaces) }
            name = field("name")
            kind = field("kind")
            url = field("url")
            email = field("email")
            description = (form.fields["description"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            identifiers = []
            var row = 0
            while form.fields["value_\(row)"] != nil {
                let value = field("value_\(row)")
                if !value.isEmpty { identifiers.append((field("scheme_\(row)"), value, field("issuer_\(row)"))) }
                row += 1
            }
        }

        /// The body of `updateOrganization`, with `image` as the logo.
        func body(image: JSONValue?) -> JSONValue {
            var body: JSONObject = [
                "name": .string(name), "kind": .string(kind),
                "identifiers": .array(identifiers.map { identifier in
                    var object: JSONObject = ["scheme": .string(identifier.scheme), "value": .string(identifier.value)]
                    if !identifier.issuer.isEmpty { object["issuer"] = .string(identifier.issuer) }
                    return .object(object)
                }),
            ]
            for (key, value) in [("url", url), ("email", email), ("description", description)] where !value.isEmpty {
                body[key] = .string(value)
            }
            body["image"] = image
            return .object(body)
        }
    }

    func organization(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                      _ outcome: OrganizationOutcome = .init()) async throws -> Response {
        let read = await api.call(.get, "/api/v1/organizations/\(member.organizationId)", as: member.identity, context: context)
        guard read.succeeded, let organization = read.json else { return notFound(member) }
        var current = OrganizationForm(
            name: organization["name"]?.stringValue ?? "", kind: organization["kind"]?.stringValue ?? "other",
            identifiers: (organization["identifiers"]?.arrayValue ?? []).map {
                ($0["scheme"]?.stringValue ?? "other", $0["value"]?.stringValue ?? "", $0["issuer"]?.stringValue ?? "")
            })
        current.url = organization["url"]?.stringValue ?? ""
        current.email = organization["email"]?.stringValue ?? ""
        current.description = organization["description"]?.stringValue ?? ""
        let image = organization["image"]?.stringValue
        // The frame names the organization as it now is (the member was read before a correction).
        let shownMember = Member(staffId: member.staffId, name: member.name, organizationId: member.organizationId,
                                 organizationName: current.name, role: member.role)
        var values = frame(shownMember, title: strings.format("console.organization_title", ["name": current.name]),
                           current: "/admin/organization")
        // Mustache shows a section for an empty string too: what is not there is left out.
        var shown: [String: Any] = [
            "id": member.organizationId, "name": current.name,
            "kind": strings["console.organization_kind_\(current.kind)"],
            "registered": organization["createdAt"]?.stringValue ?? "",
            "identifiers": current.identifiers.map { identifier -> [String: Any] in
                ["scheme": strings["console.identifier_scheme_\(identifier.scheme)"], "value": identifier.value,
                 "issuer": identifier.issuer].filter { !($0.value.isEmpty) }
            },
        ]
        for (key, value) in [("url", current.url), ("email", current.email), ("description", current.description)] where !value.isEmpty {
            shown[key] = value
        }
        if let image { shown[image.hasPrefix("data:image/") ? "imageShown" : "imageURL"] = image }
        values["organization"] = shown
        if member.canAdminister, let tag = read.headers[.eTag] {
            let filled = outcome.typed ?? current
            let rows = filled.identifiers + Array(repeating: ("", "", ""), count: 2)
            values["correct"] = [
                "version": tag, "name": filled.name, "url": filled.url, "email": filled.email, "description": filled.description,
                "hasImage": image != nil,
                "kinds": Organization.Kind.allCases.map {
                    ["value": $0.rawValue, "label": strings["console.organization_kind_\($0.rawValue)"],
                     "selected": $0.rawValue == filled.kind]
                },
                "rows": rows.enumerated().map { index, row -> [String: Any] in
                    [
                        "index": index, "value": row.value, "issuer": row.issuer,
                        "legend": strings.format("console.organization_identifier_row", ["number": String(index + 1)]),
                        "schemes": Identifier.Scheme.allCases.map {
                            ["value": $0.rawValue, "label": strings["console.identifier_scheme_\($0.rawValue)"],
                             "selected": $0.rawValue == (row.scheme.isEmpty ? "domain" : row.scheme)]
                        },
                    ]
                },
            ]
        }
        if let notice = outcome.notice { values["notice"] = notice }
        if let problem = outcome.problem { values["problem"] = problem }
        return withForm(request, "console_organization", values, status: outcome.status)
    }

    /// Corrects the organization's name, kind and identifiers (`updateOrganization`) under the version the form was
    /// filled from; a stale form is refused and the page shows the organization as it now is.
    func correctOrganization(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                             _ form: FormInput) async throws -> Response {
        let path = "/api/v1/organizations/\(member.organizationId)"
        let typed = OrganizationForm(form)
        let version = form.fields["version"] ?? ""
        let read = await api.call(.get, path, as: member.identity, context: context)
        guard read.succeeded, let current = read.json else { return notFound(member) }
        // The logo the form leaves as it was is taken from the version it was filled from.
        guard read.headers[.eTag] == version else {
            return try await organization(request, context, member,
                                          .init(problem: strings["console.organization_stale"], status: .preconditionFailed))
        }
        let image: JSONValue?
        switch self.image(form, current: current) {
        case .success(let chosen): image = chosen
        case .failure(let problem):
            return try await organization(request, context, member, .init(problem: problem.message, typed: typed, status: problem.status))
        }
        let changed = await api.call(.put, path, body: typed.body(image: image).serialized(), contentType: "application/json",
                                     headers: [.ifMatch: version], as: member.identity, context: context)
        guard changed.succeeded else {
            if changed.status == .preconditionFailed {
                return try await organization(request, context, member,
                                              .init(problem: strings["console.organization_stale"], status: changed.status))
            }
            return try await organization(request, context, member,
                                          .init(problem: apiProblem(changed), typed: typed, status: changed.status))
        }
        return try await organization(request, context, member, .init(notice: strings["console.organization_corrected"]))
    }
}
