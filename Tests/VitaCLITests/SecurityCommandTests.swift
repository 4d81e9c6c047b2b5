import Foundation
import Testing

extension CommandLineTests {
    @Test("vita oauth purge prints what it deleted; vita serve refuses a negative rate limit, and purge a negative grace")
    func oauthPurgeAndRateLimitOptions() throws {
        let purge = try VitaProcess.run(["oauth", "purge", "--data-dir", "data"], in: folder)
        #expect(purge.status == 0, "\(purge.error)")
        #expect(purge.output == "Deleted 0 authorization codes, 0 pending authorizations, 0 tokens and 0 ended web sessions.\n")
        let negative = try VitaProcess.run(["serve", "--rate-limit=-1", "--data-dir", "data"], in: folder)
        #expect(negative.status == 1)
        #expect(negative.error.contains("rate limits must be 0 or more"))
        let grace = try VitaProcess.run(["oauth", "purge", "--grace=-5", "--data-dir", "data"], in: folder)
        #expect(grace.status == 1)
        #expect(grace.error.contains("--grace must be 0 or more"))
    }
}
