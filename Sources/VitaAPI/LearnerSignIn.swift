import Foundation
import VitaCore
import VitaOAuth
import VitaStorage

/// Checks a learner's login name and password, for the OAuth consent page and the wallet's sign-in page alike.
///
/// A wrong password counts towards the account's lockout (``LockoutPolicy``: concurrent failures all count, because
/// the account row is re-read under lock in the transaction that records them); a locked account is refused without
/// looking at the password; an unknown login costs a password check too, so that timing does not tell which logins
/// exist. Each failure is audited under the learner; an outdated hash is upgraded on success.
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

    let database: VitaDatabase
    let clock: @Sendable () -> Date

    /// Signs in against the learner accounts in `database`; `clock` is injectable for tests.
    public init(database: VitaDatabase, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.clock = clock
    }

    let lockout = LockoutPolicy.standard
    let hasher = PasswordHasher.standard

    /// A hash to check passwords of unknown logins against.
    static let unknownLoginHash: String? = try? PasswordHasher.standard.hash("vita: no such account, never a password")

    /// Signs in `login` with `password`; on success runs `onSuccess` in the same transaction (to issue a code or
    /// start a session). `action` names the audit entry of a failure (`oauth.signin`, `web.signin`).
    public func attempt<Value: Sendable>(login rawLogin: String, password: String, action: String,
                                         onSuccess: @escaping @Sendable (StoreTransaction, LearnerAccount, Date) async throws -> Value)
        async throws -> Outcome<Value> {
        let login = rawLogin.lowercased()
        let started = clock()
        guard !login.isEmpty, login.count <= 320,
              let account = try await database.read({ try await $0.learnerAccount(login: login) }) else {
            if let hash = Self.unknownLoginHash { _ = try? PasswordHasher.verify(password, against: hash) }
            return .wrong
        }
        if lockout.isLocked(lockedUntil: account.lockedUntil, now: started) { return .locked }
        let matches = (try? PasswordHasher.verify(password, against: account.passwordHash)) ?? false
        let rehash = matches && hasher.needsRehash(account.passwordHash) ? try? hasher.hash(password) : nil
        let at = clock()
        let lockout = lockout
        return try await database.transaction { tx -> Outcome<Value> in
            // Re-read under lock: concurrent failures all count, and a lock set meanwhile holds.
            guard let current = try await tx.learnerAccount(login: login, forUpdate: true) else { return .wrong }
            if lockout.isLocked(lockedUntil: current.lockedUntil, now: at) { return .locked }
            guard matches else {
                let next = lockout.afterFailure(previousFailures: current.failedAttempts, now: at)
                try await tx.updateSignIn(accountId: current.id, failedAttempts: next.failures, lockedUntil: next.lockedUntil,
                                          at: at)
                try await tx.appendAudit(AuditEntry(occurredAt: at, actor: .init(kind: .learner, id: current.learnerId),
                                                    action: action, learnerId: current.learnerId, categories: [],
                                                    agreementId: nil, outcome: .denied,
                                                    reason: next.lockedUntil == nil ? "wrong password" : "wrong password; locked"))
                return next.lockedUntil == nil ? .wrong : .locked
            }
            try await tx.updateSignIn(accountId: current.id, failedAttempts: 0, lockedUntil: nil, passwordHash: rehash, at: at)
            return .signedIn(learnerId: current.learnerId, value: try await onSuccess(tx, current, at))
        }
    }
}
