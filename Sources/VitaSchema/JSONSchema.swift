import Foundation
import VitaJSON

/// A compiled JSON Schema (draft 2019-09): compile once, validate many instances.
///
/// ```swift
/// let schema = try JSONSchema(try JSONValue(parsing: text))
/// let result = schema.validate(instance)
/// if !result.isValid { for e in result.errors { print(e) } }
/// ```
///
/// All references are resolved when the schema is compiled, so validation needs no I/O.
/// The value is immutable and `Sendable`: share one instance between threads.
public struct JSONSchema: Sendable {
    let nodes: [SchemaNode]
    let root: Int
    let usesUnevaluated: Bool
    /// The root schema's absolute URI (its `$id`, the URI it was compiled from, or `""`).
    public let uri: String

    /// Compiles `document`, resolving references through `registry`.
    ///
    /// - Parameters:
    ///   - document: the schema (object or boolean).
    ///   - uri: the document's retrieval URI, used as base when it has no `$id`.
    ///   - registry: other schema documents `$ref` may point to (default: the 2019-09
    ///     meta-schemas and the bundled 1EdTech schemas).
    /// - Throws: ``SchemaError`` if the schema is invalid or a reference is unresolvable.
    public init(_ document: JSONValue, uri: String? = nil, registry: SchemaRegistry = .standard) throws(SchemaError) {
        let compiler = SchemaCompiler(registry: registry)
        var key = uri.map(URIReference.resourceKey) ?? ""
        if case .object(let o) = document, case .string(let id)? = o["$id"] {
            key = URIReference.resourceKey(URIReference.resolve(id, against: key))
        }
        let doc = compiler.addDocument(document, uri: key)
        let root = try compiler.compile(SchemaCompiler.Location(document: doc, pointer: []))
        self.nodes = compiler.nodes
        self.root = root
        self.usesUnevaluated = compiler.usesUnevaluated
        self.uri = key
    }

    /// Compiles the registered schema with this URI (e.g. a bundled 1EdTech `$id`),
    /// optionally pointing at a subschema with a fragment (`…#/$defs/Achievement`).
    public init(uri: String, registry: SchemaRegistry = .standard) throws(SchemaError) {
        let compiler = SchemaCompiler(registry: registry)
        let location = try compiler.locate(uri)
        self.root = try compiler.compile(location)
        self.nodes = compiler.nodes
        self.usesUnevaluated = compiler.usesUnevaluated
        self.uri = uri
    }

    /// Parses and compiles schema JSON text.
    public init(parsing text: String, uri: String? = nil, registry: SchemaRegistry = .standard) throws(SchemaError) {
        let value: JSONValue
        do { value = try JSONValue(parsing: text) } catch {
            throw SchemaError(.unreadableDocument, "the schema is not valid JSON (\(error.code))")
        }
        try self.init(value, uri: uri, registry: registry)
    }

    /// Validates `instance`, returning every failure (never throws).
    public func validate(_ instance: JSONValue, options: ValidationOptions = .default) -> ValidationResult {
        if options.mode == .detailed {
            // Most instances are valid: decide in flag mode first (no paths, no error
            // bookkeeping, early exit) and collect details only for invalid ones.
            var flag = options
            flag.mode = .flag
            let quick = Evaluator(schema: self, options: flag).run(instance)
            if quick.isValid { return quick }
            if quick.limitExceeded {
                // Re-running would hit the same limit; report it without the rerun.
                return ValidationResult(isValid: false, errors: [Evaluator(schema: self, options: options).limitError], limitExceeded: true)
            }
        }
        return Evaluator(schema: self, options: options).run(instance)
    }

    /// `true` if `instance` is valid (flag mode: stops at the first failure).
    public func isValid(_ instance: JSONValue, assertFormats: Bool = false) -> Bool {
        validate(instance, options: ValidationOptions(mode: .flag, assertFormats: assertFormats)).isValid
    }
}
