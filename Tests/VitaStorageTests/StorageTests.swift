import Foundation
import SQLKit
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

/// The storage suite: every test runs on SQLite, and on PostgreSQL when `VITA_TEST_POSTGRES_URL` is set.
struct StorageTests {
    static let now = Timestamp.truncated(Date(timeIntervalSince1970: 1_800_000_000))

    static func seed(_ tx: StoreTransaction) async throws -> (organization: Organization, learner: Learner) {
        let organization = Organization(id: EntityID.make("org"), name: "Riverside University", kind: .university,
                                        identifiers: [Identifier(scheme: .domain, value: "riverside.edu")], createdAt: now)
        try await tx.insert(organization)
        let learner = Learner(id: EntityID.make("lrn"), name: .init(given: "Ada", family: "Lovelace", display: "Ada Lovelace"),
                              identifiers: [Identifier(scheme: .email, value: "ada@riverside.edu")],
                              birthDate: CalendarDate("2001-12-10"), createdAt: now, updatedAt: now)
        try await tx.insert(learner)
        return (organization, learner)
    }

    static func experience(_ id: String, learner: String, organization: String, version: Int, title: String,
                           source: String = "src-1", at: Date = now) -> LearnerRecord {
        let body = RecordBody.experience(.init(organizationId: organization, kind: .course, title: title, status: .completed,
                                               credits: 3))
        return LearnerRecord(id: id, learnerId: learner, category: .experiences, organizationId: organization, version: version,
                             body: body,
                             provenance: Provenance(systemId: "sys_1", sourceRecordId: source, rawDataURI: "sis://x/1",
                                                    rawDigest: ContentDigest.sha256(Array(title.utf8)), assertedAt: at, recordedAt: at))
    }

    @Test("migrations are idempotent and report the schema version", arguments: TestEngine.available)
    func migrations(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let applied = try await Migrations.run(on: test.database)
            #expect(applied.isEmpty)
        }
    }

    @Test("an agreement's categories and permissions read back as stored, compact or spaced, and an unknown name is corrupt data",
          arguments: TestEngine.available)
    func storedNameLists(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let organization = Organization(id: EntityID.make("org"), name: "Riverside University", kind: .university,
                                            createdAt: Self.now)
            let system = ConnectedSystem(id: EntityID.make("sys"), organizationId: organization.id, name: "SIS", kind: .sis,
                                         createdAt: Self.now)
            let agreement = Agreement(id: EntityID.make("agr"), providerOrganizationId: organization.id,
                                      consumerSystemId: system.id, categories: [.profile, .credentials, .employment],
                                      permissions: [.read, .write], purpose: "transcripts", validFrom: Self.now,
                                      validUntil: nil, consentRequired: false, status: .active, createdAt: Self.now,
                                      updatedAt: Self.now)
            try await test.database.transaction { tx in
                try await tx.insert(organization)
                try await tx.insert(system, keyHash: "unused")
                try await tx.insert(agreement)
            }
            #expect(try await test.database.read { try await $0.agreements(consumer: system.id) } == [agreement])

            // Written by another tool with spaces and an escaped character: parsed as JSON, the same names.
            try await test.database.withConnection { db in
                try await db.raw(#"UPDATE agreements SET categories = '[ "profile" , "cr\u0065dentials", "employment" ]', permissions = '["read", "write"]'"#).run()
            }
            #expect(try await test.database.read { try await $0.agreements(consumer: system.id) } == [agreement])

            for stored in [#"["profile","bogus"]"#, #"["profile""#, #"{"profile":1}"#, #"["profile",,"credentials"]"#] {
                try await test.database.withConnection { db in
                    try await db.raw("UPDATE agreements SET categories = \(bind: stored)").run()
                }
                await #expect(throws: StorageError(.corrupt, "")) {
                    try await test.database.read { try await $0.agreements(consumer: system.id) }
                }
            }
        }
    }

    @Test("organizations and learners round-trip unchanged", arguments: TestEngine.available)
    func roundTrip(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let (organization, learner) = try await test.database.transaction { try await Self.seed($0) }
            let (readOrganization, readLearner) = try await test.database.read { tx in
                (try await tx.organization(id: organization.id), try await tx.learner(id: learner.id))
            }
            #expect(readOrganization == organization)
            #expect(readLearner == learner)
        }
    }

    @Test("a record update keeps earlier versions readable, also as of a past time", arguments: TestEngine.available)
    func versioning(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let (organization, learner) = try await db.transaction { try await Self.seed($0) }
            let id = EntityID.make("rec")
            let v1 = Self.experience(id, learner: learner.id, organization: organization.id, version: 1, title: "Algorithms")
            let v2 = Self.experience(id, learner: learner.id, organization: organization.id, version: 2, title: "Algorithms I",
                                     at: Self.now + 60)
            try await db.transaction { try await $0.insert(v1) }
            try await db.transaction { try await $0.insert(v2) }
            let (current, before, versions, asOfList) = try await db.read { tx in
                (try await tx.record(id: id), try await tx.record(id: id, asOf: Self.now + 30),
                 try await tx.versions(ofRecord: id),
                 try await tx.records(learnerId: learner.id, categories: [.experiences], organizations: nil, asOf: Self.now + 30).items)
            }
            #expect(current == v2)
            #expect(before == v1)
            #expect(versions == [v1, v2])
            #expect(asOfList == [v1])
        }
    }

    @Test("a stale version is refused and nothing is half-written", arguments: TestEngine.available)
    func staleVersion(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let (organization, learner) = try await db.transaction { try await Self.seed($0) }
            let id = EntityID.make("rec")
            try await db.transaction {
                try await $0.insert(Self.experience(id, learner: learner.id, organization: organization.id, version: 1, title: "A"))
            }
            try await db.transaction {
                try await $0.insert(Self.experience(id, learner: learner.id, organization: organization.id, version: 2, title: "B"))
            }
            await #expect(throws: StorageError.self) {
                try await db.transaction {
                    try await $0.appendAudit(AuditEntry(occurredAt: Self.now, actor: .init(kind: .cli, id: "cli"), action: "x",
                                                        learnerId: nil, categories: [], agreementId: nil, outcome: .allowed, reason: nil))
                    try await $0.insert(Self.experience(id, learner: learner.id, organization: organization.id, version: 2, title: "C"))
                }
            }
            let (versions, audit) = try await db.read { tx in
                (try await tx.versions(ofRecord: id), try await tx.auditEntries(learnerId: nil, after: nil, limit: 10).items)
            }
            #expect(versions.map(\.version) == [1, 2])
            #expect(audit.isEmpty, "the audit entry of the failed transaction was rolled back with it")
        }
    }

    @Test("a record written in a transaction drops the learner's kept profiles, also after a profile was kept earlier in the same transaction",
          arguments: TestEngine.available)
    func keptProfilesFollowEveryWrite(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let (organization, learner) = try await db.transaction { try await Self.seed($0) }
            let profile = KeptProfile(referenceDate: "2027-01-15", body: #"{"learnerId":"x"}"#)
            let kept = try await db.transaction { tx -> [Bool] in
                var kept: [Bool] = []
                for (n, title) in ["Algorithms", "Databases", "Compilers"].enumerated() {
                    try await tx.insert(Self.experience(EntityID.make("rec"), learner: learner.id, organization: organization.id,
                                                        version: 1, title: title, source: "src-\(n)"))
                    // Kept after the write (as a read in the transaction would), then found by the next read.
                    let generation = try #require(try await tx.keptProfile(learnerId: learner.id, scope: "*")).generation
                    try await tx.keep(profile, learnerId: learner.id, scope: "*", generation: generation)
                    kept.append(try await tx.keptProfile(learnerId: learner.id, scope: "*")?.kept == profile)
                }
                // A write after the last keep drops it.
                try await tx.insert(Self.experience(EntityID.make("rec"), learner: learner.id, organization: organization.id,
                                                    version: 1, title: "Networks", source: "src-9"))
                kept.append(try await tx.keptProfile(learnerId: learner.id, scope: "*")?.kept == nil)
                return kept
            }
            #expect(kept == [true, true, true, true])
            #expect(try await db.read { try await $0.keptProfile(learnerId: learner.id, scope: "*")?.kept } == nil)
            #expect(try await db.read { try await $0.holders(learnerId: learner.id) } == [organization.id])
        }
    }

    @Test("definitions start at version 1; an update from the current version makes the next one, one from a stale version changes nothing",
          arguments: TestEngine.available)
    func definitionVersions(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let (organization, _) = try await db.transaction { try await Self.seed($0) }
            let system = ConnectedSystem(id: EntityID.make("sys"), organizationId: organization.id, name: "SIS", kind: .sis,
                                         createdAt: Self.now)
            let achievement = Achievement(id: EntityID.make("ach"), uri: "urn:uuid:\(UUID().uuidString.lowercased())",
                                          organizationId: organization.id, name: "Diploma", description: "Diploma",
                                          criteriaNarrative: "Pass", createdAt: Self.now)
            let competency = Competency(id: EntityID.make("cmp"), organizationId: organization.id, name: "Statistcs", createdAt: Self.now)
            try await db.transaction { tx in
                try await tx.insert(system, keyHash: "hash")
                try await tx.insert(achievement)
                try await tx.insert(competency)
            }
            func named<T>(_ value: T, _ name: String, _ path: WritableKeyPath<T, String>) -> T {
                var copy = value
                copy[keyPath: path] = name
                return copy
            }
            let renamed = (named(organization, "Riverside State University", \.name), named(system, "SIS (Banner)", \.name),
                           named(achievement, "Diploma in Computing", \.name), named(competency, "Statistics", \.name))
            try await db.transaction { tx in
                try await tx.update(renamed.0, expectedVersion: 1)
                try await tx.update(renamed.1, expectedVersion: 1)
                try await tx.update(renamed.2, expectedVersion: 1)
                try await tx.update(renamed.3, expectedVersion: 1)
            }
            let stale = (named(organization, "Stale", \.name), named(system, "Stale", \.name),
                         named(achievement, "Stale", \.name), named(competency, "Stale", \.name))
            await #expect(throws: StorageError(.versionConflict, "")) {
                try await db.transaction { try await $0.update(stale.0, expectedVersion: 1) }
            }
            await #expect(throws: StorageError(.versionConflict, "")) {
                try await db.transaction { try await $0.update(stale.1, expectedVersion: 1) }
            }
            await #expect(throws: StorageError(.versionConflict, "")) {
                try await db.transaction { try await $0.update(stale.2, expectedVersion: 1) }
            }
            await #expect(throws: StorageError(.versionConflict, "")) {
                try await db.transaction { try await $0.update(stale.3, expectedVersion: 1) }
            }
            // An import of its framework changing a competency makes its next version too.
            try await db.transaction { try await $0.update(renamed.3) }
            let read = try await db.read { tx in
                (try await tx.versionedOrganization(id: organization.id), try await tx.versionedSystem(id: system.id),
                 try await tx.versionedAchievement(id: achievement.id), try await tx.versionedCompetency(id: competency.id))
            }
            #expect(read.0?.value == renamed.0 && read.0?.version == 2)
            #expect(read.1?.value == renamed.1 && read.1?.version == 2)
            #expect(read.2?.value == renamed.2 && read.2?.version == 2)
            #expect(read.3?.value == renamed.3 && read.3?.version == 3)
        }
    }

    @Test("a system cannot assert two records with one source record id", arguments: TestEngine.available)
    func sourceRecordIdIsUnique(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let (organization, learner) = try await db.transaction { try await Self.seed($0) }
            try await db.transaction {
                try await $0.insert(Self.experience(EntityID.make("rec"), learner: learner.id, organization: organization.id,
                                                    version: 1, title: "A", source: "enr-9"))
            }
            await #expect(throws: StorageError(.conflict, "")) {
                try await db.transaction {
                    try await $0.insert(Self.experience(EntityID.make("rec"), learner: learner.id, organization: organization.id,
                                                        version: 1, title: "B", source: "enr-9"))
                }
            }
        }
    }

    @Test("new records stored together read back as stored one by one, each a change; one whose source record id was asserted already refuses them all",
          arguments: TestEngine.available)
    func newRecordsTogether(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let (organization, learner) = try await db.transaction { try await Self.seed($0) }
            // More than one statement's hundred.
            let records = (0..<150).map {
                Self.experience(EntityID.make("rec"), learner: learner.id, organization: organization.id, version: 1,
                                title: "Course \($0)", source: "enr-\($0)")
            }
            try await db.transaction { try await $0.insertNew(records) }
            let (stored, changes, sources) = try await db.read { tx in
                (try await tx.records(learnerId: learner.id, categories: [.experiences], organizations: nil).items,
                 try await tx.recordChanges(after: 0, limit: 200, categories: [.experiences], providers: nil),
                 try await tx.recordIds(system: "sys_1", sourceRecordIds: ["enr-0", "enr-149", "enr-150"]))
            }
            #expect(stored.sorted { $0.id < $1.id } == records.sorted { $0.id < $1.id })
            #expect(changes.map(\.change.recordId) == records.map(\.id), "one change a record, in the order given")
            #expect(sources == ["enr-0": records[0].id, "enr-149": records[149].id])

            let again = [Self.experience(EntityID.make("rec"), learner: learner.id, organization: organization.id, version: 1,
                                         title: "New", source: "enr-new"),
                         Self.experience(EntityID.make("rec"), learner: learner.id, organization: organization.id, version: 1,
                                         title: "Again", source: "enr-7")]
            await #expect(throws: StorageError(.conflict, "")) { try await db.transaction { try await $0.insertNew(again) } }
            let after = try await db.read { try await $0.records(learnerId: learner.id, categories: [.experiences], organizations: nil).items }
            #expect(after.count == 150, "nothing of the refused call was stored")
        }
    }

    @Test("erasure removes personal fields from every version and record but keeps ids and audit", arguments: TestEngine.available)
    func erasure(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let (organization, learner) = try await db.transaction { try await Self.seed($0) }
            let id = EntityID.make("rec")
            try await db.transaction {
                try await $0.insert(Self.experience(id, learner: learner.id, organization: organization.id, version: 1, title: "A"))
                try await $0.appendAudit(AuditEntry(occurredAt: Self.now, actor: .init(kind: .cli, id: "cli"), action: "records.write",
                                                    learnerId: learner.id, categories: [.experiences], agreementId: nil,
                                                    outcome: .allowed, reason: nil))
            }
            try await db.transaction {
                try await $0.erase(learnerId: learner.id, tombstone: Tombstone(reason: "GDPR art. 17 request", at: Self.now, by: "adm_1"))
            }
            let (erased, record, audit) = try await db.read { tx in
                (try await tx.learner(id: learner.id), try await tx.record(id: id),
                 try await tx.auditEntries(learnerId: learner.id, after: nil, limit: 10).items)
            }
            #expect(erased?.name == nil)
            #expect(erased?.identifiers.isEmpty == true)
            #expect(erased?.erasure?.reason == "GDPR art. 17 request")
            #expect(record?.body == nil)
            #expect(record?.provenance.sourceRecordId == "src-1")
            #expect(audit.count == 1)
            let (firstBreak, _) = try await db.verifyAuditChain()
            #expect(firstBreak == nil)
        }
    }

    @Test("lists page with opaque cursors and no duplicates or gaps", arguments: TestEngine.available)
    func paging(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            var created: [String] = []
            for index in 0..<7 {
                let organization = Organization(id: EntityID.make("org"), name: "Org \(index)", kind: .employer, createdAt: Self.now)
                try await db.transaction { try await $0.insert(organization) }
                created.append(organization.id)
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await db.read { [cursor] in try await $0.organizations(after: cursor, limit: 3) }
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == created)
            #expect(throws: VitaCoreError.self) { try StoreTransaction.cursorKey("not-a-cursor") }
        }
    }
}

extension StorageTests {
    @Test("two nodes migrating the same empty database at once both succeed, each migration applied once",
          arguments: TestEngine.available)
    func concurrentMigrations(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            // Start from an empty schema: drop what `make` migrated.
            try await test.database.withConnection { db in
                for table in ["learner_name_words", "learner_identifiers", "holder_keys", "xapi_voided_statements", "presentation_requests", "credential_offers", "issuance_job_rows", "issuance_jobs", "staff_accounts", "web_sessions", "learner_holders", "learner_profiles", "profile_generations", "erasure_requests", "share_openings", "share_links", "collections", "peers", "platform_connections", "platform_registrations", "learner_service_profiles", "held_credentials", "oauth_tokens", "oauth_codes", "oauth_approvals", "oauth_pending_authorizations", "oauth_clients",
                              "record_changes", "change_notifications", "learner_accounts", "issued_clrs", "credential_status", "status_lists", "idempotency_keys", "audit_archives", "audit_head", "audit_entries", "record_sources", "records", "competencies", "competency_frameworks",
                              "consents", "learner_versions", "issued_credentials", "achievements", "issuer_keys",
                              "learners", "agreements", "admin_keys", "connected_systems", "organizations", "vita_migrations"] {
                    try await db.raw("DROP TABLE IF EXISTS \(ident: table)").run()
                }
            }
            try await test.withAnotherNode { other in
                async let first = Migrations.run(on: test.database)
                async let second = Migrations.run(on: other)
                let (a, b) = try await (first, second)
                #expect((a + b).sorted() == Migrations.versions)
            }
        }
    }
}
