import Foundation
import Synchronization

/// A clock a test moves forward: from a fixed start, or (without one) from the real time.
public final class TestClock: Sendable {
    private let base: Date?
    private let offset = Mutex<TimeInterval>(0)

    /// A clock at `start`, moving only when advanced; without `start`, the real time plus what was advanced.
    public init(start: Date? = nil) {
        self.base = start
    }

    /// The clock's time.
    public var now: Date { (base ?? Date()).addingTimeInterval(offset.withLock { $0 }) }

    /// Moves the clock `seconds` forward.
    public func advance(_ seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}
