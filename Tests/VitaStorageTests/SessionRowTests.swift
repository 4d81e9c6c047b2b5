import Foundation
import SQLKit
import Testing
@testable import VitaStorage
import VitaTestSupport

/// The sessions' own row decoding and binding (SQLite's `DirectSQLiteRow`, PostgreSQL's `PostgresSession`) give what
/// SQLiteKit and PostgresKit give, for the types they handle themselves and for the rest.
struct SessionRowTests {
    @Test("every column type reads back through the session, null and present, on both engines",
          arguments: TestEngine.available)
    func columnTypes(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let row = try await test.database.read { tx in
                try await tx.db.raw("""
                    SELECT \(bind: "text") AS text, \(bind: Int64(1) << 40) AS big, \(bind: 7) AS small,
                      \(bind: String?.none) AS none_text, \(bind: Int64?.none) AS none_big, \(bind: 2.5) AS double,
                      \(bind: true) AS flag, \(bind: Data([1, 2, 3])) AS bytes
                    """).first()
            }
            let read = try #require(row)
            #expect(try read.decode(column: "text", as: String.self) == "text")
            #expect(try read.decode(column: "text", as: String?.self) == "text")
            #expect(try read.decode(column: "big", as: Int64.self) == 1 << 40)
            #expect(try read.decode(column: "big", as: Int?.self) == 1 << 40)
            #expect(try read.decode(column: "small", as: Int.self) == 7)
            #expect(try read.decode(column: "small", as: Int64?.self) == 7)
            #expect(try read.decode(column: "none_text", as: String?.self) == nil)
            #expect(try read.decode(column: "none_big", as: Int64?.self) == nil)
            #expect(try read.decodeNil(column: "none_text"))
            #expect(try !read.decodeNil(column: "text"))
            #expect(try read.decode(column: "double", as: Double.self) == 2.5)
            #expect(try read.decode(column: "bytes", as: Data.self) == Data([1, 2, 3]))
            #expect(throws: (any Error).self) { try read.decode(column: "missing", as: String.self) }
            #expect(throws: (any Error).self) { try read.decode(column: "none_text", as: String.self) }
        }
    }

    @Test("PostgreSQL binds the types Vita stores itself and leaves any other to PostgresKit")
    func postgresBindings() {
        let handled: [any Encodable & Sendable] = ["a", 1, Int64(2), 2.5, true, String?.none, Int64?.none, Optional("b")]
        #expect(PostgresSession.bindings(handled)?.count == handled.count)
        #expect(PostgresSession.bindings(["a", Date()]) == nil)
        #expect(PostgresSession.bindings([Data([1])]) == nil)
    }
}
