import Foundation
import VitaJSON

/// Supplies schema documents that are not in a ``SchemaRegistry``, e.g. from a test
/// fixture folder. Vita never fetches schemas from the network; a resolver that returns
/// `nil` makes the reference fail with ``SchemaError/Code/unresolvedReference``.
public protocol SchemaResolver: Sendable {
    /// The document for an absolute URI without fragment, or `nil` if unknown.
    func document(for uri: String) throws -> JSONValue?
}

/// A set of schema documents addressable by URI (JSON Schema 2019-09 core §8.2.1 and §9).
///
/// ``SchemaRegistry/standard`` holds the 2019-09 meta-schemas and the bundled 1EdTech
/// Open Badges 3.0 and CLR 2.0 schemas, each under its `$id`.
public struct SchemaRegistry: Sendable {
    /// Documents by retrieval URI (no fragment).
    private(set) var documents: [String: JSONValue] = [:]
    /// Embedded resources (`$id` below a document root) → the document's URI.
    private(set) var embedded: [String: String] = [:]
    /// Consulted for URIs not in the registry.
    public var resolver: (any SchemaResolver)?

    /// An empty registry.
    public init(resolver: (any SchemaResolver)? = nil) {
        self.resolver = resolver
    }

    /// Adds a schema document under `uri`, or under its root `$id` if `uri` is `nil`.
    public mutating func add(_ document: JSONValue, uri: String? = nil) throws(SchemaError) {
        var key = uri.map(URIReference.resourceKey)
        if key == nil, case .object(let o) = document, case .string(let id)? = o["$id"] {
            key = URIReference.resourceKey(URIReference.resolve(id, against: ""))
        }
        guard let key, !key.isEmpty else {
            throw SchemaError(.invalidURI, "a registered schema needs a URI or an absolute $id")
        }
        documents[key] = document
        var found: [(String, [String])] = []
        SchemaScanner.resources(in: document, base: key, pointer: [], depth: 0, into: &found)
        for (uri, _) in found where uri != key && documents[uri] == nil { embedded[uri] = key }
    }

    /// Every registered document URI.
    public var uris: [String] { documents.keys.sorted() }

    /// The document registered under `uri`, if any.
    public func document(at uri: String) -> JSONValue? {
        documents[URIReference.resourceKey(uri)]
    }

    /// The 2019-09 meta-schemas and the 1EdTech OB 3.0 / CLR 2.0 schemas.
    public static let standard: SchemaRegistry = {
        var registry = SchemaRegistry()
        for (_, document) in BundledSchemas.all {
            try? registry.add(document)
        }
        return registry
    }()
}

/// The schema files in the module bundle.
enum BundledSchemas {
    /// (file path relative to `schemas/`, parsed document), loaded once.
    static let all: [(String, JSONValue)] = {
        guard let root = Bundle.module.url(forResource: "schemas", withExtension: nil) else { return [] }
        var result: [(String, JSONValue)] = []
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var files: [URL] = []
        for case let url as URL in enumerator where url.pathExtension == "json" { files.append(url) }
        for url in files.sorted(by: { $0.path < $1.path }) {
            guard let data = try? Data(contentsOf: url), let value = try? JSONValue(parsing: data) else { continue }
            let relative = url.path.replacingOccurrences(of: root.path + "/", with: "")
            result.append((relative, value))
        }
        return result
    }()
}

/// Finds schema resources (`$id`) and anchors in a document, following only the
/// keywords whose values are subschemas (core §9.2: `$id` elsewhere is not an identifier).
enum SchemaScanner {
    /// Keywords whose value is a single subschema.
    static let singleSchemaKeywords: Set<String> = [
        "additionalItems", "unevaluatedItems", "contains", "additionalProperties", "unevaluatedProperties",
        "propertyNames", "not", "if", "then", "else", "items",
    ]
    /// Keywords whose value is an array of subschemas.
    static let arraySchemaKeywords: Set<String> = ["allOf", "anyOf", "oneOf", "items"]
    /// Keywords whose value is an object of subschemas.
    static let mapSchemaKeywords: Set<String> = ["properties", "patternProperties", "dependentSchemas", "$defs", "definitions", "dependencies"]

    /// Collects (absolute resource URI, pointer from document root) for every `$id`.
    static func resources(in value: JSONValue, base: String, pointer: [String], depth: Int, into found: inout [(String, [String])]) {
        var anchors: [(String, [String])] = []
        walk(value, base: base, pointer: pointer, depth: depth, resources: &found, anchors: &anchors)
    }

    /// Walks subschemas, reporting resources and `$anchor`s (as `uri#name`).
    static func walk(_ value: JSONValue, base: String, pointer: [String], depth: Int,
                     resources: inout [(String, [String])], anchors: inout [(String, [String])]) {
        guard depth < 512, case .object(let o) = value else { return }
        var base = base
        if case .string(let id)? = o["$id"] {
            base = URIReference.resourceKey(URIReference.resolve(id, against: base))
            resources.append((base, pointer))
        } else if pointer.isEmpty {
            resources.append((base, pointer))
        }
        if case .string(let anchor)? = o["$anchor"] {
            anchors.append((base + "#" + anchor, pointer))
        }
        for (key, child) in o {
            if singleSchemaKeywords.contains(key), case .object = child {
                walk(child, base: base, pointer: pointer + [key], depth: depth + 1, resources: &resources, anchors: &anchors)
            }
            if arraySchemaKeywords.contains(key), case .array(let items) = child {
                for (i, item) in items.enumerated() {
                    walk(item, base: base, pointer: pointer + [key, String(i)], depth: depth + 1, resources: &resources, anchors: &anchors)
                }
            }
            if mapSchemaKeywords.contains(key), case .object(let map) = child {
                for (name, item) in map {
                    walk(item, base: base, pointer: pointer + [key, name], depth: depth + 1, resources: &resources, anchors: &anchors)
                }
            }
        }
    }
}
