import Foundation
import Logging
import ServiceLifecycle
import VitaStorage

/// Work every node repeats beside its server (a Hummingbird `Application` service): each round runs `work`, which
/// logs its own outcome, then waits `interval`; it stops on graceful shutdown. What the sweeps do lives in the
/// database, so any node may do it and two nodes doing it at once is harmless.
struct BackgroundSweep: Service {
    let interval: Duration
    /// Whether the first round runs at once (else after the first interval).
    let runsAtStart: Bool
    let work: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            if !runsAtStart, (try? await Task.sleep(for: interval)) == nil { return }
            while !Task.isCancelled {
                await work()
                if (try? await Task.sleep(for: interval)) == nil { return }
            }
        }
    }

    /// Resumes bulk issuance jobs whose node stopped: every half of `idleFor` seconds (at least a second), claims the
    /// jobs no worker has moved for `idleFor` and works through them (`IssuanceJobWorker.resumeStalled(idleFor:)`).
    static func stalledJobs(_ worker: IssuanceJobWorker, idleFor: TimeInterval, logger: Logger) -> Self {
        BackgroundSweep(interval: .milliseconds(max(Int(idleFor * 500), 1_000)), runsAtStart: false) {
            do {
                let resumed = try await worker.resumeStalled(idleFor: idleFor)
                if !resumed.isEmpty {
                    logger.notice("resumed stalled bulk issuance jobs", metadata: ["jobs": "\(resumed.joined(separator: ","))"])
                }
            } catch {
                logger.warning("sweeping for stalled bulk issuance jobs failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Deletes what has expired, at start and every `seconds`: OAuth codes, tokens and web sessions (`OAuthPurge`), the
    /// responses stored for idempotency keys more than `idempotencyWindow` seconds ago, verifiers' presentation
    /// requests (with what wallets presented to them) made more than an hour ago, and learners' credential offers that
    /// stopped working more than thirty days ago.
    static func expiryPurge(_ database: VitaDatabase, every seconds: TimeInterval, idempotencyWindow: TimeInterval,
                            logger: Logger) -> Self {
        BackgroundSweep(interval: .milliseconds(Int(seconds * 1000)), runsAtStart: true) {
            do {
                let counts = try await OAuthPurge.once(database, grace: OAuthPurge.standardGrace)
                logger.info("purged expired OAuth artefacts", metadata: [
                    "codes": "\(counts.codes)", "pendingAuthorizations": "\(counts.pendingAuthorizations)",
                    "tokens": "\(counts.tokens)", "webSessions": "\(counts.webSessions)",
                ])
            } catch {
                logger.warning("purging expired OAuth artefacts failed", metadata: ["error": "\(error)"])
            }
            /// Runs one purge in its own transaction and logs how many `what` it deleted, or that it failed.
            func purge(_ what: String, _ delete: @escaping @Sendable (StoreTransaction) async throws -> Int) async {
                do {
                    let purged = try await database.transaction(delete)
                    if purged > 0 { logger.info("purged \(what)", metadata: ["count": "\(purged)"]) }
                } catch {
                    logger.warning("purging \(what) failed", metadata: ["error": "\(error)"])
                }
            }
            await purge("expired idempotency keys") {
                try await $0.purgeIdempotentResponses(storedBefore: Date().addingTimeInterval(-idempotencyWindow))
            }
            await purge("presentation requests") {
                try await $0.purgePresentationRequests(createdBefore: Date().addingTimeInterval(-PresentationRequestRoutes.retention))
            }
            await purge("credential offers") {
                try await $0.purgeCredentialOffers(endedBefore: Date().addingTimeInterval(-CredentialOfferRoutes.retention))
            }
        }
    }
}

/// Deleting expired OAuth artefacts: once by `vita oauth purge`, periodically beside `vita serve`
/// (`BackgroundSweep.oauthPurge`).
public enum OAuthPurge {
    /// How long after expiry codes and tokens are kept (a day: a replayed code or rotated refresh token is still
    /// recognised for that long even when its family is dead).
    public static let standardGrace: TimeInterval = 86_400

    /// Deletes what expired more than `grace` seconds ago; returns how many of each.
    public static func once(_ database: VitaDatabase, grace: TimeInterval) async throws -> StoreTransaction.OAuthPurgeCounts {
        try await database.transaction { try await $0.purgeExpiredOAuthArtefacts(now: Date(), grace: grace) }
    }
}
