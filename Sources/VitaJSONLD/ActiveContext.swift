import Synchronization
import VitaJSON

/// Container kinds of a term definition (`@container`).
struct ContainerMapping: OptionSet, Hashable, Sendable {
    let rawValue: UInt8
    static let list = ContainerMapping(rawValue: 1 << 0)
    static let set = ContainerMapping(rawValue: 1 << 1)
    static let graph = ContainerMapping(rawValue: 1 << 2)
    static let id = ContainerMapping(rawValue: 1 << 3)
    static let index = ContainerMapping(rawValue: 1 << 4)
    static let language = ContainerMapping(rawValue: 1 << 5)
    static let type = ContainerMapping(rawValue: 1 << 6)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(keyword: String) {
        switch keyword {
        case "@list": self = .list
        case "@set": self = .set
        case "@graph": self = .graph
        case "@id": self = .id
        case "@index": self = .index
        case "@language": self = .language
        case "@type": self = .type
        default: return nil
        }
    }
}

/// A scoped context attached to a term definition, with the base URL it is resolved against.
/// Each has a unique id so processed results can be cached per (active context, scoped context).
final class ScopedContext: Sendable {
    let value: JSONValue
    let baseURL: String?
    let id: Int

    init(value: JSONValue, baseURL: String?) {
        self.value = value
        self.baseURL = baseURL
        self.id = ContextIdentity.next()
    }
}

enum ContextIdentity {
    static let counter = Atomic<Int>(1)
    static func next() -> Int { counter.add(1, ordering: .relaxed).newValue }
}

/// A term definition (JSON-LD 1.1 API §4.1, "term definition").
struct TermDefinition: Sendable {
    /// The IRI mapping; `nil` for a term explicitly mapped to null.
    var iri: String?
    var isPrefix = false
    var isProtected = false
    var isReverse = false
    var baseURL: String?
    var context: ScopedContext?
    var container: ContainerMapping = []
    var direction: String??  // .some(nil) = explicitly null
    var index: String?
    var language: String??  // .some(nil) = explicitly null
    var nest: String?
    var typeMapping: String?

    /// Equality ignoring the protected flag (used for protected term redefinition, §4.2.2 step 29).
    func sameDefinition(as other: TermDefinition) -> Bool {
        iri == other.iri && isPrefix == other.isPrefix && isReverse == other.isReverse
            && container == other.container && direction == other.direction && index == other.index
            && language == other.language && nest == other.nest && typeMapping == other.typeMapping
            && context?.value == other.context?.value
    }
}

/// An active context (JSON-LD 1.1 API §4.1). Immutable and shareable; processing a local
/// context produces a new one. Each instance has an `id` used as a cache key.
final class ActiveContext: Sendable {
    struct State: Sendable {
        var terms: [String: TermDefinition] = [:]
        var baseIRI: String?
        var originalBaseURL: String?
        var vocabMapping: String?
        var defaultLanguage: String?
        var defaultDirection: String?
        var previousContext: ActiveContext?
        var processingMode: ProcessingMode = .jsonLD11
    }

    let id: Int
    let state: State

    init(_ state: State) {
        self.id = ContextIdentity.next()
        self.state = state
    }

    @inline(__always) var terms: [String: TermDefinition] { state.terms }
    @inline(__always) var baseIRI: String? { state.baseIRI }
    @inline(__always) var vocabMapping: String? { state.vocabMapping }
    @inline(__always) var defaultLanguage: String? { state.defaultLanguage }
    @inline(__always) var defaultDirection: String? { state.defaultDirection }
    @inline(__always) var previousContext: ActiveContext? { state.previousContext }
    @inline(__always) var processingMode: ProcessingMode { state.processingMode }

    static let initialContexts = Mutex<[String: ActiveContext]>([:])

    /// The initial (empty) context for a base IRI; shared, so processed-context cache keys
    /// built on it stay valid across documents.
    static func initial(base: String?, processingMode: ProcessingMode) -> ActiveContext {
        let key = processingMode.rawValue + " " + (base ?? "")
        if let c = initialContexts.withLock({ $0[key] }) { return c }
        let c = makeInitial(base: base, processingMode: processingMode)
        initialContexts.withLock {
            if $0.count > 1000 { $0.removeAll() }
            $0[key] = c
        }
        return c
    }

    static func makeInitial(base: String?, processingMode: ProcessingMode) -> ActiveContext {
        var s = State()
        s.baseIRI = base
        s.originalBaseURL = base
        s.processingMode = processingMode
        return ActiveContext(s)
    }
}

/// `json-ld-1.0` or `json-ld-1.1` processing mode.
public enum ProcessingMode: String, Sendable {
    case jsonLD10 = "json-ld-1.0"
    case jsonLD11 = "json-ld-1.1"
}

/// JSON-LD keywords.
enum Keywords {
    static let all: Set<String> = [
        "@base", "@container", "@context", "@default", "@direction", "@embed", "@explicit", "@graph", "@id",
        "@import", "@included", "@index", "@json", "@language", "@list", "@nest", "@none", "@omitDefault",
        "@prefix", "@preserve", "@propagate", "@protected", "@requireAll", "@reverse", "@set", "@type",
        "@value", "@version", "@vocab",
    ]

    @inline(__always) static func isKeyword(_ s: String) -> Bool {
        guard s.utf8.first == UInt8(ascii: "@") else { return false }
        return all.contains(s)
    }

    /// `@` followed by one or more ALPHA characters (§4.2.2 step 5, "keyword form").
    static func hasKeywordForm(_ s: String) -> Bool {
        let u = s.utf8
        guard u.count > 1, u.first == UInt8(ascii: "@") else { return false }
        for c in u.dropFirst() where !((c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)) { return false }
        return true
    }
}
