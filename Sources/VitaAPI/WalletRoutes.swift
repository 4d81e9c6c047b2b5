import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaCredentials
import VitaJSON
import VitaOAuth
import VitaQR
import VitaStorage

/// The learner's wallet API (`/api/v1/me/…`, a learner's token with `vita:wallet`): who the learner is, who accessed
/// their records, their consents, importing credentials received elsewhere, collections, share links with expiry,
/// passcode and revocation, export and erasure requests; and the public side of a share link
/// (`POST /api/v1/shared/{token}`), which shows what was shared, verified live, and records each opening.
///
/// The learner's own reads are not audited (they would bury who else accessed the records); every change and every
/// opening of a share link is.
struct WalletRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    let options: ServerOptions
    let verifier: CredentialVerifier

    /// Wrong passcodes after which a share link locks (revoked).
    static let maxPasscodeFailures = 10
    /// The longest a share link may live.
    static let maxShareLifetime: TimeInterval = 366 * 86_400
    /// The default lifetime of a share link.
    static let defaultShareLifetime: TimeInterval = 30 * 86_400

    func register(in catalog: RouteCatalog) {
        let me = "/api/v1/me"
        func add(_ method: HTTPRequest.Method, _ path: String, _ id: String, _ summary: String, request: String? = nil,
                 success: (Int, String?), errors: [Int], query: [(String, String, String)] = [],
                 _ handler: @escaping @Sendable (Request, VitaRequestContext, String) async throws -> Response) {
            catalog.add(Operation(method: method, path: path, operationId: id, summary: summary, tag: "Wallet", access: .learner,
                                  query: query, headers: [], requestSchema: request, success: success,
                                  errors: errors)) { request, context in
                try await handler(request, context, context.token!.learnerId!)
            }
        }
        add(.get, me, "getMe", "The signed-in learner", success: (200, "Learner"), errors: [401, 403, 404]) { _, _, learnerId in
            let learner = try await database.read { try await $0.learner(id: learnerId) }
            guard let learner, learner.erasure == nil else { throw Problem.notFound("learner") }
            return try APIJSON.response(learner)
        }
        add(.get, "\(me)/access-log", "listMyAccessLog",
            "Who accessed my records: every audit entry about me (reads, writes, denials, share link openings), oldest first unless order=newest",
            success: (200, "AccessLog"), errors: [400, 401, 403],
            query: AdminRoutes.pagingQuery + [("order", "string", "oldest (default) or newest: which entries come first")]) {
            request, _, learnerId in
            let (cursor, limit) = try reader.paging(request)
            let order = request.uri.queryParameters.get("order") ?? "oldest"
            guard order == "oldest" || order == "newest" else { throw Problem.badRequest("order", "must be oldest or newest") }
            return try APIJSON.response(try await database.read {
                DTO.AccessLog(try await $0.auditEntries(learnerId: learnerId, after: cursor, limit: limit, newestFirst: order == "newest"),
                              archive: try await $0.newestAuditArchive())
            })
        }
        add(.get, "\(me)/consents", "listMyConsents", "The consents I gave, with the agreement each is for, oldest first",
            success: (200, "WalletConsentList"), errors: [400, 401, 403], query: AdminRoutes.pagingQuery) { request, _, learnerId in
            let (cursor, limit) = try reader.paging(request)
            let (items, next) = try await database.read { tx -> ([JSONValue], String?) in
                let page = try await tx.consents(learnerId: learnerId, after: cursor, limit: limit)
                var items: [JSONValue] = []
                for consent in page.items {
                    items.append(try await consentView(tx, consent))
                }
                return (items, page.nextCursor)
            }
            return APIJSON.response(json: APIJSON.page(items, next: next), status: .ok)
        }
        add(.delete, "\(me)/consents/{consentId}", "withdrawMyConsent",
            "Withdraw a consent: the next access that needs it is denied", success: (200, "Consent"),
            errors: [401, 403, 404]) { _, context, learnerId in
            let consentId = try reader.id(context, "consentId", prefix: "cns", what: "consent")
            let consent = try await gate.withOwnData(context.principal!, action: "consent.withdraw") { tx, _ in
                try await tx.withdrawConsent(id: consentId, learnerId: learnerId, at: Timestamp.truncated(gate.clock()))
            }
            guard let consent else { throw Problem.notFound("consent") }
            return try APIJSON.response(consent)
        }
        catalog.add(Operation(method: .post, path: "\(me)/credentials", operationId: "importMyCredential",
                              summary: "Import a credential I received elsewhere (JSON, a VC-JWT as text/plain, or a baked PNG or SVG badge): it is verified and kept with its provenance",
                              tag: "Wallet", access: .learner, query: [], headers: [], requestSchema: "AchievementCredential",
                              success: (201, "ImportedCredential"), errors: [400, 401, 403, 413, 415, 422],
                              alsoSucceeds: [200])) { request, context in
            try await importCredential(request, context, learnerId: context.token!.learnerId!)
        }
        registerCollections(me, add, catalog)
        registerShares(me, add, catalog)
        add(.get, "\(me)/export", "exportMe",
            "Everything Vita holds about me as one JSON document: my details, every record version, the profile, the credentials issued to me and those I hold, my collections and share links",
            success: (200, "WalletExport"), errors: [401, 403, 404]) { _, context, learnerId in
            let document = try await gate.withAccess(context.principal!, learnerId: learnerId, categories: RecordCategory.allCases,
                                                     permission: .read, action: "learner.export") { tx, _ in
                try await exportDocument(tx, learnerId: learnerId)
            }
            return APIJSON.response(json: document, status: .ok, headers: [.contentDisposition: "attachment; filename=\"vita-export.json\""])
        }
        add(.post, "\(me)/erasure-requests", "requestMyErasure",
            "Ask for my data to be erased; an administrator carries it out (personal fields removed, the audit trail kept)",
            request: "ErasureRequestInput", success: (202, "ErasureRequest"), errors: [400, 401, 403, 413]) { request, context, learnerId in
            let body = try await reader.object(request, allowEmpty: true)
            let reason = try body.optionalString("reason")
            if let reason, reason.count > 2000 { throw Problem.badRequest("reason", "must be at most 2000 characters") }
            let now = Timestamp.truncated(gate.clock())
            let erasure = ErasureRequest(id: EntityID.make("era", now: now), learnerId: learnerId, reason: reason,
                                         status: "received", requestedAt: now, handledAt: nil)
            try await gate.withOwnData(context.principal!, action: "erasure.request") { tx, _ in try await tx.insert(erasure) }
            return APIJSON.response(json: Self.describe(erasure), status: .accepted)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/erasure-requests", operationId: "listErasureRequests",
                              summary: "Learners' erasure requests not carried out yet (carry one out with DELETE /api/v1/learners/{id})",
                              tag: "Learners", access: .admin, query: AdminRoutes.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "ErasureRequestList"), errors: [400, 401, 403])) { request, _ in
            let (cursor, limit) = try reader.paging(request)
            let requests = try await database.read { try await $0.openErasureRequests(after: cursor, limit: limit) }
            return APIJSON.response(json: APIJSON.page(requests.items.map(Self.describe), next: requests.nextCursor), status: .ok)
        }
    }

    // MARK: Collections

    private func registerCollections(
        _ me: String,
        _ add: (HTTPRequest.Method, String, String, String, String?, (Int, String?), [Int], [(String, String, String)],
                @escaping @Sendable (Request, VitaRequestContext, String) async throws -> Response) -> Void,
        _ catalog: RouteCatalog
    ) {
        add(.get, "\(me)/collections", "listMyCollections", "My collections, oldest first", nil, (200, "CollectionList"),
            [400, 401, 403], AdminRoutes.pagingQuery) { request, _, learnerId in
            let (cursor, limit) = try reader.paging(request)
            let collections = try await database.read { try await $0.collections(learnerId: learnerId, after: cursor, limit: limit) }
            return APIJSON.response(json: APIJSON.page(collections.items.map(Self.describe), next: collections.nextCursor), status: .ok)
        }
        add(.post, "\(me)/collections", "createMyCollection",
            "Create a collection of my credentials and records with a short statement", "CollectionInput",
            (201, "Collection"), [400, 401, 403, 413, 422], []) { request, context, learnerId in
            let input = try await collectionInput(request)
            let now = Timestamp.truncated(gate.clock())
            let collection = Collection(id: EntityID.make("col", now: now), learnerId: learnerId, name: input.name,
                                        statement: input.statement, items: input.items, createdAt: now, updatedAt: now)
            try await gate.withOwnData(context.principal!, action: "collection.create") { tx, _ in
                try await checkItems(tx, input.items, learnerId: learnerId)
                try await tx.insert(collection)
            }
            return APIJSON.response(json: Self.describe(collection), status: .created)
        }
        catalog.add(Operation(method: .get, path: "\(me)/collections/{collectionId}", operationId: "getMyCollection",
                              summary: "One of my collections (its ETag is what an update names in If-Match)", tag: "Wallet",
                              access: .learner, query: [], headers: [], requestSchema: nil, success: (200, "Collection"),
                              errors: [401, 403, 404], conditional: true)) { _, context in
            let learnerId = context.token!.learnerId!
            let id = try reader.id(context, "collectionId", prefix: "col", what: "collection")
            let collection = try await database.read { try await $0.collection(id: id) }
            guard let collection, collection.learnerId == learnerId else { throw Problem.notFound("collection") }
            return APIJSON.response(json: Self.describe(collection), status: .ok, headers: [.eTag: Self.entityTag(collection)])
        }
        catalog.add(Operation(method: .put, path: "\(me)/collections/{collectionId}", operationId: "updateMyCollection",
                              summary: "Replace a collection's name, statement and items (share links to it show the new content); If-Match required",
                              tag: "Wallet", access: .learner, query: [],
                              headers: [("If-Match", true, "The ETag of the collection as last read")],
                              requestSchema: "CollectionInput", success: (200, "Collection"),
                              errors: [400, 401, 403, 404, 412, 413, 422, 428])) { request, context in
            let learnerId = context.token!.learnerId!
            let id = try reader.id(context, "collectionId", prefix: "col", what: "collection")
            let input = try await collectionInput(request)
            let updated = try await gate.withOwnData(context.principal!, action: "collection.update") { tx, _ in
                guard var collection = try await tx.collection(id: id), collection.learnerId == learnerId else {
                    throw Problem.notFound("collection")
                }
                // Two devices editing one collection: the second to save is refused rather than losing the first's change.
                try reader.requireMatch(request, entityTag: Self.entityTag(collection))
                try await checkItems(tx, input.items, learnerId: learnerId)
                collection.name = input.name
                collection.statement = input.statement
                collection.items = input.items
                collection.updatedAt = Timestamp.truncated(gate.clock())
                try await tx.update(collection)
                return collection
            }
            return APIJSON.response(json: Self.describe(updated), status: .ok, headers: [.eTag: Self.entityTag(updated)])
        }
        add(.delete, "\(me)/collections/{collectionId}", "deleteMyCollection",
            "Delete a collection; its share links stop working", nil, (204, nil), [401, 403, 404], []) { _, context, learnerId in
            let id = try reader.id(context, "collectionId", prefix: "col", what: "collection")
            try await gate.withOwnData(context.principal!, action: "collection.delete") { tx, _ in
                guard let collection = try await tx.collection(id: id), collection.learnerId == learnerId else {
                    throw Problem.notFound("collection")
                }
                try await tx.deleteCollection(id: id, at: Timestamp.truncated(gate.clock()))
            }
            return Response(status: .noContent)
        }
    }

    private struct CollectionInput {
        var name: String
        var statement: String?
        var items: [Collection.Item]
    }

    private func collectionInput(_ request: Request) async throws -> CollectionInput {
        let body = try await reader.object(request)
        guard let name = body["name"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), (1...200).contains(name.count) else {
            throw Problem.badRequest("name", "is required, 1 to 200 characters")
        }
        let statement = try body.optionalString("statement")
        if let statement, statement.count > 2000 {
            throw Problem.badRequest("statement", "must be a string of at most 2000 characters")
        }
        guard case .array(let values)? = body["items"], values.count <= 200 else {
            throw Problem.badRequest("items", "must be an array of at most 200 items")
        }
        var items: [Collection.Item] = []
        for (index, value) in values.enumerated() {
            items.append(try Self.item(value, field: "items[\(index)]"))
        }
        guard Set(items).count == items.count else { throw Problem.badRequest("items", "must not repeat an item") }
        return CollectionInput(name: name, statement: statement, items: items)
    }

    static func item(_ value: JSONValue, field: String) throws -> Collection.Item {
        guard let kindText = value["kind"]?.stringValue, let kind = Collection.Item.Kind(rawValue: kindText) else {
            throw Problem.badRequest("\(field).kind", "must be issued, held or record")
        }
        guard let id = value["id"]?.stringValue else { throw Problem.badRequest("\(field).id", "is required") }
        let prefixes: [String] = switch kind {
        case .issued: ["vcr", "clr"]
        case .held: ["hcr"]
        case .record: ["rec"]
        }
        guard prefixes.contains(where: { EntityID.isWellFormed(id, prefix: $0) }) else {
            throw Problem.badRequest("\(field).id", "is not the id of an item of kind \(kind.rawValue)")
        }
        return Collection.Item(kind: kind, id: id)
    }

    /// Every item must be the learner's (422 naming the first that is not).
    private func checkItems(_ tx: StoreTransaction, _ items: [Collection.Item], learnerId: String) async throws {
        guard !items.isEmpty else { return }
        let contents = try await WalletContents.load(tx, learnerId: learnerId,
                                                     withRecords: items.contains { $0.kind == .record })
        for (index, item) in items.enumerated() where !contents.contains(item) {
            throw ValidationFailures([.invalidField("items[\(index)].id", "is none of your \(item.kind.rawValue) items")])
        }
    }

    // MARK: Share links

    private func registerShares(
        _ me: String,
        _ add: (HTTPRequest.Method, String, String, String, String?, (Int, String?), [Int], [(String, String, String)],
                @escaping @Sendable (Request, VitaRequestContext, String) async throws -> Response) -> Void,
        _ catalog: RouteCatalog
    ) {
        add(.post, "\(me)/shares", "createMyShareLink",
            "Share a collection or one item: a link (also as a QR code) with an expiry and an optional passcode; the token is shown once",
            "ShareLinkInput", (201, "CreatedShareLink"), [400, 401, 403, 404, 413, 422], []) { request, context, learnerId in
            let body = try await reader.object(request)
            let target: ShareLink.Target
            switch (body["collectionId"], body["item"]) {
            case (.string(let id)?, nil):
                guard EntityID.isWellFormed(id, prefix: "col") else { throw Problem.notFound("collection") }
                target = .collection(id)
            case (nil, let value?):
                target = .item(try Self.item(value, field: "item"))
            default:
                throw Problem.badRequest("collectionId", "give either collectionId or item")
            }
            let now = Timestamp.truncated(gate.clock())
            var expiresAt = now.addingTimeInterval(Self.defaultShareLifetime)
            if let value = body["expiresAt"] {
                guard let text = value.stringValue, let date = APIJSON.parseTimestamp(text) else {
                    throw Problem.badRequest("expiresAt", "must be an RFC 3339 timestamp")
                }
                guard date > now, date <= now.addingTimeInterval(Self.maxShareLifetime) else {
                    throw Problem.badRequest("expiresAt", "must be in the future and within a year")
                }
                expiresAt = date
            }
            var passcodeHash: String?
            if let value = body["passcode"] {
                guard let passcode = value.stringValue, (4...128).contains(passcode.count) else {
                    throw Problem.badRequest("passcode", "must be 4 to 128 characters")
                }
                passcodeHash = try PasswordHasher.standard.hash(passcode)
            }
            let (token, tokenHash) = Self.makeToken()
            let share = ShareLink(id: EntityID.make("shr", now: now), learnerId: learnerId, target: target, tokenHash: tokenHash,
                                  passcodeHash: passcodeHash, failedAttempts: 0, expiresAt: expiresAt, revokedAt: nil, createdAt: now)
            try await gate.withOwnData(context.principal!, action: "share.create") { tx, _ in
                switch target {
                case .collection(let id):
                    guard let collection = try await tx.collection(id: id), collection.learnerId == learnerId else {
                        throw Problem.notFound("collection")
                    }
                case .item(let item):
                    try await checkItems(tx, [item], learnerId: learnerId)
                }
                try await tx.insert(share)
            }
            var view = Self.describe(share, openings: nil).objectValue ?? JSONObject()
            let url = options.publicBaseURL + "/s/" + token
            view["token"] = .string(token)
            view["url"] = .string(url)
            view["qrCodeSVG"] = (try? QRCode(text: url).svg(title: "QR code of the share link")).map(JSONValue.string) ?? .null
            return APIJSON.response(json: .object(view), status: .created, headers: [.cacheControl: "no-store"])
        }
        add(.get, "\(me)/shares", "listMyShareLinks", "My share links with how often each was opened (never their tokens), oldest first",
            nil, (200, "ShareLinkList"), [400, 401, 403], AdminRoutes.pagingQuery) { request, _, learnerId in
            let (cursor, limit) = try reader.paging(request)
            let (items, next) = try await database.read { tx -> ([JSONValue], String?) in
                let page = try await tx.shareLinks(learnerId: learnerId, after: cursor, limit: limit)
                var items: [JSONValue] = []
                for share in page.items {
                    items.append(Self.describe(share, openings: try await tx.shareOpeningCounts(shareId: share.id)))
                }
                return (items, page.nextCursor)
            }
            return APIJSON.response(json: APIJSON.page(items, next: next), status: .ok)
        }
        add(.get, "\(me)/shares/{shareId}/openings", "listMyShareLinkOpenings",
            "Each opening of one of my share links: when, and whether the content was shown", nil,
            (200, "ShareOpeningList"), [400, 401, 403, 404], AdminRoutes.pagingQuery) { request, context, learnerId in
            let id = try reader.id(context, "shareId", prefix: "shr", what: "share link")
            let (cursor, limit) = try reader.paging(request)
            let openings = try await database.read { tx -> Page<ShareOpening>? in
                guard let share = try await tx.shareLink(id: id), share.learnerId == learnerId else { return nil }
                return try await tx.shareOpenings(shareId: id, after: cursor, limit: limit)
            }
            guard let openings else { throw Problem.notFound("share link") }
            return APIJSON.response(json: APIJSON.page(openings.items.map(Self.describe), next: openings.nextCursor), status: .ok)
        }
        add(.delete, "\(me)/shares/{shareId}", "revokeMyShareLink", "Revoke a share link: it stops working at once", nil,
            (200, "ShareLink"), [401, 403, 404], []) { _, context, learnerId in
            let id = try reader.id(context, "shareId", prefix: "shr", what: "share link")
            let revoked = try await gate.withOwnData(context.principal!, action: "share.revoke") { tx, _ in
                guard var share = try await tx.shareLink(id: id), share.learnerId == learnerId else {
                    throw Problem.notFound("share link")
                }
                if share.revokedAt == nil {
                    share.revokedAt = Timestamp.truncated(gate.clock())
                    try await tx.updateShareLink(id: id, failedAttempts: share.failedAttempts, revokedAt: share.revokedAt)
                }
                return share
            }
            return APIJSON.response(json: Self.describe(revoked, openings: nil), status: .ok)
        }
        catalog.add(Operation(method: .post, path: "/api/v1/shared/{token}", operationId: "openShareLink",
                              summary: "Open a share link (no sign-in; the passcode in the body when the link has one): what was shared, each credential verified now, each record with its provenance",
                              tag: "Wallet", access: .open, query: [], headers: [], requestSchema: "OpenShareLink",
                              success: (200, "SharedView"), errors: [400, 403, 404, 410, 413])) { request, context in
            try await open(request, token: context.parameters.get("token") ?? "")
        }
        registerShareState(catalog)
    }

    /// `GET /api/v1/shared/{token}`: whether a share link needs its passcode and whether it still works, without
    /// opening it (no content, no opening recorded, no passcode attempt counted), so that a page can ask for the
    /// passcode before trying it.
    private func registerShareState(_ catalog: RouteCatalog) {
        catalog.add(Operation(method: .get, path: "/api/v1/shared/{token}", operationId: "getShareLinkState",
                              summary: "Whether a share link needs a passcode and still works (active, expired or revoked), without opening it",
                              tag: "Wallet", access: .open, query: [], headers: [], requestSchema: nil,
                              success: (200, "ShareLinkState"), errors: [404])) { _, context in
            let token = context.parameters.get("token") ?? ""
            guard token.hasPrefix("vsh_"), token.count < 100,
                  let share = try await database.read({ try await $0.shareLink(tokenHash: OAuthSecret.hash(token)) }) else {
                throw Problem.notFound("share link")
            }
            let state = share.revokedAt != nil ? "revoked" : share.expiresAt <= gate.clock() ? "expired" : "active"
            return APIJSON.response(json: ["state": .string(state), "needsPasscode": .bool(share.passcodeHash != nil),
                                           "expiresAt": .string(XSDDateTime.format(share.expiresAt))],
                                    status: .ok, headers: [.cacheControl: "no-store"])
        }
    }

    static func makeToken() -> (token: String, hash: String) {
        let token = "vsh_" + PKCE.makeVerifier()
        return (token, OAuthSecret.hash(token))
    }

    private func open(_ request: Request, token: String) async throws -> Response {
        let body = try await reader.object(request, allowEmpty: true)
        let now = Timestamp.truncated(gate.clock())
        guard token.hasPrefix("vsh_"), token.count < 100,
              let share = try await database.read({ try await $0.shareLink(tokenHash: OAuthSecret.hash(token)) }) else {
            throw Problem.notFound("share link")
        }
        // Decide, then record the opening (and the learner's audit entry) whatever the outcome.
        var outcome = ShareOpening.Outcome.shown
        if share.revokedAt != nil {
            outcome = .revoked
        } else if share.expiresAt <= now {
            outcome = .expired
        } else if let hash = share.passcodeHash,
                  (try? PasswordHasher.verify(body["passcode"]?.stringValue ?? "", against: hash)) != true {
            outcome = .wrongPasscode
        }
        let opening = ShareOpening(id: EntityID.make("sho", now: now), shareId: share.id, outcome: outcome, openedAt: now)
        let decided = outcome
        let content = try await database.transaction { tx -> (Collection?, WalletContents)? in
            try await tx.insert(opening)
            if decided == .wrongPasscode {
                try await tx.recordWrongPasscode(shareId: share.id, threshold: Self.maxPasscodeFailures, at: now)
            } else if decided == .shown, share.failedAttempts > 0 {
                try await tx.updateShareLink(id: share.id, failedAttempts: 0, revokedAt: nil)
            }
            try await tx.appendAudit(AuditEntry(occurredAt: now, actor: .init(kind: .viewer, id: share.id),
                                                action: "share.open", learnerId: share.learnerId, categories: [.credentials],
                                                agreementId: nil, outcome: decided == .shown ? .allowed : .denied,
                                                reason: decided == .shown ? nil : decided.rawValue))
            guard decided == .shown else { return nil }
            var collection: Collection?
            if case .collection(let id) = share.target { collection = try await tx.collection(id: id) }
            return (collection, try await WalletContents.load(tx, learnerId: share.learnerId))
        }
        switch outcome {
        case .revoked, .expired:
            throw Problem.gone("this share link \(outcome == .expired ? "has expired" : "was revoked")")
        case .wrongPasscode:
            throw Problem(status: 403, title: "Forbidden", detail: "this share link needs its passcode",
                          errors: [.init(field: "passcode", reason: body["passcode"] == nil ? "is required" : "does not match")])
        case .shown:
            break
        }
        guard let (collection, contents) = content else { throw Problem.notFound("share link") }
        let items: [Collection.Item]
        switch share.target {
        case .collection: items = collection?.items ?? []
        case .item(let item): items = [item]
        }
        var shown: [JSONValue] = []
        for item in items {
            if let view = await contents.view(item, verifier: verifier) { shown.append(view) }
        }
        var view: JSONObject = ["items": .array(shown), "expiresAt": .string(XSDDateTime.format(share.expiresAt))]
        if let name = contents.learnerName { view["learnerName"] = .string(name) }
        if let collection {
            view["name"] = .string(collection.name)
            if let statement = collection.statement { view["statement"] = .string(statement) }
        }
        return APIJSON.response(json: .object(view), status: .ok, headers: [.cacheControl: "no-store"])
    }

    // MARK: Import

    private func importCredential(_ request: Request, _ context: VitaRequestContext, learnerId: String) async throws -> Response {
        let bytes = try await reader.bytes(request)
        guard !bytes.isEmpty else { throw Problem.badRequest("body", "is required") }
        let mediaType = request.mediaType ?? ""
        let incoming: IncomingCredential
        do {
            switch mediaType {
            case "application/json", "application/vc+ld+json", "application/ld+json":
                incoming = try IncomingCredential(json: try JSONValue(parsing: bytes), text: String(decoding: bytes, as: UTF8.self))
            case "text/plain", "application/jwt", "application/vc+jwt":
                incoming = try IncomingCredential(jwt: String(decoding: bytes, as: UTF8.self))
            case "image/png", "image/svg+xml":
                switch try BadgeBaking.unbake(bytes).credential {
                case .json(let value): incoming = try IncomingCredential(json: value)
                case .compactJWS(let token): incoming = try IncomingCredential(jwt: token)
                }
            default:
                throw Problem(status: 415, title: "Unsupported Media Type",
                              detail: "send JSON, a VC-JWT as text/plain, or a baked badge as image/png or image/svg+xml",
                              errors: [.init(field: "Content-Type", reason: "not a credential format")])
            }
        } catch let error as CredentialError {
            throw Problem.badRequest("body", error.reason)
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem.badRequest("body", "is not a credential")
        }
        let report = try await incoming.verified(by: verifier, field: "body")
        let now = Timestamp.truncated(gate.clock())
        let held = incoming.held(learnerId: learnerId, source: .learner, sourceId: learnerId, now: now)
        let (outcome, stored) = try await gate.withOwnData(context.principal!, action: "credential.import") { tx, _ in
            try await HeldCredentialStore.keepReturningStored(held, in: tx)
        }
        var view = ConnectionRoutes.describe(stored).objectValue ?? JSONObject()
        view["outcome"] = .string("\(outcome)")
        view["verification"] = report.json
        return APIJSON.response(json: .object(view), status: outcome == .created ? .created : .ok)
    }

    // MARK: Export

    private func exportDocument(_ tx: StoreTransaction, learnerId: String) async throws -> JSONValue {
        guard let export = try await ExportDocument.load(tx, learnerId: learnerId, now: gate.clock()),
              export.learner.erasure == nil else { throw Problem.notFound("learner") }
        let base = try JSONValue(parsing: Array(export.encoded()))
        guard case .object(var document) = base else { return base }
        let contents = try await WalletContents.load(tx, learnerId: learnerId, withRecords: false)
        document["issuedCredentials"] = .array(contents.issued.map { .object(["id": .string($0.id), "credential": $0.credential]) })
        document["heldCredentials"] = .array(contents.held.map(ConnectionRoutes.describe))
        document["collections"] = .array(try await tx.collections(learnerId: learnerId).map(Self.describe))
        var shares: [JSONValue] = []
        for share in try await tx.shareLinks(learnerId: learnerId) {
            shares.append(Self.describe(share, openings: try await tx.shareOpeningCounts(shareId: share.id)))
        }
        document["shareLinks"] = .array(shares)
        if let key = try await tx.holderKey(learnerId: learnerId), let multikey = try? Multikey(multibase: key.publicKeyMultibase) {
            document["holderKey"] = ["did": .string(DIDKey(publicKey: multikey).did), "createdAt": .string(XSDDateTime.format(key.createdAt))]
        }
        return .object(document)
    }

    // MARK: Views

    private func consentView(_ tx: StoreTransaction, _ consent: Consent) async throws -> JSONValue {
        var view = try JSONValue(parsing: Array(APIJSON.encoder.encode(consent))).objectValue ?? JSONObject()
        if let agreement = try await tx.agreement(id: consent.agreementId) {
            view["purpose"] = .string(agreement.purpose)
            view["categories"] = .array(agreement.categories.map { .string($0.rawValue) })
            if let provider = try await tx.organization(id: agreement.providerOrganizationId) {
                view["providerName"] = .string(provider.name)
            }
            if let system = try await tx.system(id: agreement.consumerSystemId)?.system {
                view["consumerName"] = .string(system.name)
                if let organization = try await tx.organization(id: system.organizationId) {
                    view["consumerOrganizationName"] = .string(organization.name)
                }
            }
        }
        return .object(view)
    }

    /// A collection's entity tag: a digest of what the API shows of it (its `updatedAt` included), so any change makes
    /// a new one.
    static func entityTag(_ collection: Collection) -> String {
        "\"\(collection.id).\(ContentDigest.sha256(describe(collection).serialized()).dropFirst(7).prefix(16))\""
    }

    static func describe(_ collection: Collection) -> JSONValue {
        var view: JSONObject = [
            "id": .string(collection.id), "name": .string(collection.name),
            "items": .array(collection.items.map { ["kind": .string($0.kind.rawValue), "id": .string($0.id)] }),
            "createdAt": .string(XSDDateTime.format(collection.createdAt)),
            "updatedAt": .string(XSDDateTime.format(collection.updatedAt)),
        ]
        if let statement = collection.statement { view["statement"] = .string(statement) }
        return .object(view)
    }

    static func describe(_ share: ShareLink, openings: (shown: Int, refused: Int)?) -> JSONValue {
        var view: JSONObject = [
            "id": .string(share.id), "expiresAt": .string(XSDDateTime.format(share.expiresAt)),
            "createdAt": .string(XSDDateTime.format(share.createdAt)), "hasPasscode": .bool(share.passcodeHash != nil),
        ]
        switch share.target {
        case .collection(let id): view["collectionId"] = .string(id)
        case .item(let item): view["item"] = ["kind": .string(item.kind.rawValue), "id": .string(item.id)]
        }
        if let revokedAt = share.revokedAt { view["revokedAt"] = .string(XSDDateTime.format(revokedAt)) }
        if let openings {
            view["openings"] = .number(JSONNumber(openings.shown))
            view["refusedOpenings"] = .number(JSONNumber(openings.refused))
        }
        return .object(view)
    }

    static func describe(_ opening: ShareOpening) -> JSONValue {
        ["id": .string(opening.id), "outcome": .string(opening.outcome.rawValue), "openedAt": .string(XSDDateTime.format(opening.openedAt))]
    }

    static func describe(_ request: ErasureRequest) -> JSONValue {
        var view: JSONObject = [
            "id": .string(request.id), "learnerId": .string(request.learnerId), "status": .string(request.status),
            "requestedAt": .string(XSDDateTime.format(request.requestedAt)),
        ]
        if let reason = request.reason { view["reason"] = .string(reason) }
        return .object(view)
    }

    // MARK: Helpers
}

/// What a learner's wallet holds, loaded once: the credentials Vita issued them, those they hold, their current records.
struct WalletContents: Sendable {
    struct Issued: Sendable {
        var id: String
        var credential: JSONValue
    }

    var learnerName: String?
    var issued: [Issued]
    var held: [HeldCredential]
    var records: [String: LearnerRecord]

    /// Loads the wallet of `learnerId`; its records only when `withRecords` (reading and decoding a learner's every
    /// record is most of the work, and a list of credentials or an export of them does not need them).
    static func load(_ tx: StoreTransaction, learnerId: String, withRecords: Bool = true) async throws -> WalletContents {
        let learner = try await tx.learner(id: learnerId)
        var issued: [Issued] = []
        for item in try await tx.issuedCredentials(learnerId: learnerId, organizations: nil) {
            if let json = try? JSONValue(parsing: Array(item.body.utf8)) { issued.append(Issued(id: item.id, credential: json)) }
        }
        for clr in try await tx.issuedClrs(learnerId: learnerId, organizations: nil) {
            if let json = try? JSONValue(parsing: Array(clr.body.utf8)) { issued.append(Issued(id: clr.id, credential: json)) }
        }
        let records = withRecords
            ? try await tx.records(learnerId: learnerId, categories: RecordCategory.stored, organizations: nil, asOf: nil).items
            : []
        return WalletContents(learnerName: learner?.erasure == nil ? learner?.name?.display : nil, issued: issued,
                              held: try await tx.heldCredentials(learnerId: learnerId, service: nil),
                              records: Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    func contains(_ item: Collection.Item) -> Bool {
        switch item.kind {
        case .issued: issued.contains { $0.id == item.id }
        case .held: held.contains { $0.id == item.id }
        case .record: records[item.id] != nil
        }
    }

    /// An item as a share link shows it: a credential with its verification now, or a record with its provenance.
    func view(_ item: Collection.Item, verifier: CredentialVerifier) async -> JSONValue? {
        switch item.kind {
        case .issued:
            guard let found = issued.first(where: { $0.id == item.id }) else { return nil }
            let report = await verifier.verify(found.credential)
            return ["kind": "credential", "credential": found.credential, "verified": .bool(report.verdict == .valid),
                    "verification": report.json]
        case .held:
            guard let found = held.first(where: { $0.id == item.id }) else { return nil }
            let report: VerificationReport
            let credential: JSONValue
            switch found.format {
            case .json:
                credential = (try? JSONValue(parsing: Array(found.document.utf8))) ?? .null
                report = await verifier.verify(credential)
            case .jwt:
                credential = .string(found.document)
                report = await verifier.verify(jwt: found.document)
            }
            return ["kind": "credential", "credential": credential, "verified": .bool(report.verdict == .valid),
                    "verification": report.json]
        case .record:
            guard let record = records[item.id],
                  let encoded = try? APIJSON.encoder.encode(DTO.Record(record)),
                  let value = try? JSONValue(parsing: Array(encoded)) else { return nil }
            return ["kind": "record", "record": value]
        }
    }
}
