import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaCredentials
import VitaJSON
import VitaStorage

/// Organization signing keys, and the W3C VC-API issue and verify operations.
struct CredentialRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    let vault: KeyVault

    func register(in catalog: RouteCatalog) {
        let keys = "/api/v1/organizations/{organizationId}/keys"
        catalog.add(Operation(method: .post, path: keys, operationId: "rotateIssuerKey",
                              summary: "Create the organization's new signing key; earlier keys are retired but stay listed",
                              tag: "Credentials", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (201, "IssuerKey"), errors: [401, 403, 404])) { _, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            let now = Timestamp.truncated(gate.clock())
            let pair = Ed25519KeyPair()
            let did = pair.didKey
            let key = IssuerKey(id: EntityID.make("key", now: now), organizationId: organizationId, algorithm: "Ed25519",
                                publicKeyMultibase: pair.publicKeyMultibase, did: did.did,
                                verificationMethod: did.verificationMethodID, createdAt: now)
            let sealed = try vault.seal(pair.seed, id: key.id)
            try await database.transaction { tx in
                guard try await tx.organization(id: organizationId) != nil else { throw Problem.notFound("organization") }
                try await tx.insertCurrent(key, sealedPrivate: sealed)
                try await gate.audit(tx, context.principal!, action: "issuer-key.rotate")
            }
            return try APIJSON.response(key, status: .created)
        }
        catalog.add(Operation(method: .get, path: keys, operationId: "listIssuerKeys",
                              summary: "The organization's signing keys (public halves), newest first", tag: "Credentials",
                              access: .admin, query: [], headers: [], requestSchema: nil, success: (200, "IssuerKeyList"),
                              errors: [401, 403, 404])) { _, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            let keys = try await database.read { tx -> [IssuerKey]? in
                guard try await tx.organization(id: organizationId) != nil else { return nil }
                return try await tx.issuerKeys(organizationId: organizationId)
            }
            guard let keys else { throw Problem.notFound("organization") }
            return try APIJSON.response(DTO.List(items: keys, nextCursor: nil))
        }

        catalog.add(Operation(method: .post, path: "/credentials/issue", operationId: "issueCredential",
                              summary: "Sign a credential with the organization's current key (VC-API)",
                              tag: "Credentials", access: .principal, query: [], headers: [],
                              requestSchema: "IssueRequest", success: (201, "IssueResponse"),
                              errors: [400, 401, 403, 413, 422])) { request, context in
            let body = try await readJSON(request)
            guard case .object(var credential)? = body["credential"] else {
                throw Problem.badRequest("credential", "must be a credential object")
            }
            let options = body["options"]?.objectValue ?? JSONObject()
            let principal = context.principal!
            let organizationId: String
            switch principal {
            case .admin:
                guard let id = options["organizationId"]?.stringValue else {
                    throw Problem.badRequest("options.organizationId", "is required for an administrator")
                }
                organizationId = id
            case .system(let system):
                if let id = options["organizationId"]?.stringValue, id != system.organizationId {
                    throw Problem.forbidden("a system issues only for its own organization")
                }
                organizationId = system.organizationId
            }
            let suiteName = options["cryptosuite"]?.stringValue ?? Cryptosuite.eddsaRdfc2022.rawValue
            guard let suite = Cryptosuite(rawValue: suiteName), suite != .eddsa2022Legacy else {
                throw Problem.badRequest("options.cryptosuite", "must be eddsa-rdfc-2022 or eddsa-jcs-2022")
            }
            let (key, pair) = try await signingKey(organizationId: organizationId, field: "options.organizationId")
            // The issuer is the key's DID, so that verifiers can bind the proof to the issuer offline.
            switch credential["issuer"] {
            case .object(var profile)?:
                profile["id"] = .string(key.did)
                credential["issuer"] = .object(profile)
            default:
                credential["issuer"] = .string(key.did)
            }
            let signed = try sign(.object(credential), key: key, pair: pair, suite: suite)
            try await database.transaction { tx in try await gate.audit(tx, principal, action: "credential.issue") }
            var response = JSONObject()
            response["verifiableCredential"] = signed
            return jsonResponse(.object(response), status: .created)
        }

        registerAchievements(in: catalog)

        catalog.add(Operation(method: .post, path: "/credentials/verify", operationId: "verifyCredential",
                              summary: "Verify a credential and report every check (VC-API); no credentials needed",
                              tag: "Credentials", access: .open, query: [], headers: [],
                              requestSchema: "VerifyRequest", success: (200, "VerifyResponse"),
                              errors: [400, 413])) { request, _ in
            let body = try await readJSON(request)
            guard let credential = body["verifiableCredential"], credential.objectValue != nil else {
                throw Problem.badRequest("verifiableCredential", "must be a credential object")
            }
            let report = await CredentialVerifier(clock: gate.clock).verify(credential)
            var response = JSONObject()
            response["verified"] = .bool(report.verdict == .valid)
            response["report"] = report.json
            return jsonResponse(.object(response), status: .ok)
        }
    }

    private func registerAchievements(in catalog: RouteCatalog) {
        let base = "/api/v1/achievements"
        catalog.add(Operation(method: .post, path: base, operationId: "createAchievement",
                              summary: "Define an achievement an organization awards", tag: "Credentials", access: .admin,
                              query: [], headers: [], requestSchema: "CreateAchievement", success: (201, "Achievement"),
                              errors: [400, 401, 403, 413, 422])) { request, context in
            let (input, _) = try await reader.decode(DTO.CreateAchievement.self, from: request)
            let now = Timestamp.truncated(gate.clock())
            let achievement = Achievement(id: EntityID.make("ach", now: now), uri: "urn:uuid:\(UUID().uuidString.lowercased())",
                                          organizationId: input.organizationId, name: input.name,
                                          description: input.description, criteriaNarrative: input.criteriaNarrative,
                                          achievementType: input.achievementType, image: input.image,
                                          alignments: input.alignments ?? [], createdAt: now)
            try achievement.validate()
            try await database.transaction { tx in
                guard try await tx.organization(id: achievement.organizationId) != nil else {
                    throw ValidationFailures([.invalidField("organizationId", "no such organization")])
                }
                try await tx.insert(achievement)
                try await gate.audit(tx, context.principal!, action: "achievement.create")
            }
            return try APIJSON.response(achievement, status: .created, headers: [.location: "\(base)/\(achievement.id)"])
        }
        catalog.add(Operation(method: .get, path: base, operationId: "listAchievements", summary: "List achievements",
                              tag: "Credentials", access: .principal, query: AdminRoutes.pagingQuery, headers: [],
                              requestSchema: nil, success: (200, "AchievementList"), errors: [400, 401])) { request, _ in
            let (cursor, limit) = try reader.paging(request)
            let page = try await database.read { try await $0.achievements(after: cursor, limit: limit) }
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "\(base)/{achievementId}", operationId: "getAchievement",
                              summary: "Read an achievement", tag: "Credentials", access: .principal, query: [], headers: [],
                              requestSchema: nil, success: (200, "Achievement"), errors: [401, 404])) { _, context in
            let id = try reader.id(context, "achievementId", prefix: "ach", what: "achievement")
            guard let achievement = try await database.read({ try await $0.achievement(id: id) }) else {
                throw Problem.notFound("achievement")
            }
            return try APIJSON.response(achievement)
        }

        let badges = "/api/v1/learners/{learnerId}/credentials/{recordId}/badges"
        catalog.add(Operation(method: .post, path: badges, operationId: "issueOpenBadge",
                              summary: "Issue a signed Open Badges 3.0 credential for an ELR credential record; it is stored with the learner's records",
                              tag: "Credentials", access: .principal, query: [], headers: [],
                              requestSchema: "IssueBadge", success: (201, "IssuedBadge"),
                              errors: [400, 401, 403, 404, 413, 422])) { request, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let recordId = try reader.id(context, "recordId", prefix: "rec", what: "record")
            let (input, _) = try await reader.decode(DTO.IssueBadge.self, from: request)
            let principal = context.principal!
            // Read what the credential is built from under the agreements (credentials, read).
            let (learner, record, achievement) = try await gate.withAccess(
                principal, learnerId: learnerId, categories: [.credentials], permission: .read, action: "records.read"
            ) { tx, grant -> (Learner, LearnerRecord, Achievement) in
                guard let learner = try await tx.learner(id: learnerId), learner.erasure == nil else {
                    throw Problem.notFound("learner")
                }
                guard let record = try await tx.record(id: recordId), record.learnerId == learnerId,
                      record.category == .credentials, grant.providers?.contains(record.organizationId) ?? true,
                      record.deletion == nil else { throw Problem.notFound("record") }
                guard let achievement = try await tx.achievement(id: input.achievementId),
                      achievement.organizationId == record.organizationId else {
                    throw ValidationFailures([.invalidField("achievementId", "no such achievement of the record's organization")])
                }
                return (learner, record, achievement)
            }
            guard case .credential(let credentialRecord)? = record.body else { throw Problem.notFound("record") }
            guard let recipient = OpenBadgeIssuance.recipient(for: learner) else {
                throw ValidationFailures([.invalidField("learnerId", "the learner has neither a DID nor an email identifier")])
            }
            let organization = try await database.read { try await $0.organization(id: record.organizationId) }
            let (key, pair) = try await signingKey(organizationId: record.organizationId, field: "recordId")
            let credentialId = "urn:uuid:\(UUID().uuidString.lowercased())"
            let unsigned = OpenBadgeIssuance.credential(
                id: credentialId, achievement: achievement, record: credentialRecord,
                issuer: .init(id: key.did, name: organization?.name ?? key.did), recipient: recipient)
            let signed = try sign(unsigned, key: key, pair: pair, suite: .eddsaRdfc2022)
            // Fail closed: what Vita issues must pass Vita's own verification.
            let report = await CredentialVerifier(clock: gate.clock).verify(signed)
            guard report.verdict == .valid else {
                context.logger.error("issued credential failed self-verification", metadata: ["report": "\(report)"])
                throw Problem(status: 500, title: "Internal Server Error", detail: "the issued credential did not verify")
            }
            let now = Timestamp.truncated(gate.clock())
            let issued = StoreTransaction.IssuedCredential(
                id: EntityID.make("vcr", now: now), learnerId: learnerId, recordId: recordId,
                organizationId: record.organizationId, achievementId: achievement.id,
                body: signed.serializedString(), createdAt: now)
            try await gate.withAccess(principal, learnerId: learnerId, categories: [.credentials], permission: .write,
                                      action: "credential.issue", recordOrganizationId: record.organizationId) { tx, _ in
                try await tx.insert(issued, credentialId: credentialId)
            }
            var response = JSONObject()
            response["id"] = .string(issued.id)
            response["verifiableCredential"] = signed
            return jsonResponse(.object(response), status: .created)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/learners/{learnerId}/badges", operationId: "listIssuedBadges",
                              summary: "The signed credentials Vita issued to the learner", tag: "Credentials",
                              access: .principal, query: [], headers: [], requestSchema: nil,
                              success: (200, "IssuedBadgeList"), errors: [401, 403, 404])) { _, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let issued = try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [.credentials],
                                                   permission: .read, action: "records.read") { tx, grant in
                guard try await tx.learner(id: learnerId) != nil else { throw Problem.notFound("learner") }
                return try await tx.issuedCredentials(learnerId: learnerId, organizations: grant.providers)
            }
            let items: [JSONValue] = issued.map { item in
                var object = JSONObject()
                object["id"] = .string(item.id)
                object["recordId"] = .string(item.recordId)
                object["achievementId"] = .string(item.achievementId)
                object["verifiableCredential"] = (try? JSONValue(parsing: item.body)) ?? .null
                return .object(object)
            }
            return jsonResponse(.object(["items": .array(items)]), status: .ok)
        }
    }

    /// The organization's current key, opened: 422 naming `field` when it has none.
    private func signingKey(organizationId: String, field: String) async throws -> (IssuerKey, Ed25519KeyPair) {
        let stored = try await database.read { try await $0.currentIssuerKey(organizationId: organizationId) }
        guard let (key, sealed) = stored else {
            throw Problem(status: 422, title: "Unprocessable Content",
                          detail: "the organization has no signing key; create one with POST /api/v1/organizations/{id}/keys",
                          errors: [.init(field: field, reason: "no signing key")])
        }
        return (key, try Ed25519KeyPair(seed: try vault.open(sealed, id: key.id)))
    }

    private func sign(_ credential: JSONValue, key: IssuerKey, pair: Ed25519KeyPair, suite: Cryptosuite) throws -> JSONValue {
        do {
            return try DataIntegrity.addProof(to: credential,
                                              options: ProofOptions(cryptosuite: suite, verificationMethod: key.verificationMethod),
                                              signer: pair, now: gate.clock())
        } catch {
            throw Problem(status: 422, title: "Unprocessable Content", detail: "credential: cannot be signed: \(error)",
                          errors: [.init(field: "credential", reason: "\(error)")])
        }
    }

    /// The body as a JSON object, parsed strictly (duplicate keys, bad UTF-8 and deep nesting are refused).
    private func readJSON(_ request: Request) async throws -> JSONObject {
        var request = request
        let buffer = try await request.collectBody(upTo: reader.maxBodySize)
        let value: JSONValue
        do {
            value = try JSONValue(parsing: Array(buffer.readableBytesView))
        } catch let error as JSONError {
            throw Problem.badRequest("body", "is not valid JSON (\(error))")
        }
        guard case .object(let object) = value else { throw Problem.badRequest("body", "must be a JSON object") }
        return object
    }

    private func jsonResponse(_ value: JSONValue, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }
}
