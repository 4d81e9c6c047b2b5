import Foundation
import Testing
import VitaAPI
import VitaCredentials
import VitaJSON
import VitaTestSupport

struct CredentialStatusAPITests {
    /// A plain VC 2.0 credential: it gets both a revocation and a suspension entry.
    static func plainCredential() -> [String: Any] {
        ["@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
         "validFrom": "2026-01-01T00:00:00Z", "credentialSubject": ["id": "did:example:learner"]]
    }

    static func checks(_ reply: Reply) -> [[String: String]] {
        (reply["report"] as? [String: Any])?["checks"] as? [[String: String]] ?? []
    }

    @Test("issue → published list → revoke → the verify endpoint reports revoked; the list URL serves the signed list",
          arguments: TestEngine.available)
    func revokeThroughTheAPI(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let issued = try await api.send(.post, "/credentials/issue", key: world.systemKey,
                                            json: ["credential": CredentialAPITests.credential()])
            #expect(issued.status == 201, "\(issued.string)")
            let credential = issued["verifiableCredential"] as! [String: Any]
            let entry = try #require(credential["credentialStatus"] as? [String: Any], "an OB credential has one entry")
            #expect(entry["statusPurpose"] as? String == "revocation")
            let listURL = try #require(entry["statusListCredential"] as? String)
            #expect(listURL.hasPrefix("http://127.0.0.1:8080/status/sl_"))

            let list = try await api.send(.get, String(listURL.dropFirst("http://127.0.0.1:8080".count)))
            #expect(list.status == 200)
            #expect(list.contentType == "application/vc+ld+json")
            #expect(list.headers[.cacheControl] == "max-age=300")
            #expect((list.json["type"] as? [String]) == ["VerifiableCredential", "BitstringStatusListCredential"])
            #expect((list.json["issuer"] as? String) == (credential["issuer"] as? [String: Any])?["id"] as? String)

            let fresh = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
            #expect(fresh["verified"] as? Bool == true, "\(fresh.string)")
            #expect(Self.checks(fresh).contains { $0["name"] == "status" && $0["outcome"] == "pass" })

            let credentialId = credential["id"] as! String
            let suspend = try await api.send(.post, "/credentials/status", key: world.systemKey,
                                             json: ["credentialId": credentialId, "action": "suspend"])
            #expect(suspend.status == 409, "a badge carries a revocation entry only")
            let revoke = try await api.send(.post, "/credentials/status", key: world.systemKey,
                                            json: ["credentialId": credentialId, "action": "revoke", "reason": "issued in error"])
            #expect(revoke.status == 200, "\(revoke.string)")
            let entries = revoke["entries"] as? [[String: Any]] ?? []
            #expect(entries.first?["set"] as? Bool == true && entries.first?["reason"] as? String == "issued in error")

            let revoked = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
            #expect(revoked["verified"] as? Bool == false)
            #expect(Self.checks(revoked).contains { $0["name"] == "status" && $0["outcome"] == "fail"
                && ($0["message"] ?? "").contains("revoked") }, "\(revoked.string)")
            let unrevoke = try await api.send(.post, "/credentials/status", key: world.systemKey,
                                              json: ["credentialId": credentialId, "action": "unsuspend"])
            #expect(unrevoke.status == 409)
            let read = try await api.send(.get, "/credentials/status?credentialId=\(credentialId)", key: world.systemKey)
            #expect(read.status == 200)
            let log = try await api.admin(.get, "/api/v1/audit?limit=200")
            #expect(log.items.contains { $0["action"] as? String == "credential.revoke" })
        }
    }

    @Test("suspension of a plain credential is reversible through the API", arguments: TestEngine.available)
    func suspendAndLift(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let issued = try await api.send(.post, "/credentials/issue", key: world.systemKey,
                                            json: ["credential": Self.plainCredential()])
            let credential = issued["verifiableCredential"] as! [String: Any]
            #expect((credential["credentialStatus"] as? [[String: Any]])?.count == 2)
            let id = credential["id"] as! String
            for (action, verified) in [("suspend", false), ("unsuspend", true), ("suspend", false)] {
                let changed = try await api.send(.post, "/credentials/status", key: world.systemKey,
                                                 json: ["credentialId": id, "action": action])
                #expect(changed.status == 200, "\(changed.string)")
                let report = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
                #expect(report["verified"] as? Bool == verified, "\(action): \(report.string)")
            }
        }
    }

    @Test("status changes are refused for bad input, unknown credentials and another organization's system",
          arguments: TestEngine.available)
    func statusRefusals(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let issued = try await api.send(.post, "/credentials/issue", key: world.systemKey,
                                            json: ["credential": Self.plainCredential()])
            let id = (issued["verifiableCredential"] as! [String: Any])["id"] as! String

            let other = try await api.admin(.post, "/api/v1/organizations", json: ["name": "Other College", "kind": "school"])
            let otherSystem = try await api.admin(.post, "/api/v1/systems", json: [
                "organizationId": other["id"] as! String, "name": "Other SIS", "kind": "sis"])
            let otherKey = otherSystem["apiKey"] as! String
            let foreign = try await api.send(.post, "/credentials/status", key: otherKey, json: ["credentialId": id, "action": "revoke"])
            #expect(foreign.status == 404)
            let foreignRead = try await api.send(.get, "/credentials/status?credentialId=\(id)", key: otherKey)
            #expect(foreignRead.status == 404)

            let badAction = try await api.send(.post, "/credentials/status", key: world.systemKey,
                                               json: ["credentialId": id, "action": "delete"])
            #expect(badAction.status == 400 && badAction.contentType == "application/problem+json")
            #expect((badAction["errors"] as? [[String: String]])?.first?["field"] == "action")
            let unknown = try await api.send(.post, "/credentials/status", key: world.systemKey,
                                             json: ["credentialId": "urn:uuid:unknown", "action": "revoke"])
            #expect(unknown.status == 404)
            let anonymous = try await api.send(.post, "/credentials/status", json: ["credentialId": id, "action": "revoke"])
            #expect(anonymous.status == 401)
            let missingList = try await api.send(.get, "/status/sl_0123456789abcdef")
            #expect(missingList.status == 404)
        }
    }

    @Test("organizations get P-256 and RSA keys for VC-JWT; the DID document lists every key", arguments: TestEngine.available)
    func jwtIssuanceAndDIDDocument(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let path = "/api/v1/organizations/\(world.organizationId)/keys"
            let ed = try await api.admin(.post, path)
            let p256 = try await api.admin(.post, path, json: ["type": "p256"])
            let rsa = try await api.admin(.post, path, json: ["type": "rsa"])
            #expect([ed.status, p256.status, rsa.status] as [Int] == [201, 201, 201], "\(rsa.string)")
            #expect(p256["algorithm"] as? String == "P-256" && (p256["did"] as? String)?.hasPrefix("did:key:zDn") == true)
            #expect(rsa["algorithm"] as? String == "RSA" && rsa["did"] == nil)
            #expect(!rsa.string.contains("\"d\""))
            let badType = try await api.admin(.post, path, json: ["type": "dsa"])
            #expect(badType.status == 400)

            let document = try await api.send(.get, "/organizations/\(world.organizationId)/did.json")
            #expect(document.status == 200)
            #expect(document.contentType == "application/did+json")
            let did = "did:web:127.0.0.1%3A8080:organizations:\(world.organizationId)"
            #expect(document.json["id"] as? String == did)
            #expect((document.json["verificationMethod"] as? [[String: Any]])?.count == 3)

            // ES256 without status, as the key's did:key: verifiable offline anywhere.
            let es = try await api.send(.post, "/credentials/issue", key: world.systemKey, json: [
                "credential": CredentialAPITests.credential(),
                "options": ["format": "vc-jwt", "algorithm": "ES256", "credentialStatus": false]])
            #expect(es.status == 201, "\(es.string)")
            let envelope = es["verifiableCredential"] as! [String: Any]
            #expect(envelope["type"] as? String == "EnvelopedVerifiableCredential")
            let jwt = String((envelope["id"] as! String).dropFirst("data:application/vc+jwt,".count))
            let parsed = try CompactJWS(parsing: jwt)
            #expect(parsed.header["alg"]?.stringValue == "ES256")
            #expect(parsed.header["kid"]?.stringValue == p256["verificationMethod"] as? String)
            let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": jwt])
            #expect(verified["verified"] as? Bool == true, "\(verified.string)")

            // ES256 with a status entry: issued as the organization's did:web, resolved by this server from its database.
            let withStatus = try await api.send(.post, "/credentials/issue", key: world.systemKey, json: [
                "credential": CredentialAPITests.credential(), "options": ["format": "vc-jwt", "algorithm": "ES256"]])
            #expect(withStatus.status == 201, "\(withStatus.string)")
            let statusJWT = String(((withStatus["verifiableCredential"] as! [String: Any])["id"] as! String)
                .dropFirst("data:application/vc+jwt,".count))
            #expect(try CompactJWS(parsing: statusJWT).header["kid"]?.stringValue == "\(did)#\(p256["id"] as! String)")
            let statusVerified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": statusJWT])
            #expect(statusVerified["verified"] as? Bool == true, "\(statusVerified.string)")
            #expect(Self.checks(statusVerified).contains { $0["name"] == "status" && $0["outcome"] == "pass" })

            // RS256 signs as the organization's did:web, with the RSA key's method in that document.
            let rs = try await api.send(.post, "/credentials/issue", key: world.systemKey, json: [
                "credential": CredentialAPITests.credential(), "options": ["format": "vc-jwt", "algorithm": "RS256"]])
            #expect(rs.status == 201, "\(rs.string)")
            let rsJWT = String(((rs["verifiableCredential"] as! [String: Any])["id"] as! String)
                .dropFirst("data:application/vc+jwt,".count))
            let rsParsed = try CompactJWS(parsing: rsJWT)
            #expect(rsParsed.header["kid"]?.stringValue == "\(did)#\(rsa["id"] as! String)")
            #expect(rsParsed.payload["issuer"]?["id"]?.stringValue == did || rsParsed.payload["iss"]?.stringValue == did)
            let publicJWK = try VCJWTPublicKey(jwkJSON: rsa["publicKeyJwk"] as! String)
            let report = await CredentialVerifier().verify(
                jwt: rsJWT, knownKeys: [VCJWTKnownKey(kid: "\(did)#\(rsa["id"] as! String)", controller: did, key: publicJWK)])
            #expect(report.verdict == .valid, "\(report)")

            let noKey = try await api.admin(.post, "/credentials/issue", json: [
                "credential": CredentialAPITests.credential(),
                "options": ["organizationId": world.organizationId, "format": "vc-jwt", "algorithm": "HS256"]])
            #expect(noKey.status == 400)
        }
    }
}

extension CredentialStatusAPITests {
    @Test("a demonstrated competency and a completed course become signed badges with their results and evidence",
          arguments: TestEngine.available)
    func competencyAndCourseBadges(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let learner = try await api.send(.post, "/api/v1/learners", key: world.systemKey, json: [
                "name": ["display": "Ada Lovelace"], "identifiers": [["scheme": "did", "value": "did:example:ada"]],
            ])["id"] as! String
            let competency = try await api.admin(.post, "/api/v1/competencies", json: [
                "name": "Data analysis", "organizationId": world.organizationId, "framework": "Riverside Core Skills",
                "caseItemURI": "https://case.example/uri/0f1e"])["id"] as! String
            let assertion = try await api.send(.post, "/api/v1/learners/\(learner)/competencies", key: world.systemKey, json: [
                "record": ["competencyId": competency, "organizationId": world.organizationId, "level": 4, "levelMaximum": 5,
                           "evidence": [["url": "https://portfolio.example/ada/analysis", "description": "Capstone report"]]],
                "provenance": ["sourceRecordId": "assessment-1"]])["id"] as! String
            let badge = try await api.send(.post, "/api/v1/learners/\(learner)/competencies/\(assertion)/badges",
                                           key: world.systemKey, json: [:])
            #expect(badge.status == 201, "\(badge.string)")
            let credential = badge["verifiableCredential"] as! [String: Any]
            let subject = credential["credentialSubject"] as! [String: Any]
            #expect(subject["id"] as? String == "did:example:ada")
            let achievement = subject["achievement"] as! [String: Any]
            #expect(achievement["achievementType"] as? String == "Competency")
            #expect(((achievement["alignment"] as? [[String: Any]])?.first?["targetUrl"] as? String) == "https://case.example/uri/0f1e")
            #expect(((subject["result"] as? [[String: Any]])?.first?["value"] as? String) == "4")
            #expect(((credential["evidence"] as? [[String: Any]])?.first?["id"] as? String) == "https://portfolio.example/ada/analysis")
            let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
            #expect(verified["verified"] as? Bool == true, "\(verified.string)")

            let course = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "kind": "course", "title": "Algorithms", "code": "CS-230",
                           "status": "completed", "startDate": "2025-09-01", "endDate": "2025-12-15",
                           "result": ["grade": "A-"], "credits": 4],
                "provenance": ["sourceRecordId": "enrolment-9"]])["id"] as! String
            let courseBadge = try await api.send(.post, "/api/v1/learners/\(learner)/experiences/\(course)/badges",
                                                 key: world.systemKey, json: ["issuerIdentifier": "did:web"])
            #expect(courseBadge.status == 201, "\(courseBadge.string)")
            let courseCredential = courseBadge["verifiableCredential"] as! [String: Any]
            let courseSubject = courseCredential["credentialSubject"] as! [String: Any]
            #expect((courseSubject["achievement"] as? [String: Any])?["humanCode"] as? String == "CS-230")
            #expect(courseSubject["creditsEarned"] as? Double == 4)
            #expect(((courseSubject["result"] as? [[String: Any]])?.first?["value"] as? String) == "A-")
            #expect(courseCredential["validFrom"] as? String == "2025-12-15T00:00:00Z")
            #expect(((courseCredential["issuer"] as? [String: Any])?["id"] as? String)?.hasPrefix("did:web:") == true)
            let courseVerified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": courseCredential])
            #expect(courseVerified["verified"] as? Bool == true, "\(courseVerified.string)")

            let planned = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "kind": "course", "title": "Compilers", "status": "enrolled"],
                "provenance": ["sourceRecordId": "enrolment-10"]])["id"] as! String
            let refused = try await api.send(.post, "/api/v1/learners/\(learner)/experiences/\(planned)/badges",
                                             key: world.systemKey, json: [:])
            #expect(refused.status == 422)
            #expect((refused["errors"] as? [[String: String]])?.first?["field"] == "recordId")
            let noAchievement = try await api.send(.post, "/api/v1/learners/\(learner)/credentials/\(course)/badges",
                                                   key: world.systemKey, json: [:])
            #expect(noAchievement.status == 404, "an experience is not found among the credential records")
        }
    }
}

extension CredentialStatusAPITests {
    @Test("an achievement's result descriptions are validated and appear in the badges that award it")
    func achievementResultDescriptions() async throws {
        try await APIHarness.run(.sqlite) { api in
            let world = try await api.world()
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let bad = try await api.admin(.post, "/api/v1/achievements", json: [
                "organizationId": world.organizationId, "name": "Nursing licence", "description": "RN",
                "criteriaNarrative": "Pass the NCLEX", "resultDescriptions": [["name": "Exam", "resultType": "Grade"]]])
            #expect(bad.status == 422)
            #expect((bad["errors"] as? [[String: String]])?.first?["field"] == "resultDescriptions[0].resultType")
            let achievement = try await api.admin(.post, "/api/v1/achievements", json: [
                "organizationId": world.organizationId, "name": "Nursing licence", "description": "RN",
                "criteriaNarrative": "Pass the NCLEX", "achievementType": "License",
                "resultDescriptions": [["name": "Exam", "resultType": "LetterGrade", "allowedValues": ["A", "B", "C"],
                                        "requiredValue": "C"]]])
            #expect(achievement.status == 201, "\(achievement.string)")
            #expect((achievement["resultDescriptions"] as? [[String: Any]])?.count == 1)
            let learner = try await api.send(.post, "/api/v1/learners", key: world.systemKey, json: [
                "name": ["display": "Ada"], "identifiers": [["scheme": "did", "value": "did:example:ada"]]])["id"] as! String
            let record = try await api.send(.post, "/api/v1/learners/\(learner)/credentials", key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "kind": "license", "title": "Registered Nurse",
                           "awardedDate": "2026-05-01"], "provenance": ["sourceRecordId": "licence-1"]])["id"] as! String
            let badge = try await api.send(.post, "/api/v1/learners/\(learner)/credentials/\(record)/badges",
                                           key: world.systemKey, json: ["achievementId": achievement["id"] as! String])
            #expect(badge.status == 201, "\(badge.string)")
            let awarded = ((badge["verifiableCredential"] as? [String: Any])?["credentialSubject"] as? [String: Any])?["achievement"] as? [String: Any]
            let descriptions = awarded?["resultDescription"] as? [[String: Any]] ?? []
            #expect(descriptions.first?["resultType"] as? String == "LetterGrade")
            #expect(descriptions.first?["allowedValue"] as? [String] == ["A", "B", "C"])
            let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": badge["verifiableCredential"]!])
            #expect(verified["verified"] as? Bool == true, "\(verified.string)")
        }
    }
}

extension CredentialStatusAPITests {
    @Test("an oversized credential is refused with 413 before it is parsed")
    func oversizedCredential() async throws {
        try await APIHarness.run(.sqlite) { api in
            var credential = CredentialAPITests.credential()
            credential["description"] = String(repeating: "x", count: 1 << 20)
            let reply = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
            #expect(reply.status == 413)
            #expect(reply.contentType == "application/problem+json")
            #expect((reply["errors"] as? [[String: String]])?.first?["field"] == "body")
        }
    }
}
