import VitaJSON

/// Options for JSON-LD processing.
public struct JSONLDOptions: Sendable {
    /// The document's base IRI (credentials usually have none; relative IRIs are then dropped in RDF).
    public var base: String?
    /// Where remote contexts come from. Default: ``BundledContextLoader`` (never the network).
    public var documentLoader: any DocumentLoader
    /// A context applied before the document's own (`expandContext`).
    public var expandContext: JSONValue?
    /// `json-ld-1.1` (default) or `json-ld-1.0`.
    public var processingMode: ProcessingMode
    /// How `@direction` is represented in RDF; `nil` drops the direction.
    public var rdfDirection: RDFDirectionMode?
    /// Keep triples whose predicate is a blank node.
    public var produceGeneralizedRDF: Bool
    /// Maximum number of remote contexts and imports loaded for one document (default 64).
    public var maxRemoteContexts: Int
    /// Maximum nesting depth of the document during expansion (default 128: expansion and node map generation recurse once per level, and Swift tasks have small stacks).
    public var maxDepth: Int
    /// The processed-context cache (default: shared by the whole process).
    public var contextCache: ContextCache
    /// Safe mode: `expand`, `toRDF` and `canonicalize` of a document throw
    /// ``JSONLDError/Code/safeModeViolation`` (with every ``SafeModeViolation`` in
    /// ``JSONLDError/violations``) instead of silently dropping undefined terms, relative
    /// IRIs and invalid values. Use it whenever the result is signed. Default `false`
    /// (the JSON-LD 1.1 behaviour the W3C test suites expect).
    public var safeMode: Bool

    public init(
        base: String? = nil, documentLoader: any DocumentLoader = BundledContextLoader(), expandContext: JSONValue? = nil,
        processingMode: ProcessingMode = .jsonLD11, rdfDirection: RDFDirectionMode? = nil,
        produceGeneralizedRDF: Bool = false, maxRemoteContexts: Int = 64, maxDepth: Int = 128,
        contextCache: ContextCache = .shared, safeMode: Bool = false
    ) {
        self.base = base
        self.documentLoader = documentLoader
        self.expandContext = expandContext
        self.processingMode = processingMode
        self.rdfDirection = rdfDirection
        self.produceGeneralizedRDF = produceGeneralizedRDF
        self.maxRemoteContexts = maxRemoteContexts
        self.maxDepth = maxDepth
        self.contextCache = contextCache
        self.safeMode = safeMode
    }
}

/// JSON-LD 1.1 processing: expansion, deserialization to RDF, and canonicalization.
///
/// ```swift
/// let credential = try JSONValue(parsing: bytes)
/// let expanded = try JSONLD.expand(credential)                 // expanded JSON-LD (an array)
/// let dataset = try JSONLD.toRDF(credential)                   // RDF dataset
/// let canonical = try JSONLD.canonicalize(credential)          // RDFC-1.0, SHA-256
/// canonical.canonicalNQuads                                    // sorted N-Quads text
/// ```
public enum JSONLD {
    /// Expands a JSON-LD document (JSON-LD 1.1 API §9.1 `expand()`); the result is always an array.
    public static func expand(_ document: JSONValue, options: JSONLDOptions = JSONLDOptions()) throws(JSONLDError) -> JSONValue {
        let state = ProcessorState(options: options)
        let expanded = try expand(document, options: options, state: state)
        if options.safeMode, !state.violations.isEmpty { throw safeModeError(state.violations) }
        return expanded
    }

    static func expand(_ document: JSONValue, options: JSONLDOptions, state: ProcessorState) throws(JSONLDError) -> JSONValue {
        var active = ActiveContext.initial(base: options.base, processingMode: options.processingMode)
        active = try state.initialContext(active)
        if let ec = options.expandContext {
            var ctx = ec
            if case .object(let o) = ec, let inner = o["@context"] { ctx = inner }
            active = try state.processContext(active, ctx, baseURL: options.base)
        }
        var expanded = try state.expand(active, nil, document, baseURL: options.base)
        // §9.1 step 8.1: an object with only @graph becomes its @graph.
        if case .object(let o) = expanded, o.count == 1, let g = o["@graph"] { expanded = g }
        switch expanded {
        case .null: return .array([])
        case .array: return expanded
        default: return .array([expanded])
        }
    }

    /// Converts a JSON-LD document to an RDF dataset (§9.1 `toRdf()`): expansion, node map
    /// generation and deserialization. Blank nodes are labelled `b0`, `b1`, ….
    public static func toRDF(_ document: JSONValue, options: JSONLDOptions = JSONLDOptions()) throws(JSONLDError) -> RDFDataset {
        try toRDF(expanded: try expand(document, options: options), options: options)
    }

    /// Converts an already expanded document to an RDF dataset.
    public static func toRDF(expanded: JSONValue, options: JSONLDOptions = JSONLDOptions()) throws(JSONLDError) -> RDFDataset {
        var generator = NodeMapGenerator()
        _ = generator.graph("@default")
        try generator.generate(expanded)
        var serializer = RDFSerializer(generator: generator, options: options)
        return try serializer.run()
    }

    /// JSON-LD document → RDFC-1.0 canonical N-Quads (what `eddsa-rdfc-2022` signs).
    public static func canonicalize(
        _ document: JSONValue, options: JSONLDOptions = JSONLDOptions(), canonicalization: RDFCOptions = RDFCOptions()
    ) throws(JSONLDError) -> RDFCResult {
        try RDFC10.canonicalize(try toRDF(document, options: options), options: canonicalization)
    }

    /// Parses JSON bytes strictly and canonicalizes them.
    public static func canonicalize(
        jsonBytes: [UInt8], options: JSONLDOptions = JSONLDOptions(), canonicalization: RDFCOptions = RDFCOptions()
    ) throws(JSONLDError) -> RDFCResult {
        let document: JSONValue
        do { document = try JSONValue(parsing: jsonBytes) } catch { throw JSONLDError(error) }
        return try canonicalize(document, options: options, canonicalization: canonicalization)
    }
}

extension ProcessorState {
    func initialContext(_ active: ActiveContext) throws(JSONLDError) -> ActiveContext { active }
}
