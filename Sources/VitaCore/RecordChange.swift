import Foundation

/// One change to a learner record, in the order changes were committed: the entry of the change feed
/// (`docs/CHANGES.md`) from which a connected system keeps its copy of the records it may read up to date.
public struct RecordChange: Sendable, Equatable {
    /// What the change did to the record.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The record's first version was stored.
        case created
        /// A later version with a body was stored.
        case updated
        /// A tombstone version was stored (the record was deleted, with a reason).
        case deleted
        /// The learner was erased: the bodies of every version of the record are gone; ids and provenance remain.
        case erased
    }

    /// The change's place in the feed: every change committed later has a greater sequence number.
    public var sequence: Int64
    /// What the change did.
    public var kind: Kind
    /// The record.
    public var recordId: String
    /// The version the change stored (for an erasure, the record's current version).
    public var version: Int
    /// The learner the record is about.
    public var learnerId: String
    /// The record's category.
    public var category: RecordCategory
    /// The organization the record is held for (the provider in agreements).
    public var organizationId: String
    /// When Vita recorded the change.
    public var changedAt: Date

    /// Creates a change.
    public init(sequence: Int64, kind: Kind, recordId: String, version: Int, learnerId: String, category: RecordCategory,
                organizationId: String, changedAt: Date) {
        self.sequence = sequence
        self.kind = kind
        self.recordId = recordId
        self.version = version
        self.learnerId = learnerId
        self.category = category
        self.organizationId = organizationId
        self.changedAt = changedAt
    }

    /// The kind of change that storing `record` makes: its first version creates it, a tombstone deletes it, any other
    /// version updates it.
    public static func kind(of record: LearnerRecord) -> Kind {
        if record.version == 1 { return .created }
        return record.deletion != nil && record.body == nil ? .deleted : .updated
    }
}
