import Foundation
import HTTPTypes
import Hummingbird
import VitaCore
import VitaCredentials
import VitaJSON
import VitaOAuth
import VitaWalletProtocols
import VitaQR
import VitaStorage

/// Sending a credential Vita issued to a wallet app (docs/WALLET-APPS.md; ``ExchangeRoutes`` passes VC-API exchanges on): the learner makes an offer
/// (`POST /api/v1/me/credentials/{id}/offers`, a QR code and a link) for one of two protocols.
///
/// - OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow: an `openid-credential-offer://` link with
///   a six-digit transaction code unless declined; the wallet reads the issuer metadata, exchanges the code once at the
///   token endpoint (``exchange(_:)``, called by `/oauth/token`) and fetches the credential at the Credential Endpoint,
///   then may say what it did with it at the Notification Endpoint.
/// - A VC-API exchange (the Learner Credential Wallet): a link to the wallet with the exchange's secret URL, which
///   answers the wallet's `{}` with the credential in a Verifiable Presentation, once.
///
/// Either way the credential is the signed document as issued. Every step is in the learner's audit log; the learner
/// lists and withdraws offers.
struct CredentialOfferRoutes: Sendable {
    let database: VitaDatabase
    let gate: AccessGate
    let reader: RequestReader
    let options: ServerOptions

    /// How long a wallet has to exchange the code.
    static let offerLifetime: TimeInterval = 600
    /// How long the access token fetches the credential and sends notifications.
    static let tokenLifetime: TimeInterval = 900
    /// Wrong transaction codes after which an offer locks (withdrawn).
    static let maxTransactionCodeFailures = 5
    /// How long an offer stays in the learner's list after it stopped working (thirty days): then the expiry sweep
    /// deletes it.
    static let retention: TimeInterval = 30 * 86_400
    /// Why a VC-API exchange that delivered its credential answers 410.
    static let complete = "this exchange is complete: it answers its credential once"

    var metadata: CredentialIssuerMetadata { CredentialIssuerMetadata(issuer: options.publicBaseURL) }
    var now: Date { Timestamp.truncated(gate.clock()) }

    func register(in catalog: RouteCatalog) {
        catalog.add(Operation(method: .post, path: "/api/v1/me/credentials/{credentialId}/offers", operationId: "createMyCredentialOffer",
                              summary: "Offer one of my credentials to a wallet app (OpenID4VCI pre-authorized code): the offer link and QR code, and the transaction code, shown once",
                              tag: "Wallet", access: .learner, query: [], headers: [], requestSchema: "CredentialOfferInput",
                              success: (201, "CreatedCredentialOffer"), errors: [400, 401, 403, 404, 413, 422])) { request, context in
            try await createOffer(request, context)
        }
        catalog.add(Operation(method: .get, path: "/api/v1/me/credential-offers", operationId: "listMyCredentialOffers",
                              summary: "My offers to wallet apps, oldest first: whether each was redeemed, delivered, accepted, expired or withdrawn (never codes)",
                              tag: "Wallet", access: .learner, query: AdminRoutes.pagingQuery, headers: [], requestSchema: nil,
                              success: (200, "CredentialOfferList"), errors: [400, 401, 403])) { request, context in
            let learnerId = context.token!.learnerId!
            let at = now
            let (cursor, limit) = try reader.paging(request)
            let offers = try await database.read { try await $0.credentialOffers(learnerId: learnerId, after: cursor, limit: limit) }
            return APIJSON.response(json: APIJSON.page(offers.items.map { Self.describe($0, at: at) }, next: offers.nextCursor),
                                    status: .ok, headers: [.cacheControl: "no-store"])
        }
        catalog.add(Operation(method: .delete, path: "/api/v1/me/credential-offers/{offerId}", operationId: "withdrawMyCredentialOffer",
                              summary: "Withdraw an offer: its code, and any token a wallet app got for it, stop working at once",
                              tag: "Wallet", access: .learner, query: [], headers: [], requestSchema: nil,
                              success: (200, "CredentialOffer"), errors: [401, 403, 404])) { _, context in
            let id = try reader.id(context, "offerId", prefix: "cof", what: "credential offer")
            let at = now
            let offer = try await gate.withOwnData(context.principal!, action: "oid4vci.offer.withdraw") { tx, learnerId in
                guard var offer = try await tx.credentialOffer(id: id), offer.learnerId == learnerId else {
                    throw Problem.notFound("credential offer")
                }
                if try await tx.withdrawCredentialOffer(id: id, at: at) { offer.withdrawnAt = at }
                return offer
            }
            return APIJSON.response(json: Self.describe(offer, at: at), status: .ok, headers: [.cacheControl: "no-store"])
        }
        catalog.add(Operation(method: .get, path: CredentialIssuerMetadata.wellKnownPath, operationId: "getCredentialIssuerMetadata",
                              summary: "OpenID4VCI Credential Issuer Metadata: the credential configurations a wallet app can receive",
                              tag: "OpenID4VCI", access: .open, query: [], headers: [], requestSchema: nil,
                              success: (200, "CredentialIssuerMetadata"), errors: [])) { _, _ in
            APIJSON.response(json: metadata.document, status: .ok, headers: [.cacheControl: "public, max-age=3600"])
        }
        catalog.add(Operation(method: .post, path: CredentialIssuerMetadata.credentialPath, operationId: "requestCredential",
                              summary: "OpenID4VCI Credential Endpoint: the offered credential, with the access token from the pre-authorized code",
                              tag: "OpenID4VCI", access: .open, query: [],
                              headers: [("Authorization", true, "Bearer: the access token of the token endpoint")],
                              requestSchema: "CredentialRequest", success: (200, "CredentialResponse"), errors: [400, 401, 413])) { request, _ in
            try await WalletError.answering { try await credential(request) }
        }
        catalog.add(Operation(method: .post, path: CredentialIssuerMetadata.notificationPath, operationId: "notifyCredentialEvent",
                              summary: "OpenID4VCI Notification Endpoint: whether the wallet app stored, failed to store or deleted the credential",
                              tag: "OpenID4VCI", access: .open, query: [],
                              headers: [("Authorization", true, "Bearer: the access token of the token endpoint")],
                              requestSchema: "NotificationRequest", success: (204, nil), errors: [400, 401, 413])) { request, _ in
            try await WalletError.answering { try await notification(request) }
        }
    }

    // MARK: The learner's side

    private func createOffer(_ request: Request, _ context: VitaRequestContext) async throws -> Response {
        let credentialId = context.parameters.get("credentialId") ?? ""
        guard ["vcr", "clr"].contains(where: { EntityID.isWellFormed(credentialId, prefix: $0) }) else {
            throw Problem.notFound("credential")
        }
        let body = try await reader.object(request, allowEmpty: true)
        let protocolName = try body.optionalString("protocol") ?? StoredCredentialOffer.WalletProtocol.oid4vci.rawValue
        guard let walletProtocol = StoredCredentialOffer.WalletProtocol(rawValue: protocolName) else {
            throw Problem.badRequest("protocol", "must be oid4vci or vcapi")
        }
        let askedForCode = try body.optionalBool("transactionCode")
        if walletProtocol == .vcapi, askedForCode == true {
            throw Problem.badRequest("transactionCode", "a VC-API exchange has no transaction code")
        }
        let at = now
        let (code, codeHash) = OAuthSecret.make(walletProtocol == .oid4vci ? .preAuthorizedCode : .exchange)
        let transactionCode = walletProtocol == .oid4vci && askedForCode ?? true ? CredentialOffer.makeTransactionCode() : nil
        let transactionCodeHash = try transactionCode.map { try PasswordHasher.standard.hash($0) }
        let offer = try await gate.withOwnData(context.principal!, action: "oid4vci.offer", categories: [.credentials]) {
            tx, learnerId -> StoredCredentialOffer in
            let credential = try await Self.offerable(tx, learnerId: learnerId, credentialId: credentialId)
            guard let configuration = CredentialConfiguration.of(credential) else {
                throw Self.unofferable("carries no embedded proof, so it is no ldp_vc credential a wallet app can receive")
            }
            let offer = StoredCredentialOffer(id: EntityID.make("cof", now: at), learnerId: learnerId, credentialId: credentialId,
                                              configurationId: configuration.id, walletProtocol: walletProtocol, codeHash: codeHash,
                                              txCodeHash: transactionCodeHash, expiresAt: at + Self.offerLifetime, createdAt: at)
            try await tx.insert(offer)
            return offer
        }
        var view = Self.describe(offer, at: at).objectValue ?? JSONObject()
        let link: String
        switch walletProtocol {
        case .oid4vci:
            let document = CredentialOffer(issuer: options.publicBaseURL, configuration: CredentialConfiguration.named(offer.configurationId)!,
                                           preAuthorizedCode: code, requiresTransactionCode: transactionCode != nil)
            view["credentialOffer"] = document.document
            link = document.uri
        case .vcapi:
            let invitation = ExchangeInvitation(origin: options.publicBaseURL, exchangeURL: options.publicBaseURL + "/exchanges/" + code)
            view["invitation"] = invitation.document
            view["exchangeURL"] = .string(invitation.exchangeURL)
            view["deepLink"] = .string(invitation.deepLink)
            link = invitation.walletLink
        }
        view["offerURI"] = .string(link)
        if let transactionCode { view["transactionCode"] = .string(transactionCode) }
        view["qrCodeSVG"] = (try? QRCode(text: link).svg(title: "QR code of the credential offer")).map(JSONValue.string) ?? .null
        return APIJSON.response(json: .object(view), status: .created, headers: [.cacheControl: "no-store"])
    }

    /// The signed credential `credentialId` of the learner when it may go to a wallet app: issued by Vita to them and
    /// neither revoked nor suspended (404 when it is not theirs, 422 when its status bit is set).
    static func offerable(_ tx: StoreTransaction, learnerId: String, credentialId: String) async throws -> JSONValue {
        let service: HeldCredential.Service = credentialId.hasPrefix("clr_") ? .clr : .openBadges
        if let item = try await CurrentIssuedCredentials.load(tx, learnerId: learnerId, service: service)
            .first(where: { $0.id == credentialId }) {
            return item.credential
        }
        let issued = try await WalletContents.load(tx, learnerId: learnerId, withRecords: false).issued
        guard issued.contains(where: { $0.id == credentialId }) else { throw Problem.notFound("credential") }
        throw unofferable("is revoked or suspended")
    }

    static func unofferable(_ reason: String) -> Problem {
        Problem(status: 422, title: "Unprocessable Content", detail: "this credential \(reason)",
                errors: [.init(field: "credentialId", reason: reason)])
    }

    /// An offer as the learner sees it (never its codes).
    static func describe(_ offer: StoredCredentialOffer, at time: Date) -> JSONValue {
        var view: JSONObject = [
            "id": .string(offer.id), "credentialId": .string(offer.credentialId),
            "configurationId": .string(offer.configurationId), "protocol": .string(offer.walletProtocol.rawValue),
            "state": .string(offer.state(at: time, maxFailures: maxTransactionCodeFailures).rawValue),
            "hasTransactionCode": .bool(offer.txCodeHash != nil),
            "createdAt": .string(XSDDateTime.format(offer.createdAt)), "expiresAt": .string(XSDDateTime.format(offer.expiresAt)),
        ]
        let dates: [(String, Date?)] = [("redeemedAt", offer.redeemedAt), ("deliveredAt", offer.deliveredAt),
                                        ("withdrawnAt", offer.withdrawnAt), ("walletEventAt", offer.walletEventAt)]
        for (name, date) in dates { if let date { view[name] = .string(XSDDateTime.format(date)) } }
        if let event = offer.walletEvent { view["walletEvent"] = .string(event) }
        return .object(view)
    }

    /// The learner's audit entry of a wallet app's step: the actor is the offer (a `viewer`, like a share link's
    /// opener); `denied` is the reason of a refusal, nil when allowed.
    static func auditEntry(_ offer: StoredCredentialOffer, action: String, at time: Date, outcome denied: String?) -> AuditEntry {
        AuditEntry(occurredAt: time, actor: .init(kind: .viewer, id: offer.id), action: action, learnerId: offer.learnerId,
                   categories: [.credentials], agreementId: nil, outcome: denied == nil ? .allowed : .denied, reason: denied)
    }

    // MARK: Token endpoint (pre-authorized code grant)

    /// OpenID4VCI 1.0 §6.1–§6.3: the pre-authorized code of an offer that is neither expired, withdrawn nor used,
    /// with its transaction code when it has one, becomes an access token for its one credential. A code presented
    /// again withdraws the offer (the token it gave stops working: RFC 6749 §4.1.2's rule for reused codes). A wrong
    /// transaction code counts towards the offer's lock. No client authentication (anonymous access, §6.1).
    func exchange(_ form: [String: String]) async throws -> DTO.TokenResponse {
        guard let code = form["pre-authorized_code"], !code.isEmpty else {
            throw OAuthError(.invalidRequest, "pre-authorized_code is required")
        }
        let at = now
        guard OAuthSecret.kind(of: code) == .preAuthorizedCode,
              let offer = try await database.read({ try await $0.credentialOffer(codeHash: OAuthSecret.hash(code)) }),
              offer.walletProtocol == .oid4vci else {
            throw OAuthError(.invalidGrant, "the pre-authorized code is not valid")
        }
        @Sendable func audit(_ tx: StoreTransaction, denied reason: String?) async throws {
            try await tx.appendAudit(Self.auditEntry(offer, action: "oid4vci.token", at: at, outcome: reason))
        }
        func refuse(_ error: OAuthError, audited reason: String) async throws -> Never {
            try await database.transaction { tx in try await audit(tx, denied: reason) }
            throw error
        }
        if offer.withdrawnAt != nil {
            try await refuse(OAuthError(.invalidGrant, "the offer was withdrawn"), audited: "withdrawn offer")
        }
        if offer.redeemedAt != nil {
            try await database.transaction { tx in
                _ = try await tx.withdrawCredentialOffer(id: offer.id, at: at)
                try await audit(tx, denied: "code used again; offer withdrawn")
            }
            throw OAuthError(.invalidGrant, "the pre-authorized code was already used; the offer is withdrawn")
        }
        guard at < offer.expiresAt else {
            try await refuse(OAuthError(.invalidGrant, "the offer expired"), audited: "expired offer")
        }
        switch (offer.txCodeHash, form["tx_code"]) {
        case (nil, nil):
            break
        case (nil, _?):
            throw OAuthError(.invalidRequest, "tx_code: this offer has no transaction code")
        case (_?, nil):
            throw OAuthError(.invalidRequest, "tx_code is required: the six-digit code the learner sees in Vita")
        case (let hash?, let given?):
            guard CredentialOffer.isWellFormedTransactionCode(given),
                  (try? PasswordHasher.verify(given, against: hash)) == true else {
                try await database.transaction { tx in
                    try await tx.recordWrongTransactionCode(offerId: offer.id, threshold: Self.maxTransactionCodeFailures, at: at)
                    try await audit(tx, denied: "wrong transaction code")
                }
                throw OAuthError(.invalidGrant, "tx_code does not match")
            }
        }
        let (token, tokenHash) = OAuthSecret.make(.credentialAccessToken)
        let redeemed = try await database.transaction { tx -> Bool in
            guard try await tx.redeemCredentialOffer(id: offer.id, tokenHash: tokenHash,
                                                     tokenExpiresAt: at + Self.tokenLifetime, at: at) else { return false }
            try await audit(tx, denied: nil)
            return true
        }
        guard redeemed else { throw OAuthError(.invalidGrant, "the pre-authorized code was already used") }
        return DTO.TokenResponse(accessToken: token, tokenType: "Bearer", expiresIn: Int(Self.tokenLifetime), scope: nil,
                                 refreshToken: nil)
    }

    // MARK: VC-API exchanges

    /// The VC-API offer whose exchange secret is `secret` (404 for anything else).
    private func exchangeOffer(_ secret: String) async throws -> StoredCredentialOffer {
        guard OAuthSecret.kind(of: secret) == .exchange,
              let offer = try await database.read({ try await $0.credentialOffer(codeHash: OAuthSecret.hash(secret)) }),
              offer.walletProtocol == .vcapi else {
            throw Problem.notFound("exchange")
        }
        return offer
    }

    /// 410 for an exchange that was withdrawn, completed or expired: why it no longer answers, or nil.
    private static func spent(_ offer: StoredCredentialOffer, at time: Date) -> String? {
        if offer.withdrawnAt != nil { return "the learner withdrew this exchange" }
        if offer.deliveredAt != nil { return Self.complete }
        if time >= offer.expiresAt { return "this exchange expired" }
        return nil
    }

    /// The exchange's interaction answer, while it answers.
    func interaction(_ secret: String) async throws -> JSONValue {
        let offer = try await exchangeOffer(secret)
        if let reason = Self.spent(offer, at: now) { throw Problem.gone(reason) }
        return ExchangeInvitation(origin: options.publicBaseURL, exchangeURL: options.publicBaseURL + "/exchanges/" + secret).interaction
    }

    /// VC-API: the wallet's `{}` is answered with the credential in a Verifiable Presentation; the exchange is then
    /// complete. A refusal (spent, or the credential revoked meanwhile) is audited too.
    func participate(_ secret: String, body: JSONObject) async throws -> Response {
        let offer = try await exchangeOffer(secret)
        guard body.isEmpty else {
            throw Problem.badRequest("body", "this exchange offers a credential and asks for nothing: send {}")
        }
        let at = now
        enum Outcome: Sendable { case delivered(JSONValue), spent(String), unofferable }
        let outcome = try await database.transaction { tx -> Outcome in
            @Sendable func audit(denied reason: String?) async throws {
                try await tx.appendAudit(Self.auditEntry(offer, action: "vcapi.exchange", at: at, outcome: reason))
            }
            if let reason = Self.spent(offer, at: at) {
                try await audit(denied: reason)
                return .spent(reason)
            }
            let credential: JSONValue
            do {
                credential = try await Self.offerable(tx, learnerId: offer.learnerId, credentialId: offer.credentialId)
            } catch is Problem {
                try await audit(denied: "the credential is revoked, suspended or gone")
                return .unofferable
            }
            guard try await tx.completeExchange(offerId: offer.id, at: at) else {
                return .spent(Self.complete)
            }
            try await audit(denied: nil)
            return .delivered(credential)
        }
        switch outcome {
        case .delivered(let credential):
            return APIJSON.response(json: ExchangeInvitation.offer(credential), status: .ok, headers: OAuthRoutes.noStore)
        case .spent(let reason):
            throw Problem.gone(reason)
        case .unofferable:
            throw Self.unofferable("was revoked or suspended since it was offered")
        }
    }

    // MARK: Credential and notification endpoints

    /// The offer the request's access token belongs to, while the token works.
    private func authorizedOffer(_ request: Request) async throws -> StoredCredentialOffer {
        guard let token = AuthorizationHeader.credentials(request, scheme: "Bearer") else {
            throw WalletError.invalidToken("send the access token of the token endpoint as a Bearer token")
        }
        guard OAuthSecret.kind(of: token) == .credentialAccessToken,
              let offer = try await database.read({ try await $0.credentialOffer(tokenHash: OAuthSecret.hash(token)) }) else {
            throw WalletError.invalidToken("the access token is not valid")
        }
        guard offer.withdrawnAt == nil else { throw WalletError.invalidToken("the learner withdrew this offer") }
        guard let expiry = offer.tokenExpiresAt, now < expiry else { throw WalletError.invalidToken("the access token expired") }
        return offer
    }

    private func jsonBody(_ request: Request, invalid code: WalletProtocolError.Code) async throws -> JSONValue {
        let bytes = try await reader.bytes(request)
        do {
            return try JSONValue(parsing: bytes)
        } catch {
            throw WalletProtocolError(code, "the body must be JSON")
        }
    }

    /// OpenID4VCI 1.0 §8: the offered credential, as issued, when the request names the offer's configuration and the
    /// credential is still neither revoked nor suspended.
    private func credential(_ request: Request) async throws -> Response {
        let offer = try await authorizedOffer(request)
        let asked = try CredentialRequest(body: try await jsonBody(request, invalid: .invalidCredentialRequest))
        guard asked.configurationId == offer.configurationId else {
            throw WalletProtocolError(.unknownCredentialConfiguration,
                               "credential_configuration_id: this token is for the offered configuration only")
        }
        let at = now
        @Sendable func audit(_ tx: StoreTransaction, denied reason: String?) async throws {
            try await tx.appendAudit(Self.auditEntry(offer, action: "oid4vci.credential", at: at, outcome: reason))
        }
        let credential = try await database.transaction { tx -> JSONValue? in
            let credential: JSONValue
            do {
                credential = try await Self.offerable(tx, learnerId: offer.learnerId, credentialId: offer.credentialId)
            } catch is Problem {
                try await audit(tx, denied: "the credential is revoked, suspended or gone")
                return nil
            }
            try await tx.markCredentialOfferDelivered(id: offer.id, at: at)
            try await audit(tx, denied: nil)
            return credential
        }
        guard let credential else {
            throw WalletProtocolError(.credentialRequestDenied, "the credential was revoked or suspended since it was offered")
        }
        return APIJSON.response(json: ["credentials": [["credential": credential]], "notification_id": .string(offer.id)],
                                status: .ok, headers: OAuthRoutes.noStore)
    }

    /// OpenID4VCI 1.0 §11: the wallet app's word on the delivered credential, kept on the offer and in the audit log.
    private func notification(_ request: Request) async throws -> Response {
        let offer = try await authorizedOffer(request)
        let notice = try NotificationRequest(body: try await jsonBody(request, invalid: .invalidNotificationRequest))
        guard notice.notificationId == offer.id, offer.deliveredAt != nil else {
            throw WalletProtocolError(.invalidNotificationId, "notification_id is not the one the credential response gave")
        }
        let at = now
        try await database.transaction { tx in
            try await tx.recordWalletEvent(offerId: offer.id, event: notice.event.rawValue, at: at)
            var entry = Self.auditEntry(offer, action: "oid4vci.notification", at: at, outcome: nil)
            entry.reason = notice.event.rawValue
            try await tx.appendAudit(entry)
        }
        return Response(status: .noContent, headers: OAuthRoutes.noStore)
    }
}
