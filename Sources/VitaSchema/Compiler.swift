import Foundation
import VitaJSON

/// Compiles schema documents into ``SchemaNode`` tables, resolving every `$ref` and
/// `$recursiveRef` ahead of validation (core §8.2 "Base URI, Anchors, and Dereferencing").
final class SchemaCompiler {
    struct Document {
        let root: JSONValue
        let uri: String
        var validationVocabulary: Bool
    }

    struct Location: Hashable {
        let document: Int
        let pointer: [String]
    }

    let registry: SchemaRegistry
    var documents: [Document] = []
    var documentByURI: [String: Int] = [:]
    /// Absolute resource URI (no fragment) → location.
    var resources: [String: Location] = [:]
    /// `uri#anchor` → location.
    var anchors: [String: Location] = [:]
    private(set) var nodes: [SchemaNode] = []
    private var nodeByLocation: [Location: Int] = [:]
    private(set) var usesUnevaluated = false
    static let maxNodes = 200_000
    static let maxSchemaDepth = 256

    init(registry: SchemaRegistry) {
        self.registry = registry
    }

    // MARK: Compilation

    /// Locations reserved but not yet compiled.
    private var pending: [(Int, Location)] = []

    /// Compiles the schema at `location` and everything it references; returns its node.
    func compile(_ location: Location) throws(SchemaError) -> Int {
        let root = try reserve(location)
        // A work list instead of recursion: reference chains of any length cannot
        // exhaust the stack.
        while let (index, loc) = pending.popLast() {
            guard let value = JSONPointer.evaluate(loc.pointer, in: documents[loc.document].root) else {
                throw SchemaError(.unresolvedReference, "schema location does not exist")
            }
            nodes[index] = try compileNode(value, at: loc, base: baseURI(of: loc))
        }
        return root
    }

    /// The node index for `location`, allocating it (and queueing its compilation) once.
    private func reserve(_ location: Location) throws(SchemaError) -> Int {
        if let existing = nodeByLocation[location] { return existing }
        guard nodes.count < Self.maxNodes else {
            throw SchemaError(.limitExceeded, "the schema has too many subschemas")
        }
        guard location.pointer.count <= Self.maxSchemaDepth else {
            throw SchemaError(.limitExceeded, "the schema is nested too deeply")
        }
        let index = nodes.count
        nodes.append(SchemaNode())
        nodeByLocation[location] = index
        pending.append((index, location))
        return index
    }

    private func child(_ location: Location, _ tokens: String...) throws(SchemaError) -> Int {
        try reserve(Location(document: location.document, pointer: location.pointer + tokens))
    }

    private func compileNode(_ value: JSONValue, at location: Location, base: String) throws(SchemaError) -> SchemaNode {
        let node = SchemaNode()
        let here = base + "#" + JSONPointer.make(location.pointer)
        node.location = here
        node.validationVocabulary = documents[location.document].validationVocabulary
        func fail(_ keyword: String, _ reason: String) -> SchemaError {
            SchemaError(.invalidKeyword, "'\(keyword)' \(reason)", schemaLocation: here)
        }
        let object: JSONObject
        switch value {
        case .bool(let b):
            node.boolean = b
            return node
        case .object(let o):
            object = o
        default:
            throw SchemaError(.invalidSchema, "a schema must be an object or a boolean", schemaLocation: here)
        }
        node.isResourceRoot = location.pointer.isEmpty || object["$id"]?.stringValue != nil
        if case .bool(true)? = object["$recursiveAnchor"] { node.recursiveAnchor = true }

        func nonNegativeInt(_ keyword: String) throws(SchemaError) -> Int? {
            guard let v = object[keyword] else { return nil }
            guard case .number(let n) = v, n.isIntegral, n.doubleValue >= 0 else {
                throw fail(keyword, "must be a non-negative integer")
            }
            return n.doubleValue > Double(Int.max / 2) ? Int.max / 2 : Int(n.doubleValue)
        }
        func number(_ keyword: String) throws(SchemaError) -> NumericBound? {
            guard let v = object[keyword] else { return nil }
            guard case .number(let n) = v else { throw fail(keyword, "must be a number") }
            return NumericBound(n)
        }
        func schemaArray(_ keyword: String) throws(SchemaError) -> [Int]? {
            guard let v = object[keyword] else { return nil }
            guard case .array(let a) = v, !a.isEmpty else { throw fail(keyword, "must be a non-empty array of schemas") }
            var out: [Int] = []
            for i in a.indices { out.append(try child(location, keyword, String(i))) }
            return out
        }
        func single(_ keyword: String) throws(SchemaError) -> Int? {
            guard object[keyword] != nil else { return nil }
            return try child(location, keyword)
        }
        func schemaMap(_ keyword: String) throws(SchemaError) -> [(String, Int)]? {
            guard let v = object[keyword] else { return nil }
            guard case .object(let m) = v else { throw fail(keyword, "must be an object of schemas") }
            var out: [(String, Int)] = []
            for key in m.keys { out.append((key, try child(location, keyword, key))) }
            return out
        }
        func stringArray(_ v: JSONValue, _ keyword: String) throws(SchemaError) -> [String] {
            guard case .array(let a) = v else { throw fail(keyword, "must be an array of strings") }
            var out: [String] = []
            for item in a {
                guard case .string(let s) = item else { throw fail(keyword, "must be an array of strings") }
                out.append(s)
            }
            return out
        }

        // Core: $ref (§8.2.4.1), $recursiveRef (§8.2.4.2).
        if let v = object["$ref"] {
            guard case .string(let ref) = v else { throw fail("$ref", "must be a string") }
            let target = try locate(URIReference.resolve(ref, against: base))
            node.ref = try reserve(target)
        }
        if let v = object["$recursiveRef"] {
            guard case .string(let ref) = v else { throw fail("$recursiveRef", "must be a string") }
            let target = try locate(URIReference.resolve(ref, against: base))
            node.recursiveRef = try reserve(target)
        }
        if let v = object["$defs"], case .object = v { _ = try schemaMap("$defs") }
        if let v = object["definitions"], case .object = v { _ = try schemaMap("definitions") }

        // Applicators (core §9.2–9.3).
        node.allOf = try schemaArray("allOf")
        node.anyOf = try schemaArray("anyOf")
        node.oneOf = try schemaArray("oneOf")
        node.not = try single("not")
        node.ifSchema = try single("if")
        node.thenSchema = try single("then")
        node.elseSchema = try single("else")
        node.dependentSchemas = try schemaMap("dependentSchemas")
        if let items = object["items"] {
            if case .array(let a) = items {
                var out: [Int] = []
                for i in a.indices { out.append(try child(location, "items", String(i))) }
                node.itemsArray = out
            } else {
                node.itemsSingle = try single("items")
            }
        }
        node.additionalItems = try single("additionalItems")
        node.unevaluatedItems = try single("unevaluatedItems")
        node.contains = try single("contains")
        if let props = try schemaMap("properties") {
            node.properties = Dictionary(props, uniquingKeysWith: { a, _ in a })
        }
        if let pp = try schemaMap("patternProperties") {
            var out: [(ECMARegex, Int)] = []
            for (source, index) in pp {
                do { out.append((try RegexCache.shared.regex(source), index)) } catch {
                    throw SchemaError(.invalidPattern, "a patternProperties key is not a valid ECMA-262 regular expression", schemaLocation: here)
                }
            }
            node.patternProperties = out
        }
        node.additionalProperties = try single("additionalProperties")
        node.unevaluatedProperties = try single("unevaluatedProperties")
        node.propertyNames = try single("propertyNames")
        if node.unevaluatedItems != nil || node.unevaluatedProperties != nil { usesUnevaluated = true }

        // Validation (validation §6).
        if let v = object["type"] {
            var set: TypeSet = []
            let names: [JSONValue]
            switch v {
            case .string: names = [v]
            case .array(let a): names = a
            default: throw fail("type", "must be a type name or an array of type names")
            }
            for name in names {
                guard case .string(let s) = name, let t = TypeSet.names.first(where: { $0.0 == s })?.1 else {
                    throw fail("type", "names an unknown type")
                }
                set.insert(t)
            }
            node.types = set
        }
        if let v = object["enum"] {
            guard case .array(let a) = v else { throw fail("enum", "must be an array") }
            node.enumValues = a
        }
        if let v = object["const"] { node.constValue = v }
        node.multipleOf = try number("multipleOf")
        if let m = node.multipleOf, m.number.doubleValue <= 0 { throw fail("multipleOf", "must be greater than 0") }
        node.maximum = try number("maximum")
        node.exclusiveMaximum = try number("exclusiveMaximum")
        node.minimum = try number("minimum")
        node.exclusiveMinimum = try number("exclusiveMinimum")
        node.maxLength = try nonNegativeInt("maxLength")
        node.minLength = try nonNegativeInt("minLength")
        if let v = object["pattern"] {
            guard case .string(let source) = v else { throw fail("pattern", "must be a string") }
            do { node.pattern = try RegexCache.shared.regex(source) } catch {
                throw SchemaError(.invalidPattern, "'pattern' is not a valid ECMA-262 regular expression", schemaLocation: here)
            }
        }
        node.maxItems = try nonNegativeInt("maxItems")
        node.minItems = try nonNegativeInt("minItems")
        if let v = object["uniqueItems"] {
            guard case .bool(let b) = v else { throw fail("uniqueItems", "must be a boolean") }
            node.uniqueItems = b
        }
        node.maxContains = try nonNegativeInt("maxContains")
        node.minContains = try nonNegativeInt("minContains")
        node.maxProperties = try nonNegativeInt("maxProperties")
        node.minProperties = try nonNegativeInt("minProperties")
        if let v = object["required"] { node.required = try stringArray(v, "required") }
        if let v = object["dependentRequired"] {
            guard case .object(let m) = v else { throw fail("dependentRequired", "must be an object") }
            var out: [(String, [String])] = []
            for (k, names) in m { out.append((k, try stringArray(names, "dependentRequired"))) }
            node.dependentRequired = out
        }
        // Draft 7 `dependencies`, still honoured for compatibility (split into the 2019-09 keywords).
        if case .object(let m)? = object["dependencies"] {
            for (k, dep) in m {
                if case .array = dep {
                    node.dependentRequired = (node.dependentRequired ?? []) + [(k, try stringArray(dep, "dependencies"))]
                } else {
                    node.dependentSchemas = (node.dependentSchemas ?? []) + [(k, try child(location, "dependencies", k))]
                }
            }
        }
        if let v = object["format"] {
            guard case .string(let f) = v else { throw fail("format", "must be a string") }
            node.format = f
        }
        return node
    }
}
