import Foundation
import VitaJSON

/// How `@direction` is represented in RDF (JSON-LD 1.1 API `rdfDirection` option).
public enum RDFDirectionMode: String, Sendable {
    /// Datatype `https://www.w3.org/ns/i18n#{language}_{direction}`.
    case i18nDatatype = "i18n-datatype"
    /// A blank node with `rdf:value`, `rdf:language` and `rdf:direction`.
    case compoundLiteral = "compound-literal"
}

/// Deserialize JSON-LD to RDF (JSON-LD 1.1 API §8.1.2) from a node map.
struct RDFSerializer {
    var generator: NodeMapGenerator
    let options: JSONLDOptions
    var dataset = RDFDataset()

    init(generator: NodeMapGenerator, options: JSONLDOptions) {
        self.generator = generator
        self.options = options
    }

    static func term(_ id: String) -> RDFTerm? {
        if id.hasPrefix("_:") { return .blankNode(String(id.dropFirst(2))) }
        return IRI.isWellFormed(id) ? .iri(id) : nil
    }

    mutating func run() throws(JSONLDError) -> RDFDataset {
        for graphName in generator.graphOrder {
            guard let graph = generator.graphs[graphName] else { continue }
            // Step 1.1: skip graphs whose name is not well-formed.
            var graphTerm: RDFTerm? = nil
            if graphName != "@default" {
                guard let t = Self.term(graphName) else { continue }
                graphTerm = t
            }
            for subjectID in graph.order {
                guard let node = graph.nodes[subjectID], let subject = Self.term(subjectID) else { continue }
                // @type
                for t in node.types {
                    guard let object = Self.term(t) else { continue }
                    dataset.insert(RDFQuad(subject, .iri(RDFVocabulary.type), object, graph: graphTerm))
                }
                for property in node.propertyOrder {
                    if property.hasPrefix("@") { continue }
                    if property.hasPrefix("_:") && !options.produceGeneralizedRDF { continue }
                    guard let predicate = Self.term(property) else { continue }
                    for item in node.properties[property]!.items {
                        if let object = try objectToRDF(item, graph: graphTerm) {
                            dataset.insert(RDFQuad(subject, predicate, object, graph: graphTerm))
                        }
                    }
                }
            }
        }
        return dataset
    }

    // MARK: Object to RDF (§8.2.2)

    mutating func objectToRDF(_ item: JSONValue, graph: RDFTerm?) throws(JSONLDError) -> RDFTerm? {
        guard case .object(let o) = item else { return nil }
        // Step 1: node reference.
        if o["@value"] == nil, o["@list"] == nil {
            guard case .string(let id)? = o["@id"] else { return nil }
            return Self.term(id)
        }
        // Step 2: list.
        if case .array(let list)? = o["@list"] { return try listToRDF(list, graph: graph) }
        // Step 3+
        let value = o["@value"]!
        var datatype = o["@type"]?.stringValue
        if let dt = datatype, dt != "@json", !IRI.isWellFormed(dt) { return nil }
        var language = o["@language"]?.stringValue
        if let l = language, !Self.isWellFormedLanguage(l) { return nil }
        let lexical: String
        if datatype == "@json" {
            lexical = value.canonicalString()
            datatype = RDFVocabulary.json
        } else {
            switch value {
            case .bool(let b):
                lexical = b ? "true" : "false"
                if datatype == nil { datatype = RDFVocabulary.xsdBoolean }
            case .number(let n):
                let d = n.doubleValue
                if !n.isIntegral || d.magnitude >= 1e21 || datatype == RDFVocabulary.xsdDouble {
                    lexical = Self.canonicalDouble(d)
                    if datatype == nil { datatype = RDFVocabulary.xsdDouble }
                } else {
                    lexical = Self.canonicalInteger(n)
                    if datatype == nil { datatype = RDFVocabulary.xsdInteger }
                }
            case .string(let s):
                lexical = s
            default:
                return nil
            }
        }
        if datatype == nil { datatype = language != nil ? RDFVocabulary.langString : RDFVocabulary.xsdString }
        if case .string(let direction)? = o["@direction"], let mode = options.rdfDirection {
            switch mode {
            case .i18nDatatype:
                let dt = "https://www.w3.org/ns/i18n#" + (language?.lowercased() ?? "") + "_" + direction
                return .literal(RDFLiteral(lexical, datatype: dt))
            case .compoundLiteral:
                let node = RDFTerm.blankNode(String(generator.blankNodeID(nil).dropFirst(2)))
                dataset.insert(RDFQuad(node, .iri(RDFVocabulary.value), .literal(RDFLiteral(lexical)), graph: graph))
                if let language {
                    dataset.insert(RDFQuad(node, .iri(RDFVocabulary.language), .literal(RDFLiteral(language.lowercased())), graph: graph))
                }
                dataset.insert(RDFQuad(node, .iri(RDFVocabulary.direction), .literal(RDFLiteral(direction)), graph: graph))
                return node
            }
        }
        if let l = language, datatype == RDFVocabulary.langString {
            language = l
            return .literal(RDFLiteral(lexical, language: l))
        }
        return .literal(RDFLiteral(lexical, datatype: datatype!))
    }

    // MARK: List Conversion (§8.3.2)

    mutating func listToRDF(_ list: [JSONValue], graph: RDFTerm?) throws(JSONLDError) -> RDFTerm {
        if list.isEmpty { return .iri(RDFVocabulary.nil_) }
        var nodes: [RDFTerm] = []
        nodes.reserveCapacity(list.count)
        for _ in list { nodes.append(.blankNode(String(generator.blankNodeID(nil).dropFirst(2)))) }
        for (i, item) in list.enumerated() {
            if let object = try objectToRDF(item, graph: graph) {
                dataset.insert(RDFQuad(nodes[i], .iri(RDFVocabulary.first), object, graph: graph))
            }
            let rest: RDFTerm = i + 1 < nodes.count ? nodes[i + 1] : .iri(RDFVocabulary.nil_)
            dataset.insert(RDFQuad(nodes[i], .iri(RDFVocabulary.rest), rest, graph: graph))
        }
        return nodes[0]
    }

    // MARK: Canonical lexical forms

    /// `xsd:double` as JSON-LD writes it: 16 significant digits, trailing zeros removed (`1.1E0`).
    static func canonicalDouble(_ d: Double) -> String {
        let s = String(format: "%.15E", d)
        guard let e = s.firstIndex(of: "E") else { return s }
        var mantissa = Array(s[..<e])
        while mantissa.count > 3 && mantissa.last == "0" && mantissa[mantissa.count - 2] != "." { mantissa.removeLast() }
        let exponent = Int(s[s.index(after: e)...]) ?? 0
        return String(mantissa) + "E" + String(exponent)
    }

    static func canonicalInteger(_ n: JSONNumber) -> String {
        if n.isIntegerLexical {
            let l = n.lexical
            return l == "-0" ? "0" : l
        }
        let d = n.doubleValue
        if d.magnitude < 9.0e18 { return String(Int(d)) }
        return String(format: "%.0f", d)
    }

    /// BCP 47 shape check: `ALPHA{1,8} ("-" ALPHANUM{1,8})*`.
    static func isWellFormedLanguage(_ tag: String) -> Bool {
        var segmentLength = 0
        var first = true
        for c in tag.utf8 {
            if c == UInt8(ascii: "-") {
                if segmentLength == 0 { return false }
                segmentLength = 0
                first = false
                continue
            }
            let alpha = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            let digit = c >= 0x30 && c <= 0x39
            if first ? !alpha : !(alpha || digit) { return false }
            segmentLength += 1
            if segmentLength > 8 { return false }
        }
        return segmentLength > 0
    }
}
