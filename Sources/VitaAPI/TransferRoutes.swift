import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaCredentials
import VitaJSON
import VitaPeer
import VitaStorage

/// Record transfer between two Vitas (pull model, docs/TRANSFER.md): peers this Vita pulls from, and transfers.
///
/// A transfer obtains an access token at the peer (client-credentials grant), reads the learner, the records of each
/// category and the issued credentials through the peer's Learner API (where the peer's agreements, consents and
/// audit apply), verifies every credential, and then writes everything in one transaction with its audit entry —
/// or, on any failure, nothing.
struct TransferRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    /// Replays creations for a repeated `Idempotency-Key`.
    let idempotency: Idempotency
    let vault: KeyVault
    let client: PeerHTTPClient?
    let verifier: CredentialVerifier

    func register(in catalog: RouteCatalog) {
        let peers = "/api/v1/peers"
        catalog.add(Operation(method: .post, path: peers, operationId: "createPeer",
                              summary: "Register another organization's Vita to pull learner records from; the client secret is sealed and never returned",
                              tag: "Transfer", access: .admin, query: [], headers: [Idempotency.header],
                              requestSchema: "CreatePeer", success: (201, "Peer"),
                              errors: [400, 401, 403, 413, 422])) { request, context in
            let (input, raw) = try await reader.decode(DTO.CreatePeer.self, from: request)
            var failures = ValidationFailures()
            failures.require(!input.name.trimmingCharacters(in: .whitespaces).isEmpty && input.name.count <= 200,
                             "name", "must be 1 to 200 characters")
            failures.require(!input.clientId.isEmpty && input.clientId.count <= 200, "clientId", "must be 1 to 200 characters")
            failures.require(!input.clientSecret.isEmpty && input.clientSecret.count <= 500,
                             "clientSecret", "must be 1 to 500 characters")
            if let scope = input.scope {
                failures.require(!scope.isEmpty && scope.count <= 2000, "scope", "must be 1 to 2000 characters")
            }
            var baseURL = ""
            do { baseURL = try PeerHTTPClient.checkedBaseURL(input.baseURL) } catch {
                failures.require(false, "baseURL", "must be an https URL (http only on 127.0.0.1, ::1 or localhost)")
            }
            try failures.throwIfAny()
            let now = Timestamp.truncated(gate.clock())
            let system = ConnectedSystem(id: EntityID.make("sys", now: now), organizationId: input.organizationId,
                                         name: input.name, kind: .vita, createdAt: now)
            let peer = Peer(id: EntityID.make("per", now: now), systemId: system.id, organizationId: input.organizationId,
                            name: input.name, baseURL: baseURL, clientId: input.clientId, scope: input.scope, createdAt: now)
            let sealed = try vault.seal(Array(input.clientSecret.utf8), id: peer.id)
            // The peer's system never calls this Vita: its API key is made and thrown away.
            let unusableKeyHash = APIKeys.make(ownerId: system.id).hash
            return try await idempotency.create(request, context, raw: raw, database: database, now: now) { tx in
                guard try await tx.organization(id: input.organizationId) != nil else {
                    throw ValidationFailures([.invalidField("organizationId", "no such organization")])
                }
                try await tx.insert(system, keyHash: unusableKeyHash)
                try await tx.insert(peer, sealedSecret: sealed)
                try await gate.audit(tx, context.principal!, action: "peer.create")
                return (try Idempotency.encode(peer), "\(peers)/\(peer.id)")
            }
        }
        catalog.add(Operation(method: .get, path: peers, operationId: "listPeers", summary: "List peers",
                              tag: "Transfer", access: .admin, query: AdminRoutes.pagingQuery, headers: [],
                              requestSchema: nil, success: (200, "PeerList"), errors: [400, 401, 403])) { request, _ in
            let (cursor, limit) = try reader.paging(request)
            let page = try await database.read { try await $0.peers(after: cursor, limit: limit) }
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "\(peers)/{peerId}", operationId: "getPeer",
                              summary: "Read a peer (never its client secret)", tag: "Transfer", access: .admin,
                              query: [], headers: [], requestSchema: nil, success: (200, "Peer"),
                              errors: [401, 403, 404])) { _, context in
            let id = try reader.id(context, "peerId", prefix: "per", what: "peer")
            let found = try await database.read { try await $0.peer(id: id) }
            guard let found else { throw Problem.notFound("peer") }
            return try APIJSON.response(found.peer)
        }
        catalog.add(Operation(method: .post, path: "\(peers)/{peerId}/revoke", operationId: "revokePeer",
                              summary: "Revoke a peer (and its connected system): no more transfers from it",
                              tag: "Transfer", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (200, "Peer"), errors: [401, 403, 404])) { _, context in
            let id = try reader.id(context, "peerId", prefix: "per", what: "peer")
            let peer = try await database.transaction { tx -> Peer in
                guard try await tx.revokePeer(id: id, at: Timestamp.truncated(gate.clock())),
                      let found = try await tx.peer(id: id) else { throw Problem.notFound("peer") }
                try await gate.audit(tx, context.principal!, action: "peer.revoke")
                return found.peer
            }
            return try APIJSON.response(peer)
        }

        catalog.add(Operation(method: .post, path: "/api/v1/transfers", operationId: "createTransfer",
                              summary: "Pull a learner's records and credentials from a peer Vita (under the peer's agreements), verify them, and store them with provenance pointing at the peer; idempotent",
                              tag: "Transfer", access: .admin, query: [],
                              headers: [("Accept", false, "application/x-ndjson streams one JSON line per step")],
                              requestSchema: "CreateTransfer", success: (200, "TransferSummary"),
                              errors: [400, 401, 403, 404, 409, 413, 422, 502, 503])) { request, context in
            let (input, _) = try await reader.decode(DTO.CreateTransfer.self, from: request)
            let plan = try await prepare(input)
            let principal = context.principal!
            let wantsLines = request.headers[.accept]?.contains("application/x-ndjson") ?? false
            guard wantsLines else {
                let summary = try await audited(plan, principal) { try await run(plan, principal, progress: { _ in }) }
                return try APIJSON.response(summary)
            }
            let body = ResponseBody { writer in
                func line(_ data: Data) async throws {
                    var buffer = ByteBuffer(bytes: data)
                    buffer.writeString("\n")
                    try await writer.write(buffer)
                }
                do {
                    let summary = try await audited(plan, principal) {
                        try await run(plan, principal, progress: { step in try await line(APIJSON.encoder.encode(step)) })
                    }
                    try await line(APIJSON.encoder.encode(DTO.TransferStep(step: "summary", summary: summary)))
                } catch {
                    try await line(APIJSON.encoder.encode(DTO.TransferStep(step: "error", problem: Problem.from(error))))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"], body: body)
        }
    }

    /// What a transfer needs, checked before anything is sent.
    struct Plan: Sendable {
        let peer: Peer
        let secret: String
        let sourceLearnerId: String
        /// The categories asked for; nil for every category the peer lets this Vita read.
        let categories: [RecordCategory]?
        let client: PeerHTTPClient
    }

    private func prepare(_ input: DTO.CreateTransfer) async throws -> Plan {
        var failures = ValidationFailures()
        failures.require(EntityID.isWellFormed(input.peerId, prefix: "per"), "peerId", "is not a peer id")
        failures.require(EntityID.isWellFormed(input.sourceLearnerId, prefix: "lrn"), "sourceLearnerId", "is not a learner id")
        if let categories = input.categories {
            failures.require(!categories.isEmpty && !categories.contains(.profile), "categories",
                             "must name stored record categories (the profile is computed from them)")
        }
        try failures.throwIfAny()
        guard let client else {
            throw Problem(status: 503, title: "Service Unavailable", detail: "this server is not configured to contact peers")
        }
        guard let found = try await database.read({ try await $0.peer(id: input.peerId) }) else {
            throw Problem.notFound("peer")
        }
        guard found.peer.revokedAt == nil else {
            throw Problem(status: 409, title: "Conflict", detail: "the peer was revoked",
                          errors: [.init(field: "peerId", reason: "revoked")])
        }
        let secret = String(decoding: try vault.open(found.sealedSecret, id: found.peer.id), as: UTF8.self)
        return Plan(peer: found.peer, secret: secret, sourceLearnerId: input.sourceLearnerId,
                    categories: input.categories.map { wanted in RecordCategory.stored.filter(wanted.contains) },
                    client: client)
    }

    /// Runs `body`; a failure is audited at this Vita (`transfer.receive`, denied, with the reason) and rethrown.
    private func audited(_ plan: Plan, _ principal: Principal,
                         _ body: () async throws -> DTO.TransferSummary) async throws -> DTO.TransferSummary {
        do {
            return try await body()
        } catch {
            let problem = Problem.from(error)
            let reason = "peer \(plan.peer.id): " + (problem.rule.map { "\($0): " } ?? "") + problem.detail
            // The attempt is audited at best effort: the peer's answer, not a failing audit write, is what the caller sees.
            _ = try? await database.transaction { tx in
                try await tx.appendAudit(AuditEntry(occurredAt: gate.clock(), actor: principal.actor, action: "transfer.receive",
                                                    learnerId: nil, categories: plan.categories ?? [], agreementId: nil,
                                                    outcome: .denied, reason: String(reason.prefix(1000))))
            }
            throw error
        }
    }

    /// One record as received.
    struct ReceivedRecord: Sendable {
        let sourceId: String
        let uri: String
        let digest: String
        let body: RecordBody
        let assertedAt: Date
    }

    /// A record the peer lists as deleted (its current version a tombstone), with the peer's reason.
    struct DeletedRecord: Sendable {
        let sourceId: String
        let reason: String
    }

    /// One credential as received and verified, with its identity (1EdTech credential equality).
    struct ReceivedCredential: Sendable {
        let service: HeldCredential.Service
        let identity: CredentialIdentity
        let document: String
    }

    private func run(_ plan: Plan, _ principal: Principal,
                     progress: (DTO.TransferStep) async throws -> Void) async throws -> DTO.TransferSummary {
        let session = try await PeerSession.open(plan)
        try await progress(DTO.TransferStep(step: "token"))
        let learnerPath = "/api/v1/learners/\(plan.sourceLearnerId)"
        let learner = try await session.learner(learnerPath)
        if let erasure = learner.erasure {
            // The learner asked the peer to erase their data: nothing of them is received any more.
            throw Problem(status: 409, title: "Conflict",
                          detail: "the peer has erased this learner's personal data (\(String((erasure.reason ?? "no reason given").prefix(200)))); "
                              + "nothing was transferred. A copy received before stays here until it is erased here too "
                              + "(DELETE /api/v1/learners/{learnerId})",
                          rule: "peer-erasure")
        }
        try await progress(DTO.TransferStep(step: "learner"))

        var records: [ReceivedRecord] = []
        var deleted: [DeletedRecord] = []
        var transferred: [RecordCategory] = []
        for category in plan.categories ?? RecordCategory.stored {
            let fetched: (current: [ReceivedRecord], deleted: [DeletedRecord])
            do {
                fetched = try await session.records(learnerPath, category, organizationId: plan.peer.organizationId)
            } catch let refusal as PeerSession.Refusal {
                // Without an explicit list, a category the peer does not let this Vita read is left out.
                guard plan.categories == nil else { throw refusal.problem }
                try await progress(DTO.TransferStep(step: "category", category: category, skipped: refusal.problem.detail))
                continue
            }
            records += fetched.current
            deleted += fetched.deleted
            transferred.append(category)
            try await progress(DTO.TransferStep(step: "category", category: category, records: fetched.current.count))
        }

        var credentials: [ReceivedCredential] = []
        if transferred.contains(.credentials) {
            for (kind, list, service) in [("badge", "badges", HeldCredential.Service.openBadges), ("clr", "clrs", .clr)] {
                let received = try await session.credentials("\(learnerPath)/\(list)", kind: kind)
                for credential in received {
                    let report = await verifier.verify(credential.value)
                    if report.verdict == .invalid {
                        let failed = report.checks.filter { $0.outcome == .fail }
                            .map { "\($0.name): \($0.message)" }.joined(separator: "; ")
                        throw Problem(status: 502, title: "Bad Gateway",
                                      detail: "the peer sent a \(kind) credential that does not verify: \(credential.sourceId); nothing was stored",
                                      errors: [.init(field: "credentials.\(credential.sourceId)", reason: String(failed.prefix(1000)))])
                    }
                    let identity: CredentialIdentity
                    do { identity = try CredentialIdentity(credential: credential.value) } catch {
                        throw Problem(status: 502, title: "Bad Gateway",
                                      detail: "the peer sent a \(kind) credential without an issuer id or an id: \(credential.sourceId)",
                                      errors: [.init(field: "credentials.\(credential.sourceId)", reason: "\(error)")])
                    }
                    credentials.append(ReceivedCredential(service: service, identity: identity,
                                                          document: credential.value.serializedString()))
                }
            }
            try await progress(DTO.TransferStep(step: "credentials", verified: credentials.count))
        }
        return try await store(plan, principal, learner: learner, records: records, deleted: deleted,
                               credentials: credentials, categories: transferred)
    }

    /// Writes what was received in one transaction, with its audit entry.
    private func store(_ plan: Plan, _ principal: Principal, learner received: PeerSession.LearnerDetails,
                       records: [ReceivedRecord], deleted: [DeletedRecord], credentials: [ReceivedCredential],
                       categories: [RecordCategory]) async throws -> DTO.TransferSummary {
        let now = Timestamp.truncated(gate.clock())
        let systemId = plan.peer.systemId
        let marker = Identifier(scheme: .other, value: "\(systemId):\(plan.sourceLearnerId)", issuer: "vita-peer")
        return try await database.transaction { tx in
            guard try await tx.lockPeer(id: plan.peer.id) else { throw Problem.notFound("peer") }
            var summary = DTO.TransferSummary(peerId: plan.peer.id, sourceLearnerId: plan.sourceLearnerId, learnerId: "",
                                              categories: categories)
            let identifiers = (received.identifiers ?? []).filter { $0 != marker } + [marker]
            if let id = try await tx.learnerId(system: systemId, sourceId: plan.sourceLearnerId),
               var learner = try await tx.learner(id: id) {
                summary.learnerId = id
                if learner.erasure == nil,
                   learner.name != received.name || learner.identifiers != identifiers || learner.birthDate != received.birthDate {
                    let previous = learner.version
                    learner.name = received.name
                    learner.identifiers = identifiers
                    learner.birthDate = received.birthDate
                    try learner.validate(today: CalendarDate(now))
                    learner.version += 1
                    learner.updatedAt = now
                    try await tx.update(learner, expectedVersion: previous)
                }
            } else {
                let learner = Learner(id: EntityID.make("lrn", now: now), name: received.name, identifiers: identifiers,
                                      birthDate: received.birthDate, createdAt: now, updatedAt: now)
                try learner.validate(today: CalendarDate(now))
                try await tx.insert(learner)
                try await tx.mapLearner(system: systemId, sourceId: plan.sourceLearnerId, learnerId: learner.id)
                summary.learnerId = learner.id
            }
            let learnerId = summary.learnerId
            for record in records {
                let provenance = Provenance(systemId: systemId, sourceRecordId: record.sourceId, rawDataURI: record.uri,
                                            rawDigest: record.digest, assertedAt: record.assertedAt, recordedAt: now)
                if let existingId = try await tx.recordId(system: systemId, sourceRecordId: record.sourceId) {
                    guard let current = try await tx.record(id: existingId), current.learnerId == learnerId,
                          current.category == record.body.category else {
                        throw Problem(status: 409, title: "Conflict",
                                      detail: "the peer's record \(record.sourceId) was received before for another learner or category")
                    }
                    if current.provenance.rawDigest == record.digest && current.deletion == nil {
                        summary.unchanged += 1
                        continue
                    }
                    try await tx.insert(LearnerRecord(id: existingId, learnerId: learnerId, category: record.body.category,
                                                      organizationId: plan.peer.organizationId, version: current.version + 1,
                                                      body: record.body, provenance: provenance))
                    summary.updated += 1
                } else {
                    try await tx.insert(LearnerRecord(id: EntityID.make("rec", now: now), learnerId: learnerId,
                                                      category: record.body.category, organizationId: plan.peer.organizationId,
                                                      version: 1, body: record.body, provenance: provenance))
                    summary.created += 1
                }
            }
            // A record the peer deleted is deleted here too (a tombstone version), if it was received before and is
            // not deleted already; the peer's reason is kept with it.
            for gone in deleted {
                guard let existingId = try await tx.recordId(system: systemId, sourceRecordId: gone.sourceId),
                      let current = try await tx.record(id: existingId), current.deletion == nil else { continue }
                guard current.learnerId == learnerId else {
                    throw Problem(status: 409, title: "Conflict",
                                  detail: "the peer's record \(gone.sourceId) was received before for another learner")
                }
                var provenance = current.provenance
                provenance.recordedAt = now
                try await tx.insert(LearnerRecord(id: existingId, learnerId: learnerId, category: current.category,
                                                  organizationId: current.organizationId, version: current.version + 1,
                                                  body: nil, provenance: provenance,
                                                  deletion: Tombstone(reason: String("deleted at the peer: \(gone.reason)".prefix(1000)),
                                                                      at: now, by: systemId)))
                summary.deleted += 1
            }
            // Held credentials, one per identity (issuer and credential id); a different version replaces the stored
            // one unless the stored one is newer (1EdTech credential equality).
            for credential in credentials {
                summary.credentials += 1
                let received = HeldCredential(id: EntityID.make("hcr", now: now), learnerId: learnerId,
                                              service: credential.service, format: .json,
                                              issuerKey: credential.identity.issuer, credentialKey: credential.identity.id,
                                              validFrom: credential.identity.validFromText, document: credential.document,
                                              sourceKind: .peer, sourceId: systemId, receivedAt: now, updatedAt: now)
                if var held = try await tx.heldCredential(learnerId: learnerId, service: credential.service,
                                                          issuerKey: received.issuerKey, credentialKey: received.credentialKey) {
                    guard held.digest != received.digest else { continue }
                    if let stored = try? CredentialIdentity(credential: JSONValue(parsing: held.document)),
                       stored.isNewer(than: credential.identity) { continue }
                    held.format = .json
                    held.validFrom = received.validFrom
                    held.document = received.document
                    held.digest = received.digest
                    held.sourceKind = .peer
                    held.sourceId = systemId
                    held.updatedAt = now
                    try await tx.replace(held)
                } else {
                    try await tx.insert(received)
                }
                summary.credentialsStored += 1
            }
            try await tx.appendAudit(AuditEntry(
                occurredAt: now, actor: principal.actor, action: "transfer.receive", learnerId: learnerId,
                categories: categories, agreementId: nil, outcome: .allowed,
                reason: "peer \(plan.peer.id) (system \(systemId)) learner \(plan.sourceLearnerId): \(summary.created) created, "
                    + "\(summary.updated) updated, \(summary.unchanged) unchanged, \(summary.deleted) deleted, "
                    + "\(summary.credentials) credentials"))
            return summary
        }
    }
}

/// One transfer's conversation with the peer: an access token and the reads, each answer checked.
struct PeerSession: Sendable {
    let plan: TransferRoutes.Plan
    let token: String

    /// The peer answered, and refused (401, 403): its problem, turned into this Vita's 409.
    struct Refusal: Error {
        let problem: Problem
    }

    /// The learner's details as the peer holds them.
    struct LearnerDetails: Decodable, Sendable {
        var name: Learner.Name?
        var identifiers: [Identifier]?
        var birthDate: CalendarDate?
        /// Set when the peer has erased the learner's personal data.
        var erasure: Erasure?

        struct Erasure: Decodable, Sendable {
            var reason: String?
        }
    }

    struct CredentialItem: Sendable {
        let sourceId: String
        let value: JSONValue
    }

    private static let recordDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Obtains an access token at the peer with the client-credentials grant (RFC 6749 §4.4, HTTP Basic §2.3.1).
    static func open(_ plan: TransferRoutes.Plan) async throws -> PeerSession {
        var form = "grant_type=client_credentials"
        if let scope = plan.peer.scope { form += "&scope=" + formEncode(scope) }
        let basic = Data("\(formEncode(plan.peer.clientId)):\(formEncode(plan.secret))".utf8).base64EncodedString()
        let response = try await send(plan, .post, "/oauth/token", headers: [
            ("Authorization", "Basic \(basic)"), ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ], body: Array(form.utf8))
        let json = try? JSONValue(parsing: response.body)
        guard response.status == 200 else {
            let error = json?["error"]?.stringValue ?? "HTTP \(response.status)"
            let description = json?["error_description"]?.stringValue.map { " (\($0))" } ?? ""
            if [400, 401, 403].contains(response.status) {
                throw Problem(status: 409, title: "Conflict",
                              detail: "the peer refused this Vita's client: \(error)\(description)",
                              errors: [.init(field: "peer", reason: "\(error)\(description)")], rule: "oauth:\(error)")
            }
            throw badGateway("the peer's token endpoint answered HTTP \(response.status)")
        }
        guard let token = json?["access_token"]?.stringValue, !token.isEmpty else {
            throw badGateway("the peer's token endpoint sent no access token")
        }
        return PeerSession(plan: plan, token: token)
    }

    /// The learner resource.
    func learner(_ path: String) async throws -> LearnerDetails {
        do {
            let (bytes, _) = try await get(path)
            return try Self.recordDecoder.decode(LearnerDetails.self, from: Data(bytes))
        } catch let refusal as Refusal {
            throw refusal.problem
        } catch is DecodingError {
            throw Self.badGateway("the peer sent a learner this Vita cannot read")
        }
    }

    /// Every current record of a category, each read on its own so that its digest is of the exact bytes received,
    /// and the records the peer lists as deleted (tombstones, with their reasons).
    func records(_ learnerPath: String, _ category: RecordCategory,
                 organizationId: String) async throws -> (current: [TransferRoutes.ReceivedRecord], deleted: [TransferRoutes.DeletedRecord]) {
        var ids: [String] = []
        var deleted: [TransferRoutes.DeletedRecord] = []
        var cursor: String?
        repeat {
            let query = "?limit=200&includeDeleted=true" + (cursor.map { "&cursor=" + Self.formEncode($0) } ?? "")
            let (_, page) = try await get("\(learnerPath)/\(category.rawValue)\(query)")
            guard let items = page["items"]?.arrayValue else { throw Self.badGateway("the peer sent a record list without items") }
            for item in items {
                guard let id = item["id"]?.stringValue, EntityID.isWellFormed(id, prefix: "rec") else {
                    throw Self.badGateway("the peer sent a record without a valid id")
                }
                if let deletion = item["deletion"], deletion.objectValue != nil {
                    deleted.append(.init(sourceId: id, reason: deletion["reason"]?.stringValue ?? "no reason given"))
                } else {
                    ids.append(id)
                }
            }
            cursor = page["nextCursor"]?.stringValue
        } while cursor != nil
        var records: [TransferRoutes.ReceivedRecord] = []
        for id in ids {
            let path = "\(learnerPath)/\(category.rawValue)/\(id)"
            let (bytes, value) = try await get(path)
            guard var body = value["record"]?.objectValue else {
                throw Self.badGateway("the peer's record \(id) has no body")
            }
            // Held here for the local organization that stands for the peer.
            body["organizationId"] = .string(organizationId)
            let decoded: RecordBody
            do {
                decoded = try RecordBody.decode(category, from: Data(JSONValue.object(body).serialized()), decoder: Self.recordDecoder)
                try decoded.validate()
            } catch {
                throw Self.badGateway("the peer's record \(id) is not a valid \(category.rawValue) record")
            }
            let asserted = value["provenance"]?["assertedAt"]?.stringValue.flatMap(APIJSON.parseTimestamp) ?? Date()
            records.append(.init(sourceId: id, uri: plan.peer.baseURL + path, digest: ContentDigest.sha256(bytes),
                                 body: decoded, assertedAt: Timestamp.truncated(asserted)))
        }
        return (records, deleted)
    }

    /// The signed credentials of a list (`/badges`, `/clrs`): `{"items": [{"id", "verifiableCredential", …}],
    /// "nextCursor"}`, every page of it.
    func credentials(_ path: String, kind: String) async throws -> [CredentialItem] {
        var received: [CredentialItem] = []
        var cursor: String?
        repeat {
            let value: JSONValue
            let query = "?limit=200" + (cursor.map { "&cursor=" + Self.formEncode($0) } ?? "")
            do { (_, value) = try await get(path + query) } catch let refusal as Refusal { throw refusal.problem }
            guard let items = value["items"]?.arrayValue else { throw Self.badGateway("the peer sent a \(kind) list without items") }
            for item in items {
                guard let id = item["id"]?.stringValue, !id.isEmpty, id.count <= 200,
                      let credential = item["verifiableCredential"], credential.objectValue != nil else {
                    throw Self.badGateway("the peer sent a \(kind) without an id or a credential")
                }
                received.append(CredentialItem(sourceId: id, value: credential))
            }
            cursor = value["nextCursor"]?.stringValue
        } while cursor != nil
        return received
    }

    /// GET with the token: the bytes and their JSON; a refusal (401, 403) throws `Refusal`, a missing learner 404.
    private func get(_ path: String) async throws -> ([UInt8], JSONValue) {
        let response = try await Self.send(plan, .get, path, headers: [("Authorization", "Bearer \(token)"),
                                                                       ("Accept", "application/json")])
        let json = try? JSONValue(parsing: response.body)
        switch response.status {
        case 200:
            guard let json else { throw Self.badGateway("the peer sent something that is not JSON") }
            if let field = NULCharacter.path(in: json) {
                throw Self.badGateway("the peer's answer holds the NUL character (U+0000) in \(field.isEmpty ? "its top level" : field)")
            }
            return (response.body, json)
        case 401, 403:
            let detail = json?["detail"]?.stringValue ?? "HTTP \(response.status)"
            let rule = json?["rule"]?.stringValue ?? json?["errors"]?[0]?["reason"]?.stringValue
            throw Refusal(problem: Problem(status: 409, title: "Conflict",
                                           detail: "the peer refused: \(detail)" + (rule.map { " (rule \($0))" } ?? ""),
                                           errors: [.init(field: "peer", reason: rule ?? detail)], rule: rule,
                                           agreementId: json?["agreementId"]?.stringValue))
        case 404:
            throw Problem(status: 404, title: "Not Found", detail: "the peer has no learner with this id",
                          errors: [.init(field: "sourceLearnerId", reason: "not found at the peer")])
        default:
            throw Self.badGateway("the peer answered HTTP \(response.status) for \(path)")
        }
    }

    private static func send(_ plan: TransferRoutes.Plan, _ method: PeerMethod, _ path: String,
                             headers: [(String, String)], body: [UInt8]? = nil) async throws -> PeerResponse {
        do {
            return try await plan.client.send(method, plan.peer.baseURL + path, headers: headers, body: body)
        } catch {
            throw badGateway("cannot reach the peer: \(error.message)")
        }
    }

    static func badGateway(_ detail: String) -> Problem {
        Problem(status: 502, title: "Bad Gateway", detail: detail, errors: [.init(field: "peer", reason: detail)])
    }

    /// `application/x-www-form-urlencoded` encoding of one value (RFC 6749 appendix B).
    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed)?.replacingOccurrences(of: "%20", with: "+") ?? text
    }
}
