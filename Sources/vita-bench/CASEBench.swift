import Foundation
import VitaCASE
import VitaCore
import VitaJSON

// vita-bench case FILE...
//
// For each CASE package file: the median (ms) of reading it as an import does — parse the JSON, read the package
// and validate it against the CASE 1.1 package schema (CASEPackage) — and of working out a first import of it
// (CASEFrameworkImport), with p10–p90. scripts/bench-case runs Python's jsonschema on the same files in the same run.

enum CASEBench {
    static func run(arguments: [String]) async -> Int32 {
        guard !arguments.isEmpty else {
            FileHandle.standardError.write(Data("usage: vita-bench case FILE...\n".utf8))
            return 64
        }
        do {
            for path in arguments {
                guard let data = FileManager.default.contents(atPath: path) else {
                    FileHandle.standardError.write(Data("vita-bench case: cannot read \(path)\n".utf8))
                    return 1
                }
                let bytes = Array(data)
                var package: CASEPackage?
                let read = try await CredentialsBench.measure(seconds: 2) {
                    package = try CASEPackage(try JSONValue(parsing: bytes))
                }
                guard let package else { return 1 }
                let now = Date()
                let plan = await CredentialsBench.measure(seconds: 2) {
                    _ = CASEFrameworkImport(package: package, organizationId: "org_bench", retrievedFrom: nil, existing: nil,
                                            existingCompetencies: [], now: now, makeID: { EntityID.make($0, now: now) })
                }
                let name = (path as NSString).lastPathComponent
                print("\(name) items \(package.items.count) deviations \(package.deviationCount)")
                print("  read+validate " + read.text)
                print("  plan          " + plan.text)
                print("RESULT \(name) \(read.median) \(plan.median)")
            }
            return 0
        } catch {
            FileHandle.standardError.write(Data("vita-bench case: \(error)\n".utf8))
            return 1
        }
    }
}
