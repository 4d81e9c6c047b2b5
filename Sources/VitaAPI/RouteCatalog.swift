import Foundation
import Hummingbird
import VitaCore
import VitaOAuth
import VitaStorage

/// Who may call an operation.
enum Access: String, Sendable {
    /// No credentials needed.
    case open
    /// An administrator key.
    case admin
    /// An administrator or a connected system (agreements then decide).
    case principal
    /// A learner's OAuth access token.
    case learner
}

/// One documented operation: the single source from which both the router and the OpenAPI document are built,
/// so that the document is exactly what the server does.
struct Operation: Sendable {
    let method: HTTPRequest.Method
    /// The path in OpenAPI form, e.g. `/api/v1/learners/{learnerId}`.
    let path: String
    let operationId: String
    let summary: String
    let tag: String
    let access: Access
    /// Query parameters: name, schema type, description.
    let query: [(String, String, String)]
    /// Header parameters the operation reads: name, required, description.
    let headers: [(String, Bool, String)]
    /// The component schema of the request body, if any.
    let requestSchema: String?
    /// Success status and the component schema of its body (nil for no body).
    let success: (Int, String?)
    /// Error statuses the operation can answer with.
    let errors: [Int]
    /// Media types the operation also accepts as a raw request body besides its JSON schema (e.g. a baked badge image).
    var rawBodyMediaTypes: [String] = []
    /// The media types the success body comes in when it is not plain `application/json` (a DID document, a signed
    /// list, a file, an HTML page); the JSON ones carry `success.1`'s schema.
    var successMediaTypes: [String] = []
    /// Error statuses answered as an HTML page for a person in a browser (the sign-in and callback pages) rather
    /// than as a problem.
    var htmlStatuses: [Int] = []
    /// Other success statuses, with the same body as `success` (200 when an import replaced the version held).
    var alsoSucceeds: [Int] = []
    /// The query parameters the operation refuses to go without (400 naming them).
    var requiredQuery: [String] = []
    /// The largest body the operation accepts, when it takes more than the server's limit (a framework package).
    var bodyLimit: Int? = nil
    /// Whether the success answer carries an `ETag`, so that `If-None-Match` naming it is answered 304
    /// (`ConditionalRequestMiddleware`).
    var conditional = false

    /// The path in Hummingbird's form, `:learnerId` instead of `{learnerId}`.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }.joined(separator: "/")
    }

    /// The names of the path parameters.
    var pathParameters: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }
}

/// Collects operations while registering their handlers.
final class RouteCatalog: @unchecked Sendable {
    /// A handler as the router calls it.
    typealias Route = @Sendable (Request, VitaRequestContext) async throws -> Response
    private(set) var operations: [Operation] = []
    /// The handler of each path's `GET` operation, which also answers `HEAD`.
    private var getRoutes: [String: Route] = [:]
    let router: Router<VitaRequestContext>
    /// Where denials for want of scope are audited.
    let audits: AuditBatcher
    let clock: @Sendable () -> Date
    /// The largest accepted body, in bytes (a JSON body is collected to be checked for NUL characters).
    let maxBodySize: Int

    init(router: Router<VitaRequestContext>, audits: AuditBatcher, clock: @escaping @Sendable () -> Date, maxBodySize: Int) {
        self.router = router
        self.audits = audits
        self.clock = clock
        self.maxBodySize = maxBodySize
    }

    /// Audits that `token` lacked the scope for `operation` and returns the 403 to answer: actor the OAuth client,
    /// learner the one the path names (or the token's learner), reason naming the scopes needed.
    private static func scopeDenial(_ operation: Operation, _ needed: [OAuthScope], token: TokenGrant,
                                    context: VitaRequestContext, audits: AuditBatcher, at: Date) async throws -> Problem {
        let pathLearner = context.parameters.get("learnerId").flatMap { EntityID.isWellFormed($0, prefix: "lrn") ? $0 : nil }
        let reason = needed.isEmpty ? "insufficient_scope: tokens cannot call this operation"
            : "insufficient_scope: needs one of " + needed.map(\.description).joined(separator: " ")
        try await audits.append(AuditEntry(occurredAt: at, actor: .init(kind: .client, id: token.clientId),
                                           action: operation.operationId, learnerId: pathLearner ?? token.learnerId,
                                           categories: [], agreementId: nil, outcome: .denied, reason: reason))
        return Problem.insufficientScope(needed)
    }

    /// Audits that a staff member's role does not reach `operation` and returns the 403 to answer.
    private static func staffDenial(_ operation: Operation, _ member: StaffMember, context: VitaRequestContext,
                                    audits: AuditBatcher, at: Date) async throws -> Problem {
        let reason = "a staff member in the \(member.role.rawValue) role cannot call this operation"
        try await auditStaffDenial(operation, member, rule: "staff-role", reason: reason, context: context, audits: audits, at: at)
        return Problem(status: 403, title: "Forbidden", detail: reason, rule: "staff-role")
    }

    /// Audits a staff member's refused call of `operation` (about the path's learner, if any).
    private static func auditStaffDenial(_ operation: Operation, _ member: StaffMember, rule: String, reason: String,
                                         context: VitaRequestContext, audits: AuditBatcher, at: Date) async throws {
        let pathLearner = context.parameters.get("learnerId").flatMap { EntityID.isWellFormed($0, prefix: "lrn") ? $0 : nil }
        try await audits.append(AuditEntry(occurredAt: at, actor: .init(kind: .staff, id: member.id),
                                           action: operation.operationId, learnerId: pathLearner, categories: [],
                                           agreementId: nil, outcome: .denied, reason: "\(rule): \(reason)"))
    }

    func add(_ operation: Operation,
             _ handler: @escaping @Sendable (Request, VitaRequestContext) async throws -> Response) {
        operations.append(operation)
        let access = operation.access
        let tokenScopes = operation.tokenScopes
        let audits = self.audits
        let clock = self.clock
        let maxBodySize = operation.bodyLimit ?? self.maxBodySize
        let checksText = operation.checksInput
        let mediaTypes = operation.requestMediaTypes
        let queryNames = operation.query.map(\.0)
        let route: Route = { request, context in
            if access != .open, let token = context.token {
                // An OAuth access token reaches only what its scopes cover; a refusal is audited.
                guard let needed = tokenScopes, needed.contains(where: token.scopes.contains) else {
                    throw try await Self.scopeDenial(operation, tokenScopes ?? [], token: token, context: context,
                                                     audits: audits, at: clock())
                }
            }
            if access == .admin || access == .principal, case .staff(let member)? = context.principal,
               !StaffAccess.allows(member.role, operation.operationId) {
                throw try await Self.staffDenial(operation, member, context: context, audits: audits, at: clock())
            }
            switch access {
            case .open: break
            case .learner:
                guard context.token?.learnerId != nil else { throw Problem.unauthorized }
            case .principal:
                guard context.principal != nil else {
                    if let token = context.token {
                        throw try await Self.scopeDenial(operation, [], token: token, context: context, audits: audits,
                                                         at: clock())
                    }
                    throw Problem.unauthorized
                }
            case .admin:
                guard let principal = context.principal else { throw Problem.unauthorized }
                switch principal {
                case .admin, .staff: break
                case .system, .learner: throw Problem.forbidden("this operation needs an administrator key")
                }
            }
            var request = request
            if checksText {
                try NULCharacterCheck.checkQuery(request, parameters: queryNames)
                if !mediaTypes.isEmpty, let type = request.mediaType {
                    guard Operation.accepts(mediaTypes, type) else { throw Operation.unsupportedMediaType(mediaTypes) }
                    if Operation.isJSON(type) {
                        try NULCharacterCheck.checkJSON(try await request.collectBody(upTo: maxBodySize).readableBytesView)
                    }
                }
            }
            do {
                return try await handler(request, context)
            } catch let denial as StaffAccess.OrganizationDenial {
                if case .staff(let member)? = context.principal {
                    try await Self.auditStaffDenial(operation, member, rule: "staff-organization",
                                                    reason: StaffAccess.OrganizationDenial.reason, context: context,
                                                    audits: audits, at: clock())
                }
                throw denial.problem
            }
        }
        router.on(RouterPath(operation.routerPath), method: operation.method, use: route)
        if operation.method == .get { getRoutes[operation.routerPath] = route }
    }

    /// The methods ``answerUndeclaredMethods()`` answers where no operation declares them.
    static let undeclaredMethods: [HTTPRequest.Method] = [.get, .put, .post, .delete, .patch, .options, .head]

    /// Answers, on every path the catalog serves, the methods no operation declares (RFC 9110), where it answered "no
    /// such resource" before: `HEAD` where `GET` is declared — the `GET` answer's status and headers without its body
    /// (§9.3.2); `OPTIONS` with 204 and `Allow` (§9.3.7; a CORS preflight is answered before, by
    /// ``ResponseHeadersMiddleware``); any other of ``undeclaredMethods`` with 405 and `Allow` listing those that are
    /// (§15.5.6). Called once, after the last operation is added.
    func answerUndeclaredMethods() {
        var declared: [String: Set<HTTPRequest.Method>] = [:]
        for operation in operations { declared[operation.routerPath, default: []].insert(operation.method) }
        for (path, methods) in declared {
            var allowed = methods.union([.options])
            if let get = getRoutes[path] {
                allowed.insert(.head)
                router.on(RouterPath(path), method: .head) { request, context in try await get(request, context).headAnswer() }
            }
            let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            if !methods.contains(.options) {
                router.on(RouterPath(path), method: .options) { _, _ in Response(status: .noContent, headers: [.allow: allow]) }
            }
            for method in Self.undeclaredMethods where !allowed.contains(method) {
                let problem = Problem(status: 405, title: "Method Not Allowed", detail: "this resource does not accept that method")
                router.on(RouterPath(path), method: method) { request, _ in
                    var response = request.uri.path.hasPrefix("/ims/") ? problem.imsxResponse() : problem.response()
                    response.headers[.allow] = allow
                    return response
                }
            }
        }
    }
}

extension Operation {
    /// Whether the route checks its input before the handler runs (query values and JSON bodies without the NUL
    /// character, a body's media type): all but the OAuth endpoints and the pages for a person, which check their own
    /// input and answer in their own terms.
    var checksInput: Bool {
        !["/oauth/", "/oid4vci/", "/oid4vp/"].contains(where: path.hasPrefix) && htmlStatuses.isEmpty
    }

    /// The media types the operation takes as its request body, as its OpenAPI entry lists them; none without a body.
    var requestMediaTypes: [String] {
        guard let schema = requestSchema else { return [] }
        if path.hasPrefix("/ims/"), method == .post { return OneEdTechMedia.credentialTypes }
        if path == "/api/v1/me/credentials" {
            return OneEdTechMedia.credentialTypes + ["application/jwt", "application/vc+jwt", "image/png", "image/svg+xml"]
        }
        if schema.hasSuffix("Form") { return ["application/x-www-form-urlencoded"] }
        return ["application/json"] + rawBodyMediaTypes
    }

    /// Whether `type` is JSON: `application/json` or a structured `+json` type (RFC 6839).
    static func isJSON(_ type: String) -> Bool {
        type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// Whether an operation taking `accepted` takes a body of `type` (where JSON is taken, any `+json` type is).
    static func accepts(_ accepted: [String], _ type: String) -> Bool {
        accepted.contains(type) || (isJSON(type) && accepted.contains("application/json"))
    }

    /// The 415 for a body of a media type the operation does not take (RFC 9110 §15.5.16), naming those it does.
    static func unsupportedMediaType(_ accepted: [String]) -> Problem {
        let list = accepted.count == 1 ? accepted[0]
            : accepted.dropLast().joined(separator: ", ") + " or " + accepted[accepted.count - 1]
        return Problem(status: 415, title: "Unsupported Media Type", detail: "send the body as \(list)",
                       errors: [.init(field: "Content-Type", reason: "must be \(list)")])
    }
}
