import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaCredentials
import VitaJSON
import VitaStorage

/// Organization signing keys, and the W3C VC-API issue and verify operations.
struct CredentialRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    let vault: KeyVault

    func register(in catalog: RouteCatalog) {
        let keys = "/api/v1/organizations/{organizationId}/keys"
        catalog.add(Operation(method: .post, path: keys, operationId: "rotateIssuerKey",
                              summary: "Create the organization's new signing key; earlier keys are retired but stay listed",
                              tag: "Credentials", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (201, "IssuerKey"), errors: [401, 403, 404])) { _, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            let now = Timestamp.truncated(gate.clock())
            let pair = Ed25519KeyPair()
            let did = pair.didKey
            let key = IssuerKey(id: EntityID.make("key", now: now), organizationId: organizationId, algorithm: "Ed25519",
                                publicKeyMultibase: pair.publicKeyMultibase, did: did.did,
                                verificationMethod: did.verificationMethodID, createdAt: now)
            let sealed = try vault.seal(pair.seed, id: key.id)
            try await database.transaction { tx in
                guard try await tx.organization(id: organizationId) != nil else { throw Problem.notFound("organization") }
                try await tx.insertCurrent(key, sealedPrivate: sealed)
                try await gate.audit(tx, context.principal!, action: "issuer-key.rotate")
            }
            return try APIJSON.response(key, status: .created)
        }
        catalog.add(Operation(method: .get, path: keys, operationId: "listIssuerKeys",
                              summary: "The organization's signing keys (public halves), newest first", tag: "Credentials",
                              access: .admin, query: [], headers: [], requestSchema: nil, success: (200, "IssuerKeyList"),
                              errors: [401, 403, 404])) { _, context in
            let organizationId = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            let keys = try await database.read { tx -> [IssuerKey]? in
                guard try await tx.organization(id: organizationId) != nil else { return nil }
                return try await tx.issuerKeys(organizationId: organizationId)
            }
            guard let keys else { throw Problem.notFound("organization") }
            return try APIJSON.response(DTO.List(items: keys, nextCursor: nil))
        }

        catalog.add(Operation(method: .post, path: "/credentials/issue", operationId: "issueCredential",
                              summary: "Sign a credential with the organization's current key (VC-API)",
                              tag: "Credentials", access: .principal, query: [], headers: [],
                              requestSchema: "IssueRequest", success: (201, "IssueResponse"),
                              errors: [400, 401, 403, 413, 422])) { request, context in
            let body = try await readJSON(request)
            guard case .object(var credential)? = body["credential"] else {
                throw Problem.badRequest("credential", "must be a credential object")
            }
            let options = body["options"]?.objectValue ?? JSONObject()
            let principal = context.principal!
            let organizationId: String
            switch principal {
            case .admin:
                guard let id = options["organizationId"]?.stringValue else {
                    throw Problem.badRequest("options.organizationId", "is required for an administrator")
                }
                organizationId = id
            case .system(let system):
                if let id = options["organizationId"]?.stringValue, id != system.organizationId {
                    throw Problem.forbidden("a system issues only for its own organization")
                }
                organizationId = system.organizationId
            }
            let suiteName = options["cryptosuite"]?.stringValue ?? Cryptosuite.eddsaRdfc2022.rawValue
            guard let suite = Cryptosuite(rawValue: suiteName), suite != .eddsa2022Legacy else {
                throw Problem.badRequest("options.cryptosuite", "must be eddsa-rdfc-2022 or eddsa-jcs-2022")
            }
            let stored = try await database.read { try await $0.currentIssuerKey(organizationId: organizationId) }
            guard let (key, sealed) = stored else {
                throw Problem(status: 422, title: "Unprocessable Content",
                              detail: "the organization has no signing key; create one with POST \(keys)",
                              errors: [.init(field: "options.organizationId", reason: "no signing key")])
            }
            let pair = try Ed25519KeyPair(seed: try vault.open(sealed, id: key.id))
            // The issuer is the key's DID, so that verifiers can bind the proof to the issuer offline.
            switch credential["issuer"] {
            case .object(var profile)?:
                profile["id"] = .string(key.did)
                credential["issuer"] = .object(profile)
            default:
                credential["issuer"] = .string(key.did)
            }
            let signed: JSONValue
            do {
                signed = try DataIntegrity.addProof(to: .object(credential),
                                                    options: ProofOptions(cryptosuite: suite, verificationMethod: key.verificationMethod),
                                                    signer: pair, now: gate.clock())
            } catch {
                throw Problem(status: 422, title: "Unprocessable Content", detail: "credential: cannot be signed: \(error)",
                              errors: [.init(field: "credential", reason: "\(error)")])
            }
            try await database.transaction { tx in try await gate.audit(tx, principal, action: "credential.issue") }
            var response = JSONObject()
            response["verifiableCredential"] = signed
            return jsonResponse(.object(response), status: .created)
        }

        catalog.add(Operation(method: .post, path: "/credentials/verify", operationId: "verifyCredential",
                              summary: "Verify a credential and report every check (VC-API); no credentials needed",
                              tag: "Credentials", access: .open, query: [], headers: [],
                              requestSchema: "VerifyRequest", success: (200, "VerifyResponse"),
                              errors: [400, 413])) { request, _ in
            let body = try await readJSON(request)
            guard let credential = body["verifiableCredential"], credential.objectValue != nil else {
                throw Problem.badRequest("verifiableCredential", "must be a credential object")
            }
            let report = await CredentialVerifier(clock: gate.clock).verify(credential)
            var response = JSONObject()
            response["verified"] = .bool(report.verdict == .valid)
            response["report"] = report.json
            return jsonResponse(.object(response), status: .ok)
        }
    }

    /// The body as a JSON object, parsed strictly (duplicate keys, bad UTF-8 and deep nesting are refused).
    private func readJSON(_ request: Request) async throws -> JSONObject {
        var request = request
        let buffer = try await request.collectBody(upTo: reader.maxBodySize)
        let value: JSONValue
        do {
            value = try JSONValue(parsing: Array(buffer.readableBytesView))
        } catch let error as JSONError {
            throw Problem.badRequest("body", "is not valid JSON (\(error))")
        }
        guard case .object(let object) = value else { throw Problem.badRequest("body", "must be a JSON object") }
        return object
    }

    private func jsonResponse(_ value: JSONValue, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }
}
