import Foundation
import SQLKit
import VitaCore

/// A credential a learner holds that Vita did not issue, as stored: pushed by a client through the 1EdTech service
/// APIs, received from another Vita in a transfer, or imported by the learner.
public struct HeldCredential: Sendable, Equatable {
    /// Which 1EdTech service a credential belongs to.
    public enum Service: String, Sendable, CaseIterable {
        /// Open Badges 3.0 (`AchievementCredential` / `OpenBadgeCredential`).
        case openBadges = "ob"
        /// CLR 2.0 (`ClrCredential`).
        case clr
    }

    /// How the credential is secured, which decides how it travels.
    public enum Format: String, Sendable {
        /// JSON with an embedded proof.
        case json
        /// A VC-JWT (Compact JWS).
        case jwt
    }

    /// Who put the credential here.
    public enum SourceKind: String, Sendable {
        /// An OAuth client acting for the learner (upsertCredential).
        case client
        /// Another Vita, in a transfer.
        case peer
        /// The learner, importing a file.
        case learner
        /// A platform the learner connected Vita to (pulled from its 1EdTech API).
        case platform
        /// An issuer whose OpenID4VCI credential offer the learner claimed (the id is the Credential Issuer Identifier).
        case issuer
    }

    /// Vita's identifier (`hcr_…`).
    public var id: String
    /// The learner who holds it.
    public var learnerId: String
    /// The service it belongs to.
    public var service: Service
    /// How it is secured.
    public var format: Format
    /// The issuer's id, normalized for the 1EdTech equality rule.
    public var issuerKey: String
    /// The credential's id, normalized for the 1EdTech equality rule.
    public var credentialKey: String
    /// `validFrom` (or VC 1.1 `issuanceDate`) as written in the credential, when present.
    public var validFrom: String?
    /// The credential exactly as received: JSON text or Compact JWS.
    public var document: String
    /// `sha256:` digest of `document`.
    public var digest: String
    /// Who put it here.
    public var sourceKind: SourceKind
    /// The client id, peer system id, learner id or connection id it came from.
    public var sourceId: String
    /// When Vita first received this credential.
    public var receivedAt: Date
    /// When the stored version was received.
    public var updatedAt: Date

    /// Creates a held credential; the digest is computed from `document`.
    public init(id: String, learnerId: String, service: Service, format: Format, issuerKey: String, credentialKey: String,
                validFrom: String?, document: String, sourceKind: SourceKind, sourceId: String, receivedAt: Date,
                updatedAt: Date) {
        self.id = id
        self.learnerId = learnerId
        self.service = service
        self.format = format
        self.issuerKey = issuerKey
        self.credentialKey = credentialKey
        self.validFrom = validFrom
        self.document = document
        self.digest = ContentDigest.sha256(Array(document.utf8))
        self.sourceKind = sourceKind
        self.sourceId = sourceId
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
    }
}

extension StoreTransaction {
    /// The held credential of `learnerId` with the same identity (service, issuer and credential id), if any.
    public func heldCredential(learnerId: String, service: HeldCredential.Service, issuerKey: String,
                               credentialKey: String) async throws -> HeldCredential? {
        try await db.raw("""
            SELECT * FROM held_credentials WHERE learner_id = \(bind: learnerId) AND service = \(bind: service.rawValue)
            AND issuer_key = \(bind: issuerKey) AND credential_key = \(bind: credentialKey)
            """).first().map(heldCredential(from:))
    }

    /// Stores a credential the learner did not hold yet.
    public func insert(_ held: HeldCredential) async throws {
        try await db.raw("""
            INSERT INTO held_credentials (id, learner_id, service, format, issuer_key, credential_key, valid_from, document,
              digest, source_kind, source_id, received_at, updated_at)
            VALUES (\(bind: held.id), \(bind: held.learnerId), \(bind: held.service.rawValue), \(bind: held.format.rawValue),
              \(bind: held.issuerKey), \(bind: held.credentialKey), \(bind: held.validFrom), \(bind: held.document),
              \(bind: held.digest), \(bind: held.sourceKind.rawValue), \(bind: held.sourceId),
              \(bind: Self.ms(held.receivedAt)), \(bind: Self.ms(held.updatedAt)))
            """).run()
    }

    /// Replaces the stored version of a held credential (same row, same identity) with `held`'s document.
    public func replace(_ held: HeldCredential) async throws {
        try await db.raw("""
            UPDATE held_credentials SET format = \(bind: held.format.rawValue), valid_from = \(bind: held.validFrom),
              document = \(bind: held.document), digest = \(bind: held.digest), source_kind = \(bind: held.sourceKind.rawValue),
              source_id = \(bind: held.sourceId), updated_at = \(bind: Self.ms(held.updatedAt))
            WHERE id = \(bind: held.id)
            """).run()
    }

    /// The credentials a learner holds for `service` (all services when nil), in the order they were first received.
    public func heldCredentials(learnerId: String, service: HeldCredential.Service?) async throws -> [HeldCredential] {
        let rows: [any SQLRow]
        if let service {
            rows = try await db.raw("""
                SELECT * FROM held_credentials WHERE learner_id = \(bind: learnerId) AND service = \(bind: service.rawValue)
                ORDER BY received_at, id
                """).all()
        } else {
            rows = try await db.raw("""
                SELECT * FROM held_credentials WHERE learner_id = \(bind: learnerId) ORDER BY received_at, id
                """).all()
        }
        return try rows.map(heldCredential(from:))
    }

    /// A page of the credentials a learner holds, in id order (the order they were received in), after the cursor.
    public func heldCredentials(learnerId: String, after cursor: String?, limit: Int) async throws -> Page<HeldCredential> {
        try await pageByID("held_credentials", where: "learner_id = \(bind: learnerId)", after: cursor, limit: limit,
                           id: \.id, heldCredential(from:))
    }

    private func heldCredential(from row: any SQLRow) throws -> HeldCredential {
        let serviceText = try row.decode(column: "service", as: String.self)
        let formatText = try row.decode(column: "format", as: String.self)
        let sourceText = try row.decode(column: "source_kind", as: String.self)
        guard let service = HeldCredential.Service(rawValue: serviceText),
              let format = HeldCredential.Format(rawValue: formatText),
              let sourceKind = HeldCredential.SourceKind(rawValue: sourceText) else {
            throw StorageError(.corrupt, "a held credential has an unknown service, format or source")
        }
        var held = HeldCredential(
            id: try row.decode(column: "id", as: String.self),
            learnerId: try row.decode(column: "learner_id", as: String.self), service: service, format: format,
            issuerKey: try row.decode(column: "issuer_key", as: String.self),
            credentialKey: try row.decode(column: "credential_key", as: String.self),
            validFrom: try row.decode(column: "valid_from", as: String?.self),
            document: try row.decode(column: "document", as: String.self), sourceKind: sourceKind,
            sourceId: try row.decode(column: "source_id", as: String.self),
            receivedAt: Self.date(try row.decode(column: "received_at", as: Int64.self)),
            updatedAt: Self.date(try row.decode(column: "updated_at", as: Int64.self)))
        held.digest = try row.decode(column: "digest", as: String.self)
        return held
    }

    /// The profile a 1EdTech client last put for the learner on `service` (JSON), if any.
    public func serviceProfile(learnerId: String, service: HeldCredential.Service) async throws -> String? {
        try await db.raw("""
            SELECT document FROM learner_service_profiles WHERE learner_id = \(bind: learnerId) AND service = \(bind: service.rawValue)
            """).first()?.decode(column: "document", as: String.self)
    }

    /// Stores the learner's profile on `service`, replacing the previous one.
    public func setServiceProfile(learnerId: String, service: HeldCredential.Service, document: String, at time: Date) async throws {
        try await db.raw("""
            INSERT INTO learner_service_profiles (learner_id, service, document, updated_at)
            VALUES (\(bind: learnerId), \(bind: service.rawValue), \(bind: document), \(bind: Self.ms(time)))
            ON CONFLICT (learner_id, service) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at
            """).run()
    }
}
