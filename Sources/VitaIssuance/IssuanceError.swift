/// The error type of the VitaIssuance module. Messages name no personal data and no key material.
public struct IssuanceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable {
        /// The organization has no current key of the algorithm asked for.
        case noSigningKey = "no signing key"
        /// The organization does not exist.
        case unknownOrganization = "unknown organization"
        /// No status entries are kept for this credential (not issued by Vita with a status, or unknown).
        case unknownCredential = "unknown credential"
        /// The requested status change is not allowed (e.g. lifting a revocation).
        case invalidStatusChange = "invalid status change"
        /// The credential could not be signed (it is not a valid JSON-LD document, or the key is unusable).
        case signingFailed = "signing failed"
        /// The server's configuration does not allow the operation (e.g. no public URL for did:web).
        case configuration = "configuration"
        /// A batch issuance file cannot be read (not UTF-8, empty, no header naming the columns).
        case badBatchFile = "bad batch file"
    }

    /// One part of the input at fault: a JSON path (`$.credentialSubject.grade`) and why.
    public struct Field: Sendable, Equatable {
        /// The JSON path in the credential.
        public let path: String
        /// Why it is at fault.
        public let reason: String
    }

    /// What went wrong.
    public let code: Code
    /// Details for people.
    public let reason: String
    /// The parts of the input at fault, when known (e.g. each term JSON-LD would drop from the signed data).
    public let fields: [Field]

    /// Creates an error.
    public init(_ code: Code, _ reason: String, fields: [Field] = []) {
        self.code = code
        self.reason = reason
        self.fields = fields
    }

    public var description: String { "\(code.rawValue): \(reason)" }

    /// Errors are equal when their codes are.
    public static func == (lhs: IssuanceError, rhs: IssuanceError) -> Bool { lhs.code == rhs.code }
}
