import Foundation
import Testing
import VitaAPI
import VitaTestSupport

struct ClrAPITests {
    @Test("the CLR of a learner nests a signed credential per completed course, competency and badge, with isPartOf associations, and verifies",
          arguments: TestEngine.available)
    func clrFromTheLearnerRecord(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let org = world.organizationId
            _ = try await api.admin(.post, "/api/v1/organizations/\(org)/keys")
            let learner = try await api.send(.post, "/api/v1/learners", key: world.systemKey, json: [
                "name": ["display": "Ada Lovelace"], "identifiers": [["scheme": "email", "value": "ada@example.edu"]],
            ])["id"] as! String
            func experience(_ body: [String: Any], source: String) async throws -> String {
                let reply = try await api.send(.post, "/api/v1/learners/\(learner)/experiences", key: world.systemKey,
                                               json: ["record": body, "provenance": ["sourceRecordId": source]])
                #expect(reply.status == 201, "\(reply.string)")
                return reply["id"] as! String
            }
            let empty = try await api.send(.post, "/api/v1/learners/\(learner)/clr", key: world.systemKey, json: [:])
            #expect(empty.status == 422, "nothing to put in a CLR yet")

            let program = try await experience(["organizationId": org, "kind": "program", "title": "BSc Computer Science",
                                                "code": "BSC-CS", "status": "inProgress"], source: "program")
            var courses: [String] = []
            for (code, title, grade) in [("CS-101", "Programming", "A"), ("CS-201", "Data Structures", "B+"),
                                         ("CS-230", "Algorithms", "A-")] {
                courses.append(try await experience([
                    "organizationId": org, "kind": "course", "title": title, "code": code, "status": "completed",
                    "endDate": "2025-12-15", "result": ["grade": grade], "credits": 4, "partOf": program], source: code))
            }
            _ = try await experience(["organizationId": org, "kind": "course", "title": "Compilers", "code": "CS-440",
                                      "status": "enrolled", "partOf": program], source: "CS-440")
            let competency = try await api.admin(.post, "/api/v1/competencies", json: [
                "name": "Programming", "organizationId": org])["id"] as! String
            let skill = try await api.send(.post, "/api/v1/learners/\(learner)/competencies", key: world.systemKey, json: [
                "record": ["competencyId": competency, "organizationId": org, "level": 3, "levelMaximum": 4, "evidence": []],
                "provenance": ["sourceRecordId": "skill-1"]])
            #expect(skill.status == 201, "\(skill.string)")

            let clr = try await api.send(.post, "/api/v1/learners/\(learner)/clr", key: world.systemKey,
                                         json: ["name": "Official transcript"])
            #expect(clr.status == 201, "\(clr.string)")
            #expect(clr["included"] as? Int == 4)
            #expect(clr["newlyIssued"] as? Int == 4)
            let credential = clr["verifiableCredential"] as! [String: Any]
            #expect((credential["type"] as? [String]) == ["VerifiableCredential", "ClrCredential"])
            #expect((credential["@context"] as? [String])?[1] == "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json")
            let subject = credential["credentialSubject"] as! [String: Any]
            #expect((subject["identifier"] as? [[String: Any]])?.first?["hashed"] as? Bool == true)
            let nested = subject["verifiableCredential"] as? [[String: Any]] ?? []
            #expect(nested.count == 4)
            #expect(nested.allSatisfy { $0["proof"] != nil })
            let associations = subject["association"] as? [[String: Any]] ?? []
            #expect(associations.count == 3)
            #expect(associations.allSatisfy { $0["associationType"] as? String == "isPartOf" })
            #expect((subject["achievement"] as? [[String: Any]])?.first?["name"] as? String == "BSc Computer Science")

            let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
            #expect(verified["verified"] as? Bool == true, "\(verified.string)")
            let report = verified["report"] as? [String: Any]
            #expect((report?["nested"] as? [[String: Any]])?.count == 4)

            // A second CLR reuses the badges; a revoked one is replaced by a new credential.
            let again = try await api.send(.post, "/api/v1/learners/\(learner)/clr", key: world.systemKey, json: [:])
            #expect(again["newlyIssued"] as? Int == 0)
            let revokedId = nested[0]["id"] as! String
            let revoke = try await api.send(.post, "/credentials/status", key: world.systemKey,
                                            json: ["credentialId": revokedId, "action": "revoke"])
            #expect(revoke.status == 200)
            let third = try await api.send(.post, "/api/v1/learners/\(learner)/clr", key: world.systemKey, json: [:])
            #expect(third["newlyIssued"] as? Int == 1)
            let thirdNested = ((third["verifiableCredential"] as? [String: Any])?["credentialSubject"] as? [String: Any])?["verifiableCredential"] as? [[String: Any]] ?? []
            #expect(!thirdNested.contains { $0["id"] as? String == revokedId })

            let listed = try await api.send(.get, "/api/v1/learners/\(learner)/clrs", key: world.systemKey)
            #expect(listed.items.count == 3)
            let log = try await api.admin(.get, "/api/v1/learners/\(learner)/access-log?limit=200")
            #expect(log.items.contains { $0["action"] as? String == "clr.issue" })
        }
    }

    @Test("a CLR is refused without an agreement to read the records, and an administrator must name the organization",
          arguments: TestEngine.available)
    func clrAccess(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world(categories: ["experiences", "credentials"])
            _ = try await api.admin(.post, "/api/v1/organizations/\(world.organizationId)/keys")
            let learner = try await api.learner(key: world.systemKey)
            let denied = try await api.send(.post, "/api/v1/learners/\(learner)/clr", key: world.systemKey, json: [:])
            #expect(denied.status == 403, "no agreement covers competencies")
            #expect(denied.contentType == "application/problem+json")
            let admin = try await api.admin(.post, "/api/v1/learners/\(learner)/clr", json: [:])
            #expect(admin.status == 400)
            #expect((admin["errors"] as? [[String: String]])?.first?["field"] == "organizationId")
            let badIdentifier = try await api.admin(.post, "/api/v1/learners/\(learner)/clr",
                                                    json: ["organizationId": world.organizationId, "issuerIdentifier": "did:x"])
            #expect(badIdentifier.status == 400)
        }
    }
}
