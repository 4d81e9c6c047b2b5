import Foundation
import Hummingbird
import NIOCore
import VitaCASE
import VitaCore
import VitaJSON
import VitaResolution
import VitaStorage

/// Competency frameworks from 1EdTech CASE 1.1 packages (`docs/CASE.md`): an organization imports a framework — the
/// package in the body, or fetched from a CASE server's `CFPackages/{id}` — and its items become competencies that
/// records, xAPI statements and badges can name by their CASE item; importing a later version updates them in place.
struct CompetencyFrameworkRoutes {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    let idempotency: Idempotency
    /// Fetches packages by URL; nil: only packages in the body are imported.
    let client: ResolutionHTTPClient?
    /// The server's body limit: a package may be larger (``packageLimit``).
    let maxBodySize: Int

    /// The largest package imported, in the body or fetched (``LearnerAPI/maximumFrameworkPackageBytes``).
    static let maximumPackageBytes = LearnerAPI.maximumFrameworkPackageBytes
    /// How long a CASE server may take to send a package.
    static let fetchTimeout: Duration = .seconds(60)

    var packageLimit: Int { max(maxBodySize, Self.maximumPackageBytes) }

    func register(in catalog: RouteCatalog) {
        let base = "/api/v1/competency-frameworks"
        catalog.add(Operation(method: .post, path: base, operationId: "importCompetencyFramework",
                              summary: "Import a CASE 1.1 competency framework package (in the body, or from a CASE server's URL): each item becomes a competency; importing the framework again updates its competencies in place and retires items it no longer holds",
                              tag: "Administration", access: .admin, query: [],
                              headers: [Idempotency.header],
                              requestSchema: "ImportCompetencyFramework", success: (201, "CompetencyFrameworkImport"),
                              errors: [400, 401, 403, 409, 413, 422, 502, 503], alsoSucceeds: [200],
                              bodyLimit: packageLimit)) { request, context in
            try await importFramework(request, context)
        }
        catalog.add(Operation(method: .get, path: base, operationId: "listCompetencyFrameworks",
                              summary: "List imported competency frameworks, oldest first",
                              tag: "Administration", access: .principal,
                              query: AdminRoutes.pagingQuery + [("organizationId", "string", "Only the frameworks this organization imported")],
                              headers: [], requestSchema: nil, success: (200, "CompetencyFrameworkList"),
                              errors: [400, 401])) { request, _ in
            let (cursor, limit) = try reader.paging(request)
            let organizationId = request.uri.queryParameters["organizationId"].map(String.init)
            let page = try await database.read {
                try await $0.competencyFrameworks(organizationId: organizationId, after: cursor, limit: limit)
            }
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "\(base)/{frameworkId}", operationId: "getCompetencyFramework",
                              summary: "An imported competency framework: its CASE document and where the last import's package came from",
                              tag: "Administration", access: .principal, query: [], headers: [], requestSchema: nil,
                              success: (200, "CompetencyFramework"), errors: [401, 404], conditional: true)) { _, context in
            let framework = try await framework(context)
            return try APIJSON.response(framework, headers: [.eTag: framework.entityTag])
        }
        catalog.add(Operation(method: .get, path: "\(base)/{frameworkId}/competencies", operationId: "listFrameworkCompetencies",
                              summary: "The competencies of an imported framework (retired ones too), oldest first, each with its parent and position",
                              tag: "Administration", access: .principal, query: AdminRoutes.pagingQuery, headers: [],
                              requestSchema: nil, success: (200, "CompetencyList"), errors: [400, 401, 404])) { request, context in
            let framework = try await framework(context)
            let (cursor, limit) = try reader.paging(request)
            let page = try await database.read {
                try await $0.competencies(frameworkId: framework.id, after: cursor, limit: limit)
            }
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }
    }

    private func framework(_ context: VitaRequestContext) async throws -> CompetencyFramework {
        let id = try reader.id(context, "frameworkId", prefix: "cfw", what: "competency framework")
        guard let framework = try await database.read({ try await $0.competencyFramework(id: id) }) else {
            throw Problem.notFound("competency framework")
        }
        return framework
    }

    private func importFramework(_ request: Request, _ context: VitaRequestContext) async throws -> Response {
        let principal = context.principal!
        let raw = try await reader.bytes(request, upTo: packageLimit)
        let body = try reader.object(raw)
        guard let organizationId = try body.optionalString("organizationId") else {
            throw Problem.unprocessable("organizationId", "is required: the organization importing the framework")
        }
        try StaffAccess.requireOwn(principal, organizationId: organizationId)
        let strict: Bool
        switch try body.optionalString("conformance") ?? "lenient" {
        case "lenient": strict = false
        case "strict": strict = true
        default: throw Problem.unprocessable("conformance", "must be lenient or strict")
        }
        let packageValue = body["package"].flatMap { $0 == .null ? nil : $0 }
        let packageURL = try body.optionalString("packageURL")
        let value: JSONValue
        let field: String
        switch (packageValue, packageURL) {
        case (let given?, nil): (value, field) = (given, "package")
        case (nil, let url?): (value, field) = (try await fetch(url), "packageURL")
        default: throw Problem.unprocessable("package", "give the package itself or its packageURL, one of them")
        }
        let package: CASEPackage
        do {
            package = try CASEPackage(value)
        } catch let failures {
            var named = ValidationFailures()
            named.merge(failures, prefix: field)
            throw named
        }
        if strict, package.deviationCount > 0 {
            throw Problem(status: 422, title: "Unprocessable Content",
                          detail: "\(field): the package deviates from CASE 1.1 in \(package.deviationCount) "
                              + (package.deviationCount == 1 ? "place" : "places") + " (conformance strict)",
                          errors: package.deviations.map { .init(field: field + $0.path, reason: $0.reason) })
        }

        let key = try Idempotency.key(request)
        let digest = Idempotency.digest(request, body: ByteBuffer(bytes: raw))
        let now = Timestamp.truncated(gate.clock())
        let idempotency = idempotency
        let gate = gate
        // Two imports of one framework at once: the later one's insert or update finds the earlier one's and fails;
        // tried again it reads what the earlier one wrote.
        @Sendable func attempt() async throws -> (outcome: Idempotency.Outcome, replayed: Bool) {
            try await database.transaction { tx in
                try await idempotency.once(tx, principal: principal, key: key, digest: digest, now: now, learnerId: nil) {
                    let plan = try await CASEFrameworkImport.apply(package, organizationId: organizationId,
                                                                   retrievedFrom: packageURL, now: now, in: tx)
                    try await gate.audit(tx, principal, action: "competency-framework.import", reason: plan.counts)
                    let result = DTO.CompetencyFrameworkImport(
                        framework: plan.framework, created: plan.created.count, updated: plan.updated.count,
                        retired: plan.retired.count, unchanged: plan.unchangedCount, deviationCount: package.deviationCount,
                        deviations: package.deviations.map { .init(path: $0.path, reason: $0.reason) })
                    return Idempotency.Outcome(status: plan.isNewFramework ? 201 : 200,
                                               location: "/api/v1/competency-frameworks/\(plan.framework.id)",
                                               body: try Idempotency.encode(result))
                }
            }
        }
        let (outcome, replayed): (Idempotency.Outcome, Bool)
        do {
            (outcome, replayed) = try await attempt()
        } catch let error as StorageError where error.code == .conflict || error.code == .versionConflict {
            (outcome, replayed) = try await attempt()
        }
        return Idempotency.response(outcome, replayed: replayed)
    }

    /// The package at `url` (a CASE server's `CFPackages/{id}`), under the outbound policy.
    private func fetch(_ url: String) async throws -> JSONValue {
        guard URLCheck.isAbsolute(url), url.lowercased().hasPrefix("https://") || url.lowercased().hasPrefix("http://") else {
            throw Problem.unprocessable("packageURL", "must be the https URL where a CASE server serves the package")
        }
        guard let client else {
            throw Problem(status: 503, title: "Service Unavailable",
                          detail: "this server fetches no packages (outbound requests are off): send the package itself")
        }
        let response: OutboundResponse
        do {
            response = try await client.send(OutboundRequest(method: "GET", url: url, headers: [("Accept", "application/json")],
                                                             maxResponseBytes: Self.maximumPackageBytes,
                                                             timeout: Self.fetchTimeout))
        } catch {
            if let refusal = error.refusal(field: "packageURL", what: "the package's URL") { throw refusal }
            throw Problem(status: 502, title: "Bad Gateway", detail: "packageURL: the package could not be fetched (\(error.reason))")
        }
        guard (200..<300).contains(response.status) else {
            throw Problem(status: 502, title: "Bad Gateway",
                          detail: "packageURL: the CASE server answered HTTP \(response.status)")
        }
        do {
            return try JSONValue(parsing: response.body)
        } catch {
            throw Problem.unprocessable("packageURL", "did not answer with JSON: \(error)")
        }
    }
}

extension CASEFrameworkImport {
    /// Imports `package` for `organizationId` in `tx` (`docs/CASE.md`, "Rules of an import"): works out the import
    /// against what an earlier import of the framework left and stores it — the framework, new competencies, changed
    /// and retired ones. The API's import and `vita frameworks import` both call it, each in its own transaction with
    /// its own audit entry. Throws ``ValidationFailures`` naming `organizationId` when there is no such organization.
    public static func apply(_ package: CASEPackage, organizationId: String, retrievedFrom: String?, now: Date,
                             in tx: StoreTransaction) async throws -> CASEFrameworkImport {
        guard try await tx.organization(id: organizationId) != nil else {
            throw ValidationFailures([.invalidField("organizationId", "no such organization")])
        }
        let existing = try await tx.competencyFramework(organizationId: organizationId, caseIdentifier: package.document.identifier)
        // The same package again changes nothing: its competencies need not be read.
        var competencies: [Competency] = []
        if let existing, !isUnchanged(package, existing) {
            competencies = try await tx.competencies(frameworkId: existing.id)
        }
        let plan = CASEFrameworkImport(package: package, organizationId: organizationId, retrievedFrom: retrievedFrom,
                                       existing: existing, existingCompetencies: competencies, now: now,
                                       makeID: { EntityID.make($0, now: now) })
        if plan.isNewFramework {
            try await tx.insert(plan.framework)
        } else if let existing, plan.changesSomething {
            try await tx.update(plan.framework, expectedVersion: existing.version)
        }
        try await tx.insert(plan.created)
        for competency in plan.updated + plan.retired { try await tx.update(competency) }
        return plan
    }
}

extension LearnerAPI {
    /// The largest competency framework package imported, in a request's body or fetched from a CASE server: a
    /// state's standards run to several megabytes, so it is above the server's usual body limit.
    public static let maximumFrameworkPackageBytes = 32 << 20
}

extension DTO {
    /// What an import did: `created` new competencies, `updated` changed ones in place, `retired` those whose items left
    /// the framework, `unchanged` the rest; and where the package deviates from CASE 1.1.
    struct CompetencyFrameworkImport: Encodable {
        struct Deviation: Encodable {
            let path: String
            let reason: String
        }

        let framework: CompetencyFramework
        let created: Int
        let updated: Int
        let retired: Int
        let unchanged: Int
        let deviationCount: Int
        let deviations: [Deviation]
    }
}
