import Foundation
import SQLKit
import Testing
import VitaAPI
import VitaCore
import VitaCredentials
import VitaJSON
import VitaJSONLD
import VitaStorage
import VitaTestSupport

struct CredentialAPITests {
    static func credential(_ name: String = "Algorithms") -> [String: Any] {
        ["@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
         "id": "urn:uuid:\(UUID().uuidString.lowercased())", "type": ["VerifiableCredential", "OpenBadgeCredential"],
         "name": name, "validFrom": "2026-01-01T00:00:00Z",
         "issuer": ["type": ["Profile"], "name": "Riverside University"],
         "credentialSubject": ["id": "did:example:learner", "type": ["AchievementSubject"],
                               "achievement": ["id": "https://riverside.example/achievements/cs-230", "type": ["Achievement"],
                                               "name": name, "description": "Completed the course",
                                               "criteria": ["narrative": "Pass the course"]]]]
    }

    @Test("an organization's key signs credentials that the verify endpoint accepts, and a tampered one it rejects",
          arguments: TestEngine.available)
    func issueAndVerify(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let noKey = try await api.admin(.post, "/credentials/issue",
                                            json: ["credential": Self.credential(), "options": ["organizationId": world.organizationId]])
            #expect(noKey.status == 422)

            let key = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            #expect(key.status == 201)
            #expect((key["did"] as? String)?.hasPrefix("did:key:z6Mk") == true)
            #expect(key.json["sealedPrivate"] == nil && !key.string.contains("secret"))

            for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
                let issued = try await api.send(.post, "/credentials/issue", key: world.systemKey,
                                                json: ["credential": Self.credential(), "options": ["cryptosuite": suite]])
                #expect(issued.status == 201, "\(issued.string)")
                let signed = issued["verifiableCredential"] as! [String: Any]
                #expect((signed["issuer"] as? [String: Any])?["id"] as? String == key["did"] as? String)
                #expect((signed["proof"] as? [String: Any])?["cryptosuite"] as? String == suite)

                let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": signed])
                #expect(verified.status == 200)
                #expect(verified["verified"] as? Bool == true, "\(verified.string)")

                var tampered = signed
                tampered["name"] = "Advanced Algorithms"
                let rejected = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": tampered])
                #expect(rejected["verified"] as? Bool == false)
                let checks = (rejected["report"] as? [String: Any])?["checks"] as? [[String: String]] ?? []
                #expect(checks.contains { $0["name"] == "proof" && $0["outcome"] == "fail" })
            }
            let log = try await api.admin(.get, "/api/v1/audit?limit=200")
            #expect(log.items.filter { $0["action"] as? String == "credential.issue" }.count == 2)
        }
    }

    @Test("rotation retires the old key, and credentials it signed still verify", arguments: TestEngine.available)
    func rotation(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let first = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let old = try await api.admin(.post, "/credentials/issue",
                                          json: ["credential": Self.credential(), "options": ["organizationId": world.organizationId]])
            let second = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let keys = try await api.admin(.get, "/api/v1/organizations/\(world.organizationId)/keys")
            #expect(keys.items.map { $0["id"] as? String } == [second["id"] as? String, first["id"] as? String])
            #expect(keys.items[0]["retiredAt"] == nil && keys.items[1]["retiredAt"] != nil)
            let verified = try await api.send(.post, "/credentials/verify",
                                              json: ["verifiableCredential": old["verifiableCredential"]!])
            #expect(verified["verified"] as? Bool == true, "\(verified.string)")
            let new = try await api.admin(.post, "/credentials/issue",
                                          json: ["credential": Self.credential(), "options": ["organizationId": world.organizationId]])
            let proof = (new["verifiableCredential"] as? [String: Any])?["proof"] as? [String: Any]
            #expect(proof?["verificationMethod"] as? String == second["verificationMethod"] as? String)
        }
    }

    @Test("private keys are stored sealed: they open only with the master key, for their own id", arguments: TestEngine.available)
    func encryptedAtRest(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let vault = try KeyVault(base64: KeyVault.generateMasterKey())
            let pair = Ed25519KeyPair()
            let did = pair.didKey
            let organization = Organization(id: EntityID.make("org"), name: "Riverside", kind: .university, createdAt: Date())
            let key = IssuerKey(id: EntityID.make("key"), organizationId: organization.id, algorithm: "Ed25519",
                                publicKeyMultibase: pair.publicKeyMultibase, did: did.did,
                                verificationMethod: did.verificationMethodID, createdAt: Timestamp.truncated(Date()))
            try await test.database.transaction { tx in
                try await tx.insert(organization)
                try await tx.insertCurrent(key, sealedPrivate: try vault.seal(pair.seed, id: key.id))
            }
            let stored = try await test.database.withConnection { db in
                try await db.raw("SELECT body, sealed_private FROM issuer_keys").all()
                    .map { try $0.decode(column: "body", as: String.self) + $0.decode(column: "sealed_private", as: String.self) }
                    .joined()
            }
            for secret in [pair.secretKeyMultibase, ContentDigest.hex(pair.seed), Data(pair.seed).base64EncodedString()] {
                #expect(!stored.contains(secret), "the private key is not stored in the clear")
            }
            let (_, sealed) = try #require(try await test.database.read { try await $0.currentIssuerKey(organizationId: organization.id) })
            #expect(try vault.open(sealed, id: key.id) == pair.seed)
            #expect(throws: VitaCoreError.self) { try KeyVault(base64: KeyVault.generateMasterKey()).open(sealed, id: key.id) }
            #expect(throws: VitaCoreError.self) { try vault.open(sealed, id: "key_other") }
        }
    }

    @Test("the verify endpoint explains bad input instead of failing")
    func verifyBadInput() async throws {
        try await APIHarness.run(.sqlite) { api in
            let notJSON = try await api.send(.post, "/credentials/verify", raw: "{\"verifiableCredential\": ")
            #expect(notJSON.status == 400)
            #expect(notJSON.contentType == "application/problem+json")
            let duplicate = try await api.send(.post, "/credentials/verify", raw: #"{"a":1,"a":2}"#)
            #expect(duplicate.status == 400)
            let missing = try await api.send(.post, "/credentials/verify", json: ["credential": [:]])
            #expect((missing["errors"] as? [[String: String]])?.first?["field"] == "verifiableCredential")
            let unknownContext = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": [
                "@context": ["https://www.w3.org/ns/credentials/v2", "https://unknown.example/context.json"],
                "type": ["VerifiableCredential"], "issuer": "did:example:x", "credentialSubject": ["id": "did:example:y"],
            ]])
            #expect(unknownContext.status == 200)
            #expect(unknownContext["verified"] as? Bool == false)
        }
    }
}

extension CredentialAPITests {
    @Test("an ELR credential record becomes a signed Open Badge for the learner, stored and verifiable",
          arguments: TestEngine.available)
    func issueBadgeFromRecord(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let achievement = try await api.admin(.post, "/api/v1/achievements", json: [
                "organizationId": world.organizationId, "name": "BSc Computer Science",
                "description": "Bachelor of Science in Computer Science", "criteriaNarrative": "Complete 180 credits",
                "achievementType": "BachelorDegree",
                "alignments": [["targetName": "Programming", "targetUrl": "https://case.example/uri/0f1e", "targetType": "CFItem"]],
            ])
            #expect(achievement.status == 201, "\(achievement.string)")
            let badType = try await api.admin(.post, "/api/v1/achievements", json: [
                "organizationId": world.organizationId, "name": "X", "description": "X", "criteriaNarrative": "X",
                "achievementType": "Diplomma",
            ])
            #expect(badType.status == 422)

            let learner = try await api.send(.post, "/api/v1/learners", key: world.systemKey, json: [
                "name": ["display": "Ada Lovelace"], "identifiers": [["scheme": "email", "value": "ada@example.edu"]],
            ])["id"] as! String
            let record = try await api.send(.post, "/api/v1/learners/\(learner)/credentials", key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "kind": "degree", "title": "BSc Computer Science",
                           "awardedDate": "2026-06-30"],
                "provenance": ["sourceRecordId": "degree-1"],
            ])["id"] as! String

            let issued = try await api.send(.post, "/api/v1/learners/\(learner)/credentials/\(record)/badges",
                                            key: world.systemKey, json: ["achievementId": achievement["id"] as! String])
            #expect(issued.status == 201, "\(issued.string)")
            let credential = issued["verifiableCredential"] as! [String: Any]
            let subject = credential["credentialSubject"] as! [String: Any]
            let identity = (subject["identifier"] as! [[String: Any]])[0]
            let salt = identity["salt"] as! String
            #expect(identity["identityHash"] as? String == OpenBadgeIssuanceCheck.hash("ada@example.edu", salt))
            #expect((subject["achievement"] as? [String: Any])?["achievementType"] as? String == "BachelorDegree")
            #expect(credential["validFrom"] as? String == "2026-06-30T00:00:00Z")

            let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
            #expect(verified["verified"] as? Bool == true, "\(verified.string)")
            // Every term must reach the signed data: the credentialSchema type comes from the extensions context.
            let canonical = try JSONLD.canonicalize(jsonBytes: Array(JSONSerialization.data(withJSONObject: credential)))
            #expect(canonical.canonicalNQuads.contains(
                "<https://purl.imsglobal.org/spec/vccs/v1p0/context.json#1EdTechJsonSchemaValidator2019>"))
            let listed = try await api.send(.get, "/api/v1/learners/\(learner)/badges", key: world.systemKey)
            #expect(listed.items.count == 1)
            let provenance = listed.items.first?["provenance"] as? [String: Any]
            #expect(provenance?["sourceRecordId"] as? String == record)
            #expect(provenance?["issuedBy"] as? String == "system:\(world.systemId)")
            #expect((provenance?["digest"] as? String)?.hasPrefix("sha256:") == true)
            #expect(provenance?["digestMatches"] as? Bool == true)
            let log = try await api.admin(.get, "/api/v1/learners/\(learner)/access-log?limit=200")
            #expect(log.items.contains { $0["action"] as? String == "credential.issue" })

            let otherLearner = try await api.send(.post, "/api/v1/learners", key: world.systemKey,
                                                  json: ["name": ["display": "No Identifiers"]])["id"] as! String
            let otherRecord = try await api.send(.post, "/api/v1/learners/\(otherLearner)/credentials", key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "kind": "degree", "title": "BSc", "awardedDate": "2026-06-30"],
                "provenance": ["sourceRecordId": "degree-2"],
            ])["id"] as! String
            let noRecipient = try await api.send(.post, "/api/v1/learners/\(otherLearner)/credentials/\(otherRecord)/badges",
                                                 key: world.systemKey, json: ["achievementId": achievement["id"] as! String])
            #expect(noRecipient.status == 422)
        }
    }
}

enum OpenBadgeIssuanceCheck {
    /// An independent computation of the OB 3.0 identity hash: sha256$hex(identifier ‖ salt).
    static func hash(_ identifier: String, _ salt: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import hashlib,sys; print('sha256$' + hashlib.sha256((sys.argv[1] + sys.argv[2]).encode()).hexdigest())",
                             identifier, salt]
        let pipe = Pipe()
        process.standardOutput = pipe
        try? process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
