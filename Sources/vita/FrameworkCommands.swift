import ArgumentParser
import Foundation
import VitaAPI
import VitaCASE
import VitaCore
import VitaJSON
import VitaStorage

/// Competency frameworks from the command line: `vita frameworks import` reads a CASE 1.1 package from a file and
/// imports it for an organization by the same rules as `POST /api/v1/competency-frameworks` (`docs/CASE.md`), with
/// the server stopped or running, audited as the command line's action.
struct Frameworks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Competency frameworks from CASE 1.1 packages.",
                                                    subcommands: [ImportPackage.self])

    struct ImportPackage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import a CASE 1.1 package file (a CASE server's CFPackages document) for an organization.",
            discussion: """
                Each item becomes a competency of the framework; importing a later version of the framework updates \
                its competencies in place and retires the items it no longer holds. Prints what the import did and \
                where the package deviates from CASE 1.1.
                """)

        @Argument(help: "The package: a JSON file of at most 32 MiB.") var file: String
        @Option(help: "The id of the organization importing the framework.") var organization: String
        @Flag(help: "Refuse a package that deviates from CASE 1.1 anywhere.") var strict = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await reportingFailures {
                guard EntityID.isWellFormed(organization, prefix: "org") else {
                    throw CommandFailure("--organization is not an organization id")
                }
                let package = try Self.package(at: file)
                if strict, package.deviationCount > 0 {
                    Self.printDeviations(package)
                    throw CommandFailure("the package deviates from CASE 1.1 in \(package.deviationCount) "
                                         + (package.deviationCount == 1 ? "place" : "places") + " (--strict): nothing imported")
                }
                let organizationId = organization
                let plan = try await storage.withDatabase { database in
                    try await database.transaction { tx in
                        let now = Timestamp.truncated(Date())
                        let plan = try await CASEFrameworkImport.apply(package, organizationId: organizationId,
                                                                       retrievedFrom: nil, now: now, in: tx)
                        try await tx.appendAudit(AuditEntry(occurredAt: now, actor: .init(kind: .cli, id: "cli"),
                                                            action: "competency-framework.import", learnerId: nil,
                                                            categories: [], agreementId: nil, outcome: .allowed,
                                                            reason: plan.counts))
                        return plan
                    }
                }
                Self.printDeviations(package)
                let verb = plan.isNewFramework ? "imported" : (plan.changesSomething ? "updated" : "unchanged")
                print("\(plan.framework.id) \(verb): \(plan.framework.title) (\(plan.framework.itemCount) items; \(plan.counts))")
            }
        }

        /// The package in `path`, read and checked (`CASEPackage`); a message naming what is wrong otherwise.
        static func package(at path: String) throws -> CASEPackage {
            guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int else {
                throw CommandFailure("\(path): no such file, or it cannot be read")
            }
            // Checked before reading: a file far over the limit is refused without being loaded.
            guard size <= LearnerAPI.maximumFrameworkPackageBytes else {
                throw CommandFailure("\(path): larger than the 32 MiB a package may be")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure("\(path): no such file, or it cannot be read")
            }
            let value: JSONValue
            do {
                value = try JSONValue(parsing: [UInt8](data))
            } catch {
                throw CommandFailure("\(path): not JSON (\(error))")
            }
            do {
                return try CASEPackage(value)
            } catch let failures {
                throw CommandFailure("\(path): not a CASE package: \(failures.failures.prefix(10).map(\.description).joined(separator: "; "))")
            }
        }

        /// Lists where the package deviates from CASE 1.1 on standard error, the first 20.
        static func printDeviations(_ package: CASEPackage) {
            guard package.deviationCount > 0 else { return }
            var lines = ["the package deviates from CASE 1.1 in \(package.deviationCount) "
                         + (package.deviationCount == 1 ? "place:" : "places:")]
            lines += package.deviations.prefix(20).map { "  \($0.path.isEmpty ? "/" : $0.path): \($0.reason)" }
            if package.deviations.count > 20 { lines.append("  …") }
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }
}
