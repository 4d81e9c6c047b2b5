import Foundation
import SQLKit
import VitaCore

/// What deciding a connected system's access to one learner takes — the system itself (to check its key), its
/// agreements, the learner's consents, the organizations holding the learner — and the learner's profile generation
/// with the profiles kept at it. On PostgreSQL it is read in **one statement**: a consistent snapshot without a
/// transaction, one round trip instead of seven (the key's system, `BEGIN`, four reads, `COMMIT`).
public struct AccessSnapshot: Sendable, Equatable {
    /// Creates a snapshot.
    public init(system: KeyedSystem?, agreements: [Agreement], consents: [Consent], holders: Set<String>,
                generation: Int64?, keptProfiles: [String: KeptProfile]) {
        self.system = system
        self.agreements = agreements
        self.consents = consents
        self.holders = holders
        self.generation = generation
        self.keptProfiles = keptProfiles
    }

    /// The system with its key hash; nil when there is none with the id asked for.
    public var system: KeyedSystem?
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
    /// Reads the ``AccessSnapshot`` of `systemId` and `learnerId`: on PostgreSQL in one statement, the parts as the
    /// branches of a `UNION ALL` (a single statement sees one snapshot, so it needs no transaction).
    ///
    /// On SQLite, whose statements cost no round trip, the parts are read by separate statements (call it in a read
    /// transaction for one snapshot).
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
            return AccessSnapshot(system: try await system(id: systemId), agreements: try await agreements(consumer: systemId),
                                  consents: try await consents(learnerId: learnerId),
                                  holders: try await holders(learnerId: learnerId), generation: generation, keptProfiles: kept)
        }
        // Each part is a branch of one UNION ALL, told apart by `part`; every branch has every column (null where it
        // has nothing), named as the tables name them, so the same row mappings read them.
        let rows = try await db.raw("""
            SELECT 0 AS part, id, NULL::text AS provider_organization_id, NULL::text AS consumer_system_id,
              NULL::text AS categories, NULL::text AS permissions, NULL::text AS purpose, NULL::bigint AS valid_from,
              NULL::bigint AS valid_until, NULL::integer AS consent_required, NULL::text AS status, NULL::integer AS version,
              created_at, NULL::bigint AS updated_at, NULL::text AS learner_id, NULL::text AS agreement_id,
              NULL::bigint AS granted_at, NULL::bigint AS withdrawn_at, NULL::text AS scope, NULL::text AS reference_date,
              NULL::text AS body, NULL::bigint AS generation, organization_id, name, kind, key_hash, revoked_at,
              previous_key_hash, previous_key_until
            FROM connected_systems WHERE id = \(bind: systemId)
            UNION ALL SELECT 1, id, provider_organization_id, consumer_system_id, categories, permissions, purpose,
              valid_from, valid_until, consent_required, status, version, created_at, updated_at,
              NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM agreements WHERE consumer_system_id = \(bind: systemId)
            UNION ALL SELECT 2, id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              learner_id, agreement_id, granted_at, withdrawn_at, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM consents WHERE learner_id = \(bind: learnerId)
            UNION ALL SELECT 3, organization_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM learner_holders WHERE learner_id = \(bind: learnerId)
            UNION ALL SELECT 4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, NULL, NULL, NULL, NULL, NULL, generation, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM profile_generations WHERE learner_id = \(bind: learnerId)
            UNION ALL SELECT 5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, NULL, NULL, p.scope, p.reference_date, p.body, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM learner_profiles p
            JOIN profile_generations g ON g.learner_id = p.learner_id AND g.generation = p.generation
            WHERE p.learner_id = \(bind: learnerId)
            ORDER BY part, id
            """).all()
        var snapshot = AccessSnapshot(system: nil, agreements: [], consents: [], holders: [], generation: nil, keptProfiles: [:])
        for row in rows {
            switch try row.decode(column: "part", as: Int.self) {
            case 0: snapshot.system = try keyedSystem(from: row)
            case 1: snapshot.agreements.append(try agreement(from: row))
            case 2: snapshot.consents.append(try consent(from: row))
            case 3: snapshot.holders.insert(try row.decode(column: "id", as: String.self))
            case 4: snapshot.generation = try row.decode(column: "generation", as: Int64.self)
            default:
                snapshot.keptProfiles[try row.decode(column: "scope", as: String.self)] = KeptProfile(
                    referenceDate: try row.decode(column: "reference_date", as: String.self),
                    body: try row.decode(column: "body", as: String.self))
            }
        }
        return snapshot
    }
}

extension VitaDatabase {
    /// Reads the ``AccessSnapshot`` of `systemId` and `learnerId` consistently: one statement on PostgreSQL, a read
    /// transaction on SQLite.
    public func accessSnapshot(systemId: String, learnerId: String) async throws -> AccessSnapshot {
        engine == .postgres
            ? try await read { try await $0.accessSnapshot(systemId: systemId, learnerId: learnerId) }
            : try await readTransaction { try await $0.accessSnapshot(systemId: systemId, learnerId: learnerId) }
    }
}
