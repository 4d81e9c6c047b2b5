import Foundation
import SQLKit
import VitaCore

/// An organization's staff member who signs in to the issuer console.
public struct StaffAccount: Sendable, Equatable {
    /// Vita's identifier (`stf_…`).
    public var id: String
    /// The organization the member works for; every console action is limited to it.
    public var organizationId: String
    /// The login name (unique across Vita, stored lowercased).
    public var login: String
    /// The name shown in the console.
    public var displayName: String
    /// The encoded password hash (never the password).
    public var passwordHash: String
    /// What the member may do.
    public var role: StaffRole
    /// Consecutive failed sign-ins.
    public var failedAttempts: Int
    /// Sign-in is refused until then.
    public var lockedUntil: Date?
    /// When the account was disabled: it signs in no more and its sessions end.
    public var disabledAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    /// Creates an account.
    public init(id: String, organizationId: String, login: String, displayName: String, passwordHash: String,
                role: StaffRole, failedAttempts: Int = 0, lockedUntil: Date? = nil, disabledAt: Date? = nil,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.organizationId = organizationId
        self.login = login
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.role = role
        self.failedAttempts = failedAttempts
        self.lockedUntil = lockedUntil
        self.disabledAt = disabledAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension StoreTransaction {
    /// Stores a new staff account; a login already taken is a validation failure naming `login`.
    public func insert(_ account: StaffAccount) async throws {
        if try await db.raw("SELECT id FROM staff_accounts WHERE login = \(bind: account.login)").first() != nil {
            throw ValidationFailures([.invalidField("login", "is taken")])
        }
        try await db.raw("""
            INSERT INTO staff_accounts (id, organization_id, login, display_name, password_hash, role, failed_attempts,
              locked_until, disabled_at, created_at, updated_at) VALUES
            (\(bind: account.id), \(bind: account.organizationId), \(bind: account.login), \(bind: account.displayName),
             \(bind: account.passwordHash), \(bind: account.role.rawValue), \(bind: account.failedAttempts),
             \(bind: account.lockedUntil.map(Self.ms)), \(bind: account.disabledAt.map(Self.ms)),
             \(bind: Self.ms(account.createdAt)), \(bind: Self.ms(account.updatedAt)))
            """).run()
    }

    private func staffAccount(from row: any SQLRow) throws -> StaffAccount {
        guard let role = StaffRole(rawValue: try row.decode(column: "role", as: String.self)) else {
            throw StorageError(.corrupt, "a staff account has an unknown role")
        }
        return StaffAccount(
            id: try row.decode(column: "id", as: String.self),
            organizationId: try row.decode(column: "organization_id", as: String.self),
            login: try row.decode(column: "login", as: String.self),
            displayName: try row.decode(column: "display_name", as: String.self),
            passwordHash: try row.decode(column: "password_hash", as: String.self),
            role: role,
            failedAttempts: try row.decode(column: "failed_attempts", as: Int.self),
            lockedUntil: try row.decode(column: "locked_until", as: Int64?.self).map(Self.date),
            disabledAt: try row.decode(column: "disabled_at", as: Int64?.self).map(Self.date),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Self.date(try row.decode(column: "updated_at", as: Int64.self)))
    }

    /// The staff account with login `login`, locked for this transaction when `forUpdate` (PostgreSQL `FOR UPDATE`),
    /// so that concurrent failed sign-ins all count.
    public func staffAccount(login: String, forUpdate: Bool = false) async throws -> StaffAccount? {
        try await db.raw("""
            SELECT * FROM staff_accounts WHERE login = \(bind: login)\(unsafeRaw: forUpdate && engine == .postgres ? " FOR UPDATE" : "")
            """).first().map(staffAccount(from:))
    }

    /// The staff account `id`, if any.
    public func staffAccount(id: String) async throws -> StaffAccount? {
        try await db.raw("SELECT * FROM staff_accounts WHERE id = \(bind: id)").first().map(staffAccount(from:))
    }

    /// An organization's staff accounts in creation order.
    public func staffAccounts(organizationId: String, after cursor: String?, limit: Int) async throws -> Page<StaffAccount> {
        let after = try Self.cursorKey(cursor) ?? ""
        let rows = try await db.raw("""
            SELECT * FROM staff_accounts WHERE organization_id = \(bind: organizationId) AND id > \(bind: after)
            ORDER BY id LIMIT \(bind: limit + 1)
            """).all().map(staffAccount(from:))
        return page(rows, limit: limit, key: { $0.id })
    }

    /// Disables a staff account and ends its sessions; false when there is no such account.
    public func disableStaffAccount(id: String, at: Date) async throws -> Bool {
        guard try await staffAccount(id: id) != nil else { return false }
        try await db.raw("""
            UPDATE staff_accounts SET disabled_at = COALESCE(disabled_at, \(bind: Self.ms(at))), updated_at = \(bind: Self.ms(at))
            WHERE id = \(bind: id)
            """).run()
        try await endWebSessions(kind: "staff", subjectId: id)
        return true
    }

    /// Replaces a staff account's password hash, lifts its lock and ends its console sessions.
    public func setStaffPassword(accountId: String, passwordHash: String, at: Date) async throws {
        try await db.raw("""
            UPDATE staff_accounts SET password_hash = \(bind: passwordHash), failed_attempts = 0, locked_until = NULL,
              updated_at = \(bind: Self.ms(at)) WHERE id = \(bind: accountId)
            """).run()
        try await endWebSessions(kind: "staff", subjectId: accountId)
    }

    /// Records the outcome of a staff sign-in: the failure count, the lock, and (after a re-hash) the password hash.
    public func updateStaffSignIn(accountId: String, failedAttempts: Int, lockedUntil: Date?, passwordHash: String? = nil,
                                  at: Date) async throws {
        try await db.raw("""
            UPDATE staff_accounts SET failed_attempts = \(bind: failedAttempts),
              locked_until = \(bind: lockedUntil.map(Self.ms)), password_hash = COALESCE(\(bind: passwordHash), password_hash),
              updated_at = \(bind: Self.ms(at)) WHERE id = \(bind: accountId)
            """).run()
    }
}
