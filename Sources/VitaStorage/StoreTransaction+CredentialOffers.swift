import Foundation
import SQLKit

/// A credential a learner offered to a wallet app: with OpenID for Verifiable Credential Issuance (pre-authorized code
/// flow), whose code in the offer is exchanged once for an access token that fetches the credential; or with a VC-API
/// exchange (Learner Credential Wallet), whose secret exchange URL answers the credential once.
public struct StoredCredentialOffer: Sendable, Equatable {
    /// How the wallet app receives the credential.
    public enum WalletProtocol: String, Sendable, CaseIterable {
        /// OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow.
        case oid4vci
        /// A VC-API exchange offering a Verifiable Presentation (the Learner Credential Wallet's protocol).
        case vcapi
    }

    /// Where the offer stands, as the learner sees it.
    public enum State: String, Sendable, CaseIterable {
        /// Waiting for the wallet app.
        case offered
        /// The wallet app exchanged the code; the credential was not fetched yet.
        case redeemed
        /// The wallet app received the credential.
        case delivered
        /// Not redeemed in time.
        case expired
        /// The learner withdrew it.
        case withdrawn
        /// Withdrawn after too many wrong transaction codes.
        case locked
    }

    /// Vita's identifier (`cof_…`), also the `notification_id` of the credential response.
    public var id: String
    /// The learner who offered.
    public var learnerId: String
    /// The offered credential (`vcr_…` or `clr_…`).
    public var credentialId: String
    /// The OpenID4VCI credential configuration (what the credential is, for either protocol).
    public var configurationId: String
    /// How the wallet app receives it.
    public var walletProtocol: WalletProtocol
    /// SHA-256 of the pre-authorized code (OpenID4VCI) or of the exchange's secret (VC-API).
    public var codeHash: String
    /// The transaction code's scrypt hash, when the offer has one.
    public var txCodeHash: String?
    /// Wrong transaction codes so far.
    public var failedAttempts: Int
    /// SHA-256 of the access token the code was exchanged for.
    public var tokenHash: String?
    /// When that token stops working.
    public var tokenExpiresAt: Date?
    /// When the code was exchanged.
    public var redeemedAt: Date?
    /// When the credential was first delivered.
    public var deliveredAt: Date?
    /// The wallet app's last notification (`credential_accepted`, `credential_failure`, `credential_deleted`).
    public var walletEvent: String?
    /// When it came.
    public var walletEventAt: Date?
    /// When the code stops working.
    public var expiresAt: Date
    /// When the learner withdrew it, or it locked.
    public var withdrawnAt: Date?
    /// When it was made.
    public var createdAt: Date

    /// Creates an offer.
    public init(id: String, learnerId: String, credentialId: String, configurationId: String,
                walletProtocol: WalletProtocol = .oid4vci, codeHash: String, txCodeHash: String?, failedAttempts: Int = 0, tokenHash: String? = nil, tokenExpiresAt: Date? = nil,
                redeemedAt: Date? = nil, deliveredAt: Date? = nil, walletEvent: String? = nil, walletEventAt: Date? = nil,
                expiresAt: Date, withdrawnAt: Date? = nil, createdAt: Date) {
        self.id = id
        self.learnerId = learnerId
        self.credentialId = credentialId
        self.configurationId = configurationId
        self.walletProtocol = walletProtocol
        self.codeHash = codeHash
        self.txCodeHash = txCodeHash
        self.failedAttempts = failedAttempts
        self.tokenHash = tokenHash
        self.tokenExpiresAt = tokenExpiresAt
        self.redeemedAt = redeemedAt
        self.deliveredAt = deliveredAt
        self.walletEvent = walletEvent
        self.walletEventAt = walletEventAt
        self.expiresAt = expiresAt
        self.withdrawnAt = withdrawnAt
        self.createdAt = createdAt
    }

    /// The state at `time`, given that `maxFailures` wrong transaction codes lock an offer.
    public func state(at time: Date, maxFailures: Int) -> State {
        if deliveredAt != nil { return .delivered }
        if withdrawnAt != nil { return failedAttempts >= maxFailures ? .locked : .withdrawn }
        if redeemedAt != nil { return (tokenExpiresAt.map { time < $0 } ?? false) ? .redeemed : .expired }
        return time < expiresAt ? .offered : .expired
    }
}

extension StoreTransaction {
    /// Stores a new offer.
    public func insert(_ offer: StoredCredentialOffer) async throws {
        try await db.raw("""
            INSERT INTO credential_offers (id, learner_id, credential_id, configuration_id, protocol, code_hash, tx_code_hash,
              failed_attempts, expires_at, created_at)
            VALUES (\(bind: offer.id), \(bind: offer.learnerId), \(bind: offer.credentialId), \(bind: offer.configurationId),
              \(bind: offer.walletProtocol.rawValue), \(bind: offer.codeHash), \(bind: offer.txCodeHash), \(bind: offer.failedAttempts), \(bind: Self.ms(offer.expiresAt)),
              \(bind: Self.ms(offer.createdAt)))
            """).run()
    }

    /// The offer whose pre-authorized code hashes to `codeHash`.
    public func credentialOffer(codeHash: String) async throws -> StoredCredentialOffer? {
        try await db.raw("SELECT * FROM credential_offers WHERE code_hash = \(bind: codeHash)").first().map(credentialOffer(from:))
    }

    /// The offer whose access token hashes to `tokenHash`.
    public func credentialOffer(tokenHash: String) async throws -> StoredCredentialOffer? {
        try await db.raw("SELECT * FROM credential_offers WHERE token_hash = \(bind: tokenHash)").first().map(credentialOffer(from:))
    }

    /// An offer by id.
    public func credentialOffer(id: String) async throws -> StoredCredentialOffer? {
        try await db.raw("SELECT * FROM credential_offers WHERE id = \(bind: id)").first().map(credentialOffer(from:))
    }

    /// A learner's offers, oldest first.
    public func credentialOffers(learnerId: String, after cursor: String?, limit: Int) async throws -> Page<StoredCredentialOffer> {
        try await pageByID("credential_offers", where: "learner_id = \(bind: learnerId)", after: cursor, limit: limit,
                           id: \.id, credentialOffer(from:))
    }

    /// Exchanges an offer's code for an access token, once: false when the code was exchanged (or the offer
    /// withdrawn) meanwhile, so of two concurrent exchanges one wins.
    public func redeemCredentialOffer(id: String, tokenHash: String, tokenExpiresAt: Date, at time: Date) async throws -> Bool {
        let rows = try await db.raw("""
            UPDATE credential_offers SET token_hash = \(bind: tokenHash), token_expires_at = \(bind: Self.ms(tokenExpiresAt)),
              redeemed_at = \(bind: Self.ms(time))
            WHERE id = \(bind: id) AND redeemed_at IS NULL AND withdrawn_at IS NULL
            RETURNING id
            """).all()
        return !rows.isEmpty
    }

    /// Counts a wrong transaction code atomically and withdraws the offer when the count reaches `threshold`.
    public func recordWrongTransactionCode(offerId: String, threshold: Int, at time: Date) async throws {
        try await db.raw("""
            UPDATE credential_offers SET failed_attempts = failed_attempts + 1,
              withdrawn_at = CASE WHEN failed_attempts + 1 >= \(bind: threshold) AND withdrawn_at IS NULL
                                  THEN \(bind: Self.ms(time)) ELSE withdrawn_at END
            WHERE id = \(bind: offerId)
            """).run()
    }

    /// Records the first delivery of the credential.
    public func markCredentialOfferDelivered(id: String, at time: Date) async throws {
        try await db.raw("""
            UPDATE credential_offers SET delivered_at = \(bind: Self.ms(time)) WHERE id = \(bind: id) AND delivered_at IS NULL
            """).run()
    }

    /// Records the wallet app's notification.
    public func recordWalletEvent(offerId: String, event: String, at time: Date) async throws {
        try await db.raw("""
            UPDATE credential_offers SET wallet_event = \(bind: event), wallet_event_at = \(bind: Self.ms(time))
            WHERE id = \(bind: offerId)
            """).run()
    }

    /// Withdraws an offer: its code, and the token it was exchanged for, stop working. False when it was withdrawn
    /// already.
    public func withdrawCredentialOffer(id: String, at time: Date) async throws -> Bool {
        let rows = try await db.raw("""
            UPDATE credential_offers SET withdrawn_at = \(bind: Self.ms(time)) WHERE id = \(bind: id) AND withdrawn_at IS NULL
            RETURNING id
            """).all()
        return !rows.isEmpty
    }

    /// Deletes the offers that stopped working before `cutOff` — their code expired and any token it gave expired too —
    /// whatever became of them; returns how many. What each step did stays in the learner's audit log.
    public func purgeCredentialOffers(endedBefore cutOff: Date) async throws -> Int {
        try await db.raw("""
            DELETE FROM credential_offers
            WHERE expires_at < \(bind: Self.ms(cutOff)) AND (token_expires_at IS NULL OR token_expires_at < \(bind: Self.ms(cutOff)))
            RETURNING id
            """).all().count
    }

    /// Records a VC-API exchange's delivery, once: false when it was delivered (or withdrawn) meanwhile, so of two
    /// concurrent requests one wins.
    public func completeExchange(offerId: String, at time: Date) async throws -> Bool {
        let rows = try await db.raw("""
            UPDATE credential_offers SET delivered_at = \(bind: Self.ms(time))
            WHERE id = \(bind: offerId) AND delivered_at IS NULL AND withdrawn_at IS NULL
            RETURNING id
            """).all()
        return !rows.isEmpty
    }

    private func credentialOffer(from row: any SQLRow) throws -> StoredCredentialOffer {
        func date(_ column: String) throws -> Date? { try row.decode(column: column, as: Int64?.self).map(Self.date) }
        guard let walletProtocol = StoredCredentialOffer.WalletProtocol(rawValue: try row.decode(column: "protocol", as: String.self)) else {
            throw StorageError(.corrupt, "a credential offer has an unknown protocol")
        }
        return StoredCredentialOffer(
            id: try row.decode(column: "id", as: String.self), learnerId: try row.decode(column: "learner_id", as: String.self),
            credentialId: try row.decode(column: "credential_id", as: String.self),
            configurationId: try row.decode(column: "configuration_id", as: String.self), walletProtocol: walletProtocol,
            codeHash: try row.decode(column: "code_hash", as: String.self),
            txCodeHash: try row.decode(column: "tx_code_hash", as: String?.self),
            failedAttempts: try row.decode(column: "failed_attempts", as: Int.self),
            tokenHash: try row.decode(column: "token_hash", as: String?.self), tokenExpiresAt: try date("token_expires_at"),
            redeemedAt: try date("redeemed_at"), deliveredAt: try date("delivered_at"),
            walletEvent: try row.decode(column: "wallet_event", as: String?.self), walletEventAt: try date("wallet_event_at"),
            expiresAt: Self.date(try row.decode(column: "expires_at", as: Int64.self)), withdrawnAt: try date("withdrawn_at"),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)))
    }
}
