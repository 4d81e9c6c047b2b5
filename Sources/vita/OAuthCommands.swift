import ArgumentParser
import Foundation
import Logging
import VitaStorage

/// Deleting expired OAuth artefacts: once by `vita oauth purge`, periodically inside `vita serve`.
enum OAuthPurge {
    /// How long after expiry codes and tokens are kept (a day: a replayed code or rotated refresh token is still
    /// recognised for that long even when its family is dead).
    static let standardGrace: TimeInterval = 86_400

    static func once(_ database: VitaDatabase, grace: TimeInterval) async throws -> StoreTransaction.OAuthPurgeCounts {
        try await database.transaction { try await $0.purgeExpiredOAuthArtefacts(now: Date(), grace: grace) }
    }

    /// Purges every `seconds` until cancelled; a failure is logged and the next round tried.
    static func repeatedly(_ database: VitaDatabase, every seconds: Int, grace: TimeInterval, logger: Logger) async {
        while !Task.isCancelled {
            do {
                let counts = try await once(database, grace: grace)
                logger.info("purged expired OAuth artefacts", metadata: [
                    "codes": "\(counts.codes)", "pendingAuthorizations": "\(counts.pendingAuthorizations)",
                    "tokens": "\(counts.tokens)", "webSessions": "\(counts.webSessions)",
                ])
            } catch {
                logger.warning("purging expired OAuth artefacts failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(seconds))
        }
    }
}

struct OAuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "oauth", abstract: "OAuth authorization server upkeep.",
                                                    subcommands: [Purge.self])

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete expired authorization codes, pending authorizations, tokens and web sessions (vita serve also does this hourly).")
        @Option(help: "Keep codes and tokens this many seconds past their expiry.") var grace = Int(OAuthPurge.standardGrace)
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await reportingFailures {
                guard grace >= 0 else { throw CommandFailure("--grace must be 0 or more") }
                let database = try await storage.open(logger: makeLogger("vita"))
                let counts: StoreTransaction.OAuthPurgeCounts
                do {
                    counts = try await OAuthPurge.once(database, grace: TimeInterval(grace))
                } catch {
                    try? await database.shutdown()
                    throw error
                }
                try await database.shutdown()
                print("Deleted \(counts.codes) authorization codes, \(counts.pendingAuthorizations) pending authorizations, \(counts.tokens) tokens and \(counts.webSessions) ended web sessions.")
            }
        }
    }
}
