import Foundation
import SQLKit

/// A Bitstring Status List an organization publishes, as stored.
public struct StoredStatusList: Sendable, Equatable {
    /// Vita's identifier (`sl_…`), the last segment of its URL.
    public var id: String
    /// The organization that publishes it.
    public var organizationId: String
    /// The issuer id the list credential is issued under (the same as its credentials' issuer).
    public var issuer: String
    /// `revocation` or `suspension`.
    public var purpose: String
    /// The stable URL the list credential is served at (its `id`).
    public var url: String
    /// The number of entries.
    public var size: Int
    /// The key of the index permutation (base64).
    public var permutationKey: String
    /// How many indexes have been handed out; they are never handed out again.
    public var allocated: Int
    /// The current `encodedList`.
    public var encodedList: String
    /// The current signed status list credential (JSON).
    public var credential: String
    /// Whether new credentials are still given indexes in it.
    public var isOpen: Bool
    /// When it was created.
    public var createdAt: Date
    /// When its list last changed.
    public var updatedAt: Date

    /// Creates a stored list.
    public init(id: String, organizationId: String, issuer: String, purpose: String, url: String, size: Int,
                permutationKey: String, allocated: Int, encodedList: String, credential: String, isOpen: Bool,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.organizationId = organizationId
        self.issuer = issuer
        self.purpose = purpose
        self.url = url
        self.size = size
        self.permutationKey = permutationKey
        self.allocated = allocated
        self.encodedList = encodedList
        self.credential = credential
        self.isOpen = isOpen
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One status entry of an issued credential: its index in a list and whether the bit is set.
public struct StoredStatusEntry: Sendable, Equatable {
    /// The list.
    public var listId: String
    /// The index in the list.
    public var index: Int
    /// The credential's `id`.
    public var credentialId: String
    /// The issuing organization.
    public var organizationId: String
    /// `revocation` or `suspension`.
    public var purpose: String
    /// Whether the bit is set (revoked / suspended).
    public var isSet: Bool
    /// Why it was last changed, when given.
    public var reason: String?
    /// When it last changed.
    public var updatedAt: Date

    /// Creates an entry.
    public init(listId: String, index: Int, credentialId: String, organizationId: String, purpose: String,
                isSet: Bool, reason: String?, updatedAt: Date) {
        self.listId = listId
        self.index = index
        self.credentialId = credentialId
        self.organizationId = organizationId
        self.purpose = purpose
        self.isSet = isSet
        self.reason = reason
        self.updatedAt = updatedAt
    }
}

extension StoreTransaction {
    /// The list of `organizationId` for `issuer` and `purpose` that still hands out indexes, locked for this
    /// transaction (PostgreSQL `FOR UPDATE`; SQLite write transactions are exclusive already).
    public func openStatusList(organizationId: String, issuer: String, purpose: String) async throws -> StoredStatusList? {
        let lock = engine == .postgres ? " FOR UPDATE" : ""
        return try await db.raw("""
            SELECT * FROM status_lists WHERE organization_id = \(bind: organizationId) AND issuer = \(bind: issuer)
            AND purpose = \(bind: purpose) AND is_open = 1 ORDER BY created_at DESC, id DESC LIMIT 1\(unsafeRaw: lock)
            """).first().map(statusList(from:))
    }

    /// The list with `id`, if any.
    public func statusList(id: String) async throws -> StoredStatusList? {
        try await db.raw("SELECT * FROM status_lists WHERE id = \(bind: id)").first().map(statusList(from:))
    }

    /// Stores a new list.
    public func insert(_ list: StoredStatusList) async throws {
        try await db.raw("""
            INSERT INTO status_lists (id, organization_id, issuer, purpose, url, size, permutation_key, allocated,
              encoded_list, credential, is_open, created_at, updated_at) VALUES
            (\(bind: list.id), \(bind: list.organizationId), \(bind: list.issuer), \(bind: list.purpose), \(bind: list.url),
             \(bind: list.size), \(bind: list.permutationKey), \(bind: list.allocated), \(bind: list.encodedList),
             \(bind: list.credential), \(bind: list.isOpen ? 1 : 0), \(bind: Self.ms(list.createdAt)),
             \(bind: Self.ms(list.updatedAt)))
            """).run()
    }

    /// Records that `allocated` indexes of the list are handed out, closing it when it is full.
    public func updateAllocation(listId: String, allocated: Int, isOpen: Bool) async throws {
        try await db.raw("""
            UPDATE status_lists SET allocated = \(bind: allocated), is_open = \(bind: isOpen ? 1 : 0)
            WHERE id = \(bind: listId)
            """).run()
    }

    /// Replaces the list's bits and its signed credential.
    public func updateStatusList(id: String, encodedList: String, credential: String, at time: Date) async throws {
        try await db.raw("""
            UPDATE status_lists SET encoded_list = \(bind: encodedList), credential = \(bind: credential),
            updated_at = \(bind: Self.ms(time)) WHERE id = \(bind: id)
            """).run()
    }

    /// Stores new status entries. A second entry on an index of the same list is refused by the primary key.
    public func insert(_ entries: [StoredStatusEntry]) async throws {
        try await insertRows(
            into: "credential_status",
            columns: ["list_id", "status_index", "credential_id", "organization_id", "purpose", "is_set", "reason", "updated_at"],
            rows: entries.map { entry in
                [entry.listId, entry.index, entry.credentialId, entry.organizationId, entry.purpose, entry.isSet ? 1 : 0,
                 entry.reason, Self.ms(entry.updatedAt)]
            })
    }

    /// The status entries of the credential with `credentialId`.
    public func statusEntries(credentialId: String) async throws -> [StoredStatusEntry] {
        try await db.raw("""
            SELECT * FROM credential_status WHERE credential_id = \(bind: credentialId) ORDER BY purpose
            """).all().map(statusEntry(from:))
    }

    /// Sets or clears one entry's bit, with the reason.
    public func setStatus(listId: String, index: Int, isSet: Bool, reason: String?, at time: Date) async throws {
        try await db.raw("""
            UPDATE credential_status SET is_set = \(bind: isSet ? 1 : 0), reason = \(bind: reason),
            updated_at = \(bind: Self.ms(time)) WHERE list_id = \(bind: listId) AND status_index = \(bind: index)
            """).run()
    }

    private func statusList(from row: any SQLRow) throws -> StoredStatusList {
        StoredStatusList(
            id: try row.decode(column: "id", as: String.self),
            organizationId: try row.decode(column: "organization_id", as: String.self),
            issuer: try row.decode(column: "issuer", as: String.self),
            purpose: try row.decode(column: "purpose", as: String.self),
            url: try row.decode(column: "url", as: String.self),
            size: try row.decode(column: "size", as: Int.self),
            permutationKey: try row.decode(column: "permutation_key", as: String.self),
            allocated: try row.decode(column: "allocated", as: Int.self),
            encodedList: try row.decode(column: "encoded_list", as: String.self),
            credential: try row.decode(column: "credential", as: String.self),
            isOpen: try row.decode(column: "is_open", as: Int.self) != 0,
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Self.date(try row.decode(column: "updated_at", as: Int64.self)))
    }

    private func statusEntry(from row: any SQLRow) throws -> StoredStatusEntry {
        StoredStatusEntry(
            listId: try row.decode(column: "list_id", as: String.self),
            index: try row.decode(column: "status_index", as: Int.self),
            credentialId: try row.decode(column: "credential_id", as: String.self),
            organizationId: try row.decode(column: "organization_id", as: String.self),
            purpose: try row.decode(column: "purpose", as: String.self),
            isSet: try row.decode(column: "is_set", as: Int.self) != 0,
            reason: try row.decode(column: "reason", as: String?.self),
            updatedAt: Self.date(try row.decode(column: "updated_at", as: Int64.self)))
    }
}

/// A CLR 2.0 ClrCredential Vita issued, as stored.
public struct StoredClr: Sendable, Equatable {
    /// Vita's identifier (`clr_…`).
    public var id: String
    /// The credential's `id`.
    public var credentialId: String
    /// The learner it is about.
    public var learnerId: String
    /// The issuing organization.
    public var organizationId: String
    /// The signed credential (JSON).
    public var body: String
    /// When it was issued.
    public var createdAt: Date

    /// Creates a stored CLR.
    public init(id: String, credentialId: String, learnerId: String, organizationId: String, body: String, createdAt: Date) {
        self.id = id
        self.credentialId = credentialId
        self.learnerId = learnerId
        self.organizationId = organizationId
        self.body = body
        self.createdAt = createdAt
    }
}

extension StoreTransaction {
    /// Stores an issued CLR.
    public func insert(_ clr: StoredClr) async throws {
        try await db.raw("""
            INSERT INTO issued_clrs (id, credential_id, learner_id, organization_id, body, created_at) VALUES
            (\(bind: clr.id), \(bind: clr.credentialId), \(bind: clr.learnerId), \(bind: clr.organizationId),
             \(bind: clr.body), \(bind: Self.ms(clr.createdAt)))
            """).run()
    }

    /// The CLRs issued about a learner by `organizations` (all when nil), oldest first.
    public func issuedClrs(learnerId: String, organizations: Set<String>?) async throws -> [StoredClr] {
        try await db.raw("SELECT * FROM issued_clrs WHERE learner_id = \(bind: learnerId) ORDER BY id").all()
            .map(storedClr(from:)).filter { organizations?.contains($0.organizationId) ?? true }
    }

    /// A page of the CLRs issued about a learner by `organizations` (all when nil), oldest first, after the cursor.
    public func issuedClrs(learnerId: String, organizations: Set<String>?, after cursor: String?,
                           limit: Int) async throws -> Page<StoredClr> {
        try await pageByID("issued_clrs", where: "learner_id = \(bind: learnerId) AND \(Self.organizationCondition(organizations))",
                           after: cursor, limit: limit, id: \.id, storedClr(from:))
    }

    private func storedClr(from row: any SQLRow) throws -> StoredClr {
        StoredClr(id: try row.decode(column: "id", as: String.self),
                  credentialId: try row.decode(column: "credential_id", as: String.self),
                  learnerId: try row.decode(column: "learner_id", as: String.self),
                  organizationId: try row.decode(column: "organization_id", as: String.self),
                  body: try row.decode(column: "body", as: String.self),
                  createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)))
    }
}
