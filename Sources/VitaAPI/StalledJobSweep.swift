import Foundation
import Logging
import ServiceLifecycle

/// Resumes bulk issuance jobs whose node stopped: every node runs one sweep beside its server, and every half of
/// `idleFor` seconds it claims the jobs that no worker has moved for `idleFor` and works through them
/// (`IssuanceJobWorker.resumeStalled(idleFor:)`). Stops on graceful shutdown; a failed sweep is logged and the next
/// one tried.
struct StalledJobSweep: Service {
    let worker: IssuanceJobWorker
    let idleFor: TimeInterval
    let logger: Logger

    func run() async throws {
        let interval = Duration.milliseconds(max(Int(idleFor * 500), 1_000))
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
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
    }
}
