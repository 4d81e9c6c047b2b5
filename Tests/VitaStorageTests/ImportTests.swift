import Foundation
import VaporCSQLite
import SQLKit
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

struct ImportTests {
    static func system(_ db: VitaDatabase) async throws -> (systemId: String, organizationId: String) {
        let organization = Organization(id: EntityID.make("org"), name: "Lakeshore College", kind: .school, createdAt: Date())
        let system = ConnectedSystem(id: EntityID.make("sys"), organizationId: organization.id, name: "SIS", kind: .sis,
                                     createdAt: Date())
        try await db.transaction { tx in
            try await tx.insert(organization)
            try await tx.insert(system, keyHash: "unused")
        }
        return (system.id, organization.id)
    }

    /// A record line of `system` for a course `title` of `organization`, naming its learner by the system's id
    /// (`learner`) or, with `byVitaId`, by Vita's.
    static func recordLine(_ system: String, _ organization: String, learner: String, source: String, title: String = "Course",
                           byVitaId: Bool = false) -> Data {
        Data(#"{"type":"record","systemId":"\#(system)","\#(byVitaId ? "learnerId" : "learner")":"\#(learner)","category":"experiences","record":{"organizationId":"\#(organization)","kind":"course","title":"\#(title)","status":"completed","credits":3},"provenance":{"sourceRecordId":"\#(source)"}}"#.utf8)
    }

    static func lines(system: String, organization: String, learners: Int, title: String = "Course") -> [Data] {
        var lines: [Data] = []
        for index in 0..<learners {
            lines.append(Data(#"{"type":"learner","systemId":"\#(system)","sourceId":"S-\#(index)","learner":{"name":{"display":"Learner \#(index)"}}}"#.utf8))
            for course in 0..<2 {
                lines.append(recordLine(system, organization, learner: "S-\(index)", source: "enr-\(index)-\(course)",
                                        title: "\(title) \(course)"))
            }
        }
        return lines
    }

    @Test("importing twice creates once, and a changed source record becomes a new version", arguments: TestEngine.available)
    func idempotentImport(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let (system, organization) = try await Self.system(test.database)
            let importer = RecordImporter(database: test.database)
            let first = try await importer.apply(Self.lines(system: system, organization: organization, learners: 5))
            #expect(first.filter { $0 == .created }.count == 15)
            let second = try await importer.apply(Self.lines(system: system, organization: organization, learners: 5))
            #expect(second.allSatisfy { $0 == .unchanged })
            let changed = try await importer.apply(Self.lines(system: system, organization: organization, learners: 5, title: "Revised"))
            #expect(changed.filter { $0 == .updated }.count == 10)
            let recordId = try await test.database.read { try await $0.recordId(system: system, sourceRecordId: "enr-0-0") }
            let versions = try await test.database.read { try await $0.versions(ofRecord: recordId!) }
            #expect(versions.count == 2)
            #expect(try await test.database.verifyAuditChain().firstBreak == nil)

            // A line that names the digest of its raw data is unchanged while that digest is.
            let digest = "sha256:" + String(repeating: "ab", count: 32)
            let line = Data(#"{"type":"record","systemId":"\#(system)","learner":"S-0","category":"experiences","record":{"organizationId":"\#(organization)","kind":"course","title":"Digested","status":"completed"},"provenance":{"sourceRecordId":"digested-1","rawDigest":"\#(digest)"}}"#.utf8)
            #expect(try await importer.apply([line]) == [.created])
            #expect(try await importer.apply([line]) == [.unchanged])
        }
    }

    @Test("one batch that creates a record and then names it again: the same line is unchanged, a changed one is its second version, another learner's is rejected; the records, their changes, profiles and holders are as line by line",
          arguments: TestEngine.available)
    func laterLinesOfABatchSeeItsNewRecords(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let (system, organization) = try await Self.system(test.database)
            let importer = RecordImporter(database: test.database)
            func record(_ learner: String, _ source: String, _ title: String) -> Data {
                Self.recordLine(system, organization, learner: learner, source: source, title: title)
            }
            let batch = Self.lines(system: system, organization: organization, learners: 2) + [
                record("S-0", "enr-0-0", "Course 0"),         // the same as its earlier line in this batch
                record("S-0", "enr-0-1", "Course 1 (honours)"), // changed
                record("S-1", "enr-0-0", "Course 0"),         // the same source id for another learner
                record("S-1", "enr-new", "Statistics"),       // new, after the batch stored its first records
            ]
            let outcomes = try await importer.apply(batch)
            #expect(outcomes == [.created, .created, .created, .created, .created, .created, .unchanged, .updated,
                                 .rejected(field: "provenance.sourceRecordId", reason: "was imported for another learner or category"),
                                 .created])
            let (learnerZero, learnerOne) = try await test.database.read { tx in
                (try await tx.learnerId(system: system, sourceId: "S-0")!, try await tx.learnerId(system: system, sourceId: "S-1")!)
            }
            let (zero, one, changes, holders) = try await test.database.read { tx in
                (try await tx.records(learnerId: learnerZero, categories: [.experiences], organizations: nil).items,
                 try await tx.records(learnerId: learnerOne, categories: [.experiences], organizations: nil).items,
                 try await tx.recordChanges(after: 0, limit: 100, categories: Set(RecordCategory.allCases), providers: nil),
                 try await tx.holders(learnerId: learnerOne))
            }
            #expect(zero.map(\.version).sorted() == [1, 2])
            #expect(zero.compactMap { if case .experience(let e)? = $0.body { e.title } else { nil } }.sorted() == ["Course 0", "Course 1 (honours)"])
            #expect(one.count == 3)
            #expect(changes.count == 6, "five records created and one changed, each a change: \(changes.map(\.change.kind))")
            #expect(holders == [organization])
            #expect(try await test.database.verifyAuditChain().firstBreak == nil)
            let audit = try await test.database.read { try await $0.auditEntries(learnerId: nil, after: nil, limit: 50).items }
            #expect(audit.filter { $0.action == "records.import" }.count == 6)

            // A record stored by an earlier batch, named three times in the next: each line compares with the version
            // the line before it left.
            let again = try await importer.apply([record("S-1", "enr-new", "Statistics II"), record("S-1", "enr-new", "Statistics III"),
                                                  record("S-1", "enr-new", "Statistics III")])
            #expect(again == [.updated, .updated, .unchanged])
            let versions = try await test.database.read { tx in
                try await tx.versions(ofRecord: try #require(try await tx.recordId(system: system, sourceRecordId: "enr-new")))
            }
            #expect(versions.map(\.version) == [1, 2, 3])
        }
    }

    @Test("a batch's learners: a learner line twice is created once, a record names a learner of an earlier batch or an earlier line (or by Vita's id) and one before its learner's line (or an unknown id) is rejected; each new learner has its first version, its profile generation and the system's organization as holder",
          arguments: TestEngine.available)
    func batchLearners(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let (system, organization) = try await Self.system(test.database)
            let importer = RecordImporter(database: test.database)
            func learner(_ source: String) -> Data {
                Data(#"{"type":"learner","systemId":"\#(system)","sourceId":"\#(source)","learner":{"name":{"display":"Learner \#(source)"}}}"#.utf8)
            }
            func record(_ learner: String, _ source: String) -> Data {
                Self.recordLine(system, organization, learner: learner, source: source)
            }
            #expect(try await importer.apply([learner("S-1")]) == [.created])
            // 250 learners in one batch: more than one statement's hundred rows.
            let many = (0..<250).map { learner("M-\($0)") }
            let outcomes = try await importer.apply([record("S-2", "r-early"), learner("S-2"), learner("S-2"), record("S-2", "r-2"),
                                                     record("S-1", "r-1")] + many)
            #expect(Array(outcomes.prefix(5)) == [.rejected(field: "learner", reason: "no learner was imported with this source id"),
                                                  .created, .unchanged, .created, .created])
            #expect(outcomes.dropFirst(5).allSatisfy { $0 == .created })

            let ids = try await test.database.read { tx in
                [try await tx.learnerId(system: system, sourceId: "S-2"), try await tx.learnerId(system: system, sourceId: "M-249")]
            }
            for id in ids {
                let id = try #require(id)
                let (stored, holders, generation) = try await test.database.read { tx in
                    (try await tx.learner(id: id), try await tx.holders(learnerId: id),
                     try await tx.keptProfile(learnerId: id, scope: "*")?.generation)
                }
                #expect(stored?.version == 1)
                #expect(holders == [organization])
                #expect(generation != nil, "the learner has a profile generation")
            }
            let (learners, versions, mapped) = try await test.database.withConnection { db in
                (try await db.raw("SELECT COUNT(*) AS n FROM learners").first()!.decode(column: "n", as: Int.self),
                 try await db.raw("SELECT COUNT(*) AS n FROM learner_versions").first()!.decode(column: "n", as: Int.self),
                 try await db.raw("SELECT COUNT(*) AS n FROM record_sources WHERE source_record_id LIKE 'learner:%'").first()!
                    .decode(column: "n", as: Int.self))
            }
            #expect(learners == 252 && versions == 252 && mapped == 252)
            let again = try await importer.apply(many)
            #expect(again.allSatisfy { $0 == .unchanged })

            // Record lines may name the learner by Vita's id instead.
            let known = try #require(ids[0])
            func byVitaId(_ learnerId: String, _ source: String) -> Data {
                Self.recordLine(system, organization, learner: learnerId, source: source, byVitaId: true)
            }
            #expect(try await importer.apply([byVitaId(known, "v-1"), byVitaId("lrn_00000000000000000000000000", "v-2")])
                    == [.created, .rejected(field: "learnerId", reason: "no such learner")])
        }
    }

    @Test("two mappings of one system's learner id: the second is a conflict and stores nothing", arguments: TestEngine.available)
    func learnerMappedTwice(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let (system, _) = try await Self.system(test.database)
            let first = Learner(id: EntityID.make("lrn"), name: .init(display: "One"), identifiers: [], createdAt: Date(), updatedAt: Date())
            let second = Learner(id: EntityID.make("lrn"), name: .init(display: "Two"), identifiers: [], createdAt: Date(), updatedAt: Date())
            try await test.database.transaction { tx in
                try await tx.insertNew([first])
                try await tx.mapLearners([.init(systemId: system, sourceId: "S-1", learnerId: first.id)])
            }
            await #expect(throws: StorageError.self) {
                try await test.database.transaction { tx in
                    try await tx.insertNew([second])
                    try await tx.mapLearners([.init(systemId: system, sourceId: "S-2", learnerId: second.id),
                                              .init(systemId: system, sourceId: "S-1", learnerId: second.id)])
                }
            }
            let (mapped, stored) = try await test.database.read { tx in
                (try await tx.learnerId(system: system, sourceId: "S-2"), try await tx.learner(id: second.id))
            }
            #expect(mapped == nil && stored == nil, "the refused transaction left nothing")
            #expect(try await test.database.read { try await $0.learnerId(system: system, sourceId: "S-1") } == first.id)
        }
    }

    @Test("bad lines are rejected with the field and reason, and the good ones still land", arguments: TestEngine.available)
    func rejections(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let (system, organization) = try await Self.system(test.database)
            let importer = RecordImporter(database: test.database)
            let good = Self.lines(system: system, organization: organization, learners: 1)
            let bad = [
                #"not json"#,
                #"{"type":"record","systemId":"\#(system)","learner":"S-0","category":"experiences","record":{"organizationId":"\#(organization)","kind":"course","status":"completed"},"provenance":{"sourceRecordId":"x"}}"#,
                #"{"type":"record","systemId":"sys_unknown","learner":"S-0","category":"experiences","record":{"organizationId":"\#(organization)","kind":"course","title":"T","status":"completed"},"provenance":{"sourceRecordId":"y"}}"#,
                #"{"type":"record","systemId":"\#(system)","learner":"S-404","category":"experiences","record":{"organizationId":"\#(organization)","kind":"course","title":"T","status":"completed"},"provenance":{"sourceRecordId":"z"}}"#,
                #"{"type":"badge","systemId":"\#(system)"}"#,
                // PostgreSQL cannot store a NUL: refused on both engines, naming the field, without failing the batch.
                #"{"type":"record","systemId":"\#(system)","learner":"S-0","category":"experiences","record":{"organizationId":"\#(organization)","kind":"course","title":"T","status":"completed"},"provenance":{"sourceRecordId":"n\u0000ul"}}"#,
                #"{"type":"learner","systemId":"\#(system)","sourceId":"S-\u0000","learner":{"name":{"display":"Nul"}}}"#,
                // A record's source id in the form Vita keeps the system's learner ids in.
                #"{"type":"record","systemId":"\#(system)","learner":"S-0","category":"experiences","record":{"organizationId":"\#(organization)","kind":"course","title":"T","status":"completed"},"provenance":{"sourceRecordId":"learner:S-0"}}"#,
            ].map { Data($0.utf8) }
            let outcomes = try await importer.apply(good + bad)
            #expect(Array(outcomes.prefix(3)) == [.created, .created, .created])
            #expect(Array(outcomes.dropFirst(3)) == [
                .rejected(field: "line", reason: "is not valid JSON"),
                .rejected(field: "record.title", reason: "is required"),
                .rejected(field: "systemId", reason: "no such connected system"),
                .rejected(field: "learner", reason: "no learner was imported with this source id"),
                .rejected(field: "type", reason: "must be learner or record"),
                .rejected(field: "provenance.sourceRecordId", reason: "must not contain the NUL character (U+0000)"),
                .rejected(field: "sourceId", reason: "must not contain the NUL character (U+0000)"),
                .rejected(field: "provenance.sourceRecordId",
                          reason: "must not start with learner: (Vita keeps the system's learner ids so)"),
            ])
        }
    }

    @Test("an import killed with SIGKILL leaves no half-written record, and running it again completes it")
    func killedImportResumes() async throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vita")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vita-kill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let dataDir = folder.appendingPathComponent("data").path
        let database = try VitaDatabase.open(.sqlite(path: dataDir + "/vita.sqlite"))
        try await Migrations.run(on: database)
        let (system, organization) = try await Self.system(database)
        let learners = 8000
        let file = folder.appendingPathComponent("records.jsonl")
        let lines = Self.lines(system: system, organization: organization, learners: learners)
        try Data(lines.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n").utf8).write(to: file)

        func run(kill: Bool) async throws -> Int32 {
            let process = Process()
            process.executableURL = executable
            process.arguments = ["import", file.path, "--data-dir", dataDir, "--batch-size", "50"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if kill {
                // Kill once some batches have committed, in the middle of the run. The watch runs on a thread of its
                // own with SQLite's C API: a task would wait for the cooperative pool, which a full parallel test run
                // keeps busy for longer than the import takes.
                let watcher = ImportWatcher(databasePath: dataDir + "/vita.sqlite", pid: process.processIdentifier)
                Thread { watcher.killAfterRecords(200) }.start()
            }
            process.waitUntilExit()
            return process.terminationStatus
        }

        _ = try await run(kill: true)
        let (records, imports, mapped) = try await database.withConnection { db in
            (try await db.raw("SELECT COUNT(*) AS n FROM records").first()!.decode(column: "n", as: Int.self),
             try await db.raw("SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'records.import'").first()!.decode(column: "n", as: Int.self),
             try await db.raw("SELECT COUNT(*) AS n FROM record_sources WHERE source_record_id LIKE 'enr-%'").first()!.decode(column: "n", as: Int.self))
        }
        #expect(records > 0 && records < learners * 2, "the import was killed part-way (\(records) records)")
        #expect(records == imports, "every record that landed has its audit entry")
        #expect(records == mapped, "every record that landed has its source mapping")
        #expect(try await database.verifyAuditChain().firstBreak == nil)

        #expect(try await run(kill: false) == 0)
        let total = try await database.withConnection {
            try await $0.raw("SELECT COUNT(*) AS n FROM records").first()!.decode(column: "n", as: Int.self)
        }
        #expect(total == learners * 2)
        #expect(try await database.verifyAuditChain().firstBreak == nil)
        try await database.shutdown()
    }
}

/// Kills a process once a SQLite database holds some records, watching from an OS thread with SQLite's C API.
struct ImportWatcher: Sendable {
    let databasePath: String
    let pid: Int32

    /// Polls every 5 ms (for at most 30 s) until `records` holds `threshold` rows, then sends SIGKILL.
    func killAfterRecords(_ threshold: Int64) {
        defer { Foundation.kill(pid, SIGKILL) }
        var handle: OpaquePointer?
        guard sqlite_nio_sqlite3_open_v2(databasePath, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { return }
        defer { sqlite_nio_sqlite3_close(handle) }
        sqlite_nio_sqlite3_busy_timeout(handle, 1000)
        for _ in 0..<6000 {
            var statement: OpaquePointer?
            var count: Int64 = 0
            if sqlite_nio_sqlite3_prepare_v2(handle, "SELECT COUNT(*) FROM records", -1, &statement, nil) == SQLITE_OK,
               sqlite_nio_sqlite3_step(statement) == SQLITE_ROW {
                count = sqlite_nio_sqlite3_column_int64(statement, 0)
            }
            sqlite_nio_sqlite3_finalize(statement)
            if count >= threshold { return }
            usleep(5_000)
        }
    }
}
