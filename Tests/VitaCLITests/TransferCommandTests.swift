import Foundation
import Testing

extension CommandLineTests {
    @Test("vita transfer refuses bad arguments with a message and exit 1 (64 for a missing option), and names an unreachable server")
    func transferArguments() throws {
        let learner = "lrn_0123456789abcdef0123456789abcdef"
        let peer = "per_0123456789abcdef0123456789abcdef"
        let missing = try VitaProcess.run(["transfer", "--learner", learner, "--peer", peer], in: folder)
        #expect(missing.status == 64)
        #expect(missing.error.contains("--to"))
        let cases: [([String], String)] = [
            (["--learner", "../x", "--to", "https://b.example", "--peer", peer, "--api-key", "k"], "--learner must be a learner id"),
            (["--learner", learner, "--to", "https://b.example", "--peer", "x", "--api-key", "k"], "--peer must be a peer id"),
            (["--learner", learner, "--to", "http://b.example", "--peer", peer, "--api-key", "k"], "must be https"),
            (["--learner", learner, "--to", "not a url", "--peer", peer, "--api-key", "k"], "--to:"),
            (["--learner", learner, "--to", "https://b.example", "--peer", peer], "an administrator API key is needed"),
            (["--learner", learner, "--to", "http://127.0.0.1:9", "--peer", peer, "--api-key", "k"], "cannot reach http://127.0.0.1:9"),
        ]
        for (arguments, message) in cases {
            let result = try VitaProcess.run(["transfer"] + arguments, in: folder)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.error.contains(message), "\(arguments): \(result.error)")
            #expect(!result.error.contains("Fatal error"))
        }
    }
}
