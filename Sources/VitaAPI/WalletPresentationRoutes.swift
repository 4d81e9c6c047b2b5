import Foundation
import Hummingbird
import VitaCore
import VitaCredentials
import VitaJSON
import VitaResolution
import VitaStorage
import VitaWalletProtocols

/// Vita's wallet answering a verifier's OpenID4VP request (OpenID for Verifiable Presentations 1.0, as the wallet;
/// docs/WALLET-APPS.md "Answering a verifier from Vita's wallet"): the learner pastes the request a verifier shows,
/// sees who asks (the Response URI: an unsigned request names nothing else) and which of their credentials answer it,
/// and sends them — each in a presentation signed with the learner's holder key over the request's nonce and the
/// verifier's Client Identifier — or declines. The answer is posted to the verifier by this server, under
/// VitaResolution's outbound policy (https only, no private addresses, one deadline), and audited: the learner's
/// access log says what went to whom.
struct WalletPresentationRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    let holderKeys: HolderKeys
    let verifier: CredentialVerifier
    let client: ResolutionHTTPClient?
    let clock: @Sendable () -> Date

    /// A credential of the learner's that may answer a query: issued by Vita and not revoked or suspended, or held.
    struct Candidate: Sendable {
        var id: String
        var kind: String
        /// The credential's JSON (a VC-JWT's credential, read from its payload).
        var credential: JSONValue
        /// The compact JWS of a VC-JWT; nil for a Data Integrity credential.
        var token: String?
        var expandedTypes: Set<String>
    }

    func register(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .post, path: "/api/v1/me/presentation-requests/preview", operationId: "previewMyPresentationRequest",
                              summary: "Read a verifier's OpenID4VP request (the openid4vp:// link it shows): who asks, what for, and which of my credentials answer it",
                              tag: "Wallet", access: .learner, query: [], headers: [], requestSchema: "WalletPresentationRequestInput",
                              success: (200, "WalletPresentationPreview"), errors: [400, 401, 403, 413, 422])) { request, context in
            let body = try await reader.object(request)
            let authorization = try Self.authorizationRequest(body)
            let candidates = try await candidates(learnerId: context.token!.learnerId!, for: authorization)
            return APIJSON.response(json: Self.preview(authorization, candidates), status: .ok)
        }
        catalog.add(Operation(method: .post, path: "/api/v1/me/presentations", operationId: "answerMyPresentationRequest",
                              summary: "Answer a verifier's OpenID4VP request: send the chosen credentials, each in a presentation signed with my holder key, or decline; audited",
                              tag: "Wallet", access: .learner, query: [], headers: [], requestSchema: "WalletPresentationInput",
                              success: (200, "WalletPresentationOutcome"), errors: [400, 401, 403, 404, 413, 422, 502, 503])) { request, context in
            let body = try await reader.object(request)
            let authorization = try Self.authorizationRequest(body)
            let decline = try body.optionalBool("decline") ?? false
            guard let client else {
                throw Problem(status: 503, title: "Service Unavailable",
                              detail: "this server makes no requests to verifiers (outbound requests are off)")
            }
            let principal = context.principal!
            let learnerId = context.token!.learnerId!
            if decline {
                guard body["credentials"] == nil || body["credentials"] == .null else {
                    throw Problem.badRequest("credentials", "must not be sent with decline")
                }
                return try await send(authorization.refusal(description: "the person declined"), to: authorization, client: client,
                                      principal: principal, action: "presentation.decline", presented: [])
            }
            let chosen = try Self.selection(body, authorization)
            let candidates = try await candidates(learnerId: learnerId, for: authorization)
            var presented: [(query: String, candidate: Candidate)] = []
            for query in authorization.query.credentials {
                for id in chosen[query.id] ?? [] {
                    guard let candidate = candidates.first(where: { $0.id == id }) else {
                        throw Problem.unprocessable("credentials.\(query.id)", "no such credential of yours",
                                                    detail: "credentials.\(query.id): no credential of yours answering a request has the id \(id.prefix(40))")
                    }
                    guard Self.answers(query, candidate, authorization) else {
                        throw Problem.unprocessable("credentials.\(query.id)", "does not answer this query",
                                                    detail: "credentials.\(query.id): \(id) does not answer the query \(query.id)")
                    }
                    presented.append((query.id, candidate))
                }
            }
            if let problem = authorization.query.problem(withSelection: chosen.mapValues(\.count)) {
                throw Problem.unprocessable("credentials", problem)
            }
            let holder = try await holderKeys.pair(learnerId: learnerId)
            let now = clock()
            var token: [String: [JSONValue]] = [:]
            for (queryId, candidate) in presented {
                let query = authorization.query.credentials.first { $0.id == queryId }!
                token[queryId, default: []].append(try Self.answer(candidate, bound: query.requiresHolderBinding, holder: holder,
                                                                   for: authorization, now: now))
            }
            return try await send(authorization.answer(token), to: authorization, client: client, principal: principal,
                                  action: "presentation.send", presented: presented.map { ($0.query, $0.candidate.id) })
        }
    }

    // MARK: Reading the request

    static func authorizationRequest(_ body: JSONObject) throws -> WalletAuthorizationRequest {
        guard let text = try body.optionalString("request"), !text.isEmpty else {
            throw Problem.badRequest("request", "is required: the openid4vp:// link the verifier shows")
        }
        do {
            return try WalletAuthorizationRequest(uri: text)
        } catch {
            throw Problem.unprocessable("request", error.reason, detail: "request: \(error.reason) (\(error.code.rawValue))")
        }
    }

    /// The `credentials` member: query id → credential ids, each query the request's.
    static func selection(_ body: JSONObject, _ authorization: WalletAuthorizationRequest) throws -> [String: [String]] {
        guard let object = try body.optionalObject("credentials") else {
            throw Problem.badRequest("credentials", "is required unless decline is true: the credential ids to send for each query")
        }
        var chosen: [String: [String]] = [:]
        for (queryId, value) in zip(object.keys, object.values) {
            guard authorization.query.credentials.contains(where: { $0.id == queryId }) else {
                throw Problem.badRequest("credentials", "the request has no query \(queryId.prefix(40))")
            }
            guard case .array(let entries) = value, case let ids = entries.compactMap(\.stringValue), ids.count == entries.count,
                  Set(ids).count == ids.count else {
                throw Problem.badRequest("credentials.\(queryId.prefix(40))", "must be an array of distinct credential ids")
            }
            chosen[queryId] = ids
        }
        return chosen
    }

    // MARK: Matching

    /// The learner's credentials that may answer `authorization`, with their expanded types when a query needs them.
    func candidates(learnerId: String, for authorization: WalletAuthorizationRequest) async throws -> [Candidate] {
        let (issued, held) = try await database.read { tx -> ([WalletContents.Issued], [HeldCredential]) in
            let contents = try await WalletContents.load(tx, learnerId: learnerId, withRecords: false)
            var current: [WalletContents.Issued] = []
            for item in contents.issued {
                guard let id = item.credential["id"]?.stringValue,
                      try await !tx.statusEntries(credentialId: id).contains(where: \.isSet) else { continue }
                current.append(item)
            }
            return (current, contents.held)
        }
        let needsTypes = authorization.query.credentials.contains { $0.typeValues != nil }
        var candidates: [Candidate] = []
        for item in issued {
            candidates.append(Candidate(id: item.id, kind: "issued", credential: item.credential, token: nil,
                                        expandedTypes: needsTypes ? verifier.expandedTypes(of: item.credential) ?? [] : []))
        }
        for item in held {
            switch item.format {
            case .json:
                guard let credential = try? JSONValue(parsing: Array(item.document.utf8)) else { continue }
                candidates.append(Candidate(id: item.id, kind: "held", credential: credential, token: nil,
                                            expandedTypes: needsTypes ? verifier.expandedTypes(of: credential) ?? [] : []))
            case .jwt:
                guard let jws = try? CompactJWS(parsing: item.document) else { continue }
                candidates.append(Candidate(id: item.id, kind: "held", credential: jws.credential, token: item.document,
                                            expandedTypes: needsTypes ? verifier.expandedTypes(of: .string(item.document)) ?? [] : []))
            }
        }
        return candidates
    }

    /// Whether `candidate` answers `query`: a Data Integrity credential for an `ldp_vc` query, every proof of a type
    /// and cryptosuite the verifier accepts; a VC-JWT for a `jwt_vc_json` query, signed with an algorithm it accepts;
    /// a presentation Vita's wallet can sign in a form the verifier accepts (unless the query wants the credential
    /// alone); and the query's types and claims (§6.4, §B.1.1).
    static func answers(_ query: DCQLQuery.CredentialQuery, _ candidate: Candidate, _ authorization: WalletAuthorizationRequest) -> Bool {
        guard authorization.canPresent(format: query.format) || !query.requiresHolderBinding else { return false }
        switch (query.format, candidate.token) {
        case ("ldp_vc", nil):
            let proofs = DataIntegrity.proofs(of: candidate.credential)
            guard !proofs.isEmpty, proofs.allSatisfy({
                authorization.accepts(proofType: $0["type"]?.stringValue ?? "", cryptosuite: $0["cryptosuite"]?.stringValue)
            }) else { return false }
        case ("jwt_vc_json", let token?):
            guard let algorithm = (try? CompactJWS(parsing: token))?.algorithm, authorization.accepts(jwtAlgorithm: algorithm) else { return false }
        default:
            return false
        }
        return query.matches(candidate.credential, expandedTypes: candidate.expandedTypes)
    }

    /// What the learner is shown before answering: the verifier, each query with the credentials that answer it, and
    /// the credentials sent by default (the first option the wallet can satisfy of each required set, the first
    /// credential answering each of its queries), or why nothing can be sent.
    static func preview(_ authorization: WalletAuthorizationRequest, _ candidates: [Candidate]) -> JSONValue {
        var matches: [String: [Candidate]] = [:]
        for query in authorization.query.credentials {
            matches[query.id] = candidates.filter { answers(query, $0, authorization) }
        }
        let queries: [JSONValue] = authorization.query.credentials.map { query in
            var object: JSONObject = [
                "id": .string(query.id), "format": .string(query.format), "multiple": .bool(query.multiple),
                "holderBinding": .bool(query.requiresHolderBinding),
                "matches": .array((matches[query.id] ?? []).map(summary)),
            ]
            if let typeValues = query.typeValues { object["typeValues"] = .array(typeValues.map { .array($0.map(JSONValue.string)) }) }
            if let claims = query.claims { object["claims"] = .array(claims.map { .string(describe($0.path)) }) }
            if query.namesTrustedAuthorities { object["trustedAuthoritiesIgnored"] = true }
            return .object(object)
        }
        var verifier: JSONObject = [
            "clientId": .string(authorization.clientID), "responseUri": .string(authorization.responseURI),
            "host": .string(authorization.responseHost),
        ]
        verifier["name"] = authorization.clientName.map(JSONValue.string) ?? .null
        var preview: JSONObject = ["verifier": .object(verifier), "queries": .array(queries)]
        if let sets = authorization.query.credentialSets {
            preview["credentialSets"] = .array(sets.map { set in
                ["options": .array(set.options.map { .array($0.map(JSONValue.string)) }), "required": .bool(set.required)]
            })
        }
        let available = Set(matches.filter { !$0.value.isEmpty }.keys)
        if let preferred = authorization.query.preferredQueries(available: available) {
            var selection = JSONObject()
            for id in preferred { selection[id] = [.string(matches[id]![0].id)] }
            preview["answerable"] = true
            preview["selection"] = .object(selection)
        } else {
            let unmatched = authorization.query.credentials.map(\.id).filter { !available.contains($0) }
            preview["answerable"] = false
            preview["selection"] = .null
            preview["unanswerable"] = .string("none of your credentials answers \(unmatched.map { "\"\($0)\"" }.joined(separator: ", ")), which the verifier needs")
        }
        return .object(preview)
    }

    /// A credential as the learner recognises it: its name (or its achievement's), its issuer's name, its types.
    static func summary(_ candidate: Candidate) -> JSONValue {
        let credential = candidate.credential
        let name = credential["name"]?.stringValue ?? credential["credentialSubject"]?["achievement"]?["name"]?.stringValue
        let issuer = credential["issuer"]?["name"]?.stringValue ?? credential["issuer"]?.stringValue ?? credential["issuer"]?["id"]?.stringValue
        var object: JSONObject = ["credentialId": .string(candidate.id), "kind": .string(candidate.kind)]
        object["name"] = name.map(JSONValue.string) ?? .null
        object["issuer"] = issuer.map(JSONValue.string) ?? .null
        object["type"] = credential["type"].map { .array(($0.arrayValue ?? [$0]).filter { $0.stringValue != nil }) } ?? .array([])
        return .object(object)
    }

    /// A Claims Path Pointer as a dotted path (`credentialSubject.achievement.name`, `[*]` for every element).
    static func describe(_ path: [DCQLQuery.PathComponent]) -> String {
        var text = ""
        for component in path {
            switch component {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            case .all: text += "[*]"
            }
        }
        return text
    }

    // MARK: Answering

    /// What is sent for `candidate`: with holder binding, a presentation signed with the holder's key (a Data Integrity
    /// one for a JSON credential, a JWT one for a VC-JWT); without, the credential as it is (§B.1).
    static func answer(_ candidate: Candidate, bound: Bool, holder: Ed25519KeyPair, for authorization: WalletAuthorizationRequest,
                       now: Date) throws -> JSONValue {
        do {
            switch (candidate.token, bound) {
            case (let token?, true): return .string(try authorization.presentation(ofJWT: token, holder: holder, now: now))
            case (let token?, false): return .string(token)
            case (nil, true): return try authorization.presentation(of: candidate.credential, holder: holder, now: now)
            case (nil, false): return candidate.credential
            }
        } catch {
            throw Problem.unprocessable("credentials", error.reason,
                                        detail: "credentials: a presentation of \(candidate.id) cannot be signed: \(error.reason)")
        }
    }

    /// Posts `form` to the verifier's Response URI and audits what left: what was sent (or the refusal), to whom, and
    /// what the verifier answered. A request the outbound policy refuses (not https, a private address) sends
    /// nothing and audits nothing.
    func send(_ form: [(name: String, value: String)], to authorization: WalletAuthorizationRequest, client: ResolutionHTTPClient,
              principal: Principal, action: String, presented: [(query: String, credentialId: String)]) async throws -> Response {
        let body = form.map { "\(PercentEncoding.unreserved($0.name))=\(PercentEncoding.unreserved($0.value))" }.joined(separator: "&")
        let outcome: Result<OutboundResponse, ResolutionError>
        do {
            outcome = .success(try await client.send(OutboundRequest(
                method: "POST", url: authorization.responseURI,
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                body: Array(body.utf8))))
        } catch {
            if let refusal = error.refusal(field: "request", what: "the Response URI") { throw refusal }
            outcome = .failure(error)
        }
        let sent = presented.isEmpty ? "a refusal" : presented.count == 1 ? "1 credential (\(presented[0].credentialId))"
            : "\(presented.count) credentials (\(presented.map(\.credentialId).joined(separator: ", ")))"
        let answer: String
        var refusal: String?
        switch outcome {
        case .success(let reply) where (200..<300).contains(reply.status):
            answer = "accepted"
        case .success(let reply):
            let error = try? JSONValue(parsing: reply.body)
            let code = error?["error"]?.stringValue.map { String($0.prefix(100)) }
            let description = error?["error_description"]?.stringValue.map { String($0.prefix(300)) }
            refusal = "\(presented.isEmpty ? "the refusal" : "the answer") was sent; the verifier answered \(reply.status)"
                + (code.map { " \($0)" } ?? "") + (description.map { ": \($0)" } ?? "")
            answer = "refused (\(reply.status)\(code.map { " \($0)" } ?? ""))"
        case .failure(let error):
            refusal = "\(presented.isEmpty ? "the refusal" : "the answer") was sent; the verifier did not answer: \(error.reason)"
            answer = "no answer (\(error.code))"
        }
        try await gate.withOwnData(principal, action: action, categories: presented.isEmpty ? [] : [.credentials],
                                   reason: "\(sent) to \(authorization.responseURI); \(answer)") { _, _ in }
        if let refusal {
            throw Problem(status: 502, title: "Bad Gateway", detail: "request: \(refusal)",
                          errors: [.init(field: "request", reason: refusal)])
        }
        var result: JSONObject = [
            "outcome": .string(presented.isEmpty ? "declined" : "sent"),
            "verifier": ["clientId": .string(authorization.clientID), "host": .string(authorization.responseHost)],
            "presented": .array(presented.map { ["query": .string($0.query), "credentialId": .string($0.credentialId)] }),
        ]
        if case .success(let reply) = outcome, let redirect = WalletAuthorizationRequest.redirectURI(inReply: reply.body) {
            result["redirectUri"] = .string(redirect)
        }
        return APIJSON.response(json: .object(result), status: .ok)
    }
}

/// Learners' holder keys: the Ed25519 key Vita's wallet signs a learner's presentations and key proofs with, made
/// (and sealed by the key vault) on first use; one per learner.
struct HolderKeys: Sendable {
    let database: VitaDatabase
    let vault: KeyVault
    let clock: @Sendable () -> Date

    /// The learner's holder key. 404 for a learner who is gone or erased.
    func pair(learnerId: String) async throws -> Ed25519KeyPair {
        // Made once per learner: read it without a write transaction when it exists.
        if let stored = try await database.read({ try await $0.holderKey(learnerId: learnerId) }) {
            return try Ed25519KeyPair(seed: try vault.open(stored.sealedPrivate, id: stored.id))
        }
        return try await database.transaction { tx in
            guard let learner = try await tx.learner(id: learnerId), learner.erasure == nil else { throw Problem.notFound("learner") }
            if let stored = try await tx.holderKey(learnerId: learnerId) {
                return try Ed25519KeyPair(seed: try vault.open(stored.sealedPrivate, id: stored.id))
            }
            let pair = Ed25519KeyPair()
            let now = Timestamp.truncated(clock())
            let id = EntityID.make("hky", now: now)
            let stored = try await tx.insertHolderKeyIfAbsent(StoredHolderKey(
                id: id, learnerId: learnerId, publicKeyMultibase: pair.publicKeyMultibase,
                sealedPrivate: try vault.seal(pair.seed, id: id), createdAt: now))
            return stored.id == id ? pair : try Ed25519KeyPair(seed: try vault.open(stored.sealedPrivate, id: stored.id))
        }
    }
}
