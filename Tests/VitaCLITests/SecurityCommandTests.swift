import Foundation
import Testing

extension CommandLineTests {
    @Test("vita oauth purge prints what it deleted; vita serve refuses a negative rate limit, and purge a negative grace")
    func oauthPurgeAndRateLimitOptions() throws {
        let purge = try VitaProcess.run(["oauth", "purge", "--data-dir", "data"], in: folder)
        #expect(purge.status == 0, "\(purge.error)")
        #expect(purge.output == "Deleted 0 authorization codes, 0 pending authorizations, 0 tokens and 0 ended web sessions.\n")
        let negative = try VitaProcess.run(["serve", "--rate-limit=-1", "--data-dir", "data"], in: folder)
        #expect(negative.status == 1)
        #expect(negative.error.contains("rate limits must be 0 or more"))
        let grace = try VitaProcess.run(["oauth", "purge", "--grace=-5", "--data-dir", "data"], in: folder)
        #expect(grace.status == 1)
        #expect(grace.error.contains("--grace must be 0 or more"))
    }
}

extension CommandLineTests {
    @Test("vita staff create reads the password from stdin, never an argument, and refuses a weak password, a bad role and an unknown organization")
    func staffCreateChecksItsInput() throws {
        let weak = try VitaProcess.run(["staff", "create", "--organization", "org_nope", "--login", "nora", "--role", "issuer",
                                        "--data-dir", "data"], input: "short\n", in: folder)
        #expect(weak.status == 1)
        #expect(weak.error.contains("password: a password needs at least 10 characters"), "\(weak.error)")
        let role = try VitaProcess.run(["staff", "create", "--organization", "org_nope", "--login", "nora", "--role", "owner",
                                        "--data-dir", "data"], input: "correct horse battery staple\n", in: folder)
        #expect(role.status == 1 && role.error.contains("role: must be admin, issuer or auditor"), "\(role.error)")
        let unknown = try VitaProcess.run(["staff", "create", "--organization", "org_nope", "--login", "nora", "--role", "admin",
                                           "--data-dir", "data"], input: "correct horse battery staple\n", in: folder)
        #expect(unknown.status == 1 && unknown.error.contains("no organization org_nope"), "\(unknown.error)")
        let noPassword = try VitaProcess.run(["staff", "create", "--organization", "org_nope", "--login", "nora", "--role", "admin",
                                              "--data-dir", "data"], in: folder)
        #expect(noPassword.status == 1 && noPassword.error.contains("VITA_STAFF_PASSWORD"), "\(noPassword.error)")
    }
}

extension CommandLineTests {
    @Test("vita staff password sets a new password read from stdin for a login, refusing a weak one and an unknown login; the audit chain stays intact")
    func staffPasswordResets() throws {
        let seeded = try VitaProcess.run(["demo", "seed", "--learners", "1", "--data-dir", "data"], in: folder)
        #expect(seeded.status == 0, "\(seeded.error)")
        let seed = try #require(try JSONSerialization.jsonObject(with: Data(seeded.output.utf8)) as? [String: Any])
        let organization = try #require(seed["universityId"] as? String)
        let created = try VitaProcess.run(["staff", "create", "--organization", organization, "--login", "Nora", "--role", "admin",
                                           "--data-dir", "data"], input: "correct horse battery staple\n", in: folder)
        #expect(created.status == 0, "\(created.error)")
        let weak = try VitaProcess.run(["staff", "password", "--login", "nora", "--data-dir", "data"], input: "short\n", in: folder)
        #expect(weak.status == 1 && weak.error.contains("password: a password needs at least 10 characters"), "\(weak.error)")
        let unknown = try VitaProcess.run(["staff", "password", "--login", "nobody", "--data-dir", "data"],
                                          input: "another good passphrase\n", in: folder)
        #expect(unknown.status == 1 && unknown.error.contains("no staff account with that login"), "\(unknown.error)")
        let reset = try VitaProcess.run(["staff", "password", "--login", "NORA", "--data-dir", "data"],
                                        input: "another good passphrase\n", in: folder)
        #expect(reset.status == 0, "\(reset.error)")
        #expect(reset.output.contains("The password of nora was set"))
        let audit = try VitaProcess.run(["audit", "verify", "--data-dir", "data"], in: folder)
        #expect(audit.status == 0, "\(audit.error)")
    }
}

extension CommandLineTests {
    @Test("vita backup writes a new data folder (the database and its master key, owner-only) that verifies and serves as the original; it refuses a non-empty folder and PostgreSQL")
    func backupMakesADataFolder() throws {
        let seeded = try VitaProcess.run(["demo", "seed", "--learners", "3", "--data-dir", "data"], in: folder)
        #expect(seeded.status == 0, "\(seeded.error)")
        let backup = try VitaProcess.run(["backup", "copy", "--data-dir", "data"], in: folder)
        #expect(backup.status == 0, "\(backup.error)")
        #expect(backup.output.contains("Backed up to copy: the database (integrity checked,") && backup.output.contains("and its master key."),
                "\(backup.output)")
        let key = folder.appendingPathComponent("copy/master.key").path
        #expect(FileManager.default.contents(atPath: key) == FileManager.default.contents(atPath: folder.appendingPathComponent("data/master.key").path))
        let permissions = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let original = try VitaProcess.run(["audit", "verify", "--data-dir", "data"], in: folder)
        let copied = try VitaProcess.run(["audit", "verify", "--data-dir", "copy"], in: folder)
        #expect(copied.status == 0 && copied.output == original.output, "\(copied.output) \(copied.error)")
        let again = try VitaProcess.run(["backup", "copy", "--data-dir", "data"], in: folder)
        #expect(again.status == 1 && again.error.contains("the backup folder must be new or empty"), "\(again.error)")
        let postgres = try VitaProcess.run(["backup", "dump", "--database-url", "postgres://vita@127.0.0.1:1/none"], in: folder)
        #expect(postgres.status == 1 && postgres.error.contains("use pg_dump"), "\(postgres.error)")
    }
}
