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

    /// The poison test must stop "well under a second" (release builds: ~0.06 s). Debug builds
    /// are an order of magnitude slower and get 5 s.
    #if DEBUG
    static let poisonBudget = Duration.seconds(5)
    #else
    static let poisonBudget = Duration.seconds(1)
    #endif

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
                    else if elapsed < Self.poisonBudget { result.passed.append(id) }
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

    // MARK: JSON-LD expand and toRdf

    /// Serves the suite's own files for URLs under the suite's base IRI (and bundled contexts otherwise).
    struct SuiteLoader: DocumentLoader {
        let baseIRI: String
        let directory: URL

        var cacheKey: String { "suite " + directory.path }

        func loadDocument(_ url: String) throws(JSONLDError) -> RemoteDocument {
            guard url.hasPrefix(baseIRI) else {
                throw JSONLDError(.loadingDocumentFailed, "the test suite has no document \(url)")
            }
            let path = String(url.dropFirst(baseIRI.count)).split(separator: "#").first.map(String.init) ?? ""
            do {
                let value = try JSONValue(parsing: try Data(contentsOf: directory.appendingPathComponent(path)))
                return RemoteDocument(documentURL: url, document: value)
            } catch {
                throw JSONLDError(.loadingDocumentFailed, "cannot load \(url): \(error)")
            }
        }
    }

    /// Tests that are skipped, with the reason. Shared by the runner and the docs.
    public static let knownSkips: [String: String] = [
        "toRdf#te075": "expects generalized RDF (blank node predicates), which N-Quads cannot represent; Vita's N-Quads parser rejects it",
    ]

    /// Runs the expand (`"expand"`) or toRdf (`"toRdf"`) suite.
    public func runJSONLD(_ suite: String) throws -> SuiteResult {
        let dir = root.appendingPathComponent("json-ld-api/tests")
        let manifest = try Self.loadJSON(dir.appendingPathComponent("\(suite)-manifest.jsonld"))
        let baseIRI = manifest["baseIri"]?.stringValue ?? "https://w3c.github.io/json-ld-api/tests/"
        let loader = SuiteLoader(baseIRI: baseIRI, directory: dir)
        let cache = ContextCache()
        var result = SuiteResult(name: suite)
        for entry in manifest["sequence"]?.arrayValue ?? [] {
            let id = entry["@id"]?.stringValue ?? "?"
            let types = entry["@type"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let option = entry["option"]?.objectValue ?? JSONObject()
            if option["specVersion"]?.stringValue == "json-ld-1.0" {
                result.skipped.append((id, "json-ld-1.0 only"))
                continue
            }
            if let reason = Self.knownSkips["\(suite)\(id)"] {
                result.skipped.append((id, reason))
                continue
            }
            guard let input = entry["input"]?.stringValue else { continue }
            var options = JSONLDOptions(documentLoader: loader, contextCache: cache)
            options.base = option["base"]?.stringValue ?? (baseIRI + input)
            if option["processingMode"]?.stringValue == "json-ld-1.0" { options.processingMode = .jsonLD10 }
            if let rd = option["rdfDirection"]?.stringValue { options.rdfDirection = RDFDirectionMode(rawValue: rd) }
            if option["produceGeneralizedRdf"] == .bool(true) { options.produceGeneralizedRDF = true }
            do {
                if let ec = option["expandContext"]?.stringValue {
                    options.expandContext = try Self.loadJSON(dir.appendingPathComponent(ec))
                }
                let document = try Self.loadJSON(dir.appendingPathComponent(input))
                if types.contains("jld:NegativeEvaluationTest") {
                    let expected = entry["expectErrorCode"]?.stringValue ?? ""
                    let outcome = Self.errorCode { () throws(JSONLDError) in
                        if suite == "expand" { _ = try JSONLD.expand(document, options: options) } else { _ = try JSONLD.toRDF(document, options: options) }
                    }
                    if outcome == expected { result.passed.append(id) } else {
                        result.failed.append((id, "expected \(expected), got \(outcome ?? "no error")"))
                    }
                } else if suite == "expand" {
                    let expected = try Self.loadJSON(dir.appendingPathComponent(entry["expect"]!.stringValue!))
                    let got = try JSONLD.expand(document, options: options)
                    if Self.jsonLDEqual(got, expected, ordered: false) { result.passed.append(id) } else {
                        result.failed.append((id, "got \(got)"))
                    }
                } else {
                    let dataset = try JSONLD.toRDF(document, options: options)
                    if types.contains("jld:PositiveSyntaxTest") {
                        result.passed.append(id)
                        continue
                    }
                    let expectedText = try String(contentsOf: dir.appendingPathComponent(entry["expect"]!.stringValue!), encoding: .utf8)
                    let expected = try NQuads.parse(expectedText)
                    let a = try RDFC10.canonicalize(dataset).canonicalNQuads
                    let b = try RDFC10.canonicalize(expected).canonicalNQuads
                    if a == b { result.passed.append(id) } else { result.failed.append((id, "got\n\(dataset.nQuads())")) }
                }
            } catch {
                result.failed.append((id, "\(error)"))
            }
        }
        return result
    }

    static func errorCode(_ body: () throws(JSONLDError) -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return error.code.rawValue
        }
    }

    /// JSON equality where arrays are compared as multisets, except `@list` arrays.
    static func jsonLDEqual(_ a: JSONValue, _ b: JSONValue, ordered: Bool) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (k, v) in x {
                guard let w = y[k], jsonLDEqual(v, w, ordered: k == "@list") else { return false }
            }
            return true
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            if ordered { return zip(x, y).allSatisfy { jsonLDEqual($0, $1, ordered: false) } }
            var used = [Bool](repeating: false, count: y.count)
            outer: for v in x {
                for (i, w) in y.enumerated() where !used[i] && jsonLDEqual(v, w, ordered: false) {
                    used[i] = true
                    continue outer
                }
                return false
            }
            return true
        default:
            return a == b
        }
    }

    // MARK: Credential cross-check

    /// (document, expected canonical N-Quads, @context source for proof configurations) triples,
    /// relative to `root`.
    public static let crossCheckCases: [(input: String, expected: String, contextFrom: String?)] = {
        var cases: [(String, String, String?)] = []
        for name in [
            "achievement-alignment-case", "achievement-alignment-credential-engine", "api-profile",
            "basic-openbadgecredential", "complete-openbadgecredential", "docformat-openbadgecredential",
            "endorsementcredential", "getting-started-did-web", "migrated-ob2-assertion", "skill-assertion-case",
            "skill-assertion-ctdl",
        ] {
            cases.append(("ob-v3p0/examples/\(name).json", "ob-v3p0/examples/canonical/\(name).nq", nil))
        }
        for spec in ["ob-v3p0", "clr-v2p0"] {
            let d = "\(spec)/test-vectors/eddsa-rdfc-2022"
            cases.append(("\(d)/unsigned.json", "\(d)/document-canon.nq", nil))
            cases.append(("\(d)/proof-options.json", "\(d)/proof-canon.nq", "\(d)/unsigned.json"))
        }
        let v = "vc-di-eddsa/TestVectors"
        cases.append(("\(v)/unsigned.json", "\(v)/eddsa-rdfc-2022/canonDocDataInt.txt", nil))
        cases.append(("\(v)/eddsa-rdfc-2022/proofConfigDataInt.json", "\(v)/eddsa-rdfc-2022/proofCanonDataInt.txt", nil))
        cases.append(("\(v)/employmentAuth.json", "\(v)/eddsa-rdfc-2022/employ/canonDocDataInt.txt", nil))
        cases.append(("\(v)/eddsa-rdfc-2022/employ/proofConfigDataInt.json", "\(v)/eddsa-rdfc-2022/employ/proofCanonDataInt.txt", nil))
        return cases
    }()

    /// Canonicalizes every OB 3.0 / CLR 2.0 / vc-di-eddsa example that ships canonical N-Quads
    /// and compares byte for byte.
    public func runCrossCheck() throws -> SuiteResult {
        var result = SuiteResult(name: "cross-check")
        for c in Self.crossCheckCases {
            let inputURL = root.appendingPathComponent(c.input)
            let expectedURL = root.appendingPathComponent(c.expected)
            guard FileManager.default.fileExists(atPath: inputURL.path), FileManager.default.fileExists(atPath: expectedURL.path) else {
                result.skipped.append((c.input, "file not present"))
                continue
            }
            do {
                var document = try Self.loadJSON(inputURL)
                if let from = c.contextFrom, case .object(var o) = document {
                    o["@context"] = try Self.loadJSON(root.appendingPathComponent(from))["@context"]
                    document = .object(o)
                }
                let expected = try String(contentsOf: expectedURL, encoding: .utf8)
                let got = try JSONLD.canonicalize(document).canonicalNQuads
                if got == expected { result.passed.append(c.input) } else {
                    result.failed.append((c.input, "differs from \(c.expected):\n\(got)"))
                }
            } catch {
                result.failed.append((c.input, "\(error)"))
            }
        }
        return result
    }
}
