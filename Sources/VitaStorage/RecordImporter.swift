import Foundation
import VitaCore
import VitaJSON

/// Imports learners and records from JSON Lines, idempotently and resumably.
///
/// Each line is one of:
/// ```json
/// {"type":"learner","systemId":"sys_…","sourceId":"S-1001","learner":{"name":{"display":"Ada"},"identifiers":[…]}}
/// {"type":"record","systemId":"sys_…","learner":"S-1001","category":"experiences","record":{…},
///  "provenance":{"sourceRecordId":"enr-1","rawDataURI":"sis://…","rawDigest":"sha256:…","assertedAt":"…"}}
/// ```
/// A record names its learner by the source system's learner id (`learner`) or by Vita's id (`learnerId`).
///
/// Idempotency rests on the source system's ids: a learner or record already imported from the same system with the
/// same source id is skipped when its raw digest is unchanged, and stored as a new version when it changed. Lines are
/// applied in batches, one transaction per batch with its audit entries, so a killed import leaves whole batches or
/// nothing, and running the same file again completes it.
public struct RecordImporter: Sendable {
    /// What happened to one line.
    public enum Outcome: Sendable, Equatable {
        case created, updated, unchanged
        /// The line was rejected: which field and why.
        case rejected(field: String, reason: String)
    }

    /// Running totals.
    public struct Totals: Sendable, Equatable {
        public var created = 0, updated = 0, unchanged = 0, rejected = 0
        /// Lines handled.
        public var lines: Int { created + updated + unchanged + rejected }
        /// No lines yet.
        public init() {}
    }

    struct Line: Decodable {
        var type: String
        var systemId: String
        var sourceId: String?
        var learner: LearnerField?
        var learnerId: String?
        var category: RecordCategory?
        var provenance: AssertedProvenance?
    }

    /// The `learner` member: a source id on record lines, the learner's details on learner lines.
    enum LearnerField: Decodable {
        case sourceId(String)
        case details(LearnerDetails)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) { self = .sourceId(text) } else {
                self = .details(try container.decode(LearnerDetails.self))
            }
        }
    }

    struct LearnerDetails: Decodable {
        var name: Learner.Name
        var identifiers: [Identifier]?
        var birthDate: CalendarDate?
    }

    let database: VitaDatabase
    let clock: @Sendable () -> Date
    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Creates an importer writing to `database`.
    public init(database: VitaDatabase, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.clock = clock
    }

    /// Applies a batch of lines in one transaction and returns each line's outcome.
    public func apply(_ lines: [Data]) async throws -> [Outcome] {
        let now = Timestamp.truncated(clock())
        let parsed = lines.map { parse($0) }
        return try await database.transaction { tx in
            var outcomes: [Outcome] = []
            var knownSystems: [String: Bool] = [:]
            var batch = Batch()
            try await batch.findSources(of: parsed, tx)
            for item in parsed {
                switch item {
                case .failure(let rejection):
                    outcomes.append(rejection)
                case .success(let line):
                    if knownSystems[line.systemId] == nil {
                        knownSystems[line.systemId] = try await tx.system(id: line.systemId) != nil
                    }
                    guard knownSystems[line.systemId]! else {
                        outcomes.append(.rejected(field: "systemId", reason: "no such connected system"))
                        continue
                    }
                    outcomes.append(try await apply(line, tx: tx, now: now, batch: &batch))
                }
            }
            try await batch.storeNewRecords(tx)
            // One append for the batch's entries, in the order of their lines: one round trip, not one a line.
            if !batch.audit.isEmpty { try await tx.appendAudit(batch.audit) }
            return outcomes
        }
    }

    /// What a batch's lines share while it is applied: the learners its lines name by a system's own id and the source
    /// record ids imported before (each looked up together first), the new learners and records (stored together,
    /// `StoreTransaction.insertNew`), and the audit entries, appended together at its end.
    struct Batch {
        /// Vita's learner id for each "system source-id" of the batch's lines that an earlier import or an earlier line
        /// of the batch mapped.
        var learners: [String: String] = [:]
        /// The learners the batch's record lines name by Vita's id that exist.
        var knownLearnerIds: Set<String> = []
        /// Learners new to Vita, stored before the batch's records are, with the system ids they were imported under.
        var newLearners: [(learner: Learner, source: StoreTransaction.LearnerSource)] = []
        /// "system source-record-id" of the batch's records stored already: by an earlier import, or by this batch
        /// before a later line named them.
        var storedSources: Set<String> = []
        /// The current versions of the records an earlier import stored, read together, each until a line of the
        /// batch adds a version.
        var current: [String: LearnerRecord] = [:]
        /// Records new to Vita, stored when the batch ends or before a later line of the batch changes one of them.
        var newRecords: [LearnerRecord] = []
        /// Their "system source-record-id".
        var newSources: Set<String> = []
        var audit: [AuditEntry] = []

        /// Looks up, a statement per system, which of the learners and source record ids the batch's lines name were
        /// imported before (a system's learner ids are kept among its source ids under `Provenance.learnerSourcePrefix`), and which
        /// of the learners they name by Vita's id exist.
        mutating func findSources(of lines: [ParseResult], _ tx: StoreTransaction) async throws {
            var bySystem: [String: [String]] = [:]
            var vitaIds: [String] = []
            for case .success(let line) in lines {
                switch line {
                case .learner(let systemId, let sourceId, _, _), .record(let systemId, .source(let sourceId), _, _, _):
                    bySystem[systemId, default: []].append(Provenance.learnerSourcePrefix + sourceId)
                case .record(_, .vita(let learnerId), _, _, _):
                    vitaIds.append(learnerId)
                }
                if case .record(let systemId, _, _, let provenance, _) = line {
                    bySystem[systemId, default: []].append(provenance.sourceRecordId)
                }
            }
            var recordIds: [String: String] = [:]
            for (systemId, sourceIds) in bySystem {
                for (sourceId, id) in try await tx.recordIds(system: systemId, sourceRecordIds: Array(Set(sourceIds))) {
                    if sourceId.hasPrefix(Provenance.learnerSourcePrefix) {
                        learners[systemId + " " + sourceId.dropFirst(Provenance.learnerSourcePrefix.count)] = id
                    } else {
                        storedSources.insert(systemId + " " + sourceId)
                        recordIds[systemId + " " + sourceId] = id
                    }
                }
            }
            let records = try await tx.records(ids: Array(recordIds.values))
            current = recordIds.compactMapValues { records[$0] }
            knownLearnerIds = Set(try await tx.learners(ids: vitaIds).keys)
        }

        /// Stores the new learners gathered so far.
        mutating func storeNewLearners(_ tx: StoreTransaction) async throws {
            guard !newLearners.isEmpty else { return }
            try await tx.insertNew(newLearners.map(\.learner))
            try await tx.mapLearners(newLearners.map(\.source))
            newLearners = []
        }

        /// Stores the new learners and records gathered so far.
        mutating func storeNewRecords(_ tx: StoreTransaction) async throws {
            try await storeNewLearners(tx)
            guard !newRecords.isEmpty else { return }
            try await tx.insertNew(newRecords)
            storedSources.formUnion(newSources)
            newRecords = []
            newSources = []
        }

        /// The learner `systemId` knows as `sourceId`, if an earlier import or an earlier line of the batch made one.
        func learnerId(system systemId: String, sourceId: String) -> String? {
            learners[systemId + " " + sourceId]
        }
    }

    enum Parsed {
        case learner(systemId: String, sourceId: String, details: LearnerDetails, digest: String)
        case record(systemId: String, learner: LearnerReference, body: RecordBody, provenance: AssertedProvenance, digest: String)

        var systemId: String {
            switch self {
            case .learner(let systemId, _, _, _), .record(let systemId, _, _, _, _): systemId
            }
        }
    }

    enum ParseResult {
        case success(Parsed)
        case failure(Outcome)
    }

    enum LearnerReference {
        case source(String), vita(String)
    }

    private func parse(_ data: Data) -> ParseResult {
        if let path = NULCharacter.path(inJSON: data) {
            return .failure(.rejected(field: path.isEmpty ? "line" : path, reason: NULCharacter.reason))
        }
        do {
            let line = try Self.decoder.decode(Line.self, from: data)
            let digest = ContentDigest.sha256(data)
            switch line.type {
            case "learner":
                guard let sourceId = line.sourceId, !sourceId.isEmpty else {
                    return .failure(.rejected(field: "sourceId", reason: "is required on learner lines"))
                }
                guard case .details(let details)? = line.learner else {
                    return .failure(.rejected(field: "learner", reason: "must hold the learner's name and identifiers"))
                }
                let learner = Learner(id: "lrn_check", name: details.name, identifiers: details.identifiers ?? [],
                                      birthDate: details.birthDate, createdAt: clock(), updatedAt: clock())
                do { try learner.validate(today: CalendarDate(clock())) } catch {
                    return .failure(Self.rejection(error, prefix: "learner."))
                }
                return .success(.learner(systemId: line.systemId, sourceId: sourceId, details: details, digest: digest))
            case "record":
                guard let category = line.category, category != .profile else {
                    return .failure(.rejected(field: "category", reason: "must be a stored record category"))
                }
                guard let provenance = line.provenance else {
                    return .failure(.rejected(field: "provenance", reason: "is required"))
                }
                do { _ = try provenance.provenance(systemId: line.systemId, fallbackDigest: digest, now: clock()) } catch {
                    return .failure(Self.rejection(error))
                }
                let reference: LearnerReference
                if let id = line.learnerId {
                    reference = .vita(id)
                } else if case .sourceId(let sourceId)? = line.learner {
                    reference = .source(sourceId)
                } else {
                    return .failure(.rejected(field: "learner", reason: "name the learner by source id (learner) or Vita id (learnerId)"))
                }
                let recordJSON = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                guard let recordObject = recordJSON?["record"] else {
                    return .failure(.rejected(field: "record", reason: "is required"))
                }
                let body: RecordBody
                do {
                    body = try RecordBody.decode(category, from: try JSONSerialization.data(withJSONObject: recordObject),
                                                 decoder: Self.decoder)
                } catch let error as DecodingError {
                    guard case .rejected(let field, let reason) = Self.rejection(error) else { throw error }
                    return .failure(.rejected(field: "record." + field, reason: reason))
                }
                do { try body.validate() } catch {
                    return .failure(Self.rejection(error, prefix: "record."))
                }
                return .success(.record(systemId: line.systemId, learner: reference, body: body, provenance: provenance,
                                        digest: provenance.rawDigest ?? digest))
            default:
                return .failure(.rejected(field: "type", reason: "must be learner or record"))
            }
        } catch let error as DecodingError {
            return .failure(Self.rejection(error))
        } catch {
            return .failure(.rejected(field: "line", reason: "is not a JSON object"))
        }
    }

    /// The first validation failure, as a rejection.
    static func rejection(_ error: any Error, prefix: String = "") -> Outcome {
        guard let failure = (error as? ValidationFailures)?.failures.first else {
            return .rejected(field: prefix.isEmpty ? "line" : String(prefix.dropLast()), reason: "is invalid")
        }
        return .rejected(field: prefix + (failure.field ?? ""), reason: failure.reason)
    }

    static func rejection(_ error: DecodingError) -> Outcome {
        func path(_ context: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            return keys.isEmpty ? "line" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return .rejected(field: path(context, key), reason: "is required")
        case .typeMismatch(_, let context): return .rejected(field: path(context), reason: "has the wrong type")
        case .valueNotFound(_, let context): return .rejected(field: path(context), reason: "must not be null")
        case .dataCorrupted(let context):
            return .rejected(field: path(context), reason: context.codingPath.isEmpty ? "is not valid JSON" : "has an invalid value")
        @unknown default: return .rejected(field: "line", reason: "could not be read")
        }
    }

    private func apply(_ parsed: Parsed, tx: StoreTransaction, now: Date, batch: inout Batch) async throws -> Outcome {
        let actor = AuditEntry.Actor(kind: .system, id: parsed.systemId)
        switch parsed {
        case .learner(let systemId, let sourceId, let details, _):
            if batch.learnerId(system: systemId, sourceId: sourceId) != nil { return .unchanged }
            let learner = Learner(id: EntityID.make("lrn", now: now), name: details.name, identifiers: details.identifiers ?? [],
                                  birthDate: details.birthDate, createdAt: now, updatedAt: now)
            batch.newLearners.append((learner, .init(systemId: systemId, sourceId: sourceId, learnerId: learner.id)))
            batch.learners[systemId + " " + sourceId] = learner.id
            batch.audit.append(AuditEntry(occurredAt: now, actor: actor, action: "learner.import", learnerId: learner.id,
                                          categories: [], agreementId: nil, outcome: .allowed, reason: nil))
            return .created
        case .record(let systemId, let reference, let body, let asserted, let digest):
            let learnerId: String
            switch reference {
            case .vita(let id):
                guard batch.knownLearnerIds.contains(id) else { return .rejected(field: "learnerId", reason: "no such learner") }
                learnerId = id
            case .source(let sourceId):
                guard let id = batch.learnerId(system: systemId, sourceId: sourceId) else {
                    return .rejected(field: "learner", reason: "no learner was imported with this source id")
                }
                learnerId = id
            }
            let provenance = try asserted.provenance(systemId: systemId, fallbackDigest: digest, now: now)
            let source = systemId + " " + provenance.sourceRecordId
            if !batch.storedSources.contains(source), !batch.newSources.contains(source) {
                batch.newRecords.append(LearnerRecord(id: EntityID.make("rec", now: now), learnerId: learnerId,
                                                      category: body.category, organizationId: body.organizationId,
                                                      version: 1, body: body, provenance: provenance))
                batch.newSources.insert(source)
                batch.audit.append(AuditEntry(occurredAt: now, actor: actor, action: "records.import", learnerId: learnerId,
                                              categories: [body.category], agreementId: nil, outcome: .allowed, reason: nil))
                return .created
            }
            // A later line of the batch for a record it creates: the record is stored first, then compared. The
            // batch's new learners are stored before the record is kept.
            if batch.newSources.contains(source) { try await batch.storeNewRecords(tx) } else { try await batch.storeNewLearners(tx) }
            let outcome: Outcome
            switch try await tx.keepSourceRecord(body, learnerId: learnerId, provenance: provenance, now: now,
                                                 known: batch.current[source]) {
            case .created: outcome = .created
            case .updated:
                // A later line for the same record compares with the version this one added.
                batch.current[source] = nil
                outcome = .updated
            case .unchanged, .superseded: return .unchanged
            case .conflict:
                return .rejected(field: "provenance.sourceRecordId", reason: "was imported for another learner or category")
            }
            batch.audit.append(AuditEntry(occurredAt: now, actor: actor, action: "records.import", learnerId: learnerId,
                                          categories: [body.category], agreementId: nil, outcome: .allowed, reason: nil))
            return outcome
        }
    }
}
