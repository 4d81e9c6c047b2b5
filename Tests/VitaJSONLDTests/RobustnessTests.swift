import Foundation
import Testing
import VitaJSON
import VitaJSONLD

struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

/// Runs the full pipeline (and safe mode's path bookkeeping); any outcome but a crash is
/// acceptable, errors must be JSONLDError.
@discardableResult
func pipeline(_ doc: JSONValue, _ options: JSONLDOptions = JSONLDOptions()) -> Bool {
    do {
        let violations = try JSONLD.safeModeViolations(in: doc, options: options)
        #expect(violations.allSatisfy { $0.path.hasPrefix("$") && !$0.reason.isEmpty })
    } catch {
        #expect(!error.reason.isEmpty)
    }
    do {
        _ = try JSONLD.canonicalize(doc, options: options)
        return true
    } catch {
        #expect(!error.reason.isEmpty)
        return false
    }
}

@Suite("Robustness: generated, mutated and hostile inputs")
struct RobustnessTests {
    static let keywords = ["@id", "@type", "@value", "@list", "@set", "@graph", "@context", "@language", "@index",
                           "@reverse", "@nest", "@included", "@json", "@vocab", "@base", "@container", "@direction",
                           "@protected", "@import", "@propagate", "@version", "@none", "@prefix"]
    static let words = ["name", "type", "id", "http://ex.org/p", "ex:q", "_:b1", "ex", "relative/iri", "#frag", "", "@id",
                        "https://www.w3.org/ns/credentials/v2", "en", "ltr", "@set", "@list", "@vocab"]

    static func randomValue(_ rng: inout TestRNG, depth: Int) -> JSONValue {
        switch rng.below(depth > 4 ? 4 : 8) {
        case 0: return .null
        case 1: return .bool(rng.below(2) == 0)
        case 2: return .number(JSONNumber(rng.below(3) == 0 ? Double(rng.below(1000)) / 7 : Double(rng.below(100))))
        case 3: return .string(words[rng.below(words.count)])
        case 4, 5:
            return .array((0..<rng.below(4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var o = JSONObject()
            for _ in 0..<rng.below(5) {
                let key = rng.below(2) == 0 ? keywords[rng.below(keywords.count)] : words[rng.below(words.count)]
                o[key] = randomValue(&rng, depth: depth + 1)
            }
            return .object(o)
        }
    }

    static func mutate(_ v: JSONValue, _ rng: inout TestRNG, depth: Int = 0) -> JSONValue {
        if rng.below(6) == 0 { return randomValue(&rng, depth: depth + 2) }
        switch v {
        case .array(let a): return .array(a.map { mutate($0, &rng, depth: depth + 1) })
        case .object(let o):
            var out = JSONObject()
            for (k, val) in o {
                let key = rng.below(12) == 0 ? keywords[rng.below(keywords.count)] : k
                out[key] = mutate(val, &rng, depth: depth + 1)
            }
            return .object(out)
        default: return v
        }
    }

    @Test("random generated documents only ever throw JSONLDError")
    func randomDocuments() {
        var rng = TestRNG(seed: 1)
        let base = JSONLDOptions(base: "https://example.org/doc", documentLoader: StaticDocumentLoader([:], fallback: BundledContextLoader()))
        for _ in 0..<1500 {
            pipeline(Self.randomValue(&rng, depth: 0), base)
        }
    }

    @Test("random mutations of the W3C expand inputs and credentials never crash")
    func mutatedSuiteInputs() throws {
        let dir = standardsRoot.appendingPathComponent("json-ld-api/tests/expand")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix("-in.jsonld") }.sorted()
        var inputs: [JSONValue] = []
        for f in files.prefix(400) {
            if let v = try? JSONValue(parsing: Data(contentsOf: dir.appendingPathComponent(f))) { inputs.append(v) }
        }
        for f in ["ob-v3p0/examples/complete-openbadgecredential.json", "clr-v2p0/test-vectors/eddsa-rdfc-2022/signed.json"] {
            inputs.append(try JSONValue(parsing: Data(contentsOf: standardsRoot.appendingPathComponent(f))))
        }
        var rng = TestRNG(seed: 2)
        let options = JSONLDOptions(base: "https://w3c.github.io/json-ld-api/tests/expand/x.jsonld",
                                    documentLoader: StaticDocumentLoader([:], fallback: BundledContextLoader()))
        for input in inputs {
            for _ in 0..<3 { pipeline(Self.mutate(input, &rng), options) }
        }
    }

    @Test("random byte mutations of N-Quads only throw JSONLDError")
    func mutatedNQuads() throws {
        let text = try String(contentsOf: standardsRoot.appendingPathComponent("rdf-canon/tests/rdfc10/test060-in.nq"), encoding: .utf8)
        let seed = Array(text.utf8)
        var rng = TestRNG(seed: 3)
        for _ in 0..<2000 {
            var bytes = seed
            for _ in 0..<(1 + rng.below(3)) {
                let i = rng.below(bytes.count)
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            do {
                let ds = try NQuads.parse(bytes: bytes)
                _ = try RDFC10.canonicalize(ds)
            } catch {
                #expect(!error.reason.isEmpty)
            }
        }
    }

    @Test("N-Quads serialization round-trips through the parser with canonical escaping")
    func nquadsRoundTrip() throws {
        let lit = RDFLiteral("a\"b\\c\nd\re\tf\u{8}g\u{C}h\u{1}i\u{7F}j∞😀")
        let q = RDFQuad(.iri("urn:ex:s"), .iri("urn:ex:p"), .literal(lit), graph: .blankNode("g"))
        let text = NQuads.serialize([q])
        #expect(text == "<urn:ex:s> <urn:ex:p> \"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u007Fj∞😀\" _:g .\n")
        #expect(try NQuads.parse(text).quads == [q])
    }

    @Test("deeply nested documents are rejected with an error, not a crash")
    func deepNesting() throws {
        // Past the JSON parser's limit.
        let deep = String(repeating: "{\"http://ex.org/p\":", count: 300) + "1" + String(repeating: "}", count: 300)
        #expect(throws: JSONError.self) { try JSONValue(parsing: deep) }
        // Built in memory past the expansion limit.
        var v: JSONValue = ["http://ex.org/p": 1]
        for _ in 0..<600 { v = ["http://ex.org/p": v] }
        do {
            _ = try JSONLD.expand(v)
            Issue.record("deep document accepted")
        } catch {
            #expect(error.code == .limitExceeded)
        }
        // Within the limits: fine.
        var ok: JSONValue = ["http://ex.org/p": 1]
        for _ in 0..<100 { ok = ["http://ex.org/p": ok] }
        #expect(try JSONLD.toRDF(ok).count == 101)
    }

    @Test("long prefix chains and deeply nested scoped contexts end with an error, not a stack overflow")
    func hostileContexts() {
        var ctx = JSONObject()
        for i in 0..<5000 { ctx["t\(i)"] = .string("t\(i + 1):x") }
        ctx["t5000"] = "https://example.org/"
        let chain: JSONValue = ["@context": .object(ctx), "t0": "v"]
        #expect(throws: JSONLDError.self) { try JSONLD.expand(chain) }
        var scoped: JSONValue = ["p": "https://example.org/p"]
        for _ in 0..<200 { scoped = ["p": ["@id": "https://example.org/p", "@context": scoped]] }
        #expect(throws: JSONLDError.self) { try JSONLD.expand(["@context": scoped, "p": "v"]) }
        // A modest chain is fine.
        var ok = JSONObject()
        for i in 0..<50 { ok["t\(i)"] = .string("t\(i + 1):x") }
        ok["t50"] = "https://example.org/"
        #expect(throws: Never.self) { try JSONLD.expand(["@context": .object(ok), "t0": "v"]) }
    }

    @Test("huge arrays and long lists are processed linearly")
    func hugeArrays() throws {
        let items = (0..<20_000).map { JSONValue.number(JSONNumber($0)) }
        let doc: JSONValue = ["@id": "http://ex.org/s", "http://ex.org/set": .array(items), "http://ex.org/list": ["@list": .array(items)]]
        let start = ContinuousClock.now
        let ds = try JSONLD.toRDF(doc)
        #expect(ds.count == 20_000 + 40_000 + 1)
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test("poison graphs stop at the configurable work limit")
    func poisonGraphs() throws {
        // A 6-clique of blank nodes is solvable with a high limit and refused with a low one.
        var lines: [String] = []
        for i in 0..<6 { for j in 0..<6 where i != j { lines.append("_:n\(i) <urn:ex:p> _:n\(j) .") } }
        let text = lines.joined(separator: "\n") + "\n"
        #expect(throws: JSONLDError.self) { try RDFC10.canonicalize(nQuads: text, options: RDFCOptions(maxWork: 50)) }
        let big = try RDFC10.canonicalize(nQuads: text, options: RDFCOptions(maxWork: 10_000_000))
        #expect(big.issuedIdentifiers.count == 6)
    }
}
