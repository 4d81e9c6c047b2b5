import Foundation
import Logging
import VitaJSON

/// Log lines as JSON objects, one per line on standard error (`VITA_LOG_FORMAT=json`), for log collectors:
/// `time` (RFC 3339, UTC, milliseconds), `level`, `label`, `source`, `message`, and the metadata as fields of a
/// `metadata` object (nested dictionaries and arrays kept as such). The same lines as the text format, nothing more:
/// what Vita logs never holds secrets or personal data (docs/SECURITY.md).
struct JSONLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let explicit = event.metadata { fields.merge(explicit) { $1 } }
        var object: JSONObject = [
            "time": .string(Self.time(Date())), "level": .string(event.level.rawValue), "label": .string(label),
            "source": .string(event.source), "message": .string(event.message.description),
        ]
        if !fields.isEmpty { object["metadata"] = Self.json(.dictionary(fields)) }
        FileHandle.standardError.write(Data(JSONValue.object(object).serialized() + [UInt8(ascii: "\n")]))
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let fields): .object(JSONObject(fields.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) }))
        }
    }

    static func time(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).timeZone(separator: .omitted))
    }
}

/// How log lines are written, chosen once per process from `VITA_LOG_FORMAT` (`text`, the default, or `json`).
enum LogFormat {
    static let bootstrapped: Void = {
        switch ProcessInfo.processInfo.environment["VITA_LOG_FORMAT"]?.lowercased() {
        case "json": LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        case nil, "", "text": break
        default: FileHandle.standardError.write(Data("vita: VITA_LOG_FORMAT must be text or json; logging as text\n".utf8))
        }
    }()
}
