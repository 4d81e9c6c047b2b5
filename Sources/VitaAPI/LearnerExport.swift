import Foundation
import VitaCore
import VitaStorage

/// A learner's full record as one JSON document, in the same shapes the Learner API returns.
public struct ExportDocument: Encodable {
    let learner: Learner
    let records: [LearnerRecord]
    let profile: LearnerProfile

    /// Creates an export of `learner` with every record version and the profile.
    public init(learner: Learner, records: [LearnerRecord], profile: LearnerProfile) {
        self.learner = learner
        self.records = records
        self.profile = profile
    }

    enum CodingKeys: String, CodingKey { case learner, records, profile }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(learner, forKey: .learner)
        try container.encode(records.map(DTO.Record.init), forKey: .records)
        try container.encode(profile, forKey: .profile)
    }

    /// The document as JSON.
    public func encoded() throws -> Data {
        try APIJSON.encoder.encode(self)
    }

    /// The export of a learner as `tx` sees it: every version of every record (deleted ones included) and the
    /// profile of the current records on `now`'s date; nil when there is no such learner.
    public static func load(_ tx: StoreTransaction, learnerId: String, now: Date) async throws -> ExportDocument? {
        guard let learner = try await tx.learner(id: learnerId) else { return nil }
        let current = try await tx.records(learnerId: learnerId, categories: RecordCategory.stored, organizations: nil,
                                           includeDeleted: true).items
        var history: [LearnerRecord] = []
        for record in current { history += try await tx.versions(ofRecord: record.id) }
        let profile = ProfileRules.profile(learnerId: learnerId, records: current, referenceDate: CalendarDate(now))
        return ExportDocument(learner: learner, records: history, profile: profile)
    }
}
