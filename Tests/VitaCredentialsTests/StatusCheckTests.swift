import Foundation
import Testing
import VitaJSON
@testable import VitaCredentials

/// Issue, revoke, suspend and verify with status lists, end to end (did:key issuers, offline resolver).
@Suite("Status check during verification")
struct StatusCheckTests {
    static let now = XSDDateTime.parse("2026-06-01T12:00:00Z")!
    static let listURL = "https://vita.example/status/1"
    static let issuerKey = try! Ed25519KeyPair(seed: Array(repeating: 7, count: 32))
    static let otherKey = try! Ed25519KeyPair(seed: Array(repeating: 9, count: 32))

    static func sign(_ doc: JSONValue, _ key: Ed25519KeyPair) throws -> JSONValue {
        try DataIntegrity.addProof(
            to: doc, options: ProofOptions(cryptosuite: .eddsaRdfc2022, verificationMethod: key.didKey.verificationMethodID),
            signer: key, now: now)
    }

    /// A plain VC 2.0 credential by `issuerKey` with a revocation (index 42) and a
    /// suspension (index 43) entry on the same list.
    static func credential(status: JSONValue? = nil) throws -> JSONValue {
        var o = JSONObject()
        o["@context"] = ["https://www.w3.org/ns/credentials/v2"]
        o["id"] = "urn:uuid:8a1f6d3e-7c1b-4f0e-9a53-3c2d1e0f9b77"
        o["type"] = ["VerifiableCredential"]
        o["issuer"] = .string(issuerKey.didKey.did)
        o["validFrom"] = "2026-01-01T00:00:00Z"
        o["credentialSubject"] = ["id": "did:example:learner", "name": "A learner"]
        o["credentialStatus"] = status ?? [
            BitstringStatusListEntry(purpose: .revocation, index: 42, listCredential: listURL).json,
            BitstringStatusListEntry(purpose: .suspension, index: 43, listCredential: listURL).json,
        ]
        if case .null? = status { o.removeValue(forKey: "credentialStatus") }
        return try sign(.object(o), issuerKey)
    }

    /// A signed status list credential with both purposes over one bitstring.
    static func listCredential(_ list: BitstringStatusList, key: Ed25519KeyPair = issuerKey, issuer: String? = nil,
                               purposes: [StatusPurpose] = [.revocation, .suspension],
                               validUntil: Date? = nil) throws -> JSONValue {
        let unsigned = try StatusListCredential.unsigned(
            id: listURL, issuer: .string(issuer ?? issuerKey.didKey.did), purposes: purposes, list: list,
            validFrom: XSDDateTime.parse("2026-01-01T00:00:00Z")!, validUntil: validUntil, ttl: 300_000)
        return try sign(unsigned, key)
    }

    static func verifier(_ lists: [String: JSONValue], options: StatusCheckOptions = StatusCheckOptions()) -> CredentialVerifier {
        CredentialVerifier(clock: { now }, statusResolver: StaticStatusListResolver(lists), statusOptions: options)
    }

    static func report(list: BitstringStatusList, credential: JSONValue? = nil) async throws -> VerificationReport {
        await verifier([listURL: try listCredential(list)]).verify(try credential ?? Self.credential())
    }

    @Test("the built status list credential has the VC 2.0 shape, signs and verifies")
    func listCredentialShape() async throws {
        let signed = try Self.listCredential(try BitstringStatusList())
        #expect(signed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"])
        #expect(signed["credentialSubject"]?["type"] == "BitstringStatusList")
        #expect(signed["credentialSubject"]?["statusPurpose"] == ["revocation", "suspension"])
        #expect(signed["credentialSubject"]?["encodedList"]?.stringValue == BitstringStatusListTests.specExample)
        #expect(signed["credentialSubject"]?["id"] == "https://vita.example/status/1#list")
        #expect(signed["validFrom"] == "2026-01-01T00:00:00Z")
        let report = await CredentialVerifier(clock: { Self.now }).verify(signed)
        #expect(report.verdict == .valid, "\(report)")
        let parsed = try StatusListCredential(parsing: signed)
        #expect(parsed.ttl == 300_000)
        #expect(parsed.issuerID == Self.issuerKey.didKey.did)
        #expect(throws: CredentialError.self) {
            try StatusListCredential.unsigned(id: "x", issuer: ["name": "no id"], purpose: .revocation,
                                              list: try BitstringStatusList(), validFrom: Self.now)
        }
    }

    @Test("a credential whose bits are clear passes the status check for each entry")
    func clearPasses() async throws {
        let report = try await Self.report(list: try BitstringStatusList())
        #expect(report.verdict == .valid, "\(report)")
        let status = report.checks(named: "status")
        #expect(status.count == 2)
        #expect(status.allSatisfy { $0.outcome == .pass })
        #expect(status[0].message.contains("not revoked"))
        #expect(status[1].message.contains("not suspended"))
    }

    @Test("revoking (setting the revocation bit) makes verification fail with \"revoked\"")
    func revoked() async throws {
        var list = try BitstringStatusList()
        try list.set(42, true)
        let report = try await Self.report(list: list)
        #expect(report.verdict == .invalid)
        #expect(report.failures.map(\.name) == ["status"])
        #expect(report.failures[0].message.hasPrefix("credentialStatus[0] revoked"))
    }

    @Test("suspending makes verification fail with \"suspended\"; unsuspending makes it pass again")
    func suspendAndUnsuspend() async throws {
        var list = try BitstringStatusList()
        try list.set(43, true)
        let suspended = try await Self.report(list: list)
        #expect(suspended.verdict == .invalid)
        #expect(suspended.failures.count == 1)
        #expect(suspended.failures[0].message.contains("suspended"))
        try list.set(43, false)
        let reinstated = try await Self.report(list: list)
        #expect(reinstated.verdict == .valid, "\(reinstated)")
    }

    @Test("a status list issued or signed by another issuer fails the status check")
    func otherIssuer() async throws {
        // Issued and signed by someone else: issuer mismatch.
        let foreign = try Self.listCredential(try BitstringStatusList(), key: Self.otherKey, issuer: Self.otherKey.didKey.did)
        var report = await Self.verifier([Self.listURL: foreign]).verify(try Self.credential())
        #expect(report.verdict == .invalid)
        #expect(report.failures.allSatisfy { $0.name == "status" && $0.message.contains("not by the credential's issuer") })
        // Claims the credential's issuer but is signed by another key: the list does not verify.
        let forged = try Self.listCredential(try BitstringStatusList(), key: Self.otherKey)
        report = await Self.verifier([Self.listURL: forged]).verify(try Self.credential())
        #expect(report.verdict == .invalid)
        #expect(report.failures.first?.message.contains("does not verify") == true, "\(report)")
        // Tampered after signing (bit cleared by an attacker): signature mismatch.
        var list = try BitstringStatusList()
        try list.set(42, true)
        guard case .object(var tampered) = try Self.listCredential(list) else { return }
        tampered["credentialSubject"] = ["id": "https://vita.example/status/1#list", "type": "BitstringStatusList",
                                         "statusPurpose": ["revocation", "suspension"], "encodedList": .string(BitstringStatusListTests.specExample)]
        report = await Self.verifier([Self.listURL: .object(tampered)]).verify(try Self.credential())
        #expect(report.verdict == .invalid)
        #expect(report.failures.first?.message.contains("proof") == true, "\(report)")
        // Another issuer is accepted when the policy allows it.
        report = await Self.verifier([Self.listURL: foreign], options: StatusCheckOptions(requiresSameIssuer: false)).verify(try Self.credential())
        #expect(report.verdict == .valid, "\(report)")
    }

    @Test("a credential without credentialStatus passes with \"no status to check\"")
    func noStatus() async throws {
        let report = await Self.verifier([:]).verify(try Self.credential(status: .null))
        #expect(report.verdict == .valid, "\(report)")
        #expect(report.checks(named: "status").map(\.outcome) == [.pass])
        #expect(report.checks(named: "status").first?.message.contains("no status to check") == true)
        // Without a resolver nothing changes: no status check at all.
        let plain = await CredentialVerifier(clock: { Self.now }).verify(try Self.credential(status: .null))
        #expect(plain.checks(named: "status").isEmpty)
    }

    @Test("without a status resolver credentialStatus is reported \"not checked\"")
    func noResolver() async throws {
        let report = await CredentialVerifier(clock: { Self.now }).verify(try Self.credential())
        #expect(report.verdict == .valid)
        #expect(report.checks(named: "status").map(\.outcome) == [.notChecked])
    }

    @Test("an unresolvable status list is a warning by default and a failure when the policy says so")
    func unresolvable() async throws {
        let warned = await Self.verifier([:]).verify(try Self.credential())
        #expect(warned.verdict == .valid)
        #expect(warned.checks(named: "status").allSatisfy { $0.outcome == .warning && $0.message.contains("status could not be checked: ") })
        let failed = await Self.verifier([:], options: StatusCheckOptions(retrievalFailure: .fail)).verify(try Self.credential())
        #expect(failed.verdict == .invalid)
        #expect(failed.failed("status"))
    }

    @Test("an index outside the list, a purpose mismatch, a short list and an expired list fail")
    func listProblems() async throws {
        // Index out of range.
        let far = try Self.credential(status: BitstringStatusListEntry(purpose: .revocation, index: 131_072, listCredential: Self.listURL).json)
        var report = try await Self.report(list: try BitstringStatusList(), credential: far)
        #expect(report.failures.first?.message.contains("range error") == true, "\(report)")
        // The list is only for revocation; the entry says suspension.
        let revocationOnly = try Self.listCredential(try BitstringStatusList(), purposes: [.revocation])
        report = await Self.verifier([Self.listURL: revocationOnly]).verify(try Self.credential())
        #expect(report.failures.count == 1)
        #expect(report.failures.first?.message.contains("statusPurpose suspension is not a purpose of the status list") == true, "\(report)")
        // Shorter than 131 072 entries.
        let short = try Self.listCredential(try BitstringStatusList(count: 1024))
        report = await Self.verifier([Self.listURL: short]).verify(try Self.credential())
        #expect(report.failures.count == 2)
        #expect(report.failures.allSatisfy { $0.message.contains("status list length error") }, "\(report)")
        report = await Self.verifier([Self.listURL: short], options: StatusCheckOptions(minimumEntries: 1024)).verify(try Self.credential())
        #expect(report.verdict == .valid, "\(report)")
        // Expired status list (§7.2 Validity Periods).
        let expired = try Self.listCredential(try BitstringStatusList(), validUntil: XSDDateTime.parse("2026-03-01T00:00:00Z")!)
        report = await Self.verifier([Self.listURL: expired]).verify(try Self.credential())
        #expect(report.verdict == .invalid)
        #expect(report.failures.first?.message.contains("expired") == true, "\(report)")
        // Not a status list credential at all.
        report = await Self.verifier([Self.listURL: try Self.credential()]).verify(try Self.credential())
        #expect(report.failures.first?.message.contains("does not include BitstringStatusListCredential") == true, "\(report)")
        // A malformed entry fails with its reason; an unknown type only warns.
        let bad = try Self.credential(status: ["type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "x1",
                                               "statusListCredential": .string(Self.listURL)])
        report = try await Self.report(list: try BitstringStatusList(), credential: bad)
        #expect(report.failures.first?.message.contains("malformed") == true)
        // (An absolute IRI: a bare unknown type would be dropped from the canonical form, and signing refuses that.)
        let unknown = try Self.credential(status: ["type": "https://x.example/CredentialStatusList2017", "id": "https://x.example/s"])
        report = try await Self.report(list: try BitstringStatusList(), credential: unknown)
        #expect(report.verdict == .valid)
        #expect(report.checks(named: "status").first?.message.contains("unsupported status type") == true)
    }

    @Test("a status list secured as a VC-JWT is verified and read like a Data Integrity one")
    func jwtSecuredList() async throws {
        var list = try BitstringStatusList()
        try list.set(42, true)
        let unsigned = try StatusListCredential.unsigned(
            id: Self.listURL, issuer: .string(Self.issuerKey.didKey.did), purposes: [.revocation, .suspension], list: list,
            validFrom: XSDDateTime.parse("2026-01-01T00:00:00Z")!)
        let jwt = try await VCJWT.sign(credential: unsigned, key: VCJWTSigningKey(ed25519: Self.issuerKey),
                                       kid: Self.issuerKey.didKey.verificationMethodID, issuedAt: nil)
        var report = await Self.verifier([Self.listURL: .string(jwt)]).verify(try Self.credential())
        #expect(report.failures.map(\.name) == ["status"], "\(report)")
        #expect(report.failures.first?.message.contains("revoked") == true)
        // Signed by another key: the JWT does not verify.
        let forged = try await VCJWT.sign(credential: unsigned, key: VCJWTSigningKey(ed25519: Self.otherKey),
                                          kid: Self.otherKey.didKey.verificationMethodID, issuedAt: nil)
        report = await Self.verifier([Self.listURL: .string(forged)]).verify(try Self.credential())
        #expect(report.failures.first?.message.contains("does not verify") == true, "\(report)")
        report = await Self.verifier([Self.listURL: "not a jwt"]).verify(try Self.credential())
        #expect(report.failures.first?.message.contains("neither a JSON credential nor a VC-JWT") == true, "\(report)")
    }

    @Test("a message-purpose entry with statusSize 2 reports the status message")
    func statusMessage() async throws {
        var list = try BitstringStatusList(statusSize: 2)
        try list.setStatus(2, at: 7)
        let entry = BitstringStatusListEntry(purpose: .message, index: 7, listCredential: Self.listURL, statusSize: 2,
                                             statusMessage: (0..<4).map { StatusMessage(status: UInt($0), message: ["valid", "pending", "under review", "withdrawn"][$0]) })
        let lists = [Self.listURL: try Self.listCredential(list, purposes: [.message])]
        let report = await Self.verifier(lists).verify(try Self.credential(status: entry.json))
        #expect(report.verdict == .valid, "\(report)")
        #expect(report.checks(named: "status").first?.message.contains("0x2 (under review)") == true, "\(report)")
    }
}

/// The 1EdTech validator's status fixtures.
@Suite("1EdTech validator status fixtures")
struct StatusFixtureTests {
    static let dir = "ob-v3p0/validator-fixtures/"
    static let testlistURL = "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"

    static func verifier(_ lists: [String: JSONValue]) -> CredentialVerifier {
        CredentialVerifier(resolver: TrailingMultikeyResolver(), clock: { ValidatorFixtureTests.now },
                           statusResolver: StaticStatusListResolver(lists))
    }

    @Test("testlist is a revocation list of 131 072 entries with only index 23 set, and verifies")
    func testlist() async throws {
        let doc = try Fixtures.json(Self.dir + "bit-string-list/testlist")
        let parsed = try StatusListCredential(parsing: doc)
        #expect(parsed.statusPurposes == [.revocation])
        let list = try parsed.list()
        #expect(list.count == 131_072)
        #expect((0..<list.count).filter { (try? list.isSet($0)) == true } == [23])
        let report = await Self.verifier([:]).verify(doc)
        #expect(report.verdict == .valid, "\(report)")
    }

    @Test("credential-status-revoked(.json, -blank-nodes.json): proof valid, status revoked at index 23 of testlist")
    func bitstringRevoked() async throws {
        let lists = [Self.testlistURL: try Fixtures.json(Self.dir + "bit-string-list/testlist")]
        let expected = try Fixtures.json(Self.dir + "EXPECTED.json")
        for name in ["bit-string-list/credential-status-revoked.json", "bit-string-list/credential-status-revoked-blank-nodes.json"] {
            #expect(expected["fixtures"]?[name]?["upstreamExpectation"]?.stringValue?.contains("revoked") == true || name.contains("blank"))
            let report = await Self.verifier(lists).verify(try Fixtures.json(Self.dir + name))
            #expect(report.passed("proof"), "\(name): \(report)")
            #expect(report.verdict == .invalid)
            #expect(report.failures.map(\.name) == ["status"], "\(name): \(report)")
            #expect(report.failures.first?.message.contains("revoked: index 23 of \(Self.testlistURL)") == true)
            // Offline (list not available): the revocation cannot be seen, a warning says so.
            let offline = await Self.verifier([:]).verify(try Fixtures.json(Self.dir + name))
            #expect(offline.verdict == .valid)
            #expect(offline.checks(named: "status").first?.outcome == .warning)
        }
    }

    @Test("credential-status-revoked.json (1EdTechRevocationList): revoked when its id is listed, a warning when the list is unavailable")
    func oneEdTechRevocationList() async throws {
        let credential = try Fixtures.json(Self.dir + "credential-status-revoked.json")
        let url = try #require(credential["credentialStatus"]?["id"]?.stringValue)
        let id = try #require(credential["id"]?.stringValue)
        let revocationList: JSONValue = ["revokedCredential": [["id": "urn:uuid:other"], ["id": .string(id), "revocationReason": "Issued in error"]]]
        let revoked = await Self.verifier([url: revocationList]).verify(credential)
        #expect(revoked.failed("status"))
        #expect(revoked.checks(named: "status").first?.message.contains("revoked: listed in the 1EdTechRevocationList") == true)
        #expect(revoked.checks(named: "status").first?.message.contains("Issued in error") == true)
        let notRevoked = await Self.verifier([url: ["revokedCredential": [["id": .string(id), "revoked": false]]]]).verify(credential)
        #expect(notRevoked.checks(named: "status").first?.outcome == .pass)
        let offline = await Self.verifier([:]).verify(credential)
        #expect(offline.checks(named: "status").first?.outcome == .warning)
    }
}

@Suite("Status check: legacy StatusList2021 and fixture verdicts")
struct StatusLegacyTests {
    @Test("a VC 1.1 credential with a StatusList2021Entry is checked against a StatusList2021Credential (unprefixed encodedList)")
    func statusList2021() async throws {
        let key = StatusCheckTests.issuerKey
        let url = "https://vita.example/status/2021"
        var bits = try BitstringStatusList()
        try bits.set(5, true)
        var subject = JSONObject()
        subject["id"] = .string(url + "#list")
        subject["type"] = "StatusList2021"
        subject["statusPurpose"] = "revocation"
        subject["encodedList"] = .string(String(try bits.encodedList().dropFirst()))  // no multibase prefix in 2021
        let list: JSONValue = [
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/vc/status-list/2021/v1",
                         "https://w3id.org/security/data-integrity/v2"],
            "id": .string(url), "type": ["VerifiableCredential", "StatusList2021Credential"],
            "issuer": .string(key.didKey.did), "issuanceDate": "2026-01-01T00:00:00Z", "credentialSubject": .object(subject),
        ]
        func credential(index: Int) throws -> JSONValue {
            try StatusCheckTests.sign([
                "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/vc/status-list/2021/v1",
                             "https://w3id.org/security/data-integrity/v2"],
                "id": "urn:uuid:0f0e7c55-3a0c-4f3e-8d57-5a8f6c2b9d11", "type": ["VerifiableCredential"],
                "issuer": .string(key.didKey.did), "issuanceDate": "2026-01-01T00:00:00Z",
                "credentialSubject": ["id": "did:example:learner"],
                "credentialStatus": ["id": .string("\(url)#\(index)"), "type": "StatusList2021Entry", "statusPurpose": "revocation",
                                     "statusListIndex": .string(String(index)), "statusListCredential": .string(url)],
            ], key)
        }
        let verifier = StatusCheckTests.verifier([url: try StatusCheckTests.sign(list, key)])
        let revoked = await verifier.verify(try credential(index: 5))
        #expect(revoked.failures.map(\.name) == ["status"], "\(revoked)")
        #expect(revoked.failures.first?.message.contains("revoked") == true)
        let fine = await verifier.verify(try credential(index: 6))
        #expect(fine.verdict == .valid, "\(fine)")
        #expect(fine.passed("status"))
    }

    @Test("with a status resolver that knows no list, every validator fixture keeps its verdict (status only warns)")
    func fixtureVerdictsUnchanged() async throws {
        var checked = 0
        for dir in ["ob-v3p0/validator-fixtures/", "clr-v2p0/validator-fixtures/"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.url(dir).path).filter { $0.hasSuffix(".json") && $0 != "EXPECTED.json" }
            for name in names.sorted() {
                let credential = try Fixtures.json(dir + name)
                let base = CredentialVerifier(resolver: TrailingMultikeyResolver(), clock: { ValidatorFixtureTests.now })
                var withStatus = base
                withStatus.statusResolver = StaticStatusListResolver()
                let before = await base.verify(credential)
                let after = await withStatus.verify(credential)
                #expect(before.verdict == after.verdict, "\(dir)\(name)")
                #expect(!after.failed("status"), "\(dir)\(name): \(after.checks(named: "status"))")
                if credential["credentialStatus"] == nil { #expect(after.passed("status"), "\(dir)\(name)") }
                checked += 1
            }
        }
        #expect(checked > 30)
    }
}
