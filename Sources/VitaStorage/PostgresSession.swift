import Logging
import NIOCore
import PostgresKit
import SQLKit
import Synchronization

/// SQLKit's view of one pooled PostgreSQL connection for a session.
///
/// Statements whose bind values are of the few types Vita stores (text, integers, doubles, booleans, null) go to
/// PostgresNIO directly, and their rows decode those types straight from the cells (`PostgresSessionRow`); PostgresKit's
/// generic translation asks every value and column type whether it conforms to `PostgresEncodable`/`PostgresDecodable`
/// and builds a coding path for it, which showed as 7 % of a profile read (docs/PERFORMANCE.md). A statement sent a
/// second time is a named prepared statement from then on (`PreparedStatementNames`): PostgreSQL parses and analyses
/// it once per connection instead of on every run. Anything else goes through PostgresKit (`base`), unchanged. Each
/// statement is logged at trace level without its bind values, which carry learners' personal data and token hashes
/// (PostgresKit's own query log would write them; it is switched off).
struct PostgresSession: SQLDatabase {
    let connection: PostgresConnection
    /// PostgresKit's view of the same connection.
    let base: any SQLDatabase
    /// Whether statements sent more than once run as named prepared statements.
    let preparesStatements: Bool

    init(connection: PostgresConnection, preparesStatements: Bool = true) {
        self.connection = connection
        self.base = connection.sql(queryLogLevel: nil)
        self.preparesStatements = preparesStatements
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
        guard preparesStatements, let name = PreparedStatementNames.shared.name(for: sql) else {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            for try await row in rows {
                onRow(PostgresSessionRow(row: row))
            }
            return
        }
        do {
            let rows = try await NamedStatement.$text.withValue(.init(name: name, sql: sql)) {
                try await connection.execute(NamedStatement(bindings: bindings), logger: logger)
            }
            for try await row in rows {
                onRow(PostgresSessionRow(row: row))
            }
        } catch let error as PSQLError where PreparedStatementNames.leavesNameUnusable(error) {
            PreparedStatementNames.shared.renew(sql)
            throw error
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

/// The names under which statements are prepared on PostgreSQL connections.
///
/// PostgreSQL parses, analyses and plans an unnamed statement on every run; for the access snapshot of a profile read
/// that took three times as long as running it (docs/PERFORMANCE.md). A statement text seen a second time gets a
/// name, and PostgresNIO prepares it under that name the first time each connection runs it, then only binds and
/// executes it. Texts run once (migrations, one-off administration) stay unnamed, and at most `limit` texts are
/// named, which bounds what each server connection holds. A name is only a handle: nothing here is state another
/// node needs.
final class PreparedStatementNames: Sendable {
    static let shared = PreparedStatementNames()

    /// How many statement texts get a name at most.
    static let limit = 256
    /// How many texts run once are remembered at most; past that, new texts stay unnamed.
    private static let seenLimit = 4096

    private struct State {
        /// Texts run once so far.
        var seen: Set<String> = []
        /// The named texts.
        var names: [String: String] = [:]
        var lastNumber = 0
    }

    private let state = Mutex(State())

    /// The name to run `sql` under, or nil to run it unnamed (its first run, or when the limits are reached).
    func name(for sql: String) -> String? {
        state.withLock { state in
            if let name = state.names[sql] { return name }
            guard state.seen.remove(sql) != nil else {
                if state.seen.count < Self.seenLimit { state.seen.insert(sql) }
                return nil
            }
            guard state.names.count < Self.limit else { return nil }
            state.lastNumber += 1
            let name = "vita_\(state.lastNumber)"
            state.names[sql] = name
            return name
        }
    }

    /// Gives `sql` a new name: a connection on which preparing it failed keeps that failure under the old name.
    func renew(_ sql: String) {
        state.withLock { state in
            guard state.names[sql] != nil else { return }
            state.lastNumber += 1
            state.names[sql] = "vita_\(state.lastNumber)"
        }
    }

    /// Whether `error` may have come from preparing the statement (PostgresNIO then refuses the name on that
    /// connection from then on) or says the prepared form no longer fits: a transaction already failed (class 25), a
    /// missing or invalid object (42), an invalid statement name (26), a cached plan whose result changed with the
    /// schema (0A), a bind value of another type than the statement was prepared with (22P03). Constraint violations
    /// and the like leave the prepared statement usable.
    static func leavesNameUnusable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "22P03" || ["25", "26", "42", "0A"].contains { state.hasPrefix($0) }
    }
}

/// A statement run under a name given by `PreparedStatementNames`. PostgresNIO's prepared statements name their SQL
/// by type (`static var sql`); the text and name of the statement being run are handed to it in a task-local value,
/// which PostgresNIO reads when the statement is sent, in the caller's task.
private struct NamedStatement: PostgresPreparedStatement {
    struct Text: Sendable {
        var name: String
        var sql: String
    }

    @TaskLocal static var text = Text(name: "", sql: "")

    static var name: String { text.name }
    static var sql: String { text.sql }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
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
