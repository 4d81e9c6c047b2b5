import Foundation
import VitaJSON

/// Schema identification and dereferencing (JSON Schema 2019-09 core §8.2): loading
/// documents, `$id` / `$anchor` indexing, `$vocabulary`, and resolving a `$ref` /
/// `$recursiveRef` URI to a location in a document.
extension SchemaCompiler {
    // MARK: Documents

    /// Loads a document under `uri` and indexes its resources and anchors.
    @discardableResult
    func addDocument(_ root: JSONValue, uri: String) -> Int {
        let key = URIReference.resourceKey(uri)
        if let existing = documentByURI[key] { return existing }
        let index = documents.count
        documents.append(Document(root: root, uri: key, validationVocabulary: true))
        documentByURI[key] = index
        var found: [(String, [String])] = []
        var anchorList: [(String, [String])] = []
        SchemaScanner.walk(root, base: key, pointer: [], depth: 0, resources: &found, anchors: &anchorList)
        resources[key] = Location(document: index, pointer: [])
        for (uri, pointer) in found where resources[uri] == nil {
            resources[uri] = Location(document: index, pointer: pointer)
        }
        for (name, pointer) in anchorList where anchors[name] == nil {
            anchors[name] = Location(document: index, pointer: pointer)
        }
        documents[index].validationVocabulary = vocabularyIncludesValidation(root)
        return index
    }

    /// Core §8.1.2: a meta-schema's `$vocabulary` decides which keywords apply. Only the
    /// validation vocabulary can be switched off here; everything else is always on.
    private func vocabularyIncludesValidation(_ root: JSONValue) -> Bool {
        guard case .string(let schemaURI)? = root["$schema"] else { return true }
        let key = URIReference.resourceKey(schemaURI)
        if key == "https://json-schema.org/draft/2019-09/schema" { return true }
        guard let meta = (try? loadExternal(key)) ?? nil, case .object(let vocab)? = meta["$vocabulary"] else { return true }
        return vocab["https://json-schema.org/draft/2019-09/vocab/validation"] != nil
    }

    private func loadExternal(_ key: String) throws(SchemaError) -> JSONValue? {
        if let d = registry.document(at: key) { return d }
        if let host = registry.embedded[key], let d = registry.document(at: host) { return d }
        if let resolver = registry.resolver {
            do {
                return try resolver.document(for: key)
            } catch let error as SchemaError {
                throw error
            } catch {
                throw SchemaError(.unreadableDocument, "the schema document could not be loaded", schemaLocation: key)
            }
        }
        return nil
    }

    /// The location of a resource, loading it from the registry or resolver if needed.
    private func resource(_ key: String) throws(SchemaError) -> Location? {
        if let loc = resources[key] { return loc }
        if let host = registry.embedded[key], let d = registry.document(at: host) {
            addDocument(d, uri: host)
            return resources[key]
        }
        if let d = try loadExternal(key) {
            addDocument(d, uri: key)
            return resources[key]
        }
        return nil
    }

    // MARK: References

    /// Resolves a reference (already made absolute) to a location.
    func locate(_ absolute: String) throws(SchemaError) -> Location {
        let key = URIReference.resourceKey(absolute)
        let fragment: String? = absolute.firstIndex(of: "#").map { String(absolute[absolute.index(after: $0)...]) }
        guard let base = try resource(key) else {
            throw SchemaError(.unresolvedReference, "no schema is known for this URI (remote schemas are never fetched)", schemaLocation: key)
        }
        guard let fragment, !fragment.isEmpty else { return base }
        let decoded = fragment.removingPercentEncoding ?? fragment
        if decoded.hasPrefix("/") {
            guard let tokens = JSONPointer.tokens(decoded) else {
                throw SchemaError(.invalidURI, "malformed JSON Pointer fragment", schemaLocation: absolute)
            }
            let loc = Location(document: base.document, pointer: base.pointer + tokens)
            guard JSONPointer.evaluate(loc.pointer, in: documents[loc.document].root) != nil else {
                throw SchemaError(.unresolvedReference, "the JSON Pointer does not point into the schema", schemaLocation: absolute)
            }
            return loc
        }
        if let loc = anchors[key + "#" + fragment] { return loc }
        throw SchemaError(.unresolvedReference, "no $anchor with this name", schemaLocation: absolute)
    }

    /// The base URI in effect for the value at `pointer` (core §8.2.1), applying every
    /// `$id` on the way down, including the value's own.
    func baseURI(of location: Location) -> String {
        var base = documents[location.document].uri
        var current = documents[location.document].root
        if case .string(let id)? = current["$id"] { base = URIReference.resolve(id, against: base) }
        for token in location.pointer {
            guard let next = JSONPointer.evaluate([token], in: current) else { break }
            current = next
            if case .object(let o) = current, case .string(let id)? = o["$id"] {
                base = URIReference.resolve(id, against: base)
            }
        }
        return URIReference.resourceKey(base)
    }
}
