import Synchronization
import Testing
@testable import VitaAPI

struct SingleFlightTests {
    @Test("callers arriving while a run is in progress share its result; the next caller after it starts a new run")
    func sharesOneRun() async throws {
        let flight = SingleFlight<Int>()
        let runs = Atomic<Int>(0)
        let work: @Sendable () async throws -> Int = {
            let run = runs.add(1, ordering: .relaxed).newValue
            // Long enough for all eight callers to arrive, even on a loaded machine.
            try await Task.sleep(for: .seconds(2))
            return run
        }
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { try await flight.run(work) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: 1, count: 8))
        #expect(runs.load(ordering: .relaxed) == 1)
        #expect(try await flight.run(work) == 2)
    }

    @Test("a failed run fails every caller that waited for it, and does not stick")
    func failuresAreShared() async throws {
        struct Broken: Error {}
        let flight = SingleFlight<Int>()
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    do {
                        _ = try await flight.run {
                            try await Task.sleep(for: .milliseconds(200))
                            throw Broken()
                        }
                        return false
                    } catch { return error is Broken }
                }
            }
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(failures == 4)
        #expect(try await flight.run { 7 } == 7)
    }
}
