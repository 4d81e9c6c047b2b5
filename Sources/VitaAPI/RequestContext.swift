import Hummingbird
import Logging
import NIOCore
import VitaCore

/// Who is calling: an administrator or a connected system.
public enum Principal: Sendable {
    /// An administrator key (`vita admin bootstrap`).
    case admin(keyId: String)
    /// A connected system.
    case system(ConnectedSystem)

    /// The audit actor for this principal.
    var actor: AuditEntry.Actor {
        switch self {
        case .admin(let keyId): .init(kind: .admin, id: keyId)
        case .system(let system): .init(kind: .system, id: system.id)
        }
    }

    /// The organization a connected system belongs to; nil for an administrator (who acts for any organization).
    var organizationId: String? {
        if case .system(let system) = self { return system.organizationId }
        return nil
    }

    /// The key idempotency records are stored under.
    var idempotencyScope: String {
        switch self {
        case .admin(let keyId): keyId
        case .system(let system): system.id
        }
    }
}

/// The request context of Vita's routes.
public struct VitaRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller, set by `AuthenticationMiddleware`.
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }
}
