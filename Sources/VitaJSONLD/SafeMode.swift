import VitaJSON

/// One piece of a document that JSON-LD processing would silently drop from the RDF (and
/// so from the canonical N-Quads that `eddsa-rdfc-2022` signs), found in safe mode.
///
/// Safe mode follows the idea of jsonld.js's `safe: true` (its "not safe" events, e.g.
/// `invalid property`, `relative @type reference`): the JSON-LD 1.1 algorithms are
/// unchanged, but every place where Expansion (§5.1.2), IRI Expansion (§5.2.2), Value
/// Expansion (§5.3.2) or Deserialize JSON-LD to RDF (§8.1.2) would discard data is
/// recorded with the JSON path of the input that caused it.
public struct SafeModeViolation: Sendable, Hashable, CustomStringConvertible {
    /// What would be dropped, and why.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A key that is not a defined term, a compact IRI / absolute IRI or a keyword
        /// (§5.1.2 step 13.3), or a term mapped to `null`: the entry and its value vanish.
        case invalidProperty = "invalid property"
        /// A key that has the form of a keyword (`@foo`) but is not one (§5.2.2 step 2).
        case reservedTerm = "reserved term"
        /// A property that expands to a blank node: no triple without generalized RDF (§8.1.2 step 1.3.2.1.1).
        case blankNodePredicate = "blank node predicate"
        /// An `@id` that is not an absolute IRI or blank node (no document base): the node's triples are dropped.
        case relativeIDReference = "relative @id reference"
        /// An `@id` with the form of a keyword: it expands to `null` and the node is dropped.
        case reservedIDValue = "reserved @id value"
        /// A `@type` value that is not an absolute IRI (e.g. `""`, or `1EdTechJsonSchemaValidator2019`
        /// without the context defining it): the `rdf:type` triple is dropped.
        case relativeTypeReference = "relative @type reference"
        /// A value of a term with `@type: @id` / `@vocab` that is not an absolute IRI: the triple is dropped.
        case relativeVocabReference = "relative @vocab reference"
        /// `{"@value": null}` or an object with only `@language`: the value is dropped.
        case nullValue = "null @value value"
        /// A value with no node to attach to (a scalar or value object at the top level or in `@graph`).
        case freeFloatingValue = "free-floating value"
        /// A language tag that is not well-formed BCP 47: the literal is dropped from RDF.
        case invalidLanguage = "invalid @language value"
        /// `@direction` when no `rdfDirection` mode is set: the direction is not in the RDF.
        case directionDropped = "rdfDirection not set"
    }

    /// What would be dropped.
    public var kind: Kind
    /// Where, as a JSONPath into the input (`$.credentialSubject.achievement.type[1]`).
    public var path: String
    /// A sentence naming the term or keyword involved (never the value).
    public var reason: String

    /// A violation.
    public init(kind: Kind, path: String, reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(kind.rawValue): \(reason)" }
}

extension JSONLDError.Code {
    /// Vita: safe mode found data that JSON-LD processing would silently drop (``SafeModeViolation``).
    public static let safeModeViolation = JSONLDError.Code("safe mode violation")
}

/// One step of a JSON path.
enum JSONPathComponent: Sendable {
    case key(String)
    case index(Int)

    static func render(_ path: [JSONPathComponent]) -> String {
        var out = "$"
        for c in path {
            switch c {
            case .index(let i): out += "[\(i)]"
            case .key(let k):
                let startsWithDigit = k.utf8.first.map { $0 >= 0x30 && $0 <= 0x39 } ?? true
                let plain = !startsWithDigit && k.utf8.allSatisfy { c in
                    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                        || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
                }
                if plain {
                    out += "." + k
                } else {
                    out += "['" + k.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "']"
                }
            }
        }
        return out
    }
}

extension JSONLD {
    /// Every piece of `document` that expansion and deserialization to RDF would drop
    /// (safe mode, see ``SafeModeViolation``), in processing order (entries of an object, then its `@nest` entries); empty if nothing is lost.
    /// - Throws: ``JSONLDError`` if the document cannot be expanded at all.
    public static func safeModeViolations(
        in document: JSONValue, options: JSONLDOptions = JSONLDOptions()
    ) throws(JSONLDError) -> [SafeModeViolation] {
        let state = ProcessorState(options: options, recordsViolations: true)
        _ = try expand(document, options: options, state: state)
        return state.violations
    }

    /// The error safe mode throws: the first violation in `reason`, all of them in `violations`.
    static func safeModeError(_ violations: [SafeModeViolation]) -> JSONLDError {
        let more = violations.count > 1 ? " (and \(violations.count - 1) more)" : ""
        var error = JSONLDError(.safeModeViolation, "data would be dropped from the RDF: \(violations[0])\(more)")
        error.violations = violations
        return error
    }
}

extension ProcessorState {
    /// Records a violation at the current path (safe mode only; callers check `recordsViolations`).
    func violation(_ kind: SafeModeViolation.Kind, _ reason: String, at extra: JSONPathComponent? = nil) {
        var p = path
        if let extra { p.append(extra) }
        violations.append(SafeModeViolation(kind: kind, path: JSONPathComponent.render(p), reason: reason))
    }

    /// Checks an expanded node identifier (`@id`, or a value of an `@id`/`@vocab`-typed term).
    func checkReference(_ expanded: String?, keyword: String, kind: SafeModeViolation.Kind) {
        guard let expanded else {
            violation(kind == .relativeTypeReference ? .relativeTypeReference : .reservedIDValue,
                      "the \(keyword) value has the form of a keyword and expands to null")
            return
        }
        if expanded.hasPrefix("_:") || IRI.isWellFormed(expanded) { return }
        if expanded.utf8.first == UInt8(ascii: "@"), Keywords.isKeyword(expanded) { return }
        let what = IRI.isAbsolute(expanded) ? "an IRI that is not well-formed" : "a relative IRI and the document has no base"
        violation(kind, "the \(keyword) value is \(what), so the triple is dropped")
    }
}
