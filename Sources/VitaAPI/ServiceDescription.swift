import VitaJSON
import VitaOAuth

/// The Service Description Document of a 1EdTech service API (Open Badges 3.0 / CLR 2.0 "Service Discovery"): a
/// profiled OpenAPI 3.0 document with the API's endpoints, `info.termsOfService`, `info.x-imssf-privacyPolicyUrl` and the
/// `OAuth2ACG` security scheme whose `x-imssf-registrationUrl` names the dynamic client registration endpoint.
///
/// It is built from the same route catalog as the server's own OpenAPI document, so it lists exactly the operations
/// the server answers, under the operation ids the specification gives them.
enum ServiceDescription {
    static func document(service: OAuthScope.Service, operations: [Operation], options: ServerOptions) -> JSONValue {
        let base = "/ims/\(service.rawValue)"
        let scopes = OAuthScope.Action.allCases.map { OAuthScope.oneEdTech(service, $0) }
        var paths = JSONObject()
        for operation in operations where operation.path.hasPrefix(base + "/") {
            let relative = String(operation.path.dropFirst(base.count))
            var entry = JSONObject()
            // The catalog's ids carry a service prefix (`obGetCredentials`); the specification's do not.
            let prefixLength = service == .openBadges ? 2 : 3
            let specId = operation.operationId.dropFirst(prefixLength)
            entry["operationId"] = .string(specId.prefix(1).lowercased() + specId.dropFirst())
            entry["summary"] = .string(operation.summary)
            entry["tags"] = [.string(operation.tag)]
            if let needed = operation.tokenScopes {
                entry["security"] = [["OAuth2ACG": .array(needed.map { .string($0.description) })]]
            } else {
                entry["security"] = []
            }
            if !operation.query.isEmpty {
                entry["parameters"] = .array(operation.query.map { name, type, description in
                    ["name": .string(name), "in": "query", "required": false, "description": .string(description),
                     "schema": ["type": .string(type)]]
                })
            }
            var responses = JSONObject()
            responses[String(operation.success.0)] = ["description": .string(operation.summary)]
            for status in operation.errors {
                responses[String(status)] = ["description": "An Imsx_StatusInfo explaining the failure"]
            }
            entry["responses"] = .object(responses)
            var item = paths[relative]?.objectValue ?? JSONObject()
            item[operation.method.rawValue.lowercased()] = .object(entry)
            paths[relative] = .object(item)
        }
        let name = service == .openBadges ? "Open Badges 3.0" : "Comprehensive Learner Record 2.0"
        let scopeDescriptions = JSONObject(scopes.map { ($0.description, JSONValue.string($0.plainLanguage)) })
        let document: JSONObject = [
            "openapi": "3.0.1",
            "info": [
                "title": .string("Vita \(name) API"),
                "description": .string("The \(name) service API of this Vita learning and employment record server."),
                "version": .string(service == .openBadges ? "3.0" : "2.0"),
                "termsOfService": .string(options.termsOfServiceURL),
                "x-imssf-privacyPolicyUrl": .string(options.privacyPolicyURL),
            ],
            "servers": [["url": .string(options.publicBaseURL + base)]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": [
                    "OAuth2ACG": [
                        "type": "oauth2",
                        "description": "OAuth 2.0 authorization code grant with PKCE (S256); register with RFC 7591 dynamic client registration",
                        "x-imssf-registrationUrl": .string(options.publicBaseURL + "/oauth/register"),
                        "flows": [
                            "authorizationCode": [
                                "authorizationUrl": .string(options.publicBaseURL + "/oauth/authorize"),
                                "tokenUrl": .string(options.publicBaseURL + "/oauth/token"),
                                "refreshUrl": .string(options.publicBaseURL + "/oauth/token"),
                                "scopes": .object(scopeDescriptions),
                            ],
                        ],
                    ],
                ],
            ],
        ]
        return .object(document)
    }
}
