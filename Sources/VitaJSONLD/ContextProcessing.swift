import VitaJSON

/// Shared state of one JSON-LD operation: options, loader, cache and resource counters.
final class ProcessorState {
    let options: JSONLDOptions
    /// Remote contexts and imports loaded for this document (limit: `maxRemoteContexts`).
    var remoteLoads = 0
    var depth = 0
    /// Nesting of Create Term Definition calls (term → prefix → … chains, nested scoped contexts).
    var termDepth = 0
    /// Safe mode (``SafeModeViolation``): whether to record dropped data, the JSON path of
    /// the input being expanded, and what was found.
    let recordsViolations: Bool
    var path: [JSONPathComponent] = []
    var violations: [SafeModeViolation] = []

    init(options: JSONLDOptions, recordsViolations: Bool = false) {
        self.options = options
        self.recordsViolations = recordsViolations || options.safeMode
    }

    func loadContextDocument(_ url: String) throws(JSONLDError) -> RemoteDocument {
        remoteLoads += 1
        if remoteLoads > options.maxRemoteContexts {
            throw JSONLDError(.contextOverflow, "more than \(options.maxRemoteContexts) remote contexts in one document")
        }
        do {
            return try options.contextCache.document(options.documentLoader, url)
        } catch {
            throw JSONLDError(.loadingRemoteContextFailed, error.reason)
        }
    }
}

// MARK: - Context Processing Algorithm (JSON-LD 1.1 API §4.1.2)

extension ProcessorState {
    /// Processes `localContext` on top of `active` (§4.1.2), using the cache.
    func processContext(
        _ active: ActiveContext, _ localContext: JSONValue, baseURL: String?, remoteContexts: [String] = [],
        overrideProtected: Bool = false, propagate: Bool = true, validateScopedContext: Bool = true,
        scopedID: Int? = nil
    ) throws(JSONLDError) -> ActiveContext {
        let flags: UInt8 = (overrideProtected ? 1 : 0) | (propagate ? 2 : 0) | (validateScopedContext ? 4 : 0)
        let cacheable = remoteContexts.isEmpty
        var key: ContextCache.Key? = nil
        if cacheable {
            key = ContextCache.Key(
                loader: options.documentLoader.cacheKey, parent: active.id,
                local: scopedID.map { .scoped($0) } ?? .value(localContext), base: baseURL, flags: flags)
            if let hit = options.contextCache.get(key!) { return hit }
        }
        let result = try processContextUncached(
            active, localContext, baseURL: baseURL, remoteContexts: remoteContexts,
            overrideProtected: overrideProtected, propagate: propagate, validateScopedContext: validateScopedContext)
        if let key { options.contextCache.put(key, result) }
        return result
    }

    func processContextUncached(
        _ active: ActiveContext, _ localContext: JSONValue, baseURL: String?, remoteContexts: [String],
        overrideProtected: Bool, propagate propagateIn: Bool, validateScopedContext: Bool
    ) throws(JSONLDError) -> ActiveContext {
        // Step 1
        var result = active.state
        var resultBox: ActiveContext? = active
        var propagate = propagateIn
        var remoteContexts = remoteContexts
        // Step 2
        if case .object(let o) = localContext, let p = o["@propagate"] {
            guard case .bool(let b) = p else { throw JSONLDError(.invalidPropagateValue, "@propagate must be a boolean") }
            propagate = b
        }
        // Step 3
        if !propagate && result.previousContext == nil { result.previousContext = active }
        // Step 4
        let contexts: [JSONValue]
        if case .array(let a) = localContext { contexts = a } else { contexts = [localContext] }
        // Step 5
        for context in contexts {
            switch context {
            case .null:
                // Step 5.1
                if !overrideProtected && result.terms.values.contains(where: { $0.isProtected }) {
                    throw JSONLDError(.invalidContextNullification, "cannot nullify a context with protected terms")
                }
                let previous = resultBox
                var fresh = ActiveContext.State()
                fresh.baseIRI = active.state.originalBaseURL
                fresh.originalBaseURL = active.state.originalBaseURL
                fresh.processingMode = result.processingMode
                if !propagate { fresh.previousContext = previous }
                result = fresh
                resultBox = nil
                continue
            case .string(let ref):
                // Step 5.2.1
                let url = IRI.resolve(ref, against: baseURL)
                guard IRI.isAbsolute(url) else {
                    throw JSONLDError(.loadingRemoteContextFailed, "context reference is not an absolute IRI")
                }
                // Step 5.2.2
                if !validateScopedContext && remoteContexts.contains(url) { continue }
                // Step 5.2.3
                if remoteContexts.contains(url) {
                    throw JSONLDError(.recursiveContextInclusion, "context \(url) includes itself")
                }
                if remoteContexts.count >= options.maxRemoteContexts {
                    throw JSONLDError(.contextOverflow, "too many nested remote contexts")
                }
                remoteContexts.append(url)
                // Steps 5.2.4–5.2.5
                let doc = try loadContextDocument(url)
                guard case .object(let docObject) = doc.document, let loaded = docObject["@context"] else {
                    throw JSONLDError(.invalidRemoteContext, "\(url) is not a JSON-LD context document")
                }
                // Step 5.2.6
                let current = resultBox ?? ActiveContext(result)
                let processed = try processContext(
                    current, loaded, baseURL: doc.documentURL, remoteContexts: remoteContexts,
                    validateScopedContext: validateScopedContext)
                result = processed.state
                resultBox = processed
                continue
            case .object(var ctx):
                resultBox = nil
                try processContextDefinition(&result, &ctx, baseURL: baseURL, remoteContexts: remoteContexts,
                                             overrideProtected: overrideProtected, validateScopedContext: validateScopedContext,
                                             propagate: propagate)
            default:
                // Step 5.3
                throw JSONLDError(.invalidLocalContext, "a context must be null, a string or an object")
            }
        }
        return resultBox ?? ActiveContext(result)
    }

    /// Steps 5.5–5.13 for one context definition object.
    func processContextDefinition(
        _ result: inout ActiveContext.State, _ context: inout JSONObject, baseURL: String?, remoteContexts: [String],
        overrideProtected: Bool, validateScopedContext: Bool, propagate: Bool
    ) throws(JSONLDError) {
        // Step 5.5 @version
        if let v = context["@version"] {
            guard case .number(let n) = v, n.doubleValue == 1.1 else {
                throw JSONLDError(.invalidVersionValue, "@version must be 1.1")
            }
            if result.processingMode == .jsonLD10 {
                throw JSONLDError(.processingModeConflict, "@version 1.1 in json-ld-1.0 mode")
            }
        }
        // Step 5.6 @import
        if let importValue = context["@import"] {
            if result.processingMode == .jsonLD10 { throw JSONLDError(.invalidContextEntry, "@import in json-ld-1.0 mode") }
            guard case .string(let ref) = importValue else { throw JSONLDError(.invalidImportValue, "@import must be a string") }
            let url = IRI.resolve(ref, against: baseURL)
            let doc = try loadContextDocument(url)
            guard case .object(let d) = doc.document, case .object(let imported)? = d["@context"] else {
                throw JSONLDError(.invalidRemoteContext, "imported context \(url) is not a context object")
            }
            if imported["@import"] != nil {
                throw JSONLDError(.invalidContextEntry, "imported context \(url) must not contain @import")
            }
            var merged = imported
            for (k, v) in context where k != "@import" { merged[k] = v }
            context = merged
        }
        // Step 5.7 @base
        if let b = context["@base"], remoteContexts.isEmpty {
            switch b {
            case .null: result.baseIRI = nil
            case .string(let s):
                if IRI.isAbsolute(s) { result.baseIRI = s }
                else if let base = result.baseIRI { result.baseIRI = IRI.resolve(s, against: base) }
                else { throw JSONLDError(.invalidBaseIRI, "relative @base without a base IRI") }
            default: throw JSONLDError(.invalidBaseIRI, "@base must be a string or null")
            }
        }
        // Step 5.8 @vocab
        if let v = context["@vocab"] {
            switch v {
            case .null: result.vocabMapping = nil
            case .string(let s):
                var defined: [String: Bool] = [:]
                let expanded = try expandIRI(&result, s, documentRelative: true, vocab: true, localContext: nil, defined: &defined)
                guard let expanded, IRI.isAbsolute(expanded) || expanded.hasPrefix("_:") || result.processingMode == .jsonLD11 && !Keywords.isKeyword(expanded) else {
                    throw JSONLDError(.invalidVocabMapping, "@vocab must be an IRI or blank node identifier")
                }
                result.vocabMapping = expanded
            default: throw JSONLDError(.invalidVocabMapping, "@vocab must be a string or null")
            }
        }
        // Step 5.9 @language
        if let l = context["@language"] {
            switch l {
            case .null: result.defaultLanguage = nil
            case .string(let s): result.defaultLanguage = s.lowercased()
            default: throw JSONLDError(.invalidDefaultLanguage, "@language must be a string or null")
            }
        }
        // Step 5.10 @direction
        if let d = context["@direction"] {
            if result.processingMode == .jsonLD10 { throw JSONLDError(.invalidContextEntry, "@direction in json-ld-1.0 mode") }
            switch d {
            case .null: result.defaultDirection = nil
            case .string(let s) where s == "ltr" || s == "rtl": result.defaultDirection = s
            default: throw JSONLDError(.invalidBaseDirection, "@direction must be \"ltr\", \"rtl\" or null")
            }
        }
        // Step 5.11 @propagate
        if let p = context["@propagate"] {
            if result.processingMode == .jsonLD10 { throw JSONLDError(.invalidContextEntry, "@propagate in json-ld-1.0 mode") }
            guard case .bool = p else { throw JSONLDError(.invalidPropagateValue, "@propagate must be a boolean") }
        }
        // Steps 5.12–5.13
        var defined: [String: Bool] = [:]
        var protectedDefault = false
        if let p = context["@protected"] {
            guard case .bool(let b) = p else { throw JSONLDError(.invalidProtectedValue, "@protected must be a boolean") }
            protectedDefault = b
        }
        for key in context.keys {
            switch key {
            case "@base", "@direction", "@import", "@language", "@propagate", "@protected", "@version", "@vocab":
                continue
            default:
                try createTermDefinition(
                    &result, context, key, &defined, baseURL: baseURL, protected: protectedDefault,
                    overrideProtected: overrideProtected, remoteContexts: remoteContexts,
                    validateScopedContext: validateScopedContext)
            }
        }
    }
}

// MARK: - Create Term Definition (§4.2.2)

extension ProcessorState {
    func createTermDefinition(
        _ active: inout ActiveContext.State, _ local: JSONObject, _ term: String, _ defined: inout [String: Bool],
        baseURL: String?, protected: Bool = false, overrideProtected: Bool = false, remoteContexts: [String] = [],
        validateScopedContext: Bool = true
    ) throws(JSONLDError) {
        // Step 1
        if let d = defined[term] {
            if d { return }
            throw JSONLDError(.cyclicIRIMapping, "term \(term) is defined in terms of itself")
        }
        // Vita: bound the recursion (long prefix chains, deeply nested scoped contexts).
        termDepth += 1
        defer { termDepth -= 1 }
        if termDepth > options.maxDepth {
            throw JSONLDError(.limitExceeded, "term definitions nested deeper than \(options.maxDepth)")
        }
        // Step 2
        if term.isEmpty { throw JSONLDError(.invalidTermDefinition, "the empty string is not a valid term") }
        defined[term] = false
        // Step 3
        let value = local[term] ?? .null
        // Step 4
        if term == "@type" {
            if active.processingMode == .jsonLD10 { throw JSONLDError(.keywordRedefinition, "@type cannot be redefined in json-ld-1.0") }
            guard case .object(let o) = value, !o.isEmpty else {
                throw JSONLDError(.keywordRedefinition, "@type may only be given @container: @set and @protected")
            }
            for (k, v) in o {
                if k == "@container", v == .string("@set") { continue }
                if k == "@protected" { continue }
                throw JSONLDError(.keywordRedefinition, "@type may only be given @container: @set and @protected")
            }
        } else if Keywords.isKeyword(term) {
            // Step 5
            throw JSONLDError(.keywordRedefinition, "keyword \(term) cannot be redefined")
        } else if Keywords.hasKeywordForm(term) {
            defined[term] = true
            return
        }
        // Step 6
        let previous = active.terms.removeValue(forKey: term)
        // Steps 7–9
        var map: JSONObject
        var simpleTerm = false
        switch value {
        case .null: map = ["@id": .null]
        case .string(let s):
            map = ["@id": .string(s)]
            simpleTerm = true
        case .object(let o): map = o
        default: throw JSONLDError(.invalidTermDefinition, "definition of \(term) must be a string, an object or null")
        }
        // Step 10
        var definition = TermDefinition()
        // Steps 11–12
        if let p = map["@protected"] {
            if active.processingMode == .jsonLD10 { throw JSONLDError(.invalidTermDefinition, "@protected in json-ld-1.0") }
            guard case .bool(let b) = p else { throw JSONLDError(.invalidProtectedValue, "@protected must be a boolean") }
            definition.isProtected = b
        } else {
            definition.isProtected = protected
        }
        // Step 13 @type
        if let t = map["@type"] {
            guard case .string(let ts) = t else { throw JSONLDError(.invalidTypeMapping, "@type of \(term) must be a string") }
            let type = try expandIRI(&active, ts, vocab: true, localContext: local, defined: &defined)
            if active.processingMode == .jsonLD10 && (type == "@json" || type == "@none") {
                throw JSONLDError(.invalidTypeMapping, "@json and @none type mappings need json-ld-1.1")
            }
            guard let type, type == "@id" || type == "@vocab" || type == "@json" || type == "@none" || IRI.isAbsolute(type) else {
                throw JSONLDError(.invalidTypeMapping, "type mapping of \(term) is not an IRI")
            }
            definition.typeMapping = type
        }
        // Step 14 @reverse
        if let r = map["@reverse"] {
            if map["@id"] != nil || map["@nest"] != nil {
                throw JSONLDError(.invalidReverseProperty, "a reverse property cannot have @id or @nest")
            }
            guard case .string(let rs) = r else { throw JSONLDError(.invalidIRIMapping, "@reverse must be a string") }
            if Keywords.hasKeywordForm(rs) {
                defined[term] = true
                return
            }
            guard let iri = try expandIRI(&active, rs, vocab: true, localContext: local, defined: &defined), iri.utf8.contains(UInt8(ascii: ":")) else {
                throw JSONLDError(.invalidIRIMapping, "@reverse of \(term) is not an IRI")
            }
            definition.iri = iri
            if let c = map["@container"] {
                switch c {
                case .null: break
                case .string("@set"): definition.container = .set
                case .string("@index"): definition.container = .index
                default: throw JSONLDError(.invalidReverseProperty, "a reverse property's container must be @set or @index")
                }
            }
            definition.isReverse = true
            if case .string(let s)? = map["@index"], definition.container.contains(.index) {
                // A property-valued index on a reverse property (as jsonld.js and the expand suite expect).
                definition.index = s
            }
            active.terms[term] = try checkProtected(definition, previous, overrideProtected, term)
            defined[term] = true
            return
        }
        // Step 16 @id
        if let idValue = map["@id"], idValue != .string(term) {
            switch idValue {
            case .null:
                definition.iri = nil
            case .string(let ids):
                if !Keywords.isKeyword(ids) && Keywords.hasKeywordForm(ids) {
                    defined[term] = true
                    return
                }
                guard let iri = try expandIRI(&active, ids, vocab: true, localContext: local, defined: &defined),
                      Keywords.isKeyword(iri) || iri.utf8.contains(UInt8(ascii: ":"))
                else {
                    throw JSONLDError(.invalidIRIMapping, "@id of \(term) is not an IRI, blank node or keyword")
                }
                if iri == "@context" { throw JSONLDError(.invalidKeywordAlias, "@context cannot be aliased") }
                definition.iri = iri
                // Step 16.2.4
                let u = Array(term.utf8)
                let innerColon = u.count > 2 && u[1..<(u.count - 1)].contains(UInt8(ascii: ":"))
                if innerColon || u.contains(UInt8(ascii: "/")) {
                    defined[term] = true
                    let own = try expandIRI(&active, term, vocab: true, localContext: local, defined: &defined)
                    if own != iri {
                        throw JSONLDError(.invalidIRIMapping, "term \(term) looks like an IRI but maps to a different one")
                    }
                }
                // Step 16.2.5
                if !term.utf8.contains(UInt8(ascii: ":")) && !term.utf8.contains(UInt8(ascii: "/")) && simpleTerm {
                    if let last = iri.utf8.last,
                       [UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "["),
                        UInt8(ascii: "]"), UInt8(ascii: "@")].contains(last) || iri.hasPrefix("_:")
                    {
                        definition.isPrefix = true
                    }
                }
            default:
                throw JSONLDError(.invalidIRIMapping, "@id of \(term) must be a string or null")
            }
        } else if let colon = term.utf8.dropFirst().firstIndex(of: UInt8(ascii: ":")) {
            // Step 17: compact IRI or IRI
            let prefix = String(term[..<colon])
            let suffix = String(term[term.index(after: colon)...])
            if local[prefix] != nil {
                try createTermDefinition(&active, local, prefix, &defined, baseURL: baseURL, remoteContexts: remoteContexts)
            }
            if let p = active.terms[prefix], let piri = p.iri, !suffix.hasPrefix("//") {
                definition.iri = piri + suffix
            } else {
                definition.iri = term
            }
        } else if term.utf8.contains(UInt8(ascii: "/")) {
            // Step 18: relative IRI
            guard let iri = try expandIRI(&active, term, vocab: true, localContext: nil, defined: &defined), IRI.isAbsolute(iri) else {
                throw JSONLDError(.invalidIRIMapping, "term \(term) does not expand to an IRI")
            }
            definition.iri = iri
        } else if term == "@type" {
            // Step 19
            definition.iri = "@type"
        } else {
            // Step 20
            guard let vocab = active.vocabMapping else {
                throw JSONLDError(.invalidIRIMapping, "term \(term) has no IRI and there is no @vocab")
            }
            definition.iri = vocab + term
        }
        // Step 21 @container
        if let c = map["@container"] {
            let items: [JSONValue]
            switch c {
            case .string: items = [c]
            case .array(let a) where active.processingMode == .jsonLD11: items = a
            default: throw JSONLDError(.invalidContainerMapping, "@container of \(term) must be a string or array")
            }
            var container: ContainerMapping = []
            for item in items {
                guard case .string(let s) = item, let kind = ContainerMapping(keyword: s) else {
                    throw JSONLDError(.invalidContainerMapping, "unknown @container value in \(term)")
                }
                container.insert(kind)
            }
            try validateContainer(container, items.count, active.processingMode, term)
            definition.container = container
            // Step 21.6
            if container.contains(.type) {
                if definition.typeMapping == nil { definition.typeMapping = "@id" }
                guard definition.typeMapping == "@id" || definition.typeMapping == "@vocab" else {
                    throw JSONLDError(.invalidTypeMapping, "a @type container needs an @id or @vocab type mapping")
                }
            }
        }
        // Step 22 @index
        if let i = map["@index"] {
            guard active.processingMode == .jsonLD11, definition.container.contains(.index) else {
                throw JSONLDError(.invalidTermDefinition, "@index needs an @index container")
            }
            guard case .string(let s) = i,
                  let e = try expandIRI(&active, s, vocab: true, localContext: local, defined: &defined), IRI.isAbsolute(e)
            else {
                throw JSONLDError(.invalidTermDefinition, "@index of \(term) must expand to an IRI")
            }
            definition.index = s
        }
        // Step 23 @context
        if let ctx = map["@context"] {
            if active.processingMode == .jsonLD10 { throw JSONLDError(.invalidTermDefinition, "scoped contexts need json-ld-1.1") }
            do {
                _ = try processContextUncached(
                    ActiveContext(active), ctx, baseURL: baseURL, remoteContexts: remoteContexts,
                    overrideProtected: true, propagate: true, validateScopedContext: false)
            } catch {
                if error.code == .contextOverflow || error.code == .limitExceeded { throw error }
                throw JSONLDError(.invalidScopedContext, "scoped context of \(term) is invalid: \(error.reason)")
            }
            definition.context = ScopedContext(value: ctx, baseURL: baseURL)
            definition.baseURL = baseURL
        }
        // Step 24 @language
        if let l = map["@language"], map["@type"] == nil {
            switch l {
            case .null: definition.language = .some(nil)
            case .string(let s): definition.language = .some(s.lowercased())
            default: throw JSONLDError(.invalidLanguageMapping, "@language of \(term) must be a string or null")
            }
        }
        // Step 25 @direction
        if let d = map["@direction"], map["@type"] == nil {
            switch d {
            case .null: definition.direction = .some(nil)
            case .string(let s) where s == "ltr" || s == "rtl": definition.direction = .some(s)
            default: throw JSONLDError(.invalidBaseDirection, "@direction of \(term) must be ltr, rtl or null")
            }
        }
        // Step 26 @nest
        if let n = map["@nest"] {
            if active.processingMode == .jsonLD10 { throw JSONLDError(.invalidTermDefinition, "@nest needs json-ld-1.1") }
            guard case .string(let s) = n, !Keywords.isKeyword(s) || s == "@nest" else {
                throw JSONLDError(.invalidNestValue, "@nest of \(term) must be a term or @nest")
            }
            definition.nest = s
        }
        // Step 27 @prefix
        if let p = map["@prefix"] {
            if active.processingMode == .jsonLD10 || term.utf8.contains(UInt8(ascii: ":")) || term.utf8.contains(UInt8(ascii: "/")) {
                throw JSONLDError(.invalidTermDefinition, "@prefix is not allowed on \(term)")
            }
            guard case .bool(let b) = p else { throw JSONLDError(.invalidPrefixValue, "@prefix must be a boolean") }
            definition.isPrefix = b
            if b, let iri = definition.iri, Keywords.isKeyword(iri) {
                throw JSONLDError(.invalidTermDefinition, "a keyword alias cannot be a prefix")
            }
        }
        // Step 28
        for k in map.keys {
            switch k {
            case "@id", "@reverse", "@container", "@context", "@direction", "@index", "@language", "@nest",
                 "@prefix", "@protected", "@type":
                continue
            default:
                throw JSONLDError(.invalidTermDefinition, "term definition of \(term) has an unknown entry")
            }
        }
        // Steps 29–30
        active.terms[term] = try checkProtected(definition, previous, overrideProtected, term)
        defined[term] = true
    }

    func checkProtected(_ definition: TermDefinition, _ previous: TermDefinition?, _ overrideProtected: Bool, _ term: String) throws(JSONLDError) -> TermDefinition {
        guard !overrideProtected, let previous, previous.isProtected else { return definition }
        if !definition.sameDefinition(as: previous) {
            throw JSONLDError(.protectedTermRedefinition, "protected term \(term) cannot be redefined")
        }
        return previous
    }

    func validateContainer(_ c: ContainerMapping, _ count: Int, _ mode: ProcessingMode, _ term: String) throws(JSONLDError) {
        let bad = JSONLDError(.invalidContainerMapping, "invalid @container combination in \(term)")
        if mode == .jsonLD10 {
            if count != 1 || c.contains(.graph) || c.contains(.id) || c.contains(.type) { throw bad }
            return
        }
        if c.contains(.list) {
            if count != 1 { throw bad }
        } else if c.contains(.graph) {
            if !c.subtracting([.graph, .id, .index, .set]).isEmpty { throw bad }
            if c.contains(.id) && c.contains(.index) { throw bad }
        } else if count > 1 {
            if count != 2 || !c.contains(.set) { throw bad }
        }
    }
}

// MARK: - IRI Expansion (§5.2.2)

extension ProcessorState {
    /// IRI expansion during context processing (may create term definitions).
    func expandIRI(
        _ active: inout ActiveContext.State, _ value: String, documentRelative: Bool = false, vocab: Bool = false,
        localContext: JSONObject?, defined: inout [String: Bool]
    ) throws(JSONLDError) -> String? {
        // Step 1
        if Keywords.isKeyword(value) { return value }
        // Step 2
        if Keywords.hasKeywordForm(value) { return nil }
        // Step 3
        if let local = localContext, local[value] != nil, defined[value] != true {
            try createTermDefinition(&active, local, value, &defined, baseURL: nil)
        }
        // Steps 4–5
        if let def = active.terms[value] {
            if let iri = def.iri, Keywords.isKeyword(iri) { return iri }
            if vocab { return def.iri }
        }
        // Step 6
        if let colon = value.utf8.dropFirst().firstIndex(of: UInt8(ascii: ":")) {
            let prefix = String(value[..<colon])
            let suffix = value[value.index(after: colon)...]
            if prefix == "_" || suffix.hasPrefix("//") { return value }
            if let local = localContext, local[prefix] != nil, defined[prefix] != true {
                try createTermDefinition(&active, local, prefix, &defined, baseURL: nil)
            }
            if let def = active.terms[prefix], let iri = def.iri, def.isPrefix { return iri + suffix }
            if IRI.isAbsolute(value) { return value }
        }
        // Step 7
        if vocab, let v = active.vocabMapping { return v + value }
        // Step 8
        if documentRelative { return IRI.resolve(value, against: active.baseIRI) }
        return value
    }
}

extension ActiveContext {
    /// IRI expansion against a finished context (no local context), §5.2.2.
    @inline(__always)
    func expandIRI(_ value: String, documentRelative: Bool = false, vocab: Bool = false) -> String? {
        if value.utf8.first == UInt8(ascii: "@") {
            if Keywords.isKeyword(value) { return value }
            if Keywords.hasKeywordForm(value) { return nil }
        }
        if let def = state.terms[value] {
            if let iri = def.iri, iri.utf8.first == UInt8(ascii: "@"), Keywords.isKeyword(iri) { return iri }
            if vocab { return def.iri }
        }
        if let colon = value.utf8.dropFirst().firstIndex(of: UInt8(ascii: ":")) {
            let prefix = value[..<colon]
            let suffix = value[value.index(after: colon)...]
            if prefix == "_" || suffix.hasPrefix("//") { return value }
            if let def = state.terms[String(prefix)], let iri = def.iri, def.isPrefix { return iri + suffix }
            if IRI.isAbsolute(value) { return value }
        }
        if vocab, let v = state.vocabMapping { return v + value }
        if documentRelative { return IRI.resolve(value, against: state.baseIRI) }
        return value
    }
}
