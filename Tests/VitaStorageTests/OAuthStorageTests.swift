import Foundation
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

/// The OAuth tables: accounts, clients, codes, tokens and approvals, on SQLite and PostgreSQL.
struct OAuthStorageTests {
    static let now = StorageTests.now

    static func client(_ tx: StoreTransaction) async throws -> StoredOAuthClient {
        let client = StoredOAuthClient(id: EntityID.make("cli"), metadata: #"{"client_name":"Wallet"}"#,
                                       secretHash: String(repeating: "a", count: 64), systemId: nil, createdAt: now)
        try await tx.insert(client)
        return client
    }

    static func token(_ kind: StoredOAuthToken.Kind, client: String, learner: String, family: String,
                      hash: String = EntityID.make("h")) -> StoredOAuthToken {
        StoredOAuthToken(tokenHash: hash, kind: kind, clientId: client, learnerId: learner, systemId: nil,
                         scope: "vita:experiences:read", familyId: family, expiresAt: now + 3600, createdAt: now)
    }

    @Test("an account round-trips, its sign-in state updates, and login names are unique", arguments: TestEngine.available)
    func accounts(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let (_, learner) = try await db.transaction { try await StorageTests.seed($0) }
            let account = LearnerAccount(id: EntityID.make("acc"), learnerId: learner.id, login: "ada",
                                         passwordHash: "$scrypt$x", createdAt: Self.now, updatedAt: Self.now)
            try await db.transaction { try await $0.insert(account) }
            #expect(try await db.read { try await $0.learnerAccount(login: "ada") } == account)
            #expect(try await db.read { try await $0.learnerAccount(learnerId: learner.id) } == account)
            try await db.transaction {
                try await $0.updateSignIn(accountId: account.id, failedAttempts: 5, lockedUntil: Self.now + 60, at: Self.now)
            }
            let locked = try #require(try await db.transaction { try await $0.learnerAccount(login: "ada", forUpdate: true) })
            #expect(locked.failedAttempts == 5)
            #expect(locked.lockedUntil == Self.now + 60)
            let duplicate = LearnerAccount(id: EntityID.make("acc"), learnerId: learner.id, login: "ada",
                                           passwordHash: "$scrypt$y", createdAt: Self.now, updatedAt: Self.now)
            await #expect(throws: (any Error).self) { try await db.transaction { try await $0.insert(duplicate) } }
        }
    }

    @Test("a code is exchanged once: the second mark fails, and its family can be revoked", arguments: TestEngine.available)
    func codes(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let (_, learner) = try await db.transaction { try await StorageTests.seed($0) }
            let client = try await db.transaction { try await Self.client($0) }
            let code = StoredAuthorizationCode(codeHash: "c1", clientId: client.id, learnerId: learner.id,
                                               redirectURI: "https://wallet.example/cb", scope: "vita:experiences:read",
                                               codeChallenge: "x", expiresAt: Self.now + 600, createdAt: Self.now)
            try await db.transaction { try await $0.insert(code) }
            #expect(try await db.read { try await $0.authorizationCode(hash: "c1") } == code)
            #expect(try await db.transaction { try await $0.markCodeUsed(hash: "c1", familyId: "fam1", at: Self.now) })
            #expect(try await !db.transaction { try await $0.markCodeUsed(hash: "c1", familyId: "fam2", at: Self.now) })
            #expect(try await db.read { try await $0.authorizationCode(hash: "c1") }?.familyId == "fam1")

            try await db.transaction { tx in
                try await tx.insert(Self.token(.access, client: client.id, learner: learner.id, family: "fam1", hash: "a1"))
                try await tx.insert(Self.token(.refresh, client: client.id, learner: learner.id, family: "fam1", hash: "r1"))
                try await tx.insert(Self.token(.access, client: client.id, learner: learner.id, family: "other", hash: "a2"))
            }
            #expect(try await db.transaction { try await $0.revokeTokenFamily("fam1", at: Self.now) } == 2)
            #expect(try await db.read { try await $0.oauthToken(hash: "a1") }?.token.revokedAt == Self.now)
            #expect(try await db.read { try await $0.oauthToken(hash: "a2") }?.token.revokedAt == nil)
        }
    }

    @Test("a refresh token is consumed once; revoking a client revokes its tokens", arguments: TestEngine.available)
    func refreshAndClientRevocation(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let (_, learner) = try await db.transaction { try await StorageTests.seed($0) }
            let client = try await db.transaction { try await Self.client($0) }
            let refresh = Self.token(.refresh, client: client.id, learner: learner.id, family: "f", hash: "r1")
            try await db.transaction { try await $0.insert(refresh) }
            let consumed = try await db.transaction { try await $0.consumeRefreshToken(hash: "r1", at: Self.now) }
            #expect(consumed?.tokenHash == "r1")
            #expect(try await db.transaction { try await $0.consumeRefreshToken(hash: "r1", at: Self.now) } == nil)

            try await db.transaction { try await $0.insert(Self.token(.access, client: client.id, learner: learner.id,
                                                                       family: "g", hash: "a1")) }
            #expect(try await db.transaction { try await $0.revokeOAuthClient(id: client.id, at: Self.now) })
            let found = try #require(try await db.read { try await $0.oauthToken(hash: "a1") })
            #expect(found.clientRevoked)
            #expect(found.token.revokedAt != nil)
            #expect(try await !db.transaction { try await $0.revokeOAuthClient(id: "cli_none", at: Self.now) })
        }
    }

    @Test("approvals: a new approval replaces the old one, and revoking it revokes the client's tokens for the learner",
          arguments: TestEngine.available)
    func approvals(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let (_, learner) = try await db.transaction { try await StorageTests.seed($0) }
            let client = try await db.transaction { try await Self.client($0) }
            let first = OAuthApproval(id: EntityID.make("apr"), learnerId: learner.id, clientId: client.id,
                                      scope: "vita:experiences:read", grantedAt: Self.now)
            let second = OAuthApproval(id: EntityID.make("apr"), learnerId: learner.id, clientId: client.id,
                                       scope: "vita:experiences:read vita:profile:read", grantedAt: Self.now + 1)
            try await db.transaction { try await $0.approve(first) }
            try await db.transaction { try await $0.approve(second) }
            #expect(try await db.read { try await $0.approvals(learnerId: learner.id, after: nil, limit: 200).items } == [second])
            try await db.transaction { try await $0.insert(Self.token(.access, client: client.id, learner: learner.id,
                                                                       family: "f", hash: "a1")) }
            let revoked = try await db.transaction { try await $0.revokeApproval(id: second.id, learnerId: learner.id, at: Self.now) }
            #expect(revoked?.revokedAt == Self.now)
            #expect(try await db.read { try await $0.approvals(learnerId: learner.id, after: nil, limit: 200).items }.isEmpty)
            #expect(try await !db.read { try await $0.hasApproval(learnerId: learner.id, clientId: client.id) })
            #expect(try await db.read { try await $0.oauthToken(hash: "a1") }?.token.revokedAt == Self.now)
            #expect(try await db.transaction { try await $0.revokeApproval(id: second.id, learnerId: learner.id, at: Self.now) } == nil)
        }
    }

    @Test("a pending authorization round-trips and is deleted once answered, with the expired ones",
          arguments: TestEngine.available)
    func pending(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let db = test.database
            let client = try await db.transaction { try await Self.client($0) }
            func make(_ expires: Date) -> PendingAuthorization {
                PendingAuthorization(id: EntityID.make("par"), csrfHash: "h", clientId: client.id,
                                     redirectURI: "https://wallet.example/cb", scope: "offline_access", state: "s",
                                     codeChallenge: "c", expiresAt: expires, createdAt: Self.now)
            }
            let live = make(Self.now + 900), stale = make(Self.now - 1), answered = make(Self.now + 900)
            try await db.transaction { tx in
                for pending in [live, stale, answered] { try await tx.insert(pending) }
            }
            #expect(try await db.read { try await $0.pendingAuthorization(id: live.id) } == live)
            try await db.transaction { try await $0.deletePendingAuthorization(id: answered.id, now: Self.now) }
            #expect(try await db.read { try await $0.pendingAuthorization(id: live.id) } == live)
            #expect(try await db.read { try await $0.pendingAuthorization(id: stale.id) } == nil)
            #expect(try await db.read { try await $0.pendingAuthorization(id: answered.id) } == nil)
        }
    }
}
