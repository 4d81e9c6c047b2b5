import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaIssuance
import VitaJSON
import VitaOAuth
import VitaStorage

/// An RFC 9457 problem: every error the API returns has this shape, as `application/problem+json`.
public struct Problem: Error, Codable, Sendable, Equatable {
    /// One failing field.
    public struct FieldError: Codable, Sendable, Equatable {
        /// The JSON path (or header, query parameter) that failed.
        public var field: String
        /// Why.
        public var reason: String
    }

    /// A URI naming the kind of problem.
    public var type: String
    /// A short title for the kind.
    public var title: String
    /// The HTTP status.
    public var status: Int
    /// What went wrong here.
    public var detail: String
    /// The failing fields, when the input was at fault.
    public var errors: [FieldError]?
    /// For agreement denials: the rule that denied access.
    public var rule: String?
    /// For agreement denials: the agreement that came closest.
    public var agreementId: String?
    /// For a failure of the server (5xx): the request's id, which its log entries carry (`X-Request-Id`).
    public var requestId: String?

    /// Creates a problem.
    public init(status: Int, title: String, detail: String, errors: [FieldError]? = nil, rule: String? = nil,
                agreementId: String? = nil) {
        self.type = "https://vita.example/problems/" + title.lowercased().replacingOccurrences(of: " ", with: "-")
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
        self.rule = rule
        self.agreementId = agreementId
    }

    static func badRequest(_ field: String, _ reason: String) -> Problem {
        Problem(status: 400, title: "Bad Request", detail: "\(field): \(reason)", errors: [.init(field: field, reason: reason)])
    }

    /// 422: `field` is well formed but cannot be acted on, for `reason`; `detail` says more when given (else
    /// "field: reason").
    static func unprocessable(_ field: String, _ reason: String, detail: String? = nil) -> Problem {
        Problem(status: 422, title: "Unprocessable Content", detail: detail ?? "\(field): \(reason)", errors: [.init(field: field, reason: reason)])
    }

    static func notFound(_ what: String) -> Problem {
        Problem(status: 404, title: "Not Found", detail: "no \(what) with this id")
    }

    /// 410: what the URL named existed but no longer answers (expired, revoked, withdrawn, complete), and why.
    static func gone(_ detail: String) -> Problem {
        Problem(status: 410, title: "Gone", detail: detail)
    }

    static let unauthorized = Problem(status: 401, title: "Unauthorized",
                                      detail: "send an API key as 'Authorization: Bearer <key>'",
                                      errors: [.init(field: "Authorization", reason: "missing or not a valid API key")])

    /// RFC 6750 §3.1 `insufficient_scope`: the access token does not grant what the operation needs.
    static func insufficientScope(_ needed: [OAuthScope]) -> Problem {
        let detail = needed.isEmpty ? "an access token cannot call this operation"
            : "the access token needs one of the scopes: " + needed.map(\.description).joined(separator: " ")
        return Problem(status: 403, title: "Forbidden", detail: detail,
                       errors: [.init(field: "Authorization", reason: "insufficient_scope")])
    }

    static func forbidden(_ detail: String) -> Problem {
        Problem(status: 403, title: "Forbidden", detail: detail)
    }

    static func validation(_ failures: ValidationFailures) -> Problem {
        Problem(status: 422, title: "Unprocessable Content",
                detail: failures.description,
                errors: failures.failures.map { .init(field: $0.field ?? "body", reason: $0.reason) })
    }

    /// The problem an error stands for. Errors that are not the client's fault become a 500 that reveals nothing.
    static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let failures as ValidationFailures:
            return validation(failures)
        case let denial as StaffAccess.OrganizationDenial:
            return denial.problem
        case let error as VitaCoreError:
            return validation(ValidationFailures([error]))
        case let error as DecodingError:
            return decoding(error)
        case let error as IssuanceError:
            switch error.code {
            case .noSigningKey:
                return Problem(status: 422, title: "Unprocessable Content",
                               detail: "\(error.reason); create one with POST /api/v1/organizations/{id}/keys",
                               errors: [.init(field: "organizationId", reason: "no signing key")])
            case .unknownOrganization:
                return Problem(status: 404, title: "Not Found", detail: "no such organization")
            case .unknownCredential:
                return Problem(status: 404, title: "Not Found", detail: error.reason,
                               errors: [.init(field: "credentialId", reason: error.reason)])
            case .invalidStatusChange:
                return Problem(status: 409, title: "Conflict", detail: error.reason,
                               errors: [.init(field: "action", reason: error.reason)])
            case .signingFailed:
                // A JSON path `$.a.b` of the credential becomes the field `credential.a.b`.
                let fields = error.fields.map { Problem.FieldError(field: "credential" + $0.path.dropFirst(), reason: $0.reason) }
                return Problem(status: 422, title: "Unprocessable Content", detail: "credential: cannot be signed: \(error.reason)",
                               errors: fields.isEmpty ? [.init(field: "credential", reason: error.reason)] : fields)
            case .configuration:
                return Problem(status: 500, title: "Internal Server Error", detail: error.reason)
            case .badBatchFile:
                return Problem(status: 422, title: "Unprocessable Content", detail: "csv: \(error.reason)",
                               errors: [.init(field: "csv", reason: error.reason)])
            }
        case let error as StorageError:
            switch error.code {
            case .versionConflict:
                return Problem(status: 412, title: "Precondition Failed", detail: error.reason,
                               errors: [.init(field: "If-Match", reason: "does not match the current version")])
            case .conflict:
                return Problem(status: 409, title: "Conflict", detail: error.reason)
            case .notFound:
                return Problem(status: 404, title: "Not Found", detail: error.reason)
            default:
                return Problem(status: 503, title: "Service Unavailable", detail: "the database could not serve the request")
            }
        case is NIOTooManyBytesError:
            return Problem(status: 413, title: "Content Too Large", detail: "the request body is larger than the server accepts",
                           errors: [.init(field: "body", reason: "too large")])
        case let error as HTTPError:
            let status = Int(error.status.code)
            let title = error.status.reasonPhrase
            switch error.status {
            case .contentTooLarge:
                return Problem(status: status, title: title, detail: "the request body is larger than the server accepts",
                               errors: [.init(field: "body", reason: "too large")])
            case .notFound:
                return Problem(status: status, title: title, detail: "no such resource")
            case .methodNotAllowed:
                return Problem(status: status, title: title, detail: "this resource does not accept that method")
            default:
                return Problem(status: status, title: title, detail: error.body ?? title)
            }
        default:
            return Problem(status: 500, title: "Internal Server Error", detail: "the server failed; the error was logged")
        }
    }

    static func decoding(_ error: DecodingError) -> Problem {
        func path(_ context: DecodingError.Context, _ extra: (any CodingKey)? = nil) -> String {
            var keys = context.codingPath
            if let extra { keys.append(extra) }
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "body" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return badRequest(path(context, key), "is required")
        case .valueNotFound(_, let context):
            return badRequest(path(context), "must not be null")
        case .typeMismatch(let type, let context):
            let name: String
            switch type {
            case is String.Type: name = "a string"
            case is Bool.Type: name = "a boolean"
            case is Int.Type, is Int64.Type: name = "an integer"
            case is Double.Type: name = "a number"
            default: name = context.codingPath.isEmpty ? "a JSON object" : "of another type"
            }
            return badRequest(path(context), "must be \(name)")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return badRequest("body", "is not valid JSON")
            }
            let description = context.debugDescription
            let reason = description.contains("Cannot initialize") ? "is not one of the allowed values" : description
            return badRequest(path(context), reason)
        @unknown default:
            return badRequest("body", "could not be read")
        }
    }

    /// The problem as an HTTP response.
    func response() -> Response {
        let data = (try? APIJSON.encoder.encode(self)) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if let challenge = authenticationChallenge { headers[.wwwAuthenticate] = challenge }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// RFC 6750 §3: a 401 names the Bearer scheme (with `error="invalid_token"` when a token was refused), a 403 for
    /// want of scope says `insufficient_scope`. The description is the problem's own, quotes removed.
    var authenticationChallenge: String? {
        let reason = errors?.first { $0.field == "Authorization" }?.reason ?? ""
        let description = detail.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\\", with: "")
        switch status {
        case 401 where reason.hasPrefix("invalid_token"):
            return "Bearer realm=\"vita\", error=\"invalid_token\", error_description=\"\(description)\""
        case 401:
            return "Bearer realm=\"vita\""
        case 403 where reason == "insufficient_scope":
            return "Bearer realm=\"vita\", error=\"insufficient_scope\", error_description=\"\(description)\""
        default:
            return nil
        }
    }
}

extension Problem {
    /// The `imsx_codeMinorFieldValue` for this problem's status (1EdTech Imsx_CodeMinorFieldValue vocabulary).
    var imsxCodeMinor: String {
        switch status {
        case 304: "not_modified"
        case 400 where errors?.first?.field.hasPrefix("query.") == true: "invalid_query_parameter"
        case 400, 413, 415, 422: "invalid_data"
        case 401: "unauthorizedrequest"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "not_allowed"
        case 406: "not_acceptable"
        case 421: "misdirected_request"
        case 429, 503: "server_busy"
        case 500...: "internal_server_error"
        default: "unknown"
        }
    }

    /// The problem as the 1EdTech service APIs answer errors: an `Imsx_StatusInfo` JSON body (Open Badges 3.0 and
    /// CLR 2.0, "Imsx_StatusInfo"), with the same status and `WWW-Authenticate` challenge. The failing field (or
    /// `request`) is the code minor field's name; an agreement rule is named in the description.
    func imsxResponse() -> Response {
        var description = detail
        if let rule { description += " (rule: \(rule))" }
        let field: JSONValue = .object([
            "imsx_codeMinorFieldName": .string(errors?.first?.field ?? "request"),
            "imsx_codeMinorFieldValue": .string(imsxCodeMinor),
        ])
        let body: JSONValue = .object([
            "imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": .string(description),
            "imsx_codeMinor": .object(["imsx_codeMinorField": .array([field])]),
        ])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let challenge = authenticationChallenge { headers[.wwwAuthenticate] = challenge }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }
}

/// Turns every error thrown below it into an `application/problem+json` response, or an `Imsx_StatusInfo` one under
/// the 1EdTech service APIs (`/ims/`).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = Problem.from(error)
            if problem.status >= 500 {
                // Driver errors describe the failing statement, not bind values, so they are safe to log. The log
                // entry carries the request's id (`hb.request.id`), and so does the answer: a report leads to the entry.
                context.logger.error("request failed", metadata: ["error": "\(error)"])
                problem.requestId = context.id
            }
            return request.uri.path.hasPrefix("/ims/") ? problem.imsxResponse() : problem.response()
        }
    }
}
