import Foundation
import HTTPTypes
import Testing
import VitaAPI
import VitaJSON
import VitaSchema
import VitaStorage
import VitaTestSupport

/// Correcting what an administrator defined — an organization, a connected system, an achievement, a competency — is
/// a `PUT` of the whole definition under `If-Match`, audited, with a new `ETag`; a stale or missing tag changes nothing.
struct DefinitionUpdateTests {
    /// One definition: where it is read, a corrected body, how the correction shows, and its audit action.
    struct Case {
        var path: String
        var corrected: [String: Any]
        var field: String
        var expected: String
        var action: String
    }

    static func cases(_ api: APIHarness, _ world: APIHarness.World) async throws -> [Case] {
        let achievement = try await api.admin(.post, "/api/v1/achievements", json: [
            "organizationId": world.organizationId, "name": "Data Science", "description": "Data Science", "criteriaNarrative": "Pass"])
        let competency = try await api.admin(.post, "/api/v1/competencies", json: ["name": "Statistcs", "organizationId": world.organizationId])
        return [
            Case(path: "/api/v1/organizations/\(world.organizationId)",
                 corrected: ["name": "Riverside State University", "kind": "university",
                             "identifiers": [["scheme": "domain", "value": "riverside.example"]]],
                 field: "name", expected: "Riverside State University", action: "organization.update"),
            Case(path: "/api/v1/systems/\(world.systemId)", corrected: ["name": "Registrar SIS (Banner)", "kind": "sis"],
                 field: "name", expected: "Registrar SIS (Banner)", action: "system.update"),
            Case(path: "/api/v1/achievements/\(try #require(achievement["id"] as? String))",
                 corrected: ["name": "Data Science I", "description": "Foundations of data science",
                             "criteriaNarrative": "Pass the capstone", "image": "https://riverside.example/badges/ds1.png"],
                 field: "name", expected: "Data Science I", action: "achievement.update"),
            Case(path: "/api/v1/competencies/\(try #require(competency["id"] as? String))",
                 corrected: ["name": "Statistics", "framework": "Riverside outcomes"],
                 field: "name", expected: "Statistics", action: "competency.update"),
        ]
    }

    @Test("organizations, systems, achievements and competencies are corrected by PUT under If-Match: 428 without it, 412 when stale, a new ETag and an audit entry when current",
          arguments: TestEngine.available)
    func correctionsNeedTheCurrentVersion(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            for item in try await Self.cases(api, world) {
                let read = try await api.admin(.get, item.path)
                let tag = try #require(read.headers[.eTag], "\(item.path) has an ETag")
                #expect(try await api.admin(.get, item.path, headers: ["If-None-Match": tag]).status == 304)

                let missing = try await api.admin(.put, item.path, json: item.corrected)
                #expect(missing.status == 428, "\(item.path): \(missing.string)")
                let stale = try await api.admin(.put, item.path, json: item.corrected, headers: ["If-Match": "\"stale.v9\""])
                #expect(stale.status == 412, "\(item.path): \(stale.string)")
                #expect(try await api.admin(.get, item.path)[item.field] as? String == read[item.field] as? String,
                        "\(item.path): a refused correction changes nothing")

                let corrected = try await api.admin(.put, item.path, json: item.corrected, headers: ["If-Match": tag])
                #expect(corrected.status == 200, "\(item.path): \(corrected.string)")
                #expect(corrected[item.field] as? String == item.expected)
                let newTag = try #require(corrected.headers[.eTag])
                #expect(newTag != tag)
                #expect(try await api.admin(.get, item.path).headers[.eTag] == newTag)
                #expect(try await api.admin(.get, item.path)[item.field] as? String == item.expected)
                #expect(corrected["id"] as? String == read["id"] as? String)
                #expect(corrected["createdAt"] as? String == read["createdAt"] as? String)

                let again = try await api.admin(.put, item.path, json: item.corrected, headers: ["If-Match": tag])
                #expect(again.status == 412, "\(item.path): the tag it replaced is stale now")
            }
            let actions = try await api.admin(.get, "/api/v1/audit?limit=200").items.compactMap { $0["action"] as? String }
            for action in ["organization.update", "system.update", "achievement.update", "competency.update"] {
                #expect(actions.filter { $0 == action }.count == 1, "\(action) audited once")
            }
        }
    }

    @Test("a correction that is not valid names the field and changes nothing", arguments: TestEngine.available)
    func invalidCorrectionsNameTheField(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let invalid: [(path: String, body: [String: Any], field: String)] = [
                ("/api/v1/organizations/\(world.organizationId)",
                 ["name": "Riverside", "kind": "university", "identifiers": [["scheme": "ipeds", "value": "12"]]], "identifiers[0].value"),
                ("/api/v1/organizations/\(world.organizationId)", ["name": " ", "kind": "university"], "name"),
                ("/api/v1/organizations/\(world.organizationId)", ["name": "Riverside", "kind": "castle"], "kind"),
                ("/api/v1/systems/\(world.systemId)", ["name": "", "kind": "sis"], "name"),
                ("/api/v1/systems/\(world.systemId)", ["kind": "sis"], "name"),
            ]
            for (path, body, field) in invalid {
                let tag = try await api.admin(.get, path).headers[.eTag]!
                let answer = try await api.admin(.put, path, json: body, headers: ["If-Match": tag])
                #expect([400, 422].contains(answer.status), "\(path) \(body): \(answer.string)")
                #expect(answer.headers[.contentType] == "application/problem+json")
                let fields = (answer["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(fields.contains(field), "\(path) names \(field): \(answer.string)")
                #expect(try await api.admin(.get, path).headers[.eTag] == tag, "nothing changed")
            }
        }
    }

    @Test("a revoked system and a competency of an imported framework are not corrected by PUT (409)", arguments: TestEngine.available)
    func someDefinitionsStayAsTheyAre(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let created = try await api.admin(.post, "/api/v1/systems", json: ["organizationId": world.organizationId,
                                                                              "name": "Old LMS", "kind": "lms"])
            let system = "/api/v1/systems/\((created["system"] as! [String: Any])["id"] as! String)"
            #expect(try await api.admin(.post, "\(system)/revoke").status == 200)
            let revoked = try await api.admin(.put, system, json: ["name": "Older LMS", "kind": "lms"],
                                              headers: ["If-Match": try await api.admin(.get, system).headers[.eTag]!])
            #expect(revoked.status == 409, "\(revoked.string)")

            let frameworkId = try await CompetencyFrameworkAPITests.imported(api, organizationId: world.organizationId)
            let item = try #require(try await api.admin(.get, "/api/v1/competency-frameworks/\(frameworkId)/competencies").items.first)
            let path = "/api/v1/competencies/\(item["id"] as! String)"
            let answer = try await api.admin(.put, path, json: ["name": "Renamed"],
                                             headers: ["If-Match": try await api.admin(.get, path).headers[.eTag]!])
            #expect(answer.status == 409, "\(answer.string)")
            #expect(try await api.admin(.get, path)["name"] as? String == item["name"] as? String)
        }
    }

    /// The badge `world`'s system has issued for `row`'s credential record and the achievement.
    static func badge(_ api: APIHarness, _ world: APIHarness.World, achievementId: String,
                      _ row: (learnerId: String, recordId: String)) async throws -> [String: Any] {
        let issued = try await api.send(.post, "/api/v1/learners/\(row.learnerId)/credentials/\(row.recordId)/badges",
                                        key: world.systemKey, json: ["achievementId": achievementId])
        #expect(issued.status == 201, "\(issued.string)")
        return try #require(issued["verifiableCredential"] as? [String: Any])
    }

    @Test("a corrected achievement is what later badges carry; a badge issued before keeps its definition and still verifies",
          arguments: TestEngine.available)
    func issuedBadgesKeepTheirAchievement(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let diplomas = try await IssuanceJobAPITests.diplomas(api, world, count: 2)
            func issue(_ row: (learnerId: String, recordId: String)) async throws -> [String: Any] {
                try await Self.badge(api, world, achievementId: diplomas.achievementId, row)
            }
            func achievementName(_ credential: [String: Any]) -> String? {
                ((credential["credentialSubject"] as? [String: Any])?["achievement"] as? [String: Any])?["name"] as? String
            }
            let before = try await issue(diplomas.rows[0])
            let path = "/api/v1/achievements/\(diplomas.achievementId)"
            let corrected = try await api.admin(.put, path, json: [
                "name": "Diploma in Computing", "description": "Diploma in Computing", "criteriaNarrative": "Pass every module"],
                headers: ["If-Match": try await api.admin(.get, path).headers[.eTag]!])
            #expect(corrected.status == 200, "\(corrected.string)")
            let after = try await issue(diplomas.rows[1])

            #expect(achievementName(before) == "Diploma")
            #expect(achievementName(after) == "Diploma in Computing")
            for credential in [before, after] {
                let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
                #expect(verified["verified"] as? Bool == true, "\(verified.string)")
            }
        }
    }

    @Test("an organization's website, email, description, logo and identifiers are in the issuer profile of what it issues next — a badge, an endorsement, a CLR — each valid by its 1EdTech schema and verified; a badge issued before keeps the issuer it was signed with; a profile value that is not valid names its field",
          arguments: TestEngine.available)
    func issuerProfile(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let diplomas = try await IssuanceJobAPITests.diplomas(api, world, count: 2)
            func issue(_ row: (learnerId: String, recordId: String)) async throws -> [String: Any] {
                try await Self.badge(api, world, achievementId: diplomas.achievementId, row)
            }
            let before = try await issue(diplomas.rows[0])
            #expect(Set((before["issuer"] as? [String: Any] ?? [:]).keys) == ["id", "type", "name"])

            let path = "/api/v1/organizations/\(world.organizationId)"
            let logo = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
            let profile: [String: Any] = ["name": "Riverside University", "kind": "university", "url": "https://riverside.example",
                                          "email": "registrar@riverside.example", "description": "A public university by the river",
                                          "image": logo, "identifiers": [["scheme": "opeid", "value": "00123400"],
                                                                         ["scheme": "domain", "value": "riverside.example"]]]
            for (field, value) in [("url", "ftp://riverside.example"), ("email", "registrar"), ("image", "logo.png"), ("description", " ")] {
                let refused = try await api.admin(.put, path, json: profile.merging([field: value]) { $1 },
                                                  headers: ["If-Match": try await api.admin(.get, path).headers[.eTag]!])
                let fields = (refused["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(refused.status == 422 && fields == [field], "\(field): \(refused.string)")
            }
            let corrected = try await api.admin(.put, path, json: profile,
                                                headers: ["If-Match": try await api.admin(.get, path).headers[.eTag]!])
            #expect(corrected.status == 200 && corrected["url"] as? String == "https://riverside.example", "\(corrected.string)")

            let badge = try await issue(diplomas.rows[1])
            let endorsement = try await api.send(.post, "\(path)/endorsements", key: world.systemKey, json: [
                "endorsedId": "https://other.example/achievements/cs-230", "name": "Accreditation"])
            #expect(endorsement.status == 201, "\(endorsement.string)")
            let clr = try await api.send(.post, "/api/v1/learners/\(diplomas.rows[1].learnerId)/clr", key: world.systemKey,
                                         json: [String: Any]())
            #expect(clr.status == 201, "\(clr.string)")
            let issued = [badge, try #require(endorsement["verifiableCredential"] as? [String: Any]),
                          try #require(clr["verifiableCredential"] as? [String: Any])]
            for credential in issued {
                let issuer = credential["issuer"] as? [String: Any] ?? [:]
                #expect(issuer["name"] as? String == "Riverside University")
                #expect(issuer["url"] as? String == "https://riverside.example")
                #expect(issuer["email"] as? String == "registrar@riverside.example")
                #expect(issuer["description"] as? String == "A public university by the river")
                let image = issuer["image"] as? [String: Any]
                #expect(image?["id"] as? String == logo && image?["type"] as? String == "Image")
                let entries = (issuer["otherIdentifier"] as? [[String: Any]] ?? []).map {
                    [$0["type"] as? String, $0["identifier"] as? String, $0["identifierType"] as? String]
                }
                #expect(entries == [["IdentifierEntry", "00123400", "ext:OPEID"], ["IdentifierEntry", "riverside.example", "ext:domain"]])
                let json = try JSONValue(parsing: Array(try JSONSerialization.data(withJSONObject: credential)))
                #expect(try OneEdTechSchemas.shared.validate(credential: json).isValid, "\(credential["type"] ?? "")")
            }
            for credential in issued + [before] {
                let verified = try await api.send(.post, "/credentials/verify", json: ["verifiableCredential": credential])
                #expect(verified["verified"] as? Bool == true, "\(verified.string)")
            }
        }
    }

    @Test("two corrections made from the same read: one is taken, the other is 412 and changes nothing", arguments: TestEngine.available)
    func concurrentCorrectionsConflict(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let path = "/api/v1/organizations/\(world.organizationId)"
            let tag = try await api.admin(.get, path).headers[.eTag]!
            let names = (0..<6).map { "Riverside \($0)" }
            let statuses = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for name in names {
                    group.addTask {
                        let answer = try await api.admin(.put, path, json: ["name": name, "kind": "university"], headers: ["If-Match": tag])
                        return (name, answer.status)
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            #expect(statuses.values.filter { $0 == 200 }.count == 1, "\(statuses)")
            #expect(statuses.values.filter { $0 == 412 }.count == names.count - 1, "\(statuses)")
            let winner = statuses.first { $0.value == 200 }?.key
            #expect(try await api.admin(.get, path)["name"] as? String == winner)
            #expect(try await api.admin(.get, path).headers[.eTag] == "\"\(world.organizationId).v2\"")
        }
    }
}
