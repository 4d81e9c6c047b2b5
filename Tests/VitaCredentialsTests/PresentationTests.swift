import Foundation
import Testing
import VitaJSON
import VitaJSONLD
@testable import VitaCredentials

/// Verifiable presentations (VC DM 2.0 §4.13) with Data Integrity `authentication` proofs or as JWTs.
@Suite("Presentations: holder binding, challenge, domain, and every presented credential verified")
struct PresentationTests {
    static let issuer = Ed25519KeyPair()
    static let holder = Ed25519KeyPair()
    static let challenge = "c0ae1c8e-c7e7-469f-b252-86e6a0e7387e"
    static let domain = "https://verifier.example"
    static let verifier = RoundTripTests.verifier
    static let expected = PresentationExpectations(challenge: challenge, domain: domain)

    static func signedCredential() throws -> JSONValue {
        guard case .object(var o) = try RoundTripTests.credential(issuer: issuer.didKey) else { return .null }
        var subject = o["credentialSubject"]!.objectValue!
        subject["id"] = .string(holder.didKey.did)
        o["credentialSubject"] = .object(subject)
        return try RoundTripTests.sign(.object(o), issuer)
    }

    static func tampered(_ credential: JSONValue) -> JSONValue {
        guard case .object(var o) = credential else { return credential }
        o["name"] = "A different name"
        return .object(o)
    }

    static func presentation(_ credentials: [JSONValue], holder holderID: String? = holder.didKey.did) -> JSONValue {
        var vp: JSONObject = ["@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"]]
        vp["id"] = "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5"
        if let holderID { vp["holder"] = .string(holderID) }
        vp["verifiableCredential"] = .array(credentials)
        return .object(vp)
    }

    static func sign(_ vp: JSONValue, key: Ed25519KeyPair = holder, challenge: String? = challenge,
                     domain: String? = domain) throws -> JSONValue {
        try DataIntegrity.addProof(
            to: vp,
            options: ProofOptions(verificationMethod: key.didKey.verificationMethodID, proofPurpose: "authentication",
                                  challenge: challenge, domain: domain),
            signer: key, now: RoundTripTests.now)
    }

    @Test("a signed presentation of a valid credential is valid; the credential gets its own sub-report")
    func valid() async throws {
        let vp = try Self.sign(Self.presentation([try Self.signedCredential()]))
        let report = await Self.verifier.verifyPresentation(vp, expecting: Self.expected)
        #expect(report.verdict == .valid, "\(report)")
        #expect(report.passed("proof"))
        #expect(report.passed("holder"))
        #expect(report.passed("credentials"))
        #expect(report.passed("jsonld"))
        #expect(report.nested.count == 1)
        #expect(report.nested.first?.verdict == .valid)
        #expect(report.checks(named: "challenge").isEmpty)
    }

    @Test("a tampered credential inside a correctly signed presentation fails credentials, with the reason in its sub-report")
    func tamperedCredential() async throws {
        let good = try Self.signedCredential()
        let vp = try Self.sign(Self.presentation([good, Self.tampered(good)]))
        let report = await Self.verifier.verifyPresentation(vp, expecting: Self.expected)
        #expect(report.passed("proof"))
        #expect(report.failed("credentials"))
        #expect(report.checks(named: "credentials").first?.message.hasPrefix("1 of 2 credentials failed") == true)
        #expect(report.verdict == .invalid)
        #expect(report.nested.map(\.verdict) == [.valid, .invalid])
        #expect(report.nested.last?.proofs.first?.outcome == .signatureMismatch)
    }

    @Test("a changed presentation fails its own proof")
    func tamperedPresentation() async throws {
        guard case .object(var vp) = try Self.sign(Self.presentation([try Self.signedCredential()])) else { return }
        vp["verifiableCredential"] = .array([])
        let report = await Self.verifier.verifyPresentation(.object(vp), expecting: Self.expected)
        #expect(report.proofs.first?.outcome == .signatureMismatch)
        #expect(report.verdict == .invalid)
    }

    @Test("a wrong or missing challenge and a wrong domain fail the proof")
    func challengeAndDomain() async throws {
        let credential = try Self.signedCredential()
        let wrongChallenge = try Self.sign(Self.presentation([credential]), challenge: "another-nonce")
        var report = await Self.verifier.verifyPresentation(wrongChallenge, expecting: Self.expected)
        #expect(report.failed("proof"))
        #expect(report.checks(named: "proof").first?.message.contains("challenge does not match") == true)
        let noChallenge = try Self.sign(Self.presentation([credential]), challenge: nil)
        report = await Self.verifier.verifyPresentation(noChallenge, expecting: Self.expected)
        #expect(report.failed("proof"))
        let wrongDomain = try Self.sign(Self.presentation([credential]), domain: "https://attacker.example")
        report = await Self.verifier.verifyPresentation(wrongDomain, expecting: Self.expected)
        #expect(report.failed("proof"))
        #expect(report.checks(named: "proof").first?.message.contains("domain does not match") == true)
        #expect(report.verdict == .invalid)
        // Without an expected challenge the proof verifies, with a replay warning.
        report = await Self.verifier.verifyPresentation(wrongChallenge)
        #expect(report.passed("proof"))
        #expect(report.checks(named: "challenge").first?.outcome == .warning)
    }

    @Test("a presentation without a proof is not bound to a holder: a failure unless unsigned presentations are allowed")
    func missingProof() async throws {
        let vp = Self.presentation([try Self.signedCredential()])
        let report = await Self.verifier.verifyPresentation(vp, expecting: Self.expected)
        #expect(report.failed("proof"))
        #expect(report.checks(named: "proof").first?.message.contains("not bound to a holder") == true)
        #expect(report.failed("holder"))
        #expect(report.verdict == .invalid)
        let allowed = await Self.verifier.verifyPresentation(
            Self.presentation([try Self.signedCredential()], holder: nil),
            expecting: PresentationExpectations(allowsUnsignedPresentations: true))
        #expect(allowed.checks(named: "proof").first?.outcome == .warning)
        #expect(allowed.verdict == .valid, "\(allowed)")
    }

    @Test("a presentation signed by someone other than its holder fails the holder check")
    func holderMismatch() async throws {
        let other = Ed25519KeyPair()
        let vp = try Self.sign(Self.presentation([try Self.signedCredential()]), key: other)
        let report = await Self.verifier.verifyPresentation(vp, expecting: Self.expected)
        #expect(report.passed("proof"))
        #expect(report.failed("holder"))
        #expect(report.checks(named: "holder").first?.message.contains("not by the holder \(Self.holder.didKey.did)") == true)
        #expect(report.verdict == .invalid)
    }

    @Test("an assertionMethod proof is not an authentication proof")
    func wrongPurpose() async throws {
        let vp = try DataIntegrity.addProof(
            to: Self.presentation([]), options: ProofOptions(verificationMethod: Self.holder.didKey.verificationMethodID),
            signer: Self.holder, now: RoundTripTests.now)
        let report = await Self.verifier.verifyPresentation(vp)
        #expect(report.failed("proof"))
        #expect(report.checks(named: "proof").first?.message.contains("expected authentication") == true)
    }

    @Test("VC-JWT credentials inside: a plain JWT string and an EnvelopedVerifiableCredential data: URL are verified")
    func jwtCredentialsInside() async throws {
        guard case .object(var o) = try RoundTripTests.credential(issuer: Self.issuer.didKey) else { return }
        o["id"] = "urn:uuid:7e3a7b0a-47f6-4d2c-9c57-1f3f0f7d6b1e"
        let key = VCJWTSigningKey(ed25519: Self.issuer)
        let jwt = try await VCJWT.sign(credential: .object(o), key: key, kid: Self.issuer.didKey.verificationMethodID,
                                       issuedAt: RoundTripTests.now)
        let enveloped: JSONValue = [
            "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["EnvelopedVerifiableCredential"],
            "id": .string("data:application/vc+jwt," + jwt),
        ]
        // VC 1.1 JWT presentations carry JWT strings; VC 2.0 ones envelope them.
        let vp = try Self.sign(Self.presentation([enveloped]))
        let report = await Self.verifier.verifyPresentation(vp, expecting: Self.expected)
        #expect(report.verdict == .valid, "\(report)")
        #expect(report.nested.first?.checks(named: "proof").first?.message.hasPrefix("VC-JWT (EdDSA): signature valid") == true)
        let plain = await Self.verifier.verifyPresentation(Self.presentation([.string(jwt)], holder: nil),
                                                            expecting: PresentationExpectations(allowsUnsignedPresentations: true))
        #expect(plain.nested.first?.verdict == .valid, "\(plain)")
        // A tampered JWT inside fails the presentation.
        var parts = jwt.split(separator: ".").map(String.init)
        parts[2] = String(parts[2].reversed())
        // (The v2 context's verifiableCredential resets the context: each entry needs its own @context.)
        let bad: JSONValue = ["@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["EnvelopedVerifiableCredential"],
                              "id": .string("data:application/vc+jwt," + parts.joined(separator: "."))]
        let badReport = await Self.verifier.verifyPresentation(try Self.sign(Self.presentation([bad])), expecting: Self.expected)
        #expect(badReport.failed("credentials"))
        // Unsupported media types and malformed data: URLs fail with a reason, never crash.
        for id in ["data:application/vc+sd-jwt,abc", "data:application/vc+jwt;base64,%%%", "https://example.org/vc"] {
            let odd: JSONValue = ["type": ["EnvelopedVerifiableCredential"], "id": .string(id)]
            let r = await Self.verifier.verifyPresentation(Self.presentation([odd], holder: nil),
                                                           expecting: PresentationExpectations(allowsUnsignedPresentations: true))
            #expect(r.failed("credentials"), "\(id)")
            #expect(r.nested.first?.failed("format") == true, "\(id)")
        }
    }

    /// A JWT presentation: VC DM 1.1 (`vp` claim) or VC 2.0 (payload) style.
    static func presentationJWT(vp: JSONValue, claims: JSONObject, key: Ed25519KeyPair = holder, typ: String = "JWT") async throws -> String {
        var payload = JSONObject()
        for (k, v) in claims { payload[k] = v }
        if claims["vp"] == nil, case .object(let o) = vp { for (k, v) in o { payload[k] = v } }
        let header: JSONObject = ["alg": "EdDSA", "typ": .string(typ), "kid": .string(key.didKey.verificationMethodID)]
        return try await VCJWT.signCompact(header: header, payload: JSONValue.object(payload).serialized(),
                                           key: VCJWTSigningKey(ed25519: key))
    }

    @Test("JWT presentations: the vp claim (VC 1.1) and the payload (VC 2.0) verify; nonce, aud and iss are checked")
    func jwtPresentations() async throws {
        let credential = try Self.signedCredential()
        let vp = Self.presentation([credential], holder: nil)
        let good: JSONObject = ["iss": .string(Self.holder.didKey.did), "nonce": .string(Self.challenge), "aud": .string(Self.domain), "vp": vp]
        let v11 = await Self.verifier.verifyPresentation(jwt: try await Self.presentationJWT(vp: vp, claims: good), expecting: Self.expected)
        #expect(v11.verdict == .valid, "\(v11)")
        #expect(v11.passed("holder"))
        #expect(v11.passed("claims"))
        var payloadStyle = good
        payloadStyle["vp"] = nil
        let v20 = await Self.verifier.verifyPresentation(jwt: try await Self.presentationJWT(vp: vp, claims: payloadStyle), expecting: Self.expected)
        #expect(v20.verdict == .valid, "\(v20)")
        #expect(v20.nested.count == 1)
        // VC-JOSE-COSE media type for presentations; a credential's vc+jwt is not a presentation.
        let joseStyle = await Self.verifier.verifyPresentation(
            jwt: try await Self.presentationJWT(vp: vp, claims: payloadStyle, typ: "vp+jwt"), expecting: Self.expected)
        #expect(joseStyle.verdict == .valid, "\(joseStyle)")
        let credentialTyp = await Self.verifier.verifyPresentation(
            jwt: try await Self.presentationJWT(vp: vp, claims: payloadStyle, typ: "vc+jwt"), expecting: Self.expected)
        #expect(credentialTyp.failed("proof"))
        var wrongNonce = good
        wrongNonce["nonce"] = "replayed"
        let replay = await Self.verifier.verifyPresentation(jwt: try await Self.presentationJWT(vp: vp, claims: wrongNonce), expecting: Self.expected)
        #expect(replay.failed("claims"))
        #expect(replay.checks(named: "claims").first?.message.contains("nonce does not match") == true)
        var wrongAudience = good
        wrongAudience["aud"] = "https://attacker.example"
        let elsewhere = await Self.verifier.verifyPresentation(jwt: try await Self.presentationJWT(vp: vp, claims: wrongAudience), expecting: Self.expected)
        #expect(elsewhere.failed("claims"))
        // Signed by another key than the holder's.
        let other = Ed25519KeyPair()
        let stolen = await Self.verifier.verifyPresentation(
            jwt: try await Self.presentationJWT(vp: vp, claims: good, key: other), expecting: Self.expected)
        #expect(stolen.passed("proof"))
        #expect(stolen.failed("holder"))
        // Bytes in: the same entry point decides JSON or JWT.
        let fromBytes = await Self.verifier.verifyPresentation(
            input: Array(try await Self.presentationJWT(vp: vp, claims: good).utf8), expecting: Self.expected)
        #expect(fromBytes.verdict == .valid)
        let garbage = await Self.verifier.verifyPresentation(input: Array("not a presentation".utf8))
        #expect(garbage.failed("format"))
    }
}

@Suite("A verification report read back from its JSON")
struct VerificationReportJSONTests {
    @Test func aReportReadBackFromItsJSONHasTheSameChecksNestedReportsAndEndorsements() throws {
        let report = VerificationReport(
            credentialID: "urn:uuid:vp", checks: [.init("proof", .pass, "signed"), .init("challenge", .warning, "none")],
            nested: [VerificationReport(credentialID: "urn:uuid:1", checks: [.init("status", .fail, "revoked")],
                                        endorsements: [VerificationReport(checks: [.init("issuer", .notChecked, "offline")])])])
        let read = try #require(VerificationReport(json: report.json))
        #expect(read.json == report.json)
        #expect(read.verdict == .valid && read.nested.first?.verdict == .invalid)
        #expect(VerificationReport(json: ["checks": [["name": "proof", "outcome": "maybe", "message": "?"]]]) == nil)
        #expect(VerificationReport(json: ["verdict": "valid"]) == nil)
    }
}
