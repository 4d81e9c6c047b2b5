import VitaJSON

/// An error from JSON-LD processing, N-Quads parsing or RDF canonicalization.
///
/// `code` carries the JSON-LD 1.1 API error code string (e.g. `"invalid local context"`,
/// `"loading remote context failed"`, `"recursive context inclusion"`) or one of Vita's own
/// codes (``Code/invalidNQuads``, ``Code/workLimitExceeded``, ``Code/invalidJSON``).
/// `reason` explains the problem without quoting document values (it may name keywords,
/// terms and context URLs).
public struct JSONLDError: Error, Sendable, CustomStringConvertible {
    /// An extensible error code; `rawValue` is the spec's error code string.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let collidingKeywords = Code("colliding keywords")
        public static let contextOverflow = Code("context overflow")
        public static let cyclicIRIMapping = Code("cyclic IRI mapping")
        public static let invalidBaseDirection = Code("invalid base direction")
        public static let invalidBaseIRI = Code("invalid base IRI")
        public static let invalidContainerMapping = Code("invalid container mapping")
        public static let invalidContextEntry = Code("invalid context entry")
        public static let invalidContextNullification = Code("invalid context nullification")
        public static let invalidDefaultLanguage = Code("invalid default language")
        public static let invalidIRIMapping = Code("invalid IRI mapping")
        public static let invalidJSONLiteral = Code("invalid JSON literal")
        public static let invalidKeywordAlias = Code("invalid keyword alias")
        public static let invalidLanguageMapValue = Code("invalid language map value")
        public static let invalidLanguageMapping = Code("invalid language mapping")
        public static let invalidLanguageTaggedString = Code("invalid language-tagged string")
        public static let invalidLanguageTaggedValue = Code("invalid language-tagged value")
        public static let invalidLocalContext = Code("invalid local context")
        public static let invalidRemoteContext = Code("invalid remote context")
        public static let invalidReverseProperty = Code("invalid reverse property")
        public static let invalidReversePropertyMap = Code("invalid reverse property map")
        public static let invalidReversePropertyValue = Code("invalid reverse property value")
        public static let invalidScopedContext = Code("invalid scoped context")
        public static let invalidScriptElement = Code("invalid script element")
        public static let invalidSetOrListObject = Code("invalid set or list object")
        public static let invalidTermDefinition = Code("invalid term definition")
        public static let invalidTypeMapping = Code("invalid type mapping")
        public static let invalidTypeValue = Code("invalid type value")
        public static let invalidTypedValue = Code("invalid typed value")
        public static let invalidValueObject = Code("invalid value object")
        public static let invalidValueObjectValue = Code("invalid value object value")
        public static let invalidVocabMapping = Code("invalid vocab mapping")
        public static let invalidIDValue = Code("invalid @id value")
        public static let invalidImportValue = Code("invalid @import value")
        public static let invalidIncludedValue = Code("invalid @included value")
        public static let invalidIndexValue = Code("invalid @index value")
        public static let invalidNestValue = Code("invalid @nest value")
        public static let invalidPrefixValue = Code("invalid @prefix value")
        public static let invalidPropagateValue = Code("invalid @propagate value")
        public static let invalidProtectedValue = Code("invalid @protected value")
        public static let invalidReverseValue = Code("invalid @reverse value")
        public static let invalidVersionValue = Code("invalid @version value")
        public static let keywordRedefinition = Code("keyword redefinition")
        public static let loadingDocumentFailed = Code("loading document failed")
        public static let loadingRemoteContextFailed = Code("loading remote context failed")
        public static let multipleContextLinkHeaders = Code("multiple context link headers")
        public static let processingModeConflict = Code("processing mode conflict")
        public static let protectedTermRedefinition = Code("protected term redefinition")
        public static let recursiveContextInclusion = Code("recursive context inclusion")

        /// Vita: the input is not valid JSON.
        public static let invalidJSON = Code("invalid JSON")
        /// Vita: the input is not valid N-Quads.
        public static let invalidNQuads = Code("invalid N-Quads")
        /// Vita: RDFC-1.0 exceeded its work limit (a "poison" graph).
        public static let workLimitExceeded = Code("canonicalization work limit exceeded")
        /// Vita: the document is too deeply nested or uses too many contexts.
        public static let limitExceeded = Code("processing limit exceeded")
    }

    public var code: Code
    public var reason: String
    public var file: String
    public var line: Int
    /// For ``Code/safeModeViolation``: every piece of data that would be dropped, in document order.
    public var violations: [SafeModeViolation] = []

    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// Wraps a JSON parse error.
    public init(_ error: JSONError, file: String = #fileID, line: Int = #line) {
        self.init(.invalidJSON, error.description, file: file, line: line)
    }

    public var description: String { "\(code): \(reason)" }
}
