import Foundation
import Hummingbird
import VitaCore
import VitaStorage

/// Route groups whose definitions — organizations, connected systems, achievements, competencies — are corrected by a
/// `PUT` of the whole definition under `If-Match` (RFC 9110 §13.1.1): the version it replaces must be the one stored,
/// and a concurrent correction of the same version fails in storage (412), so nothing is overwritten unseen.
protocol DefinitionCorrecting {
    var database: VitaDatabase { get }
    var gate: AccessGate { get }
    var reader: RequestReader { get }
}

extension DefinitionCorrecting {
    /// Corrects the definition `id` in one transaction: `read` it with its version (404 naming `what` when there is
    /// none); `authorize` may refuse the caller before `If-Match` is looked at, so that a definition the caller may not
    /// see stays unseen; `If-Match` must name the stored version (428 without it, 412 when stale); `change` applies the
    /// correction, validating it or refusing it (409); `store` writes it as the next version; the action is audited.
    /// Answers the corrected definition with its new ETag.
    func correct<Value: Encodable & Sendable>(
        _ request: Request, _ principal: Principal, id: String, what: String, action: String,
        read: @escaping @Sendable (StoreTransaction) async throws -> Versioned<Value>?,
        store: @escaping @Sendable (StoreTransaction, Value, Int) async throws -> Void,
        authorize: @escaping @Sendable (Value) throws -> Void = { _ in },
        change: @escaping @Sendable (inout Value) throws -> Void
    ) async throws -> Response {
        let (reader, gate) = (reader, gate)
        let corrected = try await database.transaction { tx -> Versioned<Value> in
            guard let current = try await read(tx) else { throw Problem.notFound(what) }
            try authorize(current.value)
            try reader.requireMatch(request, entityTag: current.entityTag(id))
            var value = current.value
            try change(&value)
            try await store(tx, value, current.version)
            try await gate.audit(tx, principal, action: action)
            return Versioned(value, version: current.version + 1)
        }
        return try APIJSON.response(corrected.value, headers: [.eTag: corrected.entityTag(id)])
    }
}
