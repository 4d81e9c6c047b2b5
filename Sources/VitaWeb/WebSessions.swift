import Crypto
import Foundation
import Hummingbird
import VitaCore
import VitaStorage

/// Signed-in browsers, kept in the database so that any node answers any session (Vita keeps no node-local state).
///
/// The cookie holds 256 random bits; the database holds only their SHA-256, so a copy of the database signs nobody
/// in. A session ends after ``idleLifetime`` without a request, after ``absoluteLifetime`` in any case, when its
/// holder signs out, and for every browser at once when they sign out everywhere (or their record is erased). Each
/// kind of account has its own cookie, so a learner's wallet and a staff member's console never share a session.
/// Cookies are `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` behind https; a sign-in always starts a new
/// session (no fixation).
struct WebSessions: Sendable {
    /// The kinds of account that sign in to the web interface.
    enum Kind: String, Sendable {
        /// A learner, in the wallet.
        case learner
        /// An organization's staff member, in the issuer console.
        case staff

        /// The cookie that carries this kind's session.
        var cookieName: String {
            switch self {
            case .learner: "vita_wallet"
            case .staff: "vita_admin"
            }
        }
    }

    /// A live session.
    struct Session: Sendable, Equatable {
        let kind: Kind
        /// The learner id for a learner, the staff account id for staff.
        let subjectId: String
        /// SHA-256 of the cookie's secret.
        let idHash: String
    }

    /// A session ends after this long without a request (30 minutes).
    static let idleLifetime: TimeInterval = 30 * 60
    /// A session ends this long after sign-in whatever happens (12 hours).
    static let absoluteLifetime: TimeInterval = 12 * 3600
    /// A session's deadline is moved on at most this often, so that reads do not each write.
    static let touchInterval: TimeInterval = 60

    let database: VitaDatabase
    let secureCookies: Bool
    let clock: @Sendable () -> Date

    /// A new session secret (256 random bits, base64url), for the cookie.
    static func newSecret() -> String {
        Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64URL
    }

    /// The row of a new session holding `secret` for `subjectId`, to be inserted in the sign-in's transaction.
    func record(_ kind: Kind, secret: String, subjectId: String, at now: Date) -> StoredWebSession {
        StoredWebSession(idHash: Self.hash(secret), subjectKind: kind.rawValue, subjectId: subjectId, createdAt: now,
                         lastSeenAt: now, expiresAt: now + Self.idleLifetime)
    }

    /// The `Set-Cookie` value that hands `secret` to the browser.
    func setCookie(_ kind: Kind, secret: String) -> String {
        cookie(kind, value: secret, maxAge: Int(Self.absoluteLifetime))
    }

    /// The live session of `kind` the request's cookie names, moving its idle deadline on; nil when there is none
    /// (no cookie, unknown, expired, ended).
    func current(_ request: Request, _ kind: Kind) async throws -> Session? {
        guard let secret = Self.cookieValue(request, kind.cookieName) else { return nil }
        let idHash = Self.hash(secret)
        let now = clock()
        guard let stored = try await database.read({ try await $0.webSession(idHash: idHash, now: now) }),
              stored.subjectKind == kind.rawValue else { return nil }
        if now.timeIntervalSince(stored.lastSeenAt) >= Self.touchInterval {
            let deadline = min(stored.createdAt + Self.absoluteLifetime, now + Self.idleLifetime)
            try await database.transaction { try await $0.touchWebSession(idHash: idHash, lastSeenAt: now, expiresAt: deadline) }
        }
        return Session(kind: kind, subjectId: stored.subjectId, idHash: idHash)
    }

    /// Ends `session`, or every session of its subject when `everywhere`; returns the `Set-Cookie` value that
    /// clears the browser's cookie.
    func end(_ session: Session, everywhere: Bool) async throws -> String {
        try await database.transaction { tx in
            if everywhere {
                try await tx.endWebSessions(kind: session.kind.rawValue, subjectId: session.subjectId)
            } else {
                try await tx.endWebSession(idHash: session.idHash)
            }
        }
        return clearingCookie(session.kind)
    }

    /// The `Set-Cookie` value that removes a kind's cookie from the browser.
    func clearingCookie(_ kind: Kind) -> String {
        cookie(kind, value: "", maxAge: 0)
    }

    private func cookie(_ kind: Kind, value: String, maxAge: Int) -> String {
        var cookie = "\(kind.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax"
        if secureCookies { cookie += "; Secure" }
        return cookie
    }

    /// The value of cookie `name` in the request, when it looks like one of Vita's secrets.
    static func cookieValue(_ request: Request, _ name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                if value.count == 43, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                    return value
                }
            }
        }
        return nil
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
