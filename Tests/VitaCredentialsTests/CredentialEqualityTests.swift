import Testing
import VitaJSON
@testable import VitaCredentials

@Suite("1EdTech credential equality and comparison")
struct CredentialEqualityTests {
    @Test("the spec's equality examples A, B, C and D are one credential, and C is the newer version")
    func specExamplesAreOneCredential() throws {
        let identities = try ["a", "b", "c", "d"].map {
            try CredentialIdentity(credential: Fixtures.json("ob-v3p0/examples/equality-credential-\($0).json"))
        }
        for identity in identities {
            #expect(identity.issuer == identities[0].issuer)
            #expect(identity.id == identities[0].id)
            #expect(identity.kind == .achievement)
        }
        #expect(identities[2].isNewer(than: identities[0]))
        #expect(!identities[0].isNewer(than: identities[2]))
        #expect(!identities[0].isNewer(than: identities[1]))
    }

    @Test("ids compare after percent-decoding and trimming, and the issuer may be a string or a profile")
    func normalization() throws {
        let one = try CredentialIdentity(credential: .object([
            "id": " urn:uuid:a%62c ", "issuer": .object(["id": "https://example.edu/issuers/1"]), "type": "ClrCredential",
        ]))
        let two = try CredentialIdentity(credential: .object([
            "id": "urn:uuid:abc", "issuer": "https://example.edu/issuers/%31", "type": ["VerifiableCredential", "ClrCredential"],
        ]))
        #expect(one == two)
        #expect(one.kind == .clr)
    }

    @Test("a credential without an id or an issuer id has no identity", arguments: [
        JSONValue.object(["issuer": "did:example:1"]),
        JSONValue.object(["id": "urn:uuid:1"]),
        JSONValue.object(["id": "urn:uuid:1", "issuer": .object(["name": "No id"])]),
        JSONValue.array([]),
    ])
    func missingIdentity(_ credential: JSONValue) {
        #expect(throws: CredentialError.self) { try CredentialIdentity(credential: credential) }
    }

    @Test("a VC 1.1 JWT takes the credential id and issuer from jti and iss")
    func jwtRegisteredClaims() throws {
        let header = Base64URL.encode(Array(#"{"alg":"EdDSA"}"#.utf8))
        let payload = Base64URL.encode(Array(#"{"iss":"did:example:issuer","jti":"urn:uuid:9","vc":{"type":["VerifiableCredential","OpenBadgeCredential"],"issuanceDate":"2024-01-01T00:00:00Z"}}"#.utf8))
        let identity = try CredentialIdentity(jws: CompactJWS(parsing: "\(header).\(payload).c2ln"))
        #expect(identity.issuer == "did:example:issuer")
        #expect(identity.id == "urn:uuid:9")
        #expect(identity.validFromText == "2024-01-01T00:00:00Z")
    }
}
