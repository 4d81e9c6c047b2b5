import Foundation
import HTTPTypes
import NIOCore
import Testing
import VitaTestSupport

/// What HTTP (RFC 9110) and OAuth (RFC 6749) ask of every endpoint, whatever it does: methods a resource does not take,
/// the authentication scheme's case, an over-long body on the OAuth-style endpoints, and strict query values.
struct HTTPConformanceTests {
    @Test("a method a resource does not take is 405 with Allow; OPTIONS lists them; HEAD answers as GET without the body")
    func methods() async throws {
        try await APIHarness.run(.sqlite) { api in
            let patch = try await api.send(.patch, "/api/v1/learners", key: api.adminKey, json: [String: Any]())
            #expect(patch.status == 405 && patch.contentType == "application/problem+json", "\(patch.string)")
            #expect(patch.headers[.allow] == "GET, HEAD, OPTIONS, POST")
            let delete = try await api.send(.delete, "/health")
            #expect(delete.status == 405 && delete.headers[.allow] == "GET, HEAD, OPTIONS")
            let options = try await api.send(.options, "/api/v1/learners", key: api.adminKey)
            #expect(options.status == 204 && options.headers[.allow] == "GET, HEAD, OPTIONS, POST")
            let head = try await api.send(.head, "/health")
            #expect(head.status == 200 && head.body.isEmpty && head.contentType == "application/json")
            // HEAD is the GET operation's answer, access checks included.
            #expect(try await api.send(.head, "/api/v1/learners").status == 401)
            #expect(try await api.send(.head, "/api/v1/learners", key: api.adminKey).status == 200)
            // The 1EdTech service APIs answer in their own error format.
            let ims = try await api.send(.patch, "/ims/ob/v3p0/discovery")
            #expect(ims.status == 405 && ims.headers[.allow]?.contains("GET") == true && ims["imsx_codeMajor"] as? String == "failure")
            #expect(try await api.send(.get, "/api/v1/nothing-here").status == 404, "an unknown path is still 404")
        }
    }

    @Test("HEAD on a live server says the length of the body GET sends, and sends none, as a 304 does: the next request on the connection is answered")
    func headLength() async throws {
        try await APIHarness.run(.sqlite, live: true) { api in
            for path in ["/health", "/openapi.json", "/api/v1/learners"] {
                let get = try await api.send(.get, path, key: api.adminKey)
                let head = try await api.send(.head, path, key: api.adminKey)
                #expect(get.status == 200 && head.status == 200, "\(path)")
                #expect(head.headers[.contentLength] == String(get.body.count), "\(path): \(head.headers[.contentLength] ?? "none")")
                #expect(head.body.isEmpty && head.headers[.contentType] == get.headers[.contentType], "\(path)")
                #expect(head.headers[.eTag] == get.headers[.eTag], "\(path)")
            }
            // A 304 on a live connection sends no body either, and the next request is answered.
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let path = "/api/v1/learners/\(learner)"
            let tag = try #require(try await api.admin(.get, path).headers[.eTag])
            for _ in 0..<2 {
                let unchanged = try await api.admin(.get, path, headers: ["If-None-Match": tag])
                #expect(unchanged.status == 304 && unchanged.body.isEmpty && unchanged.headers[.eTag] == tag)
            }
            #expect(try await api.admin(.get, path).status == 200)
        }
    }

    @Test("a body of a media type the operation does not take is 415 naming Content-Type, after authentication and before anything is written; JSON with parameters, a +json type or no Content-Type is taken")
    func unsupportedMediaType() async throws {
        try await APIHarness.run(.sqlite) { api in
            let body = #"{"name":"Riverside University","kind":"university"}"#
            for type in ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x"] {
                let refused = try await api.send(.post, "/api/v1/organizations", key: api.adminKey, raw: body,
                                                 headers: ["Content-Type": type])
                #expect(refused.status == 415 && refused.contentType == "application/problem+json", "\(type): \(refused.string)")
                let errors = refused["errors"] as? [[String: Any]]
                #expect(errors?.first?["field"] as? String == "Content-Type" && errors?.first?["reason"] as? String == "must be application/json",
                        "\(type): \(refused.string)")
            }
            #expect(try await api.admin(.get, "/api/v1/organizations").items.isEmpty, "nothing was created")
            #expect(try await api.send(.post, "/api/v1/organizations", raw: body, headers: ["Content-Type": "text/plain"]).status == 401,
                    "the credentials are checked first")
            for type in ["application/json; charset=utf-8", "Application/JSON", "application/ld+json"] {
                let taken = try await api.send(.post, "/api/v1/organizations", key: api.adminKey, raw: body, headers: ["Content-Type": type])
                #expect(taken.status == 201, "\(type): \(taken.string)")
            }
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(api.adminKey)"
            let untyped = try await api.client.execute(uri: "/api/v1/organizations", method: .post, headers: headers,
                                                       body: ByteBuffer(string: body)) { Int($0.status.code) }
            #expect(untyped == 201, "a body without Content-Type is read as JSON")
            // An operation taking other types names them all; the 1EdTech APIs answer in their own format.
            let upload = try await api.send(.post, "/credentials/verify", raw: "x", headers: ["Content-Type": "application/pdf"])
            #expect(upload.status == 415 && (upload["errors"] as? [[String: Any]])?.first?["reason"] as? String
                    == "must be application/json, image/png, image/svg+xml or application/jwt", "\(upload.string)")
        }
    }

    @Test("every documented request body is refused in an undocumented media type with 415 listing the documented ones (for the callers who get that far)")
    func everyBodyChecksItsMediaType() async throws {
        try await APIHarness.run(.sqlite) { api in
            let paths = try #require(try await api.send(.get, "/openapi.json").json["paths"] as? [String: [String: Any]])
            var checked = 0
            for (path, operations) in paths.sorted(by: { $0.key < $1.key })
            where !["/oauth/", "/oid4vci/", "/oid4vp/"].contains(where: path.hasPrefix) {
                for (method, value) in operations {
                    guard let operation = value as? [String: Any],
                          let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any],
                          (operation["responses"] as? [String: Any])?["415"] != nil else { continue }
                    let uri = PathTemplate.fill(path) { PathTemplate.placeholder(for: $0) }
                    let reply = try await api.send(HTTPRequest.Method(method.uppercased())!, uri, key: api.adminKey, raw: "{}",
                                                   headers: ["Content-Type": "application/x-vita-unknown"])
                    if [401, 403].contains(reply.status) { continue }  // a learner's token is needed first
                    #expect(reply.status == 415, "\(method) \(path): \(reply.status) \(reply.string.prefix(200))")
                    let reason = path.hasPrefix("/ims/") ? reply["imsx_description"] as? String
                        : (reply["errors"] as? [[String: Any]])?.first?["reason"] as? String
                    for type in content.keys {
                        #expect(reason?.contains(type) == true, "\(method) \(path): \(type) is documented but not named: \(reason ?? "")")
                    }
                    checked += 1
                }
            }
            #expect(checked >= 40, "\(checked) operations checked")
        }
    }

    @Test("a read whose ETag If-None-Match names (weakly, in a list, or *) is 304 with the ETag and no body, still checked and audited; another or a stale tag is 200; errors ignore it",
          arguments: TestEngine.available)
    func conditionalReads(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let created = try await api.recordExperience(world, learner: learner, source: "enr-1")
            let item = "/api/v1/learners/\(learner)/experiences/\(created["id"] as! String)"
            let read = try await api.send(.get, item, key: world.systemKey)
            let tag = try #require(read.headers[.eTag])
            for condition in [tag, "W/\(tag)", "\"other\", \(tag)", "*", " \"a,b\" ,W/\(tag) "] {
                let again = try await api.send(.get, item, key: world.systemKey, headers: ["If-None-Match": condition])
                #expect(again.status == 304 && again.body.isEmpty && again.headers[.eTag] == tag, "\(condition)")
                #expect(again.headers[.contentType] == nil)
            }
            let head = try await api.send(.head, item, key: world.systemKey, headers: ["If-None-Match": tag])
            #expect(head.status == 304 && head.headers[.eTag] == tag)
            for condition in ["\"other\"", "\(tag.dropLast())", "W/", "garbage", ""] {
                #expect(try await api.send(.get, item, key: world.systemKey, headers: ["If-None-Match": condition]).status == 200,
                        "\(condition)")
            }
            // The read ran: checked against the agreements and audited, the body alone not sent again.
            let stranger = try await api.world()
            let refused = try await api.send(.get, item, key: stranger.systemKey, headers: ["If-None-Match": tag])
            #expect(refused.status == 403, "\(refused.string)")
            let log = try await api.admin(.get, "/api/v1/learners/\(learner)/access-log?limit=200")
            #expect(log.items.filter { $0["action"] as? String == "records.read" && $0["outcome"] as? String == "allowed" }.count == 12)

            // A new version: the old tag no longer matches.
            let updated = try await api.send(.put, item, key: world.systemKey,
                                             json: APIHarness.experience(world.organizationId, source: "enr-1", credits: 5),
                                             headers: ["If-Match": tag])
            #expect(updated.status == 200)
            let fresh = try await api.send(.get, item, key: world.systemKey, headers: ["If-None-Match": tag])
            #expect(fresh.status == 200 && fresh.headers[.eTag] == updated.headers[.eTag])
            // The profile's tag is its content's: a system's kept profile and a fresh one agree, a change moves it.
            let profilePath = "/api/v1/learners/\(learner)/profile"
            let profile = try await api.send(.get, profilePath, key: world.systemKey)
            let profileTag = try #require(profile.headers[.eTag])
            #expect(try await api.send(.get, profilePath, key: world.systemKey, headers: ["If-None-Match": profileTag]).status == 304)
            try await api.recordExperience(world, learner: learner, source: "enr-2", title: "Databases")
            let changed = try await api.send(.get, profilePath, key: world.systemKey, headers: ["If-None-Match": profileTag])
            #expect(changed.status == 200 && changed.headers[.eTag] != profileTag)
            // The other resources with versions answer the same way.
            for path in ["/api/v1/learners/\(learner)", "/api/v1/agreements/\(world.agreementId)",
                         "/api/v1/learners/\(learner)/profile"] {
                let first = try await api.admin(.get, path)
                let current = try #require(first.headers[.eTag], "\(path)")
                #expect(try await api.admin(.get, path, headers: ["If-None-Match": current]).status == 304, "\(path)")
            }
        }
    }

    @Test("the authentication scheme's name is case-insensitive; the credentials are not")
    func schemeCase() async throws {
        try await APIHarness.run(.sqlite) { api in
            for scheme in ["Bearer", "bearer", "BEARER"] {
                let reply = try await api.send(.get, "/api/v1/learners", headers: ["Authorization": "\(scheme) \(api.adminKey)"])
                #expect(reply.status == 200, "\(scheme)")
            }
            let wrongCase = try await api.send(.get, "/api/v1/learners", headers: ["Authorization": "Bearer \(api.adminKey.uppercased())"])
            #expect(wrongCase.status == 401)
            #expect(try await api.send(.get, "/api/v1/learners", headers: ["Authorization": "Bearer"]).status == 401)
            #expect(try await api.send(.get, "/api/v1/learners", headers: ["Authorization": "Bearerx \(api.adminKey)"]).status == 401)
        }
    }

    @Test("a body over the limit at the OAuth and wallet protocol endpoints is 413 with an OAuth error, not a problem")
    func oversizedBodies() async throws {
        try await APIHarness.run(.sqlite) { api in
            let world = try await api.world()
            let client = try await api.admin(.post, "/api/v1/systems/\(world.systemId)/oauth-clients",
                                             json: ["scope": "vita:experiences:read"])
            let basic = "Basic " + Data("\(client["client_id"] as! String):\(client["client_secret"] as! String)".utf8).base64EncodedString()
            let big = String(repeating: "a", count: 1_048_577)
            // The token and revocation endpoints authenticate the client first (an unknown one is invalid_client).
            for (path, type, authorization) in [("/oauth/register", "application/json", nil), ("/oauth/token", "application/x-www-form-urlencoded", basic),
                                                ("/oauth/revoke", "application/x-www-form-urlencoded", basic),
                                                ("/oid4vp/response", "application/x-www-form-urlencoded", nil)] as [(String, String, String?)] {
                var headers = ["Content-Type": type]
                if let authorization { headers["Authorization"] = authorization }
                let reply = try await api.send(.post, path, raw: type.hasSuffix("json") ? "{\"x\":\"\(big)\"}" : "state=\(big)",
                                               headers: headers)
                #expect(reply.status == 413 && reply.contentType == "application/json", "\(path): \(reply.status) \(reply.contentType ?? "")")
                #expect(reply["error"] as? String == "invalid_request", "\(path): \(reply.string.prefix(200))")
            }
        }
    }

    @Test("a JSON body with a member twice is refused, whichever way the operation reads its body")
    func duplicateMembers() async throws {
        try await APIHarness.run(.sqlite) { api in
            let twice = #"{"name": "Riverside University", "kind": "university", "name": "Other"}"#
            let typed = try await api.send(.post, "/api/v1/organizations", key: api.adminKey, raw: twice)
            #expect(typed.status == 400 && (typed["errors"] as? [[String: String]])?.first?["field"] == "body", "\(typed.string)")
            #expect(typed.string.contains("duplicate") || typed.string.contains("twice") || typed.string.contains("more than once"),
                    "\(typed.string)")
            let once = try await api.send(.post, "/api/v1/organizations", key: api.adminKey,
                                          raw: #"{"name": "Riverside University", "kind": "university"}"#)
            #expect(once.status == 201)
        }
    }

    @Test("query values are strict: includeDeleted is true or false, and asOf a time that exists")
    func strictQueries() async throws {
        try await APIHarness.run(.sqlite) { api in
            let world = try await api.world()
            let learnerId = try await api.learner(key: world.systemKey)
            let records = "/api/v1/learners/\(learnerId)/experiences"
            #expect(try await api.send(.get, records + "?includeDeleted=true", key: world.systemKey).status == 200)
            #expect(try await api.send(.get, records + "?includeDeleted=false", key: world.systemKey).status == 200)
            let loose = try await api.send(.get, records + "?includeDeleted=yes", key: world.systemKey)
            #expect(loose.status == 400 && (loose["errors"] as? [[String: String]])?.first?["field"] == "includeDeleted")
            let profile = "/api/v1/learners/\(learnerId)/profile?asOf="
            #expect(try await api.send(.get, profile + "2026-02-28T00:00:00Z", key: world.systemKey).status == 200)
            for impossible in ["2026-02-30T00:00:00Z", "2026-04-31T12:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T12:60:00Z"] {
                let reply = try await api.send(.get, profile + impossible, key: world.systemKey)
                #expect(reply.status == 400 && (reply["errors"] as? [[String: String]])?.first?["field"] == "asOf", "\(impossible)")
            }
        }
    }

    @Test("what a 201 created is read, with the same id, where its Location points: systems, competencies, peers, consents, learner accounts; another id there is 404",
          arguments: TestEngine.available)
    func createdResourcesAreReadAtTheirLocation(_ engine: TestEngine) async throws {
        try await APIHarness.run(engine) { api in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let creations: [(path: String, body: [String: Any], unknown: String)] = [
                ("/api/v1/systems", ["organizationId": world.organizationId, "name": "Career LMS", "kind": "lms"],
                 "/api/v1/systems/sys_0123456789abcdef0123456789abcdef"),
                ("/api/v1/competencies", ["name": "Statistics", "organizationId": world.organizationId],
                 "/api/v1/competencies/cmp_0123456789abcdef0123456789abcdef"),
                ("/api/v1/peers", AccessControlTable.peerBody(world.organizationId),
                 "/api/v1/peers/per_0123456789abcdef0123456789abcdef"),
                ("/api/v1/learners/\(learner)/consents", ["agreementId": world.agreementId],
                 "/api/v1/learners/\(learner)/consents/cns_0123456789abcdef0123456789abcdef"),
                ("/api/v1/learners/\(learner)/account", ["login": "ada", "password": AccessControlMatrixTests.password],
                 "/api/v1/learners/\(try await api.learner(key: world.systemKey))/account"),
            ]
            for creation in creations {
                let created = try await api.admin(.post, creation.path, json: creation.body)
                #expect(created.status == 201, "\(creation.path): \(created.string)")
                let location = try #require(created.headers[.location], "\(creation.path)")
                let id = (created["system"] as? [String: Any])?["id"] as? String ?? created["id"] as? String
                let read = try await api.admin(.get, location)
                #expect(read.status == 200 && read["id"] as? String == id, "\(location): \(read.string)")
                let unknown = try await api.admin(.get, creation.unknown)
                #expect(unknown.status == 404, "\(creation.unknown): \(unknown.string)")
            }
        }
    }
}
