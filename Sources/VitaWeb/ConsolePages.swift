import Foundation
import HTTPTypes
import Hummingbird
import VitaAPI
import VitaCore
import VitaJSON

/// The issuer console (`/admin`) for an organization's staff: sign-in and sign-out (here or everywhere), a home page
/// listing what the member's role may do, achievements (with images), competency frameworks imported from CASE
/// packages (``registerFrameworks(on:)``), issuing one credential, bulk issuance from a
/// CSV upload with a live progress bar and a downloadable report, the organization's issued credentials (search,
/// revoke, suspend, unsuspend), signing keys, connected systems, agreements and consents (``registerAgreements(on:)``),
/// a system's change notifications (``registerSystems(on:)``), an achievement's page with its corrections
/// (``registerAchievements(on:)``), the organization with its corrections (``registerOrganization(on:)``), a learner the
/// organization holds with its records and profile (``registerLearners(on:)``), staff and the audit log with "verify the
/// chain".
///
/// Every value comes from the API, called in process as the signed-in staff member (``WebIdentity/staff(staffId:)``):
/// the API's staff roles and organization limits decide what a page may show or do, and a refusal shows the API's
/// reason. The pages keep only who is signed in (``WebSessions``, kind `staff`, cookie `vita_admin`).
struct ConsolePages: Sendable {
    let renderer: PageRenderer
    let csrf: CSRFProtection
    let sessions: WebSessions
    let signIn: StaffSignIn
    let api: InProcessAPI
    /// The progress script, served at `/static/console.js`.
    let script: ByteBuffer
    /// The largest upload accepted (CSV files, achievement images).
    let maxUploadSize: Int

    var strings: WebStrings { renderer.strings }

    /// The largest achievement image accepted (it travels inside every credential as a `data:` URI).
    static let maxImageSize = 256 * 1024

    static func loadScript() throws -> ByteBuffer {
        guard let url = Bundle.module.url(forResource: "console", withExtension: "js", subdirectory: "static"),
              let data = try? Data(contentsOf: url) else {
            throw WebError(.missingResource, "static/console.js")
        }
        return ByteBuffer(bytes: data)
    }

    func register(on router: Router<VitaRequestContext>) {
        let pages = self
        signInPages.register(on: router)
        router.getAndHead("/admin") { request, context in try await pages.signedIn(request, context, pages.home) }
        router.getAndHead("/admin/achievements") { request, context in
            try await pages.signedIn(request, context) { try await pages.achievements($0, $1, $2) }
        }
        router.post("/admin/achievements") { request, context in
            try await pages.signedInForm(request, context) { try await pages.createAchievement($0, $1, $2, $3) }
        }
        router.getAndHead("/admin/issue") { request, context in
            // Filled in from a learner's page: `learnerId` and `recordId` in the query.
            let query = request.uri.queryParameters
            let filled = ["learner": query.get("learnerId") ?? "", "record": query.get("recordId") ?? ""]
            return try await pages.signedIn(request, context) { try await pages.issueForm($0, $1, $2, values: filled) }
        }
        router.post("/admin/issue") { request, context in
            try await pages.signedInForm(request, context) { try await pages.issue($0, $1, $2, $3) }
        }
        router.getAndHead("/admin/bulk") { request, context in
            try await pages.signedIn(request, context) { try await pages.bulk($0, $1, $2) }
        }
        router.post("/admin/bulk") { request, context in
            try await pages.signedInForm(request, context) { try await pages.upload($0, $1, $2, $3) }
        }
        router.getAndHead("/admin/bulk/:jobId") { request, context in
            try await pages.signedIn(request, context) { try await pages.job($0, $1, $2) }
        }
        router.getAndHead("/admin/bulk/:jobId/progress") { request, context in
            try await pages.passThrough(request, context, suffix: "")
        }
        router.getAndHead("/admin/bulk/:jobId/report") { request, context in
            try await pages.passThrough(request, context, suffix: "/report")
        }
        router.getAndHead("/admin/credentials") { request, context in
            try await pages.signedIn(request, context) { try await pages.credentials($0, $1, $2) }
        }
        router.post("/admin/credentials/status") { request, context in
            try await pages.signedInForm(request, context) { try await pages.changeStatus($0, $1, $2, $3) }
        }
        router.getAndHead("/admin/audit") { request, context in
            try await pages.signedIn(request, context) { try await pages.audit($0, $1, $2, verification: nil) }
        }
        router.post("/admin/audit/verify") { request, context in
            try await pages.signedInForm(request, context) { try await pages.verifyChain($0, $1, $2, $3) }
        }
        router.getAndHead("/admin/keys") { request, context in
            try await pages.signedIn(request, context) { try await pages.keys($0, $1, $2, notice: nil) }
        }
        router.post("/admin/keys") { request, context in
            try await pages.signedInForm(request, context) { try await pages.rotateKey($0, $1, $2, $3) }
        }
        router.getAndHead("/admin/staff") { request, context in
            try await pages.signedIn(request, context) { try await pages.staff($0, $1, $2) }
        }
        router.post("/admin/staff") { request, context in
            try await pages.signedInForm(request, context) { try await pages.createStaff($0, $1, $2, $3) }
        }
        router.post("/admin/staff/disable") { request, context in
            try await pages.signedInForm(request, context) { try await pages.disableStaff($0, $1, $2, $3) }
        }
        router.post("/admin/staff/reset-password") { request, context in
            try await pages.signedInForm(request, context) { try await pages.resetPassword($0, $1, $2, $3) }
        }
        router.post("/admin/staff/my-password") { request, context in
            try await pages.signedInForm(request, context) { try await pages.changeOwnPassword($0, $1, $2, $3) }
        }
        registerAgreements(on: router)
        registerSystems(on: router)
        registerFrameworks(on: router)
        registerAchievements(on: router)
        registerOrganization(on: router)
        registerLearners(on: router)
        router.getAndHead("/static/console.js") { _, _ in pages.scriptResponse() }
    }

    // MARK: Signing in and out

    /// The sign-in and sign-out pages for staff, checked against the staff accounts.
    var signInPages: SignInPages {
        let sessions = sessions
        let signIn = signIn
        return SignInPages(kind: .staff, home: "/admin", stringPrefix: "console", navKey: "navConsole", renderer: renderer,
                           csrf: csrf, sessions: sessions) { login, password, secret in
            let outcome = try await signIn.attempt(login: login, password: password, action: "console.signin") { tx, member, at in
                try await tx.insert(sessions.record(.staff, secret: secret, subjectId: member.id, at: at))
                try await tx.appendAudit(AuditEntry(occurredAt: at, actor: .init(kind: .staff, id: member.id),
                                                    action: "console.signin", learnerId: nil, categories: [],
                                                    agreementId: nil, outcome: .allowed, reason: nil))
            }
            switch outcome {
            case .signedIn: return .signedIn
            case .wrong: return .wrong
            case .locked: return .locked
            }
        }
    }

    // MARK: The signed-in member

    /// Who is signed in, as the API knows them.
    struct Member: Sendable {
        let staffId: String
        let name: String
        let organizationId: String
        let organizationName: String
        let role: StaffRole

        var identity: WebIdentity { .staff(staffId: staffId) }
        var canIssue: Bool { role == .admin || role == .issuer }
        var canAudit: Bool { role == .admin || role == .auditor }
        var canAdminister: Bool { role == .admin }
    }

    /// The answer to a console request without a live session: to the sign-in page, dropping a stale cookie.
    var toSignIn: Response { signInPages.toSignIn }

    /// The signed-in member, or nil (and the session ended) when the API no longer knows them (disabled, gone).
    func member(_ request: Request, _ context: VitaRequestContext) async throws -> (WebSessions.Session, Member)? {
        guard let session = try await sessions.current(request, .staff) else { return nil }
        let identity = WebIdentity.staff(staffId: session.subjectId)
        let me = await api.call(.get, "/api/v1/staff/me", as: identity, context: context)
        guard me.succeeded, let account = me.json?.objectValue,
              let organizationId = account["organizationId"]?.stringValue,
              let role = account["role"]?.stringValue.flatMap(StaffRole.init(rawValue:)) else {
            _ = try await sessions.end(session, everywhere: true)
            return nil
        }
        let organization = await api.call(.get, "/api/v1/organizations/\(organizationId)", as: identity, context: context)
        return (session, Member(staffId: session.subjectId, name: account["displayName"]?.stringValue ?? "",
                                organizationId: organizationId,
                                organizationName: organization.json?.objectValue?["name"]?.stringValue ?? organizationId,
                                role: role))
    }

    /// Runs a GET page for a signed-in member; without a session, to sign in and back to the page.
    func signedIn(_ request: Request, _ context: VitaRequestContext,
                  _ page: @Sendable (Request, VitaRequestContext, Member) async throws -> Response) async throws -> Response {
        guard let (_, member) = try await member(request, context) else { return signInPages.toSignIn(returningFrom: request) }
        return try await page(request, context, member)
    }

    /// Runs a form POST for a signed-in member after checking its CSRF token.
    func signedInForm(_ request: Request, _ context: VitaRequestContext, uploadLimit: Int? = nil,
                      _ action: @Sendable (Request, VitaRequestContext, Member, FormInput) async throws -> Response) async throws -> Response {
        let maxUploadSize = uploadLimit ?? maxUploadSize
        let form: FormInput
        do {
            form = try await FormInput.read(request, limit: maxUploadSize + 16 * 1024)
        } catch {
            return renderer.message(title: strings["error.title"], message: strings["input.bad_form"], status: .badRequest)
        }
        guard csrf.isValid(token: form.fields[CSRFProtection.fieldName], cookieHeader: request.headers[.cookie]) else {
            return renderer.message(title: strings["error.csrf_title"], message: strings["error.csrf"], status: .forbidden)
        }
        guard let (_, member) = try await member(request, context) else { return toSignIn }
        if let size = form.oversizedBytes {
            return renderer.message(title: strings["error.title"],
                                    message: strings.format("console.too_large", ["size": WebStrings.size(size),
                                                                                   "limit": WebStrings.size(maxUploadSize)]),
                                    status: .contentTooLarge)
        }
        return try await action(request, context, member, form)
    }

    /// The values every console page shows: the member, the organization and the console's navigation.
    func frame(_ member: Member, title: String, current: String) -> [String: Any] {
        let links: [(String, String, Bool)] = [
            ("/admin", "console.nav_home", true),
            ("/admin/organization", "console.nav_organization", true),
            ("/admin/learners", "console.nav_learners", member.canIssue),
            ("/admin/achievements", "console.nav_achievements", true),
            ("/admin/frameworks", "console.nav_frameworks", true),
            ("/admin/issue", "console.nav_issue", member.canIssue),
            ("/admin/bulk", "console.nav_bulk", member.canIssue),
            ("/admin/credentials", "console.nav_credentials", true),
            ("/admin/keys", "console.nav_keys", true),
            ("/admin/systems", "console.nav_systems", true),
            ("/admin/audit", "console.nav_audit", member.canAudit),
            ("/admin/staff", "console.nav_staff", true),
        ]
        return [
            "title": title, "navConsole": true, "signedIn": true,
            "member": strings.format("console.signed_in_as", ["name": member.name, "organization": member.organizationName,
                                                               "role": strings["console.role_\(member.role.rawValue)"]]),
            "consoleNav": links.filter(\.2).map { path, id, _ in
                ["href": path, "label": strings[id], "current": path == current] as [String: Any]
            },
        ]
    }

    // MARK: Home

    func home(_ request: Request, _ context: VitaRequestContext, _ member: Member) async throws -> Response {
        var values = frame(member, title: strings["console.home_title"], current: "/admin")
        var abilities = ["console.can_read"]
        if member.canIssue { abilities += ["console.can_issue", "console.can_status"] }
        if member.canAudit { abilities.append("console.can_audit") }
        if member.canAdminister { abilities.append("console.can_administer") }
        values["abilities"] = abilities.map { strings[$0] }
        return withForm(request, "console_home", values)
    }

    // MARK: Achievements

    func achievements(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                      problem: String? = nil, notice: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let listed = await api.call(.get, "/api/v1/achievements?limit=200", as: member.identity, context: context)
        var values = frame(member, title: strings["console.achievements_title"], current: "/admin/achievements")
        values["achievements"] = (listed.json?["items"]?.arrayValue ?? []).compactMap { item -> [String: Any]? in
            guard let object = item.objectValue else { return nil }
            var row: [String: Any] = ["id": object["id"]?.stringValue ?? "", "name": object["name"]?.stringValue ?? "",
                                      "description": object["description"]?.stringValue ?? "",
                                      "type": object["achievementType"]?.stringValue ?? ""]
            let aligned = (object["alignments"]?.arrayValue ?? []).compactMap { alignment -> String? in
                guard let name = alignment["targetName"]?.stringValue else { return nil }
                return alignment["targetCode"]?.stringValue.map { "\($0) \(name)" } ?? name
            }
            row["alignments"] = aligned.isEmpty ? false : aligned.joined(separator: "; ")
            if let image = object["image"]?.stringValue, image.hasPrefix("data:image/") { row["image"] = image }
            return row
        }
        values["canCreate"] = member.canIssue
        if let problem { values["problem"] = problem }
        if let notice { values["notice"] = notice }
        return withForm(request, "console_achievements", values, status: status)
    }

    func createAchievement(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                           _ form: FormInput) async throws -> Response {
        var body: JSONObject
        switch await achievementBody(form, member, context, current: nil) {
        case .success(let made): body = made
        case .failure(let problem):
            return try await achievements(request, context, member, problem: problem.message, status: problem.status)
        }
        body["organizationId"] = .string(member.organizationId)
        let created = await api.call(.post, "/api/v1/achievements", body: JSONValue.object(body).serialized(),
                                     contentType: "application/json", as: member.identity, context: context)
        guard created.succeeded else {
            return try await achievements(request, context, member, problem: apiProblem(created),
                                          status: created.status)
        }
        return try await achievements(request, context, member,
                                      notice: strings.format("console.achievement_created",
                                                             ["name": body["name"]?.stringValue ?? ""]),
                                      status: .created)
    }

    /// Why a console form (an achievement's, the organization's) could not become what the API takes, and the status
    /// that says so.
    struct FormProblem: Error {
        var message: String
        var status: HTTPResponse.Status
    }

    /// An achievement's definition from the form (`ReplaceAchievement`): name, description, criteria and kind as
    /// typed; an image uploaded replaces `current`'s, else it stays unless `removeImage` is ticked; the aligned codes
    /// listed keep `current`'s alignment of that code as it is and resolve the others (``alignments(codes:_:_:)``),
    /// and alignments without a code (made through the API) stay.
    func achievementBody(_ form: FormInput, _ member: Member, _ context: VitaRequestContext,
                         current: JSONValue?) async -> Result<JSONObject, FormProblem> {
        func field(_ name: String) -> String { (form.fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        var body = JSONObject()
        body["name"] = .string(field("name"))
        body["description"] = .string(field("description"))
        body["criteriaNarrative"] = .string(field("criteria"))
        if !field("type").isEmpty { body["achievementType"] = .string(field("type")) }
        let existing = current?["alignments"]?.arrayValue ?? []
        var kept: [String: JSONValue] = [:]
        for alignment in existing { if let code = alignment["targetCode"]?.stringValue { kept[code] = alignment } }
        var newCodes: [String] = []
        var alignments: [JSONValue] = existing.filter { $0["targetCode"]?.stringValue == nil }
        for code in Self.codes(field("alignments")) {
            if let alignment = kept[code] { alignments.append(alignment) } else { newCodes.append(code) }
        }
        guard alignments.count + newCodes.count <= Self.maximumAlignments else {
            return .failure(.init(message: strings.format("console.alignment_too_many", ["limit": String(Self.maximumAlignments)]),
                                  status: .unprocessableContent))
        }
        switch await self.alignments(codes: newCodes, member, context) {
        case .success(let resolved): alignments += resolved
        case .failure(let problem): return .failure(problem)
        }
        if !alignments.isEmpty { body["alignments"] = .array(alignments) }
        switch image(form, current: current) {
        case .success(let image): body["image"] = image
        case .failure(let problem): return .failure(problem)
        }
        return .success(body)
    }

    /// The `image` a form sends: a PNG or SVG file uploaded as `image` (at most ``maxImageSize``, told by its bytes)
    /// as a `data:` URI, else `current`'s image unless `removeImage` is ticked; nil for none.
    func image(_ form: FormInput, current: JSONValue?) -> Result<JSONValue?, FormProblem> {
        if let file = form.files["image"], !file.bytes.isEmpty {
            guard file.bytes.count <= Self.maxImageSize else {
                return .failure(.init(message: strings.format("console.image_too_large", ["limit": WebStrings.size(Self.maxImageSize)]),
                                      status: .contentTooLarge))
            }
            guard let mediaType = Self.imageType(file.bytes) else {
                return .failure(.init(message: strings["console.image_not_image"], status: .unprocessableContent))
            }
            return .success(.string("data:\(mediaType);base64,\(Data(file.bytes).base64EncodedString())"))
        }
        if form.fields["removeImage"] == nil, let image = current?["image"], image != .null { return .success(image) }
        return .success(nil)
    }

    /// The most items an achievement is aligned to from the form.
    static let maximumAlignments = 50

    /// The alignments of an achievement to items of the organization's competency frameworks, named by their `codes`:
    /// each an OB 3.0 `Alignment` to the CASE item (`CFItem`, its URI, name, framework and code). A code no current
    /// item of the organization has is refused.
    func alignments(codes: [String], _ member: Member,
                    _ context: VitaRequestContext) async -> Result<[JSONValue], FormProblem> {
        var alignments: [JSONValue] = []
        for code in codes {
            let found = await api.call(.get, "/api/v1/competencies?limit=200&organizationId=\(member.organizationId)&code="
                                       + PercentEncoding.unreserved(code), as: member.identity, context: context)
            let item = (found.json?["items"]?.arrayValue ?? []).first {
                $0["retiredAt"]?.stringValue == nil && $0["caseItemURI"]?.stringValue != nil
            }
            guard let item, let uri = item["caseItemURI"]?.stringValue else {
                return .failure(.init(message: strings.format("console.alignment_unknown", ["code": code]),
                                      status: .unprocessableContent))
            }
            var alignment = JSONObject()
            alignment["targetName"] = .string(item["name"]?.stringValue ?? code)
            alignment["targetUrl"] = .string(uri)
            if let framework = item["framework"]?.stringValue { alignment["targetFramework"] = .string(framework) }
            alignment["targetCode"] = .string(code)
            alignment["targetType"] = "CFItem"
            alignments.append(.object(alignment))
        }
        return .success(alignments)
    }

    /// The competency codes a form field lists (one per line or separated by commas), each once, in order.
    static func codes(_ text: String) -> [String] {
        var codes: [String] = []
        for part in text.split(whereSeparator: { $0 == "," || $0.isNewline }) {
            let code = part.trimmingCharacters(in: .whitespaces)
            if !code.isEmpty, !codes.contains(code) { codes.append(code) }
        }
        return codes
    }

    /// The media type of a PNG or SVG image, told from its bytes; nil for anything else.
    static func imageType(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        let head = String(decoding: bytes.prefix(512), as: UTF8.self).lowercased()
        if head.contains("<svg") { return "image/svg+xml" }
        return nil
    }

    // MARK: Issuing one

    func issueForm(_ request: Request, _ context: VitaRequestContext, _ member: Member, values extra: [String: Any] = [:],
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        var values = frame(member, title: strings["console.issue_title"], current: "/admin/issue")
        let listed = await api.call(.get, "/api/v1/achievements?limit=200", as: member.identity, context: context)
        let chosen = extra["achievementId"] as? String
        values["achievements"] = (listed.json?["items"]?.arrayValue ?? []).compactMap { item -> [String: Any]? in
            guard let id = item["id"]?.stringValue else { return nil }
            return ["id": id, "name": item["name"]?.stringValue ?? id, "selected": id == chosen]
        }
        values.merge(extra) { $1 }
        return withForm(request, "console_issue", values, status: status)
    }

    func issue(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput) async throws -> Response {
        let learnerId = (form.fields["learner"] ?? "").trimmingCharacters(in: .whitespaces)
        let recordId = (form.fields["record"] ?? "").trimmingCharacters(in: .whitespaces)
        let achievementId = form.fields["achievement"] ?? ""
        let kept: [String: Any] = ["learner": learnerId, "record": recordId, "achievementId": achievementId]
        guard EntityID.isWellFormed(learnerId, prefix: "lrn"), EntityID.isWellFormed(recordId, prefix: "rec") else {
            return try await issueForm(request, context, member, values: kept.merging(["problem": strings["console.issue_ids"]]) { $1 },
                                       status: .unprocessableContent)
        }
        let body = JSONValue.object(["achievementId": .string(achievementId)]).serialized()
        let issued = await api.call(.post, "/api/v1/learners/\(learnerId)/credentials/\(recordId)/badges", body: body,
                                    contentType: "application/json", as: member.identity, context: context)
        guard issued.succeeded, let credentialId = issued.json?["verifiableCredential"]?["id"]?.stringValue else {
            return try await issueForm(request, context, member,
                                       values: kept.merging(["problem": apiProblem(issued)]) { $1 }, status: issued.status)
        }
        return try await issueForm(request, context, member,
                                   values: ["notice": strings.format("console.issued", ["id": credentialId])], status: .created)
    }

    // MARK: Bulk issuance

    func bulk(_ request: Request, _ context: VitaRequestContext, _ member: Member, problem: String? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        var values = frame(member, title: strings["console.bulk_title"], current: "/admin/bulk")
        values["limit"] = WebStrings.size(maxUploadSize)
        let jobs = await api.call(.get, "/api/v1/organizations/\(member.organizationId)/issuance-jobs", as: member.identity,
                                  context: context)
        values["jobs"] = (jobs.json?["items"]?.arrayValue ?? []).map(jobValues)
        if let problem { values["problem"] = problem }
        return withForm(request, "console_bulk", values, status: status)
    }

    func upload(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput) async throws -> Response {
        guard let file = form.files["file"], !file.bytes.isEmpty else {
            return try await bulk(request, context, member, problem: strings["console.bulk_empty"], status: .unprocessableContent)
        }
        guard let csv = String(validating: file.bytes, as: UTF8.self) else {
            return try await bulk(request, context, member, problem: strings["console.bulk_not_text"], status: .unprocessableContent)
        }
        let body = JSONValue.object(["fileName": .string(String(file.filename.prefix(200))), "csv": .string(csv)]).serialized()
        let created = await api.call(.post, "/api/v1/organizations/\(member.organizationId)/issuance-jobs", body: body,
                                     contentType: "application/json", as: member.identity, context: context)
        guard created.succeeded, let jobId = created.json?["id"]?.stringValue else {
            return try await bulk(request, context, member, problem: apiProblem(created), status: created.status)
        }
        return PageRenderer.redirect("/admin/bulk/\(jobId)")
    }

    func job(_ request: Request, _ context: VitaRequestContext, _ member: Member) async throws -> Response {
        let jobId = context.parameters.get("jobId") ?? ""
        guard EntityID.isWellFormed(jobId, prefix: "job") else { return notFound(member) }
        let found = await api.call(.get, "/api/v1/issuance-jobs/\(jobId)", as: member.identity, context: context)
        guard found.succeeded, let job = found.json else { return notFound(member) }
        var values = frame(member, title: strings["console.job_title"], current: "/admin/bulk")
        values["job"] = jobValues(job)
        return withForm(request, "console_job", values, scripts: true)
    }

    /// The values a job is shown with.
    func jobValues(_ job: JSONValue) -> [String: Any] {
        let total = job["totalRows"]?.numberValue?.intValue ?? 0
        func count(_ name: String) -> Int { job[name]?.numberValue?.intValue ?? 0 }
        let done = count("issued") + count("rejected")
        let finished = job["finished"]?.boolValue ?? false
        return [
            "id": job["id"]?.stringValue ?? "", "fileName": job["fileName"]?.stringValue ?? "", "total": total,
            "done": done, "issued": count("issued"), "rejected": count("rejected"), "pending": count("pending"),
            "finished": finished,
            "runningText": strings["console.job_running"], "finishedText": strings["console.job_finished"],
            "summary": strings.format(finished ? "console.job_finished" : "console.job_running",
                                      ["done": String(done), "total": String(total), "issued": String(count("issued")),
                                       "rejected": String(count("rejected"))]),
        ]
    }

    /// The job's progress (JSON, for the page's script) or report (CSV), as the API answers it for the member.
    func passThrough(_ request: Request, _ context: VitaRequestContext, suffix: String) async throws -> Response {
        guard let (_, member) = try await member(request, context) else {
            return Response(status: .unauthorized, headers: PageRenderer.pageHeaders())
        }
        let jobId = context.parameters.get("jobId") ?? ""
        guard EntityID.isWellFormed(jobId, prefix: "job") else { return notFound(member) }
        let answer = await api.call(.get, "/api/v1/issuance-jobs/\(jobId)\(suffix)", as: member.identity, context: context)
        var headers = HTTPFields()
        headers[.contentType] = answer.headers[.contentType] ?? "application/octet-stream"
        if let disposition = answer.headers[.contentDisposition] { headers[.contentDisposition] = disposition }
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: answer.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    func scriptResponse() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/javascript; charset=utf-8"
        headers[.cacheControl] = "public, max-age=3600"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: script))
    }

    // MARK: Issued credentials

    /// The organization's issued credentials; `searching` replaces the query's search (after a status change, the
    /// form's).
    func credentials(_ request: Request, _ context: VitaRequestContext, _ member: Member, searching: String? = nil,
                     notice: String? = nil, problem: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let search = (searching ?? request.uri.queryParameters["search"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
        let cursor = request.uri.queryParameters["cursor"].map(String.init)
        var query = "limit=50"
        if !search.isEmpty { query += "&search=" + Self.queryValue(search) }
        query += Self.cursorParameter(cursor)
        let listed = await api.call(.get, "/api/v1/organizations/\(member.organizationId)/credentials?\(query)",
                                    as: member.identity, context: context)
        var values = frame(member, title: strings["console.credentials_title"], current: "/admin/credentials")
        values["search"] = search
        values["canChange"] = member.canIssue
        values["canOpenLearner"] = member.canIssue
        values["credentials"] = (listed.json?["items"]?.arrayValue ?? []).map { item -> [String: Any] in
            let state = item["status"]?.stringValue ?? "active"
            return ["credentialId": item["credentialId"]?.stringValue ?? "", "learnerId": item["learnerId"]?.stringValue ?? "",
                    "achievementId": item["achievementId"]?.stringValue ?? "",
                    "issuedAt": item["issuedAt"]?.stringValue ?? "",
                    "status": strings["console.status_\(state)"], "statusClass": state,
                    "active": state == "active", "suspended": state == "suspended", "canChange": member.canIssue && state != "revoked"]
        }
        if let next = listed.json?["nextCursor"]?.stringValue {
            values["next"] = "/admin/credentials?" + (search.isEmpty ? "" : "search=\(Self.queryValue(search))&")
                + "cursor=\(Self.queryValue(next))"
        }
        if let notice { values["notice"] = notice }
        if let problem { values["problem"] = problem }
        return withForm(request, "console_credentials", values, status: status)
    }

    func changeStatus(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                      _ form: FormInput) async throws -> Response {
        let credentialId = form.fields["credentialId"] ?? ""
        let action = form.fields["action"] ?? ""
        let search = form.fields["search"] ?? ""
        guard ["revoke", "suspend", "unsuspend"].contains(action), !credentialId.isEmpty else {
            return try await credentials(request, context, member, searching: search, problem: strings["input.bad_form"],
                                         status: .badRequest)
        }
        var body = JSONObject()
        body["credentialId"] = .string(credentialId)
        body["action"] = .string(action)
        let reason = (form.fields["reason"] ?? "").trimmingCharacters(in: .whitespaces)
        if !reason.isEmpty { body["reason"] = .string(reason) }
        let changed = await api.call(.post, "/credentials/status", body: JSONValue.object(body).serialized(),
                                     contentType: "application/json", as: member.identity, context: context)
        guard changed.succeeded else {
            return try await credentials(request, context, member, searching: search, problem: apiProblem(changed),
                                         status: changed.status)
        }
        return try await credentials(request, context, member, searching: search,
                                     notice: strings.format("console.status_changed_\(action)", ["id": credentialId]))
    }

    // MARK: Audit

    func audit(_ request: Request, _ context: VitaRequestContext, _ member: Member,
               verification: [String: Any]?, status: HTTPResponse.Status = .ok) async throws -> Response {
        var values = frame(member, title: strings["console.audit_title"], current: "/admin/audit")
        // Two lists page on their own: the entries (`cursor`) and the archives (`archives`); each link keeps the other's place.
        let cursor = request.uri.queryParameters["cursor"].map(String.init)
        let archivesCursor = request.uri.queryParameters["archives"].map(String.init)
        func page(entries: String?, archives: String?) -> String {
            let query = [entries.map { "cursor=" + Self.queryValue($0) }, archives.map { "archives=" + Self.queryValue($0) }]
                .compactMap { $0 }.joined(separator: "&")
            return "/admin/audit" + (query.isEmpty ? "" : "?" + query)
        }
        let path = "/api/v1/audit?limit=100" + Self.cursorParameter(cursor)
        let listed = await api.call(.get, path, as: member.identity, context: context)
        guard listed.succeeded else {
            values["problem"] = apiProblem(listed)
            return withForm(request, "console_audit", values, status: listed.status)
        }
        values["entries"] = (listed.json?["items"]?.arrayValue ?? []).map { entry -> [String: Any] in
            ["sequence": entry["sequence"]?.numberValue?.description ?? "", "at": entry["occurredAt"]?.stringValue ?? "",
             "actor": "\(entry["actor"]?["kind"]?.stringValue ?? ""):\(entry["actor"]?["id"]?.stringValue ?? "")",
             "action": entry["action"]?.stringValue ?? "", "outcome": entry["outcome"]?.stringValue ?? "",
             "reason": entry["reason"]?.stringValue ?? ""]
        }
        if let next = listed.json?["nextCursor"]?.stringValue {
            values["next"] = page(entries: next, archives: archivesCursor)
        }
        // The archives made with `vita audit archive`: what left the database, and the digest each file must have.
        let archivesPath = "/api/v1/audit/archives?limit=100" + Self.cursorParameter(archivesCursor)
        let archives = await api.call(.get, archivesPath, as: member.identity, context: context)
        let archiveRows = (archives.json?["items"]?.arrayValue ?? []).map { archive -> [String: Any] in
            ["range": "\(archive["firstSequence"]?.numberValue?.description ?? "")–\(archive["lastSequence"]?.numberValue?.description ?? "")",
             "cutOff": archive["cutOff"]?.stringValue ?? "", "archivedAt": archive["archivedAt"]?.stringValue ?? "",
             "digest": archive["digest"]?.stringValue ?? ""]
        }
        values["archives"] = archiveRows
        values["hasArchives"] = !archiveRows.isEmpty
        if let next = archives.json?["nextCursor"]?.stringValue {
            values["nextArchives"] = page(entries: cursor, archives: next)
        }
        if let verification { values["verification"] = verification }
        return withForm(request, "console_audit", values, status: status)
    }

    func verifyChain(_ request: Request, _ context: VitaRequestContext, _ member: Member,
                     _ form: FormInput) async throws -> Response {
        let answer = await api.call(.get, "/api/v1/audit/verification", as: member.identity, context: context)
        guard answer.succeeded, let result = answer.json else {
            return try await audit(request, context, member, verification: ["message": apiProblem(answer), "tone": "bad"],
                                   status: answer.status)
        }
        let checked = result["checked"]?.numberValue?.description ?? "0"
        let intact = result["intact"]?.boolValue ?? false
        let archived = result["archivedThrough"]?.numberValue?.description
        let anchor = result["anchor"]?.stringValue.map { " " + strings.format("console.chain_anchor", ["anchor": $0]) } ?? ""
        let message = intact
            ? (archived.map { strings.format("console.chain_intact_archived", ["checked": checked, "archived": $0]) }
                ?? strings.format("console.chain_intact", ["checked": checked])) + anchor
            : strings.format("console.chain_broken", ["sequence": result["firstBrokenSequence"]?.numberValue?.description ?? "?",
                                                      "reason": result["reason"]?.stringValue ?? ""])
        return try await audit(request, context, member, verification: ["message": message, "tone": intact ? "good" : "bad"])
    }

    // MARK: Keys

    func keys(_ request: Request, _ context: VitaRequestContext, _ member: Member, notice: String?,
              problem: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        var values = frame(member, title: strings["console.keys_title"], current: "/admin/keys")
        let listed = await api.call(.get, "/api/v1/organizations/\(member.organizationId)/keys?limit=200", as: member.identity,
                                    context: context)
        values["keys"] = (listed.json?["items"]?.arrayValue ?? []).map { key -> [String: Any] in
            ["id": key["id"]?.stringValue ?? "", "algorithm": key["algorithm"]?.stringValue ?? "",
             "did": key["did"]?.stringValue ?? key["verificationMethod"]?.stringValue ?? "",
             "createdAt": key["createdAt"]?.stringValue ?? "",
             "state": key["retiredAt"]?.stringValue == nil ? strings["console.key_current"] : strings["console.key_retired"]]
        }
        values["didWeb"] = "/organizations/\(member.organizationId)/did.json"
        values["canRotate"] = member.canAdminister
        if let notice { values["notice"] = notice }
        if let problem { values["problem"] = problem }
        return withForm(request, "console_keys", values, status: status)
    }

    func rotateKey(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput) async throws -> Response {
        let type = ["ed25519", "p256", "rsa"].contains(form.fields["type"] ?? "") ? form.fields["type"]! : "ed25519"
        let created = await api.call(.post, "/api/v1/organizations/\(member.organizationId)/keys",
                                     body: JSONValue.object(["type": .string(type)]).serialized(),
                                     contentType: "application/json", as: member.identity, context: context)
        guard created.succeeded else {
            return try await keys(request, context, member, notice: nil, problem: apiProblem(created), status: created.status)
        }
        return try await keys(request, context, member, notice: strings["console.key_rotated"], status: .created)
    }

    // MARK: Staff

    func staff(_ request: Request, _ context: VitaRequestContext, _ member: Member, notice: String? = nil,
               problem: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        var values = frame(member, title: strings["console.staff_title"], current: "/admin/staff")
        let listed = await api.call(.get, "/api/v1/organizations/\(member.organizationId)/staff?limit=200", as: member.identity,
                                    context: context)
        values["staff"] = (listed.json?["items"]?.arrayValue ?? []).map { account -> [String: Any] in
            let id = account["id"]?.stringValue ?? ""
            let disabled = account["disabled"]?.boolValue ?? false
            return ["id": id, "name": account["displayName"]?.stringValue ?? "", "login": account["login"]?.stringValue ?? "",
                    "role": strings["console.role_\(account["role"]?.stringValue ?? "")"],
                    "state": strings[disabled ? "console.staff_disabled" : "console.staff_active"],
                    "canDisable": member.canAdminister && !disabled && id != member.staffId,
                    "canReset": member.canAdminister && id != member.staffId]
        }
        values["canCreate"] = member.canAdminister
        if let notice { values["notice"] = notice }
        if let problem { values["problem"] = problem }
        return withForm(request, "console_staff", values, status: status)
    }

    func createStaff(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput) async throws -> Response {
        var body = JSONObject()
        for (field, name) in [("login", "login"), ("password", "password"), ("role", "role"), ("displayName", "name")] {
            body[field] = .string((form.fields[name] ?? "").trimmingCharacters(in: field == "password" ? [] : .whitespaces))
        }
        let created = await api.call(.post, "/api/v1/organizations/\(member.organizationId)/staff",
                                     body: JSONValue.object(body).serialized(), contentType: "application/json",
                                     as: member.identity, context: context)
        guard created.succeeded else {
            return try await staff(request, context, member, problem: apiProblem(created), status: created.status)
        }
        return try await staff(request, context, member, notice: strings.format("console.staff_created",
                                                                                 ["login": created.json?["login"]?.stringValue ?? ""]),
                               status: .created)
    }

    func disableStaff(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput) async throws -> Response {
        try await actOnStaff(request, context, member, form, action: "disable", body: nil, notice: "console.staff_disabled_notice")
    }

    /// An administrator sets a new password for another member of the organization (its sessions end).
    func resetPassword(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput) async throws -> Response {
        let body = JSONValue.object(["newPassword": .string(form.fields["password"] ?? "")]).serialized()
        return try await actOnStaff(request, context, member, form, action: "password", body: body,
                                    notice: "console.staff_password_reset")
    }

    /// Posts `body` (JSON) to `/api/v1/staff/{staffId}/{action}` for the member the form names, and shows the staff
    /// page with the notice `notice` (naming the account's login) or the API's refusal.
    private func actOnStaff(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput,
                            action: String, body: [UInt8]?, notice: String) async throws -> Response {
        let id = form.fields["staffId"] ?? ""
        guard EntityID.isWellFormed(id, prefix: "stf") else {
            return try await staff(request, context, member, problem: strings["input.bad_form"], status: .badRequest)
        }
        let answer = await api.call(.post, "/api/v1/staff/\(id)/\(action)", body: body,
                                    contentType: body == nil ? nil : "application/json", as: member.identity, context: context)
        guard answer.succeeded else {
            return try await staff(request, context, member, problem: apiProblem(answer), status: answer.status)
        }
        return try await staff(request, context, member,
                               notice: strings.format(notice, ["login": answer.json?["login"]?.stringValue ?? ""]))
    }

    /// The signed-in member changes their own password with the current one; every session of theirs ends, this one
    /// too, so they sign in again with the new password.
    func changeOwnPassword(_ request: Request, _ context: VitaRequestContext, _ member: Member, _ form: FormInput) async throws -> Response {
        let new = form.fields["new_password"] ?? ""
        guard new == form.fields["confirm_password"] ?? "" else {
            return try await staff(request, context, member, problem: strings["console.password_mismatch"],
                                   status: .unprocessableContent)
        }
        let body = JSONValue.object(["currentPassword": .string(form.fields["current_password"] ?? ""),
                                     "newPassword": .string(new)]).serialized()
        let changed = await api.call(.post, "/api/v1/staff/me/password", body: body, contentType: "application/json",
                                     as: member.identity, context: context)
        guard changed.succeeded else {
            return try await staff(request, context, member, problem: apiProblem(changed), status: changed.status)
        }
        return PageRenderer.redirect("/admin/sign-in?password-changed=1", cookies: [sessions.clearingCookie(.staff)])
    }

    // MARK: Helpers

    /// `&cursor=…` for the page after `cursor`, or nothing for the first page.
    static func cursorParameter(_ cursor: String?) -> String {
        cursor.map { "&cursor=" + queryValue($0) } ?? ""
    }

    /// `text` percent-encoded for a URL's query (everything but RFC 3986's unreserved characters).
    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    /// The API's reason for a refusal, in a sentence for the page.
    func apiProblem(_ answer: APIResponse) -> String {
        if answer.status == .forbidden { return strings.format("console.forbidden", ["reason": answer.problemDetail ?? ""]) }
        return strings.format("console.api_problem", ["reason": answer.problemDetail ?? strings["error.generic"]])
    }

    func notFound(_ member: Member) -> Response {
        renderer.message(title: strings["console.not_found_title"], message: strings["console.not_found"], status: .notFound)
    }

    /// Renders a page that holds forms: with a CSRF token (and the cookie it pairs with, when the browser has none).
    func withForm(_ request: Request, _ template: String, _ values: [String: Any],
                  status: HTTPResponse.Status = .ok, scripts: Bool = false) -> Response {
        renderer.formPage(template, values, request: request, csrf: csrf, status: status, scripts: scripts)
    }
}
