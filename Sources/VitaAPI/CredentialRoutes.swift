import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaCredentials
import VitaIssuance
import VitaJSON
import VitaStorage

/// Organization signing keys and DID documents, the W3C VC-API issue / status / verify operations, and the
/// published status lists.
struct CredentialRoutes: Sendable, DefinitionCorrecting {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    /// Replays creations for a repeated `Idempotency-Key`.
    let idempotency: Idempotency
    let issuer: CredentialIssuer
    /// Resolves other issuers' verification methods and status lists for the verify endpoint (``ServerOptions``).
    let remoteResolver: any VerificationMethodResolver
    let remoteStatusResolver: (any StatusListResolver)?

    func register(in catalog: RouteCatalog) {
        registerKeys(in: catalog)
        catalog.add(Operation(method: .post, path: "/credentials/issue", operationId: "issueCredential",
                              summary: "Sign a credential as an organization (VC-API): Data Integrity or VC-JWT, with revocation and suspension status entries",
                              tag: "Credentials", access: .principal, query: [], headers: [Idempotency.header],
                              requestSchema: "IssueRequest", success: (201, "IssueResponse"),
                              errors: [400, 401, 403, 404, 413, 422])) { request, context in
            try await issue(request, principal: context.principal!)
        }
        registerStatus(in: catalog)
        registerAchievements(in: catalog)

        catalog.add(Operation(method: .post, path: "/credentials/verify", operationId: "verifyCredential",
                              summary: "Verify a credential (JSON or a VC-JWT string; or as the raw body a baked PNG/SVG badge or a compact VC-JWT) and report every check (VC-API); no credentials needed",
                              tag: "Credentials", access: .open, query: [], headers: [],
                              requestSchema: "VerifyRequest", success: (200, "VerifyResponse"),
                              errors: [400, 413], rawBodyMediaTypes: CredentialVerification.uploadMediaTypes)) { request, _ in
            let submission: CredentialVerification.Submission
            if let mediaType = request.mediaType, CredentialVerification.uploadMediaTypes.contains(mediaType) {
                var request = request
                let buffer = try await request.collectBody(upTo: reader.maxBodySize)
                guard buffer.readableBytes > 0 else { throw Problem.badRequest("body", "is empty") }
                submission = .upload(Array(buffer.readableBytesView))
            } else {
                let body = try await reader.object(request)
                switch body["verifiableCredential"] {
                case .object(let credential)?: submission = .credential(.object(credential))
                case .string(let jwt)?: submission = .jwt(jwt)
                default:
                    throw Problem.badRequest("verifiableCredential", "must be a credential object or a VC-JWT string")
                }
            }
            let report = await verification.verify(submission)
            var response = JSONObject()
            response["verified"] = .bool(report.verdict == .valid)
            response["report"] = report.json
            return APIJSON.response(json: .object(response), status: .ok)
        }
        catalog.add(Operation(method: .post, path: "/presentations/verify", operationId: "verifyPresentation",
                              summary: "Verify a verifiable presentation (JSON or a JWT): the holder's proof with the expected challenge and domain, and every credential in it (VC-API); no credentials needed",
                              tag: "Credentials", access: .open, query: [], headers: [],
                              requestSchema: "VerifyPresentationRequest", success: (200, "VerifyResponse"),
                              errors: [400, 413])) { request, _ in
            let body = try await reader.object(request)
            let options = try body.optionalObject("options") ?? JSONObject()
            let expectations = PresentationExpectations(
                challenge: try options.optionalString("challenge", field: "options.challenge"),
                domain: try options.optionalString("domain", field: "options.domain"),
                allowsUnsignedPresentations: try options.optionalBool("allowUnsigned", field: "options.allowUnsigned") ?? false)
            let report: VerificationReport
            switch body["verifiablePresentation"] {
            case .object?:
                report = await verifier.verifyPresentation(body["verifiablePresentation"]!, expecting: expectations)
            case .string(let jwt)?:
                report = await verifier.verifyPresentation(jwt: jwt, expecting: expectations)
            default:
                throw Problem.badRequest("verifiablePresentation", "must be a presentation object or a JWT string")
            }
            var response = JSONObject()
            response["verified"] = .bool(report.verdict == .valid)
            response["report"] = report.json
            return APIJSON.response(json: .object(response), status: .ok)
        }
        catalog.add(Operation(method: .post, path: "/api/v1/organizations/{organizationId}/endorsements",
                              operationId: "issueEndorsement",
                              summary: "Issue a signed Open Badges 3.0 EndorsementCredential by the organization about an achievement, issuer profile or credential (its id)",
                              tag: "Credentials", access: .principal, query: [], headers: [Idempotency.header],
                              requestSchema: "IssueEndorsement", success: (201, "IssueResponse"),
                              errors: [400, 401, 403, 404, 413, 422])) { request, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            let principal = context.principal!
            if let own = principal.organizationId, own != organizationId {
                throw Problem.forbidden("a system endorses only for its own organization")
            }
            let bytes = try await reader.bytes(request)
            let body = try reader.object(bytes)
            guard let endorsed = body["endorsedId"]?.stringValue, URLCheck.isAbsolute(endorsed) else {
                throw Problem.badRequest("endorsedId", "must be the absolute URI of the endorsed achievement, profile or credential")
            }
            let name = try body.optionalString("name") ?? "Endorsement"
            let comment = try body.optionalString("comment")
            for (field, value) in [("name", name), ("comment", comment ?? "")] where value.count > 10_000 {
                throw Problem.badRequest(field, "must be at most 10000 characters")
            }
            let identifier = try option(body, "issuerIdentifier", CredentialIssuer.IssuerIdentifier.init(rawValue:),
                                        default: .didKey, "must be did:key or did:web", prefix: "")
            return try await idempotency.create(request, context, raw: ByteBuffer(bytes: bytes), database: database,
                                                now: Timestamp.truncated(gate.clock())) { tx in
                guard let organization = try await tx.organization(id: organizationId) else { throw Problem.notFound("organization") }
                let identity = try await issuer.signingIdentity(tx, organizationId: organizationId, identifier: identifier)
                let id = "urn:uuid:\(UUID().uuidString.lowercased())"
                guard case .object(var unsigned) = EndorsementIssuance.credential(
                    id: id, endorsedID: endorsed, issuer: .init(id: identity.issuer, organization: organization, organizationId: organizationId), name: name,
                    comment: comment, validFrom: Timestamp.truncated(gate.clock())) else {
                    throw IssuanceError(.signingFailed, "the endorsement is not a JSON object")
                }
                unsigned["credentialStatus"] = try await issuer.allocateStatus(
                    tx, identity: identity, credentialIds: [id], purposes: CredentialIssuer.statusPurposes(for: .object(unsigned)))[0]
                let signed = try issuer.sign(.object(unsigned), as: identity)
                try await gate.audit(tx, principal, action: "endorsement.issue")
                return (JSONValue.object(["verifiableCredential": signed]).serializedString(), nil)
            }
        }
    }

    /// The verifier the API uses: this server's own did:web issuers and status lists resolve from the database,
    /// `did:key` offline; other issuers' methods and lists through the remote resolvers (VitaResolution in `vita serve`).
    /// The shared verification function of `POST /credentials/verify` and the web verifier page.
    var verification: CredentialVerification { CredentialVerification(verifier: verifier) }

    var verifier: CredentialVerifier {
        CredentialVerifier(resolver: ChainedVerificationMethodResolver([issuer.localResolver, remoteResolver]), clock: gate.clock,
                           statusResolver: LocalFirstStatusListResolver(local: issuer.localStatusResolver, remote: remoteStatusResolver))
    }

    private func registerKeys(in catalog: RouteCatalog) {
        let keys = "/api/v1/organizations/{organizationId}/keys"
        catalog.add(Operation(method: .post, path: keys, operationId: "rotateIssuerKey",
                              summary: "Create the organization's new signing key of a type (Ed25519 by default; P-256, RSA for VC-JWT); the previous key of that type is retired but stays listed and resolvable",
                              tag: "Credentials", access: .admin, query: [], headers: [Idempotency.header],
                              requestSchema: "CreateIssuerKey", success: (201, "IssuerKey"),
                              errors: [400, 401, 403, 404, 413, 422])) { request, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            try StaffAccess.requireOwn(context.principal!, organizationId: organizationId)
            let bytes = try await reader.bytes(request)
            let requested = bytes.isEmpty ? nil : try reader.object(bytes)["type"]
            guard let keyType = requested.map({ $0.stringValue.flatMap(VCJWTKeyType.init(name:)) }) ?? .ed25519 else {
                throw Problem.badRequest("type", "must be ed25519, p256 or rsa")
            }
            return try await idempotency.create(request, context, raw: ByteBuffer(bytes: bytes), database: database,
                                                now: Timestamp.truncated(gate.clock())) { tx in
                let key = try await issuer.createKey(tx, organizationId: organizationId, type: keyType)
                try await gate.audit(tx, context.principal!, action: "issuer-key.rotate")
                return (try Idempotency.encode(key), nil)
            }
        }
        catalog.add(Operation(method: .get, path: keys, operationId: "listIssuerKeys",
                              summary: "The organization's signing keys (public halves), newest first", tag: "Credentials",
                              access: .admin, query: AdminRoutes.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "IssuerKeyList"), errors: [400, 401, 403, 404])) { request, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            try StaffAccess.requireOwn(context.principal!, organizationId: organizationId)
            let (cursor, limit) = try reader.paging(request)
            let keys = try await database.read { tx -> Page<IssuerKey>? in
                guard try await tx.organization(id: organizationId) != nil else { return nil }
                return try await tx.issuerKeys(organizationId: organizationId, before: cursor, limit: limit)
            }
            guard let keys else { throw Problem.notFound("organization") }
            return try APIJSON.response(DTO.List(items: keys.items, nextCursor: keys.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "/organizations/{organizationId}/did.json", operationId: "getOrganizationDID",
                              summary: "The DID document of the organization's did:web: every key it ever held, so earlier credentials still verify",
                              tag: "Credentials", access: .open, query: [], headers: [], requestSchema: nil,
                              success: (200, "DIDDocument"), errors: [404],
                              successMediaTypes: ["application/did+json"])) { _, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            guard let document = try await database.read({ try await issuer.didDocument($0, organizationId: organizationId) }) else {
                throw Problem.notFound("organization")
            }
            var response = APIJSON.response(json: document, status: .ok, contentType: "application/did+json")
            response.headers[.cacheControl] = "max-age=300"
            return response
        }
    }

    private func issue(_ request: Request, principal: Principal) async throws -> Response {
        let bytes = try await reader.bytes(request)
        let body = try reader.object(bytes)
        guard case .object(var credential)? = body["credential"] else {
            throw Problem.badRequest("credential", "must be a credential object")
        }
        let options = try body.optionalObject("options") ?? JSONObject()
        let organizationId = try issuingOrganization(options["organizationId"], principal: principal,
                                                     field: "options.organizationId")
        let identifier = try option(options, "issuerIdentifier", CredentialIssuer.IssuerIdentifier.init(rawValue:),
                                    default: .didKey, "must be did:key or did:web")
        let format = try options.optionalString("format", field: "options.format") ?? "ldp"
        let wantsStatus = try options.optionalBool("credentialStatus", field: "options.credentialStatus")
            ?? (credential["credentialStatus"] == nil)
        if credential["id"] == nil { credential["id"] = .string("urn:uuid:\(UUID().uuidString.lowercased())") }
        guard let credentialId = credential["id"]?.stringValue else { throw Problem.badRequest("credential.id", "must be a string") }
        let submitted = credential
        let key = try Idempotency.key(request)
        let digest = Idempotency.digest(request, body: ByteBuffer(bytes: bytes))
        let now = Timestamp.truncated(gate.clock())
        let (outcome, replayed) = try await database.transaction { tx in
            try await idempotency.once(tx, principal: principal, key: key, digest: digest, now: now, learnerId: nil) {
                func withIssuer(_ id: String) -> JSONObject {
                    var credential = submitted
                    if case .object(var profile)? = credential["issuer"] {
                        profile["id"] = .string(id)
                        credential["issuer"] = .object(profile)
                    } else {
                        credential["issuer"] = .string(id)
                    }
                    return credential
                }
                let result: JSONValue
                switch format {
                case "ldp":
                    let suites = "must be eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019 or ecdsa-jcs-2019"
                    let suite = try option(options, "cryptosuite", Cryptosuite.init(rawValue:), default: .eddsaRdfc2022, suites)
                    guard suite != .eddsa2022Legacy else { throw Problem.badRequest("options.cryptosuite", suites) }
                    // The ECDSA suites sign with the organization's P-256 key. Status lists are signed with its Ed25519
                    // key and must have the credential's issuer, so (as for a VC-JWT) an ECDSA credential with a status
                    // entry is issued as the organization's did:web.
                    if suite.isECDSA, wantsStatus, options["issuerIdentifier"] != nil, identifier == .didKey {
                        throw Problem.badRequest("options.issuerIdentifier",
                                                 "a credential signed with \(suite.rawValue) and a status entry is issued as the organization's did:web")
                    }
                    let identity = suite.isECDSA
                        ? try await issuer.ecdsaSigningIdentity(tx, organizationId: organizationId, identifier: wantsStatus ? .didWeb : identifier)
                        : try await issuer.signingIdentity(tx, organizationId: organizationId, identifier: identifier)
                    var unsigned = withIssuer(identity.issuer)
                    if wantsStatus {
                        let lists = suite.isECDSA
                            ? try await issuer.signingIdentity(tx, organizationId: organizationId, identifier: .didWeb) : identity
                        unsigned["credentialStatus"] = try await issuer.allocateStatus(
                            tx, identity: lists, credentialIds: [credentialId],
                            purposes: CredentialIssuer.statusPurposes(for: .object(unsigned)))[0]
                    }
                    result = try issuer.sign(.object(unsigned), as: identity, cryptosuite: suite)
                case "vc-jwt":
                    let algorithm = try option(options, "algorithm", VCJWTAlgorithm.init(rawValue:), default: .rs256,
                                               "must be RS256, ES256 or EdDSA")
                    // The status list is signed with the organization's Ed25519 key and must have the credential's
                    // issuer: a VC-JWT with a status entry is therefore issued as the organization's did:web.
                    if wantsStatus, options["issuerIdentifier"] != nil, identifier == .didKey {
                        throw Problem.badRequest("options.issuerIdentifier",
                                                 "a VC-JWT with a status entry is issued as the organization's did:web")
                    }
                    let signer = try await issuer.jwtSigningKey(tx, organizationId: organizationId, type: algorithm.keyType,
                                                                identifier: wantsStatus ? .didWeb : identifier)
                    var unsigned = withIssuer(signer.issuer)
                    if wantsStatus {
                        let identity = try await issuer.signingIdentity(tx, organizationId: organizationId, identifier: .didWeb)
                        unsigned["credentialStatus"] = try await issuer.allocateStatus(
                            tx, identity: identity, credentialIds: [credentialId],
                            purposes: CredentialIssuer.statusPurposes(for: .object(unsigned)))[0]
                    }
                    do {
                        let jwt = try await VCJWT.sign(credential: .object(unsigned), key: signer.signingKey, kid: signer.kid,
                                                       issuedAt: gate.clock())
                        var envelope = JSONObject()
                        envelope["@context"] = ["https://www.w3.org/ns/credentials/v2"]
                        envelope["id"] = .string("data:application/vc+jwt,\(jwt)")
                        envelope["type"] = "EnvelopedVerifiableCredential"
                        result = .object(envelope)
                    } catch let error as CredentialError {
                        throw IssuanceError(.signingFailed, error.reason)
                    }
                default:
                    throw Problem.badRequest("options.format", "must be ldp or vc-jwt")
                }
                try await gate.audit(tx, principal, action: "credential.issue")
                let response: JSONValue = ["verifiableCredential": result]
                return Idempotency.Outcome(status: 201, location: nil, body: response.serializedString())
            }
        }
        return Idempotency.response(outcome, replayed: replayed)
    }

    private func registerStatus(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .post, path: "/credentials/status", operationId: "updateCredentialStatus",
                              summary: "Revoke, suspend or unsuspend a credential Vita issued (VC-API); the signed status list is republished at once. A revocation is permanent.",
                              tag: "Credentials", access: .principal, query: [], headers: [],
                              requestSchema: "UpdateStatusRequest", success: (200, "CredentialStatus"),
                              errors: [400, 401, 403, 404, 409, 413])) { request, context in
            let body = try await reader.object(request)
            guard let credentialId = body["credentialId"]?.stringValue, !credentialId.isEmpty else {
                throw Problem.badRequest("credentialId", "is required")
            }
            let (purpose, isSet): (StatusPurpose, Bool)
            switch body["action"]?.stringValue {
            case "revoke": (purpose, isSet) = (.revocation, true)
            case "suspend": (purpose, isSet) = (.suspension, true)
            case "unsuspend": (purpose, isSet) = (.suspension, false)
            default: throw Problem.badRequest("action", "must be revoke, suspend or unsuspend")
            }
            let reason = try body.optionalString("reason")
            if let reason, reason.count > 1000 { throw Problem.badRequest("reason", "must be at most 1000 characters") }
            let principal = context.principal!
            let entries = try await database.transaction { tx in
                try await issuer.changeStatus(tx, credentialId: credentialId, purpose: purpose, isSet: isSet, reason: reason,
                                              organizationId: principal.organizationId)
                try await gate.audit(tx, principal, action: "credential.\(body["action"]!.stringValue!)")
                return try await tx.statusEntries(credentialId: credentialId)
            }
            return APIJSON.response(json: statusJSON(credentialId, entries), status: .ok)
        }
        catalog.add(Operation(method: .get, path: "/credentials/status", operationId: "getCredentialStatus",
                              summary: "The revocation and suspension status of a credential Vita issued",
                              tag: "Credentials", access: .principal,
                              query: [("credentialId", "string", "The credential's id (required)")], headers: [],
                              requestSchema: nil, success: (200, "CredentialStatus"), errors: [400, 401, 404])) { request, context in
            guard let credentialId = request.uri.queryParameters.get("credentialId"), !credentialId.isEmpty else {
                throw Problem.badRequest("credentialId", "is required")
            }
            let organizationId = context.principal!.organizationId
            let entries = try await database.read { try await $0.statusEntries(credentialId: credentialId) }
                .filter { organizationId == nil || $0.organizationId == organizationId }
            guard !entries.isEmpty else {
                throw IssuanceError(.unknownCredential, "no status is kept for this credential")
            }
            return APIJSON.response(json: statusJSON(credentialId, entries), status: .ok)
        }
        catalog.add(Operation(method: .get, path: "/status/{listId}", operationId: "getStatusList",
                              summary: "A signed BitstringStatusListCredential, at the stable URL credentials name",
                              tag: "Credentials", access: .open, query: [], headers: [], requestSchema: nil,
                              success: (200, "StatusListCredential"), errors: [404],
                              successMediaTypes: ["application/vc+ld+json"])) { _, context in
            let listId = try reader.id(context, "listId", prefix: "sl", what: "status list")
            guard let text = try await database.read({ try await issuer.publishedStatusList($0, listId: listId) }) else {
                throw Problem.notFound("status list")
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/vc+ld+json"
            headers[.cacheControl] = "max-age=\(CredentialIssuer.statusListTTL / 1000)"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    private func statusJSON(_ credentialId: String, _ entries: [StoredStatusEntry]) -> JSONValue {
        var object = JSONObject()
        object["credentialId"] = .string(credentialId)
        object["entries"] = .array(entries.map { entry in
            var o = JSONObject()
            o["statusPurpose"] = .string(entry.purpose)
            o["statusListIndex"] = .string(String(entry.index))
            o["statusListCredential"] = .string(issuer.statusListURL(entry.listId))
            o["set"] = .bool(entry.isSet)
            if let reason = entry.reason { o["reason"] = .string(reason) }
            o["updatedAt"] = .string(XSDDateTime.format(entry.updatedAt))
            return .object(o)
        })
        return .object(object)
    }

    /// The organization an issuing call acts for: a system's own, or the one an administrator names.
    private func issuingOrganization(_ value: JSONValue?, principal: Principal, field: String) throws -> String {
        switch principal {
        case .admin:
            guard let id = value?.stringValue else { throw Problem.badRequest(field, "is required for an administrator") }
            return id
        case .system(let system):
            if let id = value?.stringValue, id != system.organizationId {
                throw Problem.forbidden("a system issues only for its own organization")
            }
            return system.organizationId
        case .staff(let member):
            if let id = value?.stringValue { try StaffAccess.requireOwn(principal, organizationId: id) }
            return member.organizationId
        case .learner:
            throw Problem.forbidden("a learner's access token cannot issue credentials")
        }
    }

    private func option<T>(_ options: JSONObject, _ name: String, _ parse: (String) -> T?, default fallback: T,
                           _ reason: String, prefix: String = "options.") throws -> T {
        guard let value = options[name], value != .null else { return fallback }
        guard let parsed = value.stringValue.flatMap(parse) else { throw Problem.badRequest("\(prefix)\(name)", reason) }
        return parsed
    }

    /// Whether `principal` sees `achievement`: staff see their own organization's, other callers every one.
    private static func isVisible(_ achievement: Achievement, to principal: Principal) -> Bool {
        if case .staff(let member) = principal { member.organizationId == achievement.organizationId } else { true }
    }

    private func registerAchievements(in catalog: RouteCatalog) {
        let base = "/api/v1/achievements"
        catalog.add(Operation(method: .post, path: base, operationId: "createAchievement",
                              summary: "Define an achievement an organization awards", tag: "Credentials", access: .admin,
                              query: [], headers: [Idempotency.header], requestSchema: "CreateAchievement",
                              success: (201, "Achievement"), errors: [400, 401, 403, 413, 422])) { request, context in
            let (input, raw) = try await reader.decode(DTO.CreateAchievement.self, from: request)
            let now = Timestamp.truncated(gate.clock())
            var defined = Achievement(id: EntityID.make("ach", now: now), uri: "urn:uuid:\(UUID().uuidString.lowercased())",
                                      organizationId: input.organizationId, name: "", description: "",
                                      criteriaNarrative: "", createdAt: now)
            input.definition.apply(to: &defined)
            let achievement = defined
            try achievement.validate()
            try StaffAccess.requireOwn(context.principal!, organizationId: achievement.organizationId)
            return try await idempotency.create(request, context, raw: raw, database: database, now: now) { tx in
                guard try await tx.organization(id: achievement.organizationId) != nil else {
                    throw ValidationFailures([.invalidField("organizationId", "no such organization")])
                }
                try await tx.insert(achievement)
                try await gate.audit(tx, context.principal!, action: "achievement.create")
                return (try Idempotency.encode(achievement), "\(base)/\(achievement.id)")
            }
        }
        catalog.add(Operation(method: .get, path: base, operationId: "listAchievements", summary: "List achievements",
                              tag: "Credentials", access: .principal, query: AdminRoutes.pagingQuery, headers: [],
                              requestSchema: nil, success: (200, "AchievementList"), errors: [400, 401])) { request, context in
            let (cursor, limit) = try reader.paging(request)
            // Staff see their own organization's achievements.
            let organizationId: String? = if case .staff(let member) = context.principal { member.organizationId } else { nil }
            let page = try await database.read {
                try await $0.achievements(organizationId: organizationId, after: cursor, limit: limit)
            }
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "\(base)/{achievementId}", operationId: "getAchievement",
                              summary: "Read an achievement", tag: "Credentials", access: .principal, query: [], headers: [],
                              requestSchema: nil, success: (200, "Achievement"), errors: [401, 404],
                              conditional: true)) { _, context in
            let id = try reader.id(context, "achievementId", prefix: "ach", what: "achievement")
            guard let found = try await database.read({ try await $0.versionedAchievement(id: id) }),
                  Self.isVisible(found.value, to: context.principal!) else {
                throw Problem.notFound("achievement")
            }
            return try APIJSON.response(found.value, headers: [.eTag: found.entityTag(id)])
        }
        catalog.add(Operation(method: .put, path: "\(base)/{achievementId}", operationId: "updateAchievement",
                              summary: "Correct an achievement's definition (If-Match required): credentials issued from then on carry it, those issued before keep the definition they were signed with",
                              tag: "Credentials", access: .admin, query: [],
                              headers: [("If-Match", true, "The ETag of the version being replaced")],
                              requestSchema: "ReplaceAchievement", success: (200, "Achievement"),
                              errors: [400, 401, 403, 404, 412, 413, 422, 428])) { request, context in
            let id = try reader.id(context, "achievementId", prefix: "ach", what: "achievement")
            let (input, _) = try await reader.decode(DTO.AchievementDefinition.self, from: request)
            let principal = context.principal!
            return try await correct(request, principal, id: id, what: "achievement", action: "achievement.update",
                                     read: { try await $0.versionedAchievement(id: id) },
                                     store: { try await $0.update($1, expectedVersion: $2) },
                                     authorize: { if !Self.isVisible($0, to: principal) { throw Problem.notFound("achievement") } }) { achievement in
                input.apply(to: &achievement)
                try achievement.validate()
            }
        }

        let sources: [(RecordCategory, String, String)] = [
            (.credentials, "issueOpenBadge", "an ELR credential record (achievementId names the achievement awarded)"),
            (.competencies, "issueCompetencyBadge", "a demonstrated competency (level as a result, evidence carried over)"),
            (.experiences, "issueExperienceBadge", "a completed learning experience (grade or score as a result, credits earned)"),
        ]
        for (category, operationId, what) in sources {
            let badges = "/api/v1/learners/{learnerId}/\(category.rawValue)/{recordId}/badges"
            catalog.add(Operation(method: .post, path: badges, operationId: operationId,
                                  summary: "Issue a signed Open Badges 3.0 credential for \(what); it is stored with the learner's records",
                                  tag: "Credentials", access: .principal, query: [], headers: [Idempotency.header],
                                  requestSchema: "IssueBadge", success: (201, "IssuedBadge"),
                                  errors: [400, 401, 403, 404, 413, 422])) { request, context in
                let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
                let recordId = try reader.id(context, "recordId", prefix: "rec", what: "record")
                let (input, raw) = try await reader.decode(DTO.IssueBadge.self, from: request)
                let identifier = try input.issuerIdentifier.map { name in
                    guard let value = CredentialIssuer.IssuerIdentifier(rawValue: name) else {
                        throw Problem.badRequest("issuerIdentifier", "must be did:key or did:web")
                    }
                    return value
                } ?? .didKey
                let principal = context.principal!
                // Read what the credential is built from under the agreements (its category, read).
                let record = try await gate.withAccess(
                    principal, learnerId: learnerId, categories: [category], permission: .read, action: "records.read"
                ) { tx, grant -> LearnerRecord in
                    guard let learner = try await tx.learner(id: learnerId), learner.erasure == nil else {
                        throw Problem.notFound("learner")
                    }
                    guard let record = try await tx.record(id: recordId), record.learnerId == learnerId,
                          record.category == category, grant.providers?.contains(record.organizationId) ?? true,
                          record.deletion == nil else { throw Problem.notFound("record") }
                    return record
                }
                // Issue and store under the agreements (credentials, write): status entries, proof and record commit
                // together with the audit entry (and the answer, for a retry with the same Idempotency-Key).
                let key = try Idempotency.key(request)
                let digest = Idempotency.digest(request, body: raw)
                let now = Timestamp.truncated(gate.clock())
                let (outcome, replayed) = try await gate.withAccess(principal, learnerId: learnerId, categories: [.credentials],
                                                                    permission: .write, action: "credential.issue",
                                                                    recordOrganizationId: record.organizationId) { tx, _ in
                    try await idempotency.once(tx, principal: principal, key: key, digest: digest, now: now, learnerId: learnerId) {
                        let source = try await issuer.badgeSource(tx, learnerId: learnerId, recordId: recordId,
                                                                  achievementId: input.achievementId)
                        let identity = try await issuer.signingIdentity(tx, organizationId: record.organizationId,
                                                                        identifier: identifier)
                        let issued = try await issuer.issueBadges(tx, [source], identity: identity, issuedBy: principal.actor)[0]
                        let response: JSONValue = ["id": .string(issued.issued.id), "verifiableCredential": issued.credential]
                        return Idempotency.Outcome(status: 201, location: nil, body: response.serializedString())
                    }
                }
                return Idempotency.response(outcome, replayed: replayed)
            }
        }
        catalog.add(Operation(method: .post, path: "/api/v1/learners/{learnerId}/clr", operationId: "issueClr",
                              summary: "Issue the learner's CLR 2.0 ClrCredential from the organization's records: every completed experience, competency and badge as a nested, individually signed AchievementCredential, with isPartOf associations",
                              tag: "Credentials", access: .principal, query: [], headers: [Idempotency.header],
                              requestSchema: "IssueClr", success: (201, "IssuedClr"),
                              errors: [400, 401, 403, 404, 413, 422])) { request, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let principal = context.principal!
            let bytes = try await reader.bytes(request)
            let body = bytes.isEmpty ? JSONObject() : try reader.object(bytes)
            let organizationId = try issuingOrganization(body["organizationId"], principal: principal, field: "organizationId")
            let identifier = try option(body, "issuerIdentifier", CredentialIssuer.IssuerIdentifier.init(rawValue:),
                                        default: .didKey, "must be did:key or did:web", prefix: "")
            let name = try body.optionalString("name") ?? "Comprehensive Learner Record"
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 500 else {
                throw Problem.badRequest("name", "must be 1 to 500 characters")
            }
            // The records a CLR is made of are read under the agreements; what is issued is written as credentials.
            try await gate.withAccess(principal, learnerId: learnerId, categories: [.experiences, .competencies, .credentials],
                                      permission: .read, action: "records.read") { tx, grant in
                guard try await tx.learner(id: learnerId) != nil else { throw Problem.notFound("learner") }
                guard grant.providers?.contains(organizationId) ?? true else {
                    throw Problem.forbidden("no agreement lets this system read the organization's records of the learner")
                }
            }
            let key = try Idempotency.key(request)
            let digest = Idempotency.digest(request, body: ByteBuffer(bytes: bytes))
            let now = Timestamp.truncated(gate.clock())
            let (outcome, replayed) = try await gate.withAccess(principal, learnerId: learnerId, categories: [.credentials],
                                                                permission: .write, action: "clr.issue",
                                                                recordOrganizationId: organizationId) { tx, _ in
                try await idempotency.once(tx, principal: principal, key: key, digest: digest, now: now, learnerId: learnerId) {
                    let identity = try await issuer.signingIdentity(tx, organizationId: organizationId, identifier: identifier)
                    let issued = try await issuer.issueClr(tx, learnerId: learnerId, identity: identity, name: name,
                                                           issuedBy: principal.actor)
                    var response = JSONObject()
                    response["id"] = .string(issued.stored.id)
                    response["included"] = .number(JSONNumber(issued.included))
                    response["newlyIssued"] = .number(JSONNumber(issued.newlyIssued))
                    response["verifiableCredential"] = issued.credential
                    return Idempotency.Outcome(status: 201, location: nil, body: JSONValue.object(response).serializedString())
                }
            }
            return Idempotency.response(outcome, replayed: replayed)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/learners/{learnerId}/clrs", operationId: "listIssuedClrs",
                              summary: "The CLRs Vita issued about the learner, oldest first", tag: "Credentials",
                              access: .principal, query: AdminRoutes.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "IssuedClrList"), errors: [400, 401, 403, 404])) { request, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let (cursor, limit) = try reader.paging(request)
            let clrs = try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [.credentials],
                                                 permission: .read, action: "records.read") { tx, grant in
                guard try await tx.learner(id: learnerId) != nil else { throw Problem.notFound("learner") }
                return try await tx.issuedClrs(learnerId: learnerId, organizations: grant.providers, after: cursor, limit: limit)
            }
            let items: [JSONValue] = clrs.items.map { clr in
                var object = JSONObject()
                object["id"] = .string(clr.id)
                object["organizationId"] = .string(clr.organizationId)
                object["verifiableCredential"] = (try? JSONValue(parsing: clr.body)) ?? .null
                return .object(object)
            }
            return APIJSON.response(json: APIJSON.page(items, next: clrs.nextCursor), status: .ok)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/learners/{learnerId}/badges", operationId: "listIssuedBadges",
                              summary: "The signed credentials Vita issued to the learner, oldest first", tag: "Credentials",
                              access: .principal, query: AdminRoutes.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "IssuedBadgeList"), errors: [400, 401, 403, 404])) { request, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let (cursor, limit) = try reader.paging(request)
            let issued = try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [.credentials],
                                                   permission: .read, action: "records.read") { tx, grant in
                guard try await tx.learner(id: learnerId) != nil else { throw Problem.notFound("learner") }
                return try await tx.issuedCredentials(learnerId: learnerId, organizations: grant.providers,
                                                      after: cursor, limit: limit)
            }
            let items: [JSONValue] = issued.items.map { item in
                var object = JSONObject()
                object["id"] = .string(item.id)
                object["recordId"] = .string(item.recordId)
                object["achievementId"] = .string(item.achievementId)
                object["verifiableCredential"] = (try? JSONValue(parsing: item.body)) ?? .null
                var provenance = JSONObject()
                provenance["sourceRecordId"] = .string(item.recordId)
                provenance["issuedBy"] = .string(item.issuedBy)
                provenance["issuedAt"] = .string(XSDDateTime.format(item.createdAt))
                provenance["digest"] = .string(item.digest)
                provenance["digestMatches"] = .bool(ContentDigest.sha256(Array(item.body.utf8)) == item.digest)
                object["provenance"] = .object(provenance)
                return .object(object)
            }
            return APIJSON.response(json: APIJSON.page(items, next: issued.nextCursor), status: .ok)
        }
    }
}

/// This server's own status lists from the database; any other URL from `remote`, when one is configured.
struct LocalFirstStatusListResolver: StatusListResolver {
    let local: any StatusListResolver
    let remote: (any StatusListResolver)?

    func statusList(at url: String) async throws(CredentialError) -> JSONValue {
        do { return try await local.statusList(at: url) } catch {
            guard let remote else { throw error }
            return try await remote.statusList(at: url)
        }
    }
}
