import VitaCredentials
import VitaJSON

/// A controller document — a DID document, a W3C Controlled Identifier document, or an
/// Open Badges issuer profile that lists verification methods — and the steps of
/// Controlled Identifiers v1.0 §3.3 "Retrieve Verification Method" that run on it.
struct ControllerDocument {
    /// The verification relationships (CID §2.3, DID Core §5.3).
    static let relationshipNames = ["assertionMethod", "authentication", "capabilityInvocation",
                                    "capabilityDelegation", "keyAgreement"]

    /// The document's `id`.
    let id: String
    let object: JSONObject

    /// Step 4: the document's `id` must be the URL (or DID) it was dereferenced from.
    init(_ value: JSONValue, expectedID: String) throws(ResolutionError) {
        guard let object = value.objectValue else {
            throw ResolutionError(.invalidDocument, "the document at \(expectedID) is not a JSON object")
        }
        guard let id = object["id"]?.stringValue else {
            throw ResolutionError(.invalidDocument, "the document at \(expectedID) has no id")
        }
        guard id == expectedID else {
            throw ResolutionError(.idMismatch, "the document fetched for \(expectedID) has the id \(id)")
        }
        self.id = id
        self.object = object
    }

    /// A reference made absolute against the document (`#key-1` → `<id>#key-1`).
    func absolute(_ reference: String) -> String {
        reference.hasPrefix("#") ? id + reference : reference
    }

    /// The values of a property that may be a single value or an array.
    func values(_ name: String) -> [JSONValue] {
        guard let value = object[name] else { return [] }
        return value.arrayValue ?? [value]
    }

    /// Whether the document lists any verification method at all.
    var listsVerificationMethods: Bool {
        (["verificationMethod"] + Self.relationshipNames).contains { !values($0).isEmpty }
    }

    /// Step 8: the relationships under which `methodID` is listed, by reference or embedded.
    func relationships(of methodID: String) -> Set<String> {
        Set(Self.relationshipNames.filter { name in
            values(name).contains { entry in
                if let reference = entry.stringValue { return absolute(reference) == methodID }
                return entry["id"]?.stringValue.map(absolute) == methodID
            }
        })
    }

    /// Whether `methodID` appears in the document at all (in `verificationMethod` or a relationship).
    func references(_ methodID: String) -> Bool {
        !relationships(of: methodID).isEmpty || values("verificationMethod").contains { entry in
            (entry.stringValue ?? entry["id"]?.stringValue).map(absolute) == methodID
        }
    }

    /// Steps 5–8: the method `methodID` embedded in this document (in `verificationMethod` or
    /// a relationship), controlled by this document and listed under a relationship.
    func method(_ methodID: String) throws(ResolutionError) -> VerificationMethod {
        let candidates = (["verificationMethod"] + Self.relationshipNames).flatMap(values)
        guard let object = candidates.first(where: { $0["id"]?.stringValue.map(absolute) == methodID }) else {
            throw ResolutionError(.methodNotFound, "the document \(id) does not contain the verification method \(methodID)")
        }
        return try Self.verificationMethod(object, id: methodID, expectedController: id, relationships: relationships(of: methodID),
                                           resolveAgainst: self)
    }

    /// Steps 6–8 on a method object: its controller must be `expectedController`, it must be
    /// listed under at least one relationship, and its key must be usable.
    static func verificationMethod(_ object: JSONValue, id: String, expectedController: String,
                                   relationships: Set<String>, resolveAgainst document: ControllerDocument?) throws(ResolutionError) -> VerificationMethod {
        guard let controllerReference = object["controller"]?.stringValue else {
            throw ResolutionError(.invalidDocument, "the verification method \(id) has no controller")
        }
        let controller = document?.absolute(controllerReference) ?? controllerReference
        guard controller == expectedController else {
            throw ResolutionError(.notAuthorized, "the verification method \(id) names the controller \(controller), not \(expectedController)")
        }
        guard !relationships.isEmpty else {
            throw ResolutionError(.notAuthorized, "the controller document \(expectedController) lists \(id) under no verification relationship")
        }
        let type = object["type"]?.stringValue ?? "Multikey"
        return VerificationMethod(id: id, type: type, controller: controller, publicKey: try publicKey(object, id: id),
                                  relationships: relationships)
    }

    /// The key of a method: `publicKeyMultibase` (Multikey, Ed25519VerificationKey2020),
    /// `publicKeyJwk` (JsonWebKey, JsonWebKey2020: Ed25519, P-256 or P-384), or `publicKeyBase58`
    /// (Ed25519VerificationKey2018).
    static func publicKey(_ object: JSONValue, id: String) throws(ResolutionError) -> Multikey {
        do {
            if let multibase = object["publicKeyMultibase"]?.stringValue {
                return try Multikey(multibase: multibase)
            }
            if let jwk = object["publicKeyJwk"] {
                if jwk["crv"]?.stringValue == "P-384" { return try Multikey(p384JWK: jwk) }
                guard let key = try VCJWTPublicKey(jwk: jwk).multikey else {
                    throw ResolutionError(.unsupportedKey, "the verification method \(id) has an RSA key; only Ed25519, P-256 and P-384 keys are used")
                }
                return key
            }
            if let base58 = object["publicKeyBase58"]?.stringValue, object["type"]?.stringValue == "Ed25519VerificationKey2018" {
                return try Multikey(codec: .ed25519Public, keyBytes: Base58.decode(base58))
            }
        } catch let error as CredentialError {
            let code: ResolutionError.Code = error.code == .unsupported ? .unsupportedKey : .invalidDocument
            throw ResolutionError(code, "the key of the verification method \(id) is not usable: \(error.reason)")
        } catch let error as ResolutionError {
            throw error
        } catch {
            throw ResolutionError(.invalidDocument, "the key of the verification method \(id) is not usable")
        }
        throw ResolutionError(.unsupportedKey, "the verification method \(id) has no publicKeyMultibase or publicKeyJwk")
    }
}
