import VitaJSON

/// A resolved verification method: the public key a proof's `verificationMethod` names,
/// who controls it, and for which proof purposes the controller authorized it.
public struct VerificationMethod: Sendable, Hashable {
    /// The verification method id (a URL, e.g. `did:key:z6Mk…#z6Mk…`).
    public var id: String
    /// The type, e.g. `Multikey` or `Ed25519VerificationKey2020`.
    public var type: String
    /// The controller (a DID or URL): what the issuer id is compared against.
    public var controller: String
    /// The public key.
    public var publicKey: Multikey
    /// Verification relationships the controller's document lists this method under
    /// (`assertionMethod`, `authentication`, …); empty means "not stated" (not checked).
    public var relationships: Set<String>

    /// A resolved method.
    public init(id: String, type: String = "Multikey", controller: String, publicKey: Multikey, relationships: Set<String> = []) {
        self.id = id
        self.type = type
        self.controller = controller
        self.publicKey = publicKey
        self.relationships = relationships
    }
}

/// Resolves a proof's `verificationMethod` to a key.
///
/// Implementations must never crash and should not block forever; a method they cannot
/// resolve is reported by throwing ``CredentialError/Code/unresolvableVerificationMethod``
/// (or ``CredentialError/Code/unsupported`` for a recognised but unsupported key type),
/// which verification turns into a failed check with the error's reason. The protocol is
/// `async` so that network-backed resolvers (did:web, https controller documents) can be
/// added later without changing callers; the ones in this module are offline.
public protocol VerificationMethodResolver: Sendable {
    /// The verification method with this id.
    func resolve(_ verificationMethodID: String) async throws(CredentialError) -> VerificationMethod
}

/// Resolves `did:key` verification methods offline, from the identifier alone.
public struct DIDKeyResolver: VerificationMethodResolver {
    /// The did:key resolver.
    public init() {}

    public func resolve(_ verificationMethodID: String) async throws(CredentialError) -> VerificationMethod {
        try Self.resolveSynchronously(verificationMethodID)
    }

    /// Why a non-did:key method cannot be resolved offline.
    static func unsupportedReason(_ id: String) -> String {
        if id.hasPrefix("did:web:") { return "did:web resolution is not available (only did:key is resolved, offline)" }
        if id.hasPrefix("did:") { return "DID method \(id.split(separator: ":").dropFirst().first ?? "") is not supported (only did:key)" }
        if id.hasPrefix("https:") || id.hasPrefix("http:") {
            return "controller documents are not fetched (only did:key is resolved, offline)"
        }
        guard let colon = id.firstIndex(of: ":"), colon != id.startIndex else { return "not a URL (no scheme)" }
        return "URL scheme \(id[..<colon]) is not supported (only did:key)"
    }

    /// The synchronous core of ``resolve(_:)``.
    public static func resolveSynchronously(_ verificationMethodID: String) throws(CredentialError) -> VerificationMethod {
        guard verificationMethodID.hasPrefix("did:key:") else {
            throw CredentialError(.unresolvableVerificationMethod, unsupportedReason(verificationMethodID))
        }
        let did: DIDKey
        do { did = try DIDKey(parsing: verificationMethodID) } catch {
            throw CredentialError(.unresolvableVerificationMethod, "malformed did:key: \(error.reason)")
        }
        return VerificationMethod(
            id: did.verificationMethodID, type: "Multikey", controller: did.did, publicKey: did.publicKey,
            relationships: ["assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"])
    }
}

/// Resolves from a fixed list of verification methods (Vita's own issuing keys, keys
/// obtained out of band, tests).
public struct StaticVerificationMethodResolver: VerificationMethodResolver {
    /// The known methods by id.
    public let methods: [String: VerificationMethod]

    /// A resolver over these methods (a later duplicate id wins).
    public init(_ methods: [VerificationMethod]) {
        var byID: [String: VerificationMethod] = [:]
        for m in methods { byID[m.id] = m }
        self.methods = byID
    }

    public func resolve(_ verificationMethodID: String) async throws(CredentialError) -> VerificationMethod {
        guard let m = methods[verificationMethodID] else {
            throw CredentialError(.unresolvableVerificationMethod, "verification method \(verificationMethodID) is not known")
        }
        return m
    }
}

/// Tries resolvers in order; the first that resolves wins. If none does, the error of
/// the first resolver that recognised the identifier (anything but "unresolvable") is
/// thrown, otherwise one naming the method.
public struct ChainedVerificationMethodResolver: VerificationMethodResolver {
    /// The resolvers, in the order they are tried.
    public let resolvers: [any VerificationMethodResolver]

    /// Chains resolvers.
    public init(_ resolvers: [any VerificationMethodResolver]) { self.resolvers = resolvers }

    public func resolve(_ verificationMethodID: String) async throws(CredentialError) -> VerificationMethod {
        var firstSpecific: CredentialError?
        var last: CredentialError?
        for r in resolvers {
            do { return try await r.resolve(verificationMethodID) } catch {
                if error.code != .unresolvableVerificationMethod, firstSpecific == nil { firstSpecific = error }
                last = error
            }
        }
        throw firstSpecific ?? last ?? CredentialError(.unresolvableVerificationMethod,
            "no resolver for verification method \(verificationMethodID)")
    }
}
