import Foundation
import Testing
import VitaCore
import VitaCredentials
import VitaIssuance
import VitaJSON
import VitaStorage
import VitaTestSupport

struct StatusIndexPermutationTests {
    @Test("the permutation hands out every index of the list exactly once", arguments: [1, 7, 16, 1000, 4099])
    func bijection(_ count: Int) throws {
        let permutation = try StatusIndexPermutation(count: count, key: StatusIndexPermutation.generateKey())
        var seen = [Bool](repeating: false, count: count)
        for sequence in 0 ..< count {
            let index = try permutation.index(for: sequence)
            #expect(index >= 0 && index < count)
            #expect(!seen[index], "index \(index) handed out twice")
            seen[index] = true
        }
        #expect(throws: CredentialError.self) { try permutation.index(for: count) }
    }

    @Test("indexes do not follow the order of issuance, and two lists' keys give different orders")
    func randomLooking() throws {
        let first = try StatusIndexPermutation(count: 131_072, key: StatusIndexPermutation.generateKey())
        let second = try StatusIndexPermutation(count: 131_072, key: StatusIndexPermutation.generateKey())
        let a = try (0 ..< 64).map { try first.index(for: $0) }
        let b = try (0 ..< 64).map { try second.index(for: $0) }
        #expect(a != Array(a.sorted()))
        #expect(a != b)
        #expect(throws: CredentialError.self) { try StatusIndexPermutation(count: 10, key: [1, 2, 3]) }
    }
}

struct CredentialIssuerTests {
    static let base = "https://vita.example:8443"

    /// An organization with an Ed25519 key, a learner with a DID and a credential record, and an achievement.
    struct World {
        let issuer: CredentialIssuer
        let organizationId: String
        let learnerId: String
        let recordId: String
        let achievementId: String
    }

    static func world(_ database: VitaDatabase, statusListSize: Int = 131_072, now: Date = Date()) async throws -> World {
        let issuer = CredentialIssuer(database: database, vault: try KeyVault(base64: KeyVault.generateMasterKey()),
                                      publicBaseURL: base + "/", clock: { now }, statusListSize: statusListSize)
        let stamp = Timestamp.truncated(now)
        let organization = Organization(id: EntityID.make("org"), name: "Riverside University", kind: .university,
                                        identifiers: [], createdAt: stamp)
        let learner = Learner(id: EntityID.make("lrn"), name: .init(given: "Ada", family: "Lovelace", display: "Ada Lovelace"),
                              identifiers: [Identifier(scheme: .did, value: "did:example:ada")],
                              birthDate: nil, createdAt: stamp, updatedAt: stamp)
        let achievement = Achievement(id: EntityID.make("ach"), uri: "urn:uuid:\(UUID().uuidString.lowercased())",
                                      organizationId: organization.id, name: "Algorithms", description: "Completed CS 230",
                                      criteriaNarrative: "Pass the course", achievementType: "Course", image: nil,
                                      alignments: [], createdAt: stamp)
        let body = RecordBody.credential(.init(organizationId: organization.id, kind: .certificate, title: "Algorithms",
                                               awardedDate: CalendarDate("2026-01-15")!))
        let record = LearnerRecord(id: EntityID.make("rec"), learnerId: learner.id, category: .credentials,
                                   organizationId: organization.id, version: 1, body: body,
                                   provenance: Provenance(systemId: "sys_1", sourceRecordId: "cs-230", rawDataURI: "sis://x/1",
                                                          rawDigest: ContentDigest.sha256(Array("cs-230".utf8)),
                                                          assertedAt: stamp, recordedAt: stamp))
        try await database.transaction { tx in
            try await tx.insert(organization)
            try await tx.insert(learner)
            try await tx.insert(achievement)
            try await tx.insert(record)
            _ = try await issuer.createKey(tx, organizationId: organization.id, type: .ed25519)
        }
        return World(issuer: issuer, organizationId: organization.id, learnerId: learner.id, recordId: record.id,
                     achievementId: achievement.id)
    }

    static func issue(_ world: World, identifier: CredentialIssuer.IssuerIdentifier = .didKey) async throws -> CredentialIssuer.IssuedBadge {
        try await world.issuer.database.transaction { tx in
            let source = try await world.issuer.badgeSource(tx, learnerId: world.learnerId, recordId: world.recordId,
                                                            achievementId: world.achievementId)
            let identity = try await world.issuer.signingIdentity(tx, organizationId: world.organizationId, identifier: identifier)
            return try await world.issuer.issueBadges(tx, [source], identity: identity, issuedBy: .init(kind: .cli, id: "cli"))[0]
        }
    }

    static func verifier(_ world: World) -> CredentialVerifier {
        CredentialVerifier(resolver: world.issuer.localResolver, statusResolver: world.issuer.localStatusResolver,
                           statusOptions: StatusCheckOptions(retrievalFailure: .fail))
    }

    static func statusCheck(_ report: VerificationReport) -> [String] {
        report.checks.filter { $0.name.hasPrefix("status") || $0.name.hasPrefix("credentialStatus") }
            .map { "\($0.outcome) \($0.message)" }
    }

    @Test("an issued badge carries revocation and suspension entries and verifies against the published lists",
          arguments: TestEngine.available)
    func issuedBadgeVerifies(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let world = try await Self.world(test.database)
            let badge = try await Self.issue(world)
            // The OB 3.0 schema allows one credentialStatus object: a badge carries its revocation entry.
            let status = badge.credential["credentialStatus"]
            #expect(status?["type"]?.stringValue == "BitstringStatusListEntry")
            #expect(status?["statusPurpose"]?.stringValue == "revocation")
            #expect(status?["statusListCredential"]?.stringValue?.hasPrefix(Self.base + "/status/sl_") == true)
            let report = await Self.verifier(world).verify(badge.credential)
            #expect(report.verdict == .valid, "\(report)")
            #expect(!Self.statusCheck(report).isEmpty)
        }
    }

    @Test("revoking sets the bit in the re-signed list, the credential then fails, and a revocation cannot be lifted",
          arguments: TestEngine.available)
    func revocation(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let world = try await Self.world(test.database)
            let badge = try await Self.issue(world)
            let other = try await Self.issue(world)
            _ = try await test.database.transaction { tx in
                try await world.issuer.changeStatus(tx, credentialId: badge.credentialId, purpose: .revocation, isSet: true,
                                                    reason: "issued in error")
            }
            let report = await Self.verifier(world).verify(badge.credential)
            #expect(report.verdict == .invalid)
            #expect(Self.statusCheck(report).contains { $0.contains("revoked") }, "\(report)")
            #expect(await Self.verifier(world).verify(other.credential).verdict == .valid)
            await #expect(throws: IssuanceError(.invalidStatusChange, "")) {
                _ = try await test.database.transaction { tx in
                    try await world.issuer.changeStatus(tx, credentialId: badge.credentialId, purpose: .revocation,
                                                        isSet: false, reason: nil)
                }
            }
            let entries = try await test.database.read { try await $0.statusEntries(credentialId: badge.credentialId) }
            #expect(entries.first { $0.purpose == "revocation" }?.isSet == true)
            #expect(entries.first { $0.purpose == "revocation" }?.reason == "issued in error")
        }
    }

    /// A plain VC 2.0 credential (not governed by the 1EdTech schemas) signed with revocation and suspension entries.
    static func genericCredential(_ world: World) async throws -> (id: String, credential: JSONValue) {
        let id = "urn:uuid:\(UUID().uuidString.lowercased())"
        let credential = try await world.issuer.database.transaction { tx in
            let identity = try await world.issuer.signingIdentity(tx, organizationId: world.organizationId)
            var unsigned = JSONObject()
            unsigned["@context"] = ["https://www.w3.org/ns/credentials/v2"]
            unsigned["id"] = .string(id)
            unsigned["type"] = ["VerifiableCredential"]
            unsigned["issuer"] = .string(identity.issuer)
            unsigned["validFrom"] = "2026-01-01T00:00:00Z"
            unsigned["credentialSubject"] = .object(["id": "did:example:ada"])
            #expect(CredentialIssuer.statusPurposes(for: .object(unsigned)) == [.revocation, .suspension])
            unsigned["credentialStatus"] = try await world.issuer.allocateStatus(tx, identity: identity, credentialIds: [id])[0]
            return try world.issuer.sign(.object(unsigned), as: identity)
        }
        return (id, credential)
    }

    @Test("suspension is reversible; a badge has no suspension entry to set", arguments: TestEngine.available)
    func suspension(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let world = try await Self.world(test.database)
            let (id, credential) = try await Self.genericCredential(world)
            #expect(credential["credentialStatus"]?.arrayValue?.count == 2)
            for (isSet, verdict) in [(true, VerificationReport.Verdict.invalid), (false, .valid)] {
                _ = try await test.database.transaction { tx in
                    try await world.issuer.changeStatus(tx, credentialId: id, purpose: .suspension, isSet: isSet, reason: nil)
                }
                let report = await Self.verifier(world).verify(credential)
                #expect(report.verdict == verdict, "\(report)")
            }
            let badge = try await Self.issue(world)
            await #expect(throws: IssuanceError(.invalidStatusChange, "")) {
                _ = try await test.database.transaction { tx in
                    try await world.issuer.changeStatus(tx, credentialId: badge.credentialId, purpose: .suspension,
                                                        isSet: true, reason: nil)
                }
            }
            await #expect(throws: IssuanceError(.unknownCredential, "")) {
                _ = try await test.database.transaction { tx in
                    try await world.issuer.changeStatus(tx, credentialId: "urn:uuid:unknown", purpose: .suspension,
                                                        isSet: true, reason: nil)
                }
            }
        }
    }

    @Test("a full list is closed and a new one opened; no index of a list is ever handed out twice",
          arguments: TestEngine.available)
    func listRollover(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let world = try await Self.world(test.database, statusListSize: 16)
            let ids = (0 ..< 40).map { _ in "urn:uuid:\(UUID().uuidString.lowercased())" }
            let statuses = try await test.database.transaction { tx in
                let identity = try await world.issuer.signingIdentity(tx, organizationId: world.organizationId)
                var all = try await world.issuer.allocateStatus(tx, identity: identity, credentialIds: Array(ids[0 ..< 10]))
                all += try await world.issuer.allocateStatus(tx, identity: identity, credentialIds: Array(ids[10...]))
                return all
            }
            var seen = Set<String>()
            for status in statuses {
                for entry in status.arrayValue ?? [] {
                    let key = "\(entry["statusListCredential"]!.stringValue!)#\(entry["statusListIndex"]!.stringValue!)"
                    #expect(seen.insert(key).inserted, "\(key) reused")
                }
            }
            #expect(seen.count == 80)
            let lists = Set(statuses.flatMap { $0.arrayValue ?? [] }.compactMap { $0["statusListCredential"]?.stringValue })
            #expect(lists.count == 6)  // 40 credentials × 2 purposes over lists of 16
        }
    }

    @Test("the organization's did:web document lists every key; credentials signed as did:web verify across a rotation",
          arguments: TestEngine.available)
    func didWeb(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let world = try await Self.world(test.database)
            let did = try world.issuer.organizationDID(world.organizationId)
            #expect(did.did == "did:web:vita.example%3A8443:organizations:\(world.organizationId)")
            #expect(did.documentURL == "https://vita.example:8443/organizations/\(world.organizationId)/did.json")
            let before = try await Self.issue(world, identifier: .didWeb)
            #expect(before.credential["issuer"]?["id"]?.stringValue == did.did)
            try await test.database.transaction { tx in
                _ = try await world.issuer.createKey(tx, organizationId: world.organizationId, type: .ed25519)
                _ = try await world.issuer.createKey(tx, organizationId: world.organizationId, type: .rsa)
            }
            let after = try await Self.issue(world, identifier: .didWeb)
            let document = try await test.database.read { try await world.issuer.didDocument($0, organizationId: world.organizationId) }
            let methods = document?["verificationMethod"]?.arrayValue ?? []
            #expect(methods.map { $0["type"]?.stringValue } .sorted { ($0 ?? "") < ($1 ?? "") } == ["JsonWebKey", "Multikey", "Multikey"])
            #expect(document?["assertionMethod"]?.arrayValue?.count == 3)
            for credential in [before.credential, after.credential] {
                let report = await Self.verifier(world).verify(credential)
                #expect(report.verdict == .valid, "\(report)")
            }
            // The list of the did:web issuer is re-signed by the current key after the rotation, under the issuer id
            // it was created with — even by a process configured with another public URL (`vita credentials revoke`).
            let elsewhere = CredentialIssuer(database: test.database, vault: world.issuer.vault, publicBaseURL: "http://127.0.0.1")
            _ = try await test.database.transaction { tx in
                try await elsewhere.changeStatus(tx, credentialId: before.credentialId, purpose: .revocation, isSet: true,
                                                 reason: nil)
            }
            let revoked = await Self.verifier(world).verify(before.credential)
            #expect(revoked.verdict == .invalid)
            #expect(Self.statusCheck(revoked).contains { $0.contains("revoked") }, "\(revoked)")
        }
    }

    @Test("private keys are stored sealed: the stored row holds neither the seed nor the secret JWK",
          arguments: TestEngine.available)
    func sealedAtRest(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let world = try await Self.world(test.database)
            try await test.database.transaction { tx in
                _ = try await world.issuer.createKey(tx, organizationId: world.organizationId, type: .p256)
            }
            let rows = try await test.database.withConnection {
                try await $0.raw("SELECT body, sealed_private FROM issuer_keys").all()
            }
            #expect(rows.count == 2)
            for row in rows {
                let body = try row.decode(column: "body", as: String.self)
                let sealed = try row.decode(column: "sealed_private", as: String.self)
                // Sealed: base64 of AES-GCM output, not the JWK (a bare "kty" can occur in random base64 text).
                let opened = try #require(Data(base64Encoded: sealed), "the sealed key is base64")
                #expect(!body.contains("\"d\"") && !sealed.contains("\"d\"") && !sealed.contains("\"kty\""))
                #expect(!String(decoding: opened, as: UTF8.self).contains("\"kty\""), "the stored bytes are not the JWK")
            }
            let signer = try await test.database.read {
                try await world.issuer.jwtSigningKey($0, organizationId: world.organizationId, type: .p256, identifier: .didKey)
            }
            #expect(signer.kid.hasPrefix("did:key:zDn"))
        }
    }
}
