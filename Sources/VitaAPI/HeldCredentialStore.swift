import VitaCredentials
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
