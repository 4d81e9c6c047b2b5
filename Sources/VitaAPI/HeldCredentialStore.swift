import Foundation
import VitaCore
import VitaCredentials
import VitaJSON
import VitaStorage

/// Keeps a credential a learner holds, by the 1EdTech equality rule (`CredentialIdentity`): a credential not held yet
/// is added; the same document again changes nothing; a version whose `validFrom` is not older than the one held
/// replaces it; an older version leaves the held one alone.
enum HeldCredentialStore {
    /// What keeping a credential did.
    enum Outcome: Equatable {
        case created, replaced, unchanged, newerHeld
    }

    static func keep(_ held: HeldCredential, in tx: StoreTransaction) async throws -> Outcome {
        guard let existing = try await tx.heldCredential(learnerId: held.learnerId, service: held.service,
                                                         issuerKey: held.issuerKey, credentialKey: held.credentialKey) else {
            try await tx.insert(held)
            return .created
        }
        if existing.digest == held.digest { return .unchanged }
        if let heldDate = existing.validFrom.flatMap(XSDDateTime.parse),
           let newDate = held.validFrom.flatMap(XSDDateTime.parse), heldDate > newDate {
            return .newerHeld
        }
        var replacement = held
        replacement.id = existing.id
        replacement.receivedAt = existing.receivedAt
        try await tx.replace(replacement)
        return .replaced
    }

    /// Keeps `held` and returns what it did with the credential now held (the one kept before, when unchanged).
    static func keepReturningStored(_ held: HeldCredential, in tx: StoreTransaction) async throws -> (Outcome, HeldCredential) {
        let outcome = try await keep(held, in: tx)
        let stored = try await tx.heldCredential(learnerId: held.learnerId, service: held.service, issuerKey: held.issuerKey,
                                                 credentialKey: held.credentialKey)
        return (outcome, stored ?? held)
    }
}

/// A credential about to be kept for a learner: the text stored, its format, its identity (1EdTech equality) and the
/// service it belongs to. Only Open Badges and CLRs are kept (400 naming `body.type` otherwise).
struct IncomingCredential: Sendable {
    var document: String
    var format: HeldCredential.Format
    var identity: CredentialIdentity
    var service: HeldCredential.Service

    /// A JSON credential; `text` is what is stored (the bytes as received), its serialization when not given.
    init(json value: JSONValue, text: String? = nil) throws {
        try self.init(document: text ?? String(decoding: value.serialized(), as: UTF8.self), format: .json,
                      identity: try CredentialIdentity(credential: value))
    }

    /// A VC-JWT.
    init(jwt text: String) throws {
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        try self.init(document: token, format: .jwt, identity: try CredentialIdentity(jws: CompactJWS(parsing: token)))
    }

    private init(document: String, format: HeldCredential.Format, identity: CredentialIdentity) throws {
        switch identity.kind {
        case .achievement: service = .openBadges
        case .clr: service = .clr
        case .endorsement, .other: throw Problem.badRequest("body.type", "must be an Open Badges or CLR credential")
        }
        self.document = document
        self.format = format
        self.identity = identity
    }

    /// Checks that make a credential unfit to keep (an expired, revoked or unendorsed credential is still the
    /// learner's, and is kept with its report).
    static let disqualifyingChecks: Set<String> = ["format", "context", "type", "schema", "proof", "jsonld", "issuer", "nested"]

    /// Verifies the credential: 422 naming `field` when a check that makes it unfit fails (``disqualifyingChecks``);
    /// its report otherwise.
    func verified(by verifier: CredentialVerifier, field: String) async throws -> VerificationReport {
        let report = format == .json
            ? await verifier.verify((try? JSONValue(parsing: Array(document.utf8))) ?? .null)
            : await verifier.verify(jwt: document)
        let fatal = report.failures.filter { Self.disqualifyingChecks.contains($0.name) }
        guard fatal.isEmpty else {
            throw Problem(status: 422, title: "Unprocessable Content",
                          detail: "the credential is not genuine: " + fatal.map { "\($0.name): \($0.message)" }.joined(separator: "; "),
                          errors: fatal.map { .init(field: field, reason: "\($0.name): \($0.message)") })
        }
        return report
    }

    /// The held credential to keep for `learnerId`, received from `source`.
    func held(learnerId: String, source: HeldCredential.SourceKind, sourceId: String, now: Date) -> HeldCredential {
        HeldCredential(id: EntityID.make("hcr", now: now), learnerId: learnerId, service: service, format: format,
                       issuerKey: identity.issuer, credentialKey: identity.id, validFrom: identity.validFromText,
                       document: document, sourceKind: source, sourceId: sourceId, receivedAt: now, updatedAt: now)
    }
}

/// The credentials Vita issued a learner for one service — badges for Open Badges, CLRs for CLR — whose status bit is
/// not set (neither revoked nor suspended), oldest first: what may be listed or sent as verifiable.
enum CurrentIssuedCredentials {
    struct Item: Sendable {
        /// Vita's id of the issuance (`vcr_…`, `clr_…`).
        var id: String
        /// When it was issued.
        var createdAt: Date
        /// The signed credential.
        var credential: JSONValue
    }

    static func load(_ tx: StoreTransaction, learnerId: String, service: HeldCredential.Service) async throws -> [Item] {
        let issued: [(id: String, body: String, createdAt: Date)] = switch service {
        case .openBadges: try await tx.issuedCredentials(learnerId: learnerId, organizations: nil).map { ($0.id, $0.body, $0.createdAt) }
        case .clr: try await tx.issuedClrs(learnerId: learnerId, organizations: nil).map { ($0.id, $0.body, $0.createdAt) }
        }
        var items: [Item] = []
        for (id, body, createdAt) in issued {
            guard let credential = try? JSONValue(parsing: Array(body.utf8)), let credentialId = credential["id"]?.stringValue,
                  try await !tx.statusEntries(credentialId: credentialId).contains(where: \.isSet) else { continue }
            items.append(Item(id: id, createdAt: createdAt, credential: credential))
        }
        return items
    }
}
