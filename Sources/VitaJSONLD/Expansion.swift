import VitaJSON

// MARK: - Expansion Algorithm (JSON-LD 1.1 API §5.1.2)

extension ProcessorState {
    @inline(__always) func asArray(_ v: JSONValue) -> [JSONValue] {
        if case .array(let a) = v { return a }
        return [v]
    }

    func isValueObject(_ v: JSONValue) -> Bool {
        if case .object(let o) = v { return o["@value"] != nil }
        return false
    }

    func isListObject(_ v: JSONValue) -> Bool {
        if case .object(let o) = v { return o["@list"] != nil }
        return false
    }

    func isGraphObject(_ v: JSONValue) -> Bool {
        guard case .object(let o) = v, o["@graph"] != nil else { return false }
        for k in o.keys where k != "@graph" && k != "@id" && k != "@index" && k != "@context" { return false }
        return true
    }

    /// Appends `value` (flattening arrays) to `object[key]`, always as an array.
    func addValue(_ object: inout JSONObject, _ key: String, _ value: JSONValue) {
        object.modifyValue(forKey: key, default: .array([])) { slot in
            var existing: [JSONValue]
            if case .array(let a) = slot { existing = a } else { existing = [slot] }
            slot = .null
            if case .array(let a) = value { existing += a } else { existing.append(value) }
            slot = .array(existing)
        }
    }

    func expand(
        _ activeIn: ActiveContext, _ activeProperty: String?, _ element: JSONValue, baseURL: String?,
        fromMap: Bool = false
    ) throws(JSONLDError) -> JSONValue {
        var active = activeIn
        depth += 1
        defer { depth -= 1 }
        if depth > options.maxDepth {
            throw JSONLDError(.limitExceeded, "document nested deeper than \(options.maxDepth)")
        }
        switch element {
        case .null:
            // Step 1
            return .null
        case .bool, .number, .string:
            // Step 4
            if activeProperty == nil || activeProperty == "@graph" {
                if recordsViolations { violation(.freeFloatingValue, "a scalar outside any node object is dropped") }
                return .null
            }
            if let ap = activeProperty, let def = active.terms[ap], let scoped = def.context {
                active = try processContext(active, scoped.value, baseURL: scoped.baseURL, scopedID: scoped.id)
            }
            return try expandValue(active, activeProperty!, element)
        case .array(let items):
            // Step 5
            var result: [JSONValue] = []
            result.reserveCapacity(items.count)
            let isList = activeProperty.flatMap { active.terms[$0] }?.container.contains(.list) ?? false
            for (i, item) in items.enumerated() {
                if recordsViolations { path.append(.index(i)) }
                defer { if recordsViolations { path.removeLast() } }
                var expanded = try expand(active, activeProperty, item, baseURL: baseURL, fromMap: fromMap)
                if isList, case .array = expanded { expanded = .object(["@list": expanded]) }
                switch expanded {
                case .array(let a): result += a
                case .null: continue
                default: result.append(expanded)
                }
            }
            return .array(result)
        case .object(let object):
            return try expandObject(active, activeProperty, object, baseURL: baseURL, fromMap: fromMap)
        }
    }

    func expandObject(
        _ activeIn: ActiveContext, _ activeProperty: String?, _ element: JSONObject, baseURL: String?, fromMap: Bool
    ) throws(JSONLDError) -> JSONValue {
        var active = activeIn
        // Step 3
        let propertyDef = activeProperty.flatMap { activeIn.terms[$0] }
        // Step 7: revert a non-propagated context for new node objects.
        if let previous = active.previousContext, !fromMap {
            var revert = true
            for k in element.keys {
                let e = active.expandIRI(k, vocab: true)
                if e == "@value" {
                    revert = false
                    break
                }
            }
            if revert && element.count == 1, active.expandIRI(element.keys[0], vocab: true) == "@id" { revert = false }
            if revert { active = previous }
        }
        // Step 8
        if let scoped = propertyDef?.context {
            active = try processContext(active, scoped.value, baseURL: scoped.baseURL, overrideProtected: true, scopedID: scoped.id)
        }
        // Step 9
        if let ctx = element["@context"] {
            active = try processContext(active, ctx, baseURL: baseURL)
        }
        // Step 10
        let typeScoped = active
        // Step 11: type-scoped contexts, keys and values in lexicographic order.
        var inputType: String? = nil
        var typeKeys: [String] = []
        for k in element.keys where active.expandIRI(k, vocab: true) == "@type" { typeKeys.append(k) }
        if typeKeys.count > 1 { typeKeys.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
        for k in typeKeys {
            let values = asArray(element[k]!)
            var terms: [String] = []
            for v in values { if case .string(let s) = v { terms.append(s) } }
            if terms.count > 1 { terms.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
            for t in terms {
                if let def = typeScoped.terms[t], let scoped = def.context {
                    active = try processContext(active, scoped.value, baseURL: scoped.baseURL, propagate: false, scopedID: scoped.id)
                }
            }
        }
        // Step 12: input type from the last value of the first @type key.
        if let k = typeKeys.first, case .string(let last)? = asArray(element[k]!).last {
            inputType = active.expandIRI(last, vocab: true)
        }
        var result = JSONObject()
        var nests: [String] = []
        // Step 13
        try expandEntries(active, typeScoped, activeProperty, element, &result, &nests, inputType: inputType, baseURL: baseURL)
        // Step 14: nested properties.
        for nestingKey in nests {
            try expandNested(active, typeScoped, activeProperty, element, nestingKey, &result, inputType: inputType, baseURL: baseURL)
        }
        // Steps 15–19
        if let v = result["@value"] {
            // Step 15
            for k in result.keys {
                switch k {
                case "@direction", "@index", "@language", "@type", "@value": continue
                default: throw JSONLDError(.invalidValueObject, "a value object has an unexpected entry")
                }
            }
            if result["@type"] != nil && (result["@language"] != nil || result["@direction"] != nil) {
                throw JSONLDError(.invalidValueObject, "a value object cannot have both @type and @language/@direction")
            }
            if result["@type"] == .string("@json") {
                // keep any JSON value
            } else if v == .null {
                if recordsViolations { violation(.nullValue, "a value object whose @value is null is dropped") }
                return .null
            } else {
                if case .array = v { throw JSONLDError(.invalidValueObjectValue, "@value must be a scalar") }
                if case .object = v { throw JSONLDError(.invalidValueObjectValue, "@value must be a scalar") }
                if result["@language"] != nil, v.stringValue == nil {
                    throw JSONLDError(.invalidLanguageTaggedValue, "a language-tagged value must be a string")
                }
                if let t = result["@type"] {
                    guard case .string(let ts) = t, IRI.isWellFormed(ts) else {
                        throw JSONLDError(.invalidTypedValue, "the @type of a value object must be an IRI")
                    }
                }
            }
        } else if let t = result["@type"], t.arrayValue == nil {
            // Step 16
            result["@type"] = .array([t])
        } else if result["@set"] != nil || result["@list"] != nil {
            // Step 17
            if result.count > (result["@index"] != nil ? 2 : 1) {
                throw JSONLDError(.invalidSetOrListObject, "@set and @list objects may only have @index besides")
            }
            if let s = result["@set"] { return s }
        }
        // Step 18
        if result.count == 1 && result["@language"] != nil {
            if recordsViolations { violation(.nullValue, "an object with only @language is dropped") }
            return .null
        }
        // Step 19
        if activeProperty == nil || activeProperty == "@graph" {
            if result["@value"] != nil || result["@list"] != nil {
                if recordsViolations { violation(.freeFloatingValue, "a value or list outside any node object is dropped") }
                return .null
            }
            if result.isEmpty { return .null }
            if result.count == 1 && result["@id"] != nil { return .null }
        }
        return .object(result)
    }

    func expandNested(
        _ active: ActiveContext, _ typeScoped: ActiveContext, _ activeProperty: String?, _ element: JSONObject,
        _ nestingKey: String, _ result: inout JSONObject, inputType: String?, baseURL: String?
    ) throws(JSONLDError) {
        // §5.1.2 step 14.2.2: repeat steps 3, 8, 13 and 14 with the nesting key as active property.
        var active = active
        if let scoped = active.terms[nestingKey]?.context {
            active = try processContext(active, scoped.value, baseURL: scoped.baseURL, overrideProtected: true, scopedID: scoped.id)
        }
        if recordsViolations { path.append(.key(nestingKey)) }
        defer { if recordsViolations { path.removeLast() } }
        let nestedValues = element[nestingKey] ?? .null
        for (i, nested) in asArray(nestedValues).enumerated() {
            if recordsViolations, case .array = nestedValues { path.append(.index(i)) }
            defer { if recordsViolations, case .array = nestedValues { path.removeLast() } }
            guard case .object(let n) = nested else { throw JSONLDError(.invalidNestValue, "@nest values must be objects") }
            for k in n.keys where active.expandIRI(k, vocab: true) == "@value" {
                throw JSONLDError(.invalidNestValue, "@nest values cannot be value objects")
            }
            var innerNests: [String] = []
            try expandEntries(active, typeScoped, activeProperty, n, &result, &innerNests, inputType: inputType, baseURL: baseURL)
            for inner in innerNests {
                try expandNested(active, typeScoped, activeProperty, n, inner, &result, inputType: inputType, baseURL: baseURL)
            }
        }
    }

    /// Step 13 of the Expansion Algorithm: expands each entry of `element` into `result`.
    func expandEntries(
        _ active: ActiveContext, _ typeScoped: ActiveContext, _ activeProperty: String?, _ element: JSONObject,
        _ result: inout JSONObject, _ nests: inout [String], inputType: String?, baseURL: String?
    ) throws(JSONLDError) {
        for (key, value) in element {
            // Step 13.1
            if key == "@context" { continue }
            if recordsViolations { path.append(.key(key)) }
            defer { if recordsViolations { path.removeLast() } }
            // Step 13.2–13.3
            guard let expandedProperty = active.expandIRI(key, vocab: true) else {
                if recordsViolations {
                    if Keywords.hasKeywordForm(key) {
                        violation(.reservedTerm, "the key has the form of a keyword but is not a JSON-LD keyword; the entry is dropped")
                    } else {
                        violation(.invalidProperty, "the term is mapped to null in the @context; the entry is dropped")
                    }
                }
                continue
            }
            let isKeyword = expandedProperty.utf8.first == UInt8(ascii: "@") && Keywords.isKeyword(expandedProperty)
            if !isKeyword && !expandedProperty.utf8.contains(UInt8(ascii: ":")) {
                if recordsViolations {
                    violation(.invalidProperty, "the term is not defined by the @context and is not an absolute IRI; the entry is dropped")
                }
                continue
            }
            if recordsViolations, !isKeyword {
                if expandedProperty.hasPrefix("_:") {
                    if !options.produceGeneralizedRDF {
                        violation(.blankNodePredicate, "the property expands to a blank node, which cannot be an RDF predicate")
                    }
                } else if !IRI.isWellFormed(expandedProperty) {
                    violation(.invalidProperty, "the property expands to an IRI that is not well-formed; its triples are dropped")
                }
            }
            // Step 13.4: keywords
            if isKeyword {
                if activeProperty == "@reverse" {
                    throw JSONLDError(.invalidReversePropertyMap, "a @reverse map cannot contain keywords")
                }
                if result[expandedProperty] != nil && expandedProperty != "@included" && expandedProperty != "@type" {
                    throw JSONLDError(.collidingKeywords, "two entries expand to \(expandedProperty)")
                }
                var expandedValue: JSONValue
                switch expandedProperty {
                case "@id":
                    // Step 13.4.3
                    guard case .string(let s) = value else { throw JSONLDError(.invalidIDValue, "@id must be a string") }
                    let expandedID = active.expandIRI(s, documentRelative: true)
                    if recordsViolations { checkReference(expandedID, keyword: "@id", kind: .relativeIDReference) }
                    expandedValue = expandedID.map(JSONValue.string) ?? .null
                case "@type":
                    // Step 13.4.4
                    switch value {
                    case .string(let s):
                        let expandedType = typeScoped.expandIRI(s, documentRelative: true, vocab: true)
                        if recordsViolations { checkReference(expandedType, keyword: "@type", kind: .relativeTypeReference) }
                        expandedValue = expandedType.map(JSONValue.string) ?? .null
                    case .array(let a):
                        var out: [JSONValue] = []
                        out.reserveCapacity(a.count)
                        for (i, item) in a.enumerated() {
                            guard case .string(let s) = item else { throw JSONLDError(.invalidTypeValue, "@type values must be strings") }
                            let e = typeScoped.expandIRI(s, documentRelative: true, vocab: true)
                            if recordsViolations {
                                path.append(.index(i))
                                checkReference(e, keyword: "@type", kind: .relativeTypeReference)
                                path.removeLast()
                            }
                            if let e { out.append(.string(e)) }
                        }
                        expandedValue = .array(out)
                    default:
                        throw JSONLDError(.invalidTypeValue, "@type must be a string or an array of strings")
                    }
                    if let existing = result["@type"] {
                        var merged = asArray(existing)
                        merged += asArray(expandedValue)
                        expandedValue = .array(merged)
                    }
                case "@graph":
                    // Step 13.4.5
                    expandedValue = .array(asArray(try expand(active, "@graph", value, baseURL: baseURL)))
                case "@included":
                    // Step 13.4.6
                    if active.processingMode == .jsonLD10 { continue }
                    let items = asArray(try expand(active, nil, value, baseURL: baseURL))
                    for item in items {
                        guard case .object(let o) = item, o["@value"] == nil, o["@list"] == nil, o["@set"] == nil else {
                            throw JSONLDError(.invalidIncludedValue, "@included values must be node objects")
                        }
                    }
                    var merged = result["@included"].map(asArray) ?? []
                    merged += items
                    expandedValue = .array(merged)
                case "@value":
                    // Step 13.4.7
                    if inputType == "@json" {
                        if active.processingMode == .jsonLD10 { throw JSONLDError(.invalidValueObjectValue, "@json needs json-ld-1.1") }
                        expandedValue = value
                    } else {
                        switch value {
                        case .null, .bool, .number, .string: expandedValue = value
                        default: throw JSONLDError(.invalidValueObjectValue, "@value must be a scalar or null")
                        }
                    }
                    result["@value"] = expandedValue
                    continue
                case "@language":
                    // Step 13.4.8
                    guard case .string(let s) = value else {
                        throw JSONLDError(.invalidLanguageTaggedString, "@language must be a string")
                    }
                    if recordsViolations, !RDFSerializer.isWellFormedLanguage(s) {
                        violation(.invalidLanguage, "the @language tag is not well-formed BCP 47; the literal is dropped from RDF")
                    }
                    expandedValue = .string(s.lowercased())
                case "@direction":
                    // Step 13.4.9
                    if active.processingMode == .jsonLD10 { continue }
                    guard case .string(let s) = value, s == "ltr" || s == "rtl" else {
                        throw JSONLDError(.invalidBaseDirection, "@direction must be ltr or rtl")
                    }
                    if recordsViolations, options.rdfDirection == nil {
                        violation(.directionDropped, "@direction is not represented in RDF unless an rdfDirection mode is set")
                    }
                    expandedValue = value
                case "@index":
                    // Step 13.4.10
                    guard case .string = value else { throw JSONLDError(.invalidIndexValue, "@index must be a string") }
                    expandedValue = value
                case "@list":
                    // Step 13.4.11
                    if activeProperty == nil || activeProperty == "@graph" { continue }
                    expandedValue = .array(asArray(try expand(active, activeProperty, value, baseURL: baseURL)))
                case "@set":
                    // Step 13.4.12
                    expandedValue = try expand(active, activeProperty, value, baseURL: baseURL)
                case "@reverse":
                    // Step 13.4.13
                    guard case .object = value else { throw JSONLDError(.invalidReverseValue, "@reverse must be an object") }
                    let expanded = try expand(active, "@reverse", value, baseURL: baseURL)
                    guard case .object(let eo) = expanded else { continue }
                    if case .object(let inner)? = eo["@reverse"] {
                        for (p, item) in inner { addValue(&result, p, item) }
                    }
                    if eo.count > (eo["@reverse"] != nil ? 1 : 0) {
                        var reverseMap = result["@reverse"]?.objectValue ?? JSONObject()
                        for (p, items) in eo where p != "@reverse" {
                            for item in asArray(items) {
                                if isValueObject(item) || isListObject(item) {
                                    throw JSONLDError(.invalidReversePropertyValue, "reverse properties cannot hold values or lists")
                                }
                                addValue(&reverseMap, p, item)
                            }
                        }
                        result["@reverse"] = .object(reverseMap)
                    }
                    continue
                case "@nest":
                    // Step 13.4.14
                    nests.append(key)
                    continue
                default:
                    // Frame keywords and others are ignored outside framing.
                    continue
                }
                // Step 13.4.16
                result[expandedProperty] = expandedValue
                continue
            }
            // Step 13.5
            let def = active.terms[key]
            let container = def?.container ?? []
            var expandedValue: JSONValue
            if def?.typeMapping == "@json" {
                // Step 13.6
                expandedValue = .object(["@value": value, "@type": "@json"])
            } else if container.contains(.language), case .object(let langMap) = value {
                // Step 13.7
                var out: [JSONValue] = []
                var direction = active.defaultDirection
                if let d = def?.direction { direction = d }
                for language in langMap.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                    let expandedLanguage = active.expandIRI(language, vocab: true)
                    if recordsViolations, language != "@none", expandedLanguage != "@none",
                       !RDFSerializer.isWellFormedLanguage(language) {
                        violation(.invalidLanguage, "the language map key is not a well-formed BCP 47 tag; its literals are dropped from RDF",
                                  at: .key(language))
                    }
                    for item in asArray(langMap[language]!) {
                        if item == .null { continue }
                        guard case .string = item else {
                            throw JSONLDError(.invalidLanguageMapValue, "language map values must be strings")
                        }
                        var v: JSONObject = ["@value": item]
                        if language != "@none" && expandedLanguage != "@none" { v["@language"] = .string(language.lowercased()) }
                        if let direction { v["@direction"] = .string(direction) }
                        out.append(.object(v))
                    }
                }
                expandedValue = .array(out)
            } else if !container.intersection([.index, .type, .id]).isEmpty, case .object(let map) = value {
                // Step 13.8
                var out: [JSONValue] = []
                let indexKey = def?.index ?? "@index"
                for index in map.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                    var mapContext = active
                    if container.contains(.id) || container.contains(.type) {
                        mapContext = active.previousContext ?? active
                    }
                    if container.contains(.type), let idef = mapContext.terms[index], let scoped = idef.context {
                        mapContext = try processContext(mapContext, scoped.value, baseURL: scoped.baseURL, scopedID: scoped.id)
                    }
                    let expandedIndex = active.expandIRI(index, vocab: true)
                    if recordsViolations { path.append(.key(index)) }
                    let indexValue = try expand(mapContext, key, .array(asArray(map[index]!)), baseURL: baseURL, fromMap: true)
                    if recordsViolations { path.removeLast() }
                    for var item in asArray(indexValue) {
                        if container.contains(.graph) && !isGraphObject(item) {
                            item = .object(["@graph": .array(asArray(item))])
                        }
                        guard case .object(var io) = item else { out.append(item); continue }
                        if container.contains(.index) && indexKey != "@index" && expandedIndex != "@none" {
                            let reExpanded = try expandValue(active, indexKey, .string(index))
                            guard let expandedIndexKey = active.expandIRI(indexKey, vocab: true) else { continue }
                            var values: [JSONValue] = [reExpanded]
                            if let existing = io[expandedIndexKey] { values += asArray(existing) }
                            if io["@value"] != nil {
                                throw JSONLDError(.invalidValueObject, "a property-valued index cannot apply to a value")
                            }
                            io[expandedIndexKey] = .array(values)
                        } else if container.contains(.index) && io["@index"] == nil && expandedIndex != "@none" {
                            io["@index"] = .string(index)
                        } else if container.contains(.id) && io["@id"] == nil && expandedIndex != "@none" {
                            io["@id"] = active.expandIRI(index, documentRelative: true).map(JSONValue.string) ?? .null
                        } else if container.contains(.type) && expandedIndex != "@none", let ei = expandedIndex {
                            var types: [JSONValue] = [.string(ei)]
                            if let existing = io["@type"] { types += asArray(existing) }
                            io["@type"] = .array(types)
                        }
                        out.append(.object(io))
                    }
                }
                expandedValue = .array(out)
            } else {
                // Step 13.9
                expandedValue = try expand(active, key, value, baseURL: baseURL)
            }
            // Step 13.10
            if expandedValue == .null { continue }
            // Step 13.11
            if container.contains(.list) && !isListObject(expandedValue) {
                expandedValue = .object(["@list": .array(asArray(expandedValue))])
            }
            // Step 13.12
            if container.contains(.graph) && !container.contains(.id) && !container.contains(.index) {
                expandedValue = .array(asArray(expandedValue).map { .object(["@graph": .array(self.asArray($0))]) })
            }
            // Steps 13.13–13.14
            if def?.isReverse == true {
                var reverseMap = result["@reverse"]?.objectValue ?? JSONObject()
                for item in asArray(expandedValue) {
                    if isValueObject(item) || isListObject(item) {
                        throw JSONLDError(.invalidReversePropertyValue, "reverse properties cannot hold values or lists")
                    }
                    addValue(&reverseMap, expandedProperty, item)
                }
                result["@reverse"] = .object(reverseMap)
            } else {
                addValue(&result, expandedProperty, expandedValue)
            }
        }
    }

    // MARK: Value Expansion (§5.3.2)

    func expandValue(_ active: ActiveContext, _ activeProperty: String, _ value: JSONValue) throws(JSONLDError) -> JSONValue {
        let def = active.terms[activeProperty]
        let typeMapping = def?.typeMapping
        // Steps 1–2
        if case .string(let s) = value {
            if typeMapping == "@id" {
                let id = active.expandIRI(s, documentRelative: true)
                if recordsViolations { checkReference(id, keyword: "@id-typed", kind: .relativeVocabReference) }
                return .object(["@id": id.map(JSONValue.string) ?? .null])
            }
            if typeMapping == "@vocab" {
                let id = active.expandIRI(s, documentRelative: true, vocab: true)
                if recordsViolations { checkReference(id, keyword: "@vocab-typed", kind: .relativeVocabReference) }
                return .object(["@id": id.map(JSONValue.string) ?? .null])
            }
        }
        // Step 3
        var result: JSONObject = ["@value": value]
        if let t = typeMapping, t != "@id", t != "@vocab", t != "@none" {
            // Step 4
            result["@type"] = .string(t)
        } else if case .string = value {
            // Step 5
            let language: String? = def?.language ?? active.defaultLanguage
            let direction: String? = def?.direction ?? active.defaultDirection
            if let language { result["@language"] = .string(language) }
            if let direction { result["@direction"] = .string(direction) }
        }
        return .object(result)
    }
}
