import Foundation
import Hummingbird
import Metrics
import NIOCore
import VitaCore
import VitaStorage

/// Learners, their records by category, the computed profile, consents and the learner's access log.
/// Every call is checked against the agreements and audited by `AccessGate`.
struct LearnerRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    let idempotency: Idempotency

    static let recordSchemas: [RecordCategory: String] = [
        .affiliations: "Affiliation", .experiences: "LearningExperience", .competencies: "CompetencyAssertion",
        .credentials: "CredentialRecord", .employment: "EmploymentRecord",
    ]

    func register(in catalog: RouteCatalog) {
        let base = "/api/v1/learners"
        let learnerPath = "\(base)/{learnerId}"
        let paging = AdminRoutes.pagingQuery

        catalog.add(Operation(method: .post, path: base, operationId: "createLearner", summary: "Register a learner",
                              tag: "Learners", access: .principal, query: [], headers: [Idempotency.header],
                              requestSchema: "CreateLearner", success: (201, "Learner"),
                              errors: [400, 401, 403, 413, 422])) { request, context in
            let (input, raw) = try await reader.decode(DTO.CreateLearner.self, from: request)
            let now = Timestamp.truncated(gate.clock())
            let learner = Learner(id: EntityID.make("lrn", now: now), name: input.name, identifiers: input.identifiers ?? [],
                                  birthDate: input.birthDate, createdAt: now, updatedAt: now)
            try learner.validate(today: CalendarDate(now))
            let principal = context.principal!
            let key = try Idempotency.key(request)
            let digest = Idempotency.digest(request, body: raw)
            // Creating a learner needs an agreement that lets the system write some category.
            let (outcome, replayed) = try await gate.withAccess(principal, learnerId: learner.id, categories: RecordCategory.stored,
                                                  permission: .write, action: "learner.create", anyCategory: true,
                                                  requiresHolder: false) { tx, _ in
                try await idempotency.once(tx, principal: principal, key: key, digest: digest, now: now, learnerId: learner.id) {
                    try await tx.insert(learner)
                    if let organizationId = principal.organizationId ?? input.organizationId {
                        guard try await tx.organization(id: organizationId) != nil else {
                            throw ValidationFailures([.invalidField("organizationId", "no such organization")])
                        }
                        try await tx.addHolder(learnerId: learner.id, organizationId: organizationId)
                    }
                    return Idempotency.Outcome(status: 201, location: "\(base)/\(learner.id)", body: try Idempotency.encode(learner))
                }
            }
            var response = Idempotency.response(outcome, replayed: replayed)
            if !replayed { response.headers[.eTag] = "\"\(learner.id).v\(learner.version)\"" }
            return response
        }
        catalog.add(Operation(method: .get, path: base, operationId: "listLearners",
                              summary: "List learners in the order they were registered: every learner for an administrator, those their organization holds for its staff; each listed learner audited",
                              tag: "Learners", access: .admin, query: paging, headers: [], requestSchema: nil,
                              success: (200, "LearnerList"), errors: [400, 401, 403])) { request, context in
            let (cursor, limit) = try reader.paging(request)
            let principal = context.principal!
            let holder = Self.holder(seenBy: principal)
            let page = try await database.read { try await $0.learners(heldBy: holder, after: cursor, limit: limit) }
            try await audit(page.items, as: principal, action: "learner.list")
            return try APIJSON.response(DTO.List(items: page.items, nextCursor: page.nextCursor))
        }
        catalog.add(Operation(method: .get, path: "/api/v1/learner-lookup", operationId: "lookUpLearners",
                              summary: "Find learners by an identifier's value (an email address, a student number, …; in any case), of one scheme if given, or by name (each word the beginning of a word of their names, in any case and with or without accents): any learner for an administrator, those their organization holds for its staff; each finding audited",
                              tag: "Learners", access: .admin,
                              query: [("value", "string", "The identifier's value (this or name is required)"),
                                      ("scheme", "string", "Only identifiers of this scheme (email, institutional, did, …)"),
                                      ("name", "string", "Words the learner's names begin with, at most 5 (\"ada love\" finds Ada Lovelace)")]
                                  + AdminRoutes.pagingQuery,
                              headers: [], requestSchema: nil, success: (200, "LearnerList"), errors: [400, 401, 403])) { request, context in
            let value = request.uri.queryParameters["value"].map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
            let name = request.uri.queryParameters["name"].map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
            guard value.count <= 500 else { throw Problem.badRequest("value", "must be at most 500 characters") }
            guard name.count <= 200 else { throw Problem.badRequest("name", "must be at most 200 characters") }
            guard value.isEmpty || name.isEmpty else { throw Problem.badRequest("name", "cannot be given with value: search by one") }
            let scheme = try request.uri.queryParameters["scheme"].map { raw in
                guard let scheme = Identifier.Scheme(rawValue: String(raw)) else {
                    throw Problem.badRequest("scheme", "must be one of " + Identifier.Scheme.allCases.map(\.rawValue).joined(separator: ", "))
                }
                return scheme
            }
            if !name.isEmpty {
                guard scheme == nil else { throw Problem.badRequest("scheme", "applies to value, not to name") }
                let words = NameWords.words(of: name).count
                guard words > 0 else { throw Problem.badRequest("name", "must have a letter or a digit") }
                guard words <= NameWords.maximumSearchWords else {
                    throw Problem.badRequest("name", "must have at most \(NameWords.maximumSearchWords) words")
                }
            } else if value.isEmpty {
                throw Problem.badRequest("value", "is required (or name), at most 500 characters")
            }
            let (cursor, limit) = try reader.paging(request)
            let principal = context.principal!
            let holder = Self.holder(seenBy: principal)
            let found = try await database.read { tx in
                name.isEmpty ? try await tx.learners(identifiedBy: value, scheme: scheme, holder: holder, after: cursor, limit: limit)
                    : try await tx.learners(named: name, holder: holder, after: cursor, limit: limit)
            }
            try await audit(found.items, as: principal, action: "learner.lookup")
            return try APIJSON.response(DTO.List(items: found.items, nextCursor: found.nextCursor))
        }
        catalog.add(Operation(method: .get, path: learnerPath, operationId: "getLearner", summary: "Read a learner",
                              tag: "Learners", access: .principal, query: [], headers: [], requestSchema: nil,
                              success: (200, "Learner"), errors: [401, 403, 404], conditional: true)) { _, context in
            let id = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let learner = try await gate.withAccess(context.principal!, learnerId: id, categories: RecordCategory.allCases,
                                                    permission: .read, action: "learner.read", anyCategory: true) { tx, _ in
                try await tx.learner(id: id)
            }
            guard let learner else { throw Problem.notFound("learner") }
            return try APIJSON.response(learner, headers: [.eTag: "\"\(learner.id).v\(learner.version)\""])
        }
        catalog.add(Operation(method: .put, path: learnerPath, operationId: "updateLearner",
                              summary: "Replace a learner's details (If-Match required)", tag: "Learners", access: .principal,
                              query: [], headers: [("If-Match", true, "The ETag of the version being replaced")],
                              requestSchema: "CreateLearner", success: (200, "Learner"),
                              errors: [400, 401, 403, 404, 412, 413, 422, 428])) { request, context in
            let id = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let (input, _) = try await reader.decode(DTO.CreateLearner.self, from: request)
            let now = Timestamp.truncated(gate.clock())
            let updated = try await gate.withAccess(context.principal!, learnerId: id, categories: RecordCategory.stored,
                                                    permission: .write, action: "learner.update", anyCategory: true) { tx, _ in
                guard var learner = try await tx.learner(id: id), learner.erasure == nil else { throw Problem.notFound("learner") }
                try reader.requireMatch(request, entityTag: "\"\(learner.id).v\(learner.version)\"")
                let previous = learner.version
                learner.name = input.name
                learner.identifiers = input.identifiers ?? []
                learner.birthDate = input.birthDate
                try learner.validate(today: CalendarDate(now))
                learner.version += 1
                learner.updatedAt = now
                try await tx.update(learner, expectedVersion: previous)
                return learner
            }
            return try APIJSON.response(updated, headers: [.eTag: "\"\(updated.id).v\(updated.version)\""])
        }
        catalog.add(Operation(method: .delete, path: learnerPath, operationId: "eraseLearner",
                              summary: "Erase a learner's personal fields on request; ids, provenance and audit remain",
                              tag: "Learners", access: .admin, query: [], headers: [], requestSchema: "Erase",
                              success: (200, "Learner"), errors: [400, 401, 403, 404, 413, 422])) { request, context in
            let id = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let (input, _) = try await reader.decode(DTO.Erase.self, from: request)
            guard !input.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationFailures([.invalidField("reason", "must not be empty")])
            }
            let principal = context.principal!
            let erased = try await gate.withAccess(principal, learnerId: id, categories: RecordCategory.stored,
                                                   permission: .write, action: "learner.erase") { tx, _ in
                guard try await tx.learner(id: id) != nil else { throw Problem.notFound("learner") }
                try await tx.erase(learnerId: id, tombstone: Tombstone(reason: input.reason, at: Timestamp.truncated(gate.clock()),
                                                                       by: principal.actor.id))
                return try await tx.learner(id: id)!
            }
            return try APIJSON.response(erased)
        }

        for category in RecordCategory.stored {
            registerRecords(category, in: catalog, learnerPath: learnerPath)
        }

        catalog.add(Operation(method: .get, path: "\(learnerPath)/profile", operationId: "getProfile",
                              summary: "The learner profile computed from the records, each value with its derivation",
                              tag: "Profile", access: .principal,
                              query: [("asOf", "string", "RFC 3339 time: the profile as the records stood then")],
                              headers: [], requestSchema: nil, success: (200, "LearnerProfile"),
                              errors: [400, 401, 403, 404], conditional: true)) { request, context in
            let id = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let asOf = try reader.asOf(request)
            let now = gate.clock()
            // A connected system's read of the current profile: access is decided, and a kept profile found, on one
            // snapshot statement (``AccessSnapshot``); only when none is kept for the caller's scope today are the
            // records read and the profile computed (and kept if no write came in between).
            let read: ProfileRead
            if asOf == nil, let (grant, snapshot, entry) = try await gate.readSnapshot(
                context.principal!, learnerId: id, categories: [.profile], action: "profile.read",
                prefetched: context.prefetchedAccess) {
                guard let generation = snapshot.generation else { throw Problem.notFound("learner") }
                let scope = ProfileRead.scope(grant.providers)
                let referenceDate = CalendarDate(now)
                if let kept = snapshot.keptProfiles[scope], kept.referenceDate == referenceDate.description {
                    read = ProfileRead(body: kept.body, keep: nil)
                } else {
                    let records = try await database.read {
                        try await $0.records(learnerId: id, categories: RecordCategory.stored, organizations: grant.providers,
                                             asOf: nil).items
                    }
                    let body = try ProfileRead.compute(learnerId: id, records: records, referenceDate: referenceDate, asOf: nil)
                    read = ProfileRead(body: body, keep: .init(profile: KeptProfile(referenceDate: referenceDate.description,
                                                                                    body: body),
                                                               scope: scope, generation: generation))
                }
                try await gate.audits.append(entry)
            } else {
                let general = try await gate.withAccess(context.principal!, learnerId: id, categories: [.profile],
                                                        permission: .read, action: "profile.read") { tx, grant -> ProfileRead? in
                    try await ProfileRead.read(tx, learnerId: id, providers: grant.providers, asOf: asOf, now: now)
                }
                guard let general else { throw Problem.notFound("learner") }
                read = general
            }
            if let keep = read.keep {
                // A cache: failing to keep the profile must not fail the read.
                do {
                    try await database.singleStatementWrite { tx in
                        try await tx.keep(keep.profile, learnerId: id, scope: keep.scope, generation: keep.generation)
                    }
                } catch {
                    context.logger.debug("a computed profile was not kept", metadata: ["error": "\(error)"])
                }
            }
            return Response(status: .ok, headers: [.contentType: "application/json", .eTag: read.entityTag],
                            body: .init(byteBuffer: ByteBuffer(string: read.body)))
        }

        catalog.add(Operation(method: .get, path: "\(learnerPath)/consents", operationId: "listConsents",
                              summary: "The consents a learner gave, in force or withdrawn, oldest first", tag: "Consents",
                              access: .admin, query: paging, headers: [], requestSchema: nil,
                              success: (200, "ConsentList"), errors: [400, 401, 403, 404])) { request, context in
            let id = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let (cursor, limit) = try reader.paging(request)
            let consents = try await gate.withAccess(context.principal!, learnerId: id, categories: [],
                                                     permission: .read, action: "consent.list") { tx, grant -> Page<Consent>? in
                guard try await tx.learner(id: id) != nil else { return nil }
                var page = try await tx.consents(learnerId: id, after: cursor, limit: limit)
                // A page of staff may hold fewer than `limit`; its cursor still leads on.
                var visible: [Consent] = []
                for consent in page.items where try await Self.isVisible(consent, to: grant, tx) { visible.append(consent) }
                page.items = visible
                return page
            }
            guard let consents else { throw Problem.notFound("learner") }
            return try APIJSON.response(DTO.List(items: consents.items, nextCursor: consents.nextCursor))
        }
        catalog.add(Operation(method: .post, path: "\(learnerPath)/consents", operationId: "grantConsent",
                              summary: "Record the learner's consent to an agreement", tag: "Consents", access: .admin,
                              query: [], headers: [Idempotency.header], requestSchema: "GrantConsent",
                              success: (201, "Consent"), errors: [400, 401, 403, 404, 413, 422])) { request, context in
            let id = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let (input, raw) = try await reader.decode(DTO.GrantConsent.self, from: request)
            let now = Timestamp.truncated(gate.clock())
            let principal = context.principal!
            let key = try Idempotency.key(request)
            let digest = Idempotency.digest(request, body: raw)
            let (outcome, replayed) = try await gate.withAccess(principal, learnerId: id, categories: [],
                                                                permission: .write, action: "consent.grant") { tx, _ in
                try await idempotency.once(tx, principal: principal, key: key, digest: digest, now: now, learnerId: id) {
                    guard try await tx.learner(id: id) != nil else { throw Problem.notFound("learner") }
                    guard let agreement = try await tx.agreement(id: input.agreementId) else {
                        throw ValidationFailures([.invalidField("agreementId", "no such agreement")])
                    }
                    // Staff record consents to the agreements their organization provides.
                    try StaffAccess.requireOwn(principal, organizationId: agreement.providerOrganizationId)
                    let consent = Consent(id: EntityID.make("cns", now: now), learnerId: id, agreementId: input.agreementId,
                                          grantedAt: now)
                    try await tx.insert(consent)
                    return Idempotency.Outcome(status: 201, location: "\(base)/\(id)/consents/\(consent.id)",
                                               body: try Idempotency.encode(consent))
                }
            }
            return Idempotency.response(outcome, replayed: replayed)
        }
        catalog.add(Operation(method: .get, path: "\(learnerPath)/consents/{consentId}", operationId: "getConsent",
                              summary: "Read one of the learner's consents, in force or withdrawn", tag: "Consents",
                              access: .admin, query: [], headers: [], requestSchema: nil, success: (200, "Consent"),
                              errors: [401, 403, 404])) { _, context in
            let id = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let consentId = try reader.id(context, "consentId", prefix: "cns", what: "consent")
            let consent = try await gate.withAccess(context.principal!, learnerId: id, categories: [],
                                                    permission: .read, action: "consent.read") { tx, grant -> Consent? in
                guard let consent = try await tx.consent(id: consentId, learnerId: id),
                      try await Self.isVisible(consent, to: grant, tx) else { return nil }
                return consent
            }
            guard let consent else { throw Problem.notFound("consent") }
            return try APIJSON.response(consent)
        }
        catalog.add(Operation(method: .delete, path: "\(learnerPath)/consents/{consentId}", operationId: "withdrawConsent",
                              summary: "Withdraw a consent; the next access that needs it is denied", tag: "Consents",
                              access: .admin, query: [], headers: [], requestSchema: nil, success: (200, "Consent"),
                              errors: [401, 403, 404])) { _, context in
            let id = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let consentId = try reader.id(context, "consentId", prefix: "cns", what: "consent")
            let consent = try await gate.withAccess(context.principal!, learnerId: id, categories: [],
                                                    permission: .write, action: "consent.withdraw") { tx, _ -> Consent? in
                guard let consent = try await tx.consent(id: consentId, learnerId: id) else { return nil }
                // Staff withdraw consents to the agreements their organization provides.
                if let agreement = try await tx.agreement(id: consent.agreementId) {
                    try StaffAccess.requireOwn(context.principal!, organizationId: agreement.providerOrganizationId)
                }
                return try await tx.withdrawConsent(id: consentId, learnerId: id, at: Timestamp.truncated(gate.clock()))
            }
            guard let consent else { throw Problem.notFound("consent") }
            return try APIJSON.response(consent)
        }
        catalog.add(Operation(method: .get, path: "\(learnerPath)/access-log", operationId: "listLearnerAccessLog",
                              summary: "Who accessed this learner's data: the audit entries about the learner",
                              tag: "Audit", access: .admin, query: paging, headers: [], requestSchema: nil,
                              success: (200, "AccessLog"), errors: [400, 401, 403, 404])) { request, context in
            let id = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let (cursor, limit) = try reader.paging(request)
            let log = try await database.read { tx -> DTO.AccessLog? in
                guard try await tx.learner(id: id) != nil else { return nil }
                return DTO.AccessLog(try await tx.auditEntries(learnerId: id, after: cursor, limit: limit),
                                     archive: try await tx.newestAuditArchive())
            }
            guard let log else { throw Problem.notFound("learner") }
            return try APIJSON.response(log)
        }
    }

    /// The organization whose learners `principal` may list and look up: a staff member's own; nil (every learner) for
    /// an administrator.
    private static func holder(seenBy principal: Principal) -> String? {
        if case .staff(let member) = principal { member.organizationId } else { nil }
    }

    /// Audits that `principal` was shown `learners` (a list, a lookup's findings), one entry each, so that every learner
    /// sees it in their access log.
    private func audit(_ learners: [Learner], as principal: Principal, action: String) async throws {
        let now = gate.clock()
        try await gate.audits.append(contentsOf: learners.map {
            AuditEntry(occurredAt: now, actor: principal.actor, action: action, learnerId: $0.id, categories: [],
                       agreementId: nil, outcome: .allowed, reason: nil)
        })
    }

    /// Whether a reader with `grant` sees `consent`: staff see the consents to the agreements their organization
    /// provides; administrators all.
    private static func isVisible(_ consent: Consent, to grant: AccessGate.Grant, _ tx: StoreTransaction) async throws -> Bool {
        guard let providers = grant.providers else { return true }
        guard let agreement = try await tx.agreement(id: consent.agreementId) else { return false }
        return providers.contains(agreement.providerOrganizationId)
    }

    private func decodeWrite(_ category: RecordCategory, _ request: Request)
        async throws -> (RecordBody, AssertedProvenance, ByteBuffer) {
        switch category {
        case .affiliations:
            let (w, raw) = try await reader.decode(DTO.RecordWrite<Affiliation>.self, from: request)
            return (.affiliation(w.record), w.provenance, raw)
        case .experiences:
            let (w, raw) = try await reader.decode(DTO.RecordWrite<LearningExperience>.self, from: request)
            return (.experience(w.record), w.provenance, raw)
        case .competencies:
            let (w, raw) = try await reader.decode(DTO.RecordWrite<CompetencyAssertion>.self, from: request)
            return (.competency(w.record), w.provenance, raw)
        case .credentials:
            let (w, raw) = try await reader.decode(DTO.RecordWrite<CredentialRecord>.self, from: request)
            return (.credential(w.record), w.provenance, raw)
        case .employment, .profile:
            let (w, raw) = try await reader.decode(DTO.RecordWrite<EmploymentRecord>.self, from: request)
            return (.employment(w.record), w.provenance, raw)
        }
    }

    /// Provenance for a write: the caller's assertion, the authenticated caller, and Vita's recording time. When the
    /// caller sends no digest of the raw data, the digest of the record body as sent is recorded.
    private func provenance(_ asserted: AssertedProvenance, body: RecordBody, principal: Principal, now: Date)
        throws -> Provenance {
        try asserted.provenance(systemId: principal.actor.id,
                                fallbackDigest: ContentDigest.sha256(body.encoded(with: APIJSON.encoder)), now: now)
    }

    private func registerRecords(_ category: RecordCategory, in catalog: RouteCatalog, learnerPath: String) {
        let name = category.rawValue
        let singular = Self.recordSchemas[category]!
        let collection = "\(learnerPath)/\(name)"
        let item = "\(collection)/{recordId}"
        let tag = "Records"

        catalog.add(Operation(method: .get, path: collection, operationId: "list\(singular)Records",
                              summary: "List the learner's \(name) records", tag: tag, access: .principal,
                              query: AdminRoutes.pagingQuery + [("asOf", "string", "RFC 3339 time: the records as they stood then"),
                                                                ("includeDeleted", "boolean", "Include tombstones")],
                              headers: [], requestSchema: nil, success: (200, "RecordList"),
                              errors: [400, 401, 403, 404])) { request, context in
            let id = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let (cursor, limit) = try reader.paging(request)
            let asOf = try reader.asOf(request)
            let includeDeleted: Bool
            switch request.uri.queryParameters["includeDeleted"] {
            case nil, "false": includeDeleted = false
            case "true": includeDeleted = true
            default: throw Problem.badRequest("includeDeleted", "must be true or false")
            }
            let page = try await gate.withAccess(context.principal!, learnerId: id, categories: [category],
                                                 permission: .read, action: "records.read") { tx, grant -> Page<LearnerRecord>? in
                guard try await tx.learner(id: id) != nil else { return nil }
                return try await tx.records(learnerId: id, categories: [category], organizations: grant.providers, asOf: asOf,
                                            includeDeleted: includeDeleted, after: cursor, limit: limit)
            }
            guard let page else { throw Problem.notFound("learner") }
            return try APIJSON.response(DTO.List(items: page.items.map(DTO.Record.init), nextCursor: page.nextCursor))
        }

        catalog.add(Operation(method: .post, path: collection, operationId: "create\(singular)Record",
                              summary: "Record a new \(singular) for the learner, with its provenance", tag: tag,
                              access: .principal, query: [],
                              headers: [Idempotency.header],
                              requestSchema: "\(singular)Write", success: (201, "Record"),
                              errors: [400, 401, 403, 404, 409, 413, 422])) { request, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let (body, asserted, raw) = try await decodeWrite(category, request)
            try body.validate()
            let principal = context.principal!
            let now = Timestamp.truncated(gate.clock())
            let record = LearnerRecord(id: EntityID.make("rec", now: now), learnerId: learnerId, category: category,
                                       organizationId: body.organizationId, version: 1, body: body,
                                       provenance: try provenance(asserted, body: body, principal: principal, now: now))
            let key = try Idempotency.key(request)
            let digest = Idempotency.digest(request, body: raw)
            let (outcome, replayed) = try await gate.withAccess(principal, learnerId: learnerId, categories: [category],
                                                                permission: .write, action: "records.write",
                                                                recordOrganizationId: body.organizationId) { tx, _ in
                try await idempotency.once(tx, principal: principal, key: key, digest: digest, now: now, learnerId: learnerId) {
                    guard try await tx.learner(id: learnerId) != nil else { throw Problem.notFound("learner") }
                    try await checkReferences(tx, body)
                    try await tx.insert(record)
                    return Idempotency.Outcome(status: 201, location: "/api/v1/learners/\(learnerId)/\(name)/\(record.id)",
                                               body: try Idempotency.encode(DTO.Record(record)))
                }
            }
            var response = Idempotency.response(outcome, replayed: replayed)
            if !replayed { response.headers[.eTag] = record.entityTag }
            return response
        }

        catalog.add(Operation(method: .get, path: item, operationId: "get\(singular)Record",
                              summary: "Read one \(singular) record (current, or as of a time)", tag: tag,
                              access: .principal, query: [("asOf", "string", "RFC 3339 time: the version current then")],
                              headers: [], requestSchema: nil, success: (200, "Record"),
                              errors: [400, 401, 403, 404], conditional: true)) { request, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let recordId = try reader.id(context, "recordId", prefix: "rec", what: "record")
            let asOf = try reader.asOf(request)
            let record = try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [category],
                                                   permission: .read, action: "records.read") { tx, grant in
                try await visibleRecord(tx, recordId, learnerId: learnerId, category: category, grant: grant, asOf: asOf)
            }
            return try APIJSON.response(DTO.Record(record), headers: [.eTag: record.entityTag])
        }

        catalog.add(Operation(method: .get, path: "\(item)/versions", operationId: "list\(singular)RecordVersions",
                              summary: "Every version of a \(singular) record, oldest first", tag: tag, access: .principal,
                              query: AdminRoutes.pagingQuery, headers: [], requestSchema: nil, success: (200, "RecordList"),
                              errors: [400, 401, 403, 404])) { request, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let recordId = try reader.id(context, "recordId", prefix: "rec", what: "record")
            let (cursor, limit) = try reader.paging(request)
            guard (try? StoreTransaction.versionCursor(cursor)) != nil else {
                throw Problem.badRequest("cursor", "is not a cursor of this list")
            }
            let versions = try await gate.withAccess(context.principal!, learnerId: learnerId, categories: [category],
                                                     permission: .read, action: "records.read") { tx, grant in
                _ = try await visibleRecord(tx, recordId, learnerId: learnerId, category: category, grant: grant, asOf: nil)
                return try await tx.versions(ofRecord: recordId, after: cursor, limit: limit)
            }
            return try APIJSON.response(DTO.List(items: versions.items.map(DTO.Record.init), nextCursor: versions.nextCursor))
        }

        catalog.add(Operation(method: .put, path: item, operationId: "update\(singular)Record",
                              summary: "Store a new version of a \(singular) record (If-Match required)", tag: tag,
                              access: .principal, query: [], headers: [("If-Match", true, "The ETag of the version being replaced")],
                              requestSchema: "\(singular)Write", success: (200, "Record"),
                              errors: [400, 401, 403, 404, 412, 413, 422, 428])) { request, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let recordId = try reader.id(context, "recordId", prefix: "rec", what: "record")
            let (body, asserted, _) = try await decodeWrite(category, request)
            try body.validate()
            let principal = context.principal!
            let now = Timestamp.truncated(gate.clock())
            let provenance = try provenance(asserted, body: body, principal: principal, now: now)
            let updated = try await gate.withAccess(principal, learnerId: learnerId, categories: [category],
                                                    permission: .write, action: "records.write",
                                                    recordOrganizationId: body.organizationId) { tx, grant in
                let current = try await visibleRecord(tx, recordId, learnerId: learnerId, category: category, grant: grant, asOf: nil)
                try reader.requireMatch(request, entityTag: current.entityTag)
                guard current.organizationId == body.organizationId else {
                    throw ValidationFailures([.invalidField("record.organizationId", "cannot change in an update")])
                }
                try await checkReferences(tx, body)
                let next = LearnerRecord(id: recordId, learnerId: learnerId, category: category,
                                         organizationId: body.organizationId, version: current.version + 1,
                                         body: body, provenance: provenance)
                try await tx.insert(next)
                return next
            }
            return try APIJSON.response(DTO.Record(updated), headers: [.eTag: updated.entityTag])
        }

        catalog.add(Operation(method: .delete, path: item, operationId: "delete\(singular)Record",
                              summary: "Delete a \(singular) record: a tombstone version with the reason (If-Match required)",
                              tag: tag, access: .principal,
                              query: [("reason", "string", "Why the record is deleted")],
                              headers: [("If-Match", true, "The ETag of the version being deleted")],
                              requestSchema: nil, success: (200, "Record"),
                              errors: [400, 401, 403, 404, 412, 428], requiredQuery: ["reason"])) { request, context in
            let learnerId = try reader.id(context, "learnerId", prefix: "lrn", what: "learner")
            let recordId = try reader.id(context, "recordId", prefix: "rec", what: "record")
            guard let reason = request.uri.queryParameters["reason"].map(String.init),
                  !reason.trimmingCharacters(in: .whitespaces).isEmpty, reason.count <= 1000 else {
                throw Problem.badRequest("reason", "is required (1 to 1000 characters)")
            }
            let principal = context.principal!
            let now = Timestamp.truncated(gate.clock())
            let tombstone = try await gate.withAccess(principal, learnerId: learnerId, categories: [category],
                                                      permission: .write, action: "records.delete") { tx, grant in
                let current = try await visibleRecord(tx, recordId, learnerId: learnerId, category: category, grant: grant, asOf: nil)
                try reader.requireMatch(request, entityTag: current.entityTag)
                if case .system = principal, !(grant.providers?.contains(current.organizationId) ?? true) {
                    throw Problem.forbidden("no agreement lets this system write records held for that organization")
                }
                var provenance = current.provenance
                provenance.systemId = principal.actor.id
                provenance.recordedAt = now
                let tombstone = LearnerRecord(id: recordId, learnerId: learnerId, category: category,
                                              organizationId: current.organizationId, version: current.version + 1, body: nil,
                                              provenance: provenance,
                                              deletion: Tombstone(reason: reason, at: now, by: principal.actor.id))
                try await tx.insert(tombstone)
                return tombstone
            }
            return try APIJSON.response(DTO.Record(tombstone), headers: [.eTag: tombstone.entityTag])
        }
    }

    /// Checks that the organization and, for a competency assertion, the competency exist.
    private func checkReferences(_ tx: StoreTransaction, _ body: RecordBody) async throws {
        var failures = ValidationFailures()
        failures.require(try await tx.organization(id: body.organizationId) != nil, "record.organizationId", "no such organization")
        if case .competency(let assertion) = body {
            failures.require(try await tx.competency(id: assertion.competencyId) != nil, "record.competencyId",
                             "no such competency; define it with POST /api/v1/competencies")
        }
        try failures.throwIfAny()
    }

    /// The record if it exists, belongs to the learner and category, and is held for an organization the grant covers.
    private func visibleRecord(_ tx: StoreTransaction, _ recordId: String, learnerId: String, category: RecordCategory,
                               grant: AccessGate.Grant, asOf: Date?) async throws -> LearnerRecord {
        guard let record = try await tx.record(id: recordId, asOf: asOf), record.learnerId == learnerId,
              record.category == category, grant.providers?.contains(record.organizationId) ?? true else {
            throw Problem.notFound("record")
        }
        return record
    }
}

/// One profile read: the profile's JSON, kept from an earlier read when the learner's records have not changed since
/// (same generation) and it was computed for the same providers and date, else computed now from the records.
struct ProfileRead: Sendable {
    /// What to keep after the read: the computed profile, its provider scope and the generation it was read at.
    struct Keep: Sendable {
        var profile: KeptProfile
        var scope: String
        var generation: Int64
    }

    /// The profile's JSON.
    var body: String
    /// A strong entity tag of the profile's JSON (its SHA-256, shortened): the profile changes with the records, the
    /// granting providers and the day, so its tag is its content's.
    var entityTag: String { "\"prf." + ContentDigest.sha256(body.utf8).dropFirst(7).prefix(32) + "\"" }
    /// Set when the profile was computed for the current records and may be kept.
    var keep: Keep?

    /// The profile's JSON as the API answers it, computed from `records`.
    static func compute(learnerId: String, records: [LearnerRecord], referenceDate: CalendarDate, asOf: Date?) throws -> String {
        let started = ContinuousClock.now
        let profile = ProfileRules.profile(learnerId: learnerId, records: records, referenceDate: referenceDate, asOf: asOf)
        let body = String(decoding: try APIJSON.encoder.encode(profile), as: UTF8.self)
        // How often profiles are computed rather than found kept, and what that costs (`GET /metrics`).
        Metrics.Timer(label: "vita_profile_computation_duration", preferredDisplayUnit: .seconds)
            .record(duration: ContinuousClock.now - started)
        return body
    }

    /// The scope a profile is kept under: `*` for every provider, else the sorted provider organization ids.
    static func scope(_ providers: Set<String>?) -> String {
        providers.map { $0.sorted().joined(separator: ",") } ?? "*"
    }

    /// Reads the profile of `learnerId` over the records of `providers` (all when nil) as of `asOf` (now when nil);
    /// nil when the learner is unknown. A profile as of a past time is always computed and never kept.
    static func read(_ tx: StoreTransaction, learnerId: String, providers: Set<String>?, asOf: Date?,
                     now: Date) async throws -> ProfileRead? {
        let referenceDate = CalendarDate(asOf ?? now)
        func compute() async throws -> String {
            let records = try await tx.records(learnerId: learnerId, categories: RecordCategory.stored,
                                               organizations: providers, asOf: asOf).items
            return try Self.compute(learnerId: learnerId, records: records, referenceDate: referenceDate, asOf: asOf)
        }
        if asOf != nil {
            guard try await tx.learner(id: learnerId) != nil else { return nil }
            return ProfileRead(body: try await compute(), keep: nil)
        }
        let scope = Self.scope(providers)
        guard let state = try await tx.keptProfile(learnerId: learnerId, scope: scope) else { return nil }
        if let kept = state.kept, kept.referenceDate == referenceDate.description {
            return ProfileRead(body: kept.body, keep: nil)
        }
        let body = try await compute()
        return ProfileRead(body: body, keep: Keep(profile: KeptProfile(referenceDate: referenceDate.description, body: body),
                                                  scope: scope, generation: state.generation))
    }
}
