import Foundation
import VitaCore
import VitaCredentials
import VitaJSON
import VitaStorage

extension CredentialIssuer {
    /// A CLR 2.0 ClrCredential issued and stored, with what it holds.
    public struct IssuedClr: Sendable {
        /// The stored CLR.
        public var stored: StoredClr
        /// The signed ClrCredential.
        public var credential: JSONValue
        /// How many AchievementCredentials it embeds, and how many of those were issued for it (the rest were the
        /// learner's existing, unrevoked badges).
        public var included: Int
        /// See `included`.
        public var newlyIssued: Int
    }

    /// Assembles, signs and stores "the CLR of learner X" from the organization's records about the learner: one
    /// AchievementCredential per completed learning experience, demonstrated competency and credential record —
    /// the learner's existing unrevoked badge for a record when there is one, otherwise a new one issued now (signed,
    /// with its own status entry, stored with the learner's records) — each signed individually and embedded; an
    /// `isPartOf` association for every experience that is part of another (`partOf`), the program's achievement
    /// listed even when the program is not completed; the learner as DID or hashed email. Runs in the caller's
    /// transaction (the caller audits).
    public func issueClr(_ tx: StoreTransaction, learnerId: String, identity: SigningIdentity,
                         name: String = "Comprehensive Learner Record", issuedBy: AuditEntry.Actor) async throws -> IssuedClr {
        guard let learner = try await tx.learner(id: learnerId), learner.erasure == nil else {
            throw ValidationFailures([.invalidField("learnerId", "no such learner")])
        }
        guard let recipient = OpenBadgeIssuance.recipient(for: learner) else {
            throw ValidationFailures([.invalidField("learnerId", "the learner has neither a DID nor an email identifier")])
        }
        let organizationId = identity.organizationId
        let records = try await tx.records(learnerId: learnerId, categories: [.experiences, .competencies, .credentials],
                                           organizations: [organizationId]).items
        // Existing badges per record; a revoked one does not count.
        var existing: [String: JSONValue] = [:]
        for issued in try await tx.issuedCredentials(learnerId: learnerId, organizations: [organizationId]) {
            guard let credential = try? JSONValue(parsing: issued.body), let id = credential["id"]?.stringValue else { continue }
            let revoked = try await tx.statusEntries(credentialId: id).contains { $0.purpose == "revocation" && $0.isSet }
            if !revoked { existing[issued.recordId] = credential }
        }
        // What to issue now: records without a usable badge that can be awarded.
        var sources: [BadgeSource] = []
        var awardable: [LearnerRecord] = []
        for record in records where existing[record.id] == nil {
            switch record.body {
            case .experience(let experience)? where experience.status == .completed:
                awardable.append(record)
            case .competency?:
                awardable.append(record)
            default:
                continue  // credential records need an achievement: only their existing badges are included
            }
        }
        for record in awardable {
            sources.append(try await badgeSource(tx, learnerId: learnerId, recordId: record.id, achievementId: nil))
        }
        let issued = try await issueBadges(tx, sources, identity: identity, issuedBy: issuedBy)
        for badge in issued { existing[badge.issued.recordId] = badge.credential }

        // Achievements and associations from the experiences' partOf links.
        let experiences: [String: LearningExperience] = records.reduce(into: [:]) { result, record in
            if case .experience(let experience)? = record.body { result[record.id] = experience }
        }
        func uri(_ experience: LearningExperience) -> String {
            achievementURI(organizationId: organizationId, kind: experience.kind.rawValue, key: experience.code ?? experience.title)
        }
        var associations: [ClrIssuance.Association] = []
        var listed: [String: JSONValue] = [:]
        for (recordId, experience) in experiences.sorted(by: { $0.key < $1.key }) where existing[recordId] != nil {
            guard let parentId = experience.partOf, let parent = experiences[parentId], uri(parent) != uri(experience) else {
                continue
            }
            associations.append(ClrIssuance.Association(.isPartOf, sourceId: uri(experience), targetId: uri(parent)))
            if existing[parentId] == nil {
                var achievement = JSONObject()
                achievement["id"] = .string(uri(parent))
                achievement["type"] = ["Achievement"]
                achievement["achievementType"] = .string(OpenBadgeIssuance.achievementType(for: parent.kind))
                achievement["name"] = .string(parent.title)
                achievement["description"] = .string(parent.title)
                achievement["criteria"] = .object(["narrative": .string("Complete the \(parent.kind.rawValue)")])
                listed[uri(parent)] = .object(achievement)
            }
        }
        let nested = records.compactMap { existing[$0.id] }
        guard !nested.isEmpty else {
            throw ValidationFailures([.invalidField("learnerId",
                "the organization holds no completed experience, competency or badge of the learner to put in a CLR")])
        }
        let learnerIdentity: ClrIssuance.Learner
        switch recipient {
        case .did(let did): learnerIdentity = .id(did)
        case .hashedEmail(let email, let salt):
            learnerIdentity = .identifiers([.hashed(email, type: "emailAddress", salt: salt)])
        }
        let organization = try await tx.organization(id: organizationId)
        let credentialId = "urn:uuid:\(UUID().uuidString.lowercased())"
        let now = Timestamp.truncated(clock())
        var unsigned: JSONValue
        do {
            unsigned = try ClrIssuance(
                id: credentialId, name: name,
                issuer: OpenBadgeIssuance.Issuer(id: identity.issuer, organization: organization, organizationId: organizationId).profile,
                learner: learnerIdentity, credentials: nested, achievements: listed.sorted { $0.key < $1.key }.map(\.value),
                associations: associations, validFrom: now
            ).credential()
        } catch {
            throw IssuanceError(.signingFailed, error.reason)
        }
        guard case .object(var object) = unsigned else { throw IssuanceError(.signingFailed, "the CLR is not a JSON object") }
        object["credentialStatus"] = try await allocateStatus(tx, identity: identity, credentialIds: [credentialId],
                                                              purposes: [.revocation])[0]
        unsigned = .object(object)
        let signed = try sign(unsigned, as: identity)
        let stored = StoredClr(id: EntityID.make("clr", now: now), credentialId: credentialId, learnerId: learnerId,
                               organizationId: organizationId, body: signed.serializedString(), createdAt: now)
        try await tx.insert(stored)
        return IssuedClr(stored: stored, credential: signed, included: nested.count, newlyIssued: issued.count)
    }
}
