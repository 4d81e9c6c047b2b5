import Foundation
import SQLKit
import Testing
import VitaCore
@testable import VitaStorage
import VitaTestSupport

/// Learners found by their identifiers (`learner_identifiers`): kept with every write of a learner, filled by its
/// migration from the learners stored before.
struct LearnerIdentifierTests {
    @Test("a learner is found by an identifier's value in any case, of one scheme if asked, and with a holder only when that organization holds them; a corrected identifier is found by its new value only, an erased learner by none",
          arguments: TestEngine.available)
    func lookUp(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let now = StorageTests.now
            let (organization, ada) = try await test.database.transaction { try await StorageTests.seed($0) }
            let bob = Learner(id: EntityID.make("lrn"), name: .init(display: "Bob"),
                              identifiers: [Identifier(scheme: .email, value: "bob@riverside.edu"),
                                            Identifier(scheme: .institutional, value: "S-1001", issuer: organization.id)],
                              createdAt: now, updatedAt: now)
            try await test.database.transaction { tx in
                try await tx.insertNew([bob])
                try await tx.addHolder(learnerId: bob.id, organizationId: organization.id)
            }
            func find(_ value: String, _ scheme: Identifier.Scheme? = nil, holder: String? = nil) async throws -> [String] {
                try await test.database.read {
                    try await $0.learners(identifiedBy: value, scheme: scheme, holder: holder, limit: 20).items.map(\.id)
                }
            }
            #expect(try await find("ADA@Riverside.edu") == [ada.id])
            #expect(try await find("s-1001", .institutional) == [bob.id])
            #expect(try await find("S-1001", .email).isEmpty)
            #expect(try await find("bob@riverside.edu", holder: organization.id) == [bob.id])
            #expect(try await find("ada@riverside.edu", holder: organization.id).isEmpty, "Ada is held by no organization")

            var corrected = bob
            corrected.identifiers = [Identifier(scheme: .email, value: "robert@riverside.edu")]
            corrected.version = 2
            try await test.database.transaction { [corrected] in try await $0.update(corrected, expectedVersion: 1) }
            #expect(try await find("bob@riverside.edu").isEmpty)
            #expect(try await find("robert@riverside.edu") == [bob.id])

            try await test.database.transaction {
                try await $0.erase(learnerId: bob.id, tombstone: Tombstone(reason: "asked", at: now, by: "admin"))
            }
            #expect(try await find("robert@riverside.edu").isEmpty)
        }
    }

    @Test("the migration fills the index from the learners stored before it", arguments: TestEngine.available)
    func migrationFillsTheIndex(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let (_, ada) = try await test.database.transaction { try await StorageTests.seed($0) }
            try await test.database.withConnection { try await $0.raw("DELETE FROM learner_identifiers").run() }
            #expect(try await test.database.read { try await $0.learners(identifiedBy: "ada@riverside.edu", scheme: nil, holder: nil, limit: 5) }
                .items.isEmpty)
            let migration = try #require(Migrations.all.first { $0.name == "learner identifiers" })
            try await test.database.transaction { try await migration.backfill!($0) }
            #expect(try await test.database.read { try await $0.learners(identifiedBy: "ada@riverside.edu", scheme: .email, holder: nil, limit: 5) }
                .items.map(\.id) == [ada.id])
        }
    }
}
