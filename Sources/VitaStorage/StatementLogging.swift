import Logging
import NIOCore
import SQLKit

/// A PostgreSQL session that logs each statement at trace level without its bind values, which carry learners'
/// personal data and token hashes (PostgresKit's own query log would write the binds; it is switched off).
struct StatementLoggingDatabase: SQLDatabase {
    let base: any SQLDatabase

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { nil }

    private func log(_ query: any SQLExpression) {
        guard logger.logLevel <= .trace else { return }
        let (sql, binds) = base.serialize(query)
        logger.trace("\(sql)", metadata: ["sql.binds": "\(binds.count)"])
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        log(query)
        return base.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        log(query)
        try await base.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await base.withSession { try await closure(StatementLoggingDatabase(base: $0)) }
    }
}
