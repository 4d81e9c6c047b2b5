import Foundation
import VitaJSON

/// Turning API values into text people read on the wallet pages.
enum WalletFormat {
    /// "2024-09-01" as "1 September 2024"; an RFC 3339 time as "1 September 2024, 09:30 UTC"; the text as given
    /// when it does not parse.
    static func date(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        if text.count == 10 { return calendarDate(text) ?? text }
        return CredentialView.date(text)
    }

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                         "October", "November", "December"]

    /// "2024-09-01" as "1 September 2024" (a profile page shows hundreds: no formatter is built for each).
    static func calendarDate(_ text: String) -> String? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]),
              let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day) else { return nil }
        return "\(day) \(months[month - 1]) \(year)"
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
                guard let id = item["id"]?.stringValue, var name = item["name"]?.stringValue else { continue }
                // An imported framework's item goes by its code too: "DS.1.10 Summarise a data set (Data Skills)".
                if let code = item["code"]?.stringValue { name = code + " " + name }
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
