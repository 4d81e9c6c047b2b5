import Foundation
import Logging
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

/// `VitaDatabase.backUp(toSQLiteFile:)`: a consistent copy while writes go on.
struct BackupTests {
    @Test("a backup taken while audited writes commit is one consistent state: its chain verifies, and it holds no more than was written")
    func backupDuringWritesIsConsistent() async throws {
        try await TestDatabase.with(.sqlite) { test in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vita-backup-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("vita.sqlite").path
            async let writing: Void = AuditTamperingTests.fill(test.database, count: 200)
            try await Task.sleep(for: .milliseconds(20))
            try await test.database.backUp(toSQLiteFile: path)
            try await writing
            var quiet = Logger(label: "vita.test")
            quiet.logLevel = .critical
            let copy = try VitaDatabase.open(.sqlite(path: path), logger: quiet, maxConnections: 1)
            let verified = try await copy.verifyAuditChain()
            try await copy.shutdown()
            #expect(verified.firstBreak == nil)
            #expect(verified.checked <= 200)
            await #expect(throws: StorageError.self) { try await test.database.backUp(toSQLiteFile: path) }
        }
    }

    @Test("PostgreSQL is not backed up by Vita (pg_dump is): the call says so", arguments: TestEngine.available.filter { $0 == .postgres })
    func postgresIsRefused(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            await #expect(throws: StorageError.self) { try await test.database.backUp(toSQLiteFile: "/tmp/never-\(UUID().uuidString)") }
            return ()
        }
    }
}
