import Foundation
import Hummingbird
import VitaCore
import VitaCredentials
import VitaJSON
import VitaResolution
import VitaStorage

/// Where the learner's data came from, for the wallet: the names of the organizations and systems that appear in the
/// learner's records, credentials and consents (`GET /api/v1/me/sources`), and one record's provenance with a live
/// check of its raw data (`GET /api/v1/me/records/{recordId}/raw-data-check`): Vita fetches the raw data from where
/// the asserting system said it lives — only through VitaResolution's outbound policy (https only, no private
/// addresses, one deadline, a size cap) — and says whether its SHA-256 still matches the digest recorded with the
/// record, or why it could not be checked.
struct WalletProvenanceRoutes: Sendable {
    let database: VitaDatabase
    let reader: RequestReader
    let client: ResolutionHTTPClient?
    let clock: @Sendable () -> Date

    func register(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .get, path: "/api/v1/me/sources", operationId: "listMySources",
                              summary: "The organizations and systems my records, credentials and consents come from, and the competencies my records name, with their names",
                              tag: "Wallet", access: .learner, query: [], headers: [], requestSchema: nil,
                              success: (200, "WalletSources"), errors: [401, 403])) { _, context in
            let learnerId = context.token!.learnerId!
            let sources = try await database.read { tx in try await Self.sources(tx, learnerId: learnerId) }
            return APIJSON.response(json: sources, status: .ok)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/me/records/{recordId}/raw-data-check", operationId: "checkMyRecordRawData",
                              summary: "One of my records' provenance, and whether its raw data (fetched now from where the asserting system said it lives) still matches the recorded digest",
                              tag: "Wallet", access: .learner, query: [], headers: [], requestSchema: nil,
                              success: (200, "RawDataCheck"), errors: [401, 403, 404])) { _, context in
            let learnerId = context.token!.learnerId!
            let recordId = try reader.id(context, "recordId", prefix: "rec", what: "record")
            let found = try await database.read { tx -> (LearnerRecord, JSONValue)? in
                guard let record = try await tx.record(id: recordId), record.learnerId == learnerId else { return nil }
                var names = JSONObject()
                if let system = try await tx.system(id: record.provenance.systemId)?.system {
                    names["systemName"] = .string(system.name)
                    if let organization = try await tx.organization(id: system.organizationId) {
                        names["systemOrganizationName"] = .string(organization.name)
                    }
                }
                if let organization = try await tx.organization(id: record.organizationId) {
                    names["organizationName"] = .string(organization.name)
                }
                return (record, .object(names))
            }
            guard let (record, names) = found else { throw Problem.notFound("record") }
            var view = names.objectValue ?? JSONObject()
            let provenance = record.provenance
            view["recordId"] = .string(record.id)
            view["category"] = .string(record.category.rawValue)
            view["organizationId"] = .string(record.organizationId)
            view["systemId"] = .string(provenance.systemId)
            view["sourceRecordId"] = .string(provenance.sourceRecordId)
            view["rawDigest"] = .string(provenance.rawDigest)
            view["assertedAt"] = .string(XSDDateTime.format(provenance.assertedAt))
            view["recordedAt"] = .string(XSDDateTime.format(provenance.recordedAt))
            if let uri = provenance.rawDataURI { view["rawDataURI"] = .string(uri) }
            let (outcome, reason) = await check(provenance)
            view["outcome"] = .string(outcome)
            if let reason { view["reason"] = .string(reason) }
            view["checkedAt"] = .string(XSDDateTime.format(Timestamp.truncated(clock())))
            return APIJSON.response(json: .object(view), status: .ok, headers: [.cacheControl: "no-store"])
        }
    }

    /// `matches`, `differs`, or `not-checked` with the reason.
    func check(_ provenance: Provenance) async -> (String, String?) {
        guard let uri = provenance.rawDataURI else {
            return ("not-checked", "the system that asserted the record named no place where its raw data lives")
        }
        guard let client else { return ("not-checked", "this Vita makes no outbound requests") }
        do {
            let response = try await client.send(OutboundRequest(method: "GET", url: uri))
            guard (200..<300).contains(response.status) else {
                return ("not-checked", "the source answered with HTTP status \(response.status)")
            }
            return ContentDigest.sha256(response.body) == provenance.rawDigest
                ? ("matches", nil) : ("differs", "the raw data at the source no longer has the recorded digest")
        } catch {
            return ("not-checked", "the raw data could not be fetched: \(error.reason)")
        }
    }

    /// The organizations and systems named by the learner's records (their organization and asserting system),
    /// the competencies the records assert,
    /// issued credentials and consents' agreements.
    static func sources(_ tx: StoreTransaction, learnerId: String) async throws -> JSONValue {
        var organizationIds = Set<String>()
        var systemIds = Set<String>()
        var competencyIds = Set<String>()
        // Only competency assertions are decoded (for the competencies they name); the rest need only two columns.
        let recordSources = try await tx.recordSources(learnerId: learnerId)
        organizationIds.formUnion(recordSources.organizationIds)
        systemIds.formUnion(recordSources.systemIds)
        for record in try await tx.records(learnerId: learnerId, categories: [.competencies], organizations: nil, asOf: nil).items {
            if case .competency(let assertion)? = record.body { competencyIds.insert(assertion.competencyId) }
        }
        for issued in try await tx.issuedCredentials(learnerId: learnerId, organizations: nil) {
            organizationIds.insert(issued.organizationId)
        }
        for clr in try await tx.issuedClrs(learnerId: learnerId, organizations: nil) {
            organizationIds.insert(clr.organizationId)
        }
        for consent in try await tx.consents(learnerId: learnerId) {
            guard let agreement = try await tx.agreement(id: consent.agreementId) else { continue }
            organizationIds.insert(agreement.providerOrganizationId)
            systemIds.insert(agreement.consumerSystemId)
        }
        var systems: [JSONValue] = []
        for id in systemIds.sorted() {
            guard let system = try await tx.system(id: id)?.system else { continue }
            organizationIds.insert(system.organizationId)
            systems.append(["id": .string(system.id), "name": .string(system.name), "kind": .string(system.kind.rawValue),
                            "organizationId": .string(system.organizationId)])
        }
        var organizations: [JSONValue] = []
        for id in organizationIds.sorted() {
            guard let organization = try await tx.organization(id: id) else { continue }
            organizations.append(["id": .string(organization.id), "name": .string(organization.name),
                                  "kind": .string(organization.kind.rawValue)])
        }
        var competencies: [JSONValue] = []
        for id in competencyIds.sorted() {
            guard let competency = try await tx.competency(id: id) else { continue }
            var item: JSONObject = ["id": .string(competency.id), "name": .string(competency.name)]
            if let framework = competency.framework { item["framework"] = .string(framework) }
            if let code = competency.code { item["code"] = .string(code) }
            competencies.append(.object(item))
        }
        return ["organizations": .array(organizations), "systems": .array(systems), "competencies": .array(competencies)]
    }
}
