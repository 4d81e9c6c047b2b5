import Foundation
import SQLKit
import Testing
import SQLiteKit
@testable import VitaStorage
import VitaTestSupport

/// PostgreSQL sessions run a statement sent more than once as a named prepared statement (`PreparedStatementNames`).
struct PreparedStatementTests {
    @Test("a statement text is named from its second run on, keeps its name, and a renewed one gets another")
    func naming() {
        let names = PreparedStatementNames()
        #expect(names.name(for: "SELECT 1") == nil)
        let name = names.name(for: "SELECT 1")
        #expect(name != nil)
        #expect(names.name(for: "SELECT 1") == name)
        #expect(names.name(for: "SELECT 2") == nil)
        #expect(names.name(for: "SELECT 2") != name)
        names.renew("SELECT 1")
        let renewed = names.name(for: "SELECT 1")
        #expect(renewed != nil && renewed != name)
    }

    @Test("no more than the limit of statement texts are named; the rest run unnamed")
    func limit() {
        let names = PreparedStatementNames()
        var named = Set<String>()
        for number in 0...PreparedStatementNames.limit {
            let sql = "SELECT \(number)"
            _ = names.name(for: sql)
            if let name = names.name(for: sql) { named.insert(name) }
        }
        #expect(named.count == PreparedStatementNames.limit)
        #expect(names.name(for: "SELECT \(PreparedStatementNames.limit)") == nil)
    }

    @Test("a SQLite connection keeps at most its limit of prepared statements, finalizing the least recently used, and a statement it let go runs again")
    func sqliteStatementLimit() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vita-prepared-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let connection = try DirectSQLiteConnection(path: path)
        defer { connection.close() }
        func value(_ sql: String) throws -> SQLiteData? {
            var found: SQLiteData?
            try connection.execute(sql, []) { _, values in found = values.first }
            return found
        }
        let kept = connection.keptStatements
        #expect(try value("SELECT 'often'") == .text("often"))
        for number in 0..<(DirectSQLiteConnection.maxStatements + 50) {
            #expect(try value("SELECT \(number)") == .integer(number))
            if number % 100 == 0 { _ = try value("SELECT 'often'") }
        }
        #expect(connection.keptStatements == DirectSQLiteConnection.maxStatements)
        #expect(kept < DirectSQLiteConnection.maxStatements)
        #expect(try value("SELECT 0") == .integer(0), "a statement let go is prepared again")
        #expect(try value("SELECT 'often'") == .text("often"))
        #expect(connection.keptStatements == DirectSQLiteConnection.maxStatements)
    }

    @Test("a statement first prepared inside a failed transaction, or whose table changed, works again on the same connection",
          .enabled(if: TestEngine.available.contains(.postgres)))
    func recovery() async throws {
        try await TestDatabase.with(.postgres) { test in
            try await test.database.withConnection { db in
                try await db.raw("CREATE TABLE prepared_probe (id text PRIMARY KEY)").run()
                try await db.raw("INSERT INTO prepared_probe VALUES ('a')").run()
                let other: SQLQueryString = "SELECT id FROM prepared_probe WHERE id <> \(bind: "b")"
                #expect(try await db.raw(other).all().count == 1)
                // The second run is the first under a name: PostgreSQL refuses to prepare it in a failed transaction,
                // and PostgresNIO would keep refusing that name on this connection.
                try await db.raw("BEGIN").run()
                await #expect(throws: (any Error).self) {
                    try await db.raw("SELECT id FROM prepared_probe WHERE id = \(bind: 1)::int / 0").run()
                }
                await #expect(throws: (any Error).self) { try await db.raw(other).all() }
                try await db.raw("ROLLBACK").run()
                #expect(try await db.raw(other).all().count == 1)

                let every: SQLQueryString = "SELECT * FROM prepared_probe WHERE id = \(bind: "a")"
                for _ in 0..<3 { #expect(try await db.raw(every).all().first?.allColumns == ["id"]) }
                // `SELECT *` now has another result: the prepared form is refused once, then prepared anew.
                try await db.raw("ALTER TABLE prepared_probe ADD COLUMN extra text").run()
                let columns = try? await db.raw(every).all().first?.allColumns
                let again = try await db.raw(every).all().first?.allColumns
                #expect((columns ?? again) == ["id", "extra"] && again == ["id", "extra"])
            }
        }
    }

    @Test("a PostgreSQL connection holds a repeated statement prepared, and none when preparing is turned off",
          .enabled(if: TestEngine.available.contains(.postgres)), arguments: [true, false])
    func preparedOnTheServer(_ prepares: Bool) async throws {
        let url = try #require(ProcessInfo.processInfo.environment["VITA_TEST_POSTGRES_URL"])
        let database = try VitaDatabase.open(.postgres(url: url), maxConnections: 2, preparesStatements: prepares)
        let marker = "probe_\(UUID().uuidString.prefix(8).lowercased())"
        do {
            let held = try await database.withConnection { db in
                for _ in 0..<3 {
                    #expect(try await db.raw("SELECT \(bind: 1) AS \(ident: marker)").first()?.decode(column: marker, as: Int.self) == 1)
                }
                return try await db.raw("SELECT count(*) AS held FROM pg_prepared_statements WHERE statement LIKE \(bind: "%" + marker + "%")")
                    .first()?.decode(column: "held", as: Int64.self)
            }
            #expect(held == (prepares ? 1 : 0))
        } catch {
            try? await database.shutdown()
            throw error
        }
        try await database.shutdown()
    }
}

