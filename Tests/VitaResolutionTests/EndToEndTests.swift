import Foundation
import Testing
import VitaCredentials
import VitaJSON
@testable import VitaResolution

@Suite("Verification over HTTP, end to end")
struct EndToEndTests {
    static func verifier(_ client: ResolutionHTTPClient) -> CredentialVerifier {
        CredentialVerifier(resolver: client.verificationMethodResolver, clock: { Fixtures.now },
                           statusResolver: client.statusListResolver)
    }

    @Test("a credential signed by a did:web key verifies through CredentialVerifier; another key's signature fails")
    func didWebCredentialVerifies() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):issuers:alice"
            server.serve("/issuers/alice/did.json", .json(Fixtures.didDocument(did)))
            let credential = try Fixtures.credential(issuer: did, method: "\(did)#key-1")
            let forged = try Fixtures.credential(issuer: did, method: "\(did)#key-1", key: Fixtures.otherKey)
            try await withClient { client in
                let report = await Self.verifier(client).verify(credential)
                #expect(report.verdict == .valid, "\(report)")
                #expect(report.checks(named: "issuer").first?.outcome == .pass)
                let forgedReport = await Self.verifier(client).verify(forged)
                #expect(forgedReport.verdict == .invalid)
                #expect(forgedReport.checks(named: "proof").first?.message.contains("signature does not match") == true)
            }
        }
    }

    @Test("a method authorized only for authentication cannot sign a credential (assertionMethod)")
    func relationshipEnforced() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):issuers:auth"
            server.serve("/issuers/auth/did.json", .json(Fixtures.didDocument(did, relationships: ["authentication"])))
            let credential = try Fixtures.credential(issuer: did, method: "\(did)#key-1")
            try await withClient { client in
                let report = await Self.verifier(client).verify(credential)
                #expect(report.verdict == .invalid)
                #expect(report.checks(named: "proof").first?.message.contains("not authorized for assertionMethod") == true)
            }
        }
    }

    @Test("an unreachable or offline did:web gives a failed proof check that says why")
    func failureReasonsInReport() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):issuers:nobody"
            let credential = try Fixtures.credential(issuer: did, method: "\(did)#key-1")
            try await withClient { client in
                let report = await Self.verifier(client).verify(credential)
                #expect(report.verdict == .invalid)
                #expect(report.checks(named: "proof").first?.message.contains("answered HTTP 404") == true, "\(report)")
            }
            try await withClient(.loopback(offline: true)) { client in
                let report = await Self.verifier(client).verify(credential)
                #expect(report.checks(named: "proof").first?.message.contains("offline mode: did:web resolution disabled") == true)
            }
        }
    }

    @Test("a revoked credential fails \"revoked\" against a status list fetched over HTTP (JSON and VC-JWT lists)")
    func revokedOverHTTP() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):issuers:alice"
            let method = "\(did)#key-1"
            server.serve("/issuers/alice/did.json", .json(Fixtures.didDocument(did)))
            var bits = try BitstringStatusList()
            try bits.set(42, true)
            for (path, jwt) in [("/status/json", false), ("/status/jwt", true)] {
                let url = server.origin + path
                let list = try StatusListCredential.unsigned(id: url, issuer: .string(did), purpose: .revocation, list: bits,
                                                             validFrom: XSDDateTime.parse("2026-01-01T00:00:00Z")!, ttl: 300_000)
                if jwt {
                    let token = try await VCJWT.sign(credential: list, key: VCJWTSigningKey(ed25519: Fixtures.issuerKey), kid: method)
                    server.serve(path, .text(token, contentType: "application/vc+jwt"))
                } else {
                    server.serve(path, .json(try Fixtures.sign(list, method: method), contentType: "application/vc+ld+json"))
                }
            }
            try await withClient { client in
                for path in ["/status/json", "/status/jwt"] {
                    let url = server.origin + path
                    let revoked = try Fixtures.credential(
                        issuer: did, method: method,
                        status: BitstringStatusListEntry(purpose: .revocation, index: 42, listCredential: url).json)
                    let report = await Self.verifier(client).verify(revoked)
                    #expect(report.verdict == .invalid, "\(report)")
                    #expect(report.checks(named: "status").first?.message.hasPrefix("revoked: index 42 of \(url)") == true, "\(report)")
                    let clear = try Fixtures.credential(
                        issuer: did, method: method,
                        status: BitstringStatusListEntry(purpose: .revocation, index: 7, listCredential: url).json)
                    #expect(await Self.verifier(client).verify(clear).verdict == .valid)
                }
            }
            #expect(server.requests("/status/json") == 1)
            #expect(server.requests("/status/jwt") == 1)
        }
    }

    @Test("a 1EdTechRevocationList fetched over HTTP revokes the credential it lists")
    func oneEdTechRevocationList() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):issuers:alice"
            server.serve("/issuers/alice/did.json", .json(Fixtures.didDocument(did)))
            let listURL = "\(server.origin)/revocations"
            // The extensions context defines 1EdTechRevocationList; without it the type would be
            // dropped from the signed data, and eddsa-rdfc-2022 signing (safe mode) refuses that.
            let credential = try Fixtures.credential(
                issuer: did, method: "\(did)#key-1", status: ["id": .string(listURL), "type": "1EdTechRevocationList"],
                contexts: ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"])
            server.serve("/revocations", .json([
                "id": .string(listURL),
                "revokedCredential": [["id": "urn:uuid:5f0c2b8e-3d4a-4e1f-8b6a-2c9d7e1f0a34", "revocationReason": "issued in error"]],
            ]))
            try await withClient { client in
                let report = await Self.verifier(client).verify(credential)
                #expect(report.checks(named: "status").first?.message.hasPrefix("revoked: listed in the 1EdTechRevocationList") == true,
                        "\(report)")
            }
        }
    }
}
