/// An error raised while loading or compiling a JSON Schema.
///
/// Validation failures of an *instance* are never thrown; they are reported in a
/// ``ValidationResult``. `SchemaError` means the schema itself cannot be used: it is not
/// a valid 2019-09 schema, a `$ref` cannot be resolved, or a resource limit was hit.
///
/// `description` names the problem and the schema location only; it never contains
/// instance data.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    /// The kind of problem. Extensible: other modules may add codes.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A keyword has a value the specification does not allow (e.g. `"minLength": -1`).
        public static let invalidKeyword = Code(rawValue: "invalid keyword value")
        /// A schema is neither an object nor a boolean.
        public static let invalidSchema = Code(rawValue: "invalid schema")
        /// A `pattern` / `patternProperties` regular expression cannot be compiled.
        public static let invalidPattern = Code(rawValue: "invalid regular expression")
        /// A `$ref` / `$recursiveRef` target could not be found.
        public static let unresolvedReference = Code(rawValue: "unresolved reference")
        /// A URI or JSON Pointer is malformed.
        public static let invalidURI = Code(rawValue: "invalid URI")
        /// A schema document could not be read or parsed.
        public static let unreadableDocument = Code(rawValue: "unreadable schema document")
        /// A schema is too large or too deeply nested.
        public static let limitExceeded = Code(rawValue: "limit exceeded")
        /// No schema is known for the given name or credential type.
        public static let unknownSchema = Code(rawValue: "unknown schema")
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation (schema locations and keyword names only).
    public var reason: String
    /// The absolute location in the schema (URI with JSON Pointer fragment), when known.
    public var schemaLocation: String?

    /// An error; keep `reason` free of instance or personal data.
    public init(_ code: Code, _ reason: String, schemaLocation: String? = nil) {
        self.code = code
        self.reason = reason
        self.schemaLocation = schemaLocation
    }

    public var description: String {
        if let schemaLocation { return "\(code): \(reason) (at \(schemaLocation))" }
        return "\(code): \(reason)"
    }
}
