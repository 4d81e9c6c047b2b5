import Foundation
import Testing
import VitaTestSupport

struct DenialReasonTests {
    @Test("a read any category would satisfy, denied for all, names the agreement's state rather than the uncovered categories",
          arguments: TestEngine.available)
    func mostTellingDenial(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world(categories: ["experiences"], extraProfileAgreement: false)
            let learner = try await api.learner(key: world.systemKey)
            let current = try await api.admin(.get, "/api/v1/agreements/\(world.agreementId)")
            let suspended = try await api.admin(.patch, "/api/v1/agreements/\(world.agreementId)", json: ["status": "suspended"],
                                                headers: ["If-Match": try #require(current.headers[.eTag])])
            #expect(suspended.status == 200, "\(suspended.string)")
            let read = try await api.send(.get, "/api/v1/learners/\(learner)", key: world.systemKey)
            #expect(read.status == 403)
            #expect(read["rule"] as? String == "status", "\(read.string)")
            #expect(read["agreementId"] as? String == world.agreementId)
            // A read of one category still names that category's own denial.
            let employment = try await api.send(.get, "/api/v1/learners/\(learner)/employment", key: world.systemKey)
            #expect(employment["rule"] as? String != "status", "\(employment.string)")
        }
    }
}
