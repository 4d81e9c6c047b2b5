import Foundation
import HTTPTypes
import Hummingbird
import VitaCore
import VitaJSON
import VitaStorage
import VitaXAPI

/// `POST /api/v1/xapi/statements`: a connected system (an LMS, an LRS forwarding statements) sends xAPI statements,
/// and those the rules map (`XAPIRules`, `docs/XAPI.md`) become learning experiences and demonstrated competencies of
/// the learner, with the statement as their provenance. Vita is not a Learning Record Store: it keeps what the
/// statements mean for the learner record, not the statements.
///
/// Each statement is applied on its own (one transaction, under the agreements, audited) and answered with its
/// outcome, so a batch with a refused statement still records the others; statements are idempotent (a statement
/// sent again changes nothing), so a client retries a whole batch safely.
struct XAPIRoutes {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader

    /// The most statements one request may carry.
    static let maximumStatements = 500

    func register(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .post, path: "/api/v1/xapi/statements", operationId: "postXAPIStatements",
                              summary: "Record xAPI statements (one or an array): completed, passed and failed activities become learning experiences, mastered CASE items demonstrated competencies; each statement's outcome is answered",
                              tag: "Records", access: .principal, query: [],
                              headers: [("X-Experience-API-Version", false, "1.0.x or 2.0.x when sent")],
                              requestSchema: "XAPIStatements", success: (200, "XAPIStatementResults"),
                              errors: [400, 401, 403, 413])) { request, context in
            guard case .system(let system)? = context.principal else {
                throw Problem.forbidden("xAPI statements are asserted by a connected system, which the records' provenance names")
            }
            if let version = request.headers[HTTPField.Name("X-Experience-API-Version")!],
               !(version.hasPrefix("1.0") || version.hasPrefix("2.0")) {
                throw Problem.badRequest("X-Experience-API-Version", "must be 1.0.x or 2.0.x")
            }
            let body = try reader.value(try await reader.bytes(request))
            let statements: [JSONValue]
            switch body {
            case .array(let items): statements = items
            case .object: statements = [body]
            default: statements = []
            }
            guard (1...Self.maximumStatements).contains(statements.count) else {
                throw Problem.badRequest("body", "must be a statement or an array of 1 to \(Self.maximumStatements) statements")
            }
            var results: [JSONValue] = []
            for (index, value) in statements.enumerated() {
                results.append(try await apply(value, index: index, system: system, principal: context.principal!))
            }
            return APIJSON.response(json: .object(["results": .array(results)]), status: .ok)
        }
    }

    /// One statement's outcome: `created`, `updated`, `unchanged`, `superseded` (a later statement already set the
    /// record), `ignored` (its verb records nothing), `rejected` (field and reason) or `denied` (the agreement rule).
    private func apply(_ value: JSONValue, index: Int, system: ConnectedSystem, principal: Principal) async throws -> JSONValue {
        var result = JSONObject()
        result["index"] = .number(JSONNumber(index))
        if let id = value["id"]?.stringValue { result["id"] = .string(id) }
        func outcome(_ text: String, field: String? = nil, reason: String? = nil, rule: String? = nil,
                     recordId: String? = nil) -> JSONValue {
            result["outcome"] = .string(text)
            if let field { result["field"] = .string(field) }
            if let reason { result["reason"] = .string(reason) }
            if let rule { result["rule"] = .string(rule) }
            if let recordId { result["recordId"] = .string(recordId) }
            return .object(result)
        }
        let statement: XAPIStatement
        do {
            statement = try XAPIStatement(value)
        } catch {
            let failure = error.failures.first
            return outcome("rejected", field: failure?.field.map { $0.isEmpty ? "statement" : $0 } ?? "statement",
                           reason: failure?.reason ?? "is not a statement Vita reads")
        }
        let meaning = XAPIRules.meaning(ofVerb: statement.verb)
        let category: RecordCategory
        let now = Timestamp.truncated(gate.clock())
        switch meaning {
        case .nothing: return outcome("ignored", field: "verb.id", reason: "this verb records nothing in the learner record")
        case .experience: category = .experiences
        case .competency: category = .competencies
        case .voiding:
            do {
                let (text, recordId) = try await void(statement, system: system, principal: principal, now: now)
                return outcome(text, recordId: recordId)
            } catch let problem as Problem where problem.status == 403 {
                return outcome("denied", reason: problem.detail, rule: problem.rule)
            }
        }
        let organizationId = system.organizationId
        do {
            let learnerId = try await learner(statement.learner, system: system)
            guard let learnerId else {
                return outcome("rejected", field: "actor.account.name",
                               reason: "names no learner: a Vita learner id, or this system's own id for a learner it imported")
            }
            let (text, recordId) = try await gate.withAccess(principal, learnerId: learnerId, categories: [category],
                                                              permission: .write, action: "xapi.statement",
                                                              recordOrganizationId: organizationId) { tx, _ in
                guard let learner = try await tx.learner(id: learnerId), learner.erasure == nil else {
                    throw Problem.notFound("learner")
                }
                let body: RecordBody
                if case .experience(let status) = meaning {
                    body = .experience(XAPIRules.experience(statement, status: status, organizationId: organizationId))
                } else {
                    let known = try await tx.competencies(caseItemURI: statement.activityId)
                    guard let competency = known.first(where: { $0.organizationId == organizationId })
                        ?? known.first(where: { $0.organizationId == nil }) ?? known.first else {
                        throw XAPIRefusal(field: "object.id", reason: "is the CASE item URI of no competency Vita knows")
                    }
                    body = .competency(XAPIRules.assertion(statement, competencyId: competency.id, organizationId: organizationId))
                }
                return try await record(tx, body, statement: statement, learnerId: learnerId, system: system, now: now)
            }
            return outcome(text, recordId: recordId)
        } catch let refusal as XAPIRefusal where refusal.field == "id" {
            return outcome("ignored", field: refusal.field, reason: refusal.reason)
        } catch let refusal as XAPIRefusal {
            return outcome("rejected", field: refusal.field, reason: refusal.reason)
        } catch let failures as ValidationFailures {
            let failure = failures.failures.first
            return outcome("rejected", field: failure?.field ?? "statement", reason: failure?.reason ?? "is invalid")
        } catch let problem as Problem where problem.status == 403 {
            return outcome("denied", reason: problem.detail, rule: problem.rule)
        } catch let problem as Problem where problem.status == 404 {
            return outcome("rejected", field: "actor.account.name", reason: "names no learner")
        }
    }

    /// Writes the record the statement keeps up to date: created, a new version, or nothing when the current version
    /// came from this same statement or from a later one.
    private func record(_ tx: StoreTransaction, _ body: RecordBody, statement: XAPIStatement, learnerId: String,
                        system: ConnectedSystem, now: Date) async throws -> (String, String) {
        try body.validate()
        // Checked in the write's transaction: a statement voided before it arrived records nothing.
        if let uri = XAPIRules.rawDataURI(statement),
           try await !tx.voidedStatements(systemId: system.id, among: [uri]).isEmpty {
            throw XAPIRefusal(field: "id", reason: "this statement was voided")
        }
        let sourceId = XAPIRules.sourceRecordId(learnerId: learnerId, activityId: statement.activityId, category: body.category)
        let asserted = AssertedProvenance(sourceRecordId: sourceId, rawDataURI: XAPIRules.rawDataURI(statement),
                                          rawDigest: statement.digest, assertedAt: statement.timestamp)
        let provenance = try asserted.provenance(systemId: system.id, fallbackDigest: statement.digest, now: now)
        switch try await tx.keepSourceRecord(body, learnerId: learnerId, provenance: provenance, keepingNewer: true, now: now) {
        case .created(let id): return ("created", id)
        case .updated(let id): return ("updated", id)
        case .unchanged(let id): return ("unchanged", id)
        case .superseded(let id): return ("superseded", id)
        case .conflict:
            // The system used this source id for another record through the record API.
            throw XAPIRefusal(field: "object.id", reason: "this system's record for the activity belongs to another learner or category")
        }
    }

    /// Rule `xapi.void`: the statement the voiding statement names is taken back — remembered, so that it records
    /// nothing if it arrives (again) later, and each record it wrote goes back to its state without it: the content of
    /// the newest version from a statement still standing, or deleted when none is left. Each record's change is a
    /// write under the agreements, audited (`xapi.void`). `voided` when something changed, else `unchanged` (a
    /// voiding sent again); idempotent, so a voiding that crossed its statement in flight is applied by sending it again.
    private func void(_ statement: XAPIStatement, system: ConnectedSystem, principal: Principal,
                      now: Date) async throws -> (String, String?) {
        let uri = XAPIRules.rawDataURI(statementId: statement.voidedStatementId ?? "")
        let recordIds = try await database.read { try await $0.recordIds(system: system.id, rawDataURI: uri) }
        guard !recordIds.isEmpty else {
            // Not received (or not recorded): remembered only.
            let first = try await database.transaction { try await $0.voidStatement(systemId: system.id, statementURI: uri, at: now) }
            return (first ? "voided" : "unchanged", nil)
        }
        var changed = false
        for recordId in recordIds {
            guard let current = try await database.read({ try await $0.record(id: recordId) }) else { continue }
            let wrote = try await gate.withAccess(principal, learnerId: current.learnerId, categories: [current.category],
                                                  permission: .write, action: "xapi.void",
                                                  recordOrganizationId: current.organizationId) { tx, _ in
                var wrote = try await tx.voidStatement(systemId: system.id, statementURI: uri, at: now)
                // An erased learner's records stay as the erasure left them.
                guard try await tx.learner(id: current.learnerId)?.erasure == nil else { return wrote }
                let versions = try await tx.versions(ofRecord: recordId)
                guard let latest = versions.last else { return wrote }
                let voided = try await tx.voidedStatements(systemId: system.id, among: versions.compactMap(\.provenance.rawDataURI))
                switch XAPIRules.stateAfterVoiding(versions, voided: voided) {
                case .unchanged:
                    break
                case .restore(let standing):
                    var provenance = standing.provenance
                    provenance.recordedAt = now
                    try await tx.insert(LearnerRecord(id: recordId, learnerId: latest.learnerId, category: latest.category,
                                                      organizationId: standing.organizationId, version: latest.version + 1,
                                                      body: standing.body, provenance: provenance))
                    wrote = true
                case .delete:
                    let provenance = Provenance(systemId: system.id, sourceRecordId: latest.provenance.sourceRecordId,
                                                rawDataURI: XAPIRules.rawDataURI(statement), rawDigest: statement.digest,
                                                assertedAt: statement.timestamp ?? now, recordedAt: now)
                    try await tx.insert(LearnerRecord(
                        id: recordId, learnerId: latest.learnerId, category: latest.category, organizationId: latest.organizationId,
                        version: latest.version + 1, body: nil, provenance: provenance,
                        deletion: Tombstone(reason: "voided: the xAPI statement it came from was voided", at: now, by: system.id)))
                    wrote = true
                }
                return wrote
            }
            changed = changed || wrote
        }
        return (changed ? "voided" : "unchanged", recordIds.first)
    }

    /// The learner an actor's `account.name` names: a Vita learner id, or this system's own id for a learner.
    private func learner(_ name: String, system: ConnectedSystem) async throws -> String? {
        if EntityID.isWellFormed(name, prefix: "lrn") { return name }
        return try await database.read { try await $0.learnerId(system: system.id, sourceId: name) }
    }
}

/// A statement refused inside its transaction (nothing is written), with the member and the reason.
private struct XAPIRefusal: Error {
    let field: String
    let reason: String
}
