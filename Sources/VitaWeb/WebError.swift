/// What went wrong in the web interface. Messages name the problem, never submitted content.
public struct WebError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: String, Sendable {
        /// A bundled resource (template, strings table, stylesheet) is missing or unreadable.
        case missingResource = "missing resource"
        /// A template does not parse or does not render.
        case badTemplate = "bad template"
        /// The request body is not a form this page accepts.
        case unreadableForm = "unreadable form"
        /// The request body is larger than the page accepts.
        case tooLarge = "too large"
    }

    /// The kind of failure.
    public let code: Code
    /// What exactly went wrong.
    public let reason: String

    init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
