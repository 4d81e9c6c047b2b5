import Crypto
import Foundation
import Testing
import VitaJSON
@testable import VitaCredentials

/// VC-JWT (OB 3.0 §8.2): keys, signing, verification, attacks, validator fixtures.
@Suite("VC-JWT as profiled by Open Badges 3.0")
struct VCJWTTests {
    static let now = XSDDateTime.parse("2026-06-01T12:00:00Z")!
    static let verifier = CredentialVerifier(clock: { now })

    /// The OB 3.0 test-vector credential (VC DM 2.0), issued by `issuer`.
    static func credential(issuer: String, validUntil: String? = nil, validFrom: String? = nil) throws -> JSONValue {
        guard case .object(var o) = try Fixtures.json("ob-v3p0/test-vectors/eddsa-rdfc-2022/unsigned.json") else {
            throw CredentialError(.malformedDocument, "fixture")
        }
        o["issuer"] = ["id": .string(issuer), "type": ["Profile"], "name": "Vita Test Issuer"]
        if let validFrom { o["validFrom"] = .string(validFrom) }
        if let validUntil { o["validUntil"] = .string(validUntil) }
        return .object(o)
    }

    /// A did:key for Ed25519 / P-256 signing keys.
    static func didKey(_ key: VCJWTSigningKey) -> DIDKey? {
        key.publicKey.multikey.map { DIDKey(publicKey: $0) }
    }

    static func b64(_ s: String) -> String { Base64URL.encode(Array(s.utf8)) }

    static func parts(_ jwt: String) -> [String] { jwt.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }

    // MARK: - Keys

    @Test("RFC 8037 A.4: the Ed25519 JWS example is reproduced byte for byte and verifies; A.3 thumbprint")
    func rfc8037() async throws {
        let jwk: JSONValue = ["kty": "OKP", "crv": "Ed25519",
                              "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
                              "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"]
        let key = try VCJWTSigningKey(secretJWK: jwk)
        #expect(key.publicKey.thumbprint == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
        let expected = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        if signaturesAreDeterministic {
            let jws = try await VCJWT.signCompact(header: ["alg": "EdDSA"], payload: Array("Example of Ed25519 signing".utf8), key: key)
            #expect(jws == expected)
        }
        let p = Self.parts(expected)
        let algorithm = try await key.publicKey.jwtKitAlgorithm()
        #expect(try algorithm.verify(try Base64URL.decode(p[2]), signs: Array((p[0] + "." + p[1]).utf8)))
        #expect(try !algorithm.verify(try Base64URL.decode(p[2]), signs: Array((p[0] + "." + p[1] + "x").utf8)))
    }

    @Test("generated keys of every type export a secret JWK that imports back to the same key; the public JWK has no private members", arguments: VCJWTKeyType.allCases)
    func jwkRoundTrip(type: VCJWTKeyType) throws {
        let key = try VCJWTSigningKey.generate(type)
        let secret = key.secretJWK
        #expect(secret["d"]?.stringValue != nil)
        #expect(secret["alg"]?.stringValue == type.algorithm.rawValue)
        #expect(secret["kid"]?.stringValue == key.publicKey.thumbprint)
        let again = try VCJWTSigningKey(secretJWK: secret)
        #expect(again.publicKey == key.publicKey)
        let pub = key.publicKey.jwk
        for member in VCJWTPublicKey.privateMembers { #expect(pub[member] == nil) }
        #expect(try VCJWTPublicKey(jwk: pub) == key.publicKey)
        #expect(try VCJWTPublicKey(jwkJSON: pub.serializedString()) == key.publicKey)
        // A public key import refuses private members; description shows no secret.
        #expect(throws: CredentialError.self) { try VCJWTPublicKey(jwk: secret) }
        #expect(!key.description.contains(secret["d"]!.stringValue!))
        if type == .rsa {
            #expect(secret["p"] != nil && secret["q"] != nil && secret["qi"] != nil)
            #expect(Base64URL.encode(try Base64URL.decode(pub["n"]!.stringValue!)).count >= 342)  // 2048 bits
        }
    }

    @Test("malformed and unsupported JWKs are refused with invalidKey / unsupported, never a crash")
    func badJWKs() throws {
        let cases: [JSONValue] = [
            "not an object", [:], ["kty": "oct", "k": "AAAA"], ["kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"],
            ["kty": "OKP", "crv": "X25519", "x": "AA"], ["kty": "OKP", "crv": "Ed25519", "x": "AA"],
            ["kty": "OKP", "crv": "Ed25519", "x": "!!"], ["kty": "RSA", "n": "AQAB", "e": "AQAB"],
            ["kty": "EC", "crv": "P-256", "x": .string(Base64URL.encode([UInt8](repeating: 1, count: 32))),
             "y": .string(Base64URL.encode([UInt8](repeating: 1, count: 32)))],
            ["kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "alg": "RS256"],
            ["kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "use": "enc"],
        ]
        for jwk in cases {
            #expect(throws: CredentialError.self, "\(jwk)") { try VCJWTPublicKey(jwk: jwk) }
        }
        #expect(throws: CredentialError.self) { try VCJWTSigningKey(secretJWK: ["kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"]) }
        // An RSA secret JWK with only n, e, d still imports.
        let rsa = try VCJWTSigningKey.generate(.rsa)
        guard case .object(var minimal) = rsa.secretJWK else { return }
        for m in ["p", "q", "dp", "dq", "qi"] { minimal[m] = nil }
        #expect(try VCJWTSigningKey(secretJWK: .object(minimal)).publicKey == rsa.publicKey)
        // d that does not belong to x
        #expect(throws: CredentialError.self) {
            try VCJWTSigningKey(secretJWK: ["kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                                            "d": .string(Base64URL.encode([UInt8](repeating: 7, count: 32)))])
        }
    }

    @Test("Ed25519 and P-256 Multikeys (did:key) convert to VC-JWT keys and back")
    func multikeys() throws {
        for type in [VCJWTKeyType.ed25519, .p256] {
            let key = try VCJWTSigningKey.generate(type).publicKey
            let mk = try #require(key.multikey)
            #expect(mk.codec == (type == .p256 ? .p256Public : .ed25519Public))
            #expect(try VCJWTPublicKey(multikey: mk) == key)
        }
        #expect(try VCJWTSigningKey.generate(.rsa).publicKey.multikey == nil)
    }

    // MARK: - Signing and round trips

    static let cases: [(VCJWTKeyType, Bool)] = VCJWTKeyType.allCases.flatMap { [($0, true), ($0, false)] }

    @Test("sign then verify: every algorithm with a kid header and with a jwk header", arguments: cases)
    func roundTrip(type: VCJWTKeyType, useKid: Bool) async throws {
        let key = try VCJWTSigningKey.generate(type)
        let did = Self.didKey(key)
        let issuer = did?.did ?? "https://example.edu/issuers/565049"
        let kid = did?.verificationMethodID ?? "https://example.edu/issuers/565049#rsa-1"
        let credential = try Self.credential(issuer: issuer, validUntil: "2030-01-01T00:00:00Z")
        let jwt = useKid
            ? try await VCJWT.sign(credential: credential, key: key, kid: kid, issuedAt: Self.now)
            : try await VCJWT.sign(credential: credential, key: key, embedJWK: true, issuedAt: Self.now)
        let jws = try CompactJWS(parsing: jwt)
        #expect(jws.header["alg"]?.stringValue == type.algorithm.rawValue)
        #expect(jws.header["typ"]?.stringValue == "JWT")
        #expect(useKid ? jws.header["kid"]?.stringValue == kid : jws.header["jwk"] == key.publicKey.jwk)
        #expect(jws.header["jwk"]?["d"] == nil)
        // Claims (OB 3.0 §8.2.2), credential as payload (VC DM 2.0).
        #expect(jws.payload["iss"]?.stringValue == issuer)
        #expect(jws.payload["jti"]?.stringValue == "http://example.com/credentials/3527")
        #expect(jws.payload["sub"]?.stringValue == "did:example:ebfeb1f712ebc6f1c276e12ec21")
        #expect(jws.payload["nbf"]?.numberValue?.intValue == 1262304000)
        #expect(jws.payload["exp"]?.numberValue?.intValue == 1893456000)
        #expect(jws.payload["iat"]?.numberValue?.intValue == VCJWT.numericDate(Self.now))
        #expect(jws.credential == credential)

        let known = type == .rsa ? [VCJWTKnownKey(kid: kid, controller: issuer, key: key.publicKey)] : []
        let report = await Self.verifier.verify(jwt: jwt, knownKeys: known)
        #expect(report.passed("proof"), "\(report)")
        #expect(report.passed("claims"), "\(report)")
        #expect(report.passed("validity"))
        #expect(report.passed("schema"))
        #expect(report.proofs.first?.outcome == .verified)
        #expect(report.checks(named: "proof").first?.message.hasPrefix("VC-JWT (\(type.algorithm.rawValue)): signature valid (") == true)
        if type == .rsa, !useKid {
            // An RSA jwk is bound to nothing offline: issuer fails by default, warns if relaxed.
            #expect(report.failed("issuer"))
            var relaxed = Self.verifier
            relaxed.issuerBinding = .warnOnly
            let r = await relaxed.verify(jwt: jwt)
            #expect(r.verdict == .valid, "\(r)")
            #expect(r.checks(named: "issuer").first?.outcome == .warning)
        } else {
            #expect(report.passed("issuer"), "\(report)")
            #expect(report.verdict == .valid, "\(report)")
        }
    }

    @Test("a VC 1.1 credential goes into the vc claim; exact JSON (numbers as written, member order) survives signing")
    func payloadStyles() async throws {
        let key = try VCJWTSigningKey.generate(.ed25519)
        let did = try #require(Self.didKey(key))
        guard case .object(var o) = try Fixtures.json("ob-v3p0/validator-fixtures/simple_v1.json") else { return }
        o["proof"] = nil
        o["issuer"] = ["id": .string(did.did), "type": "Profile", "name": "Vita"]
        o["credentialSubject"] = o["credentialSubject"].map { s in
            guard case .object(var so) = s else { return s }
            so["score"] = .number(JSONNumber(lexical: "1.0")!)
            so["big"] = .number(JSONNumber(lexical: "1e2")!)
            return .object(so)
        }
        let v1 = JSONValue.object(o)
        let jwt = try await VCJWT.sign(credential: v1, key: key, kid: did.verificationMethodID, issuedAt: nil)
        let jws = try CompactJWS(parsing: jwt)
        #expect(jws.usesVCClaim)
        #expect(jws.payload["iat"] == nil)
        #expect(jws.payload["nbf"]?.numberValue?.intValue == VCJWT.numericDate(XSDDateTime.parse(o["issuanceDate"]!.stringValue!)!))
        #expect(jws.credential.serialized() == v1.serialized())
        let text = String(decoding: jws.payloadBytes, as: UTF8.self)
        #expect(text.contains("\"score\":1.0") && text.contains("\"big\":1e2"))
        let report = await Self.verifier.verify(jwt: jwt)
        #expect(report.passed("proof") && report.passed("claims"), "\(report)")
        #expect(report.checks(named: "format").first?.message.contains("vc claim") == true)

        // A VC 2.0 credential can be put in vc explicitly, and still verifies.
        let v2 = try Self.credential(issuer: did.did)
        let jwt2 = try await VCJWT.sign(credential: v2, key: key, kid: did.verificationMethodID, payloadStyle: .vcClaim)
        #expect(try CompactJWS(parsing: jwt2).usesVCClaim)
        let r2 = await Self.verifier.verify(jwt: jwt2)
        #expect(r2.verdict == .valid, "\(r2)")
        // A credential without an issuer id cannot be signed.
        guard case .object(var noIssuer) = v2 else { return }
        noIssuer["issuer"] = nil
        await #expect(throws: CredentialError.self) { try await VCJWT.sign(credential: .object(noIssuer), key: key, embedJWK: true) }
    }

    // MARK: - Attacks and failures

    /// A token over hand-made header and payload, signed by `key`.
    static func token(header: JSONObject, payload: JSONValue, key: VCJWTSigningKey) async throws -> String {
        try await VCJWT.signCompact(header: header, payload: payload.serialized(), key: key)
    }

    static func ed25519Setup() async throws -> (VCJWTSigningKey, DIDKey, JSONValue, String) {
        let key = try VCJWTSigningKey.generate(.ed25519)
        let did = try #require(Self.didKey(key))
        let credential = try Self.credential(issuer: did.did)
        let jwt = try await VCJWT.sign(credential: credential, key: key, kid: did.verificationMethodID)
        return (key, did, credential, jwt)
    }

    @Test("a tampered payload fails the proof check with a signature mismatch")
    func tampered() async throws {
        let (_, _, credential, jwt) = try await Self.ed25519Setup()
        let p = Self.parts(jwt)
        guard case .object(var payload) = try VCJWT.payload(for: credential) else { return }
        payload["name"] = "Forged Badge"
        let forged = p[0] + "." + Base64URL.encode(JSONValue.object(payload).serialized()) + "." + p[2]
        let report = await Self.verifier.verify(jwt: forged)
        #expect(report.verdict == .invalid)
        #expect(report.failed("proof"))
        #expect(report.proofs.first?.outcome == .signatureMismatch)
        // A non-canonical last base64url character (same bytes, different text) is malformed.
        let last = p[2].last!
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let sibling = alphabet[alphabet.firstIndex(of: last)! + 1]
        let r0 = await Self.verifier.verify(jwt: p[0] + "." + p[1] + "." + p[2].dropLast() + String(sibling))
        #expect(r0.failed("format") || r0.proofs.first?.outcome == .signatureMismatch)
        // A flipped signature bit too.
        var sig = try Base64URL.decode(p[2])
        sig[5] ^= 1
        let r2 = await Self.verifier.verify(jwt: p[0] + "." + p[1] + "." + Base64URL.encode(sig))
        #expect(r2.proofs.first?.outcome == .signatureMismatch)
    }

    @Test("a token signed by another key fails the proof check (wrong kid key, wrong embedded jwk)")
    func wrongKey() async throws {
        let (_, did, credential, _) = try await Self.ed25519Setup()
        let other = try VCJWTSigningKey.generate(.ed25519)
        // Claims the issuer's did:key but is signed by `other`.
        let t1 = try await Self.token(header: ["alg": "EdDSA", "typ": "JWT", "kid": .string(did.verificationMethodID)],
                                      payload: try VCJWT.payload(for: credential), key: other)
        let r1 = await Self.verifier.verify(jwt: t1)
        #expect(r1.failed("proof"))
        #expect(r1.proofs.first?.outcome == .signatureMismatch)
        // Embeds the issuer's key but is signed by `other`.
        let t2 = try await Self.token(header: ["alg": "EdDSA", "jwk": try VCJWTPublicKey(multikey: did.publicKey).jwk],
                                      payload: try VCJWT.payload(for: credential), key: other)
        let r2 = await Self.verifier.verify(jwt: t2)
        #expect(r2.proofs.first?.outcome == .signatureMismatch)
        // Embeds its own key: the signature verifies, but the key is not the did:key issuer's.
        let t3 = try await VCJWT.sign(credential: credential, key: other, embedJWK: true)
        let r3 = await Self.verifier.verify(jwt: t3)
        #expect(r3.passed("proof"))
        #expect(r3.failed("issuer"))
        #expect(r3.verdict == .invalid)
        // Its own jwk plus the issuer's kid: the two must name the same key.
        let t4 = try await Self.token(header: ["alg": "EdDSA", "kid": .string(did.verificationMethodID), "jwk": other.publicKey.jwk],
                                      payload: try VCJWT.payload(for: credential), key: other)
        let r4 = await Self.verifier.verify(jwt: t4)
        #expect(r4.failed("proof"))
        #expect(r4.checks(named: "proof").first?.message.contains("is not the key kid") == true)
    }

    @Test("a kid whose controller did not authorize it for assertionMethod is rejected")
    func assertionMethodRequired() async throws {
        let key = try VCJWTSigningKey.generate(.ed25519)
        let issuer = "https://example.edu/issuers/565049"
        let kid = issuer + "#auth-key"
        let method = VerificationMethod(id: kid, controller: issuer, publicKey: try #require(key.publicKey.multikey),
                                        relationships: ["authentication"])
        let verifier = CredentialVerifier(resolver: StaticVerificationMethodResolver([method]), clock: { Self.now })
        let jwt = try await VCJWT.sign(credential: try Self.credential(issuer: issuer), key: key, kid: kid)
        let report = await verifier.verify(jwt: jwt)
        #expect(report.failed("proof"))
        #expect(report.checks(named: "proof").first?.message.contains("assertionMethod") == true)
        var ok = method
        ok.relationships = ["assertionMethod"]
        let good = await CredentialVerifier(resolver: StaticVerificationMethodResolver([ok]), clock: { Self.now }).verify(jwt: jwt)
        #expect(good.verdict == .valid, "\(good)")
        #expect(good.passed("issuer"))
    }

    @Test("alg none is rejected by the proof check")
    func algNone() async throws {
        let (_, did, credential, _) = try await Self.ed25519Setup()
        let unsigned = Self.b64(#"{"alg":"none","typ":"JWT"}"#) + "." + Base64URL.encode(try VCJWT.payload(for: credential).serialized()) + "."
        let report = await Self.verifier.verify(jwt: unsigned)
        #expect(report.failed("proof"))
        #expect(report.verdict == .invalid)
        #expect(report.checks(named: "proof").first?.message.contains("alg none") == true)
        // also with a kid that would resolve
        let withKid = Self.b64(#"{"alg":"none","kid":"\#(did.verificationMethodID)"}"#) + "." + Self.parts(unsigned)[1] + "."
        #expect(await Self.verifier.verify(jwt: withKid).failed("proof"))
    }

    @Test("HS256 with the issuer's RSA public key as the HMAC secret is rejected (algorithm confusion)")
    func hmacConfusion() async throws {
        let key = try VCJWTSigningKey.generate(.rsa)
        let issuer = "https://example.edu/issuers/565049"
        let credential = try Self.credential(issuer: issuer)
        let header: JSONValue = ["alg": "HS256", "typ": "JWT", "jwk": key.publicKey.jwk]
        let input = Base64URL.encode(header.serialized()) + "." + Base64URL.encode(try VCJWT.payload(for: credential).serialized())
        // The classic attack: HMAC keyed with the public key's bytes (here: its JWK JSON and its modulus).
        for secret in [key.publicKey.jwk.serialized(), try Base64URL.decode(key.publicKey.jwk["n"]!.stringValue!)] {
            let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: secret))
            let forged = input + "." + Base64URL.encode(Array(mac))
            let report = await Self.verifier.verify(jwt: forged, knownKeys: [VCJWTKnownKey(kid: "k", controller: issuer, key: key.publicKey)])
            #expect(report.failed("proof"))
            #expect(report.verdict == .invalid)
            #expect(report.checks(named: "proof").first?.message.contains("symmetric algorithm HS256 is never accepted") == true)
        }
    }

    @Test("an alg that does not match the key type is rejected (ES256 header with an RSA key, RS256 with an Ed25519 did:key)")
    func algKeyMismatch() async throws {
        let rsa = try VCJWTSigningKey.generate(.rsa)
        let credential = try Self.credential(issuer: "https://example.edu/issuers/565049")
        let p256 = try VCJWTSigningKey.generate(.p256)
        // ES256-signed bytes under an RSA jwk header.
        let t1 = try await Self.token(header: ["alg": "ES256", "jwk": rsa.publicKey.jwk], payload: try VCJWT.payload(for: credential), key: p256)
        let r1 = await Self.verifier.verify(jwt: t1)
        #expect(r1.failed("proof"))
        #expect(r1.checks(named: "proof").first?.message.contains("does not match the rsa key") == true)
        let (ed, did, cred2, _) = try await Self.ed25519Setup()
        _ = ed
        let t2 = try await Self.token(header: ["alg": "RS256", "kid": .string(did.verificationMethodID)], payload: try VCJWT.payload(for: cred2), key: rsa)
        let r2 = await Self.verifier.verify(jwt: t2)
        #expect(r2.failed("proof"))
        #expect(r2.checks(named: "proof").first?.message.contains("does not match the ed25519 key") == true)
    }

    @Test("an expired credential (exp / validUntil passed) fails the validity check")
    func expired() async throws {
        let key = try VCJWTSigningKey.generate(.p256)
        let did = try #require(Self.didKey(key))
        let credential = try Self.credential(issuer: did.did, validUntil: "2020-01-01T00:00:00Z")
        let jwt = try await VCJWT.sign(credential: credential, key: key, kid: did.verificationMethodID)
        let report = await Self.verifier.verify(jwt: jwt)
        #expect(report.passed("proof"))
        #expect(report.passed("claims"))
        #expect(report.failed("validity"))
        #expect(report.checks(named: "validity").contains { $0.message.hasPrefix("expired: JWT exp 2020-01-01T00:00:00Z") })
        // exp alone (the credential has no validUntil): validity fails on the JWT claim; claims only warn.
        guard case .object(var payload) = try VCJWT.payload(for: try Self.credential(issuer: did.did)) else { return }
        payload["exp"] = 1577836800
        let t2 = try await Self.token(header: ["alg": "ES256", "kid": .string(did.verificationMethodID)], payload: .object(payload), key: key)
        let r2 = await Self.verifier.verify(jwt: t2)
        #expect(r2.passed("proof"))
        #expect(r2.checks(named: "validity").contains { $0.outcome == .fail && $0.message.contains("JWT exp") })
        #expect(r2.checks(named: "claims").first?.outcome == .warning)
        #expect(r2.verdict == .invalid)
    }

    @Test("nbf (validFrom) in the future fails the validity check")
    func notYetValid() async throws {
        let key = try VCJWTSigningKey.generate(.ed25519)
        let did = try #require(Self.didKey(key))
        let credential = try Self.credential(issuer: did.did, validFrom: "2040-01-01T00:00:00Z")
        let jwt = try await VCJWT.sign(credential: credential, key: key, kid: did.verificationMethodID)
        let report = await Self.verifier.verify(jwt: jwt)
        #expect(report.passed("proof"))
        #expect(report.failed("validity"))
        #expect(report.checks(named: "validity").contains { $0.message.hasPrefix("not yet valid: JWT nbf 2040-01-01T00:00:00Z") })
    }

    @Test("claims that disagree with the credential (iss, jti, sub, nbf) fail the claims check")
    func claimsDisagree() async throws {
        let (key, did, credential, _) = try await Self.ed25519Setup()
        let edits: [(String, JSONValue)] = [
            ("iss", "https://evil.example/issuer"), ("jti", "urn:uuid:other"), ("sub", "did:example:someone-else"), ("nbf", 1262304001),
        ]
        for (claim, value) in edits {
            guard case .object(var payload) = try VCJWT.payload(for: credential) else { return }
            payload[claim] = value
            let t = try await Self.token(header: ["alg": "EdDSA", "kid": .string(did.verificationMethodID)], payload: .object(payload), key: key)
            let report = await Self.verifier.verify(jwt: t)
            #expect(report.passed("proof"))
            #expect(report.failed("claims"), "\(claim)")
            #expect(report.checks(named: "claims").first?.message.contains(claim) == true)
            #expect(report.verdict == .invalid)
        }
        // A missing sub is only a warning (the 1EdTech fixtures omit it); a missing iss fails.
        for (claim, outcome) in [("sub", VerificationReport.Outcome.warning), ("iss", .fail)] {
            guard case .object(var payload) = try VCJWT.payload(for: credential) else { return }
            payload[claim] = nil
            let t = try await Self.token(header: ["alg": "EdDSA", "kid": .string(did.verificationMethodID)], payload: .object(payload), key: key)
            #expect(await Self.verifier.verify(jwt: t).checks(named: "claims").first?.outcome == outcome, "\(claim)")
        }
        // An exp without validUntil (VC-JOSE-COSE style) only warns in `claims`, and is still enforced by `validity`.
        for (exp, expired) in [(2000000000, false), (1500000000, true)] {
            guard case .object(var payload) = try VCJWT.payload(for: credential) else { return }
            payload["exp"] = .number(JSONNumber(exp))
            let t = try await Self.token(header: ["alg": "EdDSA", "kid": .string(did.verificationMethodID)], payload: .object(payload), key: key)
            let r = await Self.verifier.verify(jwt: t)
            #expect(r.checks(named: "claims").first?.outcome == .warning)
            #expect(r.failed("validity") == expired)
            #expect(r.verdict == (expired ? .invalid : .valid), "\(r)")
        }
    }

    @Test("malformed tokens fail the format check with a precise reason and never crash")
    func malformed() async throws {
        let (_, _, _, jwt) = try await Self.ed25519Setup()
        let p = Self.parts(jwt)
        let cases: [(String, String)] = [
            ("", "3 base64url parts"), ("abc", "3 base64url parts"), ("a.b", "3 base64url parts"), ("a.b.c.d.e", "JWE"),
            ("!!!." + p[1] + "." + p[2], "header is not base64url"), (p[0] + ".%%%." + p[2], "payload is not base64url"),
            (Self.b64("not json") + "." + p[1] + "." + p[2], "header is not a JSON object"),
            (Self.b64("[1]") + "." + p[1] + "." + p[2], "header is not a JSON object"),
            (p[0] + "." + Self.b64("[1,2]") + "." + p[2], "payload is not a JSON object"),
            (p[0] + "." + Self.b64("{\"a\":1,\"a\":2}") + "." + p[2], "payload is not JSON"),
            (p[0] + "." + p[1] + "=." + p[2], "not base64url"),
            (p[0] + "." + p[1] + "." + p[2] + "=", "not base64url"),
            (Self.b64(#"{"typ":"JWT"}"#) + "." + p[1] + "." + p[2], ""),
        ]
        for (token, reason) in cases {
            let report = await Self.verifier.verify(jwt: token)
            #expect(report.verdict == .invalid, "\(token.prefix(40))")
            if !reason.isEmpty {
                #expect(report.failed("format"), "\(token.prefix(40))")
                #expect(report.checks(named: "format").first?.message.contains(reason) == true, "\(report)")
            } else {
                #expect(report.checks(named: "proof").first?.message.contains("no alg") == true, "\(report)")
            }
        }
        // crit and odd typ are refused
        let crit = Self.b64(#"{"alg":"EdDSA","crit":["b64"],"b64":false}"#) + "." + p[1] + "." + p[2]
        #expect(await Self.verifier.verify(jwt: crit).failed("proof"))
        let typ = Self.b64(#"{"alg":"EdDSA","typ":"at+jwt"}"#) + "." + p[1] + "." + p[2]
        #expect(await Self.verifier.verify(jwt: typ).failed("proof"))
        // Random garbage of many shapes.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let n = Int.random(in: 0..<80, using: &rng)
            let s = String((0..<n).map { _ in "ab.=_-{}\"\\ \u{0}é".randomElement(using: &rng)! })
            _ = await Self.verifier.verify(jwt: s)
            _ = await Self.verifier.verify(input: Array(s.utf8))
        }
    }

    @Test("verify(input:) tells JSON credentials from compact JWTs (also a JWT inside a JSON string)")
    func inputDetection() async throws {
        let (_, _, _, jwt) = try await Self.ed25519Setup()
        let asJWT = await Self.verifier.verify(input: Array(("\n" + jwt + "\n").utf8))
        #expect(asJWT.passed("proof") && asJWT.checks(named: "format").first?.message.hasPrefix("compact JWS") == true)
        let quoted = await Self.verifier.verify(input: JSONValue.string(jwt).serialized())
        #expect(quoted.passed("proof"))
        let json = await Self.verifier.verify(input: try Fixtures.bytes("ob-v3p0/validator-fixtures/simple-did-key-method.json"))
        #expect(json.checks(named: "format").first?.message == "JSON object")
        #expect(json.passed("proof"))
        #expect(await Self.verifier.verify(input: []).failed("format"))
        #expect(await Self.verifier.verify(input: Array("{\"a\":".utf8)).failed("format"))
        #expect(await Self.verifier.verify(input: [0xff, 0xfe, 0x00]).failed("format"))
    }

    // MARK: - 1EdTech validator fixtures

    /// The token in a fixture: a `.jwt` file, or baked into a PNG/SVG (extracted with ``BadgeBaking``).
    static func token(_ path: String) throws -> String {
        let bytes = try Fixtures.bytes(path)
        guard path.hasSuffix(".png") || path.hasSuffix(".svg") else {
            return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard case .compactJWS(let token) = try BadgeBaking.unbake(bytes).credential else {
            throw CredentialError(.malformedDocument, "\(path) holds a JSON credential, not a VC-JWT")
        }
        return token
    }

    func compareFixtures(_ folder: String) async throws -> (agreed: Int, compared: Int) {
        let expected = try Fixtures.object(folder + "EXPECTED.json")
        guard case .object(let fixtures)? = expected["fixtures"] else { Issue.record("no fixtures"); return (0, 0) }
        var agreed = 0, compared = 0
        let verifier = CredentialVerifier(clock: { ValidatorFixtureTests.now })
        for (name, entry) in fixtures {
            guard let exp = entry["jwt"] else { continue }
            compared += 1
            let token = try Self.token(folder + name)
            let jws = try CompactJWS(parsing: token)
            let report = await verifier.verify(jwt: token)
            var ok = true
            func check(_ c: Bool, _ what: String) { if !c { ok = false; Issue.record("\(name): \(what)\n\(report)") } }
            // Header and claims as EXPECTED.json lists them.
            if case .object(let h)? = exp["joseHeader"] {
                for (k, v) in h { check(jws.header[k] == v, "header \(k)") }
            }
            if case .object(let c)? = exp["claims"] {
                for (k, v) in c { check(jws.payload[k] == v, "claim \(k)") }
            }
            check(jws.usesVCClaim == (exp["credentialIn"]?.stringValue?.hasPrefix("vc claim") == true), "credential placement")
            // Signature verdict.
            let outcome = report.proofs.first?.outcome
            switch exp["verified"] {
            case .bool(true)?: check(outcome == .verified, "expected verified, got \(String(describing: outcome))")
            case .bool(false)?: check(outcome == .signatureMismatch, "expected a signature mismatch")
            default: check(outcome == .unresolvable || outcome == .unsupported, "expected not checkable, got \(String(describing: outcome))")
            }
            // Claim agreement: true ones must not be reported; a false sub (absent) is a warning, not a failure.
            let claims = report.checks(named: "claims").first
            if case .object(let cc)? = exp["credentialChecks"] {
                let allTrue = cc.allSatisfy { $0.value == .bool(true) }
                if allTrue { check(claims?.outcome == .pass, "claims should pass") } else {
                    check(claims?.outcome == .warning && claims?.message.contains("sub is missing") == true, "claims should warn about sub")
                }
            }
            check(report.passed("format") && report.passed("type"), "format/type")
            if ok { agreed += 1 }
        }
        return (agreed, compared)
    }

    @Test("OB 3.0 VC-JWT fixtures (.jwt, baked PNG/SVG): header, claims, signature verdict and claim checks agree with EXPECTED.json")
    func obFixtures() async throws {
        let (agreed, compared) = try await compareFixtures("ob-v3p0/validator-fixtures/")
        #expect(compared == 6)
        #expect(agreed == compared)
        print("OB 3.0 VC-JWT fixtures: \(agreed)/\(compared) agree with EXPECTED.json")
    }

    @Test("CLR 2.0 VC-JWT fixture simple.jwt agrees with EXPECTED.json")
    func clrFixtures() async throws {
        let (agreed, compared) = try await compareFixtures("clr-v2p0/validator-fixtures/")
        #expect(compared == 1)
        #expect(agreed == compared)
        print("CLR 2.0 VC-JWT fixtures: \(agreed)/\(compared) agree with EXPECTED.json")
    }

    @Test("fixture details: simple.jwt without kid/jwk is unresolvable; velocity.jwt's did:velocity kid is unresolvable; CLR simple.jwt's jwk is unbound")
    func fixtureDetails() async throws {
        let verifier = CredentialVerifier(clock: { ValidatorFixtureTests.now })
        let simple = await verifier.verify(jwt: try Self.token("ob-v3p0/validator-fixtures/simple.jwt"))
        #expect(simple.checks(named: "proof").first?.message.contains("neither kid nor jwk") == true)
        let velocity = await verifier.verify(jwt: try Self.token("ob-v3p0/validator-fixtures/velocity.jwt"))
        #expect(velocity.checks(named: "proof").first?.message.contains("DID method velocity is not supported") == true, "\(velocity)")
        let clr = await verifier.verify(jwt: try Self.token("clr-v2p0/validator-fixtures/simple.jwt"))
        #expect(clr.passed("proof"))
        #expect(clr.failed("issuer"))
        print(clr)
    }

    // MARK: - Timing

    @Test("sign and verify times per algorithm (printed)")
    func timing() async throws {
        for type in VCJWTKeyType.allCases {
            let key = try VCJWTSigningKey.generate(type)
            let did = Self.didKey(key)
            let issuer = did?.did ?? "https://example.edu/issuers/565049"
            let credential = try Self.credential(issuer: issuer)
            let n = 50
            var jwt = ""
            let t0 = Date()
            for _ in 0..<n { jwt = try await VCJWT.sign(credential: credential, key: key, embedJWK: true) }
            let t1 = Date()
            let jws = try CompactJWS(parsing: jwt)
            let alg = try await key.publicKey.jwtKitAlgorithm()
            for _ in 0..<n { _ = try alg.verify(jws.signature, signs: jws.signingInput) }
            let t2 = Date()
            let noSchema = CredentialVerifier(clock: { Self.now }, issuerBinding: .warnOnly, validatesSchema: false)
            for _ in 0..<n { _ = await noSchema.verify(jwt: jwt) }
            let t3 = Date()
            func ms(_ a: Date, _ b: Date) -> String { String(format: "%.3f", b.timeIntervalSince(a) * 1000 / Double(n)) }
            print("VC-JWT \(type.algorithm): sign \(ms(t0, t1)) ms, signature verify \(ms(t1, t2)) ms, report without schema \(ms(t2, t3)) ms")
        }
    }
}
