import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VitaCore
import VitaJSON
import VitaStorage

/// Reading requests: bodies with a size limit, query parameters, preconditions.
struct RequestReader: Sendable {
    /// The largest accepted body, in bytes.
    let maxBodySize: Int

    /// Collects and decodes the JSON body, which is first parsed strictly as ``value(_:)`` parses: Foundation's decoder
    /// would take one of a duplicated key's values without a word.
    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> (T, ByteBuffer) {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodySize)
        guard buffer.readableBytes > 0 else { throw Problem.badRequest("body", "a JSON body is required") }
        _ = try value(Array(buffer.readableBytesView))
        let value = try APIJSON.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        return (value, buffer)
    }

    /// Collects the body (at most `limit` bytes, else `maxBodySize`; 413 above).
    func bytes(_ request: Request, upTo limit: Int? = nil) async throws -> [UInt8] {
        var request = request
        return Array(try await request.collectBody(upTo: limit ?? maxBodySize).readableBytesView)
    }

    /// The body as a JSON object, parsed strictly (duplicate keys, bad UTF-8 and deep nesting are refused); an empty
    /// body is an empty object when `allowEmpty`, otherwise refused.
    func object(_ request: Request, allowEmpty: Bool = false) async throws -> JSONObject {
        let bytes = try await bytes(request)
        if bytes.isEmpty {
            guard allowEmpty else { throw Problem.badRequest("body", "a JSON object is required") }
            return JSONObject()
        }
        return try object(bytes)
    }

    /// `bytes` as a JSON object, parsed strictly.
    func object(_ bytes: [UInt8]) throws -> JSONObject {
        guard case .object(let object) = try value(bytes) else { throw Problem.badRequest("body", "must be a JSON object") }
        return object
    }

    /// `bytes` as JSON of any kind, parsed strictly (duplicate keys, bad UTF-8 and deep nesting are refused).
    func value(_ bytes: [UInt8]) throws -> JSONValue {
        do {
            return try JSONValue(parsing: bytes)
        } catch {
            throw Problem.badRequest("body", "is not valid JSON (\(error))")
        }
    }

    /// The paging parameters: `limit` (1...200, default 50) and `cursor`.
    func paging(_ request: Request) throws -> (cursor: String?, limit: Int) {
        let query = request.uri.queryParameters
        var limit = 50
        if let text = query["limit"] {
            guard let value = Int(String(text)), (1...200).contains(value) else {
                throw Problem.badRequest("limit", "must be an integer from 1 to 200")
            }
            limit = value
        }
        let cursor = query["cursor"].map(String.init)
        // A cursor is a query parameter like `limit`: one that is not this server's is a malformed request (400).
        do { _ = try StoreTransaction.cursorKey(cursor) } catch {
            throw Problem.badRequest("cursor", "is not a cursor this server issued")
        }
        return (cursor, limit)
    }

    /// The `asOf` query parameter, if given.
    func asOf(_ request: Request) throws -> Date? {
        guard let text = request.uri.queryParameters["asOf"] else { return nil }
        guard let date = APIJSON.parseTimestamp(String(text)) else {
            throw Problem.badRequest("asOf", "must be an RFC 3339 timestamp such as 2026-01-31T09:00:00Z")
        }
        return date
    }

    /// Requires `If-Match` to name `entityTag`: 428 when missing, 412 when stale.
    func requireMatch(_ request: Request, entityTag: String) throws {
        guard let header = request.headers[.ifMatch] else {
            throw Problem(status: 428, title: "Precondition Required", detail: "send If-Match with the ETag you last read",
                          errors: [.init(field: "If-Match", reason: "is required for updates")])
        }
        let tags = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard tags.contains(entityTag) || tags.contains("W/" + entityTag) else {
            throw Problem(status: 412, title: "Precondition Failed", detail: "the resource changed since you read it",
                          errors: [.init(field: "If-Match", reason: "does not match the current version")])
        }
    }

    /// A path parameter that must be an id with `prefix`; 404 when it cannot be one.
    func id(_ context: VitaRequestContext, _ name: String, prefix: String, what: String) throws -> String {
        let value = context.parameters.get(name) ?? ""
        guard EntityID.isWellFormed(value, prefix: prefix) else { throw Problem.notFound(what) }
        return value
    }
}

/// Replays POST responses by `Idempotency-Key`, in the same transaction as the write they answer.
///
/// A response is kept for `window` seconds (then the key may be used again, and the purge deletes it) and sealed with
/// the server's `KeyVault`: it may hold a secret shown once (a system's API key) or a learner's data, which must not
/// lie in the database in the clear. Responses about a learner are deleted with the learner's erasure.
struct Idempotency: Sendable {
    /// Seals stored responses.
    let vault: KeyVault
    /// Seconds a stored response is replayed.
    let window: TimeInterval

    /// Outcome of a POST handler, as stored for replay.
    struct Outcome: Sendable {
        var status: Int
        var location: String?
        var body: String
    }

    /// How an operation that honours the key documents it.
    static let header = ("Idempotency-Key", false, "Replays the first response for a repeated key")

    /// Answers a creation: `body` (the JSON answered and the created resource's path) runs in one transaction with the
    /// check for a repeated `Idempotency-Key` and the storing of its answer, so a retried request gets the first answer
    /// (`Idempotent-Replayed: true`) and creates nothing more. `learnerId` is the learner the creation concerns.
    func create(_ request: Request, _ context: VitaRequestContext, raw: ByteBuffer, database: VitaDatabase, now: Date,
                status: Int = 201, learnerId: String? = nil,
                _ body: @escaping @Sendable (StoreTransaction) async throws -> (json: String, location: String?)) async throws -> Response {
        let principal = context.principal!
        let key = try Self.key(request)
        let digest = Self.digest(request, body: raw)
        let (outcome, replayed) = try await database.transaction { tx in
            try await once(tx, principal: principal, key: key, digest: digest, now: now, learnerId: learnerId) {
                let (json, location) = try await body(tx)
                return Outcome(status: status, location: location, body: json)
            }
        }
        return Self.response(outcome, replayed: replayed)
    }

    static func key(_ request: Request) throws -> String? {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard (1...200).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw Problem.badRequest("Idempotency-Key", "must be 1 to 200 visible ASCII characters")
        }
        return key
    }

    static func digest(_ request: Request, body: ByteBuffer) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hasher.update(data: Array(body.readableBytesView))
        return ContentDigest.hex(hasher.finalize())
    }

    /// Within one transaction: the stored outcome of a key repeated within the window (`replayed` true; 422 when the
    /// key was used for another request), or else `body`'s outcome for a first request, stored for the key (if any)
    /// before the transaction commits; `learnerId` is the learner the write concerns.
    func once(_ tx: StoreTransaction, principal: Principal, key: String?, digest: String, now: Date, learnerId: String?,
              _ body: () async throws -> Outcome) async throws -> (outcome: Outcome, replayed: Bool) {
        if let stored = try await replay(tx, principal: principal, key: key, digest: digest, now: now) {
            return (stored, true)
        }
        let outcome = try await body()
        try await store(tx, outcome, principal: principal, key: key, digest: digest, now: now, learnerId: learnerId)
        return (outcome, false)
    }

    /// Returns the stored outcome for a key repeated within the window (or throws 422 when the key was used for
    /// another request), else nil.
    private func replay(_ tx: StoreTransaction, principal: Principal, key: String?, digest: String, now: Date) async throws -> Outcome? {
        guard let key, let stored = try await tx.idempotentResponse(principal: principal.idempotencyScope, key: key,
                                                                     notBefore: now.addingTimeInterval(-window)) else {
            return nil
        }
        guard stored.requestDigest == digest else {
            throw Problem(status: 422, title: "Unprocessable Content",
                          detail: "this Idempotency-Key was used for a different request",
                          errors: [.init(field: "Idempotency-Key", reason: "reused with a different request")])
        }
        guard IdempotentResponse.isSealed(stored.body) else { return Outcome(status: stored.status, location: stored.location, body: stored.body) }
        do {
            let body = try vault.open(stored.body, id: Self.sealingId(principal, key))
            return Outcome(status: stored.status, location: stored.location, body: String(decoding: body, as: UTF8.self))
        } catch {
            throw Problem(status: 503, title: "Service Unavailable",
                          detail: "the response stored for this Idempotency-Key does not open with this server's master key")
        }
    }

    /// Stores the outcome of a first request with a key, sealed; `learnerId` is the learner the write concerns.
    private func store(_ tx: StoreTransaction, _ outcome: Outcome, principal: Principal, key: String?, digest: String,
               now: Date, learnerId: String?) async throws {
        guard let key else { return }
        let sealed = try vault.seal(Array(outcome.body.utf8), id: Self.sealingId(principal, key))
        try await tx.storeIdempotentResponse(
            .init(requestDigest: digest, status: outcome.status, location: outcome.location, body: sealed),
            principal: principal.idempotencyScope, key: key, at: now, learnerId: learnerId)
    }

    /// What a stored response is sealed for: a sealed body copied to another principal's or key's row does not open.
    private static func sealingId(_ principal: Principal, _ key: String) -> String {
        SealingID.idempotencyResponse(scope: principal.idempotencyScope, key: key)
    }

    static func response(_ outcome: Outcome, replayed: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let location = outcome.location { headers[.location] = location }
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return Response(status: .init(code: outcome.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: outcome.body)))
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try APIJSON.encoder.encode(value), as: UTF8.self)
    }
}

/// Optional members of a JSON request body: absent and `null` are the same, any other type is the caller's error (a
/// value of the wrong type is never silently ignored).
extension JSONObject {
    /// The member `name` as a string; nil when absent or null; 400 naming `field` (default `name`) otherwise.
    func optionalString(_ name: String, field: String? = nil) throws -> String? {
        try optional(name, field: field, "must be a string", \.stringValue)
    }

    /// The member `name` as an object; nil when absent or null; 400 naming `field` (default `name`) otherwise.
    func optionalObject(_ name: String, field: String? = nil) throws -> JSONObject? {
        try optional(name, field: field, "must be an object", \.objectValue)
    }

    /// The member `name` as a boolean; nil when absent or null; 400 naming `field` (default `name`) otherwise.
    func optionalBool(_ name: String, field: String? = nil) throws -> Bool? {
        try optional(name, field: field, "must be true or false", \.boolValue)
    }

    private func optional<T>(_ name: String, field: String?, _ reason: String, _ read: (JSONValue) -> T?) throws -> T? {
        guard let value = self[name], value != .null else { return nil }
        guard let read = read(value) else { throw Problem.badRequest(field ?? name, reason) }
        return read
    }
}

extension Request {
    /// The media type of the body's `Content-Type`, without its parameters and in lower case; nil without the header.
    public var mediaType: String? {
        headers[.contentType].map { String($0.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased() }
    }
}
