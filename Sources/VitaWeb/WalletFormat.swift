import Foundation
import VitaJSON

/// Turning API values into text people read on the wallet pages.
enum WalletFormat {
    /// "2024-09-01" as "1 September 2024"; an RFC 3339 time as "1 September 2024, 09:30 UTC"; the text as given
    /// when it does not parse.
    static func date(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        if text.count == 10 {
            let parser = DateFormatter()
            parser.locale = Locale(identifier: "en_US_POSIX")
            parser.timeZone = TimeZone(identifier: "UTC")
            parser.dateFormat = "yyyy-MM-dd"
            guard let date = parser.date(from: text) else { return text }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_GB")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "d MMMM yyyy"
            return formatter.string(from: date)
        }
        return CredentialView.date(text)
    }

    /// A number without a needless ".0".
    static func number(_ value: JSONValue?) -> String? {
        guard case .number(let number)? = value else { return nil }
        let text = number.lexical
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// The names of organizations and systems (`GET /api/v1/me/sources`).
    struct Names: Sendable {
        var organizations: [String: String] = [:]
        var systems: [String: (name: String, organizationId: String)] = [:]
        var competencies: [String: String] = [:]

        init(_ json: JSONValue?) {
            for item in json?["organizations"]?.arrayValue ?? [] {
                if let id = item["id"]?.stringValue, let name = item["name"]?.stringValue { organizations[id] = name }
            }
            for item in json?["competencies"]?.arrayValue ?? [] {
                guard let id = item["id"]?.stringValue, let name = item["name"]?.stringValue else { continue }
                competencies[id] = item["framework"]?.stringValue.map { "\(name) (\($0))" } ?? name
            }
            for item in json?["systems"]?.arrayValue ?? [] {
                if let id = item["id"]?.stringValue, let name = item["name"]?.stringValue {
                    systems[id] = (name, item["organizationId"]?.stringValue ?? "")
                }
            }
        }

        func organization(_ id: String?) -> String? {
            guard let id else { return nil }
            return organizations[id] ?? id
        }

        /// A system as "Registry (Riverside University)".
        func system(_ id: String?) -> String? {
            guard let id else { return nil }
            guard let system = systems[id] else { return id }
            if let organization = organizations[system.organizationId] { return "\(system.name) (\(organization))" }
            return system.name
        }
    }
}
