import Foundation
import Synchronization
import Logging
import SQLKit
import VitaStorage

/// The databases a storage or API test runs on: SQLite always, PostgreSQL when `VITA_TEST_POSTGRES_URL` is set.
public enum TestEngine: String, Sendable, CaseIterable {
    case sqlite, postgres

    /// The engines available in this run.
    public static var available: [TestEngine] {
        ProcessInfo.processInfo.environment["VITA_TEST_POSTGRES_URL"].map { $0.isEmpty ? [.sqlite] : [.sqlite, .postgres] }
            ?? [.sqlite]
    }
}

/// A fresh, migrated database for one test: a new SQLite file, or a new PostgreSQL schema. Call `drop()` at the end.
public struct TestDatabase: Sendable {
    /// The open database.
    public let database: VitaDatabase
    /// Opens another pool on the same data, as a second Vita node would.
    public let openAnother: @Sendable () throws -> VitaDatabase
    private let cleanup: @Sendable () async throws -> Void

    /// Creates and migrates a database on `engine`; the database logs to `logger` (default: warnings only).
    public static func make(_ engine: TestEngine, logger given: Logger? = nil) async throws -> TestDatabase {
        let logger = given ?? {
            var logger = Logger(label: "vita.test")
            logger.logLevel = .warning
            return logger
        }()
        switch engine {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vita-test-\(UUID().uuidString)")
            let location = DatabaseLocation.sqlite(path: folder.appendingPathComponent("vita.sqlite").path)
            let database = try VitaDatabase.open(location, logger: logger)
            do { try await Migrations.run(on: database) } catch {
                try? await database.shutdown()
                throw error
            }
            return TestDatabase(database: database, openAnother: { try VitaDatabase.open(location, logger: logger) }) {
                try await database.shutdown()
                try? FileManager.default.removeItem(at: folder)
            }
        case .postgres:
            let url = ProcessInfo.processInfo.environment["VITA_TEST_POSTGRES_URL"]!
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            // Tests run in parallel against one server, so each holds few connections: the schema is created and
            // dropped on a connection of its own that is closed in between, and the test's pool has four.
            // A pool must be shut down before it is released, also when setting up fails (the error then reaches the
            // test instead of a crash in the pool's deinit).
            @Sendable func onSchemaConnection(_ statement: SQLQueryString) async throws {
                let admin = try VitaDatabase.open(.postgres(url: url), logger: logger, maxConnections: 1)
                do {
                    try await admin.withConnection { try await $0.raw(statement).run() }
                    try await admin.shutdown()
                } catch {
                    try? await admin.shutdown()
                    throw error
                }
            }
            try await onSchemaConnection("CREATE SCHEMA \(ident: schema)")
            let open: @Sendable () throws -> VitaDatabase = {
                try VitaDatabase.open(.postgres(url: url), logger: logger, maxConnections: 4, schema: schema)
            }
            let database = try open()
            do { try await Migrations.run(on: database) } catch {
                try? await database.shutdown()
                try? await onSchemaConnection("DROP SCHEMA \(ident: schema) CASCADE")
                throw error
            }
            return TestDatabase(database: database, openAnother: open) {
                try await database.shutdown()
                try await onSchemaConnection("DROP SCHEMA \(ident: schema) CASCADE")
            }
        }
    }

    /// Runs `body` with another pool on the same data (a second Vita node), shut down afterwards even when `body`
    /// throws.
    public func withAnotherNode<T: Sendable>(_ body: (VitaDatabase) async throws -> T) async throws -> T {
        let other = try openAnother()
        do {
            let result = try await body(other)
            try await other.shutdown()
            return result
        } catch {
            try? await other.shutdown()
            throw error
        }
    }

    /// Closes the database and removes its data.
    public func drop() async throws {
        try await cleanup()
    }

    /// Runs `body` with a fresh database on `engine` (logging to `logger`), dropping it afterwards even when `body` throws.
    ///
    /// At most ``runningWidth`` tests hold databases at once (a test's second database, as two servers need, takes no
    /// second slot): Swift Testing starts every test at once, and with hundreds running on two cores a request of a live
    /// server waited past its client's timeout, while on PostgreSQL the server's `max_connections` ran out (53300). The
    /// others wait for a slot, in arrival order.
    public static func with<T: Sendable>(_ engine: TestEngine, logger: Logger? = nil,
                                         _ body: (TestDatabase) async throws -> T) async throws -> T {
        guard holdsSlot else {
            await runningSlots.acquire()
            defer { runningSlots.release() }
            return try await $holdsSlot.withValue(true) { try await with(engine, logger: logger, body) }
        }
        let test = try await make(engine, logger: logger)
        do {
            let result = try await body(test)
            try await test.drop()
            return result
        } catch {
            try? await test.drop()
            throw error
        }
    }

    /// How many tests may hold databases at once: four a core, at most 40 (each holds up to nine PostgreSQL connections
    /// a database — its pool, another node's, the schema's own — under CI's `max_connections` of 400, `.ci/run`).
    public static let runningWidth = min(40, 4 * ProcessInfo.processInfo.activeProcessorCount)
    private static let runningSlots = TestSlots(runningWidth)
    /// Whether the running task (or the task it was started from) holds a slot already.
    @TaskLocal private static var holdsSlot = false
}

/// A counting semaphore for tests: `acquire` waits (in arrival order) while every slot is taken.
public final class TestSlots: Sendable {
    private struct State: ~Copyable {
        var free: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    /// Creates `count` slots.
    public init(_ count: Int) {
        state = Mutex(State(free: count))
    }

    /// Takes a slot, waiting for one when none is free.
    public func acquire() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Gives a slot back: to the longest waiting, if any.
    public func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
