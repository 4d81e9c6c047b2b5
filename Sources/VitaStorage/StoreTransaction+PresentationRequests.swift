import Foundation
import SQLKit

/// A verifier's request for credentials from a wallet app, answered through a VC-API exchange or by OpenID4VP.
public struct StoredPresentationRequest: Sendable, Equatable {
    /// How the wallet app is asked.
    public enum WalletProtocol: String, Sendable, CaseIterable {
        /// A VC-API exchange (the Learner Credential Wallet).
        case vcapi
        /// OpenID for Verifiable Presentations 1.0, Response Mode `direct_post`.
        case openid4vp
    }

    /// Vita's identifier (`prq_…`).
    public var id: String
    /// How the wallet app is asked.
    public var walletProtocol: WalletProtocol
    /// SHA-256 of the secret of the page that shows the answer.
    public var viewHash: String
    /// SHA-256 of the exchange's secret: in its URL (VC-API), or the request's `state` (OpenID4VP).
    public var exchangeHash: String
    /// The challenge (OpenID4VP: the nonce) the presentation must be signed over.
    public var challenge: String
    /// The credential type asked for.
    public var credentialType: String
    /// Why the verifier asks.
    public var reason: String
    /// What was presented and its verification (JSON), once answered.
    public var result: String?
    /// When the wallet answered.
    public var receivedAt: Date?
    /// When the exchange stops taking an answer.
    public var expiresAt: Date
    /// When it was made.
    public var createdAt: Date

    /// Creates a request.
    public init(id: String, walletProtocol: WalletProtocol = .vcapi, viewHash: String, exchangeHash: String, challenge: String, credentialType: String, reason: String,
                result: String? = nil, receivedAt: Date? = nil, expiresAt: Date, createdAt: Date) {
        self.id = id
        self.walletProtocol = walletProtocol
        self.viewHash = viewHash
        self.exchangeHash = exchangeHash
        self.challenge = challenge
        self.credentialType = credentialType
        self.reason = reason
        self.result = result
        self.receivedAt = receivedAt
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}

extension StoreTransaction {
    /// Stores a new request.
    public func insert(_ request: StoredPresentationRequest) async throws {
        try await db.raw("""
            INSERT INTO presentation_requests (id, protocol, view_hash, exchange_hash, challenge, credential_type, reason,
              expires_at, created_at)
            VALUES (\(bind: request.id), \(bind: request.walletProtocol.rawValue), \(bind: request.viewHash), \(bind: request.exchangeHash), \(bind: request.challenge),
              \(bind: request.credentialType), \(bind: request.reason), \(bind: Self.ms(request.expiresAt)),
              \(bind: Self.ms(request.createdAt)))
            """).run()
    }

    /// The request whose page secret hashes to `viewHash`.
    public func presentationRequest(viewHash: String) async throws -> StoredPresentationRequest? {
        try await db.raw("SELECT * FROM presentation_requests WHERE view_hash = \(bind: viewHash)").first()
            .map(presentationRequest(from:))
    }

    /// The request whose exchange secret hashes to `exchangeHash`.
    public func presentationRequest(exchangeHash: String) async throws -> StoredPresentationRequest? {
        try await db.raw("SELECT * FROM presentation_requests WHERE exchange_hash = \(bind: exchangeHash)").first()
            .map(presentationRequest(from:))
    }

    /// Records the wallet's answer, once: false when one was recorded meanwhile.
    public func recordPresentation(requestId: String, result: String, at time: Date) async throws -> Bool {
        let rows = try await db.raw("""
            UPDATE presentation_requests SET result = \(bind: result), received_at = \(bind: Self.ms(time))
            WHERE id = \(bind: requestId) AND received_at IS NULL
            RETURNING id
            """).all()
        return !rows.isEmpty
    }

    /// Deletes the requests made before `cutOff` (with what was presented to them); returns how many.
    public func purgePresentationRequests(createdBefore cutOff: Date) async throws -> Int {
        try await db.raw("DELETE FROM presentation_requests WHERE created_at < \(bind: Self.ms(cutOff)) RETURNING id").all().count
    }

    private func presentationRequest(from row: any SQLRow) throws -> StoredPresentationRequest {
        guard let walletProtocol = StoredPresentationRequest.WalletProtocol(rawValue: try row.decode(column: "protocol", as: String.self)) else {
            throw StorageError(.corrupt, "a presentation request has an unknown protocol")
        }
        return StoredPresentationRequest(
            id: try row.decode(column: "id", as: String.self), walletProtocol: walletProtocol,
            viewHash: try row.decode(column: "view_hash", as: String.self),
            exchangeHash: try row.decode(column: "exchange_hash", as: String.self),
            challenge: try row.decode(column: "challenge", as: String.self),
            credentialType: try row.decode(column: "credential_type", as: String.self),
            reason: try row.decode(column: "reason", as: String.self), result: try row.decode(column: "result", as: String?.self),
            receivedAt: try row.decode(column: "received_at", as: Int64?.self).map(Self.date),
            expiresAt: Self.date(try row.decode(column: "expires_at", as: Int64.self)),
            createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)))
    }
}
