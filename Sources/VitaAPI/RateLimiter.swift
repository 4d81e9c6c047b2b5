import Foundation
import Synchronization

/// How many requests a caller may make: a token bucket refilled at `rate` per second up to `burst`.
public struct RateLimit: Sendable, Equatable {
    /// Tokens added per second; 0 switches the limit off.
    public var rate: Double
    /// The bucket's size: how many requests may come at once after a quiet spell.
    public var burst: Int

    /// Creates a limit; `rate` 0 (or a burst of 0) switches it off.
    public init(rate: Double, burst: Int) {
        self.rate = rate
        self.burst = burst
    }

    /// No limit.
    public static let off = RateLimit(rate: 0, burst: 0)
    /// Every caller (an API key's owner, an OAuth client, else a remote address): 50 requests per second, 100 at once.
    public static let standardPerCaller = RateLimit(rate: 50, burst: 100)
    /// Learner sign-in (`POST /oauth/authorize`) and the token endpoint, per remote address: one request per
    /// second, 20 at once. Password guessing across accounts is slowed; the per-account lockout stays the main guard.
    public static let standardSignIn = RateLimit(rate: 1, burst: 20)

    /// Whether the limit applies at all.
    public var isEnabled: Bool { rate > 0 && burst > 0 && rate.isFinite }
}

/// Token buckets per caller key, in this process's memory, with a bounded number of buckets.
///
/// This is deliberately node-local state (the one exception, with VitaResolution's cache, to "nothing lives in
/// process memory between requests"): no other node needs it, and with N nodes behind a load balancer a caller gets
/// at most N times the limit. When `capacity` buckets exist, buckets that have refilled completely (the same as no
/// bucket) are dropped, and if that frees less than a tenth, the least recently used tenth is dropped too; an evicted
/// caller starts again with a full bucket.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
    }

    let limit: RateLimit
    let capacity: Int
    private let state = Mutex(State())

    init(limit: RateLimit, capacity: Int = 100_000) {
        self.limit = limit
        self.capacity = max(10, capacity)
    }

    /// The number of buckets held (for tests).
    var count: Int { state.withLock { $0.buckets.count } }

    /// Takes one token from `key`'s bucket at time `now` (seconds); returns nil when allowed, else the whole seconds
    /// (at least 1) until a token is available.
    func take(_ key: String, now: Double) -> Int? {
        guard limit.isEnabled else { return nil }
        let burst = Double(limit.burst)
        let rate = limit.rate
        let capacity = self.capacity
        return state.withLock { state -> Int? in
            var bucket: Bucket
            if let existing = state.buckets[key] {
                bucket = existing
                let elapsed = max(0, now - bucket.updated)
                bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
            } else {
                if state.buckets.count >= capacity { Self.evict(&state, now: now, burst: burst, rate: rate, capacity: capacity) }
                bucket = Bucket(tokens: burst, updated: now)
            }
            bucket.updated = max(bucket.updated, now)
            guard bucket.tokens >= 1 else {
                state.buckets[key] = bucket
                return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            }
            bucket.tokens -= 1
            state.buckets[key] = bucket
            return nil
        }
    }

    private static func evict(_ state: inout State, now: Double, burst: Double, rate: Double, capacity: Int) {
        state.buckets = state.buckets.filter { $0.value.tokens + max(0, now - $0.value.updated) * rate < burst }
        let target = capacity - capacity / 10
        guard state.buckets.count > target else { return }
        let oldest = state.buckets.sorted { $0.value.updated < $1.value.updated }.prefix(state.buckets.count - target)
        for (key, _) in oldest { state.buckets[key] = nil }
    }
}
