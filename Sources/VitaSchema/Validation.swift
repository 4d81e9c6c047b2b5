import VitaJSON

/// The validation vocabulary (JSON Schema 2019-09 validation §6) and `format` (§7).
extension Evaluator {
    /// Checks every assertion keyword of `node`; reports each failure.
    func validateAssertions(_ node: SchemaNode, _ instance: JSONValue) -> Bool {
        var valid = true
        func fail(_ keyword: String, _ message: @autoclosure () -> String) -> Bool {
            valid = false
            report(node, keyword, message())
            return !recording
        }

        // §6.1.1 type
        if let types = node.types, !Evaluator.matches(types, instance) {
            if fail("type", "expected \(types.description), found \(Evaluator.kind(instance))") { return false }
        }
        // §6.1.2 enum, §6.1.3 const (JSON equality: 1 == 1.0, member order irrelevant)
        if let values = node.enumValues, !values.contains(where: { Evaluator.jsonEqual($0, instance) }) {
            if fail("enum", Evaluator.describeAllowed(values)) { return false }
        }
        if let constant = node.constValue, !Evaluator.jsonEqual(constant, instance) {
            if fail("const", constant.isScalar && Evaluator.shortText(constant) != nil
                ? "value must be \(Evaluator.shortText(constant)!)" : "value does not equal the constant in 'const'") { return false }
        }

        switch instance {
        case .number(let n):
            if !validateNumber(node, n, fail) { return false }
        case .string(let s):
            // §6.3.1–6.3.2: length in Unicode code points.
            if node.maxLength != nil || node.minLength != nil {
                let length = s.unicodeScalars.count
                if let max = node.maxLength, length > max {
                    if fail("maxLength", "string is longer than \(max) characters") { return false }
                }
                if let min = node.minLength, length < min {
                    if fail("minLength", "string is shorter than \(min) characters") { return false }
                }
            }
            if let regex = node.pattern {
                switch regex.search(s, budgetNanoseconds: options.patternBudgetNanoseconds) {
                case .match:
                    break
                case .noMatch:
                    if fail("pattern", "string does not match the pattern '\(regex.source)'") { return false }
                case .tooExpensive:
                    aborted = true
                    return false
                }
            }
            if options.assertFormats, let format = node.format, !FormatChecker.check(format, s) {
                if fail("format", "string is not a valid '\(format)'") { return false }
            }
        case .array(let items):
            if let max = node.maxItems, items.count > max {
                if fail("maxItems", "array has more than \(max) items") { return false }
            }
            if let min = node.minItems, items.count < min {
                if fail("minItems", "array has fewer than \(min) items") { return false }
            }
            if node.uniqueItems {
                // Hash buckets (JSONValue's hash is coarser than strict equality), then
                // compare strictly within a bucket: O(n) for distinct items.
                var buckets: [JSONValue: [Int]] = [:]
                for (i, item) in items.enumerated() {
                    if let earlier = buckets[item], earlier.contains(where: { Evaluator.jsonEqual(items[$0], item) }) {
                        if fail("uniqueItems", "array items are not unique (item \(i) repeats an earlier item)") { return false }
                        break
                    }
                    buckets[item, default: []].append(i)
                }
            }
        case .object(let object):
            if let max = node.maxProperties, object.count > max {
                if fail("maxProperties", "object has more than \(max) properties") { return false }
            }
            if let min = node.minProperties, object.count < min {
                if fail("minProperties", "object has fewer than \(min) properties") { return false }
            }
            if let required = node.required {
                for name in required where !object.contains(name) {
                    if fail("required", "required property '\(name)' is missing") { return false }
                }
            }
            if let dependent = node.dependentRequired {
                for (key, names) in dependent where object.contains(key) {
                    for name in names where !object.contains(name) {
                        if fail("dependentRequired", "property '\(name)' is required when '\(key)' is present") { return false }
                    }
                }
            }
        default:
            break
        }
        return valid
    }

    /// §6.2: numeric bounds compared exactly on the decimal text.
    private func validateNumber(_ node: SchemaNode, _ n: JSONNumber, _ fail: (String, @autoclosure () -> String) -> Bool) -> Bool {
        guard node.multipleOf != nil || node.maximum != nil || node.minimum != nil
            || node.exclusiveMaximum != nil || node.exclusiveMinimum != nil else { return true }
        var valid = true
        let x = ExactDecimal(n)
        if let m = node.multipleOf, !x.isMultiple(of: m.exact, fallback: (n.doubleValue, m.number.doubleValue)) {
            valid = false
            if fail("multipleOf", "number is not a multiple of \(m.number.lexical)") { return false }
        }
        if let b = node.maximum, ExactDecimal.compare(x, b.exact) > 0 {
            valid = false
            if fail("maximum", "number is greater than \(b.number.lexical)") { return false }
        }
        if let b = node.exclusiveMaximum, ExactDecimal.compare(x, b.exact) >= 0 {
            valid = false
            if fail("exclusiveMaximum", "number is not less than \(b.number.lexical)") { return false }
        }
        if let b = node.minimum, ExactDecimal.compare(x, b.exact) < 0 {
            valid = false
            if fail("minimum", "number is less than \(b.number.lexical)") { return false }
        }
        if let b = node.exclusiveMinimum, ExactDecimal.compare(x, b.exact) <= 0 {
            valid = false
            if fail("exclusiveMinimum", "number is not greater than \(b.number.lexical)") { return false }
        }
        return valid
    }

    /// §6.1.1: "integer" matches any number with a zero fractional part (1.0 included).
    static func matches(_ types: TypeSet, _ value: JSONValue) -> Bool {
        switch value {
        case .null: return types.contains(.null)
        case .bool: return types.contains(.boolean)
        case .string: return types.contains(.string)
        case .array: return types.contains(.array)
        case .object: return types.contains(.object)
        case .number(let n):
            if types.contains(.number) { return true }
            guard types.contains(.integer) else { return false }
            return n.isIntegerLexical || ExactDecimal(n).isInteger
        }
    }

    /// JSON equality for `enum`, `const` and `uniqueItems` (core §4.2.2): numbers by
    /// mathematical value, strings by code points (not canonical equivalence, which Swift's
    /// `String ==` uses), objects regardless of member order.
    static func jsonEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)):
            if x.lexical == y.lexical { return true }
            return ExactDecimal.compare(ExactDecimal(x), ExactDecimal(y)) == 0
        case (.string(let x), .string(let y)):
            return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { jsonEqual($0, $1) }
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (k, v) in x {
                guard let w = y[k], jsonEqual(v, w) else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// `value must be one of: "a", "b"` for short lists of short scalars (schema data only).
    static func describeAllowed(_ values: [JSONValue]) -> String {
        let texts = values.compactMap(shortText)
        guard texts.count == values.count, values.count <= 8 else {
            return "value is not one of the \(values.count) allowed values"
        }
        return values.count == 1 ? "value must be \(texts[0])" : "value must be one of: " + texts.joined(separator: ", ")
    }

    /// The JSON text of a scalar of at most 120 characters, else `nil`.
    static func shortText(_ value: JSONValue) -> String? {
        guard value.isScalar else { return nil }
        let text = value.serializedString()
        return text.count <= 120 ? text : nil
    }

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        case .number(let n): return n.isIntegerLexical ? "integer" : "number"
        }
    }
}
