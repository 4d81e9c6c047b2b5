import Foundation
import HTTPTypes
import Synchronization
import Testing
import VitaJSON
import VitaSchema

/// Holds every reply the API tests receive to the OpenAPI document the server publishes: the operation that matched
/// the request documents the reply's status, the reply's media type, and a body valid against the documented schema;
/// and a JSON request body the server accepted is valid against the documented request schema (a body the document
/// calls invalid must not be taken). So the document is checked against what the server does on every request the
/// suites make, not only its routes.
final class DocumentConformance: Sendable {
    /// The checker for the document of this build (the document is the same for every `LearnerAPI`).
    static func shared(document: @autoclosure () -> Data) -> DocumentConformance {
        cache.withLock { cached in
            if let cached { return cached }
            let made = DocumentConformance(document: document())
            cached = made
            return made
        }
    }
    private static let cache = Mutex<DocumentConformance?>(nil)

    private struct Template: Sendable {
        let method: String
        let path: String
        let segments: [Substring]
        /// status → media type → the schema as the document states it (nil: no `schema`).
        let responses: [String: [String: JSONValue?]]
        /// The request body's JSON schema, if the operation takes JSON.
        let requestSchema: JSONValue?
        /// Literal segments count more than parameters when two templates match (`/learners/me`, `/learners/{id}`).
        var literals: Int { segments.filter { !$0.hasPrefix("{") }.count }

        func matches(_ method: String, _ parts: [Substring]) -> Bool {
            method == self.method && parts.count == segments.count
                && zip(parts, segments).allSatisfy { part, segment in segment.hasPrefix("{") ? !part.isEmpty : part == segment }
        }
    }

    private let document: JSONValue
    /// The templates by method and number of segments, the only ones a path can match.
    private let templates: [String: [Template]]
    private let schemas = Mutex<[String: JSONSchema]>([:])

    private init(document data: Data) {
        let document = (try? JSONValue(parsing: Array(data))) ?? .null
        self.document = document
        var templates: [Template] = []
        if case .object(let paths)? = document["paths"] {
            for (path, operations) in paths.members {
                guard case .object(let operations) = operations else { continue }
                for (method, operation) in operations.members {
                    var responses: [String: [String: JSONValue?]] = [:]
                    if case .object(let documented)? = operation["responses"] {
                        for (status, response) in documented.members {
                            var media: [String: JSONValue?] = [:]
                            if case .object(let content)? = response["content"] {
                                for (type, entry) in content.members { media[type] = entry["schema"] }
                            }
                            responses[status] = media
                        }
                    }
                    templates.append(Template(method: method.uppercased(), path: path,
                                              segments: path.split(separator: "/", omittingEmptySubsequences: false),
                                              responses: responses,
                                              requestSchema: operation["requestBody"]?["content"]?["application/json"]?["schema"]))
                }
            }
        }
        self.templates = Dictionary(grouping: templates) { Self.shape($0.method, $0.segments.count) }
    }

    private static func shape(_ method: String, _ segments: Int) -> String { "\(method) \(segments)" }

    /// The template `method parts` matches, the one with the most literal segments when several do.
    private func template(_ method: String, _ parts: [Substring]) -> Template? {
        templates[Self.shape(method, parts.count)]?.filter { $0.matches(method, parts) }.max(by: { $0.literals < $1.literals })
    }

    /// Records an issue for each way `reply` to `method uri` departs from the document; requests to paths the document
    /// does not describe (test-only routes, unknown paths) are not checked.
    func check(method: String, uri: String, request: [UInt8]? = nil, reply: Reply, sourceLocation: SourceLocation) {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard let template = template(method, parts) else { return }
        let operation = uri == template.path ? "\(method) \(template.path)" : "\(method) \(template.path) (\(uri.prefix(100)))"
        if (200..<300).contains(reply.status), let request, let documented = template.requestSchema,
           let body = (try? JSONValue(parsing: request)).map(Self.withoutNullMembers) {
            hold(body, to: documented, "\(operation) accepted (\(reply.status)) a body its documented request schema rejects",
                 sourceLocation: sourceLocation)
        }
        // A read that answers an ETag takes If-None-Match (ConditionalRequestMiddleware): the document must say so.
        if method == "GET", reply.status == 200, reply.headers[.eTag] != nil, template.responses["304"] == nil {
            Issue.record("\(operation) answered an ETag but does not document 304 for If-None-Match (Operation.conditional)",
                         sourceLocation: sourceLocation)
        }
        // What a 201 says it created can be read where its Location points (RFC 9110 §15.3.2).
        if reply.status == 201, let location = reply.headers[.location] {
            let target = location.split(separator: "?", maxSplits: 1).first.map(String.init) ?? location
            let targetParts = target.split(separator: "/", omittingEmptySubsequences: false)
            if target.hasPrefix("/"), self.template("GET", targetParts) == nil {
                Issue.record("\(operation) answered 201 with Location \(target.prefix(100)), which no documented GET reads",
                             sourceLocation: sourceLocation)
            }
        }
        guard let media = template.responses[String(reply.status)] ?? template.responses["default"] else {
            Issue.record("\(operation) answered \(reply.status), which the document does not list (it lists \(template.responses.keys.sorted().joined(separator: ", ")))",
                         sourceLocation: sourceLocation)
            return
        }
        guard !media.isEmpty, !reply.body.isEmpty else { return }
        let type = (reply.contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard let documented = media[type] else {
            Issue.record("\(operation) answered \(reply.status) as '\(type)', which the document does not list (it lists \(media.keys.sorted().joined(separator: ", ")))",
                         sourceLocation: sourceLocation)
            return
        }
        guard let documented, type == "application/json" || type.hasSuffix("+json") else { return }
        let body: JSONValue
        do { body = try JSONValue(parsing: Array(reply.body)) } catch {
            Issue.record("\(operation) answered \(reply.status) with a body that is not JSON", sourceLocation: sourceLocation)
            return
        }
        hold(body, to: documented, "\(operation) answered \(reply.status) with a body its documented schema rejects",
             sourceLocation: sourceLocation)
    }

    /// Records an issue (`departure` and the first reasons) when `body` is not valid against the documented schema.
    private func hold(_ body: JSONValue, to documented: JSONValue, _ departure: String, sourceLocation: SourceLocation) {
        do {
            let result = try schema(documented).validate(body)
            if !result.isValid {
                let reasons = result.errors.prefix(5).map(\.description).joined(separator: "; ")
                Issue.record("\(departure): \(reasons)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("the documented schema does not compile: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// `value` with its null members removed, at every depth: the document's stated convention is that a null member of
    /// a request body is the same as an absent one.
    static func withoutNullMembers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var kept = JSONObject()
            for (name, member) in object.members where member != .null { kept[name] = withoutNullMembers(member) }
            return .object(kept)
        case .array(let items): return .array(items.map(withoutNullMembers))
        default: return value
        }
    }

    /// The documented schema compiled against the whole document, so `#/components/schemas/…` references resolve.
    private func schema(_ documented: JSONValue) throws -> JSONSchema {
        let key = String(decoding: documented.serialized(), as: UTF8.self)
        if let compiled = schemas.withLock({ $0[key] }) { return compiled }
        var root = JSONObject()
        root["components"] = document["components"] ?? .object(JSONObject())
        root["allOf"] = .array([documented])
        let compiled = try JSONSchema(.object(root), uri: "https://vita.invalid/openapi.json")
        schemas.withLock { $0[key] = compiled }
        return compiled
    }
}
