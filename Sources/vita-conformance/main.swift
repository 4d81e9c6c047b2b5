import Foundation
import VitaJSONLD

// vita-conformance [standards-folder]
// Runs the W3C rdf-canon, JSON-LD expand and toRdf suites and prints one line per suite,
// then the ids of failures.
let args = CommandLine.arguments.dropFirst()
let rootPath = args.first ?? "../shared/standards"
let root = URL(fileURLWithPath: rootPath)
let runner = ConformanceRunner(root: root)
var failures = 0
var results: [ConformanceRunner.SuiteResult] = []
do {
    results.append(try runner.runRDFCanon())
    results.append(try runner.runJSONLD("expand"))
    results.append(try runner.runJSONLD("toRdf"))
    results.append(try runner.runCrossCheck())
} catch {
    FileHandle.standardError.write(Data("vita-conformance: cannot run the suites in \(rootPath): \(error)\n".utf8))
    exit(2)
}
for r in results { print(r.summaryLine) }
for r in results where !r.failed.isEmpty {
    print("\(r.name) failures:")
    for f in r.failed { print("  \(f.id): \(f.detail)") }
    failures += r.failed.count
}
exit(failures == 0 ? 0 : 1)
