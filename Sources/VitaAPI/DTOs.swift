import Foundation
import VitaCore
import VitaStorage

/// Request and response bodies of the Learner API.
enum DTO {
    struct List<Item: Encodable>: Encodable {
        var items: [Item]
        var nextCursor: String?
    }

    struct CreateOrganization: Decodable {
        var name: String
        var kind: Organization.Kind
        var identifiers: [Identifier]?
        var url: String?
        var email: String?
        var description: String?
        var image: String?
    }

    struct CreateSystem: Decodable {
        var organizationId: String
        var name: String
        var kind: ConnectedSystem.Kind
    }

    struct ReplaceSystem: Decodable {
        var name: String
        var kind: ConnectedSystem.Kind
    }

    struct CreatedSystem: Encodable {
        var system: ConnectedSystem
        /// Shown once; only its hash is stored.
        var apiKey: String
    }

    struct RotatedSystemKey: Encodable {
        var system: ConnectedSystem
        /// The new key, shown once; only its hash is stored.
        var apiKey: String
        /// Until when the replaced key still works (absent: it stopped at once).
        var previousKeyValidUntil: Date?
    }

    struct CreateAgreement: Decodable {
        var providerOrganizationId: String
        var consumerSystemId: String
        var categories: [RecordCategory]
        var permissions: [Permission]
        var purpose: String
        var validFrom: Date?
        var validUntil: Date?
        var consentRequired: Bool
        var status: Agreement.Status?
    }

    struct UpdateAgreement: Decodable {
        var status: Agreement.Status?
        var purpose: String?
        var validUntil: Date?
    }

    struct CreateLearner: Decodable {
        var name: Learner.Name
        var identifiers: [Identifier]?
        var birthDate: CalendarDate?
        /// On registration by an administrator: the organization that holds the learner (a system registers for its
        /// own organization). Ignored on updates.
        var organizationId: String?
    }

    struct Erase: Decodable {
        var reason: String
    }

    struct CreateCompetency: Decodable {
        var organizationId: String?
        var name: String
        var description: String?
        var framework: String?
        var caseItemURI: String?
    }

    struct ReplaceCompetency: Decodable {
        var name: String
        var description: String?
        var framework: String?
        var caseItemURI: String?
    }

    /// An achievement's definition as a client gives it (`ReplaceAchievement`): everything but the organization that
    /// awards it.
    struct AchievementDefinition: Decodable {
        var name: String
        var description: String
        var criteriaNarrative: String
        var achievementType: String?
        var image: String?
        var alignments: [Achievement.Alignment]?
        var resultDescriptions: [Achievement.ResultDescription]?

        /// Gives `achievement` this definition (its id, URI, organization and creation stay).
        func apply(to achievement: inout Achievement) {
            achievement.name = name
            achievement.description = description
            achievement.criteriaNarrative = criteriaNarrative
            achievement.achievementType = achievementType
            achievement.image = image
            achievement.alignments = alignments ?? []
            achievement.resultDescriptions = resultDescriptions ?? []
        }
    }

    /// A new achievement (`CreateAchievement`): the organization that awards it and its definition, in one object.
    struct CreateAchievement: Decodable {
        var organizationId: String
        var definition: AchievementDefinition

        private enum CodingKeys: String, CodingKey { case organizationId }

        init(from decoder: any Decoder) throws {
            organizationId = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .organizationId)
            definition = try AchievementDefinition(from: decoder)
        }
    }

    struct IssueBadge: Decodable {
        var achievementId: String?
        var issuerIdentifier: String?
    }

    struct GrantConsent: Decodable {
        var agreementId: String
    }

    struct RecordWrite<Body: Decodable>: Decodable {
        var record: Body
        var provenance: AssertedProvenance
    }

    struct Record: Encodable {
        var id: String
        var learnerId: String
        var category: RecordCategory
        var organizationId: String
        var version: Int
        var record: RecordBodyJSON?
        var provenance: Provenance
        var deletion: Tombstone?

        init(_ record: LearnerRecord) {
            self.id = record.id
            self.learnerId = record.learnerId
            self.category = record.category
            self.organizationId = record.organizationId
            self.version = record.version
            self.record = record.body.map(RecordBodyJSON.init)
            self.provenance = record.provenance
            self.deletion = record.deletion
        }
    }

    /// A page of the change feed.
    struct RecordChangeList: Encodable {
        var items: [RecordChange]
        /// Where the next page starts: always present, since the feed never ends.
        var cursor: String
        /// True when no change after this page was committed when it was read.
        var caughtUp: Bool
    }

    /// One change of the feed: its number, what it did, when, and the record version it stored.
    struct RecordChange: Encodable {
        var sequence: Int64
        var kind: VitaCore.RecordChange.Kind
        var changedAt: Date
        var record: Record

        init(_ change: VitaCore.RecordChange, _ record: LearnerRecord) {
            sequence = change.sequence
            kind = change.kind
            changedAt = change.changedAt
            self.record = Record(record)
        }
    }

    struct RecordBodyJSON: Encodable {
        let body: RecordBody
        init(_ body: RecordBody) { self.body = body }
        func encode(to encoder: any Encoder) throws {
            switch body {
            case .affiliation(let value): try value.encode(to: encoder)
            case .experience(let value): try value.encode(to: encoder)
            case .competency(let value): try value.encode(to: encoder)
            case .credential(let value): try value.encode(to: encoder)
            case .employment(let value): try value.encode(to: encoder)
            }
        }
    }

    /// A learner's access log: a page of the audit entries about them, and from when entries were archived.
    struct AccessLog: Encodable {
        var items: [AuditEntry]
        var nextCursor: String?
        /// Entries that occurred before this time may have been moved to an audit archive and are not listed.
        var archivedBefore: Date?

        init(_ page: Page<AuditEntry>, archive: VitaCore.AuditArchive.Checkpoint?) {
            items = page.items
            nextCursor = page.nextCursor
            archivedBefore = archive?.cutOff
        }
    }

    struct AuditArchive: Encodable {
        var firstSequence: Int64
        var lastSequence: Int64
        var lastHash: String
        var digest: String
        var cutOff: Date
        var archivedAt: Date

        init(_ checkpoint: VitaCore.AuditArchive.Checkpoint) {
            firstSequence = checkpoint.firstSequence
            lastSequence = checkpoint.lastSequence
            lastHash = checkpoint.lastHash
            digest = checkpoint.digest
            cutOff = checkpoint.cutOff
            archivedAt = checkpoint.archivedAt
        }
    }

    struct AuditHead: Encodable {
        var sequence: Int64
        var hash: String
        /// `<sequence>:<hash>`, as `vita audit verify --anchor` takes it.
        var anchor: String
    }

    struct AuditVerification: Encodable {
        var intact: Bool
        var checked: Int64
        var firstBrokenSequence: Int64?
        var reason: String?
        /// The last entry moved to an archive (`vita audit archive`), if any: entries up to it are not stored.
        var archivedThrough: Int64?
        var archives: Int
        /// The chain head as an anchor, `<sequence>:<hash>`, to record outside Vita (`vita audit verify --anchor`).
        var anchor: String
    }

    struct Health: Encodable {
        var status: String
    }
}
