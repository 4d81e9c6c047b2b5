import Foundation
import SQLKit
import Testing
import VitaCore
@testable import VitaStorage
import VitaTestSupport

/// Learners found by the words of their names (`learner_name_words`): kept with every write of a learner, filled by
/// its migration from the learners stored before.
struct LearnerNameSearchTests {
    @Test("a learner is found by the beginnings of the words of their names, in any case and with or without accents, every word of the search matching; with a holder only when that organization holds them; a corrected name is found by its new words only, an erased learner by none",
          arguments: TestEngine.available)
    func search(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let now = StorageTests.now
            let (organization, ada) = try await test.database.transaction { try await StorageTests.seed($0) }
            func learner(_ display: String, given: String? = nil, family: String? = nil) -> Learner {
                Learner(id: EntityID.make("lrn"), name: .init(given: given, family: family, display: display), identifiers: [],
                        createdAt: now, updatedAt: now)
            }
            let adam = learner("Adam Smith")
            let adb = learner("Adbul Karim")
            let jose = learner("José Ñúñez", given: "José María", family: "Ñúñez")
            let ivan = learner("Иван Петров")
            let oneil = learner("Siobhán O'Neil-Byrne")
            try await test.database.transaction { tx in
                try await tx.insertNew([adam, adb, jose, ivan, oneil])
                for held in [adam, jose, oneil] { try await tx.addHolder(learnerId: held.id, organizationId: organization.id) }
            }
            func find(_ search: String, holder: String? = nil, limit: Int = 20) async throws -> [String] {
                try await test.database.read { try await $0.learners(named: search, holder: holder, limit: limit).items.map(\.id) }
            }
            #expect(try await find("ada") == [ada.id, adam.id], "Ada and Adam begin so; Adbul does not")
            #expect(try await find("AD") == [ada.id, adam.id, adb.id])
            #expect(try await find("ada love") == [ada.id], "every word must match")
            #expect(try await find("smi ada") == [adam.id], "in any order")
            #expect(try await find("jose nunez") == [jose.id], "without the accents")
            #expect(try await find("Ñúñ") == [jose.id], "or with them")
            #expect(try await find("maria") == [jose.id], "the given names count")
            #expect(try await find("пет") == [ivan.id], "beyond Latin letters")
            #expect(try await find("oneil") == [oneil.id], "an apostrophe joins")
            #expect(try await find("byrne") == [oneil.id], "a hyphen separates")
            #expect(try await find("ada", holder: organization.id) == [adam.id], "Ada is held by no organization")
            #expect(try await find("zzz").isEmpty)
            #expect(try await find("--").isEmpty, "a search without a word finds no one")

            let firstPage = try await test.database.read { try await $0.learners(named: "ad", holder: nil, limit: 2) }
            #expect(firstPage.items.map(\.id) == [ada.id, adam.id])
            let secondPage = try await test.database.read {
                try await $0.learners(named: "ad", holder: nil, after: firstPage.nextCursor, limit: 2)
            }
            #expect(secondPage.items.map(\.id) == [adb.id] && secondPage.nextCursor == nil)

            var renamed = adam
            renamed.name = .init(display: "Adam Jones")
            renamed.version = 2
            try await test.database.transaction { [renamed] in try await $0.update(renamed, expectedVersion: 1) }
            #expect(try await find("smith").isEmpty)
            #expect(try await find("jones") == [adam.id])

            try await test.database.transaction {
                try await $0.erase(learnerId: adam.id, tombstone: Tombstone(reason: "asked", at: now, by: "admin"))
            }
            #expect(try await find("adam").isEmpty)
        }
    }

    @Test("the migration makes the index and fills it from the learners stored before it", arguments: TestEngine.available)
    func migrationFillsTheIndex(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let (_, ada) = try await test.database.transaction { try await StorageTests.seed($0) }
            try await test.database.withConnection { try await $0.raw("DROP TABLE learner_name_words").run() }
            let migration = try #require(Migrations.all.first { $0.name == "learner names" })
            try await test.database.transaction { try await migration.backfill!($0) }
            #expect(try await test.database.read { try await $0.learners(named: "lovelace", holder: nil, limit: 5) }.items.map(\.id)
                == [ada.id])
        }
    }

    @Test("the refolding migration makes again the words of learners indexed before it", arguments: TestEngine.available)
    func refoldingMigration(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let (_, ada) = try await test.database.transaction { try await StorageTests.seed($0) }
            // As the index stood before: a word written with a letter the old folding kept.
            try await test.database.withConnection { db in
                try await db.raw("DELETE FROM learner_name_words").run()
                try await db.raw("INSERT INTO learner_name_words (word, learner_id) VALUES ('løvelace', \(bind: ada.id))").run()
            }
            #expect(try await test.database.read { try await $0.learners(named: "lovelace", holder: nil, limit: 5) }.items.isEmpty)
            let migration = try #require(Migrations.all.first { $0.name == "learner names refolded" })
            try await test.database.transaction { tx in
                for statement in migration.statements { try await tx.db.raw(SQLQueryString(statement)).run() }
                try await migration.backfill!(tx)
            }
            #expect(try await test.database.read { try await $0.learners(named: "lovelace", holder: nil, limit: 5) }.items.map(\.id)
                == [ada.id])
            #expect(try await test.database.read { try await $0.learners(named: "løv", holder: nil, limit: 5) }.items.map(\.id)
                == [ada.id])
        }
    }

    @Test("a prefix's successor is the prefix with its last character's successor, surrogates skipped")
    func successor() {
        #expect(StoreTransaction.successor(ofPrefix: "ada") == "adb")
        #expect(StoreTransaction.successor(ofPrefix: "a\u{D7FF}") == "a\u{E000}")
        #expect(StoreTransaction.successor(ofPrefix: "пет") == "пеу")
    }
}
