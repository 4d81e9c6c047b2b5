import Testing
import VitaJSON

@Suite("RFC 8785 canonical JSON")
struct JCSTests {
    @Test("formats numbers like ECMAScript", arguments: [
        ("0", "0"), ("-0", "0"), ("1", "1"), ("1.0", "1"), ("1.5", "1.5"), ("100", "100"),
        ("1e21", "1e+21"), ("1e20", "100000000000000000000"), ("123456789012345680000", "123456789012345680000"),
        ("0.000001", "0.000001"), ("1e-7", "1e-7"), ("-1.5e-7", "-1.5e-7"), ("333333333.33333329", "333333333.3333333"),
        ("1E30", "1e+30"), ("4.50", "4.5"), ("2e-3", "0.002"), ("5e-324", "5e-324"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"), ("9007199254740992", "9007199254740992"),
        ("295147905179352830000", "295147905179352830000"), ("0.1", "0.1"),
    ])
    func numbers(_ input: String, _ expected: String) throws {
        let v = try JSONValue(parsing: input)
        #expect(v.canonicalString() == expected)
    }

    @Test("sorts keys by UTF-16 code units and escapes minimally")
    func rfc8785Example() throws {
        // RFC 8785 §3.2.3 sorting example.
        let input = #"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#
        let v = try JSONValue(parsing: input)
        let keys = try #require(v.objectValue).keysSortedByUTF16
        #expect(keys == ["\r", "1", "\u{80}", "ö", "€", "😀", "\u{FB33}"])
        let s = try JSONValue(parsing: #"{"b":[1,{"d":"\u0001\u001f/\"","c":true}],"a":"\u00e9"}"#).canonicalString()
        #expect(s == #"{"a":"é","b":[1,{"c":true,"d":"\u0001\u001f/\""}]}"#)
    }

    @Test("a character needing an escape is escaped wherever it falls in long text, and nothing else is",
          arguments: ["\"", "\\", "\n", "\t", "\u{8}", "\u{C}", "\r", "\u{0}", "\u{1}", "\u{1F}", " ", "/", "\u{7F}", "é", "😀"])
    func escapesInLongText(_ character: String) throws {
        let escaped: String = switch character {
        case "\"": #"\""#
        case "\\": #"\\"#
        case "\n": #"\n"#
        case "\t": #"\t"#
        case "\u{8}": #"\b"#
        case "\u{C}": #"\f"#
        case "\r": #"\r"#
        case "\u{0}": #"\u0000"#
        case "\u{1}": #"\u0001"#
        case "\u{1F}": #"\u001f"#
        default: character
        }
        // The writer tests eight bytes at a time: put the character at every place among them, twice.
        for offset in 0 ... 17 {
            let before = String(repeating: "a", count: offset), after = String(repeating: "b", count: 17 - offset)
            let value = JSONValue.string(before + character + after + character)
            #expect(value.canonicalString() == "\"" + before + escaped + after + escaped + "\"", "at offset \(offset)")
            #expect(try JSONValue(parsing: value.serialized()) == value)
        }
    }

    @Test("formats xsd:double canonical forms for JSON-LD")
    func xsdDouble() {
        #expect(JSONNumber.xsdDoubleString(1.1) == "1.1E0")
        #expect(JSONNumber.xsdDoubleString(-5.0e-1) == "-5.0E-1")
        #expect(JSONNumber.xsdDoubleString(1e21) == "1.0E21")
        #expect(JSONNumber.xsdDoubleString(123.456) == "1.23456E2")
        #expect(JSONNumber.xsdDoubleString(0) == "0.0E0")
    }

    @Test("object equality ignores member order; JSONObject keeps insertion order")
    func objectOrder() {
        var o = JSONObject()
        o["b"] = 1
        o["a"] = 2
        o["b"] = 3
        #expect(o.keys == ["b", "a"])
        #expect(JSONValue.object(o) == ["a": 2, "b": 3])
        o["b"] = nil
        #expect(o.keys == ["a"])
    }
}
