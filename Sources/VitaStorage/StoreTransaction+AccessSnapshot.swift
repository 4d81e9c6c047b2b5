import Foundation
import SQLKit
import VitaCore
import VitaJSON

/// What deciding a connected system's access to one learner takes — the system's agreements, the learner's consents,
/// the organizations holding the learner — and the learner's profile generation with the profiles kept at it — read in
/// **one statement** on either engine: a consistent snapshot without a transaction, one round trip (PostgreSQL) or one
/// trip through the database's thread (SQLite) instead of seven (`BEGIN`, five reads, `COMMIT`).
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
    /// Reads the ``AccessSnapshot`` of `systemId` and `learnerId` in **one statement** — a consistent snapshot without
    /// a transaction, on either engine. The agreements, consents, holders and generation (a few small rows) come as one
    /// JSON value built by the database and parsed by VitaJSON; the kept profiles, which can be large, come as plain
    /// columns of the statement's rows (one row per kept scope, or one row of nulls), so their bodies are never
    /// escaped into JSON and parsed back.
    public func accessSnapshot(systemId: String, learnerId: String) async throws -> AccessSnapshot {
        // The same statement on both engines, but for the JSON functions' names and how a subquery's JSON is kept JSON:
        // PostgreSQL's `json` type survives a subquery; SQLite's JSON subtype does not, so each part is re-read by `json()`.
        let postgres = engine == .postgres
        let object = postgres ? "json_build_object" : "json_object"
        let aggregate = postgres ? "coalesce(json_agg(x), '[]'::json)" : "json_group_array(json(x))"
        let part = postgres ? "" : "json"
        let asText = postgres ? "::text" : ""
        let query: SQLQueryString = """
            SELECT \(unsafeRaw: object)(
              'agreements', \(unsafeRaw: part)((SELECT \(unsafeRaw: aggregate) FROM (
                SELECT \(unsafeRaw: object)('id', id, 'provider_organization_id', provider_organization_id,
                  'consumer_system_id', consumer_system_id, 'categories', categories, 'permissions', permissions,
                  'purpose', purpose, 'valid_from', valid_from, 'valid_until', valid_until,
                  'consent_required', consent_required, 'status', status, 'version', version, 'created_at', created_at,
                  'updated_at', updated_at) AS x
                FROM agreements WHERE consumer_system_id = \(bind: systemId) ORDER BY id) s)),
              'consents', \(unsafeRaw: part)((SELECT \(unsafeRaw: aggregate) FROM (
                SELECT \(unsafeRaw: object)('id', id, 'learner_id', learner_id, 'agreement_id', agreement_id,
                  'granted_at', granted_at, 'withdrawn_at', withdrawn_at) AS x
                FROM consents WHERE learner_id = \(bind: learnerId) ORDER BY id) s)),
              'holders', \(unsafeRaw: part)((SELECT \(unsafeRaw: aggregate) FROM (
                SELECT \(unsafeRaw: object)('id', organization_id) AS x FROM learner_holders
                WHERE learner_id = \(bind: learnerId)) s)),
              'generation', (SELECT generation FROM profile_generations WHERE learner_id = \(bind: learnerId))
            )\(unsafeRaw: asText) AS snapshot, kept.scope AS scope, kept.reference_date AS reference_date, kept.body AS body
            FROM (SELECT 1 AS one) single
            LEFT JOIN (
              SELECT p.scope AS scope, p.reference_date AS reference_date, p.body AS body FROM learner_profiles p
              JOIN profile_generations g ON g.learner_id = p.learner_id AND g.generation = p.generation
              WHERE p.learner_id = \(bind: learnerId)) kept ON 1 = 1
            """
        let rows = try await db.raw(query).all()
        guard let first = rows.first else {
            throw StorageError(.corrupt, "the access snapshot returned no row")
        }
        let text = try first.decode(column: "snapshot", as: String.self)
        guard let snapshot = try? JSONValue(parsing: text).objectValue else {
            throw StorageError(.corrupt, "the access snapshot is not a JSON object")
        }
        func parts(_ key: String) throws -> [JSONRow] {
            guard case .array(let items)? = snapshot[key] else { return [] }
            return try items.map { item in
                guard let object = item.objectValue else { throw StorageError(.corrupt, "the access snapshot's \(key) are not objects") }
                return JSONRow(object: object)
            }
        }
        var kept: [String: KeptProfile] = [:]
        for row in rows {
            guard let scope = try row.decode(column: "scope", as: String?.self) else { continue }
            kept[scope] = KeptProfile(referenceDate: try row.decode(column: "reference_date", as: String.self),
                                      body: try row.decode(column: "body", as: String.self))
        }
        return AccessSnapshot(
            agreements: try parts("agreements").map(agreement(from:)),
            consents: try parts("consents").map(consent(from:)),
            holders: Set(try parts("holders").map { try $0.decode(column: "id", as: String.self) }),
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
