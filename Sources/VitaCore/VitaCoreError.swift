/// The error type of the VitaCore module.
///
/// `description` never contains personal data or secrets: it names the field and the rule
/// that was broken, not the offending value.
public struct VitaCoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as an extensible code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable {
            case invalidField = "invalid field"
            case invalidTransition = "invalid status transition"
            case auditChainBroken = "audit chain broken"
        }
        fileprivate let base: Base
        /// A field of the input failed validation.
        public static let invalidField = Code(base: .invalidField)
        /// A status change that the lifecycle does not allow.
        public static let invalidTransition = Code(base: .invalidTransition)
        /// The audit chain does not verify.
        public static let auditChainBroken = Code(base: .auditChainBroken)
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// The JSON path of the offending field, when one is concerned (e.g. `endDate`).
    public let field: String?
    /// Why it is wrong, in words that name no personal data.
    public let reason: String

    /// Creates an error.
    public init(code: Code, field: String? = nil, reason: String) {
        self.code = code
        self.field = field
        self.reason = reason
    }

    /// An input field failed validation.
    public static func invalidField(_ field: String, _ reason: String) -> VitaCoreError {
        VitaCoreError(code: .invalidField, field: field, reason: reason)
    }

    public var description: String {
        if let field { return "\(code): \(field): \(reason)" }
        return "\(code): \(reason)"
    }

    public static func == (lhs: VitaCoreError, rhs: VitaCoreError) -> Bool {
        lhs.code == rhs.code && lhs.field == rhs.field
    }
}

/// A list of validation failures, gathered so that a client learns of every bad field at once.
public struct ValidationFailures: Error, Sendable, CustomStringConvertible {
    /// Each failing field with its reason.
    public var failures: [VitaCoreError]

    /// Creates an empty list.
    public init(_ failures: [VitaCoreError] = []) { self.failures = failures }

    /// Records a failure on `field` when `condition` is false.
    public mutating func require(_ condition: Bool, _ field: String, _ reason: @autoclosure () -> String) {
        if !condition { failures.append(.invalidField(field, reason())) }
    }

    /// Records a failure.
    public mutating func fail(_ field: String, _ reason: String) {
        failures.append(.invalidField(field, reason))
    }

    /// Adds the failures of a nested value, prefixing their field paths.
    public mutating func merge(_ other: ValidationFailures, prefix: String) {
        for failure in other.failures {
            let path = failure.field.map { "\(prefix).\($0)" } ?? prefix
            failures.append(.invalidField(path, failure.reason))
        }
    }

    /// Throws `self` when any failure was recorded.
    public func throwIfAny() throws(ValidationFailures) {
        if !failures.isEmpty { throw self }
    }

    public var description: String {
        failures.map(\.description).joined(separator: "; ")
    }
}
