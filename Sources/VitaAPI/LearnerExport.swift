import Foundation
import VitaCore

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
}
