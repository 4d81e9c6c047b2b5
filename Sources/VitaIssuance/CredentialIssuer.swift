import Foundation
import VitaCore
import VitaCredentials
import VitaJSON
import VitaStorage

/// Issuing on behalf of organizations: their keys (sealed at rest), their issuer identifiers (`did:key` per key, or
/// one `did:web` per organization served by Vita), signing, and their Bitstring Status Lists (allocation, revocation,
/// suspension, publication). Shared by the HTTP API and the `vita` command line; every operation that changes data
/// runs inside the caller's transaction, so the caller's audit entry commits with it.
public struct CredentialIssuer: Sendable {
    /// The database the lists and keys live in (read-only helpers open their own transactions).
    public let database: VitaDatabase
    /// Seals and opens private keys.
    public let vault: KeyVault
    /// The URL Vita is reachable at from outside (no trailing slash): status lists and DID documents live under it.
    public let publicBaseURL: String
    /// The clock (injectable for tests).
    public let clock: @Sendable () -> Date

    /// Entries per new status list (default: the spec's minimum, §2.2, 131 072 = 16 KB, which gives group privacy;
    /// verifiers reject shorter lists, so smaller sizes are for tests of list rollover only).
    public let statusListSize: Int
    /// How long verifiers may cache a published list, in milliseconds (Bitstring Status List §2.2 `ttl`).
    public static let statusListTTL = 300_000
    /// The purposes a credential gets entries for: revocation and suspension — except credentials governed by the
    /// 1EdTech JSON Schemas (Open Badges 3.0, CLR 2.0), whose `credentialStatus` must be a single object: those get
    /// a revocation entry only.
    public static func statusPurposes(for credential: JSONValue) -> [StatusPurpose] {
        let types = credential["type"].map { $0.arrayValue ?? [$0] }?.compactMap(\.stringValue) ?? []
        let oneEdTech: Set = ["OpenBadgeCredential", "AchievementCredential", "ClrCredential", "EndorsementCredential"]
        return types.contains(where: oneEdTech.contains) ? [.revocation] : [.revocation, .suspension]
    }

    /// How the issuer of a credential is identified.
    public enum IssuerIdentifier: String, Sendable, CaseIterable {
        /// The `did:key` of the signing key: verifiable offline anywhere; a key rotation changes the issuer id.
        case didKey = "did:key"
        /// The organization's `did:web`, whose document Vita serves: one issuer id across key rotations.
        case didWeb = "did:web"
    }

    /// A key opened for signing, with the issuer id and verification method it signs as.
    public struct SigningIdentity: Sendable {
        /// The organization.
        public let organizationId: String
        /// The key's public description.
        public let key: IssuerKey
        /// The issuer id credentials carry.
        public let issuer: String
        /// The verification method proofs name.
        public let verificationMethod: String
        /// The opened private key: an ``Ed25519KeyPair`` (the EdDSA suites, status lists) or an ``ECDSAKeyPair``
        /// (the ECDSA suites).
        let signer: any ProofSigner
    }

    /// Creates the issuer.
    public init(database: VitaDatabase, vault: KeyVault, publicBaseURL: String,
                clock: @escaping @Sendable () -> Date = { Date() },
                statusListSize: Int = BitstringStatusList.minimumEntries) {
        self.database = database
        self.statusListSize = statusListSize
        self.vault = vault
        var base = publicBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.publicBaseURL = base
        self.clock = clock
    }

    // MARK: Identifiers

    /// The organization's `did:web`, whose document is served at `<base>/organizations/<id>/did.json`.
    public func organizationDID(_ organizationId: String) throws(IssuanceError) -> DIDWeb {
        do {
            return try DIDWeb(baseURL: publicBaseURL, path: ["organizations", organizationId])
        } catch {
            throw IssuanceError(.configuration, "the public URL \(publicBaseURL) cannot host a did:web: \(error.reason)")
        }
    }

    /// The stable URL of a status list.
    public func statusListURL(_ listId: String) -> String { "\(publicBaseURL)/status/\(listId)" }

    // MARK: Keys

    /// Creates the organization's new current key of `type` (retiring the previous one of that type) and returns its
    /// public description. The private half is stored sealed by the vault.
    public func createKey(_ tx: StoreTransaction, organizationId: String, type: VCJWTKeyType) async throws -> IssuerKey {
        guard try await tx.organization(id: organizationId) != nil else {
            throw IssuanceError(.unknownOrganization, "no organization \(organizationId)")
        }
        let now = Timestamp.truncated(clock())
        let id = EntityID.make("key", now: now)
        let secret: [UInt8]
        let key: IssuerKey
        switch type {
        case .ed25519:
            let pair = Ed25519KeyPair()
            let did = pair.didKey
            secret = pair.seed
            key = IssuerKey(id: id, organizationId: organizationId, algorithm: "Ed25519",
                            publicKeyMultibase: pair.publicKeyMultibase,
                            publicKeyJwk: VCJWTSigningKey(ed25519: pair).publicKey.jwk.serializedString(),
                            did: did.did, verificationMethod: did.verificationMethodID, createdAt: now)
        case .p256, .rsa:
            let signing = try VCJWTSigningKey.generate(type)
            secret = signing.secretJWK.serialized()
            let multikey = signing.publicKey.multikey
            let did = multikey.map { DIDKey(publicKey: $0) }
            let method = try did?.verificationMethodID ?? "\(organizationDID(organizationId).did)#\(id)"
            key = IssuerKey(id: id, organizationId: organizationId, algorithm: type == .p256 ? "P-256" : "RSA",
                            publicKeyMultibase: multikey?.multibase,
                            publicKeyJwk: signing.publicKey.jwk.serializedString(), did: did?.did,
                            verificationMethod: method,
                            createdAt: now)
        }
        try await tx.insertCurrent(key, sealedPrivate: try vault.seal(secret, id: key.id))
        return key
    }

    /// The organization's current Ed25519 key, opened, signing as `identifier`.
    public func signingIdentity(_ tx: StoreTransaction, organizationId: String,
                                identifier: IssuerIdentifier = .didKey) async throws -> SigningIdentity {
        guard let (key, sealed) = try await tx.currentIssuerKey(organizationId: organizationId) else {
            throw IssuanceError(.noSigningKey, "the organization has no Ed25519 signing key")
        }
        let pair = try Ed25519KeyPair(seed: try vault.open(sealed, id: key.id))
        switch identifier {
        case .didKey:
            return SigningIdentity(organizationId: organizationId, key: key, issuer: key.did ?? pair.didKey.did,
                                   verificationMethod: key.verificationMethod, signer: pair)
        case .didWeb:
            let did = try organizationDID(organizationId).did
            return SigningIdentity(organizationId: organizationId, key: key, issuer: did,
                                   verificationMethod: "\(did)#\(key.id)", signer: pair)
        }
    }

    /// The organization's current P-256 key, opened, signing Data Integrity proofs with the ECDSA suites
    /// (ecdsa-rdfc-2019, ecdsa-jcs-2019) as `identifier`: the key's `did:key` (`zDn…`) or the organization's
    /// `did:web`, whose document lists the key.
    public func ecdsaSigningIdentity(_ tx: StoreTransaction, organizationId: String,
                                     identifier: IssuerIdentifier) async throws -> SigningIdentity {
        // The key, issuer id and verification method are those a VC-JWT of the same key would carry.
        let p256 = try await jwtSigningKey(tx, organizationId: organizationId, type: .p256, identifier: identifier)
        let pair: ECDSAKeyPair
        do { pair = try ECDSAKeyPair(secretJWK: p256.signingKey.secretJWK) } catch {
            throw IssuanceError(.signingFailed, "the organization's P-256 key cannot be opened")
        }
        return SigningIdentity(organizationId: organizationId, key: p256.key, issuer: p256.issuer,
                               verificationMethod: p256.kid, signer: pair)
    }

    /// The identity that signs as `issuer` for the organization: the key whose `did:key` it is (even when retired,
    /// so that its status lists stay current), or for a `did:web` the organization's current key, named under that
    /// DID exactly as stored (not re-derived from the configured public URL).
    func signingIdentity(_ tx: StoreTransaction, issuer: String, organizationId: String) async throws -> SigningIdentity {
        if issuer.hasPrefix("did:web:") {
            let current = try await signingIdentity(tx, organizationId: organizationId, identifier: .didKey)
            return SigningIdentity(organizationId: organizationId, key: current.key, issuer: issuer,
                                   verificationMethod: "\(issuer)#\(current.key.id)", signer: current.signer)
        }
        guard let (key, sealed) = try await tx.issuerKey(did: issuer, organizationId: organizationId),
              key.algorithm == "Ed25519" else {
            throw IssuanceError(.noSigningKey, "the organization holds no Ed25519 key for the issuer \(issuer)")
        }
        let pair = try Ed25519KeyPair(seed: try vault.open(sealed, id: key.id))
        return SigningIdentity(organizationId: organizationId, key: key, issuer: issuer,
                               verificationMethod: key.verificationMethod, signer: pair)
    }

    /// The organization's current key of `type` for VC-JWT, with the issuer id and `kid` it signs as. RSA keys have
    /// no `did:key`, so they always sign as the organization's `did:web`.
    public func jwtSigningKey(_ tx: StoreTransaction, organizationId: String, type: VCJWTKeyType,
                              identifier: IssuerIdentifier) async throws
        -> (key: IssuerKey, signingKey: VCJWTSigningKey, issuer: String, kid: String) {
        let algorithm = switch type { case .ed25519: "Ed25519"; case .p256: "P-256"; case .rsa: "RSA" }
        guard let (key, sealed) = try await tx.currentIssuerKey(organizationId: organizationId, algorithm: algorithm) else {
            throw IssuanceError(.noSigningKey, "the organization has no \(algorithm) signing key")
        }
        let secret = try vault.open(sealed, id: key.id)
        let signingKey = type == .ed25519 ? VCJWTSigningKey(ed25519: try Ed25519KeyPair(seed: secret))
            : try VCJWTSigningKey(secretJWK: try JSONValue(parsing: secret))
        if identifier == .didKey, let did = key.did {
            return (key, signingKey, did, key.verificationMethod)
        }
        let did = try organizationDID(organizationId).did
        return (key, signingKey, did, "\(did)#\(key.id)")
    }

    // MARK: Signing

    /// Adds a Data Integrity proof made by `identity` with `cryptosuite`: an EdDSA suite for an Ed25519 identity, an
    /// ECDSA suite for one from ``ecdsaSigningIdentity(_:organizationId:identifier:)``.
    public func sign(_ credential: JSONValue, as identity: SigningIdentity,
                     cryptosuite: Cryptosuite = .eddsaRdfc2022) throws(IssuanceError) -> JSONValue {
        do {
            return try DataIntegrity.addProof(
                to: credential, options: ProofOptions(cryptosuite: cryptosuite, verificationMethod: identity.verificationMethod),
                signer: identity.signer, now: clock())
        } catch {
            throw IssuanceError(.signingFailed, error.reason, fields: error.violations.map {
                IssuanceError.Field(path: $0.path, reason: "\($0.kind.rawValue): \($0.reason)")
            })
        }
    }

    // MARK: Status lists

    /// Gives each credential of `credentialIds` an index for each of `purposes` in the open lists of `identity`'s
    /// issuer (creating lists as they fill) and returns each credential's `credentialStatus`, in order: one entry
    /// object for one purpose, else an array. Indexes come from a per-list keyed permutation of a counter:
    /// random-looking and never reused.
    public func allocateStatus(_ tx: StoreTransaction, identity: SigningIdentity, credentialIds: [String],
                               purposes: [StatusPurpose] = [.revocation, .suspension]) async throws -> [JSONValue] {
        var statuses = Array(repeating: [JSONValue](), count: credentialIds.count)
        let now = Timestamp.truncated(clock())
        for purpose in purposes {
            var next = 0
            while next < credentialIds.count {
                var list = try await tx.openStatusList(organizationId: identity.organizationId, issuer: identity.issuer,
                                                       purpose: purpose.rawValue)
                if list == nil { list = try await createList(tx, identity: identity, purpose: purpose, now: now) }
                guard var list else { continue }
                let permutation = try StatusIndexPermutation(count: list.size, key: try Self.permutationKey(list.permutationKey))
                let take = min(credentialIds.count - next, list.size - list.allocated)
                var rows: [StoredStatusEntry] = []
                rows.reserveCapacity(take)
                for offset in 0 ..< take {
                    let index = try permutation.index(for: list.allocated + offset)
                    let credentialId = credentialIds[next + offset]
                    rows.append(StoredStatusEntry(listId: list.id, index: index, credentialId: credentialId,
                                                      organizationId: identity.organizationId, purpose: purpose.rawValue,
                                                      isSet: false, reason: nil, updatedAt: now))
                    statuses[next + offset].append(
                        BitstringStatusListEntry(purpose: purpose, index: index, listCredential: list.url).json)
                }
                list.allocated += take
                try await tx.updateAllocation(listId: list.id, allocated: list.allocated, isOpen: list.allocated < list.size)
                try await tx.insert(rows)
                next += take
            }
        }
        return statuses.map { $0.count == 1 ? $0[0] : .array($0) }
    }

    /// Sets (`isSet`) or clears the credential's `purpose` bit and re-signs its list. A revocation cannot be lifted.
    /// Returns the entry as it now is.
    @discardableResult
    public func changeStatus(_ tx: StoreTransaction, credentialId: String, purpose: StatusPurpose, isSet: Bool,
                             reason: String?, organizationId: String? = nil) async throws -> StoredStatusEntry {
        let entries = try await tx.statusEntries(credentialId: credentialId)
            .filter { organizationId == nil || $0.organizationId == organizationId }
        guard !entries.isEmpty else {
            throw IssuanceError(.unknownCredential, "no status is kept for this credential")
        }
        guard var entry = entries.first(where: { $0.purpose == purpose.rawValue }) else {
            throw IssuanceError(.invalidStatusChange, "the credential has no \(purpose.rawValue) entry"
                                + (purpose == .suspension ? " (Open Badges and CLR credentials carry a revocation entry only)" : ""))
        }
        if purpose == .revocation, entry.isSet, !isSet {
            throw IssuanceError(.invalidStatusChange, "a revocation is permanent and cannot be lifted")
        }
        guard entry.isSet != isSet else { return entry }
        guard let list = try await tx.statusList(id: entry.listId) else {
            throw IssuanceError(.unknownCredential, "the credential's status list is missing")
        }
        let now = Timestamp.truncated(clock())
        var bits = try BitstringStatusList(encodedList: list.encodedList)
        try bits.set(entry.index, isSet)
        let identity = try await signingIdentity(tx, issuer: list.issuer, organizationId: list.organizationId)
        let credential = try signedList(id: list.url, identity: identity, purpose: purpose, bits: bits, now: now)
        try await tx.setStatus(listId: list.id, index: entry.index, isSet: isSet, reason: reason, at: now)
        try await tx.updateStatusList(id: list.id, encodedList: try bits.encodedList(),
                                      credential: credential.serializedString(), at: now)
        entry.isSet = isSet
        entry.reason = reason
        entry.updatedAt = now
        return entry
    }

    /// The signed status list credential with `listId`, as published.
    public func publishedStatusList(_ tx: StoreTransaction, listId: String) async throws -> String? {
        try await tx.statusList(id: listId)?.credential
    }

    private func createList(_ tx: StoreTransaction, identity: SigningIdentity, purpose: StatusPurpose,
                            now: Date) async throws -> StoredStatusList {
        let id = EntityID.make("sl", now: now)
        let url = statusListURL(id)
        let bits = try BitstringStatusList(count: statusListSize)
        let credential = try signedList(id: url, identity: identity, purpose: purpose, bits: bits, now: now)
        let list = StoredStatusList(
            id: id, organizationId: identity.organizationId, issuer: identity.issuer, purpose: purpose.rawValue,
            url: url, size: statusListSize, permutationKey: Data(StatusIndexPermutation.generateKey()).base64EncodedString(),
            allocated: 0, encodedList: try bits.encodedList(), credential: credential.serializedString(), isOpen: true,
            createdAt: now, updatedAt: now)
        try await tx.insert(list)
        return list
    }

    private func signedList(id: String, identity: SigningIdentity, purpose: StatusPurpose, bits: BitstringStatusList,
                            now: Date) throws -> JSONValue {
        let unsigned = try StatusListCredential.unsigned(id: id, issuer: .string(identity.issuer), purpose: purpose,
                                                         list: bits, validFrom: now, ttl: Self.statusListTTL)
        return try sign(unsigned, as: identity)
    }

    /// The stored permutation key (base64), decoded.
    static func permutationKey(_ stored: String) throws(IssuanceError) -> [UInt8] {
        guard let data = Data(base64Encoded: stored) else {
            throw IssuanceError(.configuration, "a stored permutation key is corrupt")
        }
        return Array(data)
    }
}
