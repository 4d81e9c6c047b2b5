import Foundation
import Testing
import VitaCredentials
import VitaJSON
@testable import VitaResolution

@Suite("did:web and https controller documents")
struct DIDWebResolverTests {
    @Test("did:web DID URLs map to document URLs as the did:web method specification says; http only for allowed hosts")
    func documentURLs() async throws {
        try await withClient(ResolutionConfiguration(offline: true, allowInsecureHTTPForHosts: ["127.0.0.1"])) { client in
            let resolver = DIDWebResolver(client: client)
            let cases = [
                ("did:web:example.com", "https://example.com/.well-known/did.json"),
                ("did:web:example.com:user:alice#key-1", "https://example.com/user/alice/did.json"),
                ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
                ("did:web:127.0.0.1%3A8080:issuers:a#key-1", "http://127.0.0.1:8080/issuers/a/did.json"),
            ]
            for (id, expected) in cases {
                let (did, parsed) = try DIDWebResolver.parse(id)
                #expect(resolver.documentURL(parsed) == expected, "\(id)")
                #expect(did == String(id.split(separator: "#")[0]))
            }
            for bad in ["did:web:", "did:web:example.com::alice", "did:web:example.com:..", "did:web:example.com?versionId=1",
                        "did:web:example.com/path", "did:key:z6Mk"] {
                #expect(throws: ResolutionError.self, "\(bad)") { try DIDWebResolver.parse(bad) }
            }
        }
    }

    @Test("a did:web with a port and a path resolves: Multikey by relative reference, P-256 and P-384 JWKs embedded in a relationship")
    func resolvesPathAndPort() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):issuers:alice"
            var document = Fixtures.didDocument(did).objectValue!
            let p256 = try VCJWTSigningKey.generate(.p256).publicKey
            document["authentication"] = ["#key-1", [
                "id": .string("\(did)#key-2"), "type": "JsonWebKey", "controller": .string(did), "publicKeyJwk": p256.jwk,
            ], [
                // The W3C vc-di-ecdsa P-384 vector key (z82LkuBi…) as a JWK.
                "id": .string("\(did)#key-3"), "type": "JsonWebKey", "controller": .string(did), "publicKeyJwk": [
                    "kty": "EC", "crv": "P-384",
                    "x": "7DpOQVtOGaRWhhgCn0J_pdqai8SukuAuBqrlKGswDGTe-PDqkFWGYGSiVFFUgLwT",
                    "y": "gBXZty19VyROqO-awMYhiWcIpZNn-d-59UyoSz8cnbEoiyMcOuDU_nNE_SUzJkcg",
                ],
            ]]
            server.serve("/issuers/alice/did.json", .json(.object(document), contentType: "application/did+json"))
            server.serve("/.well-known/did.json", .json(Fixtures.didDocument("did:web:\(server.didWebDomain)")))
            try await withClient { client in
                let resolver = DIDWebResolver(client: client)
                let method = try await resolver.method("\(did)#key-1")
                #expect(method.publicKey == Fixtures.issuerKey.multikey)
                #expect(method.controller == did)
                #expect(method.relationships == ["assertionMethod", "authentication"])
                let jwkMethod = try await resolver.method("\(did)#key-2")
                #expect(jwkMethod.publicKey == p256.multikey)
                #expect(jwkMethod.type == "JsonWebKey")
                #expect(jwkMethod.relationships == ["authentication"])
                let p384Method = try await resolver.method("\(did)#key-3")
                #expect(p384Method.publicKey.multibase == "z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ")
                let fetched = try await resolver.document(for: "\(did)#key-1")
                #expect(fetched["id"]?.stringValue == did)
                let root = try await resolver.method("did:web:\(server.didWebDomain)#key-1")
                #expect(root.controller == "did:web:\(server.didWebDomain)")
                let missing = await resolutionError { try await resolver.method("\(did)#key-9") }
                #expect(missing?.code == .methodNotFound)
                let noFragment = await resolutionError { try await resolver.method(did) }
                #expect(noFragment?.code == .invalidIdentifier)
            }
            #expect(server.requests("/issuers/alice/did.json") == 1)
        }
    }

    @Test("a DID document whose id is not the DID is rejected")
    func idMismatch() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):issuers:mallory"
            server.serve("/issuers/mallory/did.json",
                         .json(Fixtures.didDocument(did, id: "did:web:\(server.didWebDomain):issuers:alice")))
            try await withClient { client in
                let error = await resolutionError { try await DIDWebResolver(client: client).method("\(did)#key-1") }
                #expect(error?.code == .idMismatch)
                do {
                    _ = try await client.verificationMethodResolver.resolve("\(did)#key-1")
                    Issue.record("an id mismatch resolved")
                } catch let error as CredentialError {
                    #expect(error.code == .unresolvableVerificationMethod)
                    #expect(error.reason.contains("has the id did:web:\(server.didWebDomain):issuers:alice"))
                }
            }
        }
    }

    @Test("a method controlled by another DID, or listed under no relationship, is refused")
    func controllerAndRelationships() async throws {
        try await TestServer.with { server in
            let did = "did:web:\(server.didWebDomain):a"
            var foreign = Fixtures.didDocument(did).objectValue!
            foreign["verificationMethod"] = [[
                "id": .string("\(did)#key-1"), "type": "Multikey", "controller": "did:web:elsewhere.example",
                "publicKeyMultibase": .string(Fixtures.issuerKey.publicKeyMultibase),
            ]]
            server.serve("/a/did.json", .json(.object(foreign)))
            let unlisted = "did:web:\(server.didWebDomain):b"
            server.serve("/b/did.json", .json(Fixtures.didDocument(unlisted, relationships: [])))
            try await withClient { client in
                let resolver = DIDWebResolver(client: client)
                #expect(await resolutionError { try await resolver.method("\(did)#key-1") }?.code == .notAuthorized)
                #expect(await resolutionError { try await resolver.method("\(unlisted)#key-1") }?.code == .notAuthorized)
            }
        }
    }

    @Test("an https method is taken from the fetched controller document; the 1EdTech #z6Mk fragment only by opt-in fallback")
    func httpsControllerDocuments() async throws {
        try await TestServer.with { server in
            let profile = "\(server.origin)/issuers/bob"
            server.serve("/issuers/bob", .json([
                "@context": ["https://www.w3.org/ns/credentials/v2"], "id": .string(profile), "type": "Profile",
                "verificationMethod": [[
                    "id": .string("\(profile)#key-1"), "type": "Multikey", "controller": .string(profile),
                    "publicKeyMultibase": .string(Fixtures.issuerKey.publicKeyMultibase),
                ]],
                "assertionMethod": .array([.string("\(profile)#key-1")]),
            ]))
            let bare = "\(server.origin)/issuers/carol"
            server.serve("/issuers/carol", .json(["id": .string(bare), "type": "Profile", "name": "Carol"]))
            // A key published as its own document, listed by its controller.
            let keyURL = "\(server.origin)/keys/7"
            server.serve("/keys/7", .json([
                "id": .string(keyURL), "type": "Multikey", "controller": .string(profile + "-keys"),
                "publicKeyMultibase": .string(Fixtures.otherKey.publicKeyMultibase),
            ]))
            server.serve("/issuers/bob-keys", .json(["id": .string(profile + "-keys"), "assertionMethod": .array([.string(keyURL)])]))
            let fragmentKey = "\(bare)#\(Fixtures.otherKey.publicKeyMultibase)"
            let listedElsewhere = "\(profile)#\(Fixtures.otherKey.publicKeyMultibase)"
            try await withClient { client in
                let strict = HTTPSControllerResolver(client: client)
                let method = try await strict.method("\(profile)#key-1")
                #expect(method.publicKey == Fixtures.issuerKey.multikey)
                #expect(method.relationships == ["assertionMethod"])
                let standalone = try await strict.method(keyURL)
                #expect(standalone.publicKey == Fixtures.otherKey.multikey)
                #expect(standalone.controller == profile + "-keys")
                #expect(await resolutionError { try await strict.method(fragmentKey) }?.code == .methodNotFound)
                let lenient = HTTPSControllerResolver(client: client, fragmentKeyFallback: .whenUnavailable)
                let fromFragment = try await lenient.method(fragmentKey)
                #expect(fromFragment.publicKey == Fixtures.otherKey.multikey)
                // The fetched document lists methods: it wins over the fragment.
                #expect(await resolutionError { try await lenient.method(listedElsewhere) }?.code == .methodNotFound)
            }
        }
    }
}
