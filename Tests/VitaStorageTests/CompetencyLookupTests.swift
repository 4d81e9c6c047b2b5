import Foundation
import SQLKit
import Testing
import VitaCore
@testable import VitaStorage
import VitaTestSupport

struct CompetencyLookupTests {
    @Test("competencies are found by their CASE item URI, including those stored before the column existed (migration 23's backfill)",
          arguments: TestEngine.available)
    func byCaseItem(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let uri = "https://case.example/uri/sorting"
            let first = Competency(id: EntityID.make("cmp"), name: "Sorting", caseItemURI: uri, createdAt: Date())
            let other = Competency(id: EntityID.make("cmp"), name: "Searching", caseItemURI: "https://case.example/uri/searching",
                                   createdAt: Date())
            let plain = Competency(id: EntityID.make("cmp"), name: "Teamwork", createdAt: Date())
            try await test.database.transaction { tx in
                for competency in [first, other, plain] { try await tx.insert(competency) }
            }
            #expect(try await test.database.read { try await $0.competencies(caseItemURI: uri) }.map(\.id) == [first.id])
            // As a database migrated from version 22 holds them: the column empty.
            try await test.database.withConnection { try await $0.raw("UPDATE competencies SET case_item_uri = NULL").run() }
            #expect(try await test.database.read { try await $0.competencies(caseItemURI: uri) }.isEmpty)
            try await test.database.transaction { try await $0.fillCompetencyCaseItems() }
            #expect(try await test.database.read { try await $0.competencies(caseItemURI: uri) }.map(\.id) == [first.id])
            #expect(try await test.database.read { try await $0.competencies(caseItemURI: "https://case.example/uri/none") }.isEmpty)
        }
    }
}
