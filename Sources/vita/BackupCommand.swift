import ArgumentParser
import Foundation
import VitaCore
import VitaStorage

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the embedded SQLite database and its master key into a new data folder, consistently, while the server runs.",
        discussion: """
            The copy is checked (SQLite's integrity check and the audit chain) before the command succeeds. Restore by \
            serving from the new folder (--data-dir). With PostgreSQL use pg_dump, and keep VITA_MASTER_KEY with the dump.
            """)
    @Argument(help: "The data folder to write: new, or empty.") var destination: String
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await reportingFailures {
            guard case .sqlite(let source) = try storage.location() else {
                throw CommandFailure("vita backup copies the embedded SQLite database; for PostgreSQL use pg_dump, and keep VITA_MASTER_KEY")
            }
            let manager = FileManager.default
            guard manager.fileExists(atPath: source) else { throw CommandFailure("there is no database in the data folder") }
            var isFolder: ObjCBool = false
            if manager.fileExists(atPath: destination, isDirectory: &isFolder) {
                guard isFolder.boolValue, (try? manager.contentsOfDirectory(atPath: destination))?.isEmpty == true else {
                    throw CommandFailure("the backup folder must be new or empty")
                }
            }
            do {
                try manager.createDirectory(atPath: destination, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
            } catch {
                throw CommandFailure("cannot create the backup folder")
            }
            let target = DatabaseLocation.resolve(dataDirectory: destination)
            do {
                try await storage.withDatabase(migrating: false) { try await $0.backUp(toSQLiteFile: target) }
            } catch {
                throw CommandFailure("the backup failed: \(CommandFailure.describe(error))")
            }
            let keyFile = ((source as NSString).deletingLastPathComponent as NSString).appendingPathComponent("master.key")
            let keyNote: String
            if let key = manager.contents(atPath: keyFile) {
                let copied = (destination as NSString).appendingPathComponent("master.key")
                guard manager.createFile(atPath: copied, contents: key, attributes: [.posixPermissions: 0o600]) else {
                    throw CommandFailure("cannot write the master key into the backup folder")
                }
                keyNote = "its master key"
            } else {
                keyNote = "no master key file (the key is VITA_MASTER_KEY: keep it with the backup)"
            }
            let copy = try VitaDatabase.open(.sqlite(path: target), logger: makeLogger("vita"), maxConnections: 1)
            let verified: (firstBreak: AuditChain.Break?, checked: Int64)
            do {
                verified = try await copy.verifyAuditChain()
                try await copy.shutdown()
            } catch {
                try? await copy.shutdown()
                throw CommandFailure("the backup's audit chain cannot be read: \(CommandFailure.describe(error))")
            }
            if let broken = verified.firstBreak {
                throw CommandFailure("the backup's audit chain is broken at \(broken)")
            }
            print("Backed up to \(destination): the database (integrity checked, \(verified.checked) audit entries verified) and \(keyNote).")
        }
    }
}
