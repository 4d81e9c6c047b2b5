import Foundation
import VitaCredentials
import VitaJSON
import VitaStorage

/// Keeps a credential a learner holds, by the 1EdTech equality rule (`CredentialIdentity`): a credential not held yet
/// is added; the same document again changes nothing; a version whose `validFrom` is not older than the one held
/// replaces it; an older version leaves the held one alone.
enum HeldCredentialStore {
    /// What keeping a credential did.
    enum Outcome: Equatable {
        case created, replaced, unchanged, newerHeld
    }

    static func keep(_ held: HeldCredential, in tx: StoreTransaction) async throws -> Outcome {
        guard let existing = try await tx.heldCredential(learnerId: held.learnerId, service: held.service,
                                                         issuerKey: held.issuerKey, credentialKey: held.credentialKey) else {
            try await tx.insert(held)
            return .created
        }
        if existing.digest == held.digest { return .unchanged }
        if let heldDate = existing.validFrom.flatMap(XSDDateTime.parse),
           let newDate = held.validFrom.flatMap(XSDDateTime.parse), heldDate > newDate {
            return .newerHeld
        }
        var replacement = held
        replacement.id = existing.id
        replacement.receivedAt = existing.receivedAt
        try await tx.replace(replacement)
        return .replaced
    }
}

/// The credentials Vita issued a learner for one service — badges for Open Badges, CLRs for CLR — whose status bit is
/// not set (neither revoked nor suspended), oldest first: what may be listed or sent as verifiable.
enum CurrentIssuedCredentials {
    struct Item: Sendable {
        /// Vita's id of the issuance (`vcr_…`, `clr_…`).
        var id: String
        /// When it was issued.
        var createdAt: Date
        /// The signed credential.
        var credential: JSONValue
    }

    static func load(_ tx: StoreTransaction, learnerId: String, service: HeldCredential.Service) async throws -> [Item] {
        let issued: [(id: String, body: String, createdAt: Date)] = switch service {
        case .openBadges: try await tx.issuedCredentials(learnerId: learnerId, organizations: nil).map { ($0.id, $0.body, $0.createdAt) }
        case .clr: try await tx.issuedClrs(learnerId: learnerId, organizations: nil).map { ($0.id, $0.body, $0.createdAt) }
        }
        var items: [Item] = []
        for (id, body, createdAt) in issued {
            guard let credential = try? JSONValue(parsing: Array(body.utf8)), let credentialId = credential["id"]?.stringValue,
                  try await !tx.statusEntries(credentialId: credentialId).contains(where: \.isSet) else { continue }
            items.append(Item(id: id, createdAt: createdAt, credential: credential))
        }
        return items
    }
}
