import Testing
import VitaJSON

@Suite("JSON parser")
struct JSONParserTests {
    @Test("parses every JSON kind and keeps member order and number text")
    func parsesAllKinds() throws {
        let v = try JSONValue(parsing: #"{"z":1.50,"a":[true,false,null,"x\u00e9\n"],"m":{"k":-0,"e":1E+3}}"#)
        let o = try #require(v.objectValue)
        #expect(o.keys == ["z", "a", "m"])
        #expect(v["z"]?.numberValue?.lexical == "1.50")
        #expect(v["z"]?.numberValue?.doubleValue == 1.5)
        #expect(v["a"]?[3]?.stringValue == "xé\n")
        #expect(v["m"]?["e"]?.numberValue?.doubleValue == 1000)
        #expect(v.serializedString() == #"{"z":1.50,"a":[true,false,null,"xé\n"],"m":{"k":-0,"e":1E+3}}"#)
    }

    @Test("decodes surrogate pairs and rejects unpaired surrogates")
    func surrogates() throws {
        #expect(try JSONValue(parsing: #""\ud83d\ude00""#).stringValue == "😀")
        #expect(throws: JSONError.self) { try JSONValue(parsing: #""\ud83d""#) }
        #expect(throws: JSONError.self) { try JSONValue(parsing: #""\ude00x""#) }
    }

    @Test("rejects invalid UTF-8 with its position")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0x61, 0xC3, 0x28, 0x22]
        do {
            _ = try JSONValue(parsing: bytes)
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.code == .invalidUTF8)
            #expect(error.offset != nil)
        }
    }

    @Test("rejects duplicate keys")
    func duplicateKeys() {
        do {
            _ = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
            Issue.record("accepted duplicate key")
        } catch {
            #expect(error.code == .duplicateKey)
            #expect(error.offset == 13)
        }
        // Also for large objects using the hashed index.
        let many = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(throws: JSONError.self) { try JSONValue(parsing: "{\(many),\"k7\":0}") }
        #expect(throws: Never.self) { try JSONValue(parsing: "{\(many)}") }
    }

    @Test("rejects nesting deeper than the limit and documents over the size limit")
    func limits() throws {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        do {
            _ = try JSONValue(parsing: deep)
            Issue.record("accepted deep nesting")
        } catch {
            #expect(error.code == .tooDeep)
        }
        let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        _ = try JSONValue(parsing: ok)
        #expect(throws: JSONError.self) { try JSONValue(parsing: "[1,2,3]", limits: JSONLimits(maxBytes: 4)) }
        do {
            _ = try JSONValue(parsing: "[[1]]", limits: JSONLimits(maxDepth: 1))
            Issue.record("accepted depth 2 with limit 1")
        } catch {
            #expect(error.code == .tooDeep)
        }
    }

    @Test("rejects malformed documents", arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "[1 2]",
        "{\"a\" 1}", "{1:2}", "\"abc", "\"a\tb\"", "\"\\x\"", "[1]x", "\u{FEFF}1", "NaN", "'a'", "\"\\u12\"",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
    }

    @Test("accepts top-level scalars and surrounding whitespace")
    func scalars() throws {
        #expect(try JSONValue(parsing: " 42 ") == .number(JSONNumber(42)))
        #expect(try JSONValue(parsing: "\"s\"") == "s")
        #expect(try JSONValue(parsing: "null") == .null)
        #expect(try JSONValue(parsing: "true") == true)
    }

    @Test("never crashes on random byte mutations of a valid document")
    func fuzzMutations() {
        let seed = Array(#"{"a":[1,2.5e3,"x\u00e9",{"b":null,"c":true}],"d":"\ud83d\ude00","e":-0.0}"#.utf8)
        var rng = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            var doc = seed
            for _ in 0..<Int(rng.next() % 4 + 1) {
                let i = Int(rng.next() % UInt64(doc.count))
                switch rng.next() % 3 {
                case 0: doc[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: doc.remove(at: i)
                default: doc.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                }
                if doc.isEmpty { doc = [0x30] }
            }
            if let v = try? JSONValue(parsing: doc) {
                // Anything accepted must round-trip.
                #expect((try? JSONValue(parsing: v.serialized())) == v)
            }
        }
    }

    @Test("round-trips random generated documents")
    func fuzzGenerated() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let v = randomJSON(&rng, depth: 0)
            let back = try JSONValue(parsing: v.serialized())
            #expect(back == v)
            let pretty = try JSONValue(parsing: v.serialized(options: JSONWriteOptions(prettyPrinted: true)))
            #expect(pretty == v)
            #expect(try JSONValue(parsing: v.canonicalized()) == v)
        }
    }
}

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomJSON(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
    let pick = depth > 4 ? rng.next() % 4 : rng.next() % 6
    switch pick {
    case 0: return .null
    case 1: return .bool(rng.next() % 2 == 0)
    case 2:
        if rng.next() % 2 == 0 { return .number(JSONNumber(Int(truncatingIfNeeded: rng.next() % 2_000_000) - 1_000_000)) }
        return .number(JSONNumber(Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF) * (rng.next() % 2 == 0 ? 1 : -1)))
    case 3:
        let scalars: [Character] = ["a", "é", "😀", "\n", "\"", "\\", "\u{1}", "€", " ", "z"]
        return .string(String((0..<Int(rng.next() % 8)).map { _ in scalars[Int(rng.next() % UInt64(scalars.count))] }))
    case 4:
        return .array((0..<Int(rng.next() % 5)).map { _ in randomJSON(&rng, depth: depth + 1) })
    default:
        var o = JSONObject()
        for i in 0..<Int(rng.next() % 6) { o["k\(i)\(rng.next() % 3)"] = randomJSON(&rng, depth: depth + 1) }
        return .object(o)
    }
}
