import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs the `vita` executable built next to the test bundle.
struct VitaProcess {
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vita")

    struct Result {
        let status: Int32
        let output: String
        let error: String
    }

    /// How long a command may run before it is killed: the test then fails on its status instead of hanging the run.
    static let limit = 120

    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:], in folder: URL,
                    executable: URL = executable) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = folder
        let output = Pipe(), error = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = stdin
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(limit), execute: watchdog)
        defer { watchdog.cancel() }
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let killed = process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
        return Result(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
                      error: String(decoding: err, as: UTF8.self) + (killed ? "\n(killed after \(limit) s)" : ""))
    }

    /// Stops a `vita serve` as a deployment does (SIGTERM) and waits up to 30 seconds for it to exit; one still running
    /// then is killed. Returns whether it exited by itself.
    static func stop(_ process: Process) async throws -> Bool {
        process.terminate()
        for _ in 0..<300 where process.isRunning {
            try await Task.sleep(for: .milliseconds(100))
        }
        guard process.isRunning else { return true }
        kill(process.processIdentifier, SIGKILL)
        return false
    }
}

/// Each test runs the executable in a folder of its own, removed when the test ends.
final class CommandLineTests {
    let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vita-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    deinit { try? FileManager.default.removeItem(at: folder) }

    let credential = """
        {"@context":["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
         "id":"urn:uuid:6a9f3b2e-1d2c-4c7e-9b8a-0f1e2d3c4b5a","type":["VerifiableCredential","OpenBadgeCredential"],
         "name":"Algorithms","validFrom":"2026-01-01T00:00:00Z",
         "credentialSubject":{"id":"did:example:learner","type":["AchievementSubject"],
           "achievement":{"id":"https://example.edu/achievements/cs-230","type":["Achievement"],"name":"Algorithms",
             "description":"Completed CS-230","criteria":{"narrative":"Pass the course"}}}}
        """

    @Test("a generated key signs a credential that verifies (exit 0), and a tampered copy does not (exit 1)",
          arguments: ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
    func signAndVerify(_ suite: String) throws {
        let key = try VitaProcess.run(["keys", "generate"], in: folder)
        #expect(key.status == 0)
        #expect(key.output.contains("secretKeyMultibase"))
        try key.output.write(to: folder.appendingPathComponent("key.json"), atomically: true, encoding: .utf8)
        let signed = try VitaProcess.run(["sign", "--key", "key.json", "--suite", suite, "-"], input: credential, in: folder)
        #expect(signed.status == 0, "\(signed.error)")
        #expect(signed.output.contains("\"cryptosuite\": \"\(suite)\""))
        #expect(signed.output.contains("\"issuer\": \"did:key:z6Mk"))

        let verified = try VitaProcess.run(["verify", "-"], input: signed.output, in: folder)
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.hasPrefix("VALID"))

        let tampered = signed.output.replacingOccurrences(of: "Completed CS-230", with: "Completed CS-999")
        let rejected = try VitaProcess.run(["verify", "--json", "-"], input: tampered, in: folder)
        #expect(rejected.status == 1)
        #expect(rejected.output.contains("signature does not match"))
    }

    @Test("a generated P-256 key signs with the ECDSA suites a credential that verifies; an Ed25519 key file is refused for them",
          arguments: ["ecdsa-rdfc-2019", "ecdsa-jcs-2019"])
    func signWithECDSA(_ suite: String) throws {
        let key = try VitaProcess.run(["keys", "generate", "--type", "p256"], in: folder)
        try key.output.write(to: folder.appendingPathComponent("p256.json"), atomically: true, encoding: .utf8)
        let signed = try VitaProcess.run(["sign", "--key", "p256.json", "--suite", suite, "-"], input: credential, in: folder)
        #expect(signed.status == 0, "\(signed.error)")
        #expect(signed.output.contains("\"cryptosuite\": \"\(suite)\""))
        #expect(signed.output.contains("\"issuer\": \"did:key:zDn"))
        let verified = try VitaProcess.run(["verify", "-"], input: signed.output, in: folder)
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.hasPrefix("VALID"))
        let tampered = signed.output.replacingOccurrences(of: "Completed CS-230", with: "Completed CS-999")
        #expect(try VitaProcess.run(["verify", "-"], input: tampered, in: folder).status == 1)

        let ed25519 = try VitaProcess.run(["keys", "generate"], in: folder)
        try ed25519.output.write(to: folder.appendingPathComponent("ed.json"), atomically: true, encoding: .utf8)
        let refused = try VitaProcess.run(["sign", "--key", "ed.json", "--suite", suite, "-"], input: credential, in: folder)
        #expect(refused.status == 1)
        #expect(refused.error.contains("P-256 or P-384 private JWK"), "\(refused.error)")
    }

    @Test("an Ed25519 key signs a VC-JWT that verifies, and a changed payload does not")
    func vcJWT() throws {
        let key = try VitaProcess.run(["keys", "generate"], in: folder)
        try key.output.write(to: folder.appendingPathComponent("key.json"), atomically: true, encoding: .utf8)
        let signed = try VitaProcess.run(["sign", "--key", "key.json", "--suite", "vc-jwt", "-"], input: credential, in: folder)
        #expect(signed.status == 0, "\(signed.error)")
        let jwt = signed.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(jwt.split(separator: ".").count == 3)
        let verified = try VitaProcess.run(["verify", "-"], input: jwt, in: folder)
        #expect(verified.status == 0, "\(verified.output)")
        var parts = jwt.split(separator: ".").map(String.init)
        var payload = Array(parts[1])
        payload[10] = payload[10] == "A" ? "B" : "A"
        parts[1] = String(payload)
        let tampered = try VitaProcess.run(["verify", "-"], input: parts.joined(separator: "."), in: folder)
        #expect(tampered.status != 0)
    }

    @Test("P-256 and RSA keys come out as private JWKs that sign VC-JWTs with the key in the header",
          arguments: ["p256", "rsa"])
    func jwkKeys(_ type: String) throws {
        let key = try VitaProcess.run(["keys", "generate", "--type", type], in: folder)
        #expect(key.status == 0, "\(key.error)")
        #expect(key.output.contains("\"d\""))
        try key.output.write(to: folder.appendingPathComponent("\(type).json"), atomically: true, encoding: .utf8)
        let withIssuer = credential.replacingOccurrences(of: "\"name\":\"Algorithms\",",
                                                         with: "\"name\":\"Algorithms\",\"issuer\":\"https://riverside.example/issuer\",")
        let signed = try VitaProcess.run(["sign", "--key", "\(type).json", "--suite", "vc-jwt", "-"], input: withIssuer, in: folder)
        #expect(signed.status == 0, "\(signed.error)")
        let report = try VitaProcess.run(["verify", "--json", "-"], input: signed.output, in: folder)
        // The signature verifies; nothing binds an embedded key to an https issuer offline, so the issuer check fails.
        #expect(report.output.contains("\"name\": \"proof\",\n      \"outcome\": \"pass\"") || report.output.contains("signature valid"),
                "\(report.output)")
        let refused = try VitaProcess.run(["sign", "--key", "\(type).json", "-"], input: withIssuer, in: folder)
        #expect(refused.status == 1)
    }

    @Test("verify --offline names offline mode as the reason a did:web method is not resolved, without the network")
    func verifyOffline() throws {
        let didWeb = credential.replacingOccurrences(of: "\"name\":\"Algorithms\",", with: """
            "name":"Algorithms","issuer":"did:web:issuer.example","proof":{"type":"DataIntegrityProof",
            "cryptosuite":"eddsa-rdfc-2022","created":"2026-01-01T00:00:00Z","proofPurpose":"assertionMethod",
            "verificationMethod":"did:web:issuer.example#key-1","proofValue":"z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk"},
            """)
        let report = try VitaProcess.run(["verify", "--offline", "-"], input: didWeb, in: folder)
        #expect(report.status == 1)
        #expect(report.output.contains("offline mode: did:web resolution disabled"), "\(report.output)")
    }

    @Test("unusable input gives a message and exit 2 for verify, a message and exit 1 elsewhere")
    func badInput() throws {
        let verify = try VitaProcess.run(["verify", "-"], input: "{\"a\":", in: folder)
        #expect(verify.status == 2)
        #expect(verify.error.contains("not valid JSON"))
        #expect(!verify.error.contains("Fatal error"))
        let sign = try VitaProcess.run(["sign", "--key", "missing.json", "-"], input: credential, in: folder)
        #expect(sign.status == 1)
        #expect(sign.error.contains("cannot read missing.json"))
        let serve = try VitaProcess.run(["serve", "--database-url", "mysql://nowhere"], in: folder)
        #expect(serve.status == 1)
        #expect(serve.error.contains("postgres://"))
        let pool = try VitaProcess.run(["serve", "--data-dir", "data", "--database-connections", "0"], in: folder)
        #expect(pool.status == 1)
        #expect(pool.error.contains("--database-connections (or VITA_DATABASE_CONNECTIONS) must be a whole number from 1 to 500"))
        let prepared = try VitaProcess.run(["serve", "--data-dir", "data", "--database-prepared-statements", "maybe"], in: folder)
        #expect(prepared.status == 1)
        #expect(prepared.error.contains("--database-prepared-statements (or VITA_DATABASE_PREPARED_STATEMENTS) must be on or off"))
        let stall = try VitaProcess.run(["serve", "--data-dir", "data", "--stalled-job-timeout=-1"], in: folder)
        #expect(stall.status == 1)
        #expect(stall.error.contains("--stalled-job-timeout must be 0 or more"), "\(stall.error)")
        let window = try VitaProcess.run(["serve", "--data-dir", "data", "--idempotency-window", "10"], in: folder)
        #expect(window.status == 1 && window.error.contains("--idempotency-window must be 60 or more"), "\(window.error)")
        let windowVariable = try VitaProcess.run(["serve", "--data-dir", "data"], environment: ["VITA_IDEMPOTENCY_WINDOW": "a day"],
                                                 in: folder)
        #expect(windowVariable.status == 1 && windowVariable.error.contains("VITA_IDEMPOTENCY_WINDOW must be whole seconds"))
        let metrics = try VitaProcess.run(["serve", "--data-dir", "data"], environment: ["VITA_METRICS_TOKEN": "short"], in: folder)
        #expect(metrics.status == 1)
        #expect(metrics.error.contains("VITA_METRICS_TOKEN: the metrics token needs at least 16 characters"), "\(metrics.error)")
        let export = try VitaProcess.run(["export", "--learner", "../../etc/passwd", "--data-dir", "data"], in: folder)
        #expect(export.status == 1)
        #expect(export.error.contains("not a learner id"))
    }

    @Test("audit verify reports an intact chain after bootstrap, and a broken one with exit 1")
    func auditVerify() throws {
        let bootstrap = try VitaProcess.run(["admin", "bootstrap", "--data-dir", "data", "--database-connections", "2"], in: folder)
        #expect(bootstrap.status == 0)
        #expect(bootstrap.output.hasPrefix("vk.adm_"))
        let intact = try VitaProcess.run(["audit", "verify", "--data-dir", "data", "--database-prepared-statements", "off"],
                                         in: folder)
        #expect(intact.status == 0)
        #expect(intact.output.contains("1 stored entries verified"), "\(intact.output)")
    }

    @Test("master-key: a generated key, and a reseal with the previous key that leaves every secret sealed with the new one")
    func masterKeyRotation() throws {
        let generated = try VitaProcess.run(["master-key", "generate"], in: folder)
        let newKey = generated.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(generated.status == 0 && Data(base64Encoded: newKey)?.count == 32)
        #expect(try VitaProcess.run(["demo", "seed", "--learners", "2", "--data-dir", "data"], in: folder).status == 0)
        let alone = try VitaProcess.run(["master-key", "reseal", "--data-dir", "data"], in: folder)
        #expect(alone.status == 1 && alone.error.contains("set VITA_PREVIOUS_MASTER_KEY"), "\(alone.error)")

        let oldKey = try String(contentsOf: folder.appendingPathComponent("data/master.key"), encoding: .utf8)
        let rotation = ["VITA_MASTER_KEY": newKey, "VITA_PREVIOUS_MASTER_KEY": oldKey]
        let reseal = try VitaProcess.run(["master-key", "reseal", "--data-dir", "data"], environment: rotation, in: folder)
        #expect(reseal.status == 0, "\(reseal.error)")
        let resealed = reseal.output.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        #expect(reseal.output.hasPrefix("Resealed ") && resealed > 0, "the demo's signing keys: \(reseal.output)")
        let again = try VitaProcess.run(["master-key", "reseal", "--data-dir", "data"], environment: rotation, in: folder)
        #expect(again.output.hasPrefix("Resealed 0 secrets with the current master key (\(resealed) were already)"), "\(again.output)")
        let garbled = try VitaProcess.run(["master-key", "reseal", "--data-dir", "data"],
                                          environment: ["VITA_MASTER_KEY": newKey, "VITA_PREVIOUS_MASTER_KEY": "not a key"], in: folder)
        #expect(garbled.status == 1 && garbled.error.contains("VITA_PREVIOUS_MASTER_KEY must be the base64 of 32 random bytes"))
    }

    @Test("audit archive moves old entries to a file that verify --archive checks; a tampered archive exits 1")
    func auditArchive() throws {
        #expect(try VitaProcess.run(["demo", "seed", "--learners", "3", "--data-dir", "data"], in: folder).status == 0)
        let cutOff = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        Thread.sleep(forTimeInterval: 0.01)
        // A file that cannot be created: the command fails and every entry stays.
        let nowhere = try VitaProcess.run(["audit", "archive", "--before", cutOff, "--to", "missing/old.jsonl", "--data-dir", "data"],
                                          in: folder)
        #expect(nowhere.status == 1 && nowhere.error.contains("cannot create the archive file"), "\(nowhere.error)")
        let untouched = try VitaProcess.run(["audit", "verify", "--data-dir", "data"], in: folder)
        #expect(untouched.output.hasPrefix("Audit chain intact: 4 stored entries verified.\nHead: 4:"), "\(untouched.output)")
        // The head printed is an anchor a later verify checks.
        let headAnchor = String(untouched.output.split(separator: "\n")[1].dropFirst("Head: ".count))
        let archive = try VitaProcess.run(["audit", "archive", "--before", cutOff, "--to", "old.jsonl", "--data-dir", "data"],
                                          in: folder)
        #expect(archive.status == 0, "\(archive.error)")
        #expect(archive.output.hasPrefix("Archived audit entries 1–4 (4) to old.jsonl, SHA-256 "), "\(archive.output)")
        let file = folder.appendingPathComponent("old.jsonl")
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.first?.contains("\"previousHash\":\"0000000000") == true)

        let unchecked = try VitaProcess.run(["audit", "verify", "--data-dir", "data"], in: folder)
        #expect(unchecked.status == 0)
        #expect(unchecked.output.contains("1 stored entries verified; entries 1–4 archived in 1 archive, not checked here"),
                "\(unchecked.output)")
        let checked = try VitaProcess.run(["audit", "verify", "--archive", "old.jsonl", "--data-dir", "data"], in: folder)
        #expect(checked.status == 0)
        #expect(checked.output.contains("each verified from its file"), "\(checked.output)")

        // Anchors: the old head (now the archive's last entry), and entry 2, inside the archive, checked from its file.
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        let inside = "2:\(second["hash"] as! String)"
        let anchored = try VitaProcess.run(["audit", "verify", "--anchor", headAnchor, "--anchor", inside, "--archive", "old.jsonl",
                                            "--data-dir", "data"], in: folder)
        #expect(anchored.status == 0 && anchored.output.contains("2 anchors match"), "\(anchored.output)\(anchored.error)")
        let withoutFile = try VitaProcess.run(["audit", "verify", "--anchor", inside, "--data-dir", "data"], in: folder)
        #expect(withoutFile.status == 1 && withoutFile.error.contains("lies in the archive of entries 1–4: give its file"),
                "\(withoutFile.error)")
        let wrong = try VitaProcess.run(["audit", "verify", "--anchor", "5:" + String(repeating: "0", count: 64), "--data-dir", "data"],
                                        in: folder)
        #expect(wrong.status == 1 && wrong.error.contains("audit chain broken at entry 5: does not match the hash anchored"),
                "\(wrong.error)")
        let malformed = try VitaProcess.run(["audit", "verify", "--anchor", "5", "--data-dir", "data"], in: folder)
        #expect(malformed.status == 1 && malformed.error.contains("--anchor must be <sequence>:<hash>"))

        // Nothing is overwritten, nothing is archived from the future, nothing is archived twice.
        let again = try VitaProcess.run(["audit", "archive", "--before", cutOff, "--to", "old.jsonl", "--data-dir", "data"], in: folder)
        #expect(again.status == 1 && again.error.contains("already exists"))
        let future = try VitaProcess.run(["audit", "archive", "--before", "2999-01-01", "--to", "f.jsonl", "--data-dir", "data"], in: folder)
        #expect(future.status == 1 && future.error.contains("must not be in the future"))
        let garbled = try VitaProcess.run(["audit", "archive", "--before", "last week", "--to", "f.jsonl", "--data-dir", "data"], in: folder)
        #expect(garbled.status == 1 && garbled.error.contains("--before must be an RFC 3339 time"))
        let nothing = try VitaProcess.run(["audit", "archive", "--before", cutOff, "--to", "f.jsonl", "--data-dir", "data"], in: folder)
        #expect(nothing.status == 0 && nothing.output.hasPrefix("Nothing to archive"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("f.jsonl").path))

        let tampered = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "demo.seed", with: "demo.seex")
        try tampered.write(to: folder.appendingPathComponent("tampered.jsonl"), atomically: true, encoding: .utf8)
        let broken = try VitaProcess.run(["audit", "verify", "--archive", "tampered.jsonl", "--data-dir", "data"], in: folder)
        #expect(broken.status == 1)
        #expect(broken.error.contains("archive tampered.jsonl broken at entry 1: content does not match its hash"), "\(broken.error)")
        try Data("{}\n".utf8).write(to: folder.appendingPathComponent("other.jsonl"))
        let foreign = try VitaProcess.run(["audit", "verify", "--archive", "other.jsonl", "--data-dir", "data"], in: folder)
        #expect(foreign.status == 1 && foreign.error.contains("is not an audit archive"), "\(foreign.error)")
    }
}

extension CommandLineTests {
    /// Starts `vita serve` on a random port in the test's folder (data in `data`), with `environment` added and its
    /// standard error to `log` (discarded without one).
    func startServe(environment: [String: String] = [:], log: FileHandle? = nil) throws -> (Process, Int) {
        // Below Linux's ephemeral ports (32 768 and up), which the test process's own connections are given.
        let port = Int.random(in: 20_000...32_000)
        let process = Process()
        process.executableURL = VitaProcess.executable
        process.arguments = ["serve", "--port", String(port), "--data-dir", "data"]
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = log ?? FileHandle.nullDevice
        try process.run()
        return (process, port)
    }

    @Test("vita serve starts on its embedded default, answers /health, keeps its master key owner-only, and stops on SIGTERM")
    func serve() async throws {
        let (process, port) = try startServe()
        defer { if process.isRunning { process.terminate() } }
        var healthy = false
        for _ in 0..<100 where !healthy {
            try await Task.sleep(for: .milliseconds(100))
            let probe = try VitaProcess.run(["-c", "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:\(port)/health', timeout=1).read().decode())"],
                                            in: folder, executable: URL(fileURLWithPath: "/usr/bin/python3"))
            healthy = probe.status == 0 && probe.output.contains("ok")
        }
        #expect(healthy)
        let key = folder.appendingPathComponent("data/master.key").path
        let permissions = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(try await VitaProcess.stop(process), "vita serve exits within 30 s of SIGTERM")
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
    }
}

extension CommandLineTests {
    @Test("with VITA_LOG_FORMAT=json every log line of vita serve is a JSON object with time, level, label, source and message")
    func jsonLogs() async throws {
        let logFile = folder.appendingPathComponent("serve.log")
        #expect(FileManager.default.createFile(atPath: logFile.path, contents: nil))
        let log = try FileHandle(forWritingTo: logFile)
        let (process, port) = try startServe(environment: ["VITA_LOG_FORMAT": "json", "VITA_LOG_LEVEL": "info"], log: log)
        defer { if process.isRunning { process.terminate() } }
        var lines: [Substring] = []
        for _ in 0..<100 where !lines.contains(where: { $0.contains("Server started") }) {
            try await Task.sleep(for: .milliseconds(100))
            lines = String(decoding: FileManager.default.contents(atPath: logFile.path) ?? Data(), as: UTF8.self)
                .split(separator: "\n")
        }
        #expect(try await VitaProcess.stop(process), "vita serve exits within 30 s of SIGTERM")
        process.waitUntilExit()
        try log.close()
        #expect(lines.contains { $0.contains("Vita serving on http://127.0.0.1:\(port)") })
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(object["level"] as? String == "info" || object["level"] as? String == "notice", "\(line)")
            #expect((object["time"] as? String)?.hasSuffix("Z") == true && object["label"] as? String == "vita"
                    && object["source"] is String && object["message"] is String, "\(line)")
        }
    }
}

extension CommandLineTests {
    @Test("vita issue --batch issues every good row of a CSV, reports the bad ones with their line, and revoke changes status")
    func batchIssuanceAndRevocation() throws {
        let seed = try VitaProcess.run(["demo", "seed", "--learners", "12", "--data-dir", "data", "--issuance-csv", "issue.csv"],
                                       in: folder)
        #expect(seed.status == 0, "\(seed.error)")
        let csvURL = folder.appendingPathComponent("issue.csv")
        var csv = try String(contentsOf: csvURL, encoding: .utf8)
        let good = csv.split(separator: "\n").count - 1
        #expect(good > 0)
        csv += "lrn_0123456789abcdef0123456789abcdef,rec_0123,ach_0123\n"
        try csv.write(to: csvURL, atomically: true, encoding: .utf8)

        let batch = try VitaProcess.run(["issue", "--batch", "issue.csv", "--report", "report.csv", "--data-dir", "data",
                                         "--public-url", "https://vita.example"], in: folder)
        #expect(batch.status == 1, "a rejected row makes the exit code 1")
        #expect(batch.output.contains("Issued \(good) of \(good + 1) credentials; 1 rejected."), "\(batch.output)")
        #expect(batch.error.contains("line \(good + 2): invalid field: learnerId: no such learner"), "\(batch.error)")
        let report = try String(contentsOf: folder.appendingPathComponent("report.csv"), encoding: .utf8)
        let rows = report.split(separator: "\n").dropFirst()
        #expect(rows.filter { $0.contains(",issued,urn:uuid:") }.count == good)
        #expect(rows.last?.contains(",rejected,") == true)

        let credentialId = String(rows.first!.split(separator: ",")[2])
        let revoke = try VitaProcess.run(["credentials", "revoke", credentialId, "--reason", "issued in error",
                                          "--data-dir", "data"], in: folder)
        #expect(revoke.status == 0, "\(revoke.error)")
        #expect(revoke.output.contains("revocation set"))
        let suspend = try VitaProcess.run(["credentials", "revoke", credentialId, "--suspend", "--data-dir", "data"], in: folder)
        #expect(suspend.status == 1)
        #expect(suspend.error.contains("revocation entry only"))
        let unknown = try VitaProcess.run(["credentials", "revoke", "urn:uuid:unknown", "--data-dir", "data"], in: folder)
        #expect(unknown.status == 1)
        #expect(unknown.error.contains("no status is kept"))
        let audit = try VitaProcess.run(["audit", "verify", "--data-dir", "data"], in: folder)
        #expect(audit.status == 0)

        let single = try VitaProcess.run(["issue", "--learner", "lrn_x", "--data-dir", "data"], in: folder)
        #expect(single.status == 1)
        #expect(single.error.contains("give --learner, --record and --achievement"))
    }
}

extension CommandLineTests {
    @Test("a signed credential baked into an SVG and into a PNG verifies from the image; a non-image is refused")
    func bakeAndVerify() throws {
        let key = try VitaProcess.run(["keys", "generate"], in: folder)
        try key.output.write(to: folder.appendingPathComponent("key.json"), atomically: true, encoding: .utf8)
        let signed = try VitaProcess.run(["sign", "--key", "key.json", "-"], input: credential, in: folder)
        try signed.output.write(to: folder.appendingPathComponent("signed.json"), atomically: true, encoding: .utf8)
        let svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#
        try svg.write(to: folder.appendingPathComponent("badge.svg"), atomically: true, encoding: .utf8)
        // A 1×1 grey PNG: signature, IHDR, IDAT (zlib of one filter byte and one pixel), IEND.
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A,
                            0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
                            0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B, 0x55,
                            0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x68, 0x00, 0x00, 0x00, 0x82,
                            0x00, 0x81, 0x77, 0xCD, 0x72, 0xB6,
                            0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        try Data(png).write(to: folder.appendingPathComponent("badge.png"))
        for picture in ["badge.svg", "badge.png"] {
            let baked = try VitaProcess.run(["bake", "signed.json", "--image", picture, "--output", "baked-\(picture)"], in: folder)
            #expect(baked.status == 0, "\(baked.error)")
            let verified = try VitaProcess.run(["verify", "baked-\(picture)"], in: folder)
            #expect(verified.status == 0, "\(picture): \(verified.output) \(verified.error)")
            #expect(verified.output.contains("baked \(picture.hasSuffix("png") ? "PNG" : "SVG")"))
            let again = try VitaProcess.run(["bake", "signed.json", "--image", "baked-\(picture)", "--output", "twice"], in: folder)
            #expect(again.status == 1)
            #expect(again.error.contains("cannot bake"))
        }
        let notImage = try VitaProcess.run(["bake", "signed.json", "--image", "signed.json", "--output", "x"], in: folder)
        #expect(notImage.status == 1)
    }
}

extension CommandLineTests {
    /// A CASE package of `codes` as children of its document; `zoned: false` writes the document's date-time without a
    /// zone (a CASE 1.0 habit: one deviation from CASE 1.1).
    static func casePackage(_ codes: [String], zoned: Bool = true) -> String {
        let document = "5b2d4c61-8e1f-4a2b-9c3d-4e5f6a7b8c90"
        func uuid(_ n: Int) -> String { String(format: "00000000-0000-4000-8000-%012d", n) }
        let items = codes.enumerated().map { n, code in
            #"{"identifier":"\#(uuid(n + 1))","uri":"https://case.example/\#(code)","fullStatement":"Skill \#(code)","humanCodingScheme":"\#(code)","lastChangeDateTime":"2026-09-01T12:00:00Z"}"#
        }
        let associations = codes.enumerated().map { n, code in
            #"{"identifier":"\#(uuid(100 + n))","associationType":"isChildOf","uri":"https://case.example/a/\#(code)","lastChangeDateTime":"2026-09-01T12:00:00Z","originNodeURI":{"title":"c","identifier":"\#(uuid(n + 1))","uri":"https://case.example/\#(code)"},"destinationNodeURI":{"title":"d","identifier":"\#(document)","uri":"https://case.example/doc"}}"#
        }
        return #"{"CFDocument":{"identifier":"\#(document)","uri":"https://case.example/doc","creator":"Riverside University","title":"Riverside Skills","lastChangeDateTime":"2026-09-01T12:00:00\#(zoned ? "Z" : "")"},"CFItems":[\#(items.joined(separator: ","))],"CFAssociations":[\#(associations.joined(separator: ","))]}"#
    }

    @Test("vita frameworks import imports a CASE package file for an organization, changes nothing the second time, retires an item a later version drops; --strict refuses a deviating package; bad input is a message and exit 1")
    func frameworkImport() throws {
        let seed = try VitaProcess.run(["demo", "seed", "--learners", "1", "--data-dir", "data"], in: folder)
        #expect(seed.status == 0, "\(seed.error)")
        let seeded = try JSONSerialization.jsonObject(with: Data(seed.output.utf8)) as? [String: Any]
        let organization = try #require(seeded?["universityId"] as? String)
        func run(_ file: String, _ extra: [String] = [], organization: String = organization) throws -> VitaProcess.Result {
            try VitaProcess.run(["frameworks", "import", file, "--organization", organization, "--data-dir", "data"] + extra,
                                in: folder)
        }
        func write(_ name: String, _ text: String) throws {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }

        try write("deviating.json", Self.casePackage(["RS.1", "RS.2", "RS.3"], zoned: false))
        let strict = try run("deviating.json", ["--strict"])
        #expect(strict.status == 1)
        #expect(strict.error.contains("deviates from CASE 1.1 in 1 place") && strict.error.contains("nothing imported"), "\(strict.error)")

        try write("skills.json", Self.casePackage(["RS.1", "RS.2", "RS.3"]))
        let first = try run("skills.json")
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.contains("imported: Riverside Skills (3 items; created 3, updated 0, retired 0, unchanged 0)"), "\(first.output)")
        let frameworkId = try #require(first.output.split(separator: " ").first.map(String.init))
        #expect(frameworkId.hasPrefix("cfw_"), "nothing was imported by the strict run before: this one made the framework")
        let again = try run("skills.json")
        #expect(again.status == 0 && again.output.contains("\(frameworkId) unchanged"), "\(again.output)")
        try write("skills-2027.json", Self.casePackage(["RS.1", "RS.2"]))
        let later = try run("skills-2027.json")
        #expect(later.status == 0 && later.output.contains("\(frameworkId) updated"), "\(later.output)")
        #expect(later.output.contains("retired 1, unchanged 2"), "\(later.output)")

        try write("notes.txt", "not json")
        try write("other.json", #"{"CFDocument":{"title":"No identifier"}}"#)
        let refusals: [(VitaProcess.Result, String)] = [
            (try run("missing.json"), "missing.json: no such file"),
            (try run("notes.txt"), "notes.txt: not JSON"),
            (try run("other.json"), "other.json: not a CASE package"),
            (try run("skills.json", organization: "Riverside"), "--organization is not an organization id"),
            (try run("skills.json", organization: "org_0123456789abcdef0123456789abcdef"), "organizationId: no such organization"),
        ]
        for (result, message) in refusals {
            #expect(result.status == 1, "\(message)")
            #expect(result.error.contains(message), "\(result.error)")
            #expect(!result.error.contains("Fatal error"))
        }
        let audit = try VitaProcess.run(["audit", "verify", "--data-dir", "data"], in: folder)
        #expect(audit.status == 0, "\(audit.output) \(audit.error)")
    }
}
