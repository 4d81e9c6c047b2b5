import ArgumentParser
import Foundation
import VitaAPI
import VitaStorage

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
                let counts = try await storage.withDatabase { try await OAuthPurge.once($0, grace: TimeInterval(grace)) }
                print("Deleted \(counts.codes) authorization codes, \(counts.pendingAuthorizations) pending authorizations, \(counts.tokens) tokens and \(counts.webSessions) ended web sessions.")
            }
        }
    }
}
