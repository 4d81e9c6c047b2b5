import Foundation

/// The CSV file of a batch issuance (`vita issue --batch`, the console's bulk upload): a header naming
/// `learner_id`, `record_id` and `achievement_id` (any order, other columns ignored), then one row per credential.
/// Fields may be double-quoted (RFC 4180 quoting within a line); blank lines are skipped.
public enum IssuanceCSV {
    /// One row of the file.
    public struct Row: Sendable, Equatable {
        /// The 1-based line in the file.
        public let line: Int
        public let learnerId: String
        public let recordId: String
        public let achievementId: String
    }

    /// A line that is not a row: its number and why.
    public struct BadLine: Sendable, Equatable {
        public let line: Int
        public let reason: String
    }

    /// The most rows one file may hold.
    public static let maximumRows = 100_000

    /// Reads the file: the rows, and the lines that could not be read as rows (with their reason). Throws
    /// `badBatchFile` when the file is not UTF-8, is empty, lacks the header's columns or has too many rows.
    public static func parse(_ bytes: [UInt8]) throws(IssuanceError) -> (rows: [Row], badLines: [BadLine]) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw IssuanceError(.badBatchFile, "the file is not UTF-8 text")
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .filter { !$0.element.trimmingCharacters(in: .whitespaces).isEmpty }.makeIterator()
        guard let header = lines.next() else { throw IssuanceError(.badBatchFile, "the file is empty") }
        let names: [String]
        do throws(IssuanceError) {
            names = try fields(header.element).map { $0.lowercased().trimmingCharacters(in: .whitespaces) }
        } catch {
            throw IssuanceError(.badBatchFile, "line \(header.offset + 1): \(error.reason)")
        }
        let start = names.first.map { $0.hasPrefix("\u{FEFF}") } == true ? 1 : 0
        var cleaned = names
        if start == 1 { cleaned[0] = String(cleaned[0].dropFirst()) }
        guard let learner = cleaned.firstIndex(of: "learner_id"), let record = cleaned.firstIndex(of: "record_id"),
              let achievement = cleaned.firstIndex(of: "achievement_id") else {
            throw IssuanceError(.badBatchFile, "the header must name learner_id, record_id and achievement_id")
        }
        var rows: [Row] = []
        var bad: [BadLine] = []
        while let (offset, line) = lines.next() {
            guard rows.count + bad.count < maximumRows else {
                throw IssuanceError(.badBatchFile, "the file has more than \(maximumRows) rows")
            }
            // No identifier holds a NUL, and PostgreSQL cannot store one.
            guard !line.utf8.contains(0) else {
                bad.append(BadLine(line: offset + 1, reason: "the line holds the NUL character (U+0000)"))
                continue
            }
            do throws(IssuanceError) {
                let values = try fields(line)
                guard values.count == cleaned.count else {
                    bad.append(BadLine(line: offset + 1, reason: "\(values.count) fields where the header has \(cleaned.count)"))
                    continue
                }
                rows.append(Row(line: offset + 1, learnerId: values[learner], recordId: values[record],
                                achievementId: values[achievement]))
            } catch {
                bad.append(BadLine(line: offset + 1, reason: error.reason))
            }
        }
        return (rows, bad)
    }

    /// The fields of one CSV line.
    private static func fields(_ line: Substring) throws(IssuanceError) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        var atFieldStart = true
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else if next == "," {
                            quoted = false
                            fields.append(current)
                            current = ""
                            atFieldStart = true
                        } else {
                            throw IssuanceError(.badBatchFile, "unexpected character after a closing quote")
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && atFieldStart {
                quoted = true
                atFieldStart = false
            } else if character == "," {
                fields.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                atFieldStart = true
            } else {
                current.append(character)
                atFieldStart = false
            }
        }
        guard !quoted else { throw IssuanceError(.badBatchFile, "unterminated quoted field") }
        fields.append(atFieldStart && current.isEmpty ? "" : current.trimmingCharacters(in: .whitespaces))
        return fields
    }

    /// The report of a batch: one line per row of the file, `line,status,credential_id_or_reason`, with RFC 4180
    /// quoting where a field needs it, and a leading `'` on text that a spreadsheet would take for a formula.
    public static func report(_ outcomes: [(line: Int, issuedCredentialId: String?, reason: String?)]) -> String {
        var text = "line,status,credential_id_or_reason\n"
        for outcome in outcomes.sorted(by: { $0.line < $1.line }) {
            if let id = outcome.issuedCredentialId {
                text += "\(outcome.line),issued,\(quoted(id))\n"
            } else {
                text += "\(outcome.line),\(outcome.reason == nil ? "pending" : "rejected"),\(quoted(outcome.reason ?? ""))\n"
            }
        }
        return text
    }

    private static func quoted(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { ",\"\n\r".contains($0) }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
