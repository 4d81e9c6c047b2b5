import Foundation
import Testing
import VitaCredentials
import VitaJSON
@testable import VitaResolution

@Suite("Resolution HTTP policy: limits, timeouts, cache, offline mode")
struct HTTPPolicyTests {
    @Test("a body over the size cap is rejected while streaming, before the server has finished sending")
    func oversizedStreamed() async throws {
        try await TestServer.with { server in
            // 2 MiB, then the server stalls for longer than the client's time limit: a client
            // that read everything before checking would report a timeout, not the size.
            server.serve("/big", Served(body: .stream(chunks: 32, stall: .seconds(25), declaredLength: nil)))
            try await withClient(.loopback(timeout: .seconds(20))) { client in
                let error = await resolutionError {
                    try await client.fetch("\(server.origin)/big", accept: "*/*", purpose: .statusList)
                }
                #expect(error?.code == .tooLarge, "\(String(describing: error))")
            }
        }
    }

    @Test("a declared Content-Length over the cap is rejected without reading the body")
    func oversizedDeclared() async throws {
        try await TestServer.with { server in
            server.serve("/declared", Served(body: .stream(chunks: 1, stall: .seconds(10), declaredLength: 100 << 20)))
            try await withClient(.loopback(timeout: .seconds(8))) { client in
                let error = await resolutionError {
                    try await client.fetch("\(server.origin)/declared", accept: "*/*", purpose: .statusList)
                }
                #expect(error?.code == .tooLarge)
                #expect(error?.reason.contains("\(100 << 20) bytes") == true)
            }
        }
    }

    @Test("a server slower than the time limit gives a timeout error")
    func slowServerTimesOut() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):slow"
            server.serve("/slow/did.json", Served(delay: .seconds(2), body: .bytes(Array(Fixtures.didDocument(did).serialized()))))
            try await withClient(.loopback(timeout: .milliseconds(300))) { client in
                let error = await resolutionError { try await DIDWebResolver(client: client).method("\(did)#key-1") }
                #expect(error?.code == .timeout, "\(String(describing: error))")
            }
        }
    }

    @Test("a cached document is not requested again; failures are remembered too")
    func cacheHit() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):cached"
            server.serve("/cached/did.json", .json(Fixtures.didDocument(did)))
            try await withClient { client in
                let resolver = client.verificationMethodResolver
                for _ in 0..<3 { _ = try await resolver.resolve("\(did)#key-1") }
                #expect(server.requests("/cached/did.json") == 1)
                for _ in 0..<2 {
                    await #expect(throws: CredentialError.self) { try await resolver.resolve("did:web:\(server.didWebDomain):gone#key-1") }
                }
                #expect(server.requests("/gone/did.json") == 1)
                await client.clearCache()
                _ = try await resolver.resolve("\(did)#key-1")
                #expect(server.requests("/cached/did.json") == 2)
            }
        }
    }

    @Test("a status list is refetched once its ttl has passed; a shorter Cache-Control max-age wins")
    func ttlExpiry() async throws {
        try await TestServer.with { server in
            let list = try StatusListCredential.unsigned(
                id: "\(server.origin)/status/ttl", issuer: "did:example:issuer", purpose: .revocation,
                list: try BitstringStatusList(), validFrom: Fixtures.now, ttl: 60_000)
            server.serve("/status/ttl", .json(list))
            server.serve("/status/short", .json(list, cacheControl: "public, max-age=10"))
            server.serve("/status/nostore", .json(list, cacheControl: "no-store"))
            let clock = TestClock()
            try await withClient(.loopback(), clock: clock) { client in
                let resolver = client.statusListResolver
                _ = try await resolver.statusList(at: "\(server.origin)/status/ttl")
                _ = try await resolver.statusList(at: "\(server.origin)/status/short")
                _ = try await resolver.statusList(at: "\(server.origin)/status/nostore")
                clock.advance(30)
                _ = try await resolver.statusList(at: "\(server.origin)/status/ttl")
                _ = try await resolver.statusList(at: "\(server.origin)/status/short")
                _ = try await resolver.statusList(at: "\(server.origin)/status/nostore")
                #expect(server.requests("/status/ttl") == 1)
                #expect(server.requests("/status/short") == 2)
                #expect(server.requests("/status/nostore") == 2)
                clock.advance(31)
                _ = try await resolver.statusList(at: "\(server.origin)/status/ttl")
                #expect(server.requests("/status/ttl") == 2)
            }
        }
    }

    @Test("offline mode refuses every network resolution without a request; did:key still resolves")
    func offlineMode() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):issuers:alice"
            server.serve("/issuers/alice/did.json", .json(Fixtures.didDocument(did)))
            try await withClient(.loopback(offline: true)) { client in
                do {
                    _ = try await client.verificationMethodResolver.resolve("\(did)#key-1")
                    Issue.record("resolved offline")
                } catch let error as CredentialError {
                    #expect(error.reason == "offline mode: did:web resolution disabled")
                }
                do {
                    _ = try await client.verificationMethodResolver.resolve("\(server.origin)/issuers/bob#key-1")
                    Issue.record("resolved offline")
                } catch let error as CredentialError {
                    #expect(error.reason == "offline mode: controller document retrieval disabled")
                }
                do {
                    _ = try await client.statusListResolver.statusList(at: "\(server.origin)/status/1")
                    Issue.record("fetched offline")
                } catch let error as CredentialError {
                    #expect(error.code == .statusRetrieval)
                    #expect(error.reason == "offline mode: status list retrieval disabled")
                }
                let didKey = Fixtures.issuerKey.didKey.verificationMethodID
                let offlineKey = try await client.verificationMethodResolver.resolve(didKey)
                #expect(offlineKey.publicKey == Fixtures.issuerKey.multikey)
            }
            #expect(server.totalRequests == 0)
        }
    }

    @Test("plain http, private addresses and user info are refused unless allowed; redirects are followed and checked")
    func urlPolicyAndRedirects() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):moved"
            server.serve("/moved/did.json", .redirect(to: "/hop"))
            server.serve("/hop", .redirect(to: "\(server.origin)/final"))
            server.serve("/final", .json(Fixtures.didDocument(did)))
            server.serve("/loop", .redirect(to: "/loop"))
            server.serve("/downgrade", .redirect(to: "http://example.org/did.json"))
            try await withClient { client in
                let redirected = try await DIDWebResolver(client: client).method("\(did)#key-1")
                #expect(redirected.controller == did)
                #expect(await resolutionError {
                    try await client.fetch("\(server.origin)/loop", accept: "*/*", purpose: .controllerDocument)
                }?.code == .redirect)
                #expect(await resolutionError {
                    try await client.fetch("\(server.origin)/downgrade", accept: "*/*", purpose: .controllerDocument)
                }?.code == .insecureURL)
                #expect(await resolutionError {
                    try await client.fetch("https://user:pw@example.org/x", accept: "*/*", purpose: .controllerDocument)
                }?.code == .invalidIdentifier)
            }
            #expect(server.requests("/loop") == 4)
            try await withClient(ResolutionConfiguration()) { client in
                for url in ["http://example.org/issuer", "ftp://example.org/x"] {
                    #expect(await resolutionError { try await client.fetch(url, accept: "*/*", purpose: .controllerDocument) }?.code
                            == .insecureURL)
                }
                for url in ["https://127.0.0.1/x", "https://10.1.2.3/x", "https://192.168.0.1/x", "https://169.254.169.254/latest",
                            "https://localhost/x", "https://[::1]/x", "https://[fd00::1]/x"] {
                    #expect(await resolutionError { try await client.fetch(url, accept: "*/*", purpose: .controllerDocument) }?.code
                            == .forbiddenAddress, "\(url)")
                }
            }
            #expect(server.requests("/final") == 1)
        }
    }
}
