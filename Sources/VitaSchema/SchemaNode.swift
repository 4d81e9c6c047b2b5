import VitaJSON

/// The JSON types of the `type` keyword (validation §6.1.1).
struct TypeSet: OptionSet, Sendable, Hashable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let object = TypeSet(rawValue: 4)
    static let array = TypeSet(rawValue: 8)
    static let number = TypeSet(rawValue: 16)
    static let string = TypeSet(rawValue: 32)
    static let integer = TypeSet(rawValue: 64)

    static let names: [(String, TypeSet)] = [
        ("null", .null), ("boolean", .boolean), ("object", .object), ("array", .array),
        ("number", .number), ("string", .string), ("integer", .integer),
    ]

    var description: String {
        TypeSet.names.filter { contains($0.1) }.map(\.0).joined(separator: " or ")
    }
}

/// A numeric bound, kept exactly.
struct NumericBound: Sendable {
    let number: JSONNumber
    let exact: ExactDecimal
    init(_ number: JSONNumber) {
        self.number = number
        self.exact = ExactDecimal(number)
    }
}

/// One compiled schema object or boolean schema. Subschemas are indices into
/// ``JSONSchema``'s node table, so recursive schemas (`$ref` cycles) are plain data.
///
/// A class so the evaluator reads a node with one reference-count operation instead of
/// copying every field. Only `SchemaCompiler` mutates nodes, before the table is
/// published in a `JSONSchema`; afterwards they are immutable, hence `@unchecked Sendable`.
final class SchemaNode: @unchecked Sendable {
    /// `true` / `false` schemas (core §4.3.2); `nil` for object schemas.
    var boolean: Bool?
    /// Absolute location: base URI + `#` + JSON Pointer, for `absoluteKeywordLocation`.
    var location: String = ""
    /// `$recursiveAnchor: true` on a resource root (core §8.2.4.2).
    var recursiveAnchor = false
    /// The node starts a schema resource (`$id` or document root).
    var isResourceRoot = false
    /// Whether validation-vocabulary keywords apply (core §8.1.2, `$vocabulary`).
    var validationVocabulary = true

    // Core / applicator (core §8.2.4, §9.2–9.3)
    var ref: Int?
    var recursiveRef: Int?
    var allOf: [Int]?
    var anyOf: [Int]?
    var oneOf: [Int]?
    var not: Int?
    var ifSchema: Int?
    var thenSchema: Int?
    var elseSchema: Int?
    var dependentSchemas: [(String, Int)]?
    var itemsSingle: Int?
    var itemsArray: [Int]?
    var additionalItems: Int?
    var unevaluatedItems: Int?
    var contains: Int?
    var properties: [String: Int]?
    var patternProperties: [(ECMARegex, Int)]?
    var additionalProperties: Int?
    var unevaluatedProperties: Int?
    var propertyNames: Int?

    // Validation (validation §6)
    var types: TypeSet?
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    var multipleOf: NumericBound?
    var maximum: NumericBound?
    var exclusiveMaximum: NumericBound?
    var minimum: NumericBound?
    var exclusiveMinimum: NumericBound?
    var maxLength: Int?
    var minLength: Int?
    var pattern: ECMARegex?
    var maxItems: Int?
    var minItems: Int?
    var uniqueItems = false
    var maxContains: Int?
    var minContains: Int?
    var maxProperties: Int?
    var minProperties: Int?
    var required: [String]?
    var dependentRequired: [(String, [String])]?
    var format: String?

    init() {}
}
