import VitaJSON

/// One reason an instance is invalid, in the terms of the 2019-09 "basic" output format
/// (core §10.3): where in the instance, which keyword, and a human-readable message.
public struct ValidationError: Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer to the offending value in the instance (`""` for the whole instance).
    public var instanceLocation: String
    /// JSON Pointer along the evaluation path through the schema, including `$ref`
    /// hops, ending in the failing keyword (core §10.3.1.1 "keywordLocation").
    public var keywordLocation: String
    /// The failing keyword's absolute URI with JSON Pointer fragment (core §10.3.1.2).
    public var absoluteKeywordLocation: String
    /// The failing keyword, e.g. `required`.
    public var keyword: String
    /// What is wrong, e.g. `required property 'criteria' is missing`. Messages name
    /// schema facts (property names, types, bounds), never instance string values.
    public var message: String

    public init(instanceLocation: String, keywordLocation: String, absoluteKeywordLocation: String, keyword: String, message: String) {
        self.instanceLocation = instanceLocation
        self.keywordLocation = keywordLocation
        self.absoluteKeywordLocation = absoluteKeywordLocation
        self.keyword = keyword
        self.message = message
    }

    /// `"/credentialSubject/achievement: required property 'criteria' is missing"`;
    /// the root is shown as `(root)`.
    public var description: String {
        "\(instanceLocation.isEmpty ? "(root)" : instanceLocation): \(message)"
    }
}

/// The outcome of validating an instance. Validation never throws for invalid instances.
public struct ValidationResult: Sendable, Hashable, CustomStringConvertible {
    /// `true` if the instance conforms to the schema.
    public var isValid: Bool
    /// Every failure found (empty when valid, and when validated with
    /// ``ValidationOptions/Mode/flag``). For `anyOf` / `oneOf` failures the alternative
    /// that came closest is explained below the `anyOf` / `oneOf` entry.
    public var errors: [ValidationError]
    /// `true` if evaluation stopped at ``ValidationOptions/maxDepth``,
    /// ``ValidationOptions/maxSteps``, ``ValidationOptions/maxStackBytes`` or
    /// ``ValidationOptions/patternBudgetNanoseconds`` (hostile or infinitely recursive
    /// schema, a very deep instance, or a pattern that backtracks catastrophically); the
    /// instance is then reported invalid.
    public var limitExceeded: Bool

    public init(isValid: Bool, errors: [ValidationError], limitExceeded: Bool = false) {
        self.isValid = isValid
        self.errors = errors
        self.limitExceeded = limitExceeded
    }

    /// The result in the JSON Schema 2019-09 "basic" output format (core §10.4.2):
    /// `{"valid": false, "errors": [{"keywordLocation", "absoluteKeywordLocation",
    /// "instanceLocation", "error"}]}`, e.g. for an API problem response.
    public var basicOutput: JSONValue {
        var root = JSONObject()
        root["valid"] = .bool(isValid)
        if !isValid {
            root["errors"] = .array(errors.map { e in
                var o = JSONObject()
                o["keywordLocation"] = .string(e.keywordLocation)
                o["absoluteKeywordLocation"] = .string(e.absoluteKeywordLocation)
                o["instanceLocation"] = .string(e.instanceLocation)
                o["error"] = .string(e.message)
                return .object(o)
            })
        }
        return .object(root)
    }

    /// One line per error, or `valid`.
    public var description: String {
        isValid ? "valid" : errors.map(\.description).joined(separator: "\n")
    }
}

/// How to validate.
public struct ValidationOptions: Sendable, Hashable {
    /// How much the result reports.
    public enum Mode: Sendable, Hashable {
        /// Collect every error with locations and messages.
        case detailed
        /// Only decide valid / invalid, stopping at the first failure (fastest).
        case flag
    }

    /// Detailed or flag output.
    public var mode: Mode
    /// Assert `format` (validation §7.2.2) instead of treating it as an annotation.
    public var assertFormats: Bool
    /// Maximum nesting of subschema evaluations (guards against `{"$ref": "#"}` loops and
    /// stack exhaustion). The 1EdTech credential schemas need about 25; each level costs
    /// a few kilobytes of stack (more in debug builds), so keep it well below
    /// stack size / 8 KB.
    public var maxDepth: Int
    /// Maximum number of subschema evaluations for one instance.
    public var maxSteps: Int
    /// Stop collecting after this many errors.
    public var maxErrors: Int
    /// Maximum native stack the evaluation may use, in bytes. Evaluation is recursive; this
    /// stops it (as ``ValidationResult/limitExceeded``) before it can overflow a small
    /// thread stack (512 KB for secondary threads on Apple platforms). Debug builds use
    /// about 5 KB per nesting level, release builds under 1 KB.
    public var maxStackBytes: Int
    /// Time budget for one `pattern` / `patternProperties` search, in nanoseconds
    /// (default 250 ms). Patterns backtrack; a search that runs longer (e.g. `^(a+)+$`
    /// against a long non-matching string) ends evaluation with
    /// ``ValidationResult/limitExceeded``. `UInt64.max` disables the budget.
    public var patternBudgetNanoseconds: UInt64

    /// Options; the defaults suit credential validation.
    public init(mode: Mode = .detailed, assertFormats: Bool = false, maxDepth: Int = 128, maxSteps: Int = 5_000_000,
                maxErrors: Int = 1000, maxStackBytes: Int = 320 * 1024, patternBudgetNanoseconds: UInt64 = 250_000_000) {
        self.mode = mode
        self.assertFormats = assertFormats
        self.maxDepth = maxDepth
        self.maxSteps = maxSteps
        self.maxErrors = maxErrors
        self.maxStackBytes = maxStackBytes
        self.patternBudgetNanoseconds = patternBudgetNanoseconds
    }

    /// Detailed errors, `format` as annotation.
    public static let `default` = ValidationOptions()
}
