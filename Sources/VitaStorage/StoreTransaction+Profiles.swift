import Foundation
import SQLKit
import Synchronization

/// A learner profile kept from an earlier read, as encoded JSON, for one scope of providers.
public struct KeptProfile: Sendable, Equatable {
    /// The date the profile was computed for (`YYYY-MM-DD`): current affiliations and similar depend on it.
    public var referenceDate: String
    /// The profile's JSON, exactly as the API encodes it.
    public var body: String

    /// Creates a kept profile.
    public init(referenceDate: String, body: String) {
        self.referenceDate = referenceDate
        self.body = body
    }
}

extension StoreTransaction {
    /// The learner's profile generation and the profile kept for `scope` at that generation, if any. Nil when the
    /// learner is unknown.
    ///
    /// `scope` names whose records the profile was computed from: `*` for every provider, otherwise the sorted
    /// provider organization ids.
    public func keptProfile(learnerId: String, scope: String) async throws -> (generation: Int64, kept: KeptProfile?)? {
        guard let row = try await db.raw("""
            SELECT g.generation AS generation, p.generation AS kept_generation, p.reference_date AS reference_date, p.body AS body
            FROM profile_generations g
            LEFT JOIN learner_profiles p ON p.learner_id = g.learner_id AND p.scope = \(bind: scope)
            WHERE g.learner_id = \(bind: learnerId)
            """).first() else { return nil }
        let generation = try row.decode(column: "generation", as: Int64.self)
        guard try row.decode(column: "kept_generation", as: Int64?.self) == generation,
              let date = try row.decode(column: "reference_date", as: String?.self),
              let body = try row.decode(column: "body", as: String?.self) else { return (generation, nil) }
        return (generation, KeptProfile(referenceDate: date, body: body))
    }

    /// Keeps a computed profile for `scope`, unless a record write moved the learner's generation on since
    /// `generation` was read (then the profile may be out of date and is not kept). One statement, so it may run on
    /// its own (`VitaDatabase.singleStatementWrite`).
    public func keep(_ profile: KeptProfile, learnerId: String, scope: String, generation: Int64) async throws {
        // A record written after this in the same transaction must drop the profile kept here.
        memo.forgetInvalidation(of: learnerId)
        try await db.raw("""
            INSERT INTO learner_profiles (learner_id, scope, generation, reference_date, body)
            SELECT \(bind: learnerId), \(bind: scope), \(bind: generation), \(bind: profile.referenceDate), \(bind: profile.body)
            WHERE (SELECT generation FROM profile_generations WHERE learner_id = \(bind: learnerId)) = \(bind: generation)
            ON CONFLICT (learner_id, scope) DO UPDATE SET generation = excluded.generation,
              reference_date = excluded.reference_date, body = excluded.body
            """).run()
    }

    /// Moves the learner's profile generation on and drops the kept profiles (every record write calls this). Once a
    /// transaction: a second write of the learner's records in it finds nothing kept since (``keep(_:learnerId:scope:generation:)``
    /// forgets the invalidation), so an import of a learner's records invalidates once, not once a record.
    func invalidateProfiles(learnerId: String) async throws {
        guard memo.noteInvalidation(of: learnerId) else { return }
        try await db.raw("UPDATE profile_generations SET generation = generation + 1 WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("DELETE FROM learner_profiles WHERE learner_id = \(bind: learnerId)").run()
    }
}

/// What a transaction has already done that doing again in it would not change: profiles invalidated (until a profile
/// of the learner is kept again) and holders recorded. Each statement saved is a round trip to PostgreSQL; an import of
/// a learner's ten records made each of them three times.
final class TransactionMemo: Sendable {
    private let invalidated = Mutex<Set<String>>([])
    private let holders = Mutex<Set<String>>([])

    /// Notes that `learnerId`'s profiles are invalidated; false when they already were and nothing was kept since.
    func noteInvalidation(of learnerId: String) -> Bool { invalidated.withLock { $0.insert(learnerId).inserted } }

    /// A profile of `learnerId` was kept: the next record write must invalidate it again.
    func forgetInvalidation(of learnerId: String) { _ = invalidated.withLock { $0.remove(learnerId) } }

    /// Notes that `organizationId` holds `learnerId`; false when this transaction recorded it already.
    func noteHolder(_ learnerId: String, _ organizationId: String) -> Bool {
        holders.withLock { $0.insert(learnerId + " " + organizationId).inserted }
    }
}
