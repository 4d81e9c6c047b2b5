import Synchronization
import VitaCore

/// Appends the audit entries of accesses that write nothing else (reads and denials), many per transaction.
///
/// Group commit: a caller enqueues its entries and waits until a transaction holding them has committed, so no
/// response leaves before its audit entries are durable. Whoever finds no flush in progress becomes the flusher: it
/// writes the entries queued so far in one transaction (whole callers, up to the batch size), then hands the flush over
/// to the first caller still waiting, if any.
/// Nothing outlives the wait, so several Vita processes still share one chain through the database.
public final class AuditBatcher: Sendable {
    private let database: VitaDatabase
    private let maxBatch: Int
    private let queue = Mutex(Queue())
    /// PostgreSQL: the chain head after this batcher's last batch, the guess its next batch is appended after.
    private let lastHead = Mutex<AuditHead?>(nil)

    private struct Queue: ~Copyable {
        /// Each caller's entries, kept together in one batch.
        var pending: [([AuditEntry], Completion)] = []
        var flushing = false
    }

    /// Creates a batcher writing at most `maxBatch` entries per transaction (more when one caller appends more).
    public init(database: VitaDatabase, maxBatch: Int = 512) {
        self.database = database
        self.maxBatch = maxBatch
    }

    /// Appends `entry` and returns once it is committed; throws if the transaction holding it failed.
    public func append(_ entry: AuditEntry) async throws {
        try await append(contentsOf: [entry])
    }

    /// Appends `entries`, in order and in one transaction, and returns once they are committed; throws if the
    /// transaction holding them failed.
    public func append(contentsOf entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        let completion = Completion()
        let leads = queue.withLock { queue in
            queue.pending.append((entries, completion))
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
            // Whole callers, up to `maxBatch` entries (at least one caller).
            var taken = 0, count = 0
            for (entries, _) in queue.pending {
                if taken > 0, count + entries.count > maxBatch { break }
                taken += 1
                count += entries.count
            }
            let batch = Array(queue.pending.prefix(taken))
            queue.pending.removeFirst(taken)
            return batch
        }
        let result: Completion.Outcome
        do {
            try await write(batch.flatMap(\.0))
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

extension AuditBatcher {
    /// Writes one batch. On PostgreSQL the batch is first sealed after the head this batcher last wrote (or read) and
    /// appended in one statement if that is still the head (`StoreTransaction.appendAudit(_:ifHeadIs:)`): one round
    /// trip. If another writer moved the head meanwhile (a write's own entry, another node), nothing was written and
    /// the batch goes through the locking transaction, which always succeeds. The remembered head is only a guess
    /// checked by the database, so it is no state another node needs.
    private func write(_ entries: [AuditEntry]) async throws {
        guard database.engine == .postgres else {
            _ = try await database.transaction { tx in try await tx.appendAudit(entries) }
            return
        }
        let guess = lastHead.withLock { $0 }
        let head = if let guess { guess } else { try await database.read { try await $0.auditHead() } }
        if let moved = try await database.singleStatementWrite({ try await $0.appendAudit(entries, ifHeadIs: head) }) {
            lastHead.withLock { $0 = moved }
            return
        }
        let sealed = try await database.transaction { tx in try await tx.appendAudit(entries) }
        lastHead.withLock { $0 = sealed.last.map { AuditHead(sequence: $0.sequence, hash: $0.hash) } }
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
