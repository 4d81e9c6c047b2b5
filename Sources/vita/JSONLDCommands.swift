import ArgumentParser
import Foundation
import VitaJSON
import VitaJSONLD

private func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(1)
}

/// `vita expand <file|->`: prints the expanded JSON-LD form of a document.
struct ExpandCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expand",
        abstract: "Expand a JSON-LD document (contexts come only from Vita's bundled set; no network)."
    )

    @Argument(help: "A JSON-LD file, or - for standard input.")
    var input: String

    @Option(help: "Base IRI of the document.")
    var base: String?

    @Flag(help: "Pretty-print the output.")
    var pretty = false

    func run() throws {
        let bytes = try readInput(input)
        let document: JSONValue
        do { document = try JSONValue(parsing: bytes) } catch { throw fail("\(input) is not valid JSON: \(error)") }
        do {
            let expanded = try JSONLD.expand(document, options: JSONLDOptions(base: base))
            print(expanded.serializedString(options: JSONWriteOptions(prettyPrinted: pretty)))
        } catch {
            throw fail("\(error)")
        }
    }
}

/// `vita canonize [--hash sha256|sha384] [--input jsonld|nquads] <file|->`: prints RDFC-1.0 canonical N-Quads.
struct CanonizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canonize",
        abstract: "Canonicalize a JSON-LD document or N-Quads with RDFC-1.0 and print canonical N-Quads."
    )

    enum InputFormat: String, ExpressibleByArgument, CaseIterable {
        case jsonld
        case nquads
    }

    @Argument(help: "A JSON-LD or N-Quads file, or - for standard input.")
    var input: String

    @Option(help: "Hash function: sha256 (default) or sha384.")
    var hash: RDFCHashAlgorithm = .sha256

    @Option(name: .customLong("input"), help: "Input format: jsonld (default) or nquads.")
    var format: InputFormat = .jsonld

    @Option(help: "Base IRI of a JSON-LD document.")
    var base: String?

    @Flag(help: "Also print the hash of the canonical N-Quads on standard error.")
    var printHash = false

    func run() throws {
        let bytes = try readInput(input)
        let options = RDFCOptions(hashAlgorithm: hash)
        let result: RDFCResult
        do {
            switch format {
            case .jsonld:
                result = try JSONLD.canonicalize(jsonBytes: bytes, options: JSONLDOptions(base: base), canonicalization: options)
            case .nquads:
                result = try RDFC10.canonicalize(try NQuads.parse(bytes: bytes), options: options)
            }
        } catch {
            throw fail("\(error)")
        }
        FileHandle.standardOutput.write(Data(result.canonicalBytes))
        if printHash {
            FileHandle.standardError.write(Data("\(hash.rawValue): \(result.hashHex(hash))\n".utf8))
        }
    }
}

extension RDFCHashAlgorithm: ExpressibleByArgument {}
