import Foundation
import Testing
import VitaJSON
import VitaSchema

/// Runs the official JSON-Schema-Test-Suite (draft2019-09) against `JSONSchema`.
///
/// Every file in `suite/tests/` is run; `optional/format/` files with format assertion on
/// (the suite expects assertion there), all others with `format` as annotation. Cases in
/// `suite-skips.json` are counted as skipped, with their reasons.
@Suite("JSON Schema Test Suite, draft 2019-09")
struct TestSuiteTests {
    struct Skip: Sendable {
        let file: String, group: String, test: String, reason: String
        func covers(_ file: String, _ group: String, _ test: String) -> Bool {
            self.file == file && (self.group == "*" || self.group == group) && (self.test == "*" || self.test == test)
        }
    }

    struct Outcome: Sendable {
        var passed = 0
        var skipped = 0
        var failures: [String] = []
    }

    static let skips: [Skip] = {
        guard case .array(let entries)? = (try? Fixtures.json("suite-skips.json"))?["skips"] else { return [] }
        return entries.compactMap { e in
            guard let f = e["file"]?.stringValue, let g = e["group"]?.stringValue, let t = e["test"]?.stringValue,
                  let r = e["reason"]?.stringValue else { return nil }
            return Skip(file: f, group: g, test: t, reason: r)
        }
    }()

    static let registry: SchemaRegistry = {
        var r = SchemaRegistry.standard
        r.resolver = SuiteRemotes()
        return r
    }()

    static let files = Fixtures.files(under: "suite/tests")

    /// Runs one suite file.
    static func run(_ file: String) -> Outcome {
        var outcome = Outcome()
        guard case .array(let groups)? = try? Fixtures.json("suite/tests/" + file) else {
            outcome.failures.append("\(file): cannot read")
            return outcome
        }
        let assertFormats = file.hasPrefix("optional/format/")
        for group in groups {
            let groupName = group["description"]?.stringValue ?? "?"
            guard let schemaValue = group["schema"], case .array(let tests)? = group["tests"] else { continue }
            let allSkipped = tests.allSatisfy { t in skips.contains { $0.covers(file, groupName, t["description"]?.stringValue ?? "") } }
            if allSkipped {
                outcome.skipped += tests.count
                continue
            }
            let schema: JSONSchema
            do {
                schema = try JSONSchema(schemaValue, registry: registry)
            } catch {
                for t in tests {
                    let name = t["description"]?.stringValue ?? "?"
                    if skips.contains(where: { $0.covers(file, groupName, name) }) { outcome.skipped += 1; continue }
                    outcome.failures.append("\(file) | \(groupName) | \(name): schema did not compile: \(error)")
                }
                continue
            }
            for t in tests {
                let name = t["description"]?.stringValue ?? "?"
                if skips.contains(where: { $0.covers(file, groupName, name) }) {
                    outcome.skipped += 1
                    continue
                }
                guard let data = t["data"], case .bool(let expected)? = t["valid"] else { continue }
                let detailed = schema.validate(data, options: ValidationOptions(assertFormats: assertFormats))
                let flag = schema.validate(data, options: ValidationOptions(mode: .flag, assertFormats: assertFormats))
                if detailed.isValid == expected && flag.isValid == expected && (expected || !detailed.errors.isEmpty) {
                    outcome.passed += 1
                } else {
                    outcome.failures.append("\(file) | \(groupName) | \(name): expected \(expected ? "valid" : "invalid"), got detailed=\(detailed.isValid) flag=\(flag.isValid) \(detailed.errors.prefix(3).map(\.description))")
                }
            }
        }
        return outcome
    }

    @Test("every draft 2019-09 suite case passes except the documented skips", arguments: files)
    func suiteFile(_ file: String) {
        let outcome = Self.run(file)
        for failure in outcome.failures {
            Issue.record(Comment(rawValue: failure))
        }
        #expect(outcome.passed + outcome.skipped > 0)
    }

    @Test("the suite totals: required tests all pass, optional tests counted")
    func totals() {
        var required = Outcome(), optional = Outcome()
        for file in Self.files {
            let o = Self.run(file)
            if file.hasPrefix("optional/") {
                optional.passed += o.passed; optional.skipped += o.skipped; optional.failures += o.failures
            } else {
                required.passed += o.passed; required.skipped += o.skipped; required.failures += o.failures
            }
        }
        print("SUITE required: passed \(required.passed), failed \(required.failures.count), skipped \(required.skipped)")
        print("SUITE optional: passed \(optional.passed), failed \(optional.failures.count), skipped \(optional.skipped)")
        #expect(required.failures.isEmpty)
        #expect(optional.failures.isEmpty)
        #expect(Self.skips.allSatisfy { !$0.reason.isEmpty })
    }
}
