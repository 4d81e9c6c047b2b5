import ArgumentParser
import Foundation
import VitaCore
import VitaStorage

struct MasterKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "master-key",
        abstract: "Rotate the master key that seals signing keys, client secrets, tokens and stored responses.",
        discussion: """
            To rotate: generate a new key; run every node with the new key as VITA_MASTER_KEY (or in the data \
            folder's master.key) and the old one as VITA_PREVIOUS_MASTER_KEY, so they open what either sealed; run \
            `vita master-key reseal` once; then drop VITA_PREVIOUS_MASTER_KEY (docs/SECURITY.md).
            """,
        subcommands: [Generate.self, Reseal.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new random master key (base64 of 32 bytes).")

        func run() async throws {
            print(KeyVault.generateMasterKey())
        }
    }

    struct Reseal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal again with the current master key every stored secret that opens only with VITA_PREVIOUS_MASTER_KEY.")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await reportingFailures {
                guard ProcessInfo.processInfo.environment["VITA_PREVIOUS_MASTER_KEY"]?.isEmpty == false else {
                    throw CommandFailure("set VITA_PREVIOUS_MASTER_KEY to the master key being replaced")
                }
                let vault = try storage.keyVault()
                let counts = try await storage.withDatabase { try await $0.resealSecrets(with: vault) }
                print("Resealed \(counts.resealed) secrets with the current master key (\(counts.current) were already); "
                      + "VITA_PREVIOUS_MASTER_KEY is no longer needed.")
            }
        }
    }
}
