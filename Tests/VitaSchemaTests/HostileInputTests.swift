import Foundation
import Testing
import VitaJSON
import VitaSchema

/// Hostile schemas and instances terminate with a result or a thrown `SchemaError`.
@Suite("Hostile inputs")
struct HostileInputTests {
    @Test("a schema that references itself forever stops at the depth limit", arguments: [
        ##"{"$ref": "#"}"##,
        ##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##,
        ##"{"anyOf": [{"$ref": "#"}, {"$ref": "#"}]}"##,
        ##"{"not": {"$ref": "#"}}"##,
        ##"{"$recursiveAnchor": true, "allOf": [{"$recursiveRef": "#"}]}"##,
    ])
    func selfReference(_ text: String) throws {
        let schema = try JSONSchema(parsing: text)
        let result = schema.validate(["a": 1])
        #expect(!result.isValid)
        #expect(result.limitExceeded)
        #expect(!schema.isValid(["a": 1]))
    }

    @Test("exponential branching is cut off by the step limit")
    func exponentialBranching() throws {
        var defs = JSONObject()
        for i in 0..<60 {
            let next: JSONValue = i == 59 ? ["type": "integer"] : ["anyOf": [["$ref": .string("#/$defs/d\(i + 1)")], ["$ref": .string("#/$defs/d\(i + 1)")]]]
            defs["d\(i)"] = next
        }
        let schema = try JSONSchema(["$defs": .object(defs), "$ref": "#/$defs/d0"])
        let result = schema.validate("not an integer", options: ValidationOptions(maxSteps: 20_000))
        #expect(!result.isValid)
        #expect(result.limitExceeded)
    }

    @Test("a very long $ref chain compiles without exhausting the stack")
    func longReferenceChain() throws {
        var defs = JSONObject()
        let n = 20_000
        for i in 0..<n {
            defs["d\(i)"] = i == n - 1 ? ["type": "string"] : ["$ref": .string("#/$defs/d\(i + 1)")]
        }
        let schema = try JSONSchema(["$defs": .object(defs), "$ref": "#/$defs/d0"])
        // Evaluation of the chain is bounded by maxDepth.
        let result = schema.validate("x")
        #expect(result.limitExceeded)
        // A generous but stack-safe depth evaluates the chain partway and still stops.
        #expect(schema.validate("x", options: ValidationOptions(maxDepth: 1_000)).limitExceeded)
    }

    @Test("a deeply nested instance is bounded by maxDepth, and validates when allowed")
    func deepInstance() throws {
        var value: JSONValue = 1
        for _ in 0..<250 { value = .array([value]) }
        let schema = try JSONSchema(parsing: ##"{"anyOf": [{"type": "integer"}, {"type": "array", "items": {"$ref": "#"}}]}"##)
        let limited = schema.validate(value, options: ValidationOptions(maxDepth: 100))
        #expect(!limited.isValid && limited.limitExceeded)
        // Allowed explicitly: the test runner's threads have multi-megabyte stacks.
        let allowed = schema.validate(value, options: ValidationOptions(maxDepth: 1_000, maxStackBytes: 4 << 20))
        #expect(allowed.isValid, "\(allowed)")
    }

    @Test("a large array with uniqueItems validates, and a duplicate written as another number form is found")
    func hugeArray() throws {
        // Speed is measured by benchmarks, not here; a quadratic uniqueItems would make this suite conspicuously slow.
        let n = 20_000
        let items = (0..<n).map { JSONValue.number(JSONNumber($0)) }
        let schema = try JSONSchema(parsing: ##"{"type": "array", "items": {"type": "integer", "minimum": 0}, "uniqueItems": true}"##)
        #expect(schema.validate(.array(items)).isValid)
        #expect(!schema.validate(.array(items + [.number(JSONNumber(5.0))])).isValid)
    }

    @Test("many errors are capped at maxErrors")
    func errorCap() throws {
        let items = (0..<10_000).map { _ in JSONValue.string("x") }
        let schema = try JSONSchema(parsing: ##"{"items": {"type": "integer"}}"##)
        let result = schema.validate(.array(items), options: ValidationOptions(maxErrors: 50))
        #expect(!result.isValid)
        #expect(result.errors.count == 50)
    }

    @Test("invalid schemas throw SchemaError with a code", arguments: [
        (##"{"type": "strin"}"##, SchemaError.Code.invalidKeyword),
        (##"{"minLength": -1}"##, .invalidKeyword),
        (##"{"required": "a"}"##, .invalidKeyword),
        (##"{"pattern": "("}"##, .invalidPattern),
        (##"{"allOf": []}"##, .invalidKeyword),
        (##"{"properties": {"a": 3}}"##, .invalidSchema),
        (##"{"$ref": "https://example.org/not-bundled.json"}"##, .unresolvedReference),
        (##"{"$ref": "#/$defs/missing"}"##, .unresolvedReference),
        (##"{"$ref": "#nope"}"##, .unresolvedReference),
        (##"[1, 2]"##, .invalidSchema),
    ])
    func invalidSchema(_ text: String, _ code: SchemaError.Code) {
        do {
            _ = try JSONSchema(parsing: text)
            Issue.record("compiled: \(text)")
        } catch {
            #expect(error.code == code, "\(error)")
            #expect(!error.description.isEmpty)
        }
    }

    @Test("one compiled schema is shared safely by concurrent validations")
    func concurrentValidation() async throws {
        let schema = try OneEdTechSchemas.shared.schema(.achievementCredential)
        let good = try Fixtures.json("ob-v3p0/examples/basic-openbadgecredential.json")
        let bad = good.replacing(["credentialSubject", "achievement", "criteria"], with: nil)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask { schema.validate(i % 2 == 0 ? good : bad).isValid == (i % 2 == 0) }
            }
            var all: [Bool] = []
            for await o in group { all.append(o) }
            return all
        }
        #expect(outcomes.allSatisfy { $0 })
    }

    @Test("patterns are safe to evaluate from many tasks at once")
    func concurrentPatterns() async throws {
        let schema = try JSONSchema(parsing: #"{"items": {"pattern": "^[a-z]{2}(-[A-Z]{2})?$"}, "propertyNames": {"pattern": "^x"}}"#)
        let good: JSONValue = .array((0..<200).map { _ in "en-US" })
        let bad: JSONValue = .array((0..<200).map { _ in "english" })
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask { schema.isValid(i % 2 == 0 ? good : bad) == (i % 2 == 0) }
            }
            var all: [Bool] = []
            for await o in group { all.append(o) }
            return all
        }
        #expect(outcomes.count == 64 && outcomes.allSatisfy { $0 })
    }

    @Test("the stack guard stops evaluation before a 512 KB thread stack overflows")
    func smallStack() throws {
        // Worst case per level: anyOf → items → $ref, all in detailed mode.
        let schema = try JSONSchema(parsing: ##"{"anyOf": [{"type": "integer"}, {"type": "array", "items": {"$ref": "#"}}]}"##)
        var value: JSONValue = "not an integer"
        for _ in 0..<200 { value = .array([value]) }
        let instance = value
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = schema.validate(instance)
            done.signal()
        }
        thread.stackSize = 512 * 1024  // Apple platforms' default for secondary threads
        thread.start()
        done.wait()
        #expect(box.result?.isValid == false)
        #expect(box.result?.limitExceeded == true)
    }
}

extension HostileInputTests {
    @Test("a catastrophically backtracking pattern is stopped by the time budget", arguments: [
        ##"{"pattern": "^(a+)+$"}"##,
        ##"{"patternProperties": {"^(a|aa)+$": true}}"##,
    ])
    func catastrophicPattern(_ text: String) throws {
        let schema = try JSONSchema(parsing: text)
        let evil = String(repeating: "a", count: 40) + "!"
        let instance: JSONValue = text.contains("patternProperties") ? .object(JSONObject([(evil, .null)])) : .string(evil)
        let result = schema.validate(instance, options: ValidationOptions(patternBudgetNanoseconds: 50_000_000))
        #expect(!result.isValid)
        #expect(result.limitExceeded)
        // Ordinary strings are unaffected.
        #expect(schema.validate(text.contains("patternProperties") ? ["aaaa": 1] : "aaaa").isValid)
    }
}

private final class ResultBox: @unchecked Sendable {
    var result: ValidationResult?
}
