import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaCredentials
import VitaJSON
import VitaOAuth
import VitaSchema
import VitaStorage

/// The 1EdTech service APIs: Open Badges 3.0 at `/ims/ob/v3p0` and CLR 2.0 at `/ims/clr/v2p0` (each specification's
/// "Open Badges API" / "CLR Standard API" section and its OpenAPI service model).
///
/// Vita is the resource server a learner's wallet or another platform talks to, with an access token the learner
/// granted (authorization-code grant with PKCE; `docs/OAUTH.md`). Each service has the same five operations:
/// discovery (open), getCredentials, upsertCredential, getProfile and putProfile. Errors are `Imsx_StatusInfo` bodies
/// (`ProblemMiddleware` renders them under `/ims/`). Every call is audited as the learner, acting through the client.
struct OneEdTechRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    let options: ServerOptions
    /// The verifier upserted credentials must pass (the same one `POST /credentials/verify` uses).
    let verifier: CredentialVerifier

    /// The largest page getCredentials returns (also the page size when `limit` is absent).
    static let maxPageSize = 100

    /// The request or response body schema names of a service in `openapi-components.json`.
    struct ServiceNames {
        let credentialsResponse: String
        let credential: String
        let profile: String
        let credentialKind: CredentialIdentity.Kind
        let heldService: HeldCredential.Service
        let credentialSchema: OneEdTechSchema
        let profileSchema: OneEdTechSchema
        let prefix: String
    }

    static func names(_ service: OAuthScope.Service) -> ServiceNames {
        switch service {
        case .openBadges:
            ServiceNames(credentialsResponse: "GetOpenBadgeCredentialsResponse", credential: "AchievementCredential",
                         profile: "OneEdTechProfile", credentialKind: .achievement, heldService: .openBadges,
                         credentialSchema: .achievementCredential, profileSchema: .profile, prefix: "ob")
        case .clr:
            ServiceNames(credentialsResponse: "GetClrCredentialsResponse", credential: "ClrCredential",
                         profile: "OneEdTechProfile", credentialKind: .clr, heldService: .clr,
                         credentialSchema: .clrCredential, profileSchema: .clrProfile, prefix: "clr")
        }
    }

    func register(in catalog: RouteCatalog) {
        for service in OAuthScope.Service.allCases {
            register(service, in: catalog)
        }
    }

    private func register(_ service: OAuthScope.Service, in catalog: RouteCatalog) {
        let base = "/ims/\(service.rawValue)"
        let names = Self.names(service)
        let tag = service == .openBadges ? "Open Badges 3.0" : "CLR 2.0"
        catalog.add(Operation(method: .get, path: "\(base)/discovery", operationId: "\(names.prefix)GetServiceDescription",
                              summary: "The Service Description Document: this API's endpoints, scopes and where to register (no credentials needed)",
                              tag: tag, access: .open, query: [], headers: [], requestSchema: nil,
                              success: (200, "ServiceDescriptionDocument"), errors: [])) { _, _ in
            let document = ServiceDescription.document(service: service, operations: catalog.operations, options: options)
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=3600"],
                            body: .init(byteBuffer: ByteBuffer(bytes: document.serialized())))
        }
        catalog.add(Operation(method: .get, path: "\(base)/credentials", operationId: "\(names.prefix)GetCredentials",
                              summary: "The learner's credentials: those Vita issued to the learner (unrevoked) and those the learner's applications put here; paged with X-Total-Count and Link",
                              tag: tag, access: .learner,
                              query: [("limit", "integer", "The largest number of credentials to return (1–\(Self.maxPageSize))"),
                                      ("offset", "integer", "The index of the first credential to return (0-based)"),
                                      ("since", "string", "Only credentials issued after this RFC 3339 date-time")],
                              headers: [], requestSchema: nil, success: (200, names.credentialsResponse),
                              errors: [400, 401, 403, 404])) { request, context in
            try await getCredentials(request, context, service: service, base: base)
        }
        catalog.add(Operation(method: .post, path: "\(base)/credentials", operationId: "\(names.prefix)UpsertCredential",
                              summary: "Add a credential to the learner's record or replace the version held (1EdTech equality: same issuer and credential id); it must verify. 201 created, 200 replaced, 304 when a newer version is held",
                              tag: tag, access: .learner, query: [], headers: [], requestSchema: names.credential,
                              success: (201, names.credential), errors: [304, 400, 401, 403, 404, 413, 415])) { request, context in
            try await upsertCredential(request, context, service: service)
        }
        catalog.add(Operation(method: .get, path: "\(base)/profile", operationId: "\(names.prefix)GetProfile",
                              summary: "The learner's profile: as the learner's application last put it, or else made from the learner's record",
                              tag: tag, access: .learner, query: [], headers: [], requestSchema: nil,
                              success: (200, names.profile), errors: [401, 403, 404])) { _, context in
            let learnerId = context.token!.learnerId!
            let document = try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [.profile],
                                                     permission: .read, action: "ims.\(names.prefix).profile.read") { tx, _ in
                try await profile(tx, learnerId: learnerId, service: names.heldService)
            }
            return APIJSON.response(json: document, status: .ok)
        }
        catalog.add(Operation(method: .put, path: "\(base)/profile", operationId: "\(names.prefix)PutProfile",
                              summary: "Replace the learner's profile on this service with the entire Profile object sent (validated against the 1EdTech Profile schema)",
                              tag: tag, access: .learner, query: [], headers: [], requestSchema: names.profile,
                              success: (200, names.profile), errors: [400, 401, 403, 404, 413])) { request, context in
            let document = JSONValue.object(try await reader.object(request))
            let result = try OneEdTechSchemas.shared.schema(names.profileSchema).validate(document)
            guard result.isValid else {
                let errors = result.errors.prefix(10).map {
                    Problem.FieldError(field: "body" + $0.instanceLocation.replacingOccurrences(of: "/", with: "."), reason: $0.message)
                }
                throw Problem(status: 400, title: "Bad Request", detail: "the profile does not match the 1EdTech Profile schema",
                              errors: Array(errors))
            }
            try await gate.withOwnData(context.principal!, action: "ims.\(names.prefix).profile.update",
                                       categories: [.profile]) { tx, learnerId in
                try await tx.setServiceProfile(learnerId: learnerId, service: names.heldService,
                                               document: String(decoding: document.serialized(), as: UTF8.self), at: gate.clock())
            }
            return APIJSON.response(json: document, status: .ok)
        }
    }

    // MARK: getCredentials

    /// One credential of the listing: JSON (embedded proof) or a VC-JWT.
    private struct Listed {
        var date: Date
        var order: String
        var json: JSONValue?
        var jws: String?
    }

    private func getCredentials(_ request: Request, _ context: VitaRequestContext, service: OAuthScope.Service,
                                base: String) async throws -> Response {
        let learnerId = context.token!.learnerId!
        let names = Self.names(service)
        let query = request.uri.queryParameters
        func integer(_ name: String, minimum: Int) throws -> Int? {
            guard let text = query[Substring(name)].map(String.init) else { return nil }
            guard let value = Int(text), value >= minimum else {
                throw Problem.badRequest("query.\(name)", "must be an integer of at least \(minimum)")
            }
            return value
        }
        let limit = min(try integer("limit", minimum: 1) ?? Self.maxPageSize, Self.maxPageSize)
        let offset = try integer("offset", minimum: 0) ?? 0
        var since: Date?
        if let text = query["since"].map(String.init) {
            guard let date = XSDDateTime.parse(text), XSDDateTime.hasTimeZone(text) else {
                throw Problem.badRequest("query.since", "must be an RFC 3339 date-time with a time zone")
            }
            since = date
        }
        let listed = try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [.credentials],
                                               permission: .read, action: "ims.\(names.prefix).credentials.read") { tx, _ in
            try await credentials(tx, learnerId: learnerId, names: names)
        }
        let matching = listed.filter { since == nil || $0.date > since! }
        let page = matching.dropFirst(offset).prefix(limit)
        var body = JSONObject()
        let documents = page.compactMap(\.json)
        let tokens = page.compactMap(\.jws).map(JSONValue.string)
        if !documents.isEmpty { body["credential"] = .array(documents) }
        if !tokens.isEmpty { body["compactJwsString"] = .array(tokens) }
        var response = APIJSON.response(json: .object(body), status: .ok)
        response.headers[.init("X-Total-Count")!] = String(matching.count)
        if let link = Self.pagingLinks(url: options.publicBaseURL + base + "/credentials", total: matching.count,
                                       limit: limit, offset: offset, since: query["since"].map(String.init)) {
            response.headers[.init("Link")!] = link
        }
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The learner's credentials of a service, oldest first: the unrevoked, unsuspended ones Vita issued, then the
    /// held ones (a held credential that is also one Vita issued is listed once).
    private func credentials(_ tx: StoreTransaction, learnerId: String, names: ServiceNames) async throws -> [Listed] {
        guard let learner = try await tx.learner(id: learnerId), learner.erasure == nil else { throw Problem.notFound("learner") }
        var listed: [Listed] = []
        var issuedIdentities = Set<CredentialIdentity.Key>()
        for item in try await CurrentIssuedCredentials.load(tx, learnerId: learnerId, service: names.heldService) {
            if let identity = try? CredentialIdentity(credential: item.credential) { issuedIdentities.insert(identity.key) }
            listed.append(Listed(date: item.createdAt, order: item.id, json: item.credential))
        }
        for held in try await tx.heldCredentials(learnerId: learnerId, service: names.heldService) {
            guard !issuedIdentities.contains(.init(issuer: held.issuerKey, id: held.credentialKey)) else { continue }
            let date = held.validFrom.flatMap(XSDDateTime.parse) ?? held.receivedAt
            switch held.format {
            case .json:
                guard let json = try? JSONValue(parsing: Array(held.document.utf8)) else { continue }
                listed.append(Listed(date: date, order: held.id, json: json))
            case .jwt:
                listed.append(Listed(date: date, order: held.id, jws: held.document))
            }
        }
        return listed.sorted { ($0.date, $0.order) < ($1.date, $1.order) }
    }

    /// The `Link` header of a page (Open Badges 3.0 "Paging"): `first` and `last` always, `next` when more follow,
    /// `prev` when the page does not start at 0; nil when this page holds everything.
    static func pagingLinks(url: String, total: Int, limit: Int, offset: Int, since: String?) -> String? {
        guard offset > 0 || offset + limit < total else { return nil }
        let sinceParameter = since.map { "&since=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""
        func link(_ offset: Int, _ relation: String) -> String {
            "<\(url)?limit=\(limit)&offset=\(offset)\(sinceParameter)>; rel=\"\(relation)\""
        }
        let last = total == 0 ? 0 : ((total - 1) / limit) * limit
        var links: [String] = []
        if offset + limit < total { links.append(link(offset + limit, "next")) }
        links.append(link(last, "last"))
        links.append(link(0, "first"))
        if offset > 0 { links.append(link(max(0, offset - limit), "prev")) }
        return links.joined(separator: ", ")
    }

    // MARK: upsertCredential

    private func upsertCredential(_ request: Request, _ context: VitaRequestContext,
                                  service: OAuthScope.Service) async throws -> Response {
        let learnerId = context.token!.learnerId!
        let clientId = context.token!.clientId
        let names = Self.names(service)
        let mediaType = request.mediaType ?? ""
        let body = try await reader.bytes(request)
        guard !body.isEmpty else { throw Problem.badRequest("body", "is required") }
        let format: HeldCredential.Format
        let identity: CredentialIdentity
        let report: VerificationReport
        let document: String
        switch mediaType {
        case "text/plain":
            format = .jwt
            document = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            do {
                identity = try CredentialIdentity(jws: CompactJWS(parsing: document))
            } catch {
                throw Problem.badRequest("body", "is not a VC-JWT: \(error.reason)")
            }
            report = await verifier.verify(jwt: document)
        case "application/json", "application/vc+ld+json", "application/ld+json":
            format = .json
            let credential = JSONValue.object(try reader.object(body))
            do { identity = try CredentialIdentity(credential: credential) } catch {
                throw Problem.badRequest("body", error.reason)
            }
            document = String(decoding: body, as: UTF8.self)
            report = await verifier.verify(credential)
        default:
            throw Problem(status: 415, title: "Unsupported Media Type",
                          detail: "send the credential as application/json (or application/vc+ld+json), or a VC-JWT as text/plain",
                          errors: [.init(field: "Content-Type", reason: "must be application/json, application/vc+ld+json or text/plain")])
        }
        guard identity.kind == names.credentialKind else {
            throw Problem.badRequest("body.type", "this service takes \(names.credential) credentials")
        }
        guard report.verdict == .valid else {
            let failures = report.failures.map { Problem.FieldError(field: "body", reason: "\($0.name): \($0.message)") }
            throw Problem(status: 400, title: "Bad Request", detail: "the credential does not verify: "
                          + report.failures.map { "\($0.name): \($0.message)" }.joined(separator: "; "), errors: failures)
        }
        let now = Timestamp.truncated(gate.clock())
        let held = HeldCredential(id: EntityID.make("hcr", now: now), learnerId: learnerId, service: names.heldService,
                                  format: format, issuerKey: identity.issuer, credentialKey: identity.id,
                                  validFrom: identity.validFromText, document: document, sourceKind: .client,
                                  sourceId: clientId, receivedAt: now, updatedAt: now)
        let status = try await gate.withOwnData(context.principal!, action: "ims.\(names.prefix).credentials.upsert",
                                                categories: [.credentials]) { tx, _ in
            switch try await HeldCredentialStore.keep(held, in: tx) {
            case .created: return HTTPResponse.Status.created
            case .replaced, .unchanged: return .ok
            case .newerHeld: return .notModified
            }
        }
        if status == .notModified { return Response(status: .notModified) }
        let contentType = format == .jwt ? "text/plain" : (mediaType == "application/vc+ld+json" ? mediaType : "application/json")
        return Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: Profile

    /// The learner's profile on a service: the one the learner's application last put, or one made from the record
    /// (name, email; the learner's DID as the id when the record has one).
    private func profile(_ tx: StoreTransaction, learnerId: String, service: HeldCredential.Service) async throws -> JSONValue {
        guard let learner = try await tx.learner(id: learnerId), learner.erasure == nil, let name = learner.name else {
            throw Problem.notFound("profile")
        }
        if let stored = try await tx.serviceProfile(learnerId: learnerId, service: service),
           let document = try? JSONValue(parsing: Array(stored.utf8)) {
            return document
        }
        var profile = JSONObject()
        let did = learner.identifiers.first { $0.scheme == .did }?.value
        profile["id"] = .string(did ?? "\(options.publicBaseURL)/api/v1/learners/\(learnerId)")
        profile["type"] = ["Profile"]
        profile["name"] = .string(name.display)
        if let given = name.given { profile["givenName"] = .string(given) }
        if let family = name.family { profile["familyName"] = .string(family) }
        if let email = learner.identifiers.first(where: { $0.scheme == .email })?.value { profile["email"] = .string(email) }
        return .object(profile)
    }

    // MARK: Helpers
}
