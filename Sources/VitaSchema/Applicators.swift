import VitaJSON

/// Annotations that `unevaluatedItems` / `unevaluatedProperties` depend on
/// (core §9.3.1.3 and §9.3.2.4): which array items and object members were evaluated
/// by successful adjacent or nested subschemas.
struct Annotations {
    /// Names of evaluated object members.
    var properties: Set<String> = []
    /// Leading array items evaluated (by tuple `items`).
    var items = 0
    /// All array items evaluated (`items` schema, `additionalItems`, `unevaluatedItems`).
    var allItems = false

    mutating func merge(_ other: Annotations) {
        if !other.properties.isEmpty { properties.formUnion(other.properties) }
        items = max(items, other.items)
        allItems = allItems || other.allItems
    }
}

/// One step of a JSON Pointer, kept unconverted until an error is reported.
enum Step {
    case name(String)
    case index(Int)

    var token: String {
        switch self {
        case .name(let s): return s
        case .index(let i): return String(i)
        }
    }
}

/// Evaluates one instance against a compiled schema. Not shared: one per `validate` call.
final class Evaluator {
    let nodes: [SchemaNode]
    let root: Int
    let options: ValidationOptions
    /// Only collect annotations if some subschema has `unevaluated*`.
    let annotate: Bool
    var recording: Bool
    var errors: [ValidationError] = []
    var instancePath: [Step] = []
    var keywordPath: [Step] = []
    /// Resource roots entered, outermost first (core §7.1 dynamic scope), for `$recursiveRef`.
    var dynamicScope: [Int] = []
    var depth = 0
    var steps = 0
    /// Set when a limit is hit; evaluation then unwinds as invalid.
    var aborted = false

    init(schema: JSONSchema, options: ValidationOptions) {
        nodes = schema.nodes
        root = schema.root
        self.options = options
        annotate = schema.usesUnevaluated
        recording = options.mode == .detailed
    }

    /// Address of a local in ``run(_:)``, to measure stack use (see `maxStackBytes`).
    var stackBase: UInt = 0

    func run(_ instance: JSONValue) -> ValidationResult {
        stackBase = currentStackAddress()
        let ok = evaluate(root, instance) != nil
        if aborted {
            return ValidationResult(isValid: false, errors: options.mode == .detailed ? errors + [limitError] : [], limitExceeded: true)
        }
        return ValidationResult(isValid: ok, errors: ok ? [] : errors)
    }

    // MARK: Error reporting

    /// The error reported when a limit of ``ValidationOptions`` is hit.
    var limitError: ValidationError {
        ValidationError(instanceLocation: "", keywordLocation: "", absoluteKeywordLocation: nodes[root].location, keyword: "",
                        message: "evaluation stopped at a resource limit: more than \(options.maxDepth) nested levels, \(options.maxStackBytes / 1024) KB of stack or \(options.maxSteps) steps, or a pattern search over its time budget")
    }

    /// Records a failure of `keyword` at the current instance location.
    func report(_ node: SchemaNode, _ keyword: String, _ message: @autoclosure () -> String) {
        guard recording, errors.count < options.maxErrors else { return }
        errors.append(ValidationError(
            instanceLocation: JSONPointer.make(instancePath.lazy.map(\.token)),
            keywordLocation: JSONPointer.make(keywordPath.lazy.map(\.token)) + "/" + JSONPointer.escape(keyword),
            absoluteKeywordLocation: node.location + "/" + JSONPointer.escape(keyword),
            keyword: keyword,
            message: message()))
    }

    /// Reports a `false` schema at the keyword that holds it, e.g.
    /// `additionalProperties: false` → "property is not allowed by 'additionalProperties'".
    func reportFalseSchema(_ node: SchemaNode) {
        guard recording, errors.count < options.maxErrors else { return }
        var keyword = "false"
        var message = "no value is allowed here (the schema is false)"
        let mapKeywords: Set<String> = ["properties", "patternProperties", "dependentSchemas"]
        let n = keywordPath.count
        if n >= 2, case .name(let map) = keywordPath[n - 2], mapKeywords.contains(map) {
            keyword = map
            message = map == "dependentSchemas" ? "object is not allowed when this property is present ('dependentSchemas')" : "property is not allowed by '\(map)'"
        } else if n >= 2, case .index = keywordPath[n - 1], case .name(let parent) = keywordPath[n - 2] {
            keyword = parent
            message = parent == "items" ? "item is not allowed by 'items'" : "no value is allowed here ('\(parent)' has a false schema)"
        } else if case .name(let parent)? = keywordPath.last {
            keyword = parent
            switch parent {
            case "additionalProperties", "unevaluatedProperties":
                message = "property is not allowed by '\(parent)'"
            case "items", "additionalItems", "unevaluatedItems":
                message = "item is not allowed by '\(parent)'"
            default:
                message = "no value is allowed here ('\(parent)' is false)"
            }
        }
        errors.append(ValidationError(
            instanceLocation: JSONPointer.make(instancePath.lazy.map(\.token)),
            keywordLocation: JSONPointer.make(keywordPath.lazy.map(\.token)),
            absoluteKeywordLocation: node.location,
            keyword: keyword,
            message: message))
    }

    /// Evaluates a subschema one keyword (and optionally one instance step) deeper.
    @inline(__always)
    func descend(_ index: Int, _ instance: JSONValue, _ keyword: String, _ keyword2: Step? = nil, at token: Step? = nil) -> Annotations? {
        // Paths only matter for error reports; flag-mode and silent probes skip them.
        guard recording else { return evaluate(index, instance) }
        keywordPath.append(.name(keyword))
        if let keyword2 { keywordPath.append(keyword2) }
        if let token { instancePath.append(token) }
        let result = evaluate(index, instance)
        keywordPath.removeLast(keyword2 == nil ? 1 : 2)
        if token != nil { instancePath.removeLast() }
        return result
    }

    /// Evaluates without recording errors (for `not`, `if`, `contains`, `propertyNames` probes).
    func silently(_ body: () -> Annotations?) -> Annotations? {
        let saved = recording
        recording = false
        defer { recording = saved }
        return body()
    }

    // MARK: Evaluation

    /// Evaluates `instance` against node `index`: the annotations if valid, `nil` if not.
    func evaluate(_ index: Int, _ instance: JSONValue) -> Annotations? {
        if aborted { return nil }
        let node = nodes[index]
        if let b = node.boolean {
            // Core §4.3.2: `true` accepts everything, `false` nothing.
            if !b { reportFalseSchema(node) }
            return b ? Annotations() : nil
        }
        steps += 1
        depth += 1
        defer { depth -= 1 }
        if depth > options.maxDepth || steps > options.maxSteps {
            aborted = true
            return nil
        }
        let here = currentStackAddress()
        if (stackBase > here ? stackBase - here : here - stackBase) > UInt(options.maxStackBytes) {
            aborted = true
            return nil
        }
        if node.isResourceRoot { dynamicScope.append(index) }
        defer { if node.isResourceRoot { dynamicScope.removeLast() } }

        var valid = true
        var ann = Annotations()
        func failed() -> Bool {
            valid = false
            return !recording || aborted
        }

        // $ref (core §8.2.4.1): an applicator; sibling keywords still apply.
        if let target = node.ref {
            if let a = descend(target, instance, "$ref") { ann.merge(a) } else if failed() { return nil }
        }
        // $recursiveRef (core §8.2.4.2).
        if let initial = node.recursiveRef {
            var target = initial
            if nodes[initial].recursiveAnchor {
                for scoped in dynamicScope.reversed() {
                    if nodes[scoped].recursiveAnchor { target = scoped } else { break }
                }
            }
            if let a = descend(target, instance, "$recursiveRef") { ann.merge(a) } else if failed() { return nil }
        }

        if node.validationVocabulary {
            if !validateAssertions(node, instance) && failed() { return nil }
        }

        switch instance {
        case .array(let items):
            if !applyArray(node, items, &ann) && failed() { return nil }
        case .object(let object):
            if !applyObject(node, object, &ann) && failed() { return nil }
        default:
            break
        }

        if !applyLogic(node, instance, &ann) && failed() { return nil }

        // unevaluated* last: they see the annotations of everything above (core §9.3.1.3, §9.3.2.4).
        if let un = node.unevaluatedItems, case .array(let items) = instance, !ann.allItems {
            var ok = true
            var i = ann.items
            while i < items.count {
                if descend(un, items[i], "unevaluatedItems", at: .index(i)) == nil {
                    ok = false
                    if !recording { break }
                }
                i += 1
            }
            if ok { ann.allItems = true } else if failed() { return nil }
        }
        if let un = node.unevaluatedProperties, case .object(let object) = instance {
            var ok = true
            for (key, value) in object where !ann.properties.contains(key) {
                if descend(un, value, "unevaluatedProperties", at: .name(key)) == nil {
                    ok = false
                    if !recording { break }
                } else if annotate {
                    ann.properties.insert(key)
                }
            }
            if !ok && failed() { return nil }
        }
        return valid ? ann : nil
    }

    // MARK: Arrays (core §9.3.1)

    func applyArray(_ node: SchemaNode, _ items: [JSONValue], _ ann: inout Annotations) -> Bool {
        var valid = true
        if let single = node.itemsSingle {
            for (i, item) in items.enumerated() where descend(single, item, "items", at: .index(i)) == nil {
                valid = false
                if !recording { return false }
            }
            if valid { ann.allItems = true }
        } else if let tuple = node.itemsArray {
            for (i, item) in items.prefix(tuple.count).enumerated() where descend(tuple[i], item, "items", .index(i), at: .index(i)) == nil {
                valid = false
                if !recording { return false }
            }
            ann.items = max(ann.items, min(tuple.count, items.count))
            // additionalItems applies only next to a tuple `items` (core §9.3.1.2).
            if let additional = node.additionalItems, items.count > tuple.count {
                var ok = true
                for i in tuple.count..<items.count where descend(additional, items[i], "additionalItems", at: .index(i)) == nil {
                    ok = false
                    if !recording { return false }
                }
                if ok { ann.allItems = true } else { valid = false }
            }
        }
        if let contains = node.contains {
            // Core §9.3.1.4 with minContains / maxContains (validation §6.4.4–6.4.5).
            var matches = 0
            for item in items {
                if silently({ evaluate(contains, item) }) != nil { matches += 1 }
                if aborted { return false }
            }
            let minimum = node.minContains ?? 1
            if matches < minimum {
                valid = false
                if node.minContains != nil {
                    report(node, "minContains", "array must contain at least \(minimum) item(s) matching 'contains', found \(matches)")
                } else {
                    report(node, "contains", "array does not contain an item matching 'contains'")
                }
                if !recording { return false }
            }
            if let maximum = node.maxContains, matches > maximum {
                valid = false
                report(node, "maxContains", "array must contain at most \(maximum) item(s) matching 'contains', found \(matches)")
                if !recording { return false }
            }
        }
        return valid
    }

    // MARK: Objects (core §9.3.2)

    func applyObject(_ node: SchemaNode, _ object: JSONObject, _ ann: inout Annotations) -> Bool {
        var valid = true
        let needsMatchTracking = node.additionalProperties != nil
        var matched: Set<String> = []
        if let properties = node.properties {
            for (key, value) in object {
                guard let sub = properties[key] else { continue }
                if needsMatchTracking { matched.insert(key) }
                if descend(sub, value, "properties", .name(key), at: .name(key)) == nil {
                    valid = false
                    if !recording { return false }
                } else if annotate {
                    ann.properties.insert(key)
                }
            }
        }
        if let patterns = node.patternProperties {
            for (key, value) in object {
                for (regex, sub) in patterns {
                    switch regex.search(key, budgetNanoseconds: options.patternBudgetNanoseconds) {
                    case .match: break
                    case .noMatch: continue
                    case .tooExpensive:
                        aborted = true
                        return false
                    }
                    if needsMatchTracking { matched.insert(key) }
                    if descend(sub, value, "patternProperties", .name(regex.source), at: .name(key)) == nil {
                        valid = false
                        if !recording { return false }
                    } else if annotate {
                        ann.properties.insert(key)
                    }
                }
            }
        }
        if let additional = node.additionalProperties {
            for (key, value) in object where !matched.contains(key) {
                if descend(additional, value, "additionalProperties", at: .name(key)) == nil {
                    valid = false
                    if !recording { return false }
                } else if annotate {
                    ann.properties.insert(key)
                }
            }
        }
        if let names = node.propertyNames {
            for key in object.keys {
                // The instance here is the name; the error points at the member.
                if silently({ evaluate(names, .string(key)) }) == nil {
                    if aborted { return false }
                    valid = false
                    if recording { instancePath.append(.name(key)) }
                    report(node, "propertyNames", "property name does not match 'propertyNames'")
                    if recording { instancePath.removeLast() }
                    if !recording { return false }
                }
            }
        }
        if let dependent = node.dependentSchemas {
            for (key, sub) in dependent where object.contains(key) {
                if let a = descend(sub, .object(object), "dependentSchemas", .name(key)) {
                    ann.merge(a)
                } else {
                    valid = false
                    if !recording { return false }
                }
            }
        }
        return valid
    }

    // MARK: In-place applicators (core §9.2)

    func applyLogic(_ node: SchemaNode, _ instance: JSONValue, _ ann: inout Annotations) -> Bool {
        var valid = true
        if let all = node.allOf {
            for (i, sub) in all.enumerated() {
                if let a = descend(sub, instance, "allOf", .index(i)) { ann.merge(a) } else {
                    valid = false
                    if !recording { return false }
                }
            }
        }
        if let any = node.anyOf {
            let start = errors.count
            var ranges: [Range<Int>] = []
            var matched = false
            for (i, sub) in any.enumerated() {
                let before = errors.count
                if let a = descend(sub, instance, "anyOf", .index(i)) {
                    ann.merge(a)
                    matched = true
                    if !annotate { break }
                }
                ranges.append(before..<errors.count)
                if aborted { return false }
            }
            if matched {
                if errors.count > start { errors.removeSubrange(start...) }
            } else {
                valid = false
                explain(node, "anyOf", "value does not match any of the \(any.count) alternatives in 'anyOf'", start: start, ranges: ranges)
                if !recording { return false }
            }
        }
        if let one = node.oneOf {
            let start = errors.count
            var ranges: [Range<Int>] = []
            var passing: [Int] = []
            var passed = Annotations()
            for (i, sub) in one.enumerated() {
                let before = errors.count
                if let a = descend(sub, instance, "oneOf", .index(i)) {
                    passing.append(i)
                    passed = a
                    if passing.count > 1 && !recording { break }
                }
                ranges.append(before..<errors.count)
                if aborted { return false }
            }
            if passing.count == 1 {
                ann.merge(passed)
                if errors.count > start { errors.removeSubrange(start...) }
            } else if passing.isEmpty {
                valid = false
                explain(node, "oneOf", "value does not match any of the \(one.count) alternatives in 'oneOf'", start: start, ranges: ranges)
                if !recording { return false }
            } else {
                valid = false
                if errors.count > start { errors.removeSubrange(start...) }
                report(node, "oneOf", "value matches more than one alternative in 'oneOf' (\(passing.map(String.init).joined(separator: ", ")))")
                if !recording { return false }
            }
        }
        if let not = node.not {
            let result = silently { descend(not, instance, "not") }
            if aborted { return false }
            if result != nil {
                valid = false
                report(node, "not", "value must not match the schema in 'not'")
                if !recording { return false }
            }
        }
        if let condition = node.ifSchema {
            // Core §9.2.2: `if` only selects `then` or `else`; its own failure is not an error.
            if let a = silently({ descend(condition, instance, "if") }) {
                ann.merge(a)
                if let then = node.thenSchema {
                    if let t = descend(then, instance, "then") { ann.merge(t) } else {
                        valid = false
                        if !recording { return false }
                    }
                }
            } else {
                if aborted { return false }
                if let otherwise = node.elseSchema {
                    if let e = descend(otherwise, instance, "else") { ann.merge(e) } else {
                        valid = false
                        if !recording { return false }
                    }
                }
            }
        }
        return valid
    }

    /// Replaces the errors of failed `anyOf` / `oneOf` alternatives by one summary entry
    /// followed by the errors of the alternative that came closest: one whose failures
    /// are not a type / const / enum mismatch of this very value, with fewest errors.
    func explain(_ node: SchemaNode, _ keyword: String, _ message: String, start: Int, ranges: [Range<Int>]) {
        guard recording, !aborted else { return }
        let here = JSONPointer.make(instancePath.lazy.map(\.token))
        var best: Range<Int>? = nil
        var bestScore = (Int.max, Int.max)
        for range in ranges {
            let slice = errors[range]
            let shallow = slice.contains { $0.instanceLocation == here && ($0.keyword == "type" || $0.keyword == "const" || $0.keyword == "enum") }
            let score = (shallow ? 1 : 0, slice.count)
            if score < bestScore {
                bestScore = score
                best = range
            }
        }
        let kept = best.map { Array(errors[$0]) } ?? []
        // When every alternative failed only on its own type / const / enum, list those.
        var summary = message
        let singles = ranges.compactMap { r -> String? in
            guard r.count == 1, errors[r.lowerBound].instanceLocation == here,
                  ["type", "const", "enum"].contains(errors[r.lowerBound].keyword) else { return nil }
            return errors[r.lowerBound].message
        }
        if singles.count == ranges.count, !singles.isEmpty {
            summary += " (" + singles.joined(separator: "; ") + ")"
        }
        if errors.count > start { errors.removeSubrange(start...) }
        report(node, keyword, summary)
        if bestScore.0 == 0 || ranges.count == 1 {
            errors.append(contentsOf: kept.prefix(max(0, options.maxErrors - errors.count)))
        }
    }
}

/// The address of a local variable of the caller's frame: stacks grow contiguously, so the
/// distance between two such addresses on one thread is the stack used in between.
@inline(never)
func currentStackAddress() -> UInt {
    var marker: UInt8 = 0
    return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
}
