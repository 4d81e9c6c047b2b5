import ArgumentParser
import Foundation
import VitaCore
import VitaStorage

#if canImport(Glibc)
import Glibc
#endif

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import learners and records with provenance from a JSON Lines file.",
        discussion: """
            Idempotent on the source system's ids: running a file again skips what is unchanged and stores changed \
            records as new versions, so an interrupted import is completed by running it again. Lines are applied in \
            transactions of --batch-size lines: a killed import leaves whole batches or nothing.
            """)

    @Argument(help: "The .jsonl file (see docs/IMPORT.md for the line format).") var file: String
    @Option(help: "Lines per transaction.") var batchSize = 500
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await reportingFailures {
            guard batchSize > 0 else { throw CommandFailure("--batch-size must be positive") }
            guard let handle = FileHandle(forReadingAtPath: file) else { throw CommandFailure("cannot open \(file)") }
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            let database = try await storage.open(logger: makeLogger("vita"))
            let importer = RecordImporter(database: database)
            let progress = Progress(totalBytes: size)
            var totals = RecordImporter.Totals()
            var reader = LineReader(handle: handle)
            var lineNumber = 0
            do {
                while true {
                    var batch: [Data] = []
                    var bytes = 0
                    while batch.count < batchSize, let line = reader.next() {
                        bytes += line.count + 1
                        batch.append(line)
                    }
                    if batch.isEmpty { break }
                    let nonEmpty = batch.enumerated().filter { !$0.element.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0d } }
                    let outcomes = try await importer.apply(nonEmpty.map(\.element))
                    for (offset, outcome) in zip(nonEmpty.map(\.offset), outcomes) {
                        switch outcome {
                        case .created: totals.created += 1
                        case .updated: totals.updated += 1
                        case .unchanged: totals.unchanged += 1
                        case .rejected(let field, let reason):
                            totals.rejected += 1
                            progress.clear()
                            FileHandle.standardError.write(Data("line \(lineNumber + offset + 1): \(field): \(reason)\n".utf8))
                        }
                    }
                    lineNumber += batch.count
                    progress.advance(bytes: bytes, lines: lineNumber)
                }
            } catch {
                progress.clear()
                try? await database.shutdown()
                throw error
            }
            progress.finish()
            try await database.shutdown()
            print("Imported \(totals.lines) lines: \(totals.created) created, \(totals.updated) updated, "
                  + "\(totals.unchanged) unchanged, \(totals.rejected) rejected.")
            if totals.rejected > 0 { throw ExitCode(1) }
        }
    }
}

/// Reads a file line by line in 1 MiB chunks.
struct LineReader {
    let handle: FileHandle
    private var buffer = Data()
    private var finished = false

    init(handle: FileHandle) { self.handle = handle }

    mutating func next() -> Data? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0a) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                return Data(line)
            }
            if finished {
                guard !buffer.isEmpty else { return nil }
                defer { buffer = Data() }
                return buffer
            }
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { finished = true } else { buffer.append(chunk) }
        }
    }
}

/// A progress bar on standard error, drawn only when standard error is a terminal.
final class Progress {
    private let totalBytes: Int
    private let unit: String
    private var doneBytes = 0
    private let enabled = isatty(2) != 0
    private let started = Date()
    private var lastDraw = Date.distantPast

    init(totalBytes: Int, unit: String = "lines") {
        self.totalBytes = totalBytes
        self.unit = unit
    }

    func advance(bytes: Int, lines: Int) {
        doneBytes += bytes
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let fraction = totalBytes > 0 ? min(1, Double(doneBytes) / Double(totalBytes)) : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let rate = Double(lines) / max(0.001, Date().timeIntervalSince(started))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write(Data("\r\(bar) \(Int(fraction * 100))%  \(lines) \(unit)  \(Int(rate))/s ".utf8))
    }

    func clear() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
    }

    func finish() {
        clear()
    }
}
