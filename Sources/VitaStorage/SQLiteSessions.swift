import CSQLiteSettings
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import Synchronization
import VaporCSQLite

/// Runs whole SQLite sessions (a transaction and everything its body computes) on dedicated threads, one job each.
///
/// SQLiteNIO runs every statement as a job of its own on an I/O thread and resumes the caller on the event loop, then
/// on the Swift executor: three thread handoffs per statement, which dominated a read of a dozen statements. Here a
/// session takes a connection of its own and runs with these threads as its task executor preference. The statements
/// of `DirectSQLiteDatabase` execute synchronously, so the session's code runs on one thread from `BEGIN` to `COMMIT`
/// without handing off, and prepared statements are reused per connection. SQLite's own locking (write-ahead log,
/// `busy_timeout`) still governs several processes on one file; this changes only how one process drives it.
final class SQLiteSessions: Sendable {
    private let path: String
    private let connections: ConnectionStack
    private let logger: Logger

    /// The threads of every session in this process. More than the cores: a session may wait in SQLite's busy
    /// handler for a writer in another process, and must not hold up every other session while it does.
    private static let executor = SQLiteThreads(count: 4, name: "vita-sqlite")

    /// Sessions on the file at `path`, with up to `maxConnections` connections.
    init(path: String, maxConnections: Int, logger: Logger) {
        self.path = path
        self.connections = ConnectionStack(capacity: maxConnections)
        self.logger = logger
    }

    /// Runs `body` on a connection of its own, on this pool's threads; a read-only session (`readOnly`) runs on the
    /// caller's thread instead.
    ///
    /// A reader in write-ahead-log mode neither takes nor waits for the write lock, so its statements are CPU work
    /// like any other and need no thread of their own; running it where the caller already is saves the two thread
    /// handoffs of a session (measured in docs/PERFORMANCE.md). Writers keep these threads: they may wait in the busy
    /// handler for a writer in another process, which must not hold up the caller's executor.
    func withSession<T: Sendable>(readOnly: Bool = false,
                                  _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if readOnly { return try await run(body) }
        return try await withTaskExecutorPreference(Self.executor) { try await self.run(body) }
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let path = self.path
        let connection = try await connections.acquire { try DirectSQLiteConnection(path: path) }
        defer { connections.release(connection) }
        return try await body(DirectSQLiteDatabase(connection: connection, logger: logger))
    }

    /// Closes the idle connections; sessions still running close theirs when they end.
    func shutdown() {
        connections.closeAll()
    }
}

/// Threads that run Swift jobs in arrival order: the task executor of `SQLiteSessions`.
final class SQLiteThreads: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var next = 0

    init(count: Int, name: String) {
        for index in 0..<count {
            let thread = Thread { [unowned self] in self.run() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while next == jobs.count { condition.wait() }
            let job = jobs[next]
            next += 1
            if next == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                next = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Idle connections, created on demand up to a capacity; a session finding none free waits for one.
final class ConnectionStack: Sendable {
    private struct State: ~Copyable {
        var idle: [DirectSQLiteConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<DirectSQLiteConnection?, Never>] = []
    }
    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// An idle connection, or a new one from `make` while under capacity, or the next one released.
    func acquire(_ make: () throws -> DirectSQLiteConnection) async throws -> DirectSQLiteConnection {
        enum Next { case take(DirectSQLiteConnection), make, wait }
        let next = state.withLock { state -> Next in
            if let connection = state.idle.popLast() { return .take(connection) }
            if state.open < capacity {
                state.open += 1
                return .make
            }
            return .wait
        }
        switch next {
        case .take(let connection):
            return connection
        case .make:
            do {
                return try make()
            } catch {
                if let waiter = state.withLock({ state -> CheckedContinuation<DirectSQLiteConnection?, Never>? in
                    state.open -= 1
                    return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
                }) {
                    waiter.resume(returning: nil)
                }
                throw error
            }
        case .wait:
            let handed = await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Next in
                    if let connection = state.idle.popLast() { return .take(connection) }
                    if state.open < capacity {
                        state.open += 1
                        return .make
                    }
                    state.waiters.append(continuation)
                    return .wait
                }
                switch ready {
                case .take(let connection): continuation.resume(returning: connection)
                case .make: continuation.resume(returning: nil)
                case .wait: break
                }
            }
            // nil: a slot to open a connection of our own became free.
            if let handed { return handed }
            return try await acquire(make)
        }
    }

    /// Returns a connection: to the first waiter, else to the idle stack.
    func release(_ connection: DirectSQLiteConnection) {
        let waiter = state.withLock { state -> CheckedContinuation<DirectSQLiteConnection?, Never>? in
            if state.waiters.isEmpty {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: connection)
    }

    func closeAll() {
        let idle = state.withLock { state -> [DirectSQLiteConnection] in
            let idle = state.idle
            state.idle = []
            state.open -= idle.count
            return idle
        }
        for connection in idle { connection.close() }
    }
}

/// An SQLite failure reported by the library (the message names no bind values).
struct SQLiteFailure: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// One `sqlite3` handle used by one session at a time, with its prepared statements kept for reuse.
final class DirectSQLiteConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// Prepared statements by their SQL, with when each was last used (``uses``), at most ``maxStatements``.
    private var statements: [String: (statement: OpaquePointer, lastUse: Int)] = [:]
    private var uses = 0
    /// The most statements kept prepared. Vita's fixed statements are far fewer; the rest are multi-row inserts and
    /// `IN` lists, a statement for each number of rows, which would otherwise be kept for the connection's lifetime.
    static let maxStatements = 256

    /// Opens (or creates) the file; waits up to 15 s for writers in other processes instead of failing at once, and
    /// with the write-ahead log, `synchronous = NORMAL` survives a crash of Vita (not of the machine) without an fsync
    /// per commit.
    init(path: String) throws {
        var handle: OpaquePointer?
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nil)
        guard status == SQLITE_OK, let handle else {
            if let handle { sqlite_nio_sqlite3_close(handle) }
            throw SQLiteFailure(code: status, message: "cannot open the database file")
        }
        self.handle = handle
        do {
            try execute("PRAGMA busy_timeout = 15000", []) { _, _ in }
            try execute("PRAGMA synchronous = NORMAL", []) { _, _ in }
            try execute("PRAGMA foreign_keys = ON", []) { _, _ in }
            // Plans that do not depend on bound values: without this, SQLite re-prepares a cached statement on every
            // run whose bindings changed (measured: every read of agreements, consents and kept profiles).
            let stable = vita_sqlite_enable_qpsg(handle)
            guard stable == SQLITE_OK else { throw failure(stable) }
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    func close() {
        for (statement, _) in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        if let handle { sqlite_nio_sqlite3_close(handle) }
        handle = nil
    }

    private func failure(_ code: Int32) -> SQLiteFailure {
        SQLiteFailure(code: code, message: sqlite_nio_sqlite3_errmsg(handle).map { String(cString: $0) } ?? "unknown")
    }

    /// The statement for `sql`, prepared when it is not kept; when ``maxStatements`` are kept, the one used least
    /// recently is finalized first.
    private func prepared(_ sql: String) throws -> OpaquePointer {
        uses += 1
        if let kept = statements[sql] {
            statements[sql]!.lastUse = uses
            return kept.statement
        }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw failure(status) }
        if statements.count >= Self.maxStatements, let oldest = statements.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            sqlite_nio_sqlite3_finalize(oldest.value.statement)
            statements[oldest.key] = nil
        }
        statements[sql] = (statement, uses)
        return statement
    }

    /// How many prepared statements the connection keeps.
    var keptStatements: Int { statements.count }

    /// Runs one statement, handing each row's column names and values to `onRow`.
    func execute(_ sql: String, _ binds: [SQLiteData], onRow: ([String], [SQLiteData]) throws -> Void) throws {
        guard handle != nil else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed") }
        let statement = try prepared(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (offset, bind) in binds.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch bind {
            case .blob(let value):
                status = value.withUnsafeReadableBytes {
                    sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient)
                }
            case .float(let value): status = sqlite_nio_sqlite3_bind_double(statement, index, value)
            case .integer(let value): status = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(value))
            case .null: status = sqlite_nio_sqlite3_bind_null(statement, index)
            case .text(let value):
                status = sqlite_nio_sqlite3_bind_text64(statement, index, value, UInt64(value.utf8.count), transient,
                                                        UInt8(SQLITE_UTF8))
            }
            guard status == SQLITE_OK else { throw failure(status) }
        }
        var names: [String]?
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw failure(status) }
            let count = sqlite_nio_sqlite3_column_count(statement)
            if names == nil {
                names = (0..<count).map { sqlite_nio_sqlite3_column_name(statement, $0).map { String(cString: $0) } ?? "" }
            }
            var values: [SQLiteData] = []
            values.reserveCapacity(Int(count))
            for column in 0..<count {
                switch sqlite_nio_sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: values.append(.integer(Int(sqlite_nio_sqlite3_column_int64(statement, column))))
                case SQLITE_FLOAT: values.append(.float(sqlite_nio_sqlite3_column_double(statement, column)))
                case SQLITE_TEXT:
                    let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                    let text = sqlite_nio_sqlite3_column_text(statement, column).map {
                        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                    } ?? ""
                    values.append(.text(text))
                case SQLITE_BLOB:
                    let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                    var buffer = ByteBufferAllocator().buffer(capacity: length)
                    if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                        buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: length))
                    }
                    values.append(.blob(buffer))
                default: values.append(.null)
                }
            }
            try onRow(names ?? [], values)
        }
    }
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// SQLKit's view of a `DirectSQLiteConnection`: statements run synchronously, on the calling thread.
struct DirectSQLiteDatabase: SQLDatabase {
    let connection: DirectSQLiteConnection
    let logger: Logger
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { SQLiteDialect() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var queryLogLevel: Logger.Level? { nil }

    private func run(_ query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) throws {
        let (sql, binds) = serialize(query)
        let encoder = SQLiteDataEncoder()
        let values = try binds.map { try encoder.encode($0) }
        // Every statement at trace level, with the number of binds but never their values (personal data, hashes).
        if logger.logLevel <= .trace {
            logger.trace("\(sql)", metadata: ["sql.binds": "\(values.count)"])
        }
        try connection.execute(sql, values) { names, values in
            onRow(DirectSQLiteRow(names: names, values: values))
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let eventLoop = self.eventLoop
        do {
            try run(query, onRow)
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try run(query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

/// A row read by `DirectSQLiteConnection`, decoded the way SQLiteKit decodes its rows.
struct DirectSQLiteRow: SQLRow {
    let names: [String]
    let values: [SQLiteData]

    private struct MissingColumn: Error {
        let column: String
    }

    private func value(_ column: String) -> SQLiteData? {
        names.firstIndex(of: column).map { values[$0] }
    }

    var allColumns: [String] { names }

    func contains(column: String) -> Bool { names.contains(column) }

    func decodeNil(column: String) throws -> Bool { (value(column) ?? .null) == .null }

    func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        guard let data = value(column) else { throw MissingColumn(column: column) }
        // The column types Vita reads, recognised by type identity (a pointer comparison) rather than by dynamic casts,
        // which look up protocol conformances on every failed attempt; anything else as SQLiteKit decodes it.
        switch data {
        case .text(let text):
            if D.self == String.self { return unsafeBitCast(text, to: D.self) }
            if D.self == String?.self { return unsafeBitCast(Optional(text), to: D.self) }
        case .integer(let integer):
            if D.self == Int.self { return unsafeBitCast(integer, to: D.self) }
            if D.self == Int64.self { return unsafeBitCast(Int64(integer), to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(Optional(integer), to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(Optional(Int64(integer)), to: D.self) }
        case .null:
            if D.self == String?.self { return unsafeBitCast(String?.none, to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(Int?.none, to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(Int64?.none, to: D.self) }
        default:
            break
        }
        return try SQLiteDataDecoder().decode(D.self, from: data)
    }
}
