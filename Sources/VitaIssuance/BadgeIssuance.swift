import Foundation
import VitaCore
import VitaCredentials
import VitaJSON
import VitaStorage

extension CredentialIssuer {
    /// What an Open Badges 3.0 credential is issued from: a learner's ELR record — a credential record with an
    /// achievement of its organization, a demonstrated competency, or a completed learning experience.
    public struct BadgeSource: Sendable {
        /// What the record holds.
        public enum Award: Sendable {
            /// A degree, certificate, license … with the achievement it awards.
            case credential(CredentialRecord, Achievement)
            /// A competency demonstrated at a level.
            case competency(CompetencyAssertion, Competency)
            /// A completed course, program, assessment, training …
            case experience(LearningExperience)
        }

        /// The learner (not erased).
        public var learner: Learner
        /// The record (not deleted).
        public var record: LearnerRecord
        /// What it awards.
        public var award: Award
        /// The issuing organization's name, for the issuer profile.
        public var organizationName: String

        /// Creates a source.
        public init(learner: Learner, record: LearnerRecord, award: Award, organizationName: String) {
            self.learner = learner
            self.record = record
            self.award = award
            self.organizationName = organizationName
        }

        /// What the stored issuance names as its achievement: the achievement, competency, or experience record id.
        var achievementReference: String {
            switch award {
            case .credential(_, let achievement): achievement.id
            case .competency(_, let competency): competency.id
            case .experience: record.id
            }
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

    /// Loads and checks what a badge is issued from, naming the offending field when something is missing. A
    /// credential record needs `achievementId` (an achievement of the record's organization); a competency record is
    /// its own achievement; an experience record must be completed.
    public func badgeSource(_ tx: StoreTransaction, learnerId: String, recordId: String,
                            achievementId: String?) async throws -> BadgeSource {
        guard let learner = try await tx.learner(id: learnerId), learner.erasure == nil else {
            throw ValidationFailures([.invalidField("learnerId", "no such learner")])
        }
        guard let record = try await tx.record(id: recordId), record.learnerId == learnerId, record.deletion == nil else {
            throw ValidationFailures([.invalidField("recordId", "no such record of the learner")])
        }
        let award: BadgeSource.Award
        switch record.body {
        case .credential(let credential)?:
            guard let achievementId, let achievement = try await tx.achievement(id: achievementId),
                  achievement.organizationId == record.organizationId else {
                throw ValidationFailures([.invalidField("achievementId", "no such achievement of the record's organization")])
            }
            award = .credential(credential, achievement)
        case .competency(let assertion)?:
            guard let competency = try await tx.competency(id: assertion.competencyId) else {
                throw ValidationFailures([.invalidField("recordId", "the competency the record asserts no longer exists")])
            }
            award = .competency(assertion, competency)
        case .experience(let experience)?:
            guard experience.status == .completed else {
                throw ValidationFailures([.invalidField("recordId", "only a completed experience is awarded a credential")])
            }
            award = .experience(experience)
        default:
            throw ValidationFailures([.invalidField("recordId", "not a credential, competency or experience record")])
        }
        guard OpenBadgeIssuance.recipient(for: learner) != nil else {
            throw ValidationFailures([.invalidField("learnerId", "the learner has neither a DID nor an email identifier")])
        }
        let organization = try await tx.organization(id: record.organizationId)
        return BadgeSource(learner: learner, record: record, award: award,
                           organizationName: organization?.name ?? record.organizationId)
    }

    /// The issuer-scoped URI of a competency or course as an achievement: the same for every learner awarded it.
    public func achievementURI(organizationId: String, kind: String, key: String) -> String {
        let safe = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? key
        return "\(publicBaseURL)/organizations/\(organizationId)/achievements/\(kind)/\(safe)"
    }

    /// Issues OpenBadgeCredentials for `sources` (all of one organization, signed by `identity`): each gets a fresh
    /// `urn:uuid` id, a revocation status entry (the OB 3.0 schema allows one `credentialStatus`), an `eddsa-rdfc-2022` proof, and is stored with the
    /// learner's records with its provenance (who had it issued, the
    /// record it came from, the digest of what was issued). Runs in the caller's transaction (the caller audits).
    public func issueBadges(_ tx: StoreTransaction, _ sources: [BadgeSource], identity: SigningIdentity,
                            issuedBy: AuditEntry.Actor) async throws -> [IssuedBadge] {
        var prepared: [(BadgeSource, OpenBadgeIssuance.Recipient, String)] = []
        prepared.reserveCapacity(sources.count)
        for source in sources {
            guard source.record.organizationId == identity.organizationId else {
                throw ValidationFailures([.invalidField("recordId", "the record belongs to another organization")])
            }
            guard let recipient = OpenBadgeIssuance.recipient(for: source.learner) else {
                throw ValidationFailures([.invalidField("learnerId", "the learner has neither a DID nor an email identifier")])
            }
            prepared.append((source, recipient, "urn:uuid:\(UUID().uuidString.lowercased())"))
        }
        let statuses = try await allocateStatus(tx, identity: identity, credentialIds: prepared.map(\.2), purposes: [.revocation])
        let now = Timestamp.truncated(clock())
        var issued: [IssuedBadge] = []
        issued.reserveCapacity(prepared.count)
        let today = CalendarDate(clock())
        for ((source, recipient, credentialId), status) in zip(prepared, statuses) {
            let profile = OpenBadgeIssuance.Issuer(id: identity.issuer, name: source.organizationName)
            let built: JSONValue
            switch source.award {
            case .credential(let record, let achievement):
                built = OpenBadgeIssuance.credential(id: credentialId, achievement: achievement, record: record,
                                                     issuer: profile, recipient: recipient)
            case .competency(let assertion, let competency):
                built = OpenBadgeIssuance.credential(
                    id: credentialId, competency: competency, assertion: assertion,
                    achievementURI: achievementURI(organizationId: identity.organizationId, kind: "competencies", key: competency.id),
                    issuer: profile, recipient: recipient, awardedDate: today)
            case .experience(let experience):
                built = OpenBadgeIssuance.credential(
                    id: credentialId, experience: experience,
                    achievementURI: achievementURI(organizationId: identity.organizationId, kind: experience.kind.rawValue,
                                                   key: experience.code ?? experience.title),
                    issuer: profile, recipient: recipient, awardedDate: today)
            }
            guard case .object(var unsigned) = built else {
                throw IssuanceError(.signingFailed, "the built credential is not a JSON object")
            }
            unsigned["credentialStatus"] = status
            let signed = try sign(.object(unsigned), as: identity)
            let stored = StoreTransaction.IssuedCredential(
                id: EntityID.make("vcr", now: now), learnerId: source.learner.id, recordId: source.record.id,
                organizationId: identity.organizationId, achievementId: source.achievementReference,
                body: signed.serializedString(), createdAt: now, issuedBy: "\(issuedBy.kind.rawValue):\(issuedBy.id)")
            issued.append(IssuedBadge(issued: stored, credentialId: credentialId, credential: signed))
        }
        try await tx.insert(issued.map { ($0.issued, credentialId: $0.credentialId) })
        return issued
    }
}
