import Foundation
import SQLKit
import VitaCore
import VitaJSON

/// A page of a list, with the cursor to the next page when there is one.
public struct Page<Item: Sendable>: Sendable {
    /// The items on this page.
    public var items: [Item]
    /// Pass this back to get the next page; nil on the last page.
    public var nextCursor: String?

    /// Creates a page.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// A stored response to a POST with an `Idempotency-Key`, replayed when the same key comes again.
public struct IdempotentResponse: Sendable, Equatable {
    /// The digest of the request that produced it (method, path, body).
    public var requestDigest: String
    /// The HTTP status.
    public var status: Int
    /// The `Location` header, if any.
    public var location: String?
    /// The response body.
    public var body: String

    /// Creates a stored response.
    public init(requestDigest: String, status: Int, location: String?, body: String) {
        self.requestDigest = requestDigest
        self.status = status
        self.location = location
        self.body = body
    }
}

/// A definition as stored with its version: 1 when created, one more with each update. An update names the version it
/// changes and fails (`versionConflict`) when another update came first.
public struct Versioned<Value: Sendable>: Sendable {
    /// The definition.
    public var value: Value
    /// Its version.
    public var version: Int

    /// Pairs a definition with its version.
    public init(_ value: Value, version: Int) {
        self.value = value
        self.version = version
    }
}

/// A connected system with the hash of its API key secret (what checking a key takes), and after a rotation the hash
/// of the key it replaced with the time that key stops working.
public struct KeyedSystem: Sendable, Equatable {
    public var system: ConnectedSystem
    public var keyHash: String
    public var previousKeyHash: String?
    public var previousKeyUntil: Date?

    /// Creates a keyed system.
    public init(system: ConnectedSystem, keyHash: String, previousKeyHash: String? = nil, previousKeyUntil: Date? = nil) {
        self.system = system
        self.keyHash = keyHash
        self.previousKeyHash = previousKeyHash
        self.previousKeyUntil = previousKeyUntil
    }

    /// The key hashes that open the system at `now`: the current one, and the replaced one until its time is up.
    public func keyHashes(at now: Date) -> [String] {
        guard let previousKeyHash, let previousKeyUntil, now < previousKeyUntil else { return [keyHash] }
        return [keyHash, previousKeyHash]
    }
}

/// The repository operations, all inside one database transaction.
public struct StoreTransaction: Sendable {
    /// The session the transaction runs on.
    public let db: any SQLDatabase
    /// The engine behind it.
    public let engine: VitaDatabase.Engine
    /// The record changes noted in this transaction, stored as it commits.
    let pendingChanges = PendingRecordChanges()
    /// What this transaction already did that need not be done again in it.
    let memo = TransactionMemo()

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    static let decoder = JSONDecoder()

    func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try Self.encoder.encode(value), as: UTF8.self)
    }

    func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try Self.decoder.decode(type, from: Data(text.utf8))
        } catch {
            throw StorageError(.corrupt, "a stored \(T.self) could not be decoded")
        }
    }

    /// A stored JSON array of names (an agreement's categories or permissions), parsed by VitaJSON: every access
    /// decision reads these, and Foundation's `JSONDecoder` cost more than the rest of reading an agreement.
    func decodeNames<T: RawRepresentable>(_ type: T.Type, _ text: String) throws -> [T] where T.RawValue == String {
        func value(_ name: String?) throws -> T {
            guard let name, let value = T(rawValue: name) else { throw StorageError(.corrupt, "a stored \(T.self) is unknown") }
            return value
        }
        if let names = Self.compactNames(text) { return try names.map(value) }
        guard case .array(let items)? = try? JSONValue(parsing: text) else {
            throw StorageError(.corrupt, "a stored list of \(T.self) is not a JSON array")
        }
        return try items.map { try value($0.stringValue) }
    }

    /// The names of an array in the compact form Vita writes (`["read","write"]`: no spaces, no escapes), read in one
    /// pass over its bytes; nil for any other text, which is then parsed as JSON.
    static func compactNames(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            let quote = UInt8(ascii: "\""), end = bytes.count - 1
            guard bytes.count >= 2, bytes[0] == UInt8(ascii: "["), bytes[end] == UInt8(ascii: "]") else { return nil }
            var names: [String] = []
            var index = 1
            while index < end {
                // `"name"`, then `,` before the next one.
                if !names.isEmpty {
                    guard bytes[index] == UInt8(ascii: ",") else { return nil }
                    index += 1
                }
                guard index < end, bytes[index] == quote else { return nil }
                var close = index + 1
                while close < end, bytes[close] != quote {
                    if bytes[close] == UInt8(ascii: "\\") { return nil }
                    close += 1
                }
                guard close < end else { return nil }
                names.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[(index + 1)..<close]), as: UTF8.self))
                index = close + 1
            }
            return names
        }
    }

    static func ms(_ date: Date) -> Int64 { Timestamp.milliseconds(date) }
    static func date(_ ms: Int64) -> Date { Timestamp.date(milliseconds: ms) }

    /// Decodes an opaque cursor into the key it stands for.
    public static func cursorKey(_ cursor: String?) throws -> String? {
        guard let cursor, !cursor.isEmpty else { return nil }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let key = String(data: data, encoding: .utf8),
              key.hasPrefix("c1:") else {
            throw VitaCoreError.invalidField("cursor", "is not a cursor this server issued")
        }
        return String(key.dropFirst(3))
    }

    /// Encodes a key as an opaque cursor.
    public static func cursor(for key: String) -> String {
        Data(("c1:" + key).utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A page of the rows of `table` that meet `condition`, in id order, after the cursor, each read by `decode`.
    func pageByID<T>(_ table: String, where condition: SQLQueryString, after cursor: String?, limit: Int,
                     id: (T) -> String, _ decode: (any SQLRow) throws -> T) async throws -> Page<T> {
        let after = try Self.cursorKey(cursor) ?? ""
        let rows = try await db.raw("""
            SELECT * FROM \(ident: table) WHERE \(condition) AND id > \(bind: after) ORDER BY id LIMIT \(bind: limit + 1)
            """).all().map(decode)
        return page(rows, limit: limit, key: id)
    }

    /// The condition that a row's `organization_id` is one of `organizations` (every row when nil; none when empty).
    static func organizationCondition(_ organizations: Set<String>?) -> SQLQueryString {
        guard let organizations else { return "1 = 1" }
        guard !organizations.isEmpty else { return "1 = 0" }
        return "organization_id IN (\(SQLList(organizations.sorted().map { SQLBind($0) })))"
    }

    func page<T>(_ rows: [T], limit: Int, key: (T) -> String) -> Page<T> {
        if rows.count > limit {
            let items = Array(rows.prefix(limit))
            return Page(items: items, nextCursor: Self.cursor(for: key(items.last!)))
        }
        return Page(items: rows, nextCursor: nil)
    }

    // MARK: Organizations

    /// Stores a new organization.
    public func insert(_ organization: Organization) async throws {
        try await db.raw("""
            INSERT INTO organizations (id, name, kind, identifiers, url, email, description, image, created_at) VALUES
            (\(bind: organization.id), \(bind: organization.name), \(bind: organization.kind.rawValue),
             \(bind: try json(organization.identifiers)), \(bind: organization.url), \(bind: organization.email),
             \(bind: organization.description), \(bind: organization.image), \(bind: Self.ms(organization.createdAt)))
            """).run()
    }

    private func organization(from row: any SQLRow) throws -> Organization {
        Organization(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            kind: Organization.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .other,
            identifiers: try decodeJSON([Identifier].self, try row.decode(column: "identifiers", as: String.self)),
            url: try row.decode(column: "url", as: String?.self), email: try row.decode(column: "email", as: String?.self),
            description: try row.decode(column: "description", as: String?.self),
            image: try row.decode(column: "image", as: String?.self),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)))
    }

    /// The organization with `id`, if any.
    public func organization(id: String) async throws -> Organization? {
        try await db.raw("SELECT * FROM organizations WHERE id = \(bind: id)").first().map(organization(from:))
    }

    /// The organization with `id` and its version, if any.
    public func versionedOrganization(id: String) async throws -> Versioned<Organization>? {
        try await versionedRow("organizations", id: id, organization(from:))
    }

    /// The row of `table` with `id`, as `decode` makes it, with its `version` column.
    private func versionedRow<T: Sendable>(_ table: String, id: String,
                                           _ decode: (any SQLRow) throws -> T) async throws -> Versioned<T>? {
        try await db.raw("SELECT * FROM \(ident: table) WHERE id = \(bind: id)").first().map {
            Versioned(try decode($0), version: try $0.decode(column: "version", as: Int.self))
        }
    }

    /// Stores an organization's corrected name, kind, identifiers and profile as the version after `expectedVersion`;
    /// throws `versionConflict` when it is no longer at that version.
    public func update(_ organization: Organization, expectedVersion: Int) async throws {
        let rows = try await db.raw("""
            UPDATE organizations SET name = \(bind: organization.name), kind = \(bind: organization.kind.rawValue),
              identifiers = \(bind: try json(organization.identifiers)), url = \(bind: organization.url),
              email = \(bind: organization.email), description = \(bind: organization.description),
              image = \(bind: organization.image), version = \(bind: expectedVersion + 1)
            WHERE id = \(bind: organization.id) AND version = \(bind: expectedVersion) RETURNING id
            """).all()
        if rows.isEmpty { throw StorageError(.versionConflict, "the organization was changed by someone else") }
    }

    /// Organizations in creation order.
    public func organizations(after cursor: String?, limit: Int) async throws -> Page<Organization> {
        let after = try Self.cursorKey(cursor) ?? ""
        let rows = try await db.raw("""
            SELECT * FROM organizations WHERE id > \(bind: after) ORDER BY id LIMIT \(bind: limit + 1)
            """).all().map(organization(from:))
        return page(rows, limit: limit, key: \.id)
    }

    // MARK: Connected systems and admin keys

    /// Stores a new connected system with the hash of its API key secret.
    public func insert(_ system: ConnectedSystem, keyHash: String) async throws {
        try await db.raw("""
            INSERT INTO connected_systems (id, organization_id, name, kind, key_hash, created_at, revoked_at) VALUES
            (\(bind: system.id), \(bind: system.organizationId), \(bind: system.name), \(bind: system.kind.rawValue),
             \(bind: keyHash), \(bind: Self.ms(system.createdAt)), \(bind: system.revokedAt.map(Self.ms)))
            """).run()
    }

    func system(from row: any SQLRow) throws -> ConnectedSystem {
        ConnectedSystem(
            id: try row.decode(column: "id", as: String.self),
            organizationId: try row.decode(column: "organization_id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            kind: ConnectedSystem.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .other,
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Self.date))
    }

    /// The connected system with `id` and its key hash, if any.
    public func system(id: String) async throws -> KeyedSystem? {
        guard let row = try await db.raw("SELECT * FROM connected_systems WHERE id = \(bind: id)").first() else { return nil }
        return try keyedSystem(from: row)
    }

    /// The connected system with `id` and its version, if any.
    public func versionedSystem(id: String) async throws -> Versioned<ConnectedSystem>? {
        try await versionedRow("connected_systems", id: id, system(from:))
    }

    /// Stores a connected system's corrected name and kind as the version after `expectedVersion`; throws
    /// `versionConflict` when it is no longer at that version.
    public func update(_ system: ConnectedSystem, expectedVersion: Int) async throws {
        let rows = try await db.raw("""
            UPDATE connected_systems SET name = \(bind: system.name), kind = \(bind: system.kind.rawValue),
              version = \(bind: expectedVersion + 1)
            WHERE id = \(bind: system.id) AND version = \(bind: expectedVersion) RETURNING id
            """).all()
        if rows.isEmpty { throw StorageError(.versionConflict, "the system was changed by someone else") }
    }

    func keyedSystem(from row: any SQLRow) throws -> KeyedSystem {
        KeyedSystem(system: try system(from: row), keyHash: try row.decode(column: "key_hash", as: String.self),
                    previousKeyHash: try row.decode(column: "previous_key_hash", as: String?.self),
                    previousKeyUntil: try row.decode(column: "previous_key_until", as: Int64?.self).map(Self.date))
    }

    /// Gives an unrevoked system the key `keyHash`; the key it had keeps working until `previousUntil` (nil: it stops
    /// now). False when there is no such unrevoked system.
    public func rotateSystemKey(id: String, keyHash: String, previousUntil: Date?) async throws -> Bool {
        let previous: SQLQueryString = if let previousUntil {
            "previous_key_hash = key_hash, previous_key_until = \(bind: Self.ms(previousUntil))"
        } else {
            "previous_key_hash = NULL, previous_key_until = NULL"
        }
        return try await !db.raw("""
            UPDATE connected_systems SET \(previous), key_hash = \(bind: keyHash)
            WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id
            """).all().isEmpty
    }

    /// Connected systems in creation order.
    public func systems(organizationId: String? = nil, after cursor: String?, limit: Int) async throws -> Page<ConnectedSystem> {
        let after = try Self.cursorKey(cursor) ?? ""
        var query: SQLQueryString = "SELECT * FROM connected_systems WHERE id > \(bind: after)"
        if let organizationId { query += " AND organization_id = \(bind: organizationId)" }
        query += " ORDER BY id LIMIT \(bind: limit + 1)"
        let rows = try await db.raw(query).all().map(system(from:))
        return page(rows, limit: limit, key: \.id)
    }

    /// Marks a system's key revoked; returns false when there is no such system.
    public func revokeSystem(id: String, at: Date) async throws -> Bool {
        let rows = try await db.raw("""
            UPDATE connected_systems SET revoked_at = \(bind: Self.ms(at)) WHERE id = \(bind: id) AND revoked_at IS NULL
            RETURNING id
            """).all()
        if rows.isEmpty { return try await system(id: id) != nil }
        return true
    }

    /// Stores a new admin key hash.
    public func insertAdminKey(id: String, keyHash: String, at: Date) async throws {
        try await db.raw("""
            INSERT INTO admin_keys (id, key_hash, created_at) VALUES (\(bind: id), \(bind: keyHash), \(bind: Self.ms(at)))
            """).run()
    }

    /// The hash of an unrevoked admin key, if any.
    public func adminKeyHash(id: String) async throws -> String? {
        try await db.raw("SELECT key_hash FROM admin_keys WHERE id = \(bind: id) AND revoked_at IS NULL")
            .first()?.decode(column: "key_hash", as: String.self)
    }

    // MARK: Agreements and consents

    /// Stores a new agreement.
    public func insert(_ agreement: Agreement) async throws {
        try await db.raw("""
            INSERT INTO agreements (id, provider_organization_id, consumer_system_id, categories, permissions, purpose,
              valid_from, valid_until, consent_required, status, version, created_at, updated_at) VALUES
            (\(bind: agreement.id), \(bind: agreement.providerOrganizationId), \(bind: agreement.consumerSystemId),
             \(bind: try json(agreement.categories)), \(bind: try json(agreement.permissions)), \(bind: agreement.purpose),
             \(bind: Self.ms(agreement.validFrom)), \(bind: agreement.validUntil.map(Self.ms)),
             \(bind: agreement.consentRequired ? 1 : 0), \(bind: agreement.status.rawValue), \(bind: agreement.version),
             \(bind: Self.ms(agreement.createdAt)), \(bind: Self.ms(agreement.updatedAt)))
            """).run()
    }

    /// Replaces an agreement if its stored version is `expectedVersion`; throws `versionConflict` otherwise.
    public func update(_ agreement: Agreement, expectedVersion: Int) async throws {
        let rows = try await db.raw("""
            UPDATE agreements SET categories = \(bind: try json(agreement.categories)),
              permissions = \(bind: try json(agreement.permissions)), purpose = \(bind: agreement.purpose),
              valid_from = \(bind: Self.ms(agreement.validFrom)), valid_until = \(bind: agreement.validUntil.map(Self.ms)),
              consent_required = \(bind: agreement.consentRequired ? 1 : 0), status = \(bind: agreement.status.rawValue),
              version = \(bind: agreement.version), updated_at = \(bind: Self.ms(agreement.updatedAt))
            WHERE id = \(bind: agreement.id) AND version = \(bind: expectedVersion) RETURNING id
            """).all()
        if rows.isEmpty { throw StorageError(.versionConflict, "the agreement was changed by someone else") }
    }

    func agreement(from row: any SQLRow) throws -> Agreement {
        Agreement(
            id: try row.decode(column: "id", as: String.self),
            providerOrganizationId: try row.decode(column: "provider_organization_id", as: String.self),
            consumerSystemId: try row.decode(column: "consumer_system_id", as: String.self),
            categories: try decodeNames(RecordCategory.self, try row.decode(column: "categories", as: String.self)),
            permissions: try decodeNames(Permission.self, try row.decode(column: "permissions", as: String.self)),
            purpose: try row.decode(column: "purpose", as: String.self),
            validFrom: Self.date(try row.decode(column: "valid_from", as: Int64.self)),
            validUntil: try row.decode(column: "valid_until", as: Int64?.self).map(Self.date),
            consentRequired: try row.decode(column: "consent_required", as: Int.self) != 0,
            status: Agreement.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .suspended,
            version: try row.decode(column: "version", as: Int.self),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Self.date(try row.decode(column: "updated_at", as: Int64.self)))
    }

    /// The agreement with `id`, if any.
    public func agreement(id: String) async throws -> Agreement? {
        try await db.raw("SELECT * FROM agreements WHERE id = \(bind: id)").first().map(agreement(from:))
    }

    /// Every agreement whose consumer is `systemId`.
    public func agreements(consumer systemId: String) async throws -> [Agreement] {
        try await db.raw("SELECT * FROM agreements WHERE consumer_system_id = \(bind: systemId) ORDER BY id")
            .all().map(agreement(from:))
    }

    /// Agreements in creation order.
    public func agreements(organizationId: String? = nil, after cursor: String?, limit: Int) async throws -> Page<Agreement> {
        let after = try Self.cursorKey(cursor) ?? ""
        var query: SQLQueryString = "SELECT * FROM agreements WHERE id > \(bind: after)"
        // An organization's agreements: those it provides under, and those its systems consume.
        if let organizationId {
            query += """
                 AND (provider_organization_id = \(bind: organizationId)
                  OR consumer_system_id IN (SELECT id FROM connected_systems WHERE organization_id = \(bind: organizationId)))
                """
        }
        query += " ORDER BY id LIMIT \(bind: limit + 1)"
        let rows = try await db.raw(query).all().map(agreement(from:))
        return page(rows, limit: limit, key: \.id)
    }

    /// Stores a new consent.
    public func insert(_ consent: Consent) async throws {
        try await db.raw("""
            INSERT INTO consents (id, learner_id, agreement_id, granted_at, withdrawn_at) VALUES
            (\(bind: consent.id), \(bind: consent.learnerId), \(bind: consent.agreementId),
             \(bind: Self.ms(consent.grantedAt)), \(bind: consent.withdrawnAt.map(Self.ms)))
            """).run()
    }

    func consent(from row: any SQLRow) throws -> Consent {
        Consent(
            id: try row.decode(column: "id", as: String.self),
            learnerId: try row.decode(column: "learner_id", as: String.self),
            agreementId: try row.decode(column: "agreement_id", as: String.self),
            grantedAt: Self.date(try row.decode(column: "granted_at", as: Int64.self)),
            withdrawnAt: try row.decode(column: "withdrawn_at", as: Int64?.self).map(Self.date))
    }

    /// Every consent a learner gave, in force or withdrawn.
    public func consents(learnerId: String) async throws -> [Consent] {
        try await db.raw("SELECT * FROM consents WHERE learner_id = \(bind: learnerId) ORDER BY id").all().map(consent(from:))
    }

    /// A page of the consents a learner gave, oldest first, after the cursor.
    public func consents(learnerId: String, after cursor: String?, limit: Int) async throws -> Page<Consent> {
        try await pageByID("consents", where: "learner_id = \(bind: learnerId)", after: cursor, limit: limit,
                           id: \.id, consent(from:))
    }

    /// Every consent the learners with `ids` gave to one of `agreementIds`, in force or withdrawn (one query per few
    /// hundred learners).
    public func consents(learnerIds: [String], agreementIds: [String]) async throws -> [Consent] {
        guard !agreementIds.isEmpty else { return [] }
        var found: [Consent] = []
        for chunk in Self.chunks(Array(Set(learnerIds)).sorted()) {
            found += try await db.raw("""
                SELECT * FROM consents WHERE learner_id IN (\(SQLList(chunk.map { SQLBind($0) })))
                AND agreement_id IN (\(SQLList(agreementIds.map { SQLBind($0) })))
                """).all().map(consent(from:))
        }
        return found
    }

    /// The consents given to an agreement, in force or withdrawn, oldest first, a page at a time.
    public func consents(agreementId: String, after cursor: String?, limit: Int) async throws -> Page<Consent> {
        let after = try Self.cursorKey(cursor) ?? ""
        let rows = try await db.raw("""
            SELECT * FROM consents WHERE agreement_id = \(bind: agreementId) AND id > \(bind: after)
            ORDER BY id LIMIT \(bind: limit + 1)
            """).all().map(consent(from:))
        return page(rows, limit: limit, key: \.id)
    }

    /// One consent of a learner, or nil.
    public func consent(id: String, learnerId: String) async throws -> Consent? {
        try await db.raw("SELECT * FROM consents WHERE id = \(bind: id) AND learner_id = \(bind: learnerId)")
            .first().map(consent(from:))
    }

    /// Withdraws a consent; returns the consent as it now stands, or nil when there is none with `id` for the learner.
    public func withdrawConsent(id: String, learnerId: String, at: Date) async throws -> Consent? {
        try await db.raw("""
            UPDATE consents SET withdrawn_at = \(bind: Self.ms(at))
            WHERE id = \(bind: id) AND learner_id = \(bind: learnerId) AND withdrawn_at IS NULL
            """).run()
        return try await consent(id: id, learnerId: learnerId)
    }

    // MARK: Learners

    struct LearnerBody: Codable {
        var name: Learner.Name?
        var identifiers: [Identifier]
        var birthDate: CalendarDate?
    }

    /// Stores a new learner at version 1.
    public func insert(_ learner: Learner) async throws {
        try await insertNew([learner])
    }

    /// Stores new learners at version 1, as ``insert(_:)-(Learner)`` does for one: a few hundred take four statements
    /// (the learners, their first versions, their profile generations, their identifiers) rather than four each.
    public func insertNew(_ learners: [Learner]) async throws {
        let bodies = try learners.map {
            try json(LearnerBody(name: $0.name, identifiers: $0.identifiers, birthDate: $0.birthDate))
        }
        try await insertRows(into: "learners", columns: ["id", "version", "body", "created_at", "updated_at"],
                             rows: zip(learners, bodies).map { learner, body in
                                 [learner.id, learner.version, body, Self.ms(learner.createdAt), Self.ms(learner.updatedAt)]
                             })
        try await insertRows(into: "learner_versions", columns: ["learner_id", "version", "body", "recorded_at"],
                             rows: zip(learners, bodies).map { learner, body in
                                 [learner.id, learner.version, body, Self.ms(learner.updatedAt)]
                             })
        try await insertRows(into: "profile_generations", columns: ["learner_id", "generation"],
                             rows: learners.map { [$0.id, 0] })
        try await indexIdentifiers(of: learners)
        try await indexNames(of: learners)
    }

    /// Adds the words of the names of `learners` (not erased) to `learner_name_words` (``NameWords``).
    func indexNames(of learners: [Learner]) async throws {
        let rows: [[any Encodable & Sendable]] = learners.filter { $0.erasure == nil }.flatMap { learner in
            (learner.name.map(NameWords.words(of:)) ?? []).map { [$0, learner.id] }
        }
        try await insertRows(into: "learner_name_words", columns: ["word", "learner_id"], rows: rows)
    }

    /// The learners whose names have, for each word of `search` (``NameWords``), a word beginning with it, and with
    /// `holder`, only those that organization holds; by id, a page of `limit` after `cursor`. A search without a word
    /// finds no one.
    public func learners(named search: String, holder: String?, after cursor: String? = nil, limit: Int) async throws -> Page<Learner> {
        let words = NameWords.words(of: search).prefix(NameWords.maximumSearchWords)
        guard let first = words.first else { return Page(items: [], nextCursor: nil) }
        let after = try Self.cursorKey(cursor) ?? ""
        // Each word is a range of the index (its column compares bytes on both engines): from the word to the word with
        // its last character's successor.
        func range(_ column: String, _ word: String) -> SQLQueryString {
            "\(unsafeRaw: column) >= \(bind: word) AND \(unsafeRaw: column) < \(bind: Self.successor(ofPrefix: word))"
        }
        // The page's ids are found from the index alone (a common prefix matches thousands of words), then their learners
        // read.
        var ids: SQLQueryString = """
            SELECT DISTINCT w.learner_id FROM learner_name_words w WHERE \(range("w.word", first)) AND w.learner_id > \(bind: after)
            """
        for word in words.dropFirst() {
            ids += """
                 AND EXISTS (SELECT 1 FROM learner_name_words o WHERE o.learner_id = w.learner_id AND \(range("o.word", word)))
                """
        }
        ids += Self.held(by: holder, learnerIn: "w.learner_id")
        ids += " ORDER BY w.learner_id LIMIT \(bind: limit + 1)"
        let query: SQLQueryString = "SELECT * FROM learners WHERE id IN (\(ids)) ORDER BY id"
        return page(try await db.raw(query).all().map(learner(from:)), limit: limit, key: \.id)
    }

    /// ` AND` the learner whose id is in `column` is held by `holder`; nothing without a holder (a search of every
    /// learner).
    static func held(by holder: String?, learnerIn column: String) -> SQLQueryString {
        guard let holder else { return "" }
        return """
             AND EXISTS (SELECT 1 FROM learner_holders h WHERE h.learner_id = \(unsafeRaw: column) AND h.organization_id = \(bind: holder))
            """
    }

    /// The least string greater than every string that begins with `prefix`, in code point order: the prefix with its
    /// last character's successor (surrogates skipped).
    static func successor(ofPrefix prefix: String) -> String {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            var next = last.value + 1
            if (0xD800 ... 0xDFFF).contains(next) { next = 0xE000 }
            if let scalar = Unicode.Scalar(next) {
                scalars.append(scalar)
                return String(String.UnicodeScalarView(scalars))
            }
        }
        return prefix + "\u{10FFFF}"
    }

    /// Adds the identifiers of `learners` (not erased) to `learner_identifiers`, by their lowercased values.
    func indexIdentifiers(of learners: [Learner]) async throws {
        let rows: [[any Encodable & Sendable]] = learners.filter { $0.erasure == nil }.flatMap { learner in
            Set(learner.identifiers.map { [$0.value.lowercased(), $0.scheme.rawValue] }).map { key in [key[0], key[1], learner.id] }
        }
        try await insertRows(into: "learner_identifiers", columns: ["value_key", "scheme", "learner_id"], rows: rows)
    }

    /// The learners with an identifier whose value is `value` (compared without regard to case), of `scheme` when given,
    /// and with `holder`, only those that organization holds; by id, a page of `limit` after `cursor`.
    public func learners(identifiedBy value: String, scheme: Identifier.Scheme?, holder: String?, after cursor: String? = nil,
                         limit: Int) async throws -> Page<Learner> {
        let after = try Self.cursorKey(cursor) ?? ""
        var query: SQLQueryString = """
            SELECT DISTINCT l.* FROM learner_identifiers i JOIN learners l ON l.id = i.learner_id
            WHERE i.value_key = \(bind: value.lowercased()) AND l.id > \(bind: after)
            """
        if let scheme { query += " AND i.scheme = \(bind: scheme.rawValue)" }
        query += Self.held(by: holder, learnerIn: "l.id")
        query += " ORDER BY l.id LIMIT \(bind: limit + 1)"
        return page(try await db.raw(query).all().map(learner(from:)), limit: limit, key: \.id)
    }

    /// Stores a new version of a learner if the stored version is `expectedVersion`.
    public func update(_ learner: Learner, expectedVersion: Int) async throws {
        let body = try json(LearnerBody(name: learner.name, identifiers: learner.identifiers, birthDate: learner.birthDate))
        let rows = try await db.raw("""
            UPDATE learners SET version = \(bind: learner.version), body = \(bind: body),
              updated_at = \(bind: Self.ms(learner.updatedAt))
            WHERE id = \(bind: learner.id) AND version = \(bind: expectedVersion) AND erasure IS NULL RETURNING id
            """).all()
        if rows.isEmpty { throw StorageError(.versionConflict, "the learner was changed by someone else") }
        try await db.raw("""
            INSERT INTO learner_versions (learner_id, version, body, recorded_at) VALUES
            (\(bind: learner.id), \(bind: learner.version), \(bind: body), \(bind: Self.ms(learner.updatedAt)))
            """).run()
        try await db.raw("DELETE FROM learner_identifiers WHERE learner_id = \(bind: learner.id)").run()
        try await indexIdentifiers(of: [learner])
        try await db.raw("DELETE FROM learner_name_words WHERE learner_id = \(bind: learner.id)").run()
        try await indexNames(of: [learner])
    }

    /// Erases a learner's personal fields in every version and in every record body, keeping ids, provenance and audit.
    public func erase(learnerId: String, tombstone: Tombstone) async throws {
        try await db.raw("""
            UPDATE learners SET body = NULL, erasure = \(bind: try json(tombstone)), version = version + 1,
              updated_at = \(bind: Self.ms(tombstone.at)) WHERE id = \(bind: learnerId)
            """).run()
        try await db.raw("UPDATE learner_versions SET body = NULL WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("DELETE FROM learner_identifiers WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("DELETE FROM learner_name_words WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("""
            UPDATE records SET body = NULL, deletion = \(bind: try json(tombstone)) WHERE learner_id = \(bind: learnerId)
            """).run()
        let erased = try await db.raw("""
            SELECT * FROM records WHERE learner_id = \(bind: learnerId) AND is_current = 1 ORDER BY id
            """).all().map(record(from:))
        for record in erased { noteRecordChange(record, kind: .erased, at: tombstone.at) }
        try await invalidateProfiles(learnerId: learnerId)
        // What the learner's applications put here is the learner's own data: it goes entirely.
        try await db.raw("DELETE FROM held_credentials WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("DELETE FROM learner_service_profiles WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("DELETE FROM platform_connections WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("""
            DELETE FROM share_openings WHERE share_id IN (SELECT id FROM share_links WHERE learner_id = \(bind: learnerId))
            """).run()
        try await db.raw("DELETE FROM share_links WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("DELETE FROM collections WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("DELETE FROM credential_offers WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("DELETE FROM holder_keys WHERE learner_id = \(bind: learnerId)").run()
        // Stored responses to the writes about the learner (for idempotent replay) hold the learner's data.
        try await db.raw("DELETE FROM idempotency_keys WHERE learner_id = \(bind: learnerId)").run()
        try await endWebSessions(kind: "learner", subjectId: learnerId)
        // The learner signs in no more: the account (the login name is personal data) goes, and every application's
        // approval, code and token stops working at once.
        try await db.raw("DELETE FROM learner_accounts WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("DELETE FROM oauth_codes WHERE learner_id = \(bind: learnerId)").run()
        try await db.raw("""
            UPDATE oauth_tokens SET revoked_at = \(bind: Self.ms(tombstone.at)) WHERE learner_id = \(bind: learnerId) AND revoked_at IS NULL
            """).run()
        try await db.raw("""
            UPDATE oauth_approvals SET revoked_at = \(bind: Self.ms(tombstone.at)) WHERE learner_id = \(bind: learnerId) AND revoked_at IS NULL
            """).run()
        try await completeErasureRequests(learnerId: learnerId, at: tombstone.at)
    }

    private func learner(from row: any SQLRow) throws -> Learner {
        let body = try row.decode(column: "body", as: String?.self).map { try decodeJSON(LearnerBody.self, $0) }
        return Learner(
            id: try row.decode(column: "id", as: String.self),
            name: body?.name,
            identifiers: body?.identifiers ?? [],
            birthDate: body?.birthDate,
            version: try row.decode(column: "version", as: Int.self),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Self.date(try row.decode(column: "updated_at", as: Int64.self)),
            erasure: try row.decode(column: "erasure", as: String?.self).map { try decodeJSON(Tombstone.self, $0) })
    }

    /// The learner with `id`, if any.
    public func learner(id: String) async throws -> Learner? {
        try await db.raw("SELECT * FROM learners WHERE id = \(bind: id)").first().map(learner(from:))
    }

    /// The learners with `ids` that exist, by id (one query per few hundred ids).
    public func learners(ids: [String]) async throws -> [String: Learner] {
        var found: [String: Learner] = [:]
        for chunk in Self.chunks(Array(Set(ids))) {
            for learner in try await db.raw("SELECT * FROM learners WHERE id IN (\(SQLList(chunk.map { SQLBind($0) })))")
                .all().map(learner(from:)) {
                found[learner.id] = learner
            }
        }
        return found
    }

    /// Splits ids into lists short enough for one `IN (…)`.
    static func chunks(_ ids: [String]) -> [[String]] {
        stride(from: 0, to: ids.count, by: 500).map { Array(ids[$0 ..< min($0 + 500, ids.count)]) }
    }

    /// Learners in creation order; with `holder`, only those that organization holds (by the holders' index).
    public func learners(heldBy holder: String? = nil, after cursor: String?, limit: Int) async throws -> Page<Learner> {
        let after = try Self.cursorKey(cursor) ?? ""
        let query: SQLQueryString = if let holder {
            """
            SELECT l.* FROM learner_holders h JOIN learners l ON l.id = h.learner_id
            WHERE h.organization_id = \(bind: holder) AND h.learner_id > \(bind: after) ORDER BY h.learner_id LIMIT \(bind: limit + 1)
            """
        } else {
            "SELECT * FROM learners WHERE id > \(bind: after) ORDER BY id LIMIT \(bind: limit + 1)"
        }
        return page(try await db.raw(query).all().map(learner(from:)), limit: limit, key: \.id)
    }

    // MARK: Competency definitions

    /// Stores a competency definition.
    public func insert(_ competency: Competency) async throws {
        try await insert([competency])
    }

    /// Stores new competencies, a few hundred to a statement (an import of a framework makes thousands).
    public func insert(_ competencies: [Competency]) async throws {
        try await insertRows(into: "competencies",
                             columns: ["id", "organization_id", "body", "created_at", "case_item_uri", "framework_id", "code"],
                             rows: try competencies.map { competency in
                                 [competency.id, competency.organizationId, try json(competency), Self.ms(competency.createdAt),
                                  competency.caseItemURI, competency.frameworkId, competency.code]
                             })
    }

    /// Replaces a competency's definition (an import of its framework changed its item) as its next version.
    public func update(_ competency: Competency) async throws {
        try await db.raw("""
            UPDATE competencies SET body = \(bind: try json(competency)), case_item_uri = \(bind: competency.caseItemURI),
            code = \(bind: competency.code), version = version + 1 WHERE id = \(bind: competency.id)
            """).run()
    }

    /// Stores a competency's corrected definition as the version after `expectedVersion`; throws `versionConflict`
    /// when it is no longer at that version.
    public func update(_ competency: Competency, expectedVersion: Int) async throws {
        let rows = try await db.raw("""
            UPDATE competencies SET body = \(bind: try json(competency)), case_item_uri = \(bind: competency.caseItemURI),
            code = \(bind: competency.code), version = \(bind: expectedVersion + 1)
            WHERE id = \(bind: competency.id) AND version = \(bind: expectedVersion) RETURNING id
            """).all()
        if rows.isEmpty { throw StorageError(.versionConflict, "the competency was changed by someone else") }
    }

    /// Every competency of an imported framework (retired ones too), oldest first.
    public func competencies(frameworkId: String) async throws -> [Competency] {
        try await db.raw("SELECT body FROM competencies WHERE framework_id = \(bind: frameworkId) ORDER BY id").all()
            .map { try decodeJSON(Competency.self, try $0.decode(column: "body", as: String.self)) }
    }

    /// A page of an imported framework's competencies, oldest first.
    public func competencies(frameworkId: String, after cursor: String?, limit: Int) async throws -> Page<Competency> {
        let after = try Self.cursorKey(cursor) ?? ""
        let rows = try await db.raw("""
            SELECT body FROM competencies WHERE framework_id = \(bind: frameworkId) AND id > \(bind: after)
            ORDER BY id LIMIT \(bind: limit + 1)
            """).all().map { try decodeJSON(Competency.self, try $0.decode(column: "body", as: String.self)) }
        return page(rows, limit: limit, key: \.id)
    }

    // MARK: Competency frameworks

    /// Stores a newly imported framework; throws `conflict` when the organization imported a framework with this
    /// CASE identifier meanwhile.
    public func insert(_ framework: CompetencyFramework) async throws {
        let rows = try await db.raw("""
            INSERT INTO competency_frameworks (id, organization_id, case_identifier, body, version, created_at) VALUES
            (\(bind: framework.id), \(bind: framework.organizationId), \(bind: framework.caseIdentifier),
             \(bind: try json(framework)), \(bind: framework.version), \(bind: Self.ms(framework.createdAt)))
            ON CONFLICT DO NOTHING RETURNING id
            """).all()
        if rows.isEmpty { throw StorageError(.conflict, "this organization already imported this framework") }
    }

    /// Stores a framework's next version; throws `versionConflict` when another import changed it meanwhile.
    public func update(_ framework: CompetencyFramework, expectedVersion: Int) async throws {
        let rows = try await db.raw("""
            UPDATE competency_frameworks SET body = \(bind: try json(framework)), version = \(bind: framework.version)
            WHERE id = \(bind: framework.id) AND version = \(bind: expectedVersion) RETURNING id
            """).all()
        if rows.isEmpty { throw StorageError(.versionConflict, "the framework was changed by another import") }
    }

    /// A framework by id.
    public func competencyFramework(id: String) async throws -> CompetencyFramework? {
        try await db.raw("SELECT body FROM competency_frameworks WHERE id = \(bind: id)").first()
            .map { try decodeJSON(CompetencyFramework.self, try $0.decode(column: "body", as: String.self)) }
    }

    /// The framework an organization imported from the CASE document `caseIdentifier`, if any.
    public func competencyFramework(organizationId: String, caseIdentifier: String) async throws -> CompetencyFramework? {
        try await db.raw("""
            SELECT body FROM competency_frameworks WHERE organization_id = \(bind: organizationId)
            AND case_identifier = \(bind: caseIdentifier)
            """).first()
            .map { try decodeJSON(CompetencyFramework.self, try $0.decode(column: "body", as: String.self)) }
    }

    /// Imported frameworks, oldest first; only `organizationId`'s when given.
    public func competencyFrameworks(organizationId: String?, after cursor: String?,
                                     limit: Int) async throws -> Page<CompetencyFramework> {
        let after = try Self.cursorKey(cursor) ?? ""
        let query: SQLQueryString = if let organizationId {
            """
            SELECT body FROM competency_frameworks WHERE organization_id = \(bind: organizationId) AND id > \(bind: after)
            ORDER BY id LIMIT \(bind: limit + 1)
            """
        } else {
            "SELECT body FROM competency_frameworks WHERE id > \(bind: after) ORDER BY id LIMIT \(bind: limit + 1)"
        }
        let rows = try await db.raw(query).all()
            .map { try decodeJSON(CompetencyFramework.self, try $0.decode(column: "body", as: String.self)) }
        return page(rows, limit: limit, key: \.id)
    }

    /// The competencies defined by the CASE item `uri`, oldest first.
    public func competencies(caseItemURI uri: String) async throws -> [Competency] {
        try await db.raw("SELECT body FROM competencies WHERE case_item_uri = \(bind: uri) ORDER BY id").all()
            .map { try decodeJSON(Competency.self, try $0.decode(column: "body", as: String.self)) }
    }

    /// Migration 23: the CASE item URI of every competency stored before the column existed.
    func fillCompetencyCaseItems() async throws {
        try await fillCompetencyColumn("case_item_uri", \.caseItemURI)
    }

    /// Migration 31: the code of every competency stored before the column existed.
    func fillCompetencyCodes() async throws {
        try await fillCompetencyColumn("code", \.code)
    }

    /// Copies a value of every competency's body into `column`, where the body has one.
    private func fillCompetencyColumn(_ column: String, _ value: KeyPath<Competency, String?>) async throws {
        var cursor: String?
        repeat {
            let page = try await competencies(after: cursor, limit: 500)
            for competency in page.items {
                guard let text = competency[keyPath: value] else { continue }
                try await db.raw("UPDATE competencies SET \(ident: column) = \(bind: text) WHERE id = \(bind: competency.id)").run()
            }
            cursor = page.nextCursor
        } while cursor != nil
    }

    /// Competencies with the code `code` (an imported item's `humanCodingScheme`), only `organizationId`'s when given,
    /// oldest first.
    public func competencies(code: String, organizationId: String?, after cursor: String?,
                             limit: Int) async throws -> Page<Competency> {
        let after = try Self.cursorKey(cursor) ?? ""
        let query: SQLQueryString = if let organizationId {
            """
            SELECT body FROM competencies WHERE code = \(bind: code) AND organization_id = \(bind: organizationId)
            AND id > \(bind: after) ORDER BY id LIMIT \(bind: limit + 1)
            """
        } else {
            "SELECT body FROM competencies WHERE code = \(bind: code) AND id > \(bind: after) ORDER BY id LIMIT \(bind: limit + 1)"
        }
        let rows = try await db.raw(query).all()
            .map { try decodeJSON(Competency.self, try $0.decode(column: "body", as: String.self)) }
        return page(rows, limit: limit, key: \.id)
    }

    /// The competency with `id`, if any.
    public func competency(id: String) async throws -> Competency? {
        try await definition(Competency.self, table: "competencies", id: id)
    }

    /// The competency definition with `id` and its version, if any.
    public func versionedCompetency(id: String) async throws -> Versioned<Competency>? {
        try await versionedDefinition(Competency.self, table: "competencies", id: id)
    }

    /// Competency definitions in creation order.
    public func competencies(after cursor: String?, limit: Int) async throws -> Page<Competency> {
        try await definitions(Competency.self, table: "competencies", after: cursor, limit: limit, key: \.id)
    }

    // Definitions (competencies, achievements) are stored as a JSON body keyed by a time-ordered id.

    private func insertDefinition<T: Encodable>(_ value: T, table: String, id: String, organizationId: String?,
                                                createdAt: Date) async throws {
        try await db.raw("""
            INSERT INTO \(ident: table) (id, organization_id, body, created_at) VALUES
            (\(bind: id), \(bind: organizationId), \(bind: try json(value)), \(bind: Self.ms(createdAt)))
            """).run()
    }

    private func definition<T: Decodable>(_ type: T.Type, table: String, id: String) async throws -> T? {
        try await db.raw("SELECT body FROM \(ident: table) WHERE id = \(bind: id)").first()
            .map { try decodeJSON(type, try $0.decode(column: "body", as: String.self)) }
    }

    private func versionedDefinition<T: Decodable & Sendable>(_ type: T.Type, table: String,
                                                              id: String) async throws -> Versioned<T>? {
        try await versionedRow(table, id: id) { try decodeJSON(type, try $0.decode(column: "body", as: String.self)) }
    }

    private func definitions<T: Decodable & Sendable>(_ type: T.Type, table: String, after cursor: String?, limit: Int,
                                                      key: (T) -> String) async throws -> Page<T> {
        let after = try Self.cursorKey(cursor) ?? ""
        let rows = try await db.raw("""
            SELECT body FROM \(ident: table) WHERE id > \(bind: after) ORDER BY id LIMIT \(bind: limit + 1)
            """).all().map { try decodeJSON(type, try $0.decode(column: "body", as: String.self)) }
        return page(rows, limit: limit, key: key)
    }

    // MARK: Learner records

    /// Stores a record version and makes it the current one. For version 1 it also claims the source record id;
    /// throws `conflict` when that system already asserted a record with this source record id.
    public func insert(_ record: LearnerRecord) async throws {
        if record.version == 1 {
            try await insertNew([record])
            return
        }
        let rows = try await db.raw("""
            UPDATE records SET is_current = 0 WHERE id = \(bind: record.id) AND version = \(bind: record.version - 1)
            AND is_current = 1 RETURNING id
            """).all()
        if rows.isEmpty { throw StorageError(.versionConflict, "the record was changed by someone else") }
        try await insertRows(into: "records", columns: Self.recordColumns, rows: [try recordRow(record)])
        noteRecordChange(record, at: record.provenance.recordedAt)
        try await invalidateProfiles(learnerId: record.learnerId)
        try await addHolder(learnerId: record.learnerId, organizationId: record.organizationId)
    }

    /// Stores new records (each version 1, each from a source record id its system has not asserted before), as
    /// ``insert(_:)`` does for one: a hundred and more records take two statements — their source claims, then the
    /// records — rather than two each (``insertRows(into:columns:rows:ignoringConflicts:returning:)``).
    /// Throws `conflict`, with nothing of the call stored by the transaction once it rolls back, when a source record
    /// id was asserted already (by a concurrent import, or twice in `records`).
    public func insertNew(_ records: [LearnerRecord]) async throws {
        precondition(records.allSatisfy { $0.version == 1 }, "insertNew stores first versions")
        let claimed = try await insertRows(into: "record_sources", columns: ["system_id", "source_record_id", "record_id"],
                                           rows: records.map { [$0.provenance.systemId, $0.provenance.sourceRecordId, $0.id] },
                                           ignoringConflicts: true, returning: "record_id")
        guard claimed.count == records.count else {
            throw StorageError(.conflict, "this system already asserted a record with this source record id")
        }
        try await insertRows(into: "records", columns: Self.recordColumns, rows: try records.map(recordRow))
        for record in records {
            noteRecordChange(record, at: record.provenance.recordedAt)
            try await invalidateProfiles(learnerId: record.learnerId)
            try await addHolder(learnerId: record.learnerId, organizationId: record.organizationId)
        }
    }

    private static let recordColumns = [
        "id", "version", "learner_id", "category", "organization_id", "body", "system_id", "source_record_id", "raw_data_uri",
        "raw_digest", "asserted_at", "recorded_at", "deletion", "is_current",
    ]

    /// One row of ``recordColumns``: the record as its current version.
    private func recordRow(_ record: LearnerRecord) throws -> [any Encodable & Sendable] {
        let body = try record.body.map { String(decoding: try $0.encoded(with: Self.encoder), as: UTF8.self) }
        let p = record.provenance
        return [record.id, record.version, record.learnerId, record.category.rawValue, record.organizationId, body, p.systemId,
                p.sourceRecordId, p.rawDataURI, p.rawDigest, Self.ms(p.assertedAt), Self.ms(p.recordedAt),
                try record.deletion.map { try json($0) }, 1]
    }

    /// The record ids that `sourceRecordIds` of the system map to, for those imported before: one statement for a
    /// batch of an import rather than one a line.
    public func recordIds(system systemId: String, sourceRecordIds: [String]) async throws -> [String: String] {
        var found: [String: String] = [:]
        for chunk in Self.chunks(sourceRecordIds) {
            let rows = try await db.raw("""
                SELECT source_record_id, record_id FROM record_sources WHERE system_id = \(bind: systemId)
                AND source_record_id IN (\(SQLList(chunk.map { SQLBind($0) })))
                """).all()
            for row in rows {
                found[try row.decode(column: "source_record_id", as: String.self)] = try row.decode(column: "record_id", as: String.self)
            }
        }
        return found
    }

    /// Records that an organization holds a learner (asserted a record about them, or registered them).
    public func addHolder(learnerId: String, organizationId: String) async throws {
        guard memo.noteHolder(learnerId, organizationId) else { return }
        try await db.raw("""
            INSERT INTO learner_holders (learner_id, organization_id) VALUES (\(bind: learnerId), \(bind: organizationId))
            ON CONFLICT DO NOTHING
            """).run()
    }

    /// The organizations that hold a learner.
    public func holders(learnerId: String) async throws -> Set<String> {
        Set(try await db.raw("SELECT organization_id FROM learner_holders WHERE learner_id = \(bind: learnerId)").all()
            .map { try $0.decode(column: "organization_id", as: String.self) })
    }

    /// The learner a system's own learner id maps to, if it was imported before.
    public func learnerId(system systemId: String, sourceId: String) async throws -> String? {
        try await recordId(system: systemId, sourceRecordId: Provenance.learnerSourcePrefix + sourceId)
    }

    /// Remembers which learner a system's own learner id stands for; the system's organization then holds the learner.
    /// Throws `conflict` when the system's id stands for a learner already.
    public func mapLearner(system systemId: String, sourceId: String, learnerId: String) async throws {
        try await mapLearners([LearnerSource(systemId: systemId, sourceId: sourceId, learnerId: learnerId)])
    }

    /// A system's own id for a learner, and the learner it stands for.
    public struct LearnerSource: Sendable, Equatable {
        /// The connected system.
        public var systemId: String
        /// The system's id for the learner.
        public var sourceId: String
        /// Vita's id for the learner.
        public var learnerId: String

        /// Pairs a system's id for a learner with Vita's.
        public init(systemId: String, sourceId: String, learnerId: String) {
            self.systemId = systemId
            self.sourceId = sourceId
            self.learnerId = learnerId
        }
    }

    /// Remembers what learners systems' own ids stand for, as ``mapLearner(system:sourceId:learnerId:)`` does one at a
    /// time: a few hundred take three statements (their claims, their systems' organizations, the holders). Throws `conflict`, with nothing of the call stored once the transaction
    /// rolls back, when one of the ids stands for a learner already (mapped by a concurrent import, or twice in
    /// `sources`).
    public func mapLearners(_ sources: [LearnerSource]) async throws {
        let claimed = try await insertRows(into: "record_sources", columns: ["system_id", "source_record_id", "record_id"],
                                           rows: sources.map { [$0.systemId, Provenance.learnerSourcePrefix + $0.sourceId, $0.learnerId] },
                                           ignoringConflicts: true, returning: "record_id")
        guard claimed.count == sources.count else {
            throw StorageError(.conflict, "this system's learner id stands for another learner already")
        }
        // Each system's organization registered its learners: it holds them.
        let systemIds = Array(Set(sources.map(\.systemId)))
        var organizations: [String: String] = [:]
        for chunk in Self.chunks(systemIds) {
            for row in try await db.raw("""
                SELECT id, organization_id FROM connected_systems WHERE id IN (\(SQLList(chunk.map { SQLBind($0) })))
                """).all() {
                organizations[try row.decode(column: "id", as: String.self)] = try row.decode(column: "organization_id", as: String.self)
            }
        }
        try await insertRows(into: "learner_holders", columns: ["learner_id", "organization_id"],
                             rows: sources.compactMap { source in organizations[source.systemId].map { [source.learnerId, $0] } },
                             ignoringConflicts: true)
    }

    /// What keeping a system's source record up to date did (``keepSourceRecord(_:learnerId:provenance:keepingNewer:now:known:)``).
    public enum SourceRecordWrite: Sendable, Equatable {
        /// A new record, with its id.
        case created(String)
        /// A new version of the record.
        case updated(String)
        /// Nothing: the current version has the same raw data digest.
        case unchanged(String)
        /// Nothing: the current version was asserted later (only when keeping newer versions).
        case superseded(String)
        /// Nothing: the source record id names a record of another learner or category.
        case conflict
    }

    /// Keeps the record that `provenance.systemId` asserts as `provenance.sourceRecordId` up to date for `learnerId`:
    /// creates it, adds a version when the raw data's digest differs from the current version's (or the record was
    /// deleted), and otherwise leaves it. With `keepingNewer`, a version asserted before the current one is not added.
    /// A source record id already naming another learner's record, or one of another category, writes nothing.
    /// `known` is the current version of the record the source record id names, when the caller read it already (an
    /// import reads a batch's together): then it is neither looked up nor read again.
    public func keepSourceRecord(_ body: RecordBody, learnerId: String, provenance: Provenance, keepingNewer: Bool = false,
                                 now: Date, known: LearnerRecord? = nil) async throws -> SourceRecordWrite {
        let current: LearnerRecord
        if let known {
            current = known
        } else {
            guard let existingId = try await recordId(system: provenance.systemId, sourceRecordId: provenance.sourceRecordId) else {
                let id = EntityID.make("rec", now: now)
                try await insert(LearnerRecord(id: id, learnerId: learnerId, category: body.category,
                                               organizationId: body.organizationId, version: 1, body: body, provenance: provenance))
                return .created(id)
            }
            guard let read = try await record(id: existingId) else { return .conflict }
            current = read
        }
        let existingId = current.id
        guard current.learnerId == learnerId, current.category == body.category else { return .conflict }
        if current.deletion == nil {
            if current.provenance.rawDigest == provenance.rawDigest { return .unchanged(existingId) }
            if keepingNewer, current.provenance.assertedAt > provenance.assertedAt { return .superseded(existingId) }
        }
        try await insert(LearnerRecord(id: existingId, learnerId: learnerId, category: body.category,
                                       organizationId: body.organizationId, version: current.version + 1,
                                       body: body, provenance: provenance))
        return .updated(existingId)
    }

    /// The record id a system's source record id maps to, if it was imported before.
    public func recordId(system systemId: String, sourceRecordId: String) async throws -> String? {
        try await db.raw("""
            SELECT record_id FROM record_sources WHERE system_id = \(bind: systemId)
            AND source_record_id = \(bind: sourceRecordId)
            """).first()?.decode(column: "record_id", as: String.self)
    }

    func record(from row: any SQLRow) throws -> LearnerRecord {
        guard let category = RecordCategory(rawValue: try row.decode(column: "category", as: String.self)) else {
            throw StorageError(.corrupt, "a stored record has an unknown category")
        }
        let body: RecordBody?
        if let text = try row.decode(column: "body", as: String?.self) {
            do {
                body = try RecordBody.decode(category, from: Data(text.utf8), decoder: Self.decoder)
            } catch {
                throw StorageError(.corrupt, "a stored record body could not be decoded")
            }
        } else {
            body = nil
        }
        return LearnerRecord(
            id: try row.decode(column: "id", as: String.self),
            learnerId: try row.decode(column: "learner_id", as: String.self),
            category: category,
            organizationId: try row.decode(column: "organization_id", as: String.self),
            version: try row.decode(column: "version", as: Int.self),
            body: body,
            provenance: Provenance(
                systemId: try row.decode(column: "system_id", as: String.self),
                sourceRecordId: try row.decode(column: "source_record_id", as: String.self),
                rawDataURI: try row.decode(column: "raw_data_uri", as: String?.self),
                rawDigest: try row.decode(column: "raw_digest", as: String.self),
                assertedAt: Self.date(try row.decode(column: "asserted_at", as: Int64.self)),
                recordedAt: Self.date(try row.decode(column: "recorded_at", as: Int64.self))),
            deletion: try row.decode(column: "deletion", as: String?.self).map { try decodeJSON(Tombstone.self, $0) })
    }

    /// The current version of a record (nil if unknown), or with `asOf`, the version current at that time.
    public func record(id: String, asOf: Date? = nil) async throws -> LearnerRecord? {
        if let asOf {
            return try await db.raw("""
                SELECT * FROM records WHERE id = \(bind: id) AND recorded_at <= \(bind: Self.ms(asOf))
                ORDER BY version DESC LIMIT 1
                """).first().map(record(from:))
        }
        return try await db.raw("SELECT * FROM records WHERE id = \(bind: id) AND is_current = 1").first().map(record(from:))
    }

    /// The current versions of the records with `ids` that exist, by id (one query per few hundred ids).
    public func records(ids: [String]) async throws -> [String: LearnerRecord] {
        var found: [String: LearnerRecord] = [:]
        for chunk in Self.chunks(Array(Set(ids))) {
            for record in try await db.raw("""
                SELECT * FROM records WHERE id IN (\(SQLList(chunk.map { SQLBind($0) }))) AND is_current = 1
                """).all().map(record(from:)) {
                found[record.id] = record
            }
        }
        return found
    }

    /// Every version of a record, oldest first.
    public func versions(ofRecord id: String) async throws -> [LearnerRecord] {
        try await db.raw("SELECT * FROM records WHERE id = \(bind: id) ORDER BY version").all().map(record(from:))
    }

    /// The version a cursor of a record's versions names (0 without a cursor); throws for a cursor of another list.
    public static func versionCursor(_ cursor: String?) throws -> Int {
        guard let key = try cursorKey(cursor) else { return 0 }
        guard let version = Int(key), version >= 0 else {
            throw VitaCoreError.invalidField("cursor", "is not a cursor of this list")
        }
        return version
    }

    /// A page of a record's versions, oldest first, after the cursor (``versionCursor(_:)``).
    public func versions(ofRecord id: String, after cursor: String?, limit: Int) async throws -> Page<LearnerRecord> {
        let after = try Self.versionCursor(cursor)
        let rows = try await db.raw("""
            SELECT * FROM records WHERE id = \(bind: id) AND version > \(bind: after) ORDER BY version LIMIT \(bind: limit + 1)
            """).all().map(record(from:))
        return page(rows, limit: limit) { String($0.version) }
    }

    /// A learner's records in `categories` held for `organizations` (all organizations when nil), current or as of a
    /// time, deleted ones included only when `includeDeleted`.
    public func records(learnerId: String, categories: [RecordCategory], organizations: Set<String>?,
                        asOf: Date? = nil, includeDeleted: Bool = false,
                        after cursor: String? = nil, limit: Int = Int.max - 1) async throws -> Page<LearnerRecord> {
        let after = try Self.cursorKey(cursor) ?? ""
        let categoryList = SQLList(categories.map { SQLBind($0.rawValue) })
        var rows: [LearnerRecord]
        if let asOf {
            // The latest version of each record recorded at or before `asOf`.
            rows = try await db.raw("""
                SELECT r.* FROM records r WHERE r.learner_id = \(bind: learnerId) AND r.category IN (\(categoryList))
                AND r.id > \(bind: after) AND r.recorded_at <= \(bind: Self.ms(asOf))
                AND r.version = (SELECT MAX(v.version) FROM records v WHERE v.id = r.id AND v.recorded_at <= \(bind: Self.ms(asOf)))
                ORDER BY r.id
                """).all().map(record(from:))
        } else {
            rows = try await db.raw("""
                SELECT * FROM records WHERE learner_id = \(bind: learnerId) AND category IN (\(categoryList))
                AND is_current = 1 AND id > \(bind: after) ORDER BY id
                """).all().map(record(from:))
        }
        rows = rows.filter { record in
            (includeDeleted || record.deletion == nil) && (organizations?.contains(record.organizationId) ?? true)
        }
        return page(rows, limit: limit, key: \.id)
    }

    /// The organizations and asserting systems of a learner's current, undeleted records, without reading the
    /// records' bodies.
    public func recordSources(learnerId: String) async throws -> (organizationIds: Set<String>, systemIds: Set<String>) {
        let rows = try await db.raw("""
            SELECT DISTINCT organization_id, system_id FROM records
            WHERE learner_id = \(bind: learnerId) AND is_current = 1 AND deletion IS NULL
            """).all()
        var organizations = Set<String>(), systems = Set<String>()
        for row in rows {
            organizations.insert(try row.decode(column: "organization_id", as: String.self))
            systems.insert(try row.decode(column: "system_id", as: String.self))
        }
        return (organizations, systems)
    }

    // MARK: Issuer keys

    /// Stores a new key for its organization and retires the organization's other keys of the same algorithm.
    public func insertCurrent(_ key: IssuerKey, sealedPrivate: String) async throws {
        try await db.raw("""
            UPDATE issuer_keys SET retired_at = \(bind: Self.ms(key.createdAt))
            WHERE organization_id = \(bind: key.organizationId) AND algorithm = \(bind: key.algorithm)
            AND retired_at IS NULL
            """).run()
        try await db.raw("""
            INSERT INTO issuer_keys (id, organization_id, body, sealed_private, created_at, algorithm) VALUES
            (\(bind: key.id), \(bind: key.organizationId), \(bind: try json(key)), \(bind: sealedPrivate),
             \(bind: Self.ms(key.createdAt)), \(bind: key.algorithm))
            """).run()
    }

    private func issuerKey(from row: any SQLRow) throws -> IssuerKey {
        var key = try decodeJSON(IssuerKey.self, try row.decode(column: "body", as: String.self))
        key.retiredAt = try row.decode(column: "retired_at", as: Int64?.self).map(Self.date)
        return key
    }

    /// A page of an organization's keys, newest first, before the cursor.
    public func issuerKeys(organizationId: String, before cursor: String?, limit: Int) async throws -> Page<IssuerKey> {
        var query: SQLQueryString = "SELECT id, body, retired_at FROM issuer_keys WHERE organization_id = \(bind: organizationId)"
        if let before = try Self.cursorKey(cursor) { query += " AND id < \(bind: before)" }
        query += " ORDER BY id DESC LIMIT \(bind: limit + 1)"
        let rows = try await db.raw(query).all().map { (id: try $0.decode(column: "id", as: String.self), key: try issuerKey(from: $0)) }
        let paged = page(rows, limit: limit, key: \.id)
        return Page(items: paged.items.map(\.key), nextCursor: paged.nextCursor)
    }

    /// An organization's keys, newest first.
    public func issuerKeys(organizationId: String) async throws -> [IssuerKey] {
        try await db.raw("""
            SELECT body, retired_at FROM issuer_keys WHERE organization_id = \(bind: organizationId)
            ORDER BY created_at DESC, id DESC
            """).all().map(issuerKey(from:))
    }

    /// An organization's current key of `algorithm` with its sealed private half, if it has one.
    public func currentIssuerKey(organizationId: String, algorithm: String = "Ed25519") async throws
        -> (key: IssuerKey, sealedPrivate: String)? {
        guard let row = try await db.raw("""
            SELECT body, retired_at, sealed_private FROM issuer_keys
            WHERE organization_id = \(bind: organizationId) AND algorithm = \(bind: algorithm) AND retired_at IS NULL
            """).first() else { return nil }
        return (try issuerKey(from: row), try row.decode(column: "sealed_private", as: String.self))
    }

    /// The key (current or retired) whose `did:key` is `did`, with its sealed private half.
    public func issuerKey(did: String, organizationId: String) async throws -> (key: IssuerKey, sealedPrivate: String)? {
        let rows = try await db.raw("""
            SELECT body, retired_at, sealed_private FROM issuer_keys WHERE organization_id = \(bind: organizationId)
            """).all()
        for row in rows {
            let key = try issuerKey(from: row)
            if key.did == did { return (key, try row.decode(column: "sealed_private", as: String.self)) }
        }
        return nil
    }

    // MARK: Achievements and issued credentials

    /// Stores an achievement definition.
    public func insert(_ achievement: Achievement) async throws {
        try await insertDefinition(achievement, table: "achievements", id: achievement.id,
                                   organizationId: achievement.organizationId, createdAt: achievement.createdAt)
    }

    /// The achievement with `id`, if any.
    public func achievement(id: String) async throws -> Achievement? {
        try await definition(Achievement.self, table: "achievements", id: id)
    }

    /// The achievement with `id` and its version, if any.
    public func versionedAchievement(id: String) async throws -> Versioned<Achievement>? {
        try await versionedDefinition(Achievement.self, table: "achievements", id: id)
    }

    /// Stores an achievement's corrected definition as the version after `expectedVersion` (credentials issued before
    /// keep the definition they were signed with); throws `versionConflict` when it is no longer at that version.
    public func update(_ achievement: Achievement, expectedVersion: Int) async throws {
        let rows = try await db.raw("""
            UPDATE achievements SET body = \(bind: try json(achievement)), version = \(bind: expectedVersion + 1)
            WHERE id = \(bind: achievement.id) AND version = \(bind: expectedVersion) RETURNING id
            """).all()
        if rows.isEmpty { throw StorageError(.versionConflict, "the achievement was changed by someone else") }
    }

    /// Achievements in creation order: every organization's, or only `organizationId`'s when given.
    public func achievements(organizationId: String? = nil, after cursor: String?, limit: Int) async throws -> Page<Achievement> {
        guard let organizationId else {
            return try await definitions(Achievement.self, table: "achievements", after: cursor, limit: limit, key: \.id)
        }
        let after = try Self.cursorKey(cursor) ?? ""
        let rows = try await db.raw("""
            SELECT body FROM achievements WHERE organization_id = \(bind: organizationId) AND id > \(bind: after)
            ORDER BY id LIMIT \(bind: limit + 1)
            """).all().map { try decodeJSON(Achievement.self, try $0.decode(column: "body", as: String.self)) }
        return page(rows, limit: limit, key: \.id)
    }

    /// A credential Vita issued, as stored with the learner's records.
    public struct IssuedCredential: Sendable {
        /// Vita's identifier of the issuance.
        public var id: String
        /// The learner.
        public var learnerId: String
        /// The ELR credential record it was issued from.
        public var recordId: String
        /// The issuing organization.
        public var organizationId: String
        /// The achievement awarded.
        public var achievementId: String
        /// The signed credential (JSON).
        public var body: String
        /// When it was issued.
        public var createdAt: Date
        /// Who had it issued: the audit actor (`system:sys_…`, `admin:adm_…`, `cli:cli`).
        public var issuedBy: String
        /// `sha256:` digest of `body`, as issued.
        public var digest: String

        /// Creates a stored issuance; the digest is computed from `body`.
        public init(id: String, learnerId: String, recordId: String, organizationId: String, achievementId: String,
                    body: String, createdAt: Date, issuedBy: String) {
            self.id = id
            self.learnerId = learnerId
            self.recordId = recordId
            self.organizationId = organizationId
            self.achievementId = achievementId
            self.body = body
            self.createdAt = createdAt
            self.issuedBy = issuedBy
            self.digest = ContentDigest.sha256(Array(body.utf8))
        }
    }

    /// Stores issued credentials, each under its credential id (`urn:uuid:…`).
    public func insert(_ issued: [(IssuedCredential, credentialId: String)]) async throws {
        try await insertRows(
            into: "issued_credentials",
            columns: ["id", "credential_id", "learner_id", "record_id", "organization_id", "achievement_id", "body",
                      "created_at", "issued_by", "digest"],
            rows: issued.map { item, credentialId in
                [item.id, credentialId, item.learnerId, item.recordId, item.organizationId, item.achievementId, item.body,
                 Self.ms(item.createdAt), item.issuedBy, item.digest]
            })
    }

    /// The credentials issued to a learner, held for `organizations` (all when nil), oldest first.
    public func issuedCredentials(learnerId: String, organizations: Set<String>?) async throws -> [IssuedCredential] {
        try await db.raw("""
            SELECT * FROM issued_credentials WHERE learner_id = \(bind: learnerId) ORDER BY id
            """).all().map(issuedCredential(from:)).filter { organizations?.contains($0.organizationId) ?? true }
    }

    /// A page of the credentials issued to a learner by `organizations` (all when nil), oldest first, after the cursor.
    public func issuedCredentials(learnerId: String, organizations: Set<String>?, after cursor: String?,
                                  limit: Int) async throws -> Page<IssuedCredential> {
        try await pageByID("issued_credentials",
                           where: "learner_id = \(bind: learnerId) AND \(Self.organizationCondition(organizations))",
                           after: cursor, limit: limit, id: \.id, issuedCredential(from:))
    }

    private func issuedCredential(from row: any SQLRow) throws -> IssuedCredential {
        var issued = IssuedCredential(id: try row.decode(column: "id", as: String.self),
                                      learnerId: try row.decode(column: "learner_id", as: String.self),
                                      recordId: try row.decode(column: "record_id", as: String.self),
                                      organizationId: try row.decode(column: "organization_id", as: String.self),
                                      achievementId: try row.decode(column: "achievement_id", as: String.self),
                                      body: try row.decode(column: "body", as: String.self),
                                      createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
                                      issuedBy: try row.decode(column: "issued_by", as: String.self))
        issued.digest = try row.decode(column: "digest", as: String.self)
        return issued
    }

    // MARK: Audit

    /// Appends an entry to the audit chain and returns it sealed.
    ///
    /// The chain head row is locked for the rest of the transaction (`FOR UPDATE` on PostgreSQL; SQLite's
    /// `BEGIN IMMEDIATE` already excludes other writers), so entries from any number of Vita processes form one chain.
    @discardableResult
    public func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry {
        try await appendAudit([entry])[0]
    }

    /// Appends entries to the audit chain in order, reading and moving the chain head once. The head stays locked
    /// until the transaction ends (`FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serialises writers).
    @discardableResult
    public func appendAudit(_ entries: [AuditEntry]) async throws -> [AuditEntry] {
        let head = try await readAuditHead(locking: engine == .postgres)
        let sealedEntries = Self.seal(entries, after: head)
        guard let last = sealedEntries.last.map({ AuditHead(sequence: $0.sequence, hash: $0.hash) }) else { return [] }
        if engine == .postgres {
            // Entries and new head in one statement: one round trip less while every other writer waits on the head.
            guard try await append(sealedEntries, after: head) != nil else {
                throw StorageError(.corrupt, "the audit chain head moved while it was locked")
            }
            return sealedEntries
        }
        // SQLite has no round trips to save: one prepared single-row statement per entry costs less than building and
        // preparing a statement per batch size (measured in docs/PERFORMANCE.md).
        for sealed in sealedEntries {
            try await db.raw("""
                INSERT INTO audit_entries (\(unsafeRaw: Self.auditColumns.joined(separator: ", ")))
                VALUES (\(binds: Self.auditValues(sealed)))
                """).run()
        }
        try await db.raw("""
            UPDATE audit_head SET sequence = \(bind: last.sequence), hash = \(bind: last.hash) WHERE id = 1
            """).run()
        return sealedEntries
    }

    private static let auditColumns = ["sequence", "occurred_at", "actor_kind", "actor_id", "action", "learner_id",
                                       "categories", "agreement_id", "outcome", "reason", "previous_hash", "hash"]

    /// A sealed entry's values in the order of `auditColumns`: text, integers, or nil.
    private static func auditValues(_ entry: AuditEntry) -> [any Encodable & Sendable] {
        [entry.sequence, ms(entry.occurredAt), entry.actor.kind.rawValue, entry.actor.id, entry.action, entry.learnerId,
         entry.categories.map(\.rawValue).joined(separator: ","), entry.agreementId, entry.outcome.rawValue, entry.reason,
         entry.previousHash, entry.hash]
    }

    /// The entries sealed into the chain one after another, the first after `head`.
    private static func seal(_ entries: [AuditEntry], after head: AuditHead) -> [AuditEntry] {
        var previous = head
        return entries.map { entry in
            let sealed = AuditChain.seal(entry, after: previous.sequence, previousHash: previous.hash)
            previous = AuditHead(sequence: sealed.sequence, hash: sealed.hash)
            return sealed
        }
    }

    /// The audit chain's head: its last entry's sequence number and hash.
    public func auditHead() async throws -> AuditHead {
        try await readAuditHead(locking: false)
    }

    /// The chain head, locked until the transaction ends when `locking` (`FOR UPDATE`).
    private func readAuditHead(locking: Bool) async throws -> AuditHead {
        let lock = locking ? " FOR UPDATE" : ""
        guard let head = try await db.raw("SELECT sequence, hash FROM audit_head WHERE id = 1\(unsafeRaw: lock)").first() else {
            throw StorageError(.corrupt, "the audit chain head is missing")
        }
        return AuditHead(sequence: try head.decode(column: "sequence", as: Int64.self),
                         hash: try head.decode(column: "hash", as: String.self))
    }

    /// PostgreSQL only: appends `entries` after `head` in **one statement**, outside any transaction, if `head` is
    /// still the chain's head (a compare-and-set: one round trip instead of five for `BEGIN`, the locked head, the
    /// entries, the new head and `COMMIT`). Returns the new head, or nil when another writer moved the head first and
    /// nothing was written.
    public func appendAudit(_ entries: [AuditEntry], ifHeadIs head: AuditHead) async throws -> AuditHead? {
        precondition(engine == .postgres, "a compare-and-set append needs PostgreSQL's data-modifying WITH")
        return try await append(Self.seal(entries, after: head), after: head)
    }

    /// PostgreSQL: inserts entries sealed after `head` and moves the head past them, in one statement, only if `head`
    /// is still the head — the head is moved on only where it still is (`WHERE sequence = … AND hash = …`), and the
    /// entries are inserted only if it was (a data-modifying `WITH`). The entries travel as one JSON array
    /// (`json_populate_recordset`), so any batch size is the same prepared statement. Returns the new head, or nil
    /// when nothing was written.
    private func append(_ sealed: [AuditEntry], after head: AuditHead) async throws -> AuditHead? {
        guard let last = sealed.last.map({ AuditHead(sequence: $0.sequence, hash: $0.hash) }) else { return head }
        let rows = JSONValue.array(sealed.map { entry in
            .object(JSONObject(zip(Self.auditColumns, Self.auditValues(entry)).map { column, value in
                let json: JSONValue = switch value {
                case let text as String: .string(text)
                case let number as Int64: .number(JSONNumber(Int(number)))
                default: .null // an optional column without a value
                }
                return (column, json)
            }))
        })
        let columns = Self.auditColumns.joined(separator: ", ")
        let moved = try await db.raw("""
            WITH moved AS (
              UPDATE audit_head SET sequence = \(bind: last.sequence), hash = \(bind: last.hash)
              WHERE id = 1 AND sequence = \(bind: head.sequence) AND hash = \(bind: head.hash) RETURNING 1
            ), added AS (
              INSERT INTO audit_entries (\(unsafeRaw: columns))
              SELECT \(unsafeRaw: columns) FROM json_populate_recordset(NULL::audit_entries, \(bind: rows.serializedString())::json)
              WHERE EXISTS (SELECT 1 FROM moved)
            )
            SELECT count(*) AS moved FROM moved
            """).first()?.decode(column: "moved", as: Int64.self)
        return moved == 1 ? last : nil
    }

    /// Inserts rows with multi-row `INSERT` statements (a few hundred rows each, well under both engines' bind
    /// limits): one round trip per statement instead of one per row. With `ignoringConflicts`, a row that would break
    /// a unique constraint is skipped (`ON CONFLICT DO NOTHING`); with `returning`, the rows inserted are returned with
    /// that column. `table` and `columns` are Vita's own names (written into the statement as they are).
    @discardableResult
    func insertRows(into table: String, columns: [String], rows: [[any Encodable & Sendable]], ignoringConflicts: Bool = false,
                    returning column: String? = nil) async throws -> [any SQLRow] {
        let perStatement = max(1, 2_000 / max(1, columns.count))
        let head: SQLQueryString = "INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: columns.joined(separator: ", "))) VALUES "
        let tail: SQLQueryString = "\(unsafeRaw: ignoringConflicts ? " ON CONFLICT DO NOTHING" : "")\(unsafeRaw: column.map { " RETURNING " + $0 } ?? "")"
        var returned: [any SQLRow] = []
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let values = rows[start ..< min(start + perStatement, rows.count)].map { row -> SQLQueryString in
                "(\(SQLList(row.map { SQLBind($0) })))"
            }
            returned += try await db.raw(head + "\(SQLList(values))" + tail).all()
        }
        return returned
    }

    static func auditEntry(from row: any SQLRow) throws -> AuditEntry {
        let categories = try row.decode(column: "categories", as: String.self)
        return AuditEntry(
            sequence: try row.decode(column: "sequence", as: Int64.self),
            occurredAt: date(try row.decode(column: "occurred_at", as: Int64.self)),
            actor: .init(kind: AuditEntry.Actor.Kind(rawValue: try row.decode(column: "actor_kind", as: String.self)) ?? .cli,
                         id: try row.decode(column: "actor_id", as: String.self)),
            action: try row.decode(column: "action", as: String.self),
            learnerId: try row.decode(column: "learner_id", as: String?.self),
            categories: categories.split(separator: ",").compactMap { RecordCategory(rawValue: String($0)) },
            agreementId: try row.decode(column: "agreement_id", as: String?.self),
            outcome: AuditEntry.Outcome(rawValue: try row.decode(column: "outcome", as: String.self)) ?? .denied,
            reason: try row.decode(column: "reason", as: String?.self),
            previousHash: try row.decode(column: "previous_hash", as: String.self),
            hash: try row.decode(column: "hash", as: String.self))
    }

    /// Audit entries, oldest first (or `newestFirst`), optionally only those about one learner, or only those whose
    /// actor is one of an organization's staff accounts or connected systems.
    public func auditEntries(learnerId: String?, actorOrganizationId: String? = nil, after cursor: String?,
                             limit: Int, newestFirst: Bool = false) async throws -> Page<AuditEntry> {
        let key = try Self.cursorKey(cursor).flatMap { Int64($0) }
        // Oldest first continues after the cursor's sequence; newest first, before it.
        var conditions: [SQLQueryString] = [newestFirst ? "sequence < \(bind: key ?? Int64.max)" : "sequence > \(bind: key ?? 0)"]
        if let learnerId { conditions.append("learner_id = \(bind: learnerId)") }
        if let actorOrganizationId {
            conditions.append("""
                ((actor_kind = 'staff' AND actor_id IN (SELECT id FROM staff_accounts WHERE organization_id = \(bind: actorOrganizationId)))
                 OR (actor_kind = 'system' AND actor_id IN (SELECT id FROM connected_systems WHERE organization_id = \(bind: actorOrganizationId))))
                """)
        }
        let rows = try await db.raw("""
            SELECT * FROM audit_entries WHERE \(conditions.joined(separator: " AND "))
            ORDER BY sequence \(unsafeRaw: newestFirst ? "DESC" : "ASC") LIMIT \(bind: limit + 1)
            """).all().map(Self.auditEntry(from:))
        return page(rows, limit: limit, key: { String($0.sequence) })
    }

    // MARK: Idempotency

    /// The stored response for an idempotency key of a principal, if one was stored at or after `notBefore` (an
    /// older one has expired: the key may be used again).
    public func idempotentResponse(principal: String, key: String, notBefore: Date) async throws -> IdempotentResponse? {
        guard let row = try await db.raw("""
            SELECT * FROM idempotency_keys WHERE principal = \(bind: principal) AND idempotency_key = \(bind: key)
              AND created_at >= \(bind: Self.ms(notBefore))
            """).first() else { return nil }
        return IdempotentResponse(
            requestDigest: try row.decode(column: "request_digest", as: String.self),
            status: try row.decode(column: "status", as: Int.self),
            location: try row.decode(column: "location", as: String?.self),
            body: try row.decode(column: "body", as: String.self))
    }

    /// Stores the response for an idempotency key, in the same transaction as the write it answers, replacing an
    /// expired one of the same key. `learnerId` names the learner the write concerns, so that erasing the learner
    /// deletes the stored response too.
    public func storeIdempotentResponse(_ response: IdempotentResponse, principal: String, key: String, at: Date,
                                        learnerId: String?) async throws {
        try await db.raw("""
            INSERT INTO idempotency_keys (principal, idempotency_key, request_digest, status, location, body, created_at, learner_id)
            VALUES (\(bind: principal), \(bind: key), \(bind: response.requestDigest), \(bind: response.status),
              \(bind: response.location), \(bind: response.body), \(bind: Self.ms(at)), \(bind: learnerId))
            ON CONFLICT (principal, idempotency_key) DO UPDATE SET request_digest = excluded.request_digest,
              status = excluded.status, location = excluded.location, body = excluded.body,
              created_at = excluded.created_at, learner_id = excluded.learner_id
            """).run()
    }

    /// Deletes the responses stored before `cutOff` (their keys have expired); returns how many.
    public func purgeIdempotentResponses(storedBefore cutOff: Date) async throws -> Int {
        try await db.raw("""
            DELETE FROM idempotency_keys WHERE created_at < \(bind: Self.ms(cutOff)) RETURNING 1 AS gone
            """).all().count
    }
}

extension IdempotentResponse {
    /// Whether a stored body is sealed: responses stored in the clear by a Vita before they were sealed are JSON (a
    /// sealed body is base64, which never starts with `{`).
    public static func isSealed(_ body: String) -> Bool { !body.hasPrefix("{") }
}

/// Where the audit chain ends: the last entry's sequence number and hash (the genesis values before any entry).
public struct AuditHead: Sendable, Equatable {
    /// The last entry's sequence number.
    public var sequence: Int64
    /// The last entry's hash, hex.
    public var hash: String

    /// Creates a head.
    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// The head as an anchor to record outside Vita.
    public var anchor: AuditChain.Anchor { AuditChain.Anchor(sequence: sequence, hash: hash) }
}
