import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaIssuance
import VitaJSON
import VitaStorage

/// Bulk issuance from a CSV file (the issuer console's upload): the job and each row live in the database, so any
/// node answers the job's progress and report, and `IssuanceJobWorker` issues the rows in the background. Also the
/// organization's issued credentials, listed and searched.
struct IssuanceJobRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    /// Replays creations for a repeated `Idempotency-Key`.
    let idempotency: Idempotency
    let worker: IssuanceJobWorker

    struct Create: Decodable {
        var fileName: String?
        var csv: String
    }

    /// A job as the API shows it.
    struct View: Encodable {
        var id: String
        var organizationId: String
        var fileName: String
        var createdBy: String
        var totalRows: Int
        var issued: Int
        var rejected: Int
        var pending: Int
        var finished: Bool
        var createdAt: Date
        var finishedAt: Date?

        init(_ job: IssuanceJob, _ progress: IssuanceJobProgress) {
            id = job.id
            organizationId = job.organizationId
            fileName = job.fileName
            createdBy = job.createdBy
            totalRows = job.totalRows
            issued = progress.issued
            rejected = progress.rejected
            pending = progress.pending
            finished = progress.pending == 0
            createdAt = job.createdAt
            finishedAt = job.finishedAt
        }
    }

    /// An issued credential in the organization's list.
    struct CredentialView: Encodable {
        var id: String
        var credentialId: String
        var learnerId: String
        var recordId: String
        var achievementId: String
        var issuedAt: Date
        var issuedBy: String
        var status: String

        init(_ summary: IssuedCredentialSummary) {
            id = summary.id
            credentialId = summary.credentialId
            learnerId = summary.learnerId
            recordId = summary.recordId
            achievementId = summary.achievementId
            issuedAt = summary.createdAt
            issuedBy = summary.issuedBy
            status = summary.revoked ? "revoked" : summary.suspended ? "suspended" : "active"
        }
    }

    func register(in catalog: RouteCatalog) {
        let organizationJobs = "/api/v1/organizations/{organizationId}/issuance-jobs"
        catalog.add(Operation(method: .post, path: organizationJobs, operationId: "createIssuanceJob",
                              summary: "Issue Open Badges in bulk from a CSV file (header learner_id, record_id, achievement_id): answers at once with the job, whose rows are issued in the background; poll the job for progress",
                              tag: "Credentials", access: .admin, query: [], headers: [Idempotency.header],
                              requestSchema: "CreateIssuanceJob", success: (202, "IssuanceJob"),
                              errors: [400, 401, 403, 404, 413, 422])) { request, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            let principal = context.principal!
            try StaffAccess.requireOwn(principal, organizationId: organizationId)
            let (input, raw) = try await reader.decode(Create.self, from: request)
            let parsed: (rows: [IssuanceCSV.Row], badLines: [IssuanceCSV.BadLine])
            do throws(IssuanceError) {
                parsed = try IssuanceCSV.parse(Array(input.csv.utf8))
            } catch {
                throw ValidationFailures([.invalidField("csv", error.reason)])
            }
            guard !parsed.rows.isEmpty || !parsed.badLines.isEmpty else {
                throw ValidationFailures([.invalidField("csv", "has no rows under its header")])
            }
            let fileName = String((input.fileName ?? "upload.csv").prefix(200))
            let now = Timestamp.truncated(gate.clock())
            let actor = principal.actor
            let job = IssuanceJob(id: EntityID.make("job", now: now), organizationId: organizationId,
                                  createdBy: "\(actor.kind.rawValue):\(actor.id)", fileName: fileName,
                                  totalRows: parsed.rows.count + parsed.badLines.count, createdAt: now, updatedAt: now)
            let rows = parsed.rows.map { IssuanceJobRow(line: $0.line, learnerId: $0.learnerId, recordId: $0.recordId,
                                                        achievementId: $0.achievementId) }
                + parsed.badLines.map { IssuanceJobRow(line: $0.line, learnerId: "", recordId: "", achievementId: "",
                                                       status: .rejected, reason: $0.reason) }
            let key = try Idempotency.key(request)
            let digest = Idempotency.digest(request, body: raw)
            let (outcome, replayed) = try await database.transaction { tx in
                try await idempotency.once(tx, principal: principal, key: key, digest: digest, now: now, learnerId: nil) {
                    guard try await tx.organization(id: organizationId) != nil else { throw Problem.notFound("organization") }
                    try await tx.insert(job, rows: rows)
                    try await tx.touchIssuanceJob(id: job.id, at: now)
                    try await gate.audit(tx, principal, action: "issuance-job.create")
                    let progress = try await tx.issuanceJobProgress(id: job.id)
                    return Idempotency.Outcome(status: 202, location: "/api/v1/issuance-jobs/\(job.id)",
                                               body: try Idempotency.encode(View(job, progress)))
                }
            }
            // A replayed request's job was started by the first (and resumed by the sweep if its node stopped).
            if !replayed { worker.start(job.id) }
            return Idempotency.response(outcome, replayed: replayed)
        }
        catalog.add(Operation(method: .get, path: organizationJobs, operationId: "listIssuanceJobs",
                              summary: "The organization's bulk issuance jobs, newest first",
                              tag: "Credentials", access: .admin, query: AdminRoutes.pagingQuery, headers: [],
                              requestSchema: nil, success: (200, "IssuanceJobList"),
                              errors: [400, 401, 403, 404])) { request, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            try StaffAccess.requireOwn(context.principal!, organizationId: organizationId)
            let (cursor, limit) = try reader.paging(request)
            let (views, next) = try await database.read { tx -> ([View], String?) in
                let page = try await tx.issuanceJobs(organizationId: organizationId, before: cursor, limit: limit)
                var views: [View] = []
                for job in page.items {
                    views.append(View(job, try await tx.issuanceJobProgress(id: job.id)))
                }
                return (views, page.nextCursor)
            }
            return try APIJSON.response(DTO.List(items: views, nextCursor: next))
        }
        let job = "/api/v1/issuance-jobs/{jobId}"
        catalog.add(Operation(method: .get, path: job, operationId: "getIssuanceJob",
                              summary: "A bulk issuance job's progress: rows issued, rejected and pending",
                              tag: "Credentials", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (200, "IssuanceJob"), errors: [401, 403, 404])) { _, context in
            let view = try await database.read { tx -> View in
                let found = try await ownJob(tx, context)
                return View(found, try await tx.issuanceJobProgress(id: found.id))
            }
            return try APIJSON.response(view)
        }
        catalog.add(Operation(method: .get, path: "\(job)/report", operationId: "getIssuanceJobReport",
                              summary: "A bulk issuance job's report as CSV: each line of the file, issued (with the credential id) or rejected (with the reason)",
                              tag: "Credentials", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (200, nil), errors: [401, 403, 404], successMediaTypes: ["text/csv"])) { _, context in
            let (found, rows) = try await database.read { tx -> (IssuanceJob, [IssuanceJobRow]) in
                let found = try await ownJob(tx, context)
                return (found, try await tx.issuanceJobRows(jobId: found.id))
            }
            let text = IssuanceCSV.report(rows.map { ($0.line, $0.status == .issued ? $0.credentialId : nil, $0.reason) })
            var headers = HTTPFields()
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"\(found.id)-report.csv\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        catalog.add(Operation(method: .post, path: "\(job)/resume", operationId: "resumeIssuanceJob",
                              summary: "Resume a bulk issuance job whose node stopped: its pending rows are issued in the background (rows done are never issued again)",
                              tag: "Credentials", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (202, "IssuanceJob"), errors: [401, 403, 404])) { _, context in
            let principal = context.principal!
            let view = try await database.transaction { tx -> View in
                let found = try await ownJob(tx, context)
                try await gate.audit(tx, principal, action: "issuance-job.resume")
                return View(found, try await tx.issuanceJobProgress(id: found.id))
            }
            if !view.finished { worker.start(view.id) }
            return try APIJSON.response(view, status: .accepted)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/organizations/{organizationId}/credentials",
                              operationId: "listOrganizationCredentials",
                              summary: "The credentials the organization issued, newest first, with their status; search matches part of a credential, learner, record or achievement id",
                              tag: "Credentials", access: .admin,
                              query: AdminRoutes.pagingQuery + [("search", "string", "Part of a credential, learner, record or achievement id")],
                              headers: [], requestSchema: nil, success: (200, "OrganizationCredentialList"),
                              errors: [400, 401, 403])) { request, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            try StaffAccess.requireOwn(context.principal!, organizationId: organizationId)
            let (cursor, limit) = try reader.paging(request)
            let search = request.uri.queryParameters.get("search").map { String($0.prefix(200)) }
            let page = try await database.read {
                try await $0.issuedCredentials(organizationId: organizationId, search: search, after: cursor, limit: limit)
            }
            return try APIJSON.response(DTO.List(items: page.items.map(CredentialView.init), nextCursor: page.nextCursor))
        }
    }

    /// The job the path names, when the caller may see it (staff: their organization's only; others are not found).
    private func ownJob(_ tx: StoreTransaction, _ context: VitaRequestContext) async throws -> IssuanceJob {
        let id = try reader.id(context, "jobId", prefix: "job", what: "issuance job")
        guard let found = try await tx.issuanceJob(id: id),
              context.principal?.organizationId.map({ $0 == found.organizationId }) ?? true else {
            throw Problem.notFound("issuance job")
        }
        return found
    }
}
