import Foundation
import Hummingbird
import VitaCore
import VitaCredentials
import VitaJSON
import VitaResolution
import VitaStorage
import VitaWalletProtocols

/// Vita's wallet claiming another issuer's OpenID4VCI credential offer (OpenID for Verifiable Credential Issuance 1.0,
/// pre-authorized code flow, as the wallet; docs/WALLET-APPS.md "Receiving credentials from other issuers"): the
/// learner pastes the offer an issuer shows; Vita reads the issuer's metadata, exchanges the pre-authorized code (with
/// the transaction code the learner was given) at the issuer's token endpoint, asks the credential endpoint for each
/// credential offered — with a proof of the learner's holder key when the issuer binds credentials to a key — verifies
/// what comes back and keeps it with the learner's held credentials, then tells the issuer (notification). Every
/// request goes out under VitaResolution's outbound policy.
struct WalletOfferClaimRoutes: Sendable {
    let gate: AccessGate
    let reader: RequestReader
    let holderKeys: HolderKeys
    let verifier: CredentialVerifier
    let client: ResolutionHTTPClient?
    let clock: @Sendable () -> Date

    /// The formats Vita's wallet keeps: Data Integrity credentials as JSON and VC-JWTs.
    static let claimableFormats: Set<String> = ["ldp_vc", "jwt_vc_json"]

    func register(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .post, path: "/api/v1/me/received-offers/preview", operationId: "previewReceivedOffer",
                              summary: "Read another issuer's OpenID4VCI credential offer (the openid-credential-offer:// link it shows): who offers which credentials, and whether a transaction code is needed",
                              tag: "Wallet", access: .learner, query: [], headers: [], requestSchema: "ReceivedOfferInput",
                              success: (200, "ReceivedOfferPreview"), errors: [400, 401, 403, 413, 422, 502, 503])) { request, _ in
            let body = try await reader.object(request)
            let offer = try await offer(body)
            let client = try outboundClient()
            let metadata = try await Self.metadata(of: offer, client: client)
            var preview: JSONObject = ["issuer": Self.describeIssuer(metadata), "credentials": .array(offer.configurationIDs.map { id in
                let configuration = metadata.configurations[id]
                var item: JSONObject = ["configurationId": .string(id), "format": configuration.map { .string($0.format) } ?? .null,
                                        "name": configuration?.name.map(JSONValue.string) ?? .null]
                let problem = Self.problem(claiming: configuration)
                item["claimable"] = .bool(problem == nil)
                if let problem { item["reason"] = .string(problem) }
                return .object(item)
            })]
            preview["transactionCode"] = offer.transactionCode.map { code in
                ["inputMode": .string(code.inputMode), "length": code.length.map { .number(JSONNumber($0)) } ?? .null,
                 "description": code.description.map(JSONValue.string) ?? .null]
            } ?? .null
            return APIJSON.response(json: .object(preview), status: .ok)
        }
        catalog.add(Operation(method: .post, path: "/api/v1/me/received-offers", operationId: "claimReceivedOffer",
                              summary: "Claim another issuer's OpenID4VCI credential offer: the credentials are fetched, verified and kept with the ones I hold; audited",
                              tag: "Wallet", access: .learner, query: [], headers: [], requestSchema: "ReceivedOfferClaimInput",
                              success: (201, "ReceivedOfferClaim"), errors: [400, 401, 403, 404, 413, 422, 502, 503])) { request, context in
            let body = try await reader.object(request)
            let transactionCode = try body.optionalString("transactionCode")
            let offer = try await offer(body)
            switch (offer.transactionCode, transactionCode) {
            case (nil, .some): throw Problem.badRequest("transactionCode", "the offer needs no transaction code")
            case (.some, nil): throw Problem.badRequest("transactionCode", "is required: the issuer sent it to you another way")
            case (.some, let code?) where !offer.accepts(transactionCode: code):
                throw Problem.badRequest("transactionCode", "does not have the shape the offer describes")
            default: break
            }
            let client = try outboundClient()
            let metadata = try await Self.metadata(of: offer, client: client)
            let claimable = offer.configurationIDs.filter { Self.problem(claiming: metadata.configurations[$0]) == nil }
            guard !claimable.isEmpty else {
                let reasons = offer.configurationIDs.map { "\($0): \(Self.problem(claiming: metadata.configurations[$0]) ?? "")" }
                throw Problem.unprocessable("offer", "nothing offered can be claimed",
                                            detail: "offer: nothing offered can be claimed (\(reasons.joined(separator: "; ")))")
            }
            let learnerId = context.token!.learnerId!
            let token = try await accessToken(offer, metadata, transactionCode: transactionCode, client: client)
            var incoming: [(credential: IncomingCredential, report: VerificationReport)] = []
            var notifications: [String] = []
            for id in claimable {
                let received = try await credentials(id, metadata, token: token, learnerId: learnerId, client: client)
                if let notification = received.notificationID { notifications.append(notification) }
                for credential in received.credentials {
                    do {
                        let parsed = try credential.stringValue.map { try IncomingCredential(jwt: $0) } ?? IncomingCredential(json: credential)
                        incoming.append((parsed, try await parsed.verified(by: verifier, field: "offer")))
                    } catch {
                        // Nothing is kept; the issuer hears that its credential was refused (§11), as a wallet tells it.
                        let problem = Self.unfit(error)
                        await Self.notify(notifications, event: "credential_failure", description: problem.detail, metadata, token: token, client: client)
                        throw problem
                    }
                }
            }
            let now = Timestamp.truncated(clock())
            let issuer = offer.credentialIssuer
            let toKeep = incoming.map { $0.credential.held(learnerId: learnerId, source: .issuer, sourceId: issuer, now: now) }
            let kept = try await gate.withOwnData(context.principal!, action: "credential.claim", categories: [.credentials],
                                                  reason: "\(incoming.count == 1 ? "1 credential" : "\(incoming.count) credentials") from \(issuer)") { tx, _ in
                var kept: [(HeldCredentialStore.Outcome, HeldCredential)] = []
                for held in toKeep { kept.append(try await HeldCredentialStore.keepReturningStored(held, in: tx)) }
                return kept
            }
            await Self.notify(notifications, event: "credential_accepted", description: nil, metadata, token: token, client: client)
            let views: [JSONValue] = zip(kept, incoming).map { stored, item in
                var view = ConnectionRoutes.describe(stored.1).objectValue ?? JSONObject()
                view["outcome"] = .string("\(stored.0)")
                view["verification"] = item.report.json
                return .object(view)
            }
            return APIJSON.response(json: ["issuer": Self.describeIssuer(metadata), "credentials": .array(views)], status: .created)
        }
    }

    // MARK: Steps

    private func outboundClient() throws -> ResolutionHTTPClient {
        guard let client else {
            throw Problem(status: 503, title: "Service Unavailable", detail: "this server makes no requests to issuers (outbound requests are off)")
        }
        return client
    }

    /// The offer in the body's `offer`: by value, or fetched from its `credential_offer_uri` (503 without an outbound
    /// client). A link that is no offer is refused before anything else.
    private func offer(_ body: JSONObject) async throws -> ReceivedCredentialOffer {
        guard let text = try body.optionalString("offer"), !text.isEmpty else {
            throw Problem.badRequest("offer", "is required: the openid-credential-offer:// link the issuer shows")
        }
        do {
            switch try ReceivedCredentialOffer.link(text) {
            case .offer(let offer): return offer
            case .reference(let url):
                return try ReceivedCredentialOffer(document: try await Self.fetchJSON(url, client: try outboundClient(), what: "the offer"))
            }
        } catch let error as WalletProtocolError {
            throw Problem.unprocessable("offer", error.reason)
        }
    }

    /// The issuer's metadata (§12.2.2).
    static func metadata(of offer: ReceivedCredentialOffer, client: ResolutionHTTPClient) async throws -> ReceivedIssuerMetadata {
        let document = try await fetchJSON(ReceivedIssuerMetadata.url(of: offer.credentialIssuer), client: client, what: "the issuer's metadata")
        do {
            let metadata = try ReceivedIssuerMetadata(document: document, issuer: offer.credentialIssuer)
            if metadata.requiresEncryption {
                throw Problem.unprocessable("offer", "encrypted credential responses are not supported",
                                            detail: "offer: the issuer encrypts every credential response, which Vita's wallet does not support")
            }
            return metadata
        } catch let error as WalletProtocolError {
            throw issuerProblem(error.reason)
        }
    }

    /// Why a configuration cannot be claimed, or nil when it can.
    static func problem(claiming configuration: ReceivedIssuerMetadata.Configuration?) -> String? {
        guard let configuration else { return "the issuer's metadata does not describe it" }
        guard claimableFormats.contains(configuration.format) else {
            return "its format \(configuration.format) is not one Vita's wallet keeps (ldp_vc, jwt_vc_json)"
        }
        if configuration.proofTypes != nil && KeyProof.choice(for: configuration) == nil {
            return "the issuer wants a proof of a key Vita's wallet cannot give (a jwt proof with an EdDSA key, as did:key or jwk)"
        }
        return nil
    }

    /// The access token for the offer's pre-authorized code (§6).
    private func accessToken(_ offer: ReceivedCredentialOffer, _ metadata: ReceivedIssuerMetadata, transactionCode: String?,
                             client: ResolutionHTTPClient) async throws -> String {
        let server = offer.authorizationServer ?? metadata.authorizationServers.first ?? offer.credentialIssuer
        let serverMetadata = try await Self.fetchJSON(ReceivedIssuerMetadata.authorizationServerMetadataURL(of: server), client: client,
                                                      what: "the authorization server's metadata")
        guard let endpoint = serverMetadata["token_endpoint"]?.stringValue else {
            throw Self.issuerProblem("the authorization server's metadata names no token_endpoint")
        }
        let form = offer.tokenRequest(transactionCode: transactionCode)
            .map { "\(PercentEncoding.unreserved($0.name))=\(PercentEncoding.unreserved($0.value))" }.joined(separator: "&")
        let reply = try await Self.send(OutboundRequest(method: "POST", url: endpoint,
                                                        headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                                        body: Array(form.utf8)), client: client, what: "the token endpoint")
        let answer = try? JSONValue(parsing: reply.body)
        guard (200..<300).contains(reply.status) else {
            let error = answer?["error"]?.stringValue.map { String($0.prefix(100)) } ?? "HTTP \(reply.status)"
            let description = answer?["error_description"]?.stringValue.map { ": " + String($0.prefix(300)) } ?? ""
            let reason = "the issuer refused the offer's code (\(error)\(description))"
            // A wrong transaction code and a spent or expired offer are the person's to act on, not a fault of the issuer.
            throw Problem.unprocessable(transactionCode == nil ? "offer" : "transactionCode", reason)
        }
        guard let token = answer?["access_token"]?.stringValue, !token.isEmpty else {
            throw Self.issuerProblem("the token endpoint answered without an access_token")
        }
        guard (answer?["token_type"]?.stringValue ?? "Bearer").caseInsensitiveCompare("Bearer") == .orderedSame else {
            throw Self.issuerProblem("the token endpoint issued a \(answer?["token_type"]?.stringValue ?? "") token; Vita's wallet uses Bearer tokens")
        }
        return token
    }

    /// The credentials of configuration `id` from the Credential Endpoint (§8), with a key proof when the issuer wants one.
    private func credentials(_ id: String, _ metadata: ReceivedIssuerMetadata, token: String, learnerId: String,
                             client: ResolutionHTTPClient) async throws -> ReceivedCredentials {
        var request: JSONObject = ["credential_configuration_id": .string(id)]
        if let configuration = metadata.configurations[id], configuration.proofTypes != nil,
           let (reference, algorithm) = KeyProof.choice(for: configuration) {
            var nonce: String?
            if let endpoint = metadata.nonceEndpoint {
                let reply = try await Self.send(OutboundRequest(method: "POST", url: endpoint, headers: [("Accept", "application/json")]),
                                                client: client, what: "the nonce endpoint")
                guard (200..<300).contains(reply.status), let value = (try? JSONValue(parsing: reply.body))?["c_nonce"]?.stringValue else {
                    throw Self.issuerProblem("the nonce endpoint answered \(reply.status) without a c_nonce")
                }
                nonce = value
            }
            let holder = try await holderKeys.pair(learnerId: learnerId)
            let proof = try KeyProof.jwt(holder: holder, reference: reference, algorithm: algorithm, issuer: metadata.credentialIssuer,
                                         nonce: nonce, now: clock())
            request["proofs"] = ["jwt": [.string(proof)]]
        }
        let reply = try await Self.send(OutboundRequest(method: "POST", url: metadata.credentialEndpoint,
                                                        headers: [("Content-Type", "application/json"), ("Accept", "application/json"),
                                                                  ("Authorization", "Bearer \(token)")],
                                                        body: JSONValue.object(request).serialized()), client: client, what: "the credential endpoint")
        let answer = try? JSONValue(parsing: reply.body)
        guard (200..<300).contains(reply.status), let answer else {
            let error = answer?["error"]?.stringValue.map { " " + String($0.prefix(100)) } ?? ""
            let description = answer?["error_description"]?.stringValue.map { ": " + String($0.prefix(300)) } ?? ""
            throw Self.issuerProblem("the credential endpoint answered \(reply.status)\(error)\(description)")
        }
        do {
            return try ReceivedCredentials(response: answer)
        } catch {
            throw Self.issuerProblem(error.reason)
        }
    }

    /// Tells the issuer what became of its credentials (§11), when it asked to hear; a notification that fails changes
    /// nothing here.
    static func notify(_ ids: [String], event: String, description: String?, _ metadata: ReceivedIssuerMetadata, token: String,
                       client: ResolutionHTTPClient) async {
        guard let endpoint = metadata.notificationEndpoint else { return }
        for id in ids {
            var body: JSONObject = ["notification_id": .string(id), "event": .string(event)]
            // Human-readable ASCII (§11.1).
            if let description { body["event_description"] = .string(String(String(description.unicodeScalars.filter(\.isASCII)).prefix(300))) }
            _ = try? await client.send(OutboundRequest(
                method: "POST", url: endpoint, headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                body: JSONValue.object(body).serialized()))
        }
    }

    /// Why a credential the issuer sent is not kept: not readable (502), not an Open Badge or CLR, or not genuine (422).
    static func unfit(_ error: any Error) -> Problem {
        switch error {
        case let error as CredentialError:
            return issuerProblem("a credential the issuer sent is not readable: \(error.reason)")
        case let problem as Problem where problem.status == 422:
            return problem
        default:
            let reason = "the issuer sent a credential that is not an Open Badge or a CLR"
            return Problem.unprocessable("offer", reason)
        }
    }

    // MARK: HTTP

    /// Sends `request`; the outbound policy's refusal (not https, a private address) is the offer's fault (422), any
    /// other failure the issuer's (502).
    static func send(_ request: OutboundRequest, client: ResolutionHTTPClient, what: String) async throws -> OutboundResponse {
        do {
            return try await client.send(request)
        } catch {
            throw error.refusal(field: "offer", what: what) ?? issuerProblem("\(what) did not answer: \(error.reason)")
        }
    }

    /// A JSON document fetched with `GET`: 502 unless it answers 2xx with JSON.
    static func fetchJSON(_ url: String, client: ResolutionHTTPClient, what: String) async throws -> JSONValue {
        let reply = try await send(OutboundRequest(method: "GET", url: url, headers: [("Accept", "application/json")]), client: client, what: what)
        guard (200..<300).contains(reply.status) else { throw issuerProblem("\(what) answered \(reply.status)") }
        guard let document = try? JSONValue(parsing: reply.body) else { throw issuerProblem("\(what) is not JSON") }
        return document
    }

    static func issuerProblem(_ reason: String) -> Problem {
        Problem(status: 502, title: "Bad Gateway", detail: "offer: \(reason)", errors: [.init(field: "offer", reason: reason)])
    }

    static func describeIssuer(_ metadata: ReceivedIssuerMetadata) -> JSONValue {
        ["id": .string(metadata.credentialIssuer), "name": metadata.displayName.map(JSONValue.string) ?? .null]
    }
}

extension ResolutionError {
    /// The answer to a wallet request that never left: refused by the outbound policy (not https, a private address,
    /// not a URL: 422 naming `field`, the caller's to correct) or stopped by offline mode (503). Nil for a failure
    /// after the request was sent (the caller decides what that means).
    func refusal(field: String, what: String) -> Problem? {
        switch code {
        case .insecureURL, .forbiddenAddress, .invalidIdentifier:
            Problem.unprocessable(field, reason, detail: "\(field): \(what) is refused: \(reason)")
        case .offline:
            Problem(status: 503, title: "Service Unavailable", detail: "this server makes no outbound requests (offline mode)")
        default:
            nil
        }
    }
}
