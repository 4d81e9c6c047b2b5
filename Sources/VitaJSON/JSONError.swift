/// An error from parsing or handling JSON.
///
/// `code` says what kind of problem it is; `reason` is a human-readable explanation that
/// never quotes document content beyond a few structural characters; `offset` is the byte
/// position in the input, when known.
public struct JSONError: Error, Sendable, CustomStringConvertible {
    /// The kind of error. Extensible: compare against the static members.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The input is not well-formed JSON.
        public static let syntax = Code(rawValue: "syntax error")
        /// The input is not valid UTF-8, or a string holds an unpaired surrogate escape.
        public static let invalidUTF8 = Code(rawValue: "invalid UTF-8")
        /// An object has the same key twice.
        public static let duplicateKey = Code(rawValue: "duplicate key")
        /// Arrays and objects are nested deeper than ``JSONLimits/maxDepth``.
        public static let tooDeep = Code(rawValue: "nesting too deep")
        /// The input is larger than ``JSONLimits/maxBytes``.
        public static let tooLarge = Code(rawValue: "document too large")
        /// The input ended early.
        public static let unexpectedEnd = Code(rawValue: "unexpected end of input")
    }

    public var code: Code
    public var reason: String
    /// Byte offset in the input where the problem was found, if any.
    public var offset: Int?
    public var file: String
    public var line: Int

    public init(_ code: Code, _ reason: String, offset: Int? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.offset = offset
        self.file = file
        self.line = line
    }

    public var description: String {
        if let offset { return "\(code): \(reason) at byte \(offset)" }
        return "\(code): \(reason)"
    }
}

/// Resource limits applied by the parser.
public struct JSONLimits: Sendable, Hashable {
    /// Maximum nesting of arrays and objects (default 256).
    public var maxDepth: Int
    /// Maximum input size in bytes (default 32 MiB).
    public var maxBytes: Int

    public init(maxDepth: Int = 256, maxBytes: Int = 32 << 20) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }

    /// The defaults: depth 256, 32 MiB.
    public static let `default` = JSONLimits()
}
