import Foundation
import VitaCore
import VitaCredentials
import VitaJSON
import VitaStorage

extension CredentialIssuer {
    /// The DID document of the organization's `did:web` (did:web §3.2 "Create": the document served at the DID's
    /// URL): every key the organization ever held — current and retired, so that earlier credentials still verify —
    /// as a verification method with the `assertionMethod` relationship. Ed25519 and P-256 keys are `Multikey`s,
    /// RSA keys `JsonWebKey`s. Nil when the organization does not exist.
    public func didDocument(_ tx: StoreTransaction, organizationId: String) async throws -> JSONValue? {
        guard try await tx.organization(id: organizationId) != nil else { return nil }
        let did = try organizationDID(organizationId).did
        let keys = try await tx.issuerKeys(organizationId: organizationId)
        var methods: [JSONValue] = []
        for key in keys {
            var method = JSONObject()
            method["id"] = .string("\(did)#\(key.id)")
            method["controller"] = .string(did)
            if let multibase = key.publicKeyMultibase {
                method["type"] = "Multikey"
                method["publicKeyMultibase"] = .string(multibase)
            } else if let jwk = key.publicKeyJwk, let value = try? JSONValue(parsing: jwk) {
                method["type"] = "JsonWebKey"
                method["publicKeyJwk"] = value
            } else {
                continue
            }
            methods.append(.object(method))
        }
        var document = JSONObject()
        document["@context"] = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1",
                                "https://w3id.org/security/jwk/v1"]
        document["id"] = .string(did)
        document["verificationMethod"] = .array(methods)
        document["assertionMethod"] = .array(methods.compactMap { $0["id"] })
        return .object(document)
    }

    /// Resolves the verification methods of the organizations' `did:web`s hosted by this Vita from the database (no
    /// network), then `did:key`s offline.
    public var localResolver: any VerificationMethodResolver {
        ChainedVerificationMethodResolver([HostedDIDResolver(issuer: self), DIDKeyResolver()])
    }

    /// Resolves the status lists this Vita publishes from the database (no network).
    public var localStatusResolver: any StatusListResolver { HostedStatusListResolver(issuer: self) }
}

/// The `did:web` verification methods of organizations hosted by this Vita, read from the database.
struct HostedDIDResolver: VerificationMethodResolver {
    let issuer: CredentialIssuer

    func resolve(_ verificationMethodID: String) async throws(CredentialError) -> VerificationMethod {
        let parts = verificationMethodID.split(separator: "#", maxSplits: 1).map(String.init)
        guard parts.count == 2, let did = try? DIDWeb(parsing: parts[0]), did.path.count >= 2,
              did.path[did.path.count - 2] == "organizations",
              let organizationId = did.path.last,
              (try? issuer.organizationDID(organizationId)) == did else {
            throw CredentialError(.unresolvableVerificationMethod, "not a did:web hosted by this server")
        }
        let keys: [IssuerKey]
        do {
            keys = try await issuer.database.read { try await $0.issuerKeys(organizationId: organizationId) }
        } catch {
            throw CredentialError(.unresolvableVerificationMethod, "the issuer's keys could not be read")
        }
        guard let key = keys.first(where: { $0.id == parts[1] }), let multibase = key.publicKeyMultibase else {
            throw CredentialError(.unresolvableVerificationMethod, "\(did.did) has no verification method #\(parts[1])")
        }
        return VerificationMethod(id: verificationMethodID, controller: did.did,
                                  publicKey: try Multikey(multibase: multibase), relationships: ["assertionMethod"])
    }
}

/// The status list credentials this Vita publishes, read from the database by their URL.
struct HostedStatusListResolver: StatusListResolver {
    let issuer: CredentialIssuer

    func statusList(at url: String) async throws(CredentialError) -> JSONValue {
        let prefix = issuer.statusListURL("")
        guard url.hasPrefix(prefix) else {
            throw CredentialError(.statusRetrieval, "\(url) is not a status list published by this server")
        }
        let id = String(url.dropFirst(prefix.count))
        let text: String?
        do {
            text = try await issuer.database.read { try await issuer.publishedStatusList($0, listId: id) }
        } catch {
            throw CredentialError(.statusRetrieval, "the status list could not be read")
        }
        guard let text, let value = try? JSONValue(parsing: text) else {
            throw CredentialError(.statusRetrieval, "no status list at \(url)")
        }
        return value
    }
}
