import Synchronization
import VitaCore

/// Appends the audit entries of accesses that write nothing else (reads and denials), many per transaction.
///
/// Group commit: a caller enqueues its entry and waits until a transaction holding it has committed, so no response
/// leaves before its audit entry is durable. Whoever finds no flush in progress becomes the flusher: it writes every
/// entry queued so far in one transaction, then hands the flush over to the first caller still waiting, if any.
/// Nothing outlives the wait, so several Vita processes still share one chain through the database.
public final class AuditBatcher: Sendable {
    private let database: VitaDatabase
    private let maxBatch: Int
    private let queue = Mutex(Queue())

    private struct Queue: ~Copyable {
        var pending: [(AuditEntry, Completion)] = []
        var flushing = false
    }

    /// Creates a batcher writing at most `maxBatch` entries per transaction.
    public init(database: VitaDatabase, maxBatch: Int = 512) {
        self.database = database
        self.maxBatch = maxBatch
    }

    /// Appends `entry` and returns once it is committed; throws if the transaction holding it failed.
    public func append(_ entry: AuditEntry) async throws {
        let completion = Completion()
        let leads = queue.withLock { queue in
            queue.pending.append((entry, completion))
            if queue.flushing { return false }
            queue.flushing = true
            return true
        }
        var outcome: Completion.Outcome = leads ? .lead : await completion.wait()
        while case .lead = outcome {
            await flushOnce()
            outcome = await completion.wait()
        }
        if case .failed(let error) = outcome { throw error }
    }

    /// Writes one batch, completes its callers, then passes the flush on (or ends it when nothing is queued).
    private func flushOnce() async {
        let batch = queue.withLock { queue in
            let batch = Array(queue.pending.prefix(maxBatch))
            queue.pending.removeFirst(batch.count)
            return batch
        }
        let result: Completion.Outcome
        do {
            let entries = batch.map(\.0)
            _ = try await database.transaction { tx in try await tx.appendAudit(entries) }
            result = .done
        } catch {
            result = .failed(error)
        }
        let next = queue.withLock { queue -> Completion? in
            guard let first = queue.pending.first else {
                queue.flushing = false
                return nil
            }
            return first.1
        }
        for (_, completion) in batch { completion.complete(result) }
        next?.complete(.lead)
    }
}

/// One waiting caller: completed once with its outcome, or told to take over the flush.
final class Completion: Sendable {
    enum Outcome: Sendable {
        case done, lead
        case failed(any Error)
    }

    private struct State: ~Copyable {
        var outcome: Outcome?
        var waiter: CheckedContinuation<Outcome, Never>?
    }
    private let state = Mutex(State())

    func complete(_ outcome: Outcome) {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.outcome = outcome
            return nil
        }
        waiter?.resume(returning: outcome)
    }

    func wait() async -> Outcome {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Outcome? in
                if let outcome = state.outcome {
                    state.outcome = nil
                    return outcome
                }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
