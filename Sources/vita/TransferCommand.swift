import ArgumentParser
import Foundation
import VitaPeer

#if canImport(Glibc)
import Glibc
#endif

struct Transfer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pull a learner's records from a peer Vita into the Vita at --to (POST /api/v1/transfers).",
        discussion: """
            The Vita at --to obtains a token at the peer, reads the learner's records and credentials under the \
            peer's agreements, verifies every credential and stores everything with provenance pointing at the peer. \
            Progress is shown on a terminal; the summary is printed at the end. See docs/TRANSFER.md.
            """)

    @Option(help: "The learner's id at the peer (lrn_…).") var learner: String
    @Option(help: "The base URL of the Vita that receives the records (https; http only on loopback).") var to: String
    @Option(help: "The peer to pull from, as registered at --to (per_…).") var peer: String
    @Option(help: "Only these record categories (repeatable; default: every category the peer allows).")
    var category: [String] = []
    @Option(help: "An administrator API key of the Vita at --to (default: the VITA_API_KEY environment variable).")
    var apiKey: String?

    func run() async throws {
        try await reportingFailures {
            guard learner.hasPrefix("lrn_") else { throw CommandFailure("--learner must be a learner id (lrn_…)") }
            guard peer.hasPrefix("per_") else { throw CommandFailure("--peer must be a peer id (per_…)") }
            let base: String
            do { base = try PeerHTTPClient.checkedBaseURL(to) } catch {
                throw CommandFailure("--to: \((error as? PeerError)?.message ?? "\(error)")")
            }
            guard let key = apiKey ?? ProcessInfo.processInfo.environment["VITA_API_KEY"], !key.isEmpty else {
                throw CommandFailure("an administrator API key is needed: --api-key or VITA_API_KEY")
            }
            var request: [String: Any] = ["peerId": peer, "sourceLearnerId": learner]
            if !category.isEmpty { request["categories"] = category }
            let body = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys])
            let client = PeerHTTPClient(timeout: .seconds(600))
            let status = StatusLine()
            var outcome: Result<[String: Any], CommandFailure> = .failure(CommandFailure("the server sent no summary"))
            do {
                var httpStatus = 0
                var pending = Data()
                var errorBody = Data()
                try await client.stream(.post, base + "/api/v1/transfers", headers: [
                    ("Authorization", "Bearer \(key)"), ("Content-Type", "application/json"),
                    ("Accept", "application/x-ndjson"),
                ], body: Array(body)) { head in
                    httpStatus = head.status
                } chunk: { bytes in
                    guard httpStatus == 200 else { errorBody.append(contentsOf: bytes); return }
                    pending.append(contentsOf: bytes)
                    while let newline = pending.firstIndex(of: 0x0a) {
                        let line = pending[pending.startIndex..<newline]
                        pending = Data(pending[(newline + 1)...])
                        if let step = Self.handle(Data(line), status: status) { outcome = step }
                    }
                }
                if httpStatus != 200 { outcome = .failure(CommandFailure(Self.problemMessage(errorBody, status: httpStatus))) }
            } catch {
                status.clear()
                try? await client.shutdown()
                throw CommandFailure("cannot reach \(base): \((error as? PeerError)?.message ?? "\(error)")")
            }
            status.clear()
            try await client.shutdown()
            let summary = try outcome.get()
            let number = { (name: String) in (summary[name] as? Int) ?? 0 }
            print("Transferred learner \(learner) as \(summary["learnerId"] as? String ?? "?"): \(number("created")) created, "
                  + "\(number("updated")) updated, \(number("unchanged")) unchanged, \(number("deleted")) deleted, "
                  + "\(number("credentials")) verified credentials.")
        }
    }

    /// Shows one progress line; returns the outcome when the line ends the transfer.
    static func handle(_ line: Data, status: StatusLine) -> Result<[String: Any], CommandFailure>? {
        guard let step = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
              let name = step["step"] as? String else { return nil }
        switch name {
        case "token": status.show("token obtained from the peer")
        case "learner": status.show("learner read")
        case "category":
            let category = step["category"] as? String ?? "?"
            if let skipped = step["skipped"] as? String {
                status.show("\(category): skipped (\(skipped))")
            } else {
                status.show("\(category): \(step["records"] as? Int ?? 0) records")
            }
        case "credentials": status.show("\(step["verified"] as? Int ?? 0) credentials verified")
        case "summary":
            return .success(step["summary"] as? [String: Any] ?? [:])
        case "error":
            let problem = step["problem"] as? [String: Any] ?? [:]
            return .failure(CommandFailure(message(problem)))
        default: break
        }
        return nil
    }

    static func problemMessage(_ body: Data, status: Int) -> String {
        guard let problem = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return "the server answered HTTP \(status)"
        }
        return message(problem)
    }

    static func message(_ problem: [String: Any]) -> String {
        var text = problem["detail"] as? String ?? "the transfer failed"
        if let errors = problem["errors"] as? [[String: Any]] {
            for error in errors {
                if let field = error["field"] as? String, let reason = error["reason"] as? String, !text.contains(reason) {
                    text += "; \(field): \(reason)"
                }
            }
        }
        return text
    }
}

/// One line of progress on standard error: redrawn in place on a terminal, one line per step otherwise.
final class StatusLine: @unchecked Sendable {
    private let terminal = isatty(2) != 0
    private var drawn = false

    func show(_ message: String) {
        if terminal {
            FileHandle.standardError.write(Data("\r\u{1b}[K\(message)".utf8))
            drawn = true
        } else {
            FileHandle.standardError.write(Data("\(message)\n".utf8))
        }
    }

    func clear() {
        if terminal, drawn { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
        drawn = false
    }
}
