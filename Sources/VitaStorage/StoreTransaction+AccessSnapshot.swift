import Foundation
import SQLKit
import VitaCore
import VitaJSON

/// What deciding a connected system's access to one learner takes — the system's agreements, the learner's consents,
/// the organizations holding the learner — and the learner's profile generation with the profiles kept at it. On
/// PostgreSQL it is read in **one statement**: a consistent snapshot without a transaction, one round trip instead of
/// six (`BEGIN`, four reads, `COMMIT`).
public struct AccessSnapshot: Sendable, Equatable {
    /// Creates a snapshot.
    public init(agreements: [Agreement], consents: [Consent], holders: Set<String>, generation: Int64?,
                keptProfiles: [String: KeptProfile]) {
        self.agreements = agreements
        self.consents = consents
        self.holders = holders
        self.generation = generation
        self.keptProfiles = keptProfiles
    }

    /// The agreements whose consumer is the system, by id.
    public var agreements: [Agreement]
    /// Every consent the learner gave, in force or withdrawn, by id.
    public var consents: [Consent]
    /// The organizations that hold the learner.
    public var holders: Set<String>
    /// The learner's profile generation; nil when the learner is unknown.
    public var generation: Int64?
    /// The profiles kept at the current generation, by scope.
    public var keptProfiles: [String: KeptProfile]
}

extension StoreTransaction {
    /// Reads the ``AccessSnapshot`` of `systemId` and `learnerId`: on PostgreSQL in one statement, each part built as
    /// JSON by the database (`json_build_object`, `json_agg`) and parsed by VitaJSON.
    ///
    /// On SQLite, whose statements cost no round trip, building and parsing the JSON costs more than it saves: there
    /// the parts are read by separate statements (call it in a read transaction for one snapshot).
    public func accessSnapshot(systemId: String, learnerId: String) async throws -> AccessSnapshot {
        guard engine == .postgres else {
            var kept: [String: KeptProfile] = [:]
            let rows = try await db.raw("""
                SELECT p.scope AS scope, p.reference_date AS reference_date, p.body AS body FROM learner_profiles p
                JOIN profile_generations g ON g.learner_id = p.learner_id AND g.generation = p.generation
                WHERE p.learner_id = \(bind: learnerId)
                """).all()
            for row in rows {
                kept[try row.decode(column: "scope", as: String.self)] = KeptProfile(
                    referenceDate: try row.decode(column: "reference_date", as: String.self),
                    body: try row.decode(column: "body", as: String.self))
            }
            let generation = try await db.raw("SELECT generation FROM profile_generations WHERE learner_id = \(bind: learnerId)")
                .first()?.decode(column: "generation", as: Int64.self)
            return AccessSnapshot(agreements: try await agreements(consumer: systemId),
                                  consents: try await consents(learnerId: learnerId),
                                  holders: try await holders(learnerId: learnerId), generation: generation, keptProfiles: kept)
        }
        let object = "json_build_object"
        let aggregate = "coalesce(json_agg(x), '[]'::json)"
        let query: SQLQueryString = """
            SELECT \(unsafeRaw: object)(
              'agreements', (SELECT \(unsafeRaw: aggregate) FROM (
                SELECT \(unsafeRaw: object)('id', id, 'provider_organization_id', provider_organization_id,
                  'consumer_system_id', consumer_system_id, 'categories', categories, 'permissions', permissions,
                  'purpose', purpose, 'valid_from', valid_from, 'valid_until', valid_until,
                  'consent_required', consent_required, 'status', status, 'version', version, 'created_at', created_at,
                  'updated_at', updated_at) AS x
                FROM agreements WHERE consumer_system_id = \(bind: systemId) ORDER BY id) s),
              'consents', (SELECT \(unsafeRaw: aggregate) FROM (
                SELECT \(unsafeRaw: object)('id', id, 'learner_id', learner_id, 'agreement_id', agreement_id,
                  'granted_at', granted_at, 'withdrawn_at', withdrawn_at) AS x
                FROM consents WHERE learner_id = \(bind: learnerId) ORDER BY id) s),
              'holders', (SELECT \(unsafeRaw: aggregate) FROM (
                SELECT \(unsafeRaw: object)('id', organization_id) AS x FROM learner_holders
                WHERE learner_id = \(bind: learnerId)) s),
              'generation', (SELECT generation FROM profile_generations WHERE learner_id = \(bind: learnerId)),
              'profiles', (SELECT \(unsafeRaw: aggregate) FROM (
                SELECT \(unsafeRaw: object)('scope', p.scope, 'reference_date', p.reference_date, 'body', p.body) AS x
                FROM learner_profiles p
                JOIN profile_generations g ON g.learner_id = p.learner_id AND g.generation = p.generation
                WHERE p.learner_id = \(bind: learnerId)) s)
            )::text AS snapshot
            """
        guard let row = try await db.raw(query).first() else {
            throw StorageError(.corrupt, "the access snapshot returned no row")
        }
        let text = try row.decode(column: "snapshot", as: String.self)
        guard let snapshot = try? JSONValue(parsing: text).objectValue else {
            throw StorageError(.corrupt, "the access snapshot is not a JSON object")
        }
        func rows(_ key: String) throws -> [JSONRow] {
            guard case .array(let items)? = snapshot[key] else { return [] }
            return try items.map { item in
                guard let object = item.objectValue else { throw StorageError(.corrupt, "the access snapshot's \(key) are not objects") }
                return JSONRow(object: object)
            }
        }
        var kept: [String: KeptProfile] = [:]
        for profile in try rows("profiles") {
            kept[try profile.decode(column: "scope", as: String.self)] = KeptProfile(
                referenceDate: try profile.decode(column: "reference_date", as: String.self),
                body: try profile.decode(column: "body", as: String.self))
        }
        return AccessSnapshot(
            agreements: try rows("agreements").map(agreement(from:)),
            consents: try rows("consents").map(consent(from:)),
            holders: Set(try rows("holders").map { try $0.decode(column: "id", as: String.self) }),
            generation: snapshot["generation"].flatMap { if case .number(let number) = $0 { number.intValue.map { Int64($0) } } else { nil } },
            keptProfiles: kept)
    }
}

/// One row of a JSON array the database built (column name → JSON value), read through `SQLRow` so that the same
/// row mapping serves both a table's rows and an ``AccessSnapshot``'s. It decodes the types Vita's mappings use:
/// `String`, `Int`, `Int64`, `Double`, `Bool` and their optionals.
struct JSONRow: SQLRow {
    let object: JSONObject

    var allColumns: [String] { object.keys }

    func contains(column: String) -> Bool { object.contains(column) }

    func decodeNil(column: String) throws -> Bool {
        guard let value = object[column] else { return true }
        if case .null = value { return true }
        return false
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        let value = object[column] ?? .null
        if case .null = value {
            if let optional = D.self as? any ExpressibleByNilLiteral.Type, let none = optional.init(nilLiteral: ()) as? D {
                return none
            }
            throw StorageError(.corrupt, "column \(column) is null")
        }
        let decoded: Any? = switch value {
        case .string(let text) where D.self == String.self || D.self == String?.self: text
        case .number(let number) where D.self == Int.self || D.self == Int?.self: number.intValue
        case .number(let number) where D.self == Int64.self || D.self == Int64?.self: number.intValue.map { Int64($0) }
        case .number(let number) where D.self == Double.self || D.self == Double?.self: number.doubleValue
        case .bool(let flag) where D.self == Bool.self || D.self == Bool?.self: flag
        case .number(let number) where D.self == Bool.self || D.self == Bool?.self: number.intValue.map { $0 != 0 }
        default: nil
        }
        guard let decoded, let result = decoded as? D else {
            throw StorageError(.corrupt, "column \(column) does not hold a \(D.self)")
        }
        return result
    }
}
