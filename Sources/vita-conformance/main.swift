import Foundation
import VitaJSONLD

// vita-conformance [standards-folder]
//
// Runs the W3C rdf-canon suite, the JSON-LD 1.1 expand and toRdf suites, and the OB 3.0 /
// CLR 2.0 / vc-di-eddsa cross-check, prints one line per suite
// ("rdf-canon: P passed, F failed, S skipped"), then the ids of failures, then the skip list.
// The folder defaults to ../shared/standards, or else the copy bundled with the tests
// (Tests/VitaJSONLDTests/Resources/standards). Exit status 1 if anything failed.

let arguments = Array(CommandLine.arguments.dropFirst())
let verbose = arguments.contains("--list-skips")
let positional = arguments.filter { !$0.hasPrefix("--") }
let candidates = positional.isEmpty ? ["../shared/standards", "Tests/VitaJSONLDTests/Resources/standards"] : [positional[0]]
guard let rootPath = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/rdf-canon/tests/manifest.jsonld") }) else {
    FileHandle.standardError.write(Data("vita-conformance: no standards folder found (tried \(candidates.joined(separator: ", ")))\n".utf8))
    exit(2)
}
let runner = ConformanceRunner(root: URL(fileURLWithPath: rootPath))
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
var failures = 0
for r in results where !r.failed.isEmpty {
    print("\(r.name) failures:")
    for f in r.failed { print("  \(f.id): \(f.detail)") }
    failures += r.failed.count
}
if verbose {
    for r in results where !r.skipped.isEmpty {
        print("\(r.name) skipped:")
        for s in r.skipped { print("  \(s.id): \(s.reason)") }
    }
}
exit(failures == 0 ? 0 : 1)
