import ArgumentParser
import Foundation
import Logging
import VitaAPI
import VitaCore
import VitaIssuance
import VitaStorage

@main
struct Vita: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vita",
        abstract: "Vita: a learning and employment record server.",
        subcommands: [Serve.self, Migrate.self, Backup.self, MasterKey.self, Admin.self, Staff.self, Audit.self, Export.self, Import.self, Demo.self, Frameworks.self, Keys.self, Sign.self, Verify.self, Bake.self, Issue.self, Credentials.self, Transfer.self, ExpandCommand.self, CanonizeCommand.self, OAuthCommand.self]
    )
}

/// Where the data lives, shared by every command that opens the database.
struct StorageOptions: ParsableArguments {
    @Option(help: "Folder for the embedded SQLite database (default: $VITA_DATA_DIR or ./vita-data).")
    var dataDir: String?

    @Option(help: "A postgres:// URL; when given, PostgreSQL is used instead of SQLite (default: $VITA_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "Database connections this process keeps open, 1 to 500 (default: $VITA_DATABASE_CONNECTIONS or 8).")
    var databaseConnections: Int?

    @Option(help: ArgumentHelp("PostgreSQL: run repeated statements as named prepared statements, on or off (default: $VITA_DATABASE_PREPARED_STATEMENTS or on).",
                               discussion: "Turn it off behind a connection pooler that does not keep prepared statements (PgBouncer before 1.21 in transaction mode)."))
    var databasePreparedStatements: String?

    /// Whether PostgreSQL sessions prepare repeated statements, from the option or the environment.
    func preparesStatements() throws -> Bool {
        let text = databasePreparedStatements ?? ProcessInfo.processInfo.environment["VITA_DATABASE_PREPARED_STATEMENTS"]
        switch text?.lowercased() {
        case nil, "on": return true
        case "off": return false
        default: throw CommandFailure("--database-prepared-statements (or VITA_DATABASE_PREPARED_STATEMENTS) must be on or off")
        }
    }

    /// The connection pool's size, from the option or the environment.
    func connections() throws -> Int {
        let text = databaseConnections.map(String.init) ?? ProcessInfo.processInfo.environment["VITA_DATABASE_CONNECTIONS"]
        guard let text else { return 8 }
        guard let count = Int(text), (1...500).contains(count) else {
            throw CommandFailure("--database-connections (or VITA_DATABASE_CONNECTIONS) must be a whole number from 1 to 500")
        }
        return count
    }

    func location() throws -> DatabaseLocation {
        let environment = ProcessInfo.processInfo.environment
        do {
            return try DatabaseLocation.resolve(
                databaseURL: databaseURL ?? environment["VITA_DATABASE_URL"],
                dataDirectory: dataDir ?? environment["VITA_DATA_DIR"] ?? "./vita-data")
        } catch let error as StorageError {
            throw CommandFailure(error.reason)
        }
    }

    /// The master key that seals the organizations' signing keys: `VITA_MASTER_KEY` (base64 of 32 bytes), or for
    /// SQLite a key file created in the data folder on first use, readable by its owner only. PostgreSQL deployments
    /// must set `VITA_MASTER_KEY`, since every node needs the same key.
    /// The vault of the master key (`VITA_MASTER_KEY`, else the data folder's `master.key`, made on first use), also
    /// opening what the key being replaced sealed when `VITA_PREVIOUS_MASTER_KEY` is set (a rotation).
    func keyVault() throws -> KeyVault {
        let vault = try currentKeyVault()
        guard let text = ProcessInfo.processInfo.environment["VITA_PREVIOUS_MASTER_KEY"], !text.isEmpty else { return vault }
        guard let previous = try? KeyVault(base64: text) else {
            throw CommandFailure("VITA_PREVIOUS_MASTER_KEY must be the base64 of 32 random bytes")
        }
        return vault.opening(previous: previous)
    }

    private func currentKeyVault() throws -> KeyVault {
        let environment = ProcessInfo.processInfo.environment
        if let text = environment["VITA_MASTER_KEY"], !text.isEmpty {
            do { return try KeyVault(base64: text) } catch {
                throw CommandFailure("VITA_MASTER_KEY must be the base64 of 32 random bytes")
            }
        }
        guard case .sqlite(let path) = try location() else {
            throw CommandFailure("set VITA_MASTER_KEY (base64 of 32 random bytes, the same on every node) to use PostgreSQL")
        }
        let file = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("master.key")
        let manager = FileManager.default
        if !manager.fileExists(atPath: file) {
            try? manager.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard manager.createFile(atPath: file, contents: Data(KeyVault.generateMasterKey().utf8),
                                     attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailure("cannot create the master key file in the data folder")
            }
        }
        guard let text = manager.contents(atPath: file).map({ String(decoding: $0, as: UTF8.self) }),
              let vault = try? KeyVault(base64: text) else {
            throw CommandFailure("the master key file \(file) is unreadable or damaged")
        }
        return vault
    }

    /// Opens the database as it is, without migrating it.
    func connect(logger: Logger) throws -> VitaDatabase {
        do {
            return try VitaDatabase.open(try location(), logger: logger, maxConnections: try connections(),
                                         preparesStatements: try preparesStatements())
        } catch let error as StorageError {
            throw CommandFailure(error.reason)
        }
    }

    /// Opens the database (migrated, unless `migrating` is false), runs `body` on it and closes it, whether `body`
    /// succeeds or throws.
    func withDatabase<T>(migrating: Bool = true, _ body: (VitaDatabase) async throws -> T) async throws -> T {
        let logger = makeLogger("vita")
        let database = migrating ? try await open(logger: logger) : try connect(logger: logger)
        let result: T
        do {
            result = try await body(database)
        } catch {
            try? await database.shutdown()
            throw error
        }
        try await database.shutdown()
        return result
    }

    /// Opens the database and applies pending migrations.
    func open(logger: Logger) async throws -> VitaDatabase {
        let database = try connect(logger: logger)
        do {
            try await Migrations.run(on: database)
        } catch {
            try? await database.shutdown()
            throw CommandFailure("cannot prepare the database: \(CommandFailure.describe(error))")
        }
        return database
    }
}

/// A failure reported as one line on standard error with exit code 1, never a stack trace.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as StorageError: error.description
        case let error as CommandFailure: error.description
        case let error as VitaCoreError: error.description
        case let error as ValidationFailures: error.description
        case let error as IssuanceError: error.description
        default: "the database refused the operation or could not be reached"
        }
    }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning any error into a message on standard error and exit code 1.
    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("vita: \(CommandFailure.describe(error))\n".utf8))
            throw ExitCode(1)
        }
    }
}

func makeLogger(_ label: String) -> Logger {
    LogFormat.bootstrapped
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["VITA_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}
