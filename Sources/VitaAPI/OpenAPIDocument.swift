import Crypto
import Foundation
import VitaOAuth

/// Builds the OpenAPI 3.1 document from the operation catalog and the component schemas shipped as a resource.
enum OpenAPIDocument {
    static let problemStatuses: [Int: String] = [
        400: "The request is malformed; `errors` names each field and reason",
        401: "No credentials, or the key or token presented is unknown, expired or revoked",
        403: "Denied: not an administrator, a token without the scope, a staff role, or an agreement rule (see `rule`)",
        404: "No such resource", 409: "Conflicts with an existing record", 412: "If-Match does not match the current version",
        413: "The body is larger than the server accepts", 422: "Well-formed but invalid; `errors` names each field",
        429: "Too many requests from this caller; retry after the seconds in Retry-After",
        415: "The body is not of a media type the operation takes", 428: "If-Match is required",
        502: "Another platform failed or refused (its words are in `detail`)", 503: "The database does not answer, or the feature is off",
    ]

    /// The statuses an operation answers besides its success: its own, a refused credential (401: any operation, since a
    /// presented key or token that is unknown, expired or revoked is refused before any route runs), a caller without
    /// the right (403: a token's scopes, a staff role, a system calling an administrator's operation), a path naming
    /// nothing (404: an identifier that is unknown or not of the resource's form), a malformed body or query value (400:
    /// every operation taking either), a body of a media type the operation does not take (415) and the rate limit
    /// (429: every operation).
    static func statuses(_ operation: Operation) -> [Int] {
        var statuses = Set(operation.errors).union([401, 429])
        if operation.access != .open { statuses.insert(403) }
        if !operation.pathParameters.isEmpty { statuses.insert(404) }
        // A malformed body or query value (NULCharacterCheck, the routes' own checks).
        if operation.requestSchema != nil || !operation.query.isEmpty { statuses.insert(400) }
        // A body of a media type the operation does not take (RouteCatalog).
        if operation.checksInput, !operation.requestMediaTypes.isEmpty { statuses.insert(415) }
        return statuses.sorted()
    }

    /// The schema of a success body in media type `type`: the operation's component schema for JSON, text otherwise.
    static func bodySchema(_ type: String, _ schema: String?) -> [String: Any] {
        if type == "application/json" || type.hasSuffix("+json") {
            // A JSON body is an object: the named schema's, or any (a credential as issued).
            return schema.map { ["$ref": "#/components/schemas/\($0)"] } ?? ["type": "object"]
        }
        if type.hasPrefix("text/") { return ["type": "string"] }
        return ["type": "string", "contentMediaType": type]
    }

    static func components() -> [String: Any] {
        guard let url = Bundle.module.url(forResource: "openapi-components", withExtension: "json"),
              let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }

    static func build(_ operations: [Operation]) -> Data {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            var parameters: [[String: Any]] = operation.pathParameters.map {
                ["name": $0, "in": "path", "required": true, "schema": ["type": "string"]]
            }
            for (name, type, description) in operation.query {
                parameters.append(["name": name, "in": "query", "required": operation.requiredQuery.contains(name), "description": description,
                                   "schema": ["type": type]])
            }
            var headers = operation.headers
            if operation.conditional {
                headers.append(("If-None-Match", false, "ETags of versions the caller holds (or *): 304 when one is current"))
            }
            for (name, required, description) in headers {
                parameters.append(["name": name, "in": "header", "required": required, "description": description,
                                   "schema": ["type": "string"]])
            }
            var responses: [String: Any] = [:]
            var success: [String: Any] = ["description": operation.summary]
            if !operation.successMediaTypes.isEmpty {
                success["content"] = Dictionary(uniqueKeysWithValues: operation.successMediaTypes.map { type in
                    (type, ["schema": bodySchema(type, operation.success.1)])
                })
            } else if let schema = operation.success.1 {
                success["content"] = ["application/json": ["schema": ["$ref": "#/components/schemas/\(schema)"]]]
            } else if [204, 303].contains(operation.success.0) || operation.path == "/oauth/revoke" {
                // A redirect, or an empty body.
            } else {
                success["content"] = ["application/json": ["schema": ["type": "object"]]]
            }
            if operation.conditional {
                let tag: [String: Any] = ["ETag": ["description": "The version's entity tag", "schema": ["type": "string"]]]
                success["headers"] = tag
                responses["304"] = ["description": "Not modified: If-None-Match names the current version (no body)", "headers": tag]
            }
            responses[String(operation.success.0)] = success
            for status in operation.alsoSucceeds { responses[String(status)] = success }
            // The OAuth endpoints answer errors as RFC 6749 §5.2 / RFC 7591 §3.2.2 JSON, the 1EdTech service APIs as
            // Imsx_StatusInfo, everything else as problems.
            let oauthErrors = ["/oauth/", "/oid4vci/", "/oid4vp/"].contains(where: operation.path.hasPrefix)
            let oneEdTech = operation.path.hasPrefix("/ims/")
            if oneEdTech, operation.method == .post, let schema = operation.success.1 {
                // upsertCredential: 201 created, 200 replaced, either echoing the request in its format.
                responses["200"] = ["description": "Replaced the version held", "content": OneEdTechMedia.credential(schema)]
                responses["201"] = ["description": "Added to the learner's record", "content": OneEdTechMedia.credential(schema)]
            }
            if oneEdTech, operation.method == .get, operation.path.hasSuffix("/credentials") {
                success["headers"] = [
                    "X-Total-Count": ["description": "How many credentials match", "schema": ["type": "integer"]],
                    "Link": ["description": "first, last, next and prev pages (RFC 8288), when this page is not everything",
                             "schema": ["type": "string"]],
                ]
                responses["200"] = success
            }
            let problem: [String: Any] = ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]
            let html: [String: Any] = ["text/html": ["schema": ["type": "string"]]]
            for status in statuses(operation) {
                if status == 304, oneEdTech {
                    responses["304"] = ["description": "A newer version is held; nothing changed"]
                    continue
                }
                if status == 303 {
                    responses["303"] = ["description": "Back to the application's redirect URI with the error"]
                    continue
                }
                var content: [String: Any]
                var description = problemStatuses[status] ?? "Error"
                if oneEdTech {
                    content = ["application/json": ["schema": ["$ref": "#/components/schemas/Imsx_StatusInfo"]]]
                } else if operation.htmlStatuses.contains(status) {
                    content = html
                    // A refused credential (AuthenticationMiddleware) and the rate limit still answer problems.
                    if [401, 429].contains(status) { content.merge(problem) { first, _ in first } }
                } else if oauthErrors, operation.errors.contains(status) {
                    description = status != 401 ? "An OAuth error"
                        : operation.path.hasPrefix("/oid4vci/") ? "The access token is missing, unknown, withdrawn or expired (invalid_token)"
                        : "Client authentication failed (invalid_client)"
                    content = ["application/json": ["schema": ["$ref": "#/components/schemas/OAuthError"]]]
                    if status == 401 { content.merge(problem) { first, _ in first } }
                } else {
                    content = problem
                }
                var response: [String: Any] = ["description": description, "content": content]
                if status == 429 {
                    response["headers"] = ["Retry-After": ["description": "Seconds to wait", "schema": ["type": "integer"]]]
                }
                responses[String(status)] = response
            }
            var entry: [String: Any] = [
                "operationId": operation.operationId, "summary": operation.summary, "tags": [operation.tag],
                "responses": responses,
            ]
            if !parameters.isEmpty { entry["parameters"] = parameters }
            if let schema = operation.requestSchema, operation.path.hasPrefix("/ims/"), operation.method == .post {
                entry["requestBody"] = ["required": true, "content": OneEdTechMedia.credential(schema)]
            } else if let schema = operation.requestSchema, operation.path == "/api/v1/me/credentials" {
                var content = OneEdTechMedia.credential(schema)
                // The import's other types (Operation.requestMediaTypes): a VC-JWT by its own names, a baked badge.
                for type in operation.requestMediaTypes where content[type] == nil {
                    content[type] = type.hasPrefix("image/")
                        ? ["schema": ["type": "string", "format": "binary", "description": "A baked badge"]]
                        : ["schema": ["$ref": "#/components/schemas/CompactJws"]]
                }
                entry["requestBody"] = ["required": true, "content": content]
            } else if let schema = operation.requestSchema {
                let mediaType = schema.hasSuffix("Form") ? "application/x-www-form-urlencoded" : "application/json"
                var content: [String: Any] = [mediaType: ["schema": ["$ref": "#/components/schemas/\(schema)"]]]
                for raw in operation.rawBodyMediaTypes {
                    content[raw] = ["schema": ["type": "string", "contentMediaType": raw]]
                }
                entry["requestBody"] = ["required": true, "content": content]
            }
            switch operation.access {
            case .open: entry["security"] = [[String: Any]]()
            case .admin: entry["security"] = [["apiKey": [String]()]]
                entry["description"] = "Requires an administrator key."
            case .principal:
                entry["security"] = [["apiKey": [String]()], ["oauth2": (operation.tokenScopes ?? []).map(\.description)]]
                entry["description"] = "An administrator key, or a connected system's key or access token under an active agreement."
            case .learner:
                entry["security"] = [["oauth2": (operation.tokenScopes ?? []).map(\.description)]]
                entry["description"] = "A learner's access token."
            }
            let staffRoles = StaffAccess.roles(operation.operationId)
            if operation.access == .admin || operation.access == .principal, !staffRoles.isEmpty {
                entry["description"] = "\(entry["description"] as? String ?? "") Organization staff in the issuer console (roles: \(staffRoles.map(\.rawValue).joined(separator: ", "))), for their own organization only."
            }
            paths[operation.path, default: [:]][operation.method.rawValue.lowercased()] = entry
        }
        var components = components()
        let scopes = Dictionary(uniqueKeysWithValues: OAuthScope.all.map { ($0.description, $0.plainLanguage) })
        components["securitySchemes"] = [
            "apiKey": [
                "type": "http", "scheme": "bearer",
                "description": "A Vita API key (`vk.<id>.<secret>`): administrators from `vita admin bootstrap`, systems from POST /api/v1/systems",
            ],
            "oauth2": [
                "type": "oauth2", "description": "Access tokens from Vita's authorization server (docs/OAUTH.md)",
                "flows": [
                    "authorizationCode": ["authorizationUrl": "/oauth/authorize", "tokenUrl": "/oauth/token",
                                          "refreshUrl": "/oauth/token", "scopes": scopes],
                    "clientCredentials": ["tokenUrl": "/oauth/token", "scopes": scopes],
                ],
            ],
        ]
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": "Vita Learner API", "version": "1.0.0",
                     "description": "Enterprise Learner Record store: learners, records with provenance, computed profiles, information-exchange agreements and a tamper-evident audit log. In a request body, a member whose value is null is the same as an absent one; a value of another type than the schema's is refused (400 naming the field). Every response carries X-Request-Id: the caller's own (1 to 128 letters, digits and -_.:=+/), else one the server made; the server's log lines about the request carry it, and a 5xx problem names it (requestId)."],
            "paths": paths,
            "components": components,
        ]
        return (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    static let docsStyle = "body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a}"
        + "table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:.3rem .6rem;text-align:left}"

    /// The policy of the documentation page: its one stylesheet (by hash), nothing else; no framing.
    static let docsPolicy = "default-src 'none'; style-src 'sha256-"
        + Data(SHA256.hash(data: Array(docsStyle.utf8))).base64EncodedString()
        + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    /// A self-contained HTML page listing every operation (no scripts, no external assets).
    static func docsPage(_ operations: [Operation]) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        var rows = ""
        for operation in operations.sorted(by: { ($0.tag, $0.path) < ($1.tag, $1.path) }) {
            rows += "<tr><td>\(escape(operation.tag))</td><td><code>\(operation.method.rawValue)</code></td>"
                + "<td><code>\(escape(operation.path))</code></td><td>\(escape(operation.summary))</td>"
                + "<td>\(operation.access.rawValue)</td></tr>\n"
        }
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>Vita Learner API</title><style>\(docsStyle)</style>
            </head><body><h1>Vita Learner API</h1><p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.</p>
            <table><thead><tr><th>Area</th><th>Method</th><th>Path</th><th>What it does</th><th>Who</th></tr></thead>
            <tbody>\(rows)</tbody></table></body></html>
            """
    }
}

/// The media types a 1EdTech credential travels in (Open Badges 3.0 "upsertCredential"): JSON with an embedded proof,
/// or a VC-JWT as a Compact JWS in `text/plain`.
enum OneEdTechMedia {
    /// The media types a credential is sent in: JSON, and a VC-JWT as text.
    static let credentialTypes = ["application/json", "application/vc+ld+json", "text/plain"]

    /// The request or response content of a credential in each of ``credentialTypes``: `schema` for JSON, a
    /// Compact JWS for text.
    static func credential(_ schema: String) -> [String: Any] {
        Dictionary(uniqueKeysWithValues: credentialTypes.map { type in
            (type, ["schema": ["$ref": "#/components/schemas/\(type == "text/plain" ? "CompactJws" : schema)"]])
        })
    }
}
