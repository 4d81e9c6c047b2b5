import VitaCore

/// One scope Vita's authorization server grants.
///
/// The 1EdTech scopes are those of Open Badges 3.0 and CLR 2.0 (§ "OAuth 2.0" of each specification): credential
/// read-only, credential upsert, profile read-only, profile update. Vita's own scopes are `vita:<category>:read` and
/// `vita:<category>:write` for each record category of the Learner API, and `vita:approvals` (see and revoke the
/// learner's own approvals of clients). `offline_access` is accepted because the 1EdTech examples request it next to
/// their scopes; it grants no data by itself.
public enum OAuthScope: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 1EdTech service a scope belongs to.
    public enum Service: String, Sendable, CaseIterable {
        case openBadges = "ob/v3p0"
        case clr = "clr/v2p0"

        var name: String { self == .openBadges ? "Open Badges" : "Comprehensive Learner Records" }
    }

    /// What a 1EdTech scope lets a client do.
    public enum Action: String, Sendable, CaseIterable {
        case credentialReadOnly = "credential.readonly"
        case credentialUpsert = "credential.upsert"
        case profileReadOnly = "profile.readonly"
        case profileUpdate = "profile.update"
    }

    /// A 1EdTech scope, `https://purl.imsglobal.org/spec/<service>/scope/<action>`.
    case oneEdTech(Service, Action)
    /// `vita:<category>:<read|write>`.
    case vita(RecordCategory, Permission)
    /// `vita:approvals`: list and revoke the learner's approvals.
    case manageApprovals
    /// `vita:wallet`: the learner's wallet — collections, share links, imports, export, consents, the access log.
    case wallet
    /// `offline_access`.
    case offlineAccess

    /// Every scope Vita knows, in a stable order (the order of the metadata document).
    public static let all: [OAuthScope] = {
        var all: [OAuthScope] = []
        for service in Service.allCases {
            for action in Action.allCases { all.append(.oneEdTech(service, action)) }
        }
        for category in RecordCategory.allCases {
            for permission in Permission.allCases where !(category == .profile && permission == .write) {
                all.append(.vita(category, permission))
            }
        }
        return all + [.manageApprovals, .wallet, .offlineAccess]
    }()

    /// Parses one scope token; nil when Vita does not know it.
    public init?(_ text: String) {
        if text == "offline_access" {
            self = .offlineAccess
            return
        }
        if text == "vita:approvals" {
            self = .manageApprovals
            return
        }
        if text == "vita:wallet" {
            self = .wallet
            return
        }
        let prefix = "https://purl.imsglobal.org/spec/"
        if text.hasPrefix(prefix) {
            for service in Service.allCases {
                for action in Action.allCases where text == "\(prefix)\(service.rawValue)/scope/\(action.rawValue)" {
                    self = .oneEdTech(service, action)
                    return
                }
            }
            return nil
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "vita", let category = RecordCategory(rawValue: String(parts[1])),
              let permission = Permission(rawValue: String(parts[2])) else { return nil }
        // The profile is computed, never written.
        guard !(category == .profile && permission == .write) else { return nil }
        self = .vita(category, permission)
    }

    /// The scope token on the wire.
    public var description: String {
        switch self {
        case .oneEdTech(let service, let action): "https://purl.imsglobal.org/spec/\(service.rawValue)/scope/\(action.rawValue)"
        case .vita(let category, let permission): "vita:\(category.rawValue):\(permission.rawValue)"
        case .manageApprovals: "vita:approvals"
        case .wallet: "vita:wallet"
        case .offlineAccess: "offline_access"
        }
    }

    /// What the scope lets a client do, in plain language for the consent page.
    public var plainLanguage: String {
        switch self {
        case .oneEdTech(let service, .credentialReadOnly): "Read your \(service.name) credentials"
        case .oneEdTech(let service, .credentialUpsert): "Add \(service.name) credentials to your record, or replace them"
        case .oneEdTech(let service, .profileReadOnly): "Read your \(service.name) profile"
        case .oneEdTech(let service, .profileUpdate): "Change your \(service.name) profile"
        case .vita(.profile, _): "Read your learner profile (computed from your records)"
        case .vita(let category, .read): "Read your \(category.rawValue) records"
        case .vita(let category, .write): "Add or change your \(category.rawValue) records"
        case .manageApprovals: "See and revoke the applications you have approved"
        case .wallet: "Use your wallet: collections, share links, importing and exporting your credentials, your consents and who accessed your records"
        case .offlineAccess: "Keep this access while you are not signed in (until you revoke it)"
        }
    }

    public static func < (lhs: OAuthScope, rhs: OAuthScope) -> Bool {
        (all.firstIndex(of: lhs) ?? 0) < (all.firstIndex(of: rhs) ?? 0)
    }
}

/// A set of scopes with the space-separated wire form of RFC 6749 §3.3.
public struct OAuthScopes: Hashable, Sendable, CustomStringConvertible {
    /// The scopes.
    public private(set) var scopes: Set<OAuthScope>

    /// Creates a set.
    public init(_ scopes: some Sequence<OAuthScope>) {
        self.scopes = Set(scopes)
    }

    /// RFC 6749 §3.3: `scope = scope-token *( SP scope-token )`. Throws `invalid_scope` naming the first unknown
    /// token (only Vita's own vocabulary can be named; an unknown token is quoted truncated).
    public init(parsing text: String) throws {
        var scopes = Set<OAuthScope>()
        for token in text.split(separator: " ", omittingEmptySubsequences: true) {
            guard let scope = OAuthScope(String(token)) else {
                throw OAuthError(.invalidScope, "unknown scope '\(token.prefix(80))'")
            }
            scopes.insert(scope)
        }
        self.scopes = scopes
    }

    /// Whether the set is empty.
    public var isEmpty: Bool { scopes.isEmpty }

    /// Whether the set holds `scope`.
    public func contains(_ scope: OAuthScope) -> Bool { scopes.contains(scope) }

    /// Whether every scope of `other` is in this set.
    public func isSuperset(of other: OAuthScopes) -> Bool { scopes.isSuperset(of: other.scopes) }

    /// Whether the set lets its holder `permission` records of `category` (`vita:<category>:<permission>`).
    public func allows(_ category: RecordCategory, _ permission: Permission) -> Bool {
        scopes.contains(.vita(category, permission))
    }

    /// The scopes in a stable order.
    public var sorted: [OAuthScope] { scopes.sorted() }

    /// The space-separated wire form, in a stable order.
    public var description: String { sorted.map(\.description).joined(separator: " ") }
}
