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
        /// The organization the record names, for the issuer profile (nil when Vita does not know it).
        public var organization: Organization?

        /// Creates a source.
        public init(learner: Learner, record: LearnerRecord, award: Award, organization: Organization?) {
            self.learner = learner
            self.record = record
            self.award = award
            self.organization = organization
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

    /// What a badge is asked for: a learner's record and, for a credential record, the achievement awarded.
    public struct BadgeRequest: Sendable {
        /// The learner.
        public var learnerId: String
        /// The record.
        public var recordId: String
        /// The achievement, for a credential record.
        public var achievementId: String?

        /// Creates a request.
        public init(learnerId: String, recordId: String, achievementId: String?) {
            self.learnerId = learnerId
            self.recordId = recordId
            self.achievementId = achievementId
        }
    }

    /// Loads and checks what a badge is issued from, naming the offending field when something is missing. A
    /// credential record needs `achievementId` (an achievement of the record's organization); a competency record is
    /// its own achievement; an experience record must be completed.
    public func badgeSource(_ tx: StoreTransaction, learnerId: String, recordId: String,
                            achievementId: String?) async throws -> BadgeSource {
        try await badgeSources(tx, [BadgeRequest(learnerId: learnerId, recordId: recordId, achievementId: achievementId)])[0]
            .get()
    }

    /// `badgeSource` for many requests at once, in request order: learners and records are read with one query
    /// per few hundred ids, achievements, competencies and organizations once each.
    public func badgeSources(_ tx: StoreTransaction,
                             _ requests: [BadgeRequest]) async throws -> [Result<BadgeSource, ValidationFailures>] {
        let learners = try await tx.learners(ids: requests.map(\.learnerId))
        let records = try await tx.records(ids: requests.map(\.recordId))
        var achievements: [String: Achievement?] = [:]
        var competencies: [String: Competency?] = [:]
        var organizations: [String: Organization?] = [:]
        var results: [Result<BadgeSource, ValidationFailures>] = []
        results.reserveCapacity(requests.count)
        for request in requests {
            func failure(_ field: String, _ reason: String) -> Result<BadgeSource, ValidationFailures> {
                .failure(ValidationFailures([.invalidField(field, reason)]))
            }
            guard let learner = learners[request.learnerId], learner.erasure == nil else {
                results.append(failure("learnerId", "no such learner"))
                continue
            }
            guard let record = records[request.recordId], record.learnerId == learner.id, record.deletion == nil else {
                results.append(failure("recordId", "no such record of the learner"))
                continue
            }
            let award: BadgeSource.Award
            switch record.body {
            case .credential(let credential)?:
                guard let id = request.achievementId else {
                    results.append(failure("achievementId", "is required for a credential record"))
                    continue
                }
                if achievements[id] == nil { achievements[id] = .some(try await tx.achievement(id: id)) }
                guard let achievement = achievements[id] ?? nil, achievement.organizationId == record.organizationId else {
                    results.append(failure("achievementId", "no such achievement of the record's organization"))
                    continue
                }
                award = .credential(credential, achievement)
            case .competency(let assertion)?:
                let id = assertion.competencyId
                if competencies[id] == nil { competencies[id] = .some(try await tx.competency(id: id)) }
                guard let competency = competencies[id] ?? nil else {
                    results.append(failure("recordId", "the competency the record asserts no longer exists"))
                    continue
                }
                award = .competency(assertion, competency)
            case .experience(let experience)?:
                guard experience.status == .completed else {
                    results.append(failure("recordId", "only a completed experience is awarded a credential"))
                    continue
                }
                award = .experience(experience)
            default:
                results.append(failure("recordId", "not a credential, competency or experience record"))
                continue
            }
            guard OpenBadgeIssuance.recipient(for: learner) != nil else {
                results.append(failure("learnerId", "the learner has neither a DID nor an email identifier"))
                continue
            }
            let organizationId = record.organizationId
            if organizations[organizationId] == nil { organizations[organizationId] = .some(try await tx.organization(id: organizationId)) }
            results.append(.success(BadgeSource(learner: learner, record: record, award: award,
                                                organization: organizations[organizationId] ?? nil)))
        }
        return results
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
            let profile = OpenBadgeIssuance.Issuer(id: identity.issuer, organization: source.organization,
                                                   organizationId: source.record.organizationId)
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
