import Foundation
import SQLKit

extension VitaDatabase {
    /// Writes a consistent, compacted copy of the embedded SQLite database to `path` (a new file) with SQLite's
    /// `VACUUM INTO`, while the database stays in use: the copy is the database as one read transaction saw it, so a
    /// write committing meanwhile is either wholly in it or not at all. Then checks the copy with
    /// `PRAGMA integrity_check`. PostgreSQL has its own tools (`pg_dump`): `.invalidConfiguration` there.
    public func backUp(toSQLiteFile path: String) async throws {
        guard engine == .sqlite else {
            throw StorageError(.invalidConfiguration, "only the embedded SQLite database is backed up by Vita; use pg_dump for PostgreSQL")
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StorageError(.invalidConfiguration, "the backup file exists already")
        }
        try await withConnection { db in try await db.raw("VACUUM INTO \(bind: path)").run() }
        let copy = try VitaDatabase.open(.sqlite(path: path), logger: logger, maxConnections: 1)
        do {
            let verdict = try await copy.withConnection { db in
                try await db.raw("PRAGMA integrity_check").first()?.decode(column: "integrity_check", as: String.self)
            }
            try await copy.shutdown()
            guard verdict == "ok" else { throw StorageError(.corrupt, "the backup copy does not pass SQLite's integrity check") }
        } catch {
            try? await copy.shutdown()
            throw error
        }
    }
}
