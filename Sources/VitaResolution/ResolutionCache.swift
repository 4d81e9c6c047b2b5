import Foundation

/// An in-memory cache of fetched documents and failed fetches, with per-entry expiry and a
/// maximum entry count (expired entries are dropped first, then the least recently used).
///
/// One cache per ``ResolutionHTTPClient``; nothing is written to disk, so a restart starts cold.
actor ResolutionCache {
    struct Entry {
        var result: Result<FetchedDocument, ResolutionError>
        var expires: Date
        var lastUsed: UInt64
    }

    private var entries: [String: Entry] = [:]
    private var tick: UInt64 = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// The unexpired entry for `key`, marked as used.
    func lookup(_ key: String, now: Date) -> Result<FetchedDocument, ResolutionError>? {
        guard var entry = entries[key] else { return nil }
        guard entry.expires > now else {
            entries[key] = nil
            return nil
        }
        tick += 1
        entry.lastUsed = tick
        entries[key] = entry
        return entry.result
    }

    /// Stores a result until `now + lifetime`; a non-positive lifetime stores nothing.
    func store(_ key: String, _ result: Result<FetchedDocument, ResolutionError>, lifetime: Duration, now: Date) {
        guard capacity > 0, lifetime > .zero else {
            entries[key] = nil
            return
        }
        tick += 1
        entries[key] = Entry(result: result, expires: now.addingTimeInterval(lifetime.seconds), lastUsed: tick)
        guard entries.count > capacity else { return }
        entries = entries.filter { $0.value.expires > now }
        while entries.count > capacity, let oldest = entries.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
            entries[oldest.key] = nil
        }
    }

    /// Forgets everything.
    func removeAll() { entries.removeAll() }
}

extension Duration {
    /// The duration in seconds.
    var seconds: TimeInterval {
        let (s, attoseconds) = components
        return TimeInterval(s) + TimeInterval(attoseconds) / 1e18
    }
}
