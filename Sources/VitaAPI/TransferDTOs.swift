import Foundation
import VitaCore

extension DTO {
    /// `POST /api/v1/peers`.
    struct CreatePeer: Decodable {
        var name: String
        var baseURL: String
        /// The local organization that stands for the peer's organization.
        var organizationId: String
        var clientId: String
        /// Sealed at rest, never returned.
        var clientSecret: String
        var scope: String?
    }

    /// `POST /api/v1/transfers`.
    struct CreateTransfer: Decodable {
        var peerId: String
        var sourceLearnerId: String
        var categories: [RecordCategory]?
    }

    /// What a transfer did.
    struct TransferSummary: Codable, Sendable {
        var peerId: String
        var sourceLearnerId: String
        /// The learner at this Vita.
        var learnerId: String
        /// The categories that were transferred.
        var categories: [RecordCategory]
        var created = 0
        var updated = 0
        var unchanged = 0
        /// Records received before that the peer has deleted since, deleted here too.
        var deleted = 0
        /// Verified credentials received.
        var credentials = 0
        /// Of those, the ones new or changed since the last transfer.
        var credentialsStored = 0
    }

    /// One line of an `application/x-ndjson` transfer response.
    struct TransferStep: Encodable, Sendable {
        /// `token`, `learner`, `category`, `credentials`, `summary` or `error`.
        var step: String
        var category: RecordCategory?
        var records: Int?
        /// Why a category was left out (the peer refused it).
        var skipped: String?
        var verified: Int?
        var summary: TransferSummary?
        var problem: Problem?

        init(step: String, category: RecordCategory? = nil, records: Int? = nil, skipped: String? = nil,
             verified: Int? = nil, summary: TransferSummary? = nil, problem: Problem? = nil) {
            self.step = step
            self.category = category
            self.records = records
            self.skipped = skipped
            self.verified = verified
            self.summary = summary
            self.problem = problem
        }
    }
}
