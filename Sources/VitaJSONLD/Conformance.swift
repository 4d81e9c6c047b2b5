import Foundation
import VitaJSON

/// Runs the W3C conformance suites (rdf-canon, JSON-LD 1.1 expand and toRdf) from a folder.
///
/// Used by the `vita-conformance` executable and the test target, so both report the same
/// numbers. `root` is a standards folder holding `rdf-canon/tests/manifest.jsonld` and
/// `json-ld-api/tests/{expand,toRdf}-manifest.jsonld`.
public struct ConformanceRunner: Sendable {
    /// The outcome of one suite.
    public struct SuiteResult: Sendable {
        public var name: String
        public var passed: [String] = []
        public var failed: [(id: String, detail: String)] = []
        public var skipped: [(id: String, reason: String)] = []

        /// `"<name>: P passed, F failed, S skipped"`.
        public var summaryLine: String {
            "\(name): \(passed.count) passed, \(failed.count) failed, \(skipped.count) skipped"
        }
    }

    public let root: URL

    public init(root: URL) { self.root = root }

    static func loadJSON(_ url: URL) throws -> JSONValue {
        try JSONValue(parsing: try Data(contentsOf: url))
    }

    // MARK: rdf-canon

    /// `nil` if canonicalizing `input` stops with the work limit error, else a failure detail.
    static func expectWorkLimit(_ input: String, _ options: RDFCOptions) -> String? {
        do {
            _ = try RDFC10.canonicalize(nQuads: input, options: options)
            return "expected the work limit error"
        } catch {
            return error.code == .workLimitExceeded ? nil : "\(error)"
        }
    }

    /// Runs every entry of the rdf-canon manifest.
    public func runRDFCanon() throws -> SuiteResult {
        let dir = root.appendingPathComponent("rdf-canon/tests")
        let manifest = try Self.loadJSON(dir.appendingPathComponent("manifest.jsonld"))
        var result = SuiteResult(name: "rdf-canon")
        for entry in manifest["entries"]?.arrayValue ?? [] {
            let id = entry["id"]?.stringValue ?? "?"
            let type = entry["type"]?.stringValue ?? ""
            let action = entry["action"]?.stringValue ?? ""
            var options = RDFCOptions()
            if entry["hashAlgorithm"]?.stringValue == "SHA384" { options.hashAlgorithm = .sha384 }
            do {
                let input = try String(contentsOf: dir.appendingPathComponent(action), encoding: .utf8)
                switch type {
                case "rdfc:RDFC10EvalTest":
                    let expected = try String(contentsOf: dir.appendingPathComponent(entry["result"]!.stringValue!), encoding: .utf8)
                    let got = try RDFC10.canonicalize(nQuads: input, options: options).canonicalNQuads
                    if got == expected { result.passed.append(id) } else { result.failed.append((id, "output differs")) }
                case "rdfc:RDFC10MapTest":
                    let expected = try Self.loadJSON(dir.appendingPathComponent(entry["result"]!.stringValue!))
                    let got = try RDFC10.canonicalize(nQuads: input, options: options).issuedIdentifiers
                    var gotObject = JSONObject()
                    for (k, v) in got { gotObject[k] = .string(v) }
                    if JSONValue.object(gotObject) == expected { result.passed.append(id) } else {
                        result.failed.append((id, "map differs: \(JSONValue.object(gotObject))"))
                    }
                case "rdfc:RDFC10NegativeEvalTest":
                    let start = ContinuousClock.now
                    let outcome = Self.expectWorkLimit(input, options)
                    let elapsed = ContinuousClock.now - start
                    if let outcome { result.failed.append((id, outcome)) }
                    else if elapsed < .seconds(1) { result.passed.append(id) }
                    else { result.failed.append((id, "work limit reached only after \(elapsed)")) }
                default:
                    result.skipped.append((id, "unknown test type \(type)"))
                }
            } catch {
                result.failed.append((id, "\(error)"))
            }
        }
        return result
    }
}
