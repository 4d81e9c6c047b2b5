import ArgumentParser
import Foundation
import VitaCore
import VitaCredentials
import VitaIssuance
import VitaJSON
import VitaStorage

/// Where issued credentials point: the public URL of the Vita server that publishes status lists and DID documents.
struct PublicURLOption: ParsableArguments {
    @Option(help: "The URL clients reach the server at; status list and did:web URLs are built from it (default: $VITA_PUBLIC_URL, else http://<host>:<port> for serve, http://127.0.0.1:8080 otherwise).")
    var publicURL: String?

    func resolve(default fallback: String) throws -> String {
        let url = publicURL ?? ProcessInfo.processInfo.environment["VITA_PUBLIC_URL"] ?? fallback
        guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
              components.host?.isEmpty == false, components.query == nil, components.fragment == nil else {
            throw CommandFailure("--public-url must be an absolute http(s) URL without query or fragment")
        }
        return url
    }
}

struct Issue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issue signed Open Badges 3.0 credentials from learners' credential records, against the server's database.",
        discussion: """
            One credential: --learner, --record and --achievement; the signed credential is printed. Many: --batch \
            with a CSV file whose header names learner_id, record_id and achievement_id; rows are issued in \
            transactions of --chunk-size (each credential signed, stored with the learner's records, given revocation \
            and suspension status entries, and audited), with a progress bar on a terminal. Rejected rows are \
            reported with their line and reason (and written to --report as CSV); the exit code is 1 if any was rejected.
            """)

    @Option(help: "The learner's id.") var learner: String?
    @Option(help: "The learner's credential record id.") var record: String?
    @Option(help: "The achievement awarded.") var achievement: String?
    @Option(help: "A CSV file of learner_id,record_id,achievement_id rows.") var batch: String?
    @Option(help: "Where to write the CSV report of a batch (line, status, credential id or reason).") var report: String?
    @Option(help: "Rows per transaction in a batch.") var chunkSize = 500
    @Option(help: "How the issuer is identified: did:key or did:web.") var issuerIdentifier = "did:key"
    @OptionGroup var publicURL: PublicURLOption
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await reportingFailures {
            guard let identifier = CredentialIssuer.IssuerIdentifier(rawValue: issuerIdentifier) else {
                throw CommandFailure("--issuer-identifier must be did:key or did:web")
            }
            guard chunkSize > 0, chunkSize <= 10_000 else { throw CommandFailure("--chunk-size must be from 1 to 10000") }
            let rows: [BatchRow]
            if let batch {
                guard learner == nil, record == nil, achievement == nil else {
                    throw CommandFailure("give either --batch or --learner/--record/--achievement")
                }
                rows = try BatchRow.parse(file: batch)
            } else {
                guard let learner, let record, let achievement else {
                    throw CommandFailure("give --learner, --record and --achievement, or --batch <file.csv>")
                }
                rows = [BatchRow(line: 0, learnerId: learner, recordId: record, achievementId: achievement)]
            }
            let vault = try storage.keyVault()
            let base = try publicURL.resolve(default: "http://127.0.0.1:8080")
            let database = try await storage.open(logger: makeLogger("vita"))
            let issuer = CredentialIssuer(database: database, vault: vault, publicBaseURL: base)
            let progress = Progress(totalBytes: batch == nil ? 0 : rows.count, unit: "credentials")
            var outcomes: [(BatchRow, Result<String, BatchFailure>)] = []
            var single: JSONValue?
            do {
                var start = 0
                while start < rows.count {
                    let chunk = Array(rows[start ..< min(start + chunkSize, rows.count)])
                    let (results, credentials) = try await issueChunk(chunk, issuer: issuer, identifier: identifier)
                    outcomes += results
                    single = credentials.first
                    start += chunk.count
                    progress.advance(bytes: chunk.count, lines: start)
                }
            } catch {
                progress.clear()
                try? await database.shutdown()
                throw error
            }
            progress.finish()
            try await database.shutdown()
            let rejected = outcomes.filter { if case .failure = $0.1 { return true } else { return false } }
            if batch == nil {
                if case .failure(let failure)? = outcomes.first?.1 { throw CommandFailure(failure.reason) }
                if let single { print(single.serializedString()) }
                return
            }
            for (row, outcome) in rejected {
                if case .failure(let failure) = outcome {
                    FileHandle.standardError.write(Data("line \(row.line): \(failure.reason)\n".utf8))
                }
            }
            if let report { try writeReport(outcomes, to: report) }
            print("Issued \(outcomes.count - rejected.count) of \(outcomes.count) credentials; \(rejected.count) rejected.")
            if !rejected.isEmpty { throw ExitCode(1) }
        }
    }

    /// Issues one chunk in one transaction: rows that fail their checks are reported and skipped, the rest are
    /// issued together (grouped by organization, each signed by its organization's current key) and audited.
    private func issueChunk(_ chunk: [BatchRow], issuer: CredentialIssuer,
                            identifier: CredentialIssuer.IssuerIdentifier) async throws
        -> ([(BatchRow, Result<String, BatchFailure>)], [JSONValue]) {
        try await issuer.database.transaction { tx in
            var results: [Int: Result<String, BatchFailure>] = [:]
            var sources: [String: [(Int, CredentialIssuer.BadgeSource)]] = [:]
            let requests = chunk.map { CredentialIssuer.BadgeRequest(learnerId: $0.learnerId, recordId: $0.recordId,
                                                                      achievementId: $0.achievementId) }
            for (position, result) in try await issuer.badgeSources(tx, requests).enumerated() {
                switch result {
                case .success(let source):
                    sources[source.record.organizationId, default: []].append((position, source))
                case .failure(let failures):
                    results[position] = .failure(BatchFailure(reason: failures.description))
                }
            }
            var credentials: [JSONValue] = []
            var audit: [AuditEntry] = []
            for (organizationId, group) in sources.sorted(by: { $0.key < $1.key }) {
                let identity: CredentialIssuer.SigningIdentity
                do {
                    identity = try await issuer.signingIdentity(tx, organizationId: organizationId, identifier: identifier)
                } catch let error as IssuanceError {
                    for (position, _) in group { results[position] = .failure(BatchFailure(reason: error.description)) }
                    continue
                }
                let issued = try await issuer.issueBadges(tx, group.map(\.1), identity: identity,
                                                          issuedBy: .init(kind: .cli, id: "cli"))
                for ((position, source), badge) in zip(group, issued) {
                    results[position] = .success(badge.credentialId)
                    credentials.append(badge.credential)
                    audit.append(AuditEntry(occurredAt: Date(), actor: .init(kind: .cli, id: "cli"), action: "credential.issue",
                                            learnerId: source.learner.id, categories: [.credentials], agreementId: nil,
                                            outcome: .allowed, reason: nil))
                }
            }
            try await tx.appendAudit(audit)
            return (chunk.enumerated().map { ($0.element, results[$0.offset] ?? .failure(BatchFailure(reason: "not issued"))) },
                    credentials)
        }
    }

    private func writeReport(_ outcomes: [(BatchRow, Result<String, BatchFailure>)], to path: String) throws {
        let text = IssuanceCSV.report(outcomes.map { row, outcome in
            switch outcome {
            case .success(let id): (row.line, id, nil)
            case .failure(let failure): (row.line, nil, failure.reason)
            }
        })
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw CommandFailure("cannot write the report to \(path)")
        }
    }
}

/// Why a batch row was not issued.
struct BatchFailure: Error {
    let reason: String
}

/// One row of a batch issuance file.
struct BatchRow: Sendable {
    /// The 1-based line in the file (0 for a single issuance from options).
    let line: Int
    let learnerId: String
    let recordId: String
    let achievementId: String

    /// Reads a batch file (``IssuanceCSV``); a line that is not a row stops the command, naming the line.
    static func parse(file: String) throws -> [BatchRow] {
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot open \(file)") }
        let parsed: (rows: [IssuanceCSV.Row], badLines: [IssuanceCSV.BadLine])
        do throws(IssuanceError) {
            parsed = try IssuanceCSV.parse(Array(data))
        } catch {
            throw CommandFailure("\(file): \(error.reason)")
        }
        if let bad = parsed.badLines.first { throw CommandFailure("\(file) line \(bad.line): \(bad.reason)") }
        return parsed.rows.map { BatchRow(line: $0.line, learnerId: $0.learnerId, recordId: $0.recordId,
                                          achievementId: $0.achievementId) }
    }
}

struct Credentials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials", abstract: "Manage credentials Vita issued.", subcommands: [Revoke.self])

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke (permanently), suspend or unsuspend an issued credential; its status list is re-signed at once.")

        @Argument(help: "The credential's id (urn:uuid:…).") var credentialId: String
        @Flag(help: "Suspend instead of revoking.") var suspend = false
        @Flag(help: "Lift a suspension.") var unsuspend = false
        @Option(help: "Why (kept with the status entry and in the audit log).") var reason: String?
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await reportingFailures {
                guard !(suspend && unsuspend) else { throw CommandFailure("give at most one of --suspend and --unsuspend") }
                let vault = try storage.keyVault()
                let database = try await storage.open(logger: makeLogger("vita"))
                // Re-signing a list needs no public URL: the list keeps its URL and the issuer id it was created with.
                let issuer = CredentialIssuer(database: database, vault: vault, publicBaseURL: "http://127.0.0.1")
                let purpose: StatusPurpose = suspend || unsuspend ? .suspension : .revocation
                let action = suspend ? "suspend" : unsuspend ? "unsuspend" : "revoke"
                do {
                    let entry = try await database.transaction { tx in
                        let entry = try await issuer.changeStatus(tx, credentialId: credentialId, purpose: purpose,
                                                                  isSet: !unsuspend, reason: reason)
                        try await tx.appendAudit(AuditEntry(occurredAt: Date(), actor: .init(kind: .cli, id: "cli"),
                                                            action: "credential.\(action)", learnerId: nil, categories: [],
                                                            agreementId: nil, outcome: .allowed, reason: reason))
                        return entry
                    }
                    try await database.shutdown()
                    print("\(credentialId): \(entry.purpose) \(entry.isSet ? "set" : "cleared") (index \(entry.index))")
                } catch {
                    try? await database.shutdown()
                    throw error
                }
            }
        }
    }
}
