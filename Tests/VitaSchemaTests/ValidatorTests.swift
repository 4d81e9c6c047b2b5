import Testing
import VitaJSON
import VitaSchema

@Suite("Validator behaviour")
struct ValidatorTests {
    @Test("errors carry instance location, evaluation path through $ref, absolute location and message")
    func errorLocations() throws {
        let schema = try JSONSchema(parsing: ##"""
        {"$id": "https://example.org/person.json",
         "properties": {"address": {"$ref": "#/$defs/Address"}},
         "$defs": {"Address": {"type": "object", "required": ["city"], "properties": {"zip": {"type": "string"}}}}}
        """##)
        let result = schema.validate(["address": ["zip": 12345]])
        #expect(!result.isValid)
        let required = try #require(result.errors.first { $0.keyword == "required" })
        #expect(required.instanceLocation == "/address")
        #expect(required.keywordLocation == "/properties/address/$ref/required")
        #expect(required.absoluteKeywordLocation == "https://example.org/person.json#/$defs/Address/required")
        #expect(required.description == "/address: required property 'city' is missing")
        let type = try #require(result.errors.first { $0.keyword == "type" })
        #expect(type.instanceLocation == "/address/zip")
        #expect(type.message == "expected string, found integer")
    }

    @Test("JSON Pointer tokens with ~ and / are escaped in locations")
    func pointerEscaping() throws {
        let schema = try JSONSchema(["properties": ["a/b~c": ["type": "string"]]])
        let error = try #require(schema.validate(["a/b~c": 1]).errors.first)
        #expect(error.instanceLocation == "/a~1b~0c")
        #expect(error.keywordLocation == "/properties/a~1b~0c/type")
    }

    @Test("numbers compare exactly: multipleOf 0.01, big integers, 1 == 1.0")
    func exactNumbers() throws {
        let money = try JSONSchema(parsing: #"{"multipleOf": 0.01}"#)
        #expect(money.isValid(try JSONValue(parsing: "19.99")))
        #expect(money.isValid(try JSONValue(parsing: "0.07")))
        #expect(!money.isValid(try JSONValue(parsing: "0.075")))
        #expect(money.isValid(try JSONValue(parsing: "123456789012345678901234567890.01")))
        #expect(!money.isValid(try JSONValue(parsing: "123456789012345678901234567890.001")))
        let third = try JSONSchema(parsing: #"{"multipleOf": 3}"#)
        #expect(third.isValid(try JSONValue(parsing: "300000000000000000000000000000000000000000000000003")))
        #expect(!third.isValid(try JSONValue(parsing: "300000000000000000000000000000000000000000000000001")))
        let big = try JSONSchema(parsing: #"{"maximum": 18446744073709551615}"#)
        #expect(!big.isValid(try JSONValue(parsing: "18446744073709551616")))
        let unique = try JSONSchema(parsing: #"{"uniqueItems": true}"#)
        #expect(!unique.isValid(try JSONValue(parsing: "[1, 1.0]")))
        #expect(unique.isValid(try JSONValue(parsing: #"[{"a": 1}, {"a": 2}, [1], 1, "1", true]"#)))
        let integer = try JSONSchema(parsing: #"{"type": "integer"}"#)
        #expect(integer.isValid(try JSONValue(parsing: "1.0")))
        #expect(!integer.isValid(try JSONValue(parsing: "1.000000000000000000001")))
    }

    @Test("string lengths count code points, not UTF-16 units or grapheme clusters")
    func stringLength() throws {
        let schema = try JSONSchema(parsing: #"{"maxLength": 2}"#)
        #expect(schema.isValid("💩💩"))
        #expect(!schema.isValid("e\u{301}e\u{301}"))
    }

    @Test("patterns follow ECMA-262: \\d is ASCII only and $ does not match before a final newline")
    func ecmaPatterns() throws {
        let digits = try JSONSchema(parsing: #"{"pattern": "^\\d+$"}"#)
        #expect(digits.isValid("123"))
        #expect(!digits.isValid("١٢٣"))
        #expect(!digits.isValid("123\n"))
        let emoji = try JSONSchema(parsing: #"{"pattern": "^\\u{1F600}$"}"#)
        #expect(emoji.isValid("😀"))
        let unanchored = try JSONSchema(parsing: #"{"pattern": "b"}"#)
        #expect(unanchored.isValid("abc"))
    }

    @Test("unevaluatedProperties sees properties evaluated through allOf and $ref")
    func unevaluated() throws {
        let schema = try JSONSchema(parsing: ##"""
        {"$defs": {"named": {"properties": {"name": {"type": "string"}}}},
         "allOf": [{"$ref": "#/$defs/named"}], "properties": {"id": true}, "unevaluatedProperties": false}
        """##)
        #expect(schema.isValid(["id": 1, "name": "x"]))
        let result = schema.validate(["id": 1, "name": "x", "extra": true])
        #expect(result.errors.map(\.instanceLocation) == ["/extra"])
    }

    @Test("remote references resolve through the registry and never the network")
    func registryResolution() throws {
        var registry = SchemaRegistry()
        try registry.add(["$id": "https://example.org/defs.json", "$defs": ["positive": ["type": "number", "exclusiveMinimum": 0]]])
        let schema = try JSONSchema(["$ref": "https://example.org/defs.json#/$defs/positive"], registry: registry)
        #expect(schema.isValid(3))
        #expect(!schema.isValid(0))
        #expect(throws: SchemaError.self) { try JSONSchema(["$ref": "https://example.org/other.json"], registry: registry) }
    }

    @Test("a subschema of a bundled schema can be compiled by URI with a fragment")
    func compileByFragment() throws {
        let achievement = try JSONSchema(uri: OneEdTechSchema.achievementCredential.uri + "#/$defs/Achievement")
        let result = achievement.validate(["id": "urn:uuid:1", "type": ["Achievement"], "name": "x", "description": "y"])
        #expect(result.errors.map(\.description) == ["(root): required property 'criteria' is missing"])
    }

    @Test("format is an annotation unless assertion is requested")
    func formatModes() throws {
        let schema = try JSONSchema(parsing: #"{"format": "date-time"}"#)
        #expect(schema.isValid("yesterday"))
        #expect(!schema.isValid("yesterday", assertFormats: true))
        #expect(schema.isValid("2024-02-29T12:00:00Z", assertFormats: true))
        #expect(!schema.isValid("2023-02-29T12:00:00Z", assertFormats: true))
        #expect(schema.isValid("1998-12-31T15:59:60-08:00", assertFormats: true))
        #expect(FormatChecker.check("email", "ada@example.org"))
        #expect(!FormatChecker.check("uri", "not a uri"))
        #expect(FormatChecker.check("uri", "did:example:123"))
    }

    @Test("flag mode returns no errors and stops early")
    func flagMode() throws {
        let schema = try JSONSchema(parsing: #"{"required": ["a", "b"]}"#)
        let flag = schema.validate([:], options: ValidationOptions(mode: .flag))
        #expect(!flag.isValid && flag.errors.isEmpty)
        #expect(schema.validate([:]).errors.count == 2)
    }

    @Test("enum and const failures name the allowed values; basic output follows core §10.4.2")
    func messagesAndBasicOutput() throws {
        let schema = try JSONSchema(parsing: #"{"properties": {"kind": {"enum": ["a", "b"]}, "v": {"const": 2}}}"#)
        let result = schema.validate(["kind": "c", "v": 3])
        #expect(result.errors.map(\.description) == ["/kind: value must be one of: \"a\", \"b\"", "/v: value must be 2"])
        let output = result.basicOutput
        #expect(output["valid"] == false)
        #expect(output["errors"]?[0]?["instanceLocation"] == "/kind")
        #expect(output["errors"]?[0]?["keywordLocation"] == "/properties/kind/enum")
        #expect(schema.validate(["kind": "a"]).basicOutput == ["valid": true])
    }

    @Test("false schemas are reported at the keyword that holds them")
    func falseSchemas() throws {
        let schema = try JSONSchema(parsing: #"{"properties": {"a": true, "b": false}, "additionalProperties": false, "propertyNames": {"maxLength": 3}}"#)
        let result = schema.validate(["a": 1, "b": 2, "long": 3])
        let byLocation = Dictionary(grouping: result.errors, by: \.instanceLocation)
        #expect(byLocation["/b"]?.first?.message == "property is not allowed by 'properties'")
        #expect(byLocation["/b"]?.first?.keywordLocation == "/properties/b")
        #expect(byLocation["/long"]?.contains { $0.keywordLocation == "/additionalProperties" && $0.keyword == "additionalProperties" && $0.message == "property is not allowed by 'additionalProperties'" } == true, "\(result)")
        #expect(byLocation["/long"]?.contains { $0.keyword == "propertyNames" && $0.message == "property name does not match 'propertyNames'" } == true, "\(result)")
    }
}
