import Hummingbird
import Logging
import NIOCore
import VitaCore
import VitaOAuth
import VitaStorage

/// Who is calling: an administrator, a connected system, or a learner through an application they approved.
public enum Principal: Sendable {
    /// An administrator key (`vita admin bootstrap`).
    case admin(keyId: String)
    /// A connected system.
    case system(ConnectedSystem)
    /// A learner's OAuth access token (authorization-code grant): the learner, through the client they approved.
    /// It reaches only that learner's own data, read-only, as far as the token's scopes go.
    case learner(learnerId: String, clientId: String)
    /// An organization's staff member signed in to the issuer console. Only the console's in-process calls act as
    /// staff (``WebIdentity/staff(staffId:)``): no bearer credential reaches it from outside, so a staff password is
    /// only ever typed into Vita's own sign-in page, behind its lockout, CSRF protection and session expiry.
    case staff(StaffMember)
    /// The audit actor for this principal.
    var actor: AuditEntry.Actor {
        switch self {
        case .admin(let keyId): .init(kind: .admin, id: keyId)
        case .system(let system): .init(kind: .system, id: system.id)
        case .learner(let learnerId, _): .init(kind: .learner, id: learnerId)
        case .staff(let member): .init(kind: .staff, id: member.id)
        }
    }

    /// The organization a connected system belongs to; nil for an administrator (who acts for any organization) and
    /// for a learner (whose token reaches no organization-scoped operation: `Operation.tokenScopes` closes them).
    var organizationId: String? {
        switch self {
        case .system(let system): system.organizationId
        case .staff(let member): member.organizationId
        case .admin, .learner: nil
        }
    }

    /// The key idempotency records are stored under.
    var idempotencyScope: String {
        switch self {
        case .admin(let keyId): keyId
        case .system(let system): system.id
        case .learner(let learnerId, let clientId): "\(clientId):\(learnerId)"
        case .staff(let member): member.id
        }
    }
}

/// A staff member as the API sees them: who, for which organization, in which role.
public struct StaffMember: Sendable, Equatable {
    /// The staff account (`stf_…`).
    public let id: String
    /// The organization everything they do is limited to.
    public let organizationId: String
    /// What they may do.
    public let role: StaffRole

    /// Creates a staff member.
    public init(id: String, organizationId: String, role: StaffRole) {
        self.id = id
        self.organizationId = organizationId
        self.role = role
    }
}

/// An ``AccessSnapshot`` read while authenticating, and the learner it is of.
struct PrefetchedAccess: Sendable {
    var learnerId: String
    var snapshot: AccessSnapshot
}

/// The request context of Vita's routes.
public struct VitaRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller, set by `AuthenticationMiddleware`. A connected system's OAuth access token sets it
    /// as the system's API key does; a learner's token sets `.learner`.
    public var principal: Principal?
    /// Set when the caller presented an OAuth access token: what the token grants.
    public var token: TokenGrant?
    /// The peer's address (nil when the transport has none, as in router tests).
    public let remoteAddress: SocketAddress?
    /// Set on a web page's in-process call to the API (``InProcessAPI/call(_:_:body:contentType:headers:as:context:)``):
    /// the page itself was authenticated and rate-limited already.
    public internal(set) var isInProcessCall = false
    /// Set on a console page's in-process call: the staff account it acts as, resolved (and refused when disabled)
    /// by `AuthenticationMiddleware`.
    var inProcessStaffId: String?
    /// Set by `AuthenticationMiddleware` on a connected system's read of a learner's profile: the access snapshot read
    /// in the same statement as the system's key (``AccessSnapshot``), for the route to decide on.
    var prefetchedAccess: PrefetchedAccess?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.principal = nil
        self.token = nil
    }
}
