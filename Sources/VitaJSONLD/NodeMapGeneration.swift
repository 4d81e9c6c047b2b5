import VitaJSON

/// A node in the node map: its properties in insertion order, each with a dedupe set.
final class NodeMapNode {
    let id: String
    var types: [String] = []
    var typeSet: Set<String> = []
    var index: String?
    var propertyOrder: [String] = []
    var properties: [String: PropertyValues] = [:]

    init(id: String) { self.id = id }

    func values(_ property: String) -> PropertyValues {
        if let p = properties[property] { return p }
        let p = PropertyValues()
        properties[property] = p
        propertyOrder.append(property)
        return p
    }
}

final class PropertyValues {
    var items: [JSONValue] = []

    /// §7.2.2 "add value" without the duplicate check: the node map here only feeds
    /// deserialization to RDF, and ``RDFDataset`` drops duplicate quads with a hash set, so
    /// repeating the check per property (hashing whole value objects) would be wasted work.
    func addUnique(_ v: JSONValue) {
        items.append(v)
    }

    /// Appends `v` without deduplication (list objects).
    func append(_ v: JSONValue) { items.append(v) }
}

/// A graph of the node map: nodes by identifier, in order of creation.
final class NodeMapGraph {
    var order: [String] = []
    var nodes: [String: NodeMapNode] = [:]

    func node(_ id: String) -> NodeMapNode {
        if let n = nodes[id] { return n }
        let n = NodeMapNode(id: id)
        nodes[id] = n
        order.append(id)
        return n
    }
}

/// A list being built during node map generation.
final class ListBuilder {
    var items: [JSONValue] = []
}

/// Node Map Generation (JSON-LD 1.1 API §7.2.2), with the blank node issuer of §7.4.
struct NodeMapGenerator {
    var graphOrder: [String] = []
    var graphs: [String: NodeMapGraph] = [:]
    var blankNodes: [String: String] = [:]
    var counter = 0

    /// Generate Blank Node Identifier (§7.4.2): relabel `_:x` (or a fresh node for `nil`) as `_:bN`.
    mutating func blankNodeID(_ old: String?) -> String {
        if let old, let existing = blankNodes[old] { return existing }
        let id = "_:b\(counter)"
        counter += 1
        if let old { blankNodes[old] = id }
        return id
    }

    mutating func graph(_ name: String) -> NodeMapGraph {
        if let g = graphs[name] { return g }
        let g = NodeMapGraph()
        graphs[name] = g
        graphOrder.append(name)
        return g
    }

    enum Subject {
        case none
        case id(String)
        case reverse(JSONValue)
    }

    mutating func generate(
        _ element: JSONValue, activeGraph: String = "@default", activeSubject: Subject = .none,
        activeProperty: String? = nil, list: ListBuilder? = nil
    ) throws(JSONLDError) {
        // Step 1
        if case .array(let items) = element {
            for item in items {
                try generate(item, activeGraph: activeGraph, activeSubject: activeSubject, activeProperty: activeProperty, list: list)
            }
            return
        }
        guard case .object(var element) = element else { return }
        // Step 2
        let graph = self.graph(activeGraph)
        var subjectNode: NodeMapNode? = nil
        if case .id(let s) = activeSubject { subjectNode = graph.node(s) }
        // Step 3
        if let t = element["@type"], case .array(let types) = t {
            var relabelled: [JSONValue] = []
            relabelled.reserveCapacity(types.count)
            for item in types {
                if case .string(let s) = item, s.hasPrefix("_:") { relabelled.append(.string(blankNodeID(s))) } else { relabelled.append(item) }
            }
            element["@type"] = .array(relabelled)
        }
        if element["@value"] != nil {
            // Step 4
            if let list { list.items.append(.object(element)) } else if let subjectNode, let p = activeProperty {
                subjectNode.values(p).addUnique(.object(element))
            }
            return
        }
        if let listValue = element["@list"] {
            // Step 5
            let inner = ListBuilder()
            try generate(listValue, activeGraph: activeGraph, activeSubject: activeSubject, activeProperty: activeProperty, list: inner)
            var result: JSONObject = ["@list": .array(inner.items)]
            if let idx = element["@index"] { result["@index"] = idx }
            if let list { list.items.append(.object(result)) } else if let subjectNode, let p = activeProperty {
                subjectNode.values(p).append(.object(result))
            }
            return
        }
        // Step 6: node object.
        let id: String
        if case .string(let s)? = element["@id"] {
            id = s.hasPrefix("_:") ? blankNodeID(s) : s
        } else if element["@id"] != nil {
            // A null @id (an IRI that could not be expanded): the node is dropped.
            return
        } else {
            id = blankNodeID(nil)
        }
        let node = graph.node(id)
        if case .reverse(let reverseSubject) = activeSubject, let p = activeProperty {
            // Step 6.5
            node.values(p).addUnique(reverseSubject)
        } else if let p = activeProperty {
            // Step 6.6
            let reference: JSONValue = .object(["@id": .string(id)])
            if let list { list.items.append(reference) } else { subjectNode?.values(p).addUnique(reference) }
        }
        // Step 6.7
        if case .array(let types)? = element["@type"] {
            for t in types {
                if case .string(let s) = t, node.typeSet.insert(s).inserted { node.types.append(s) }
            }
        }
        // Step 6.8
        if case .string(let idx)? = element["@index"] {
            if let existing = node.index, existing != idx {
                throw JSONLDError(JSONLDError.Code("conflicting indexes"), "a node has two different @index values")
            }
            node.index = idx
        }
        // Step 6.9
        if case .object(let reverseMap)? = element["@reverse"] {
            let referenced: JSONValue = .object(["@id": .string(id)])
            for (property, values) in reverseMap {
                if case .array(let vs) = values {
                    for v in vs {
                        try generate(v, activeGraph: activeGraph, activeSubject: .reverse(referenced), activeProperty: property)
                    }
                }
            }
        }
        // Step 6.10
        if let g = element["@graph"] {
            _ = self.graph(id)
            try generate(g, activeGraph: id)
        }
        // Step 6.11
        if let inc = element["@included"] {
            try generate(inc, activeGraph: activeGraph)
        }
        // Step 6.12
        for (key, value) in element {
            switch key {
            case "@id", "@type", "@index", "@reverse", "@graph", "@included": continue
            default: break
            }
            let property = key.hasPrefix("_:") ? blankNodeID(key) : key
            _ = node.values(property)
            try generate(value, activeGraph: activeGraph, activeSubject: .id(id), activeProperty: property)
        }
    }
}
