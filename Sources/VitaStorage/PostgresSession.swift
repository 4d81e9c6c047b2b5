import Logging
import NIOCore
import PostgresKit
import SQLKit

/// SQLKit's view of one pooled PostgreSQL connection for a session.
///
/// Statements whose bind values are of the few types Vita stores (text, integers, doubles, booleans, null) go to
/// PostgresNIO directly, and their rows decode those types straight from the cells (`PostgresSessionRow`); PostgresKit's
/// generic translation asks every value and column type whether it conforms to `PostgresEncodable`/`PostgresDecodable`
/// and builds a coding path for it, which showed as 7 % of a profile read (docs/PERFORMANCE.md). Anything else goes
/// through PostgresKit (`base`), unchanged. Each statement is logged at trace level without its bind values, which
/// carry learners' personal data and token hashes (PostgresKit's own query log would write them; it is switched off).
struct PostgresSession: SQLDatabase {
    let connection: PostgresConnection
    /// PostgresKit's view of the same connection.
    let base: any SQLDatabase

    init(connection: PostgresConnection) {
        self.connection = connection
        self.base = connection.sql(queryLogLevel: nil)
    }

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { nil }

    private func log(_ sql: String, binds: Int) {
        guard logger.logLevel <= .trace else { return }
        logger.trace("\(sql)", metadata: ["sql.binds": "\(binds)"])
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        if logger.logLevel <= .trace {
            let (sql, binds) = base.serialize(query)
            log(sql, binds: binds.count)
        }
        return base.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let (sql, binds) = base.serialize(query)
        log(sql, binds: binds.count)
        guard let bindings = Self.bindings(binds) else {
            try await base.execute(sql: query, onRow)
            return
        }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        for try await row in rows {
            onRow(PostgresSessionRow(row: row))
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }

    /// The bind values encoded as PostgresNIO encodes these types; nil when one is of another type.
    static func bindings(_ binds: [any Encodable & Sendable]) -> PostgresBindings? {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case let text as String: bindings.append(text, context: .default)
            case let integer as Int: bindings.append(integer, context: .default)
            case let integer as Int64: bindings.append(integer, context: .default)
            case let double as Double: bindings.append(double, context: .default)
            case let flag as Bool: bindings.append(flag, context: .default)
            default:
                guard (bind as? any OptionalValue)?.isNone == true else { return nil }
                bindings.appendNull()
            }
        }
        return bindings
    }
}

/// An optional of any type, to tell a bound `nil` from a value of a type not handled here.
private protocol OptionalValue {
    var isNone: Bool { get }
}

extension Optional: OptionalValue {
    var isNone: Bool { self == nil }
}

/// A row read by `PostgresSession`: text and integer columns decoded from the cell by type identity, anything else
/// (and anything those cannot decode) as PostgresKit decodes it.
struct PostgresSessionRow: SQLRow {
    let row: PostgresRow
    let cells: PostgresRandomAccessRow

    init(row: PostgresRow) {
        self.row = row
        self.cells = row.makeRandomAccess()
    }

    var allColumns: [String] { cells.map(\.columnName) }

    func contains(column: String) -> Bool { cells.contains(column) }

    func decodeNil(column: String) throws -> Bool { !cells.contains(column) || cells[column].bytes == nil }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        if cells.contains(column), let value = try? Self.decode(cells[column], as: D.self) { return value }
        return try row.sql().decode(column: column, as: D.self)
    }

    private static func decode<D>(_ cell: PostgresCell, as: D.Type) throws -> D? {
        if D.self == String.self { return unsafeBitCast(try cell.decode(String.self), to: D.self) }
        if D.self == String?.self { return unsafeBitCast(try cell.decode(String?.self), to: D.self) }
        if D.self == Int64.self { return unsafeBitCast(try cell.decode(Int64.self), to: D.self) }
        if D.self == Int64?.self { return unsafeBitCast(try cell.decode(Int64?.self), to: D.self) }
        if D.self == Int.self { return unsafeBitCast(try cell.decode(Int.self), to: D.self) }
        if D.self == Int?.self { return unsafeBitCast(try cell.decode(Int?.self), to: D.self) }
        return nil
    }
}
