import Foundation
import VitaCore
import VitaOAuth
import VitaStorage

/// The password check behind every sign-in (learners on the consent page and in the wallet, staff in the console).
///
/// A wrong password counts towards the account's lockout (``LockoutPolicy``: concurrent failures all count, because
/// the account row is re-read under lock in the transaction that records them); a locked account is refused without
/// looking at the password; an unknown login costs a password check too, so that timing does not tell which logins
/// exist. Each failure is audited; an outdated hash is upgraded on success.
struct PasswordSignIn<Account: Sendable>: Sendable {
    /// How one kind of account is read and updated.
    struct Accounts: Sendable {
        /// The account with a login, locked for the transaction when asked.
        let find: @Sendable (StoreTransaction, _ login: String, _ forUpdate: Bool) async throws -> Account?
        /// Whether the account may sign in at all (not disabled).
        let isUsable: @Sendable (Account) -> Bool
        let passwordHash: @Sendable (Account) -> String
        let failedAttempts: @Sendable (Account) -> Int
        let lockedUntil: @Sendable (Account) -> Date?
        /// Who a failure is audited as, and about which learner.
        let audit: @Sendable (Account) -> (actor: AuditEntry.Actor, learnerId: String?)
        /// Stores the failure count, the lock and a re-hashed password.
        let update: @Sendable (StoreTransaction, Account, _ failures: Int, _ lockedUntil: Date?, _ rehash: String?, Date) async throws -> Void
    }

    let database: VitaDatabase
    let clock: @Sendable () -> Date
    let accounts: Accounts
    let lockout = LockoutPolicy.standard
    let hasher = PasswordHasher.standard

    /// A hash to check passwords of unknown logins against.
    static var unknownLoginHash: String? { LearnerSignIn.unknownLoginHash }

    enum Outcome<Value: Sendable>: Sendable {
        case signedIn(Account, Value)
        case wrong
        case locked
    }

    func attempt<Value: Sendable>(login rawLogin: String, password: String, action: String,
                                  onSuccess: @escaping @Sendable (StoreTransaction, Account, Date) async throws -> Value)
        async throws -> Outcome<Value> {
        let login = rawLogin.lowercased()
        let started = clock()
        let accounts = accounts
        guard !login.isEmpty, login.count <= 320,
              let account = try await database.read({ try await accounts.find($0, login, false) }),
              accounts.isUsable(account) else {
            if let hash = Self.unknownLoginHash { _ = try? PasswordHasher.verify(password, against: hash) }
            return .wrong
        }
        if lockout.isLocked(lockedUntil: accounts.lockedUntil(account), now: started) { return .locked }
        let matches = (try? PasswordHasher.verify(password, against: accounts.passwordHash(account))) ?? false
        let rehash = matches && hasher.needsRehash(accounts.passwordHash(account)) ? try? hasher.hash(password) : nil
        let at = clock()
        let lockout = lockout
        return try await database.transaction { tx -> Outcome<Value> in
            // Re-read under lock: concurrent failures all count, and a lock set meanwhile holds.
            guard let current = try await accounts.find(tx, login, true), accounts.isUsable(current) else { return .wrong }
            if lockout.isLocked(lockedUntil: accounts.lockedUntil(current), now: at) { return .locked }
            guard matches else {
                let next = lockout.afterFailure(previousFailures: accounts.failedAttempts(current), now: at)
                try await accounts.update(tx, current, next.failures, next.lockedUntil, nil, at)
                let (actor, learnerId) = accounts.audit(current)
                try await tx.appendAudit(AuditEntry(occurredAt: at, actor: actor, action: action, learnerId: learnerId,
                                                    categories: [], agreementId: nil, outcome: .denied,
                                                    reason: next.lockedUntil == nil ? "wrong password" : "wrong password; locked"))
                return next.lockedUntil == nil ? .wrong : .locked
            }
            try await accounts.update(tx, current, 0, nil, rehash, at)
            return .signedIn(current, try await onSuccess(tx, current, at))
        }
    }
}

/// Checks a learner's login name and password, for the OAuth consent page and the wallet's sign-in page alike
/// (``PasswordSignIn``: lockout, audited failures, no timing difference for unknown logins).
public struct LearnerSignIn: Sendable {
    /// How a sign-in ended.
    public enum Outcome<Value: Sendable>: Sendable {
        /// The password matched; `value` is what the success step returned.
        case signedIn(learnerId: String, value: Value)
        /// No such login, or the wrong password.
        case wrong
        /// Too many failures: the account is locked for a while.
        case locked
    }

    let core: PasswordSignIn<LearnerAccount>

    /// Signs in against the learner accounts in `database`; `clock` is injectable for tests.
    public init(database: VitaDatabase, clock: @escaping @Sendable () -> Date = { Date() }) {
        core = PasswordSignIn(database: database, clock: clock, accounts: .init(
            find: { tx, login, forUpdate in try await tx.learnerAccount(login: login, forUpdate: forUpdate) },
            isUsable: { _ in true }, passwordHash: { $0.passwordHash }, failedAttempts: { $0.failedAttempts },
            lockedUntil: { $0.lockedUntil }, audit: { (.init(kind: .learner, id: $0.learnerId), $0.learnerId) },
            update: { tx, account, failures, lockedUntil, rehash, at in
                try await tx.updateSignIn(accountId: account.id, failedAttempts: failures, lockedUntil: lockedUntil,
                                          passwordHash: rehash, at: at)
            }))
    }

    /// A hash to check passwords of unknown logins against.
    static let unknownLoginHash: String? = try? PasswordHasher.standard.hash("vita: no such account, never a password")

    /// Signs in `login` with `password`; on success runs `onSuccess` in the same transaction (to issue a code or
    /// start a session). `action` names the audit entry of a failure (`oauth.signin`, `web.signin`).
    public func attempt<Value: Sendable>(login: String, password: String, action: String,
                                         onSuccess: @escaping @Sendable (StoreTransaction, LearnerAccount, Date) async throws -> Value)
        async throws -> Outcome<Value> {
        switch try await core.attempt(login: login, password: password, action: action, onSuccess: onSuccess) {
        case .signedIn(let account, let value): .signedIn(learnerId: account.learnerId, value: value)
        case .wrong: .wrong
        case .locked: .locked
        }
    }
}

/// Checks a staff member's login name and password for the issuer console (``PasswordSignIn``); a disabled account
/// cannot sign in (answered as a wrong password, so that it tells nothing).
public struct StaffSignIn: Sendable {
    /// How a sign-in ended.
    public enum Outcome<Value: Sendable>: Sendable {
        /// The password matched.
        case signedIn(StaffMember, value: Value)
        /// No such login, a disabled account, or the wrong password.
        case wrong
        /// Too many failures: the account is locked for a while.
        case locked
    }

    let core: PasswordSignIn<StaffAccount>

    /// Signs in against the staff accounts in `database`; `clock` is injectable for tests.
    public init(database: VitaDatabase, clock: @escaping @Sendable () -> Date = { Date() }) {
        core = PasswordSignIn(database: database, clock: clock, accounts: .init(
            find: { tx, login, forUpdate in try await tx.staffAccount(login: login, forUpdate: forUpdate) },
            isUsable: { $0.disabledAt == nil }, passwordHash: { $0.passwordHash }, failedAttempts: { $0.failedAttempts },
            lockedUntil: { $0.lockedUntil }, audit: { (.init(kind: .staff, id: $0.id), nil) },
            update: { tx, account, failures, lockedUntil, rehash, at in
                try await tx.updateStaffSignIn(accountId: account.id, failedAttempts: failures, lockedUntil: lockedUntil,
                                               passwordHash: rehash, at: at)
            }))
    }

    /// Signs in `login` with `password`; on success runs `onSuccess` in the same transaction (to start a session).
    public func attempt<Value: Sendable>(login: String, password: String, action: String,
                                         onSuccess: @escaping @Sendable (StoreTransaction, StaffMember, Date) async throws -> Value)
        async throws -> Outcome<Value> {
        let outcome = try await core.attempt(login: login, password: password, action: action) { tx, account, at in
            try await onSuccess(tx, StaffMember(id: account.id, organizationId: account.organizationId, role: account.role), at)
        }
        switch outcome {
        case .signedIn(let account, let value):
            return .signedIn(StaffMember(id: account.id, organizationId: account.organizationId, role: account.role), value: value)
        case .wrong: return .wrong
        case .locked: return .locked
        }
    }
}
