/// Runs one piece of work at a time on this node and shares its result: a caller arriving while it runs waits for
/// that run instead of starting another. For expensive reads whose answer a moment old is as good (recomputing the
/// whole audit chain), so that many callers at once cost one run. Nothing is kept once a run ends.
actor SingleFlight<Value: Sendable> {
    private var running: Task<Value, any Error>?

    /// The result of the run in progress, or of a new one of `work`.
    func run(_ work: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let running { return try await running.value }
        let task = Task { try await work() }
        running = task
        defer { running = nil }
        return try await task.value
    }
}
