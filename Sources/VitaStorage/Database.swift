@preconcurrency import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit

/// Where Vita keeps its data.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// An SQLite file (the embedded default).
    case sqlite(path: String)
    /// A PostgreSQL database, by `postgres://` URL.
    case postgres(url: String)

    /// Chooses the location from the options a user gives: a `postgres://` URL wins, else SQLite in `dataDirectory`.
    public static func resolve(databaseURL: String?, dataDirectory: String) throws -> DatabaseLocation {
        if let databaseURL, !databaseURL.isEmpty {
            guard databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") else {
                throw StorageError(.invalidConfiguration, "the database URL must start with postgres:// or postgresql://")
            }
            return .postgres(url: databaseURL)
        }
        return .sqlite(path: resolve(dataDirectory: dataDirectory))
    }

    /// The SQLite file of the data folder `dataDirectory`.
    public static func resolve(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("vita.sqlite")
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "SQLite at \(path)"
        case .postgres: "PostgreSQL"
        }
    }
}

/// A pooled connection to Vita's database, with transactions that mean the same on SQLite and PostgreSQL.
///
/// Nothing here is node-local state: two processes on one PostgreSQL database behave as one service,
/// because every invariant (audit chain order, idempotency, versions) is enforced inside database transactions.
public final class VitaDatabase: Sendable {
    /// Which engine is behind the connection.
    public enum Engine: String, Sendable { case sqlite, postgres }

    /// The engine.
    public let engine: Engine
    /// Runs a body on one connection; the flag says the body only reads.
    private let session: @Sendable (Bool, @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void
    private let close: @Sendable () async throws -> Void
    /// Serialises this process's writers on an SQLite file (see `AsyncMutex`); nil on PostgreSQL.
    private let writeLock: AsyncMutex?
    let logger: Logger

    private init(engine: Engine, logger: Logger, writeLock: AsyncMutex? = nil,
                 session: @escaping @Sendable (Bool, @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void,
                 close: @escaping @Sendable () async throws -> Void) {
        self.engine = engine
        self.logger = logger
        self.session = session
        self.close = close
        self.writeLock = writeLock
    }

    /// Opens a pool of up to `maxConnections` connections to `location`. SQLite folders are created as needed.
    /// On PostgreSQL, `schema` names the schema to work in (it must exist); the default is the server's search path;
    /// `preparesStatements` runs statements sent more than once as named prepared statements (`PostgresSession`).
    public static func open(_ location: DatabaseLocation, logger: Logger = Logger(label: "vita.storage"),
                            maxConnections: Int = 8, schema: String? = nil,
                            preparesStatements: Bool = true) throws -> VitaDatabase {
        let group = MultiThreadedEventLoopGroup.singleton
        // The pool keeps connections per event loop.
        let perLoop = max(1, maxConnections / max(1, System.coreCount))
        switch location {
        case .sqlite(let path):
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                } catch {
                    throw StorageError(.invalidConfiguration, "cannot create the data folder")
                }
            }
            let sessions = SQLiteSessions(path: path, maxConnections: maxConnections, logger: logger)
            let canonicalPath = URL(fileURLWithPath: path).standardizedFileURL.path
            return VitaDatabase(engine: .sqlite, logger: logger, writeLock: AsyncMutex.forFile(canonicalPath), session: { readOnly, body in
                try await sessions.withSession(readOnly: readOnly) { db in try await body(db) }
            }, close: { sessions.shutdown() })
        case .postgres(let url):
            var configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
                if let schema { configuration.searchPath = [schema] }
            } catch {
                throw StorageError(.invalidConfiguration, "the PostgreSQL URL could not be parsed")
            }
            let source = PostgresConnectionSource(sqlConfiguration: configuration)
            let pool = EventLoopGroupConnectionPool(source: source, maxConnectionsPerEventLoop: perLoop,
                                                    requestTimeout: .seconds(30), pruneInterval: nil, logger: logger, on: group)
            return VitaDatabase(engine: .postgres, logger: logger, session: { _, body in
                try await pool.withConnection(logger: logger) { connection in
                    connection.eventLoop.makeFutureWithTask {
                        try await body(PostgresSession(connection: connection, preparesStatements: preparesStatements))
                    }
                }.get()
            }, close: { try await pool.shutdownAsync() })
        }
    }

    /// Closes every connection.
    public func shutdown() async throws {
        try await close()
    }

    /// Runs `body` on one connection, outside a transaction.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withConnection(readOnly: false, body)
    }

    private func withConnection<T: Sendable>(readOnly: Bool,
                                             _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let box = ResultBox<T>()
        try await session(readOnly) { db in box.value = try await body(db) }
        return box.value!
    }

    /// Runs `body` in one transaction: everything it wrote is committed together, or nothing is when it throws.
    ///
    /// SQLite transactions start with `BEGIN IMMEDIATE`, so writers queue instead of failing on upgrade;
    /// PostgreSQL serialises the writers that matter through row locks (see `StoreTransaction.appendAudit`).
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) async throws -> T) async throws -> T {
        let begin: SQLQueryString = engine == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        guard let writeLock else { return try await run(begin, body) }
        return try await writeLock.withLock { try await run(begin, body) }
    }

    /// Runs `body` in a read-only transaction: one consistent snapshot, without queueing behind writers
    /// (SQLite's write-ahead log; PostgreSQL's repeatable-read snapshot).
    public func readTransaction<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) async throws -> T) async throws -> T {
        try await run(engine == .sqlite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", readOnly: true, body)
    }

    /// Runs `body`, which writes with **one** statement: on PostgreSQL without `BEGIN` and `COMMIT` (a statement on its
    /// own is a transaction of its own: one round trip instead of three), on SQLite as ``transaction(_:)`` does.
    public func singleStatementWrite<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) async throws -> T) async throws -> T {
        guard engine == .postgres else { return try await transaction(body) }
        return try await outsideTransaction(readOnly: false, body)
    }

    /// Runs repository calls on one connection, outside a transaction.
    private func outsideTransaction<T: Sendable>(readOnly: Bool,
                                                 _ body: @escaping @Sendable (StoreTransaction) async throws -> T) async throws -> T {
        let engine = self.engine
        return try await withConnection(readOnly: readOnly) { db in
            let transaction = StoreTransaction(db: db, engine: engine)
            let result = try await body(transaction)
            if !readOnly { try await transaction.storeRecordChanges() }
            return result
        }
    }

    private func run<T: Sendable>(_ begin: SQLQueryString, readOnly: Bool = false,
                                  _ body: @escaping @Sendable (StoreTransaction) async throws -> T) async throws -> T {
        let engine = self.engine
        return try await withConnection(readOnly: readOnly) { db in
            try await db.raw(begin).run()
            do {
                let transaction = StoreTransaction(db: db, engine: engine)
                let result = try await body(transaction)
                if !readOnly { try await transaction.storeRecordChanges() }
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}

final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

extension VitaDatabase {
    /// Runs read-only repository calls on one connection, outside a transaction.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) async throws -> T) async throws -> T {
        try await outsideTransaction(readOnly: true, body)
    }
}
