import Foundation
import Hummingbird
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The live servers of the tests start, or say why not: a server that cannot listen must fail its test, not leave the
/// run waiting for a start that will not come (a CI run once waited until CI's own limit).
struct LiveServerStartTests {
    @Test("a test server whose port is taken by another socket fails with the bind error after three tries instead of waiting")
    func takenPortFails() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(listening)
        let taken = Int(UInt16(bigEndian: address.sin_port))
        var tries = 0
        await #expect(throws: (any Error).self) {
            try await LiveVita.serve(on: { tries += 1; return taken }) { port, onRunning in
                (Application(router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: port)),
                             onServerRunning: onRunning), ())
            } _: { _, _ in
                Issue.record("the body ran although the server could not listen")
            }
        }
        #expect(tries == 3)
    }

    @Test("a test server on port 0 reports the port it listens on, answers there, and stops when its body is done")
    func portZeroIsReported() async throws {
        let router = Router()
        router.get("/ping") { _, _ in "pong" }
        try await LiveVita.serving(router) { base in
            #expect(!base.hasSuffix(":0"))
            try await LiveVita.withLoopbackClient { http in
                let answer = try await http.send(.init(method: "GET", url: base + "/ping"))
                #expect(answer.status == 200 && String(decoding: answer.body, as: UTF8.self) == "pong")
            }
        }
    }
}
