import Foundation
import Hummingbird
import VitaCore
import VitaOAuth
import VitaStorage

/// Organizations' staff accounts for the issuer console: an administrator key, or the organization's own
/// administrator (staff role `admin`), creates, lists, disables them and sets a new password for them; each member
/// changes their own password with the current one.
public struct StaffRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    /// Replays creations for a repeated `Idempotency-Key`.
    let idempotency: Idempotency
    let signIn: StaffSignIn

    init(database: VitaDatabase, gate: AccessGate, reader: RequestReader, idempotency: Idempotency) {
        self.database = database
        self.gate = gate
        self.reader = reader
        self.idempotency = idempotency
        signIn = StaffSignIn(database: database, clock: gate.clock)
    }

    /// A staff account as the API shows it (never its password hash or lockout counters).
    struct View: Encodable {
        var id: String
        var organizationId: String
        var login: String
        var displayName: String
        var role: String
        var disabled: Bool
        var createdAt: Date

        init(_ account: StaffAccount) {
            id = account.id
            organizationId = account.organizationId
            login = account.login
            displayName = account.displayName
            role = account.role.rawValue
            disabled = account.disabledAt != nil
            createdAt = account.createdAt
        }
    }

    struct Create: Decodable {
        var login: String
        var password: String
        var role: String
        var displayName: String?
    }

    struct PasswordChange: Decodable {
        var currentPassword: String
        var newPassword: String
    }

    struct PasswordReset: Decodable {
        var newPassword: String
    }

    /// Checks a new password and hashes it; shared with `vita staff password`. Throws `ValidationFailures` naming
    /// `field`.
    public static func passwordHash(_ password: String, field: String) throws -> String {
        var failures = ValidationFailures()
        check(password, field: field, into: &failures)
        try failures.throwIfAny()
        return try PasswordHasher.standard.hash(password)
    }

    /// Adds to `failures` why `password` is not acceptable as a new password, if it is not.
    private static func check(_ password: String, field: String, into failures: inout ValidationFailures) {
        do {
            try PasswordHasher.check(newPassword: password)
        } catch {
            failures.require(false, field, (error as? OAuthError)?.reason ?? "is not acceptable")
        }
    }

    /// Checks a new account's fields and hashes its password; shared with `vita staff create`. Throws
    /// `ValidationFailures` naming each bad field.
    public static func account(organizationId: String, login rawLogin: String, password: String, role rawRole: String,
                               displayName: String?, now: Date) throws -> StaffAccount {
        let login = rawLogin.trimmingCharacters(in: .whitespaces).lowercased()
        var failures = ValidationFailures()
        failures.require(!login.isEmpty && login.count <= 320 && !login.contains(where: \.isWhitespace), "login",
                         "must be 1 to 320 characters without spaces")
        let role = StaffRole(rawValue: rawRole)
        failures.require(role != nil, "role", "must be admin, issuer or auditor")
        let name = (displayName ?? login).trimmingCharacters(in: .whitespaces)
        failures.require(!name.isEmpty && name.count <= 200, "displayName", "must be 1 to 200 characters")
        check(password, field: "password", into: &failures)
        try failures.throwIfAny()
        let hash = try PasswordHasher.standard.hash(password)
        let at = Timestamp.truncated(now)
        return StaffAccount(id: EntityID.make("stf", now: at), organizationId: organizationId, login: login,
                            displayName: name, passwordHash: hash, role: role!, createdAt: at, updatedAt: at)
    }

    /// The staff account `id`, when `principal` may act on it: an administrator key on any, the organization's staff
    /// on their own organization's only. Another organization's account is not found, so its existence is not revealed.
    private static func account(_ tx: StoreTransaction, _ id: String, actedOnBy principal: Principal) async throws -> StaffAccount {
        guard let found = try await tx.staffAccount(id: id),
              principal.organizationId == nil || principal.organizationId == found.organizationId else {
            throw Problem.notFound("staff account")
        }
        return found
    }

    func register(in catalog: RouteCatalog) {
        let base = "/api/v1/organizations/{organizationId}/staff"
        catalog.add(Operation(method: .post, path: base, operationId: "createStaff",
                              summary: "Create a staff account of the organization for the issuer console (role admin, issuer or auditor)",
                              tag: "Administration", access: .admin, query: [], headers: [Idempotency.header],
                              requestSchema: "CreateStaff", success: (201, "StaffAccount"),
                              errors: [400, 401, 403, 404, 413, 422])) { request, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            let principal = context.principal!
            try StaffAccess.requireOwn(principal, organizationId: organizationId)
            let (input, raw) = try await reader.decode(Create.self, from: request)
            // Hashed before the transaction (scrypt is deliberately slow, and no write waits on it); a replay leaves it unused.
            let account = try Self.account(organizationId: organizationId, login: input.login, password: input.password,
                                           role: input.role, displayName: input.displayName, now: gate.clock())
            return try await idempotency.create(request, context, raw: raw, database: database,
                                                now: Timestamp.truncated(gate.clock())) { tx in
                guard try await tx.organization(id: organizationId) != nil else { throw Problem.notFound("organization") }
                try await tx.insert(account)
                try await gate.audit(tx, principal, action: "staff.create")
                return (try Idempotency.encode(View(account)), nil)
            }
        }
        catalog.add(Operation(method: .get, path: base, operationId: "listStaff",
                              summary: "The organization's staff accounts", tag: "Administration", access: .admin,
                              query: AdminRoutes.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "StaffAccountList"), errors: [400, 401, 403])) { request, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            try StaffAccess.requireOwn(context.principal!, organizationId: organizationId)
            let (cursor, limit) = try reader.paging(request)
            let page = try await database.read {
                try await $0.staffAccounts(organizationId: organizationId, after: cursor, limit: limit)
            }
            return try APIJSON.response(DTO.List(items: page.items.map(View.init), nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "/api/v1/staff/me", operationId: "getMyStaffAccount",
                              summary: "The calling staff member's own account (the issuer console's signed-in user)",
                              tag: "Administration", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (200, "StaffAccount"), errors: [401, 403, 404])) { _, context in
            guard case .staff(let member) = context.principal else {
                throw Problem.notFound("staff account of this caller")
            }
            guard let account = try await database.read({ try await $0.staffAccount(id: member.id) }) else {
                throw Problem.notFound("staff account")
            }
            return try APIJSON.response(View(account))
        }
        catalog.add(Operation(method: .post, path: "/api/v1/staff/{staffId}/disable", operationId: "disableStaff",
                              summary: "Disable a staff account: it signs in no more and its console sessions end at once",
                              tag: "Administration", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (200, "StaffAccount"), errors: [401, 403, 404])) { _, context in
            let id = try reader.id(context, "staffId", prefix: "stf", what: "staff account")
            let principal = context.principal!
            let account = try await database.transaction { tx -> StaffAccount in
                _ = try await Self.account(tx, id, actedOnBy: principal)
                guard try await tx.disableStaffAccount(id: id, at: Timestamp.truncated(gate.clock())),
                      let disabled = try await tx.staffAccount(id: id) else { throw Problem.notFound("staff account") }
                try await gate.audit(tx, principal, action: "staff.disable")
                return disabled
            }
            return try APIJSON.response(View(account))
        }
        catalog.add(Operation(method: .post, path: "/api/v1/staff/me/password", operationId: "changeMyStaffPassword",
                              summary: "Change the calling staff member's password, given the current one: a wrong one counts as a failed sign-in (five lock the account for a while); on success every console session of the member ends",
                              tag: "Administration", access: .admin, query: [], headers: [],
                              requestSchema: "ChangeStaffPassword", success: (200, "StaffAccount"),
                              errors: [400, 401, 403, 404, 413, 422])) { request, context in
            guard case .staff(let member) = context.principal else {
                throw Problem.notFound("staff account of this caller")
            }
            let (input, _) = try await reader.decode(PasswordChange.self, from: request)
            let hash = try Self.passwordHash(input.newPassword, field: "newPassword")
            guard let login = try await database.read({ try await $0.staffAccount(id: member.id) })?.login else {
                throw Problem.notFound("staff account")
            }
            let outcome = try await signIn.attempt(login: login, password: input.currentPassword,
                                                   action: "staff.password.change") { tx, member, at in
                try await tx.setStaffPassword(accountId: member.id, passwordHash: hash, at: at)
                try await tx.appendAudit(AuditEntry(occurredAt: at, actor: .init(kind: .staff, id: member.id),
                                                    action: "staff.password.change", learnerId: nil, categories: [],
                                                    agreementId: nil, outcome: .allowed, reason: nil))
                return try await tx.staffAccount(id: member.id)
            }
            switch outcome {
            case .signedIn(_, let account?): return try APIJSON.response(View(account))
            case .signedIn(_, nil): throw Problem.notFound("staff account")
            case .wrong: throw ValidationFailures([.invalidField("currentPassword", "is not the account's password")])
            case .locked:
                throw ValidationFailures([.invalidField("currentPassword",
                                                        "cannot be checked now: too many wrong passwords; try again later")])
            }
        }
        catalog.add(Operation(method: .post, path: "/api/v1/staff/{staffId}/password", operationId: "resetStaffPassword",
                              summary: "Set a new password for a staff account (forgotten or compromised): its lock is lifted and its console sessions end; members change their own with changeMyStaffPassword",
                              tag: "Administration", access: .admin, query: [], headers: [],
                              requestSchema: "ResetStaffPassword", success: (200, "StaffAccount"),
                              errors: [400, 401, 403, 404, 413, 422])) { request, context in
            let id = try reader.id(context, "staffId", prefix: "stf", what: "staff account")
            let principal = context.principal!
            if case .staff(let member) = principal, member.id == id {
                throw ValidationFailures([.invalidField("staffId", "is your own account: change your password with the current one (changeMyStaffPassword)")])
            }
            let (input, _) = try await reader.decode(PasswordReset.self, from: request)
            let hash = try Self.passwordHash(input.newPassword, field: "newPassword")
            let account = try await database.transaction { tx -> StaffAccount in
                let found = try await Self.account(tx, id, actedOnBy: principal)
                try await tx.setStaffPassword(accountId: id, passwordHash: hash, at: Timestamp.truncated(gate.clock()))
                try await gate.audit(tx, principal, action: "staff.password.reset", reason: "staff account \(id)")
                return try await tx.staffAccount(id: id) ?? found
            }
            return try APIJSON.response(View(account))
        }
    }
}
