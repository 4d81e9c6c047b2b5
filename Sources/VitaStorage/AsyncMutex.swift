import Synchronization

/// A first-come-first-served lock for async code: a waiter suspends instead of blocking a thread.
///
/// SQLite admits one writer at a time. Serialising writers of this process here, before they take a connection,
/// keeps them from spinning in SQLite's busy handler on the shared I/O threads (which can starve the writer they wait
/// for). Writers in other processes are still handled by `busy_timeout`.
final class AsyncMutex: Sendable {
    private struct State: ~Copyable {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    /// The lock of the SQLite file at `path`, shared by every pool on that file in this process.
    static func forFile(_ path: String) -> AsyncMutex {
        registry.withLock { locks in
            if let lock = locks[path] { return lock }
            let lock = AsyncMutex()
            locks[path] = lock
            return lock
        }
    }
    private static let registry = Mutex<[String: AsyncMutex]>([:])

    /// Runs `body` while holding the lock.
    func withLock<T>(_ body: () async throws -> T) async rethrows -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state in
                if state.locked {
                    state.waiters.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if acquired { continuation.resume() }
        }
        defer {
            let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if state.waiters.isEmpty {
                    state.locked = false
                    return nil
                }
                return state.waiters.removeFirst()
            }
            next?.resume()
        }
        return try await body()
    }
}
