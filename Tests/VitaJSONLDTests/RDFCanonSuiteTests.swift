import Foundation
import Testing
import VitaJSONLD

/// The copy of the W3C suites bundled with the tests (see Resources/SOURCES.md).
let testResources: URL = {
    if let url = Bundle.module.url(forResource: "Resources", withExtension: nil) { return url }
    return Bundle.module.bundleURL.appendingPathComponent("Resources")
}()
let standardsRoot = testResources.appendingPathComponent("standards")

/// "Well under a second" holds for release builds (about 0.06 s); debug builds running tests
/// in parallel on a shared 2-core machine are ~10–20× slower, so they get a looser budget.
#if DEBUG
let poisonBudget = Duration.seconds(5)
#else
let poisonBudget = Duration.seconds(1)
#endif

@Suite("W3C rdf-canon suite")
struct RDFCanonSuiteTests {
    @Test("every rdf-canon test passes (evaluation, map and negative)")
    func wholeSuite() throws {
        let result = try ConformanceRunner(root: standardsRoot).runRDFCanon()
        #expect(result.failed.isEmpty, "\(result.failed)")
        #expect(result.passed.count == 86)
        #expect(result.skipped.isEmpty)
    }

    @Test("the poison clique stops at the work limit in well under a second")
    func poison() throws {
        let input = try String(contentsOf: standardsRoot.appendingPathComponent("rdf-canon/tests/rdfc10/test074-in.nq"), encoding: .utf8)
        let start = ContinuousClock.now
        #expect(throws: JSONLDError.self) { try RDFC10.canonicalize(nQuads: input) }
        #expect(ContinuousClock.now - start < poisonBudget)
    }
}
