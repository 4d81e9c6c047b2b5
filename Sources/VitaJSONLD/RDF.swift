/// Well-known IRIs used by the RDF and JSON-LD algorithms.
public enum RDFVocabulary {
    public static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    public static let xsd = "http://www.w3.org/2001/XMLSchema#"
    public static let type = rdf + "type"
    public static let first = rdf + "first"
    public static let rest = rdf + "rest"
    public static let nil_ = rdf + "nil"
    public static let langString = rdf + "langString"
    public static let dirLangString = rdf + "dirLangString"
    public static let json = rdf + "JSON"
    public static let value = rdf + "value"
    public static let language = rdf + "language"
    public static let direction = rdf + "direction"
    public static let xsdString = xsd + "string"
    public static let xsdBoolean = xsd + "boolean"
    public static let xsdInteger = xsd + "integer"
    public static let xsdDouble = xsd + "double"
}

/// An RDF term: an IRI, a blank node or a literal.
public enum RDFTerm: Hashable, Sendable {
    /// An absolute IRI (without angle brackets).
    case iri(String)
    /// A blank node, by its label without the `_:` prefix.
    case blankNode(String)
    /// A literal.
    case literal(RDFLiteral)

    /// `true` for blank nodes.
    public var isBlankNode: Bool {
        if case .blankNode = self { return true }
        return false
    }

    /// The blank node label, if this is a blank node.
    public var blankNodeLabel: String? {
        if case .blankNode(let l) = self { return l }
        return nil
    }
}

/// An RDF literal: lexical form, datatype IRI, and for language-tagged strings the language.
public struct RDFLiteral: Hashable, Sendable {
    /// The lexical form.
    public var lexicalForm: String
    /// The datatype IRI (`rdf:langString` when `language` is set).
    public var datatype: String
    /// The language tag, for `rdf:langString` literals.
    public var language: String?

    /// A literal with a datatype (default `xsd:string`).
    public init(_ lexicalForm: String, datatype: String = RDFVocabulary.xsdString) {
        self.lexicalForm = lexicalForm
        self.datatype = datatype
        self.language = nil
    }

    /// A language-tagged string.
    public init(_ lexicalForm: String, language: String) {
        self.lexicalForm = lexicalForm
        self.datatype = RDFVocabulary.langString
        self.language = language
    }
}

/// An RDF quad. `graph == nil` means the default graph.
public struct RDFQuad: Hashable, Sendable {
    public var subject: RDFTerm
    public var predicate: RDFTerm
    public var object: RDFTerm
    public var graph: RDFTerm?

    public init(_ subject: RDFTerm, _ predicate: RDFTerm, _ object: RDFTerm, graph: RDFTerm? = nil) {
        self.subject = subject
        self.predicate = predicate
        self.object = object
        self.graph = graph
    }
}

/// An RDF dataset: a set of quads, kept in insertion order (duplicates are dropped).
public struct RDFDataset: Sendable, Equatable {
    /// The quads, in the order they were first inserted.
    public private(set) var quads: [RDFQuad] = []
    private var seen: Set<RDFQuad> = []

    public init() {}

    /// A dataset holding `quads` (duplicates dropped).
    public init(_ quads: some Sequence<RDFQuad>) {
        for q in quads { insert(q) }
    }

    /// Adds `quad` unless it is already present; returns `true` if it was added.
    @discardableResult
    public mutating func insert(_ quad: RDFQuad) -> Bool {
        guard seen.insert(quad).inserted else { return false }
        quads.append(quad)
        return true
    }

    /// The number of quads.
    public var count: Int { quads.count }

    public static func == (lhs: RDFDataset, rhs: RDFDataset) -> Bool { lhs.seen == rhs.seen }

    /// The dataset as N-Quads (one line per quad, in insertion order, each ending in `\n`).
    public func nQuads() -> String { NQuads.serialize(quads) }
}
