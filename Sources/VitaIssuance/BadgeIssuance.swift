import Foundation
import VitaCore
import VitaCredentials
import VitaJSON
import VitaStorage

extension CredentialIssuer {
    /// What an Open Badges 3.0 credential is issued from: a learner's ELR credential record and an achievement of
    /// the record's organization.
    public struct BadgeSource: Sendable {
        /// The learner (not erased).
        public var learner: Learner
        /// The credential record (category `credentials`, not deleted).
        public var record: LearnerRecord
        /// The achievement awarded.
        public var achievement: Achievement
        /// The issuing organization's name, for the issuer profile.
        public var organizationName: String

        /// Creates a source.
        public init(learner: Learner, record: LearnerRecord, achievement: Achievement, organizationName: String) {
            self.learner = learner
            self.record = record
            self.achievement = achievement
            self.organizationName = organizationName
        }
    }

    /// A signed credential Vita issued and stored.
    public struct IssuedBadge: Sendable {
        /// The stored issuance (`vcr_…`).
        public var issued: StoreTransaction.IssuedCredential
        /// The credential's `id` (`urn:uuid:…`).
        public var credentialId: String
        /// The signed credential.
        public var credential: JSONValue
    }

    /// Loads and checks what a badge is issued from, naming the offending field when something is missing.
    public func badgeSource(_ tx: StoreTransaction, learnerId: String, recordId: String,
                            achievementId: String) async throws -> BadgeSource {
        guard let learner = try await tx.learner(id: learnerId), learner.erasure == nil else {
            throw ValidationFailures([.invalidField("learnerId", "no such learner")])
        }
        guard let record = try await tx.record(id: recordId), record.learnerId == learnerId,
              record.category == .credentials, record.deletion == nil, case .credential? = record.body else {
            throw ValidationFailures([.invalidField("recordId", "no such credential record of the learner")])
        }
        guard let achievement = try await tx.achievement(id: achievementId),
              achievement.organizationId == record.organizationId else {
            throw ValidationFailures([.invalidField("achievementId", "no such achievement of the record's organization")])
        }
        guard OpenBadgeIssuance.recipient(for: learner) != nil else {
            throw ValidationFailures([.invalidField("learnerId", "the learner has neither a DID nor an email identifier")])
        }
        let organization = try await tx.organization(id: record.organizationId)
        return BadgeSource(learner: learner, record: record, achievement: achievement,
                           organizationName: organization?.name ?? record.organizationId)
    }

    /// Issues OpenBadgeCredentials for `sources` (all of one organization, signed by `identity`): each gets a fresh
    /// `urn:uuid` id, a revocation status entry (the OB 3.0 schema allows one `credentialStatus`), an `eddsa-rdfc-2022` proof, and is stored with the
    /// learner's records. Runs in the caller's transaction (the caller audits).
    public func issueBadges(_ tx: StoreTransaction, _ sources: [BadgeSource],
                            identity: SigningIdentity) async throws -> [IssuedBadge] {
        var prepared: [(BadgeSource, CredentialRecord, OpenBadgeIssuance.Recipient, String)] = []
        prepared.reserveCapacity(sources.count)
        for source in sources {
            guard source.record.organizationId == identity.organizationId else {
                throw ValidationFailures([.invalidField("recordId", "the record belongs to another organization")])
            }
            guard case .credential(let record)? = source.record.body else {
                throw ValidationFailures([.invalidField("recordId", "not a credential record")])
            }
            guard let recipient = OpenBadgeIssuance.recipient(for: source.learner) else {
                throw ValidationFailures([.invalidField("learnerId", "the learner has neither a DID nor an email identifier")])
            }
            prepared.append((source, record, recipient, "urn:uuid:\(UUID().uuidString.lowercased())"))
        }
        let statuses = try await allocateStatus(tx, identity: identity, credentialIds: prepared.map(\.3), purposes: [.revocation])
        let now = Timestamp.truncated(clock())
        var issued: [IssuedBadge] = []
        issued.reserveCapacity(prepared.count)
        for ((source, record, recipient, credentialId), status) in zip(prepared, statuses) {
            guard case .object(var unsigned) = OpenBadgeIssuance.credential(
                id: credentialId, achievement: source.achievement, record: record,
                issuer: .init(id: identity.issuer, name: source.organizationName), recipient: recipient) else {
                throw IssuanceError(.signingFailed, "the built credential is not a JSON object")
            }
            unsigned["credentialStatus"] = status
            let signed = try sign(.object(unsigned), as: identity)
            let stored = StoreTransaction.IssuedCredential(
                id: EntityID.make("vcr", now: now), learnerId: source.learner.id, recordId: source.record.id,
                organizationId: identity.organizationId, achievementId: source.achievement.id,
                body: signed.serializedString(), createdAt: now)
            try await tx.insert(stored, credentialId: credentialId)
            issued.append(IssuedBadge(issued: stored, credentialId: credentialId, credential: signed))
        }
        return issued
    }
}
