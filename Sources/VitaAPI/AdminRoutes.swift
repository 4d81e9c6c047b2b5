import Foundation
import Hummingbird
import VitaCore
import VitaJSON
import VitaStorage

/// Organizations, connected systems, agreements, competency definitions and the audit log: administration.
struct AdminRoutes: Sendable, DefinitionCorrecting {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    let idempotency: Idempotency
    /// Audit chain verifications in progress on this node, shared by callers arriving meanwhile.
    let verifications = SingleFlight<DTO.AuditVerification>()

    func register(in catalog: RouteCatalog) {
        let base = "/api/v1"
        let errors = [400, 401, 403, 413, 422]

        catalog.add(Operation(method: .post, path: "\(base)/organizations", operationId: "createOrganization",
                              summary: "Register an organization", tag: "Administration", access: .admin, query: [],
                              headers: [Idempotency.header],
                              requestSchema: "CreateOrganization", success: (201, "Organization"), errors: errors)) { request, context in
            let (input, raw) = try await reader.decode(DTO.CreateOrganization.self, from: request)
            let now = gate.clock()
            let organization = Organization(id: EntityID.make("org", now: now), name: input.name, kind: input.kind,
                                            identifiers: input.identifiers ?? [], url: input.url, email: input.email,
                                            description: input.description, image: input.image,
                                            createdAt: Timestamp.truncated(now))
            try organization.validate()
            return try await idempotency.create(request, context, raw: raw, database: database,
                                                  now: Timestamp.truncated(gate.clock())) { tx in
                try await tx.insert(organization)
                try await gate.audit(tx, context.principal!, action: "organization.create")
                return (try Idempotency.encode(organization), "\(base)/organizations/\(organization.id)")
            }
        }
        catalog.add(Operation(method: .get, path: "\(base)/organizations", operationId: "listOrganizations",
                              summary: "List organizations", tag: "Administration", access: .admin,
                              query: Self.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "OrganizationList"), errors: [400, 401, 403])) { request, _ in
            let (cursor, limit) = try reader.paging(request)
            let page = try await database.read { try await $0.organizations(after: cursor, limit: limit) }
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "\(base)/organizations/{organizationId}", operationId: "getOrganization",
                              summary: "Read an organization", tag: "Administration", access: .admin, query: [], headers: [],
                              requestSchema: nil, success: (200, "Organization"), errors: [401, 403, 404],
                              conditional: true)) { _, context in
            let id = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            try StaffAccess.requireOwn(context.principal!, organizationId: id)
            let found = try await database.read { try await $0.versionedOrganization(id: id) }
            guard let found else { throw Problem.notFound("organization") }
            return try APIJSON.response(found.value, headers: [.eTag: found.entityTag(found.value.id)])
        }
        catalog.add(Operation(method: .put, path: "\(base)/organizations/{organizationId}", operationId: "updateOrganization",
                              summary: "Correct an organization's name, kind, identifiers and issuer profile (website, email, description, logo; If-Match required); credentials issued before keep the issuer they were signed with",
                              tag: "Administration", access: .admin, query: [],
                              headers: [("If-Match", true, "The ETag of the version being replaced")],
                              requestSchema: "CreateOrganization", success: (200, "Organization"),
                              errors: [400, 401, 403, 404, 412, 413, 422, 428])) { request, context in
            let id = try reader.id(context, "organizationId", prefix: "org", what: "organization")
            try StaffAccess.requireOwn(context.principal!, organizationId: id)
            let (input, _) = try await reader.decode(DTO.CreateOrganization.self, from: request)
            return try await correct(request, context.principal!, id: id, what: "organization", action: "organization.update",
                                     read: { try await $0.versionedOrganization(id: id) },
                                     store: { try await $0.update($1, expectedVersion: $2) }) { organization in
                organization.name = input.name
                organization.kind = input.kind
                organization.identifiers = input.identifiers ?? []
                organization.url = input.url
                organization.email = input.email
                organization.description = input.description
                organization.image = input.image
                try organization.validate()
            }
        }

        catalog.add(Operation(method: .post, path: "\(base)/systems", operationId: "createSystem",
                              summary: "Register a connected system; its API key is in the response, once",
                              tag: "Administration", access: .admin, query: [],
                              headers: [Idempotency.header],
                              requestSchema: "CreateSystem", success: (201, "CreatedSystem"), errors: errors)) { request, context in
            let (input, raw) = try await reader.decode(DTO.CreateSystem.self, from: request)
            try StaffAccess.requireOwn(context.principal!, organizationId: input.organizationId)
            let now = gate.clock()
            let system = ConnectedSystem(id: EntityID.make("sys", now: now), organizationId: input.organizationId,
                                         name: input.name, kind: input.kind, createdAt: Timestamp.truncated(now))
            try system.validate()
            let (key, hash) = APIKeys.make(ownerId: system.id)
            return try await idempotency.create(request, context, raw: raw, database: database,
                                                  now: Timestamp.truncated(gate.clock())) { tx in
                guard try await tx.organization(id: input.organizationId) != nil else {
                    throw Problem(status: 422, title: "Unprocessable Content", detail: "organizationId: no such organization",
                                  errors: [.init(field: "organizationId", reason: "no such organization")])
                }
                try await tx.insert(system, keyHash: hash)
                try await gate.audit(tx, context.principal!, action: "system.create")
                return (try Idempotency.encode(DTO.CreatedSystem(system: system, apiKey: key)), "\(base)/systems/\(system.id)")
            }
        }
        catalog.add(Operation(method: .get, path: "\(base)/systems", operationId: "listSystems",
                              summary: "List connected systems", tag: "Administration", access: .admin,
                              query: Self.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "SystemList"), errors: [400, 401, 403])) { request, context in
            let (cursor, limit) = try reader.paging(request)
            // Staff see their own organization's systems.
            let organizationId = context.principal!.organizationId
            let page = try await database.read { try await $0.systems(organizationId: organizationId, after: cursor, limit: limit) }
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "\(base)/systems/{systemId}", operationId: "getSystem",
                              summary: "Read a connected system", tag: "Administration", access: .admin, query: [],
                              headers: [], requestSchema: nil, success: (200, "ConnectedSystem"),
                              errors: [401, 403, 404], conditional: true)) { _, context in
            let id = try reader.id(context, "systemId", prefix: "sys", what: "system")
            let found = try await database.read { try await $0.versionedSystem(id: id) }
            guard let found else { throw Problem.notFound("system") }
            try StaffAccess.requireOwn(context.principal!, organizationId: found.value.organizationId)
            return try APIJSON.response(found.value, headers: [.eTag: found.entityTag(id)])
        }
        catalog.add(Operation(method: .put, path: "\(base)/systems/{systemId}", operationId: "updateSystem",
                              summary: "Correct a connected system's name and kind (If-Match required); its key, agreements and records stay as they are",
                              tag: "Administration", access: .admin, query: [],
                              headers: [("If-Match", true, "The ETag of the version being replaced")],
                              requestSchema: "ReplaceSystem", success: (200, "ConnectedSystem"),
                              errors: [400, 401, 403, 404, 409, 412, 413, 422, 428])) { request, context in
            let id = try reader.id(context, "systemId", prefix: "sys", what: "system")
            let (input, _) = try await reader.decode(DTO.ReplaceSystem.self, from: request)
            let principal = context.principal!
            return try await correct(request, principal, id: id, what: "system", action: "system.update",
                                     read: { try await $0.versionedSystem(id: id) },
                                     store: { try await $0.update($1, expectedVersion: $2) },
                                     authorize: { try StaffAccess.requireOwn(principal, organizationId: $0.organizationId) }) { system in
                guard system.revokedAt == nil else {
                    throw Problem(status: 409, title: "Conflict", detail: "a revoked system stays as it was when it was revoked")
                }
                system.name = input.name
                system.kind = input.kind
                try system.validate()
            }
        }
        catalog.add(Operation(method: .post, path: "\(base)/systems/{systemId}/revoke", operationId: "revokeSystem",
                              summary: "Revoke a connected system's API key", tag: "Administration", access: .admin,
                              query: [], headers: [], requestSchema: nil, success: (200, "ConnectedSystem"),
                              errors: [401, 403, 404])) { _, context in
            let id = try reader.id(context, "systemId", prefix: "sys", what: "system")
            let system = try await database.transaction { tx -> ConnectedSystem in
                guard let existing = try await tx.system(id: id) else { throw Problem.notFound("system") }
                try StaffAccess.requireOwn(context.principal!, organizationId: existing.system.organizationId)
                guard try await tx.revokeSystem(id: id, at: Timestamp.truncated(gate.clock())),
                      let found = try await tx.system(id: id) else { throw Problem.notFound("system") }
                try await gate.audit(tx, context.principal!, action: "system.revoke")
                return found.system
            }
            return try APIJSON.response(system)
        }

        catalog.add(Operation(method: .post, path: "\(base)/systems/{systemId}/key", operationId: "rotateSystemKey",
                              summary: "Give a connected system a new API key (in the response, once); the key it replaces keeps working for previousKeyValidFor seconds (default a day, at most a week, 0: stops at once), so the system can switch without downtime",
                              tag: "Administration", access: .admin, query: [],
                              headers: [Idempotency.header],
                              requestSchema: "RotateSystemKey", success: (201, "RotatedSystemKey"),
                              errors: [400, 401, 403, 404, 409, 413, 422])) { request, context in
            let id = try reader.id(context, "systemId", prefix: "sys", what: "system")
            let bytes = try await reader.bytes(request)
            let body = bytes.isEmpty ? JSONObject() : try reader.object(bytes)
            var grace = 86_400
            if let value = body["previousKeyValidFor"] {
                guard let seconds = value.numberValue.flatMap({ Int(exactly: $0.doubleValue) }), (0...604_800).contains(seconds) else {
                    throw ValidationFailures([.invalidField("previousKeyValidFor", "must be whole seconds from 0 to 604800 (a week)")])
                }
                grace = seconds
            }
            let now = Timestamp.truncated(gate.clock())
            let until = grace == 0 ? nil : now.addingTimeInterval(TimeInterval(grace))
            let (key, hash) = APIKeys.make(ownerId: id)
            return try await idempotency.create(request, context, raw: ByteBuffer(bytes: bytes), database: database,
                                                  now: Timestamp.truncated(gate.clock())) { tx in
                guard let existing = try await tx.system(id: id) else { throw Problem.notFound("system") }
                try StaffAccess.requireOwn(context.principal!, organizationId: existing.system.organizationId)
                guard try await tx.rotateSystemKey(id: id, keyHash: hash, previousUntil: until) else {
                    throw Problem(status: 409, title: "Conflict", detail: "the system is revoked: its key cannot be rotated",
                                  errors: [.init(field: "systemId", reason: "revoked")])
                }
                try await gate.audit(tx, context.principal!, action: "system.key.rotate")
                return (try Idempotency.encode(DTO.RotatedSystemKey(system: existing.system, apiKey: key,
                                                                    previousKeyValidUntil: until)),
                        "\(base)/systems/\(id)")
            }
        }

        catalog.add(Operation(method: .post, path: "\(base)/agreements", operationId: "createAgreement",
                              summary: "Create an information-exchange agreement", tag: "Agreements", access: .admin,
                              query: [], headers: [Idempotency.header],
                              requestSchema: "CreateAgreement", success: (201, "Agreement"), errors: errors)) { request, context in
            let (input, raw) = try await reader.decode(DTO.CreateAgreement.self, from: request)
            // An organization's staff grant access to their own organization's records only.
            try StaffAccess.requireOwn(context.principal!, organizationId: input.providerOrganizationId)
            let now = Timestamp.truncated(gate.clock())
            let agreement = Agreement(
                id: EntityID.make("agr", now: now), providerOrganizationId: input.providerOrganizationId,
                consumerSystemId: input.consumerSystemId, categories: input.categories, permissions: input.permissions,
                purpose: input.purpose, validFrom: Timestamp.truncated(input.validFrom ?? now),
                validUntil: input.validUntil.map(Timestamp.truncated), consentRequired: input.consentRequired,
                status: input.status ?? .draft, createdAt: now, updatedAt: now)
            try agreement.validate()
            return try await idempotency.create(request, context, raw: raw, database: database,
                                                  now: Timestamp.truncated(gate.clock())) { tx in
                var failures = ValidationFailures()
                failures.require(try await tx.organization(id: agreement.providerOrganizationId) != nil,
                                 "providerOrganizationId", "no such organization")
                failures.require(try await tx.system(id: agreement.consumerSystemId) != nil,
                                 "consumerSystemId", "no such system")
                try failures.throwIfAny()
                try await tx.insert(agreement)
                try await gate.audit(tx, context.principal!, action: "agreement.create")
                return (try Idempotency.encode(agreement), "\(base)/agreements/\(agreement.id)")
            }
        }
        catalog.add(Operation(method: .get, path: "\(base)/agreements", operationId: "listAgreements",
                              summary: "List agreements", tag: "Agreements", access: .admin, query: Self.pagingQuery,
                              headers: [], requestSchema: nil, success: (200, "AgreementList"),
                              errors: [400, 401, 403])) { request, context in
            let (cursor, limit) = try reader.paging(request)
            // Staff see their own organization's agreements (as provider, or through its systems as consumer).
            let organizationId = context.principal!.organizationId
            let page = try await database.read { try await $0.agreements(organizationId: organizationId, after: cursor, limit: limit) }
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "\(base)/agreements/{agreementId}", operationId: "getAgreement",
                              summary: "Read an agreement", tag: "Agreements", access: .admin, query: [], headers: [],
                              requestSchema: nil, success: (200, "Agreement"), errors: [401, 403, 404], conditional: true)) { _, context in
            let id = try reader.id(context, "agreementId", prefix: "agr", what: "agreement")
            let (found, consumerOrganizationId) = try await database.read { tx -> (Agreement?, String?) in
                guard let agreement = try await tx.agreement(id: id) else { return (nil, nil) }
                return (agreement, try await tx.system(id: agreement.consumerSystemId)?.system.organizationId)
            }
            guard let found else { throw Problem.notFound("agreement") }
            // Staff read the agreements their organization provides or consumes.
            if consumerOrganizationId != context.principal!.organizationId {
                try StaffAccess.requireOwn(context.principal!, organizationId: found.providerOrganizationId)
            }
            return try APIJSON.response(found, headers: [.eTag: found.entityTag])
        }
        catalog.add(Operation(method: .get, path: "\(base)/agreements/{agreementId}/consents",
                              operationId: "listAgreementConsents",
                              summary: "The learners' consents to an agreement, in force or withdrawn, oldest first",
                              tag: "Consents", access: .admin, query: Self.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "ConsentList"), errors: [400, 401, 403, 404])) { request, context in
            let id = try reader.id(context, "agreementId", prefix: "agr", what: "agreement")
            let (cursor, limit) = try reader.paging(request)
            let page = try await database.read { tx -> Page<Consent>? in
                guard let agreement = try await tx.agreement(id: id) else { return nil }
                // Staff read the consents to the agreements their organization provides.
                try StaffAccess.requireOwn(context.principal!, organizationId: agreement.providerOrganizationId)
                return try await tx.consents(agreementId: id, after: cursor, limit: limit)
            }
            guard let page else { throw Problem.notFound("agreement") }
            try await gate.audits.append(AuditEntry(occurredAt: gate.clock(), actor: context.principal!.actor,
                                                    action: "agreement.consents.list", learnerId: nil, categories: [],
                                                    agreementId: id, outcome: .allowed, reason: nil))
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .patch, path: "\(base)/agreements/{agreementId}", operationId: "updateAgreement",
                              summary: "Change an agreement's status, purpose or end (If-Match required)",
                              tag: "Agreements", access: .admin, query: [],
                              headers: [("If-Match", true, "The ETag of the version being changed")],
                              requestSchema: "UpdateAgreement", success: (200, "Agreement"),
                              errors: [400, 401, 403, 404, 412, 413, 422, 428])) { request, context in
            let id = try reader.id(context, "agreementId", prefix: "agr", what: "agreement")
            let (input, _) = try await reader.decode(DTO.UpdateAgreement.self, from: request)
            let updated = try await database.transaction { tx -> Agreement in
                guard var agreement = try await tx.agreement(id: id) else { throw Problem.notFound("agreement") }
                try StaffAccess.requireOwn(context.principal!, organizationId: agreement.providerOrganizationId)
                try reader.requireMatch(request, entityTag: agreement.entityTag)
                let previous = agreement.version
                if let status = input.status, status != agreement.status {
                    guard agreement.status.canMove(to: status) else {
                        throw Problem(status: 422, title: "Unprocessable Content",
                                      detail: "status: an agreement that is \(agreement.status.rawValue) cannot become \(status.rawValue)",
                                      errors: [.init(field: "status", reason: "transition not allowed")])
                    }
                    agreement.status = status
                }
                if let purpose = input.purpose { agreement.purpose = purpose }
                if let until = input.validUntil { agreement.validUntil = Timestamp.truncated(until) }
                try agreement.validate()
                agreement.version += 1
                agreement.updatedAt = Timestamp.truncated(gate.clock())
                try await tx.update(agreement, expectedVersion: previous)
                try await gate.audit(tx, context.principal!, action: "agreement.update")
                return agreement
            }
            return try APIJSON.response(updated, headers: [.eTag: updated.entityTag])
        }

        catalog.add(Operation(method: .post, path: "\(base)/competencies", operationId: "createCompetency",
                              summary: "Define a competency", tag: "Administration", access: .admin, query: [],
                              headers: [Idempotency.header],
                              requestSchema: "CreateCompetency", success: (201, "Competency"), errors: errors)) { request, context in
            let (input, raw) = try await reader.decode(DTO.CreateCompetency.self, from: request)
            let now = Timestamp.truncated(gate.clock())
            let competency = Competency(id: EntityID.make("cmp", now: now), organizationId: input.organizationId,
                                        name: input.name, description: input.description, framework: input.framework,
                                        caseItemURI: input.caseItemURI, createdAt: now)
            try competency.validate()
            return try await idempotency.create(request, context, raw: raw, database: database,
                                                  now: Timestamp.truncated(gate.clock())) { tx in
                if let organizationId = competency.organizationId, try await tx.organization(id: organizationId) == nil {
                    throw ValidationFailures([.invalidField("organizationId", "no such organization")])
                }
                try await tx.insert(competency)
                try await gate.audit(tx, context.principal!, action: "competency.create")
                return (try Idempotency.encode(competency), "\(base)/competencies/\(competency.id)")
            }
        }
        catalog.add(Operation(method: .get, path: "\(base)/competencies/{competencyId}", operationId: "getCompetency",
                              summary: "Read a competency definition", tag: "Administration", access: .principal,
                              query: [], headers: [], requestSchema: nil, success: (200, "Competency"),
                              errors: [401, 404], conditional: true)) { _, context in
            let id = try reader.id(context, "competencyId", prefix: "cmp", what: "competency")
            let found = try await database.read { try await $0.versionedCompetency(id: id) }
            guard let found else { throw Problem.notFound("competency") }
            return try APIJSON.response(found.value, headers: [.eTag: found.entityTag(id)])
        }
        catalog.add(Operation(method: .put, path: "\(base)/competencies/{competencyId}", operationId: "updateCompetency",
                              summary: "Correct a competency's name, description, framework and CASE item URI (If-Match required); one from an imported framework changes with its next import",
                              tag: "Administration", access: .admin, query: [],
                              headers: [("If-Match", true, "The ETag of the version being replaced")],
                              requestSchema: "ReplaceCompetency", success: (200, "Competency"),
                              errors: [400, 401, 403, 404, 409, 412, 413, 422, 428])) { request, context in
            let id = try reader.id(context, "competencyId", prefix: "cmp", what: "competency")
            let (input, _) = try await reader.decode(DTO.ReplaceCompetency.self, from: request)
            return try await correct(request, context.principal!, id: id, what: "competency", action: "competency.update",
                                     read: { try await $0.versionedCompetency(id: id) },
                                     store: { try await $0.update($1, expectedVersion: $2) }) { competency in
                guard competency.frameworkId == nil else {
                    throw Problem(status: 409, title: "Conflict",
                                  detail: "the competency comes from an imported framework: it changes when a new version of the framework is imported")
                }
                competency.name = input.name
                competency.description = input.description
                competency.framework = input.framework
                competency.caseItemURI = input.caseItemURI
                try competency.validate()
            }
        }
        catalog.add(Operation(method: .get, path: "\(base)/competencies", operationId: "listCompetencies",
                              summary: "List competency definitions (those with a code, and of an organization, when asked)",
                              tag: "Administration", access: .principal,
                              query: Self.pagingQuery + [
                                  ("code", "string", "Only competencies with this code (an imported CASE item's humanCodingScheme)"),
                                  ("organizationId", "string", "With code: only this organization's"),
                              ], headers: [], requestSchema: nil,
                              success: (200, "CompetencyList"), errors: [400, 401])) { request, _ in
            let (cursor, limit) = try reader.paging(request)
            let query = request.uri.queryParameters
            let organizationId = query["organizationId"].map(String.init)
            if organizationId != nil, query["code"] == nil {
                throw Problem.badRequest("organizationId", "is given with code")
            }
            let page = try await database.read { tx in
                if let code = query["code"].map(String.init) {
                    return try await tx.competencies(code: code, organizationId: organizationId, after: cursor, limit: limit)
                }
                return try await tx.competencies(after: cursor, limit: limit)
            }
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }

        catalog.add(Operation(method: .get, path: "\(base)/audit", operationId: "listAuditEntries",
                              summary: "Read the audit log, oldest first (organization staff: the entries of their organization's staff and systems)", tag: "Audit", access: .admin,
                              query: Self.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "AuditEntryList"), errors: [400, 401, 403])) { request, context in
            let (cursor, limit) = try reader.paging(request)
            // Staff read the entries of their organization's actors: its staff and its connected systems.
            let organizationId = context.principal!.organizationId
            let page = try await database.read {
                try await $0.auditEntries(learnerId: nil, actorOrganizationId: organizationId, after: cursor, limit: limit)
            }
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "\(base)/audit/archives", operationId: "listAuditArchives",
                              summary: "The archives made by vita audit archive, oldest first: the entries each holds, the hash the chain continues from and its file's SHA-256",
                              tag: "Audit", access: .admin, query: Self.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "AuditArchiveList"), errors: [400, 401, 403])) { request, _ in
            let (cursor, limit) = try reader.paging(request)
            let page = try await database.read { try await $0.auditArchives(after: cursor, limit: limit) }
            return try APIJSON.response(DTO.List(items: page.items.map(DTO.AuditArchive.init), nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "\(base)/audit/head", operationId: "getAuditHead",
                              summary: "The audit chain's head as an anchor to record outside Vita (one row read: cheap enough for a monitor to fetch often)",
                              tag: "Audit", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (200, "AuditHead"), errors: [401, 403])) { _, _ in
            let head = try await database.read { try await $0.auditHead() }
            return try APIJSON.response(DTO.AuditHead(sequence: head.sequence, hash: head.hash,
                                                      anchor: head.anchor.description))
        }
        catalog.add(Operation(method: .get, path: "\(base)/audit/verification", operationId: "verifyAuditChain",
                              summary: "Recompute the audit hash chain and report the first broken entry",
                              tag: "Audit", access: .admin, query: [], headers: [], requestSchema: nil,
                              success: (200, "AuditVerification"), errors: [401, 403])) { _, _ in
            // Recomputing the chain reads all of it: callers at the same time share one run.
            try APIJSON.response(try await verifications.run {
                let report = try await database.auditChainReport()
                return DTO.AuditVerification(intact: report.firstBreak == nil, checked: report.checked,
                                             firstBrokenSequence: report.firstBreak?.sequence, reason: report.firstBreak?.reason,
                                             archivedThrough: report.archives.last?.lastSequence, archives: report.archives.count,
                                             anchor: report.head.anchor.description)
            })
        }
    }

    static let pagingQuery: [(String, String, String)] = [
        ("limit", "integer", "Items per page, 1 to 200 (default 50)"),
        ("cursor", "string", "The nextCursor of the previous page"),
    ]
}
