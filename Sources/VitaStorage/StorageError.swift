/// The error type of the VitaStorage module. Descriptions name no personal data and no SQL bind values.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable {
        /// The configured database location is unusable (bad URL, unwritable folder).
        case invalidConfiguration = "invalid configuration"
        /// The database could not be reached or refused the operation.
        case unavailable = "database unavailable"
        /// A row was not found.
        case notFound = "not found"
        /// A conditional update found another version than expected.
        case versionConflict = "version conflict"
        /// A uniqueness rule would be broken.
        case conflict = "conflict"
        /// The stored schema is newer than this build of Vita knows.
        case schemaTooNew = "schema too new"
        /// Stored data could not be decoded.
        case corrupt = "stored data corrupt"
    }

    /// What went wrong.
    public let code: Code
    /// Details that name no personal data.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }

    /// Errors are equal when their codes are: the reason is for people, not for matching.
    public static func == (lhs: StorageError, rhs: StorageError) -> Bool { lhs.code == rhs.code }
}
