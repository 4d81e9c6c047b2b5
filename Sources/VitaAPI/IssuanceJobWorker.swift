import Foundation
import VitaCore
import VitaIssuance
import VitaStorage

/// Issues the rows of bulk issuance jobs (`IssuanceJobRoutes`) in the background. A row is issued in the transaction
/// that marks it issued, taking only rows still pending (locked on PostgreSQL), so a job worked on by several workers
/// at once, or resumed after its node stopped, never issues a row twice. Each chunk moves the job's `updatedAt`; a job
/// unfinished and unmoved for a while has lost its worker (its node stopped) and is claimed by the next node that
/// sweeps (`resumeStalled(idleFor:)`, run by `BackgroundSweep.stalledJobs`).
public struct IssuanceJobWorker: Sendable {
    let database: VitaDatabase
    let issuer: CredentialIssuer
    let clock: @Sendable () -> Date
    /// Rows per transaction: small enough that progress moves visibly, large enough to batch the signing.
    static let chunkSize = 20
    /// Jobs one sweep claims at most (each is then worked through before the next sweep).
    static let claimsPerSweep = 5

    /// Claims the unfinished jobs that no worker has moved for `idleFor` seconds and works through them; returns the
    /// claimed jobs' ids. Two nodes sweeping at once never claim the same job.
    @discardableResult
    public func resumeStalled(idleFor: TimeInterval) async throws -> [String] {
        let now = Timestamp.truncated(clock())
        let claimed = try await database.transaction { tx in
            try await tx.claimStalledIssuanceJobs(idleBefore: now.addingTimeInterval(-idleFor), now: now,
                                                  limit: Self.claimsPerSweep)
        }
        for jobId in claimed { await run(jobId) }
        return claimed
    }

    /// Works through the job's pending rows in the background.
    func start(_ jobId: String) {
        let worker = self
        Task.detached { await worker.run(jobId) }
    }

    /// Issues the job's pending rows, a chunk per transaction, until none is pending.
    func run(_ jobId: String) async {
        while true {
            do {
                guard try await issueChunk(jobId) else { return }
            } catch {
                // A worker stopped (its node shutting down) leaves the rest pending, for the next node's sweep.
                if Task.isCancelled { return }
                // The chunk failed as a whole (not a row's checks): its rows are rejected rather than retried forever.
                let failed = try? await database.transaction { tx -> Bool in
                    let rows = try await tx.pendingIssuanceRows(jobId: jobId, limit: Self.chunkSize)
                    for row in rows {
                        try await tx.finishIssuanceRow(jobId: jobId, line: row.line, status: .rejected, credentialId: nil,
                                                       reason: "could not be issued: \(Self.reason(error))")
                    }
                    try await tx.touchIssuanceJob(id: jobId, at: Timestamp.truncated(clock()))
                    return !rows.isEmpty
                }
                if failed != true { return }
            }
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case let failures as ValidationFailures: failures.description
        case let error as IssuanceError: error.description
        default: "an unexpected error"
        }
    }

    /// Issues one chunk of pending rows in one transaction; false when none was pending.
    private func issueChunk(_ jobId: String) async throws -> Bool {
        try await database.transaction { tx -> Bool in
            guard let job = try await tx.issuanceJob(id: jobId) else { return false }
            let rows = try await tx.pendingIssuanceRows(jobId: jobId, limit: Self.chunkSize)
            guard !rows.isEmpty else {
                try await tx.touchIssuanceJob(id: jobId, at: Timestamp.truncated(clock()))
                return false
            }
            let actor = Self.actor(job.createdBy)
            var outcomes: [Int: (String?, String?)] = [:]
            var sources: [(IssuanceJobRow, CredentialIssuer.BadgeSource)] = []
            let requests = rows.map { CredentialIssuer.BadgeRequest(learnerId: $0.learnerId, recordId: $0.recordId,
                                                                     achievementId: $0.achievementId) }
            for (row, result) in zip(rows, try await issuer.badgeSources(tx, requests)) {
                switch result {
                case .success(let source) where source.record.organizationId != job.organizationId:
                    outcomes[row.line] = (nil, "recordId: the record belongs to another organization")
                case .success(let source):
                    sources.append((row, source))
                case .failure(let failures):
                    outcomes[row.line] = (nil, failures.description)
                }
            }
            var audit: [AuditEntry] = []
            if !sources.isEmpty {
                do {
                    let identity = try await issuer.signingIdentity(tx, organizationId: job.organizationId, identifier: .didKey)
                    let issued = try await issuer.issueBadges(tx, sources.map(\.1), identity: identity, issuedBy: actor)
                    let now = clock()
                    for ((row, source), badge) in zip(sources, issued) {
                        outcomes[row.line] = (badge.credentialId, nil)
                        audit.append(AuditEntry(occurredAt: now, actor: actor, action: "credential.issue",
                                                learnerId: source.learner.id, categories: [.credentials], agreementId: nil,
                                                outcome: .allowed, reason: "issuance job \(job.id) line \(row.line)"))
                    }
                } catch let error as IssuanceError {
                    for (row, _) in sources { outcomes[row.line] = (nil, error.description) }
                }
            }
            for row in rows {
                let (credentialId, reason) = outcomes[row.line] ?? (nil, "not issued")
                try await tx.finishIssuanceRow(jobId: jobId, line: row.line, status: credentialId == nil ? .rejected : .issued,
                                               credentialId: credentialId, reason: reason)
            }
            if !audit.isEmpty { try await tx.appendAudit(audit) }
            try await tx.touchIssuanceJob(id: jobId, at: Timestamp.truncated(clock()))
            return true
        }
    }

    /// The audit actor a job's `createdBy` names.
    static func actor(_ createdBy: String) -> AuditEntry.Actor {
        let parts = createdBy.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = AuditEntry.Actor.Kind(rawValue: parts[0]) else { return .init(kind: .cli, id: createdBy) }
        return .init(kind: kind, id: parts[1])
    }
}
