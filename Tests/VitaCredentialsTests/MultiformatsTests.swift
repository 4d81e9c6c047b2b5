import Foundation
import Testing
import VitaJSON
@testable import VitaCredentials

@Suite("Base58btc, multibase, multicodec, Multikey and did:key")
struct MultiformatsTests {
    @Test("base58btc round-trips bytes including leading zeros")
    func base58RoundTrip() throws {
        for sample: [UInt8] in [[], [0], [0, 0, 1], [0xff], Array(0..<64), [0, 0, 0, 255, 254]] {
            #expect(try Base58.decode(Base58.encode(sample)) == sample)
        }
        #expect(Base58.encode(Array("Hello World!".utf8)) == "2NEpo7TZRRrLZSi2U")
        #expect(Base58.encode([0, 0, 0x28, 0x7f, 0xb4, 0xcd]) == "11233QC4")
    }

    @Test("base58btc rejects characters outside the alphabet (0, O, I, l)")
    func base58RejectsBadCharacters() {
        for bad in ["0abc", "abcO", "I", "l1", "ab c"] {
            #expect(throws: CredentialError.self) { try Base58.decode(bad) }
        }
    }

    @Test("base58btc refuses over-long input instead of decoding it quadratically")
    func base58Limit() {
        let long = String(repeating: "z", count: Base58.defaultMaxLength + 1)
        #expect(throws: CredentialError.self) { try Base58.decode(long) }
        #expect(throws: CredentialError.self) { try Multibase.decodeBase58btc("z" + long) }
    }

    @Test("multibase requires the z prefix")
    func multibasePrefix() {
        #expect(throws: CredentialError.self) { try Multibase.decodeBase58btc("f00ff") }
        #expect(throws: CredentialError.self) { try Multibase.decodeBase58btc("") }
    }

    @Test("the W3C key pair decodes: 0xed01 public key, 0x8026 secret seed, and they match")
    func w3cKeyPair() throws {
        let kp = try Fixtures.object("vc-di-eddsa/TestVectors/keyPair.json")
        let pub = try Multikey(multibase: kp["publicKeyMultibase"]!.stringValue!)
        #expect(pub.codec == .ed25519Public)
        let pair = try Ed25519KeyPair(secretKeyMultibase: kp["privateKeyMultibase"]!.stringValue!)
        #expect(pair.publicKeyMultibase == kp["publicKeyMultibase"]!.stringValue!)
        #expect(pair.secretKeyMultibase == kp["privateKeyMultibase"]!.stringValue!)
        #expect(!pair.description.contains(pair.secretKeyMultibase))
        #expect(!String(describing: pair).contains(Fixtures.hexString(pair.seed)))
    }

    @Test("the 1EdTech OB 3.0 key: 64-byte secretKeyMultibase and hex key agree")
    func oneEdTechKey() throws {
        let k = try Fixtures.object("ob-v3p0/test-vectors/eddsa-rdfc-2022/key.json")
        let pair = try Ed25519KeyPair(secretKeyMultibase: k["secretKeyMultibase"]!.stringValue!)
        #expect(Fixtures.hexString(Array(pair.publicKey.rawRepresentation)) == k["publicKeyHex"]!.stringValue!)
        #expect(pair.publicKeyMultibase == k["publicKeyMultibase"]!.stringValue!)
        #expect(pair.didKey.did == k["didKey"]!.stringValue!)
        let seed = try Fixtures.hex(String(k["privateKeyHex"]!.stringValue!.prefix(64)))
        #expect(try Ed25519KeyPair(seed: seed).publicKeyMultibase == pair.publicKeyMultibase)
    }

    @Test("did:key test vectors: seed → Ed25519 key → did:key, verification method id and base58 key")
    func didKeyVectors() throws {
        guard case .object(let vectors) = try Fixtures.json("did/did-key/ed25519-x25519.json") else { Issue.record("not an object"); return }
        #expect(vectors.count == 5)
        for (did, v) in vectors {
            let seed = try Fixtures.hex(v["seed"]!.stringValue!)
            let pair = try Ed25519KeyPair(seed: seed)
            #expect(pair.didKey.did == did)
            let doc = v["didDocument"]!
            #expect(doc["id"]?.stringValue == did)
            let vm = doc["verificationMethod"]![0]!
            #expect(vm["id"]?.stringValue == pair.didKey.verificationMethodID)
            if let b58 = vm["publicKeyBase58"]?.stringValue {
                #expect(b58 == Base58.encode(pair.publicKey.rawRepresentation))
            } else {
                // The last vector uses JsonWebKey2020: compare the base64url `x`.
                let x = pair.publicKey.rawRepresentation.base64EncodedString()
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "=", with: "")
                #expect(vm["publicKeyJwk"]?["x"]?.stringValue == x)
            }
            #expect(doc["assertionMethod"]?[0]?.stringValue == pair.didKey.verificationMethodID)
            // Parsing back.
            let parsed = try DIDKey(parsing: did)
            #expect(parsed.publicKey == pair.multikey)
            let resolved = try DIDKeyResolver.resolveSynchronously(pair.didKey.verificationMethodID)
            #expect(resolved.controller == did)
            #expect(resolved.relationships.contains("assertionMethod"))
            // Generated document: Multikey representation.
            let generated = parsed.didDocument
            #expect(generated["verificationMethod"]?[0]?["type"]?.stringValue == "Multikey")
            #expect(generated["verificationMethod"]?[0]?["publicKeyMultibase"]?.stringValue == pair.publicKeyMultibase)
            #expect(generated["assertionMethod"]?[0]?.stringValue == pair.didKey.verificationMethodID)
            // The X25519 key agreement key of the vector parses as x25519-pub but is not used for proofs.
            let kaFull = v["keyAgreementKeyPair"]!["id"]!.stringValue!
            let kaID = kaFull[kaFull.index(after: kaFull.firstIndex(of: "#")!)...]
            let ka = try Multikey(multibase: kaID)
            #expect(ka.codec == .x25519Public)
            #expect(throws: CredentialError.self) { try ka.ed25519PublicKey() }
        }
    }

    @Test("non-Ed25519 did:keys parse but are reported unsupported for verification")
    func otherDidKeys() async throws {
        // P-256 (zDn…) from the OB fixtures, and the X25519 key of the did:key vectors.
        let p256 = try DIDKey(parsing: "did:key:zDnaekGZTbQBerwcehBSXLqAg6s55hVEBms1zFy89VHXtJSa9")
        #expect(p256.publicKey.codec == .p256Public)
        await #expect(throws: CredentialError.self) {
            let m = try await DIDKeyResolver().resolve(p256.verificationMethodID)
            _ = try m.publicKey.ed25519PublicKey()
        }
        #expect(throws: CredentialError.self) { try DIDKey(parsing: "did:web:example.com") }
        #expect(throws: CredentialError.self) { try DIDKey(parsing: "did:key:z6MkBAD") }
        #expect(throws: CredentialError.self) {
            try DIDKey(parsing: "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkOther")
        }
    }

    @Test("XML Schema dateTime parsing handles Z, offsets and fractions")
    func dateTimes() throws {
        let z = try #require(XSDDateTime.parse("2010-01-01T00:00:00Z"))
        #expect(z.timeIntervalSince1970 == 1262304000)
        let off = try #require(XSDDateTime.parse("2022-11-10T07:38:00-08:00"))
        #expect(XSDDateTime.format(off) == "2022-11-10T15:38:00Z")
        #expect(XSDDateTime.parse("2023-02-24T23:36:38.123Z") != nil)
        #expect(XSDDateTime.parse("2023-02-30T00:00:00Z") == nil)
        #expect(XSDDateTime.parse("yesterday") == nil)
        #expect(XSDDateTime.format(z) == "2010-01-01T00:00:00Z")
    }
}
