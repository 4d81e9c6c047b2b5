import Foundation
import VitaJSON

/// Every English text of the web interface, from one table (`Resources/strings/en.json`) keyed by message id, so a
/// translation is one more file. Ids are namespaced with dots (`verdict.genuine`); templates read them as `t.<id>` with
/// the dots turned into underscores (`{{t.verdict_genuine}}`), since Mustache reads dots as nesting.
struct WebStrings: Sendable {
    let table: [String: String]

    /// Loads the table for `language` from the bundled resources.
    init(language: String = "en") throws {
        guard let url = Bundle.module.url(forResource: language, withExtension: "json", subdirectory: "strings"),
              let data = try? Data(contentsOf: url) else {
            throw WebError(.missingResource, "strings/\(language).json")
        }
        try self.init(json: Array(data))
    }

    /// A table from JSON text: one object of message id → text.
    init(json bytes: [UInt8]) throws {
        guard let value = try? JSONValue(parsing: bytes), let object = value.objectValue else {
            throw WebError(.missingResource, "the strings table is not a JSON object")
        }
        var table: [String: String] = [:]
        for (key, text) in object {
            guard let text = text.stringValue else { throw WebError(.missingResource, "string \(key) is not text") }
            table[key] = text
        }
        self.table = table
    }

    /// The bundled templates folder.
    static var templatesURL: URL? { Bundle.module.url(forResource: "templates", withExtension: nil) }

    /// The text of `id`; the id itself when missing (the Swift tests check that every id the code uses exists).
    subscript(_ id: String) -> String { table[id] ?? id }

    /// The text of `id` with each `{name}` replaced by `arguments[name]`.
    func format(_ id: String, _ arguments: [String: String]) -> String {
        var text = self[id]
        for (name, value) in arguments { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// The table as templates read it: `t.verdict_genuine` for `verdict.genuine`.
    var templateValues: [String: String] {
        Dictionary(uniqueKeysWithValues: table.map { ($0.key.replacingOccurrences(of: ".", with: "_"), $0.value) })
    }

    /// A byte count for people: "850 bytes", "12 KB", "1 MB", "10.5 MB" (one decimal, dropped when it is 0).
    static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) bytes" }
        if bytes < 1 << 20 { return "\(bytes / 1024) KB" }
        let text = String(format: "%.1f", Double(bytes) / Double(1 << 20))
        return (text.hasSuffix(".0") ? String(text.dropLast(2)) : text) + " MB"
    }
}
