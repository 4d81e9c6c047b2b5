import Foundation
import SQLKit

extension StoreTransaction {
    /// Records that `systemId` voided the statement whose raw data URI is `statementURI` (xAPI Part Two §2.3.2); false
    /// when it was voided already.
    public func voidStatement(systemId: String, statementURI: String, at time: Date) async throws -> Bool {
        let rows = try await db.raw("""
            INSERT INTO xapi_voided_statements (system_id, statement_uri, voided_at)
            VALUES (\(bind: systemId), \(bind: statementURI), \(bind: Self.ms(time)))
            ON CONFLICT (system_id, statement_uri) DO NOTHING
            RETURNING statement_uri
            """).all()
        return !rows.isEmpty
    }

    /// The raw data URIs of the statements `systemId` voided, among `statementURIs`.
    public func voidedStatements(systemId: String, among statementURIs: [String]) async throws -> Set<String> {
        guard !statementURIs.isEmpty else { return [] }
        let rows = try await db.raw("""
            SELECT statement_uri FROM xapi_voided_statements
            WHERE system_id = \(bind: systemId) AND statement_uri IN (\(SQLList(statementURIs.map { SQLBind($0) })))
            """).all()
        return Set(try rows.map { try $0.decode(column: "statement_uri", as: String.self) })
    }

    /// The records with a version that `systemId` wrote from the raw data at `rawDataURI` (a statement's URN).
    public func recordIds(system systemId: String, rawDataURI: String) async throws -> [String] {
        try await db.raw("""
            SELECT DISTINCT id FROM records WHERE system_id = \(bind: systemId) AND raw_data_uri = \(bind: rawDataURI)
            ORDER BY id
            """).all().map { try $0.decode(column: "id", as: String.self) }
    }
}
