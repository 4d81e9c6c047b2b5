/// Path templates in OpenAPI form (`/api/v1/learners/{learnerId}`), filled in by the hostile-input sweeps of the API and
/// the web pages.
public enum PathTemplate {
    /// `template` with each `{name}` segment replaced by `value(name)`.
    public static func fill(_ template: String, _ value: (String) -> String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") ? value(String(segment.dropFirst().dropLast())) : String(segment)
        }.joined(separator: "/")
    }

    /// An identifier shaped like Vita's that names nothing, for a parameter no real one is known for (`lea_01JAAA…`
    /// for `learnerId`), so that a probe reaches the route rather than a format check.
    public static func placeholder(for parameter: String) -> String {
        "\(parameter.prefix(3).lowercased())_01JAAAAAAAAAAAAAAAAAAAAAAA"
    }
}
