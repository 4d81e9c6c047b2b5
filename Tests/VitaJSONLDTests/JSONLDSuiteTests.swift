import Foundation
import Testing
import VitaJSON
import VitaJSONLD

@Suite("W3C JSON-LD 1.1 suites and credential cross-check")
struct JSONLDSuiteTests {
    static func check(_ result: ConformanceRunner.SuiteResult) {
        let applicable = result.passed.count + result.failed.count
        #expect(applicable > 0)
        let ratio = Double(result.passed.count) / Double(max(applicable, 1))
        #expect(ratio >= 0.99, "\(result.summaryLine); failures: \(result.failed.map(\.id))")
        // Every skip has a reason.
        for s in result.skipped { #expect(!s.reason.isEmpty) }
    }

    @Test("expand: at least 99% of the JSON-LD 1.1 tests pass, skips have reasons")
    func expandSuite() throws {
        let result = try ConformanceRunner(root: standardsRoot).runJSONLD("expand")
        Self.check(result)
        #expect(result.passed.count >= 370)
    }

    @Test("toRdf: at least 99% of the JSON-LD 1.1 tests pass, skips have reasons")
    func toRdfSuite() throws {
        let result = try ConformanceRunner(root: standardsRoot).runJSONLD("toRdf")
        Self.check(result)
        #expect(result.passed.count >= 450)
    }

    @Test("every OB 3.0 / CLR 2.0 / vc-di-eddsa example with canonical N-Quads is reproduced byte for byte")
    func crossCheck() throws {
        let result = try ConformanceRunner(root: standardsRoot).runCrossCheck()
        #expect(result.failed.isEmpty, "\(result.failed.map(\.id))")
        #expect(result.skipped.isEmpty)
        #expect(result.passed.count == ConformanceRunner.crossCheckCases.count)
    }

    @Test("the complete OB 3.0 example (4 identical placeholder proofs) matches the golden N-Quads")
    func completeExampleGolden() throws {
        // pyoxigraph 0.5.13 gets this wrong (PERF-ANCHORS.md correctness finding 1).
        let doc = try JSONValue(parsing: Data(contentsOf: standardsRoot.appendingPathComponent("ob-v3p0/examples/complete-openbadgecredential.json")))
        let expected = try String(contentsOf: standardsRoot.appendingPathComponent("ob-v3p0/examples/canonical/complete-openbadgecredential.nq"), encoding: .utf8)
        #expect(try JSONLD.canonicalize(doc).canonicalNQuads == expected)
    }

    @Test("the OB 3.0 vector's canonical document hashes to the published documentHashHex")
    func vectorHash() throws {
        let dir = standardsRoot.appendingPathComponent("ob-v3p0/test-vectors/eddsa-rdfc-2022")
        let doc = try JSONValue(parsing: Data(contentsOf: dir.appendingPathComponent("unsigned.json")))
        let expected = try JSONValue(parsing: Data(contentsOf: dir.appendingPathComponent("expected.json")))
        let result = try JSONLD.canonicalize(doc)
        #expect(result.hashHex() == expected["documentHashHex"]?.stringValue)
    }
}
