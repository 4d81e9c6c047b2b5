import Foundation
import SQLKit
import Testing
import VitaCore
import VitaStorage
import VitaTestSupport

/// A master key rotation: every stored secret sealed with the old key is sealed again with the new one.
struct SecretResealingTests {
    /// Every kind of sealed value, sealed with `vault`; returns each value's table, column and sealing id.
    static func seed(_ database: VitaDatabase, vault: KeyVault) async throws -> [(String, String, String)] {
        let now = Timestamp.truncated(Date())
        try await database.transaction { tx in
            try await tx.insert(Organization(id: "org_1", name: "Riverside", kind: .university, createdAt: now))
            try await tx.insert(ConnectedSystem(id: "sys_1", organizationId: "org_1", name: "Peer", kind: .vita, createdAt: now),
                                keyHash: "h")
            try await tx.insert(Peer(id: "per_1", systemId: "sys_1", organizationId: "org_1", name: "Hillside", baseURL: "https://h.test",
                                     clientId: "cli_1", scope: nil, createdAt: now),
                                sealedSecret: try vault.seal(Array("peer secret".utf8), id: "per_1"))
            try await tx.insert(PlatformRegistration(id: "reg_1", discoveryURL: "https://p.test/d", service: "ob", apiBase: "https://p.test",
                                                     authorizationURL: "https://p.test/a", tokenURL: "https://p.test/t",
                                                     clientId: "c", sealedSecret: try vault.seal(Array("platform secret".utf8), id: "reg_1"),
                                                     createdAt: now))
            try await tx.insert(Learner(id: "lrn_1", name: .init(display: "Ada"), identifiers: [], createdAt: now, updatedAt: now))
            try await tx.db.raw("""
                INSERT INTO issuer_keys (id, organization_id, body, sealed_private, created_at)
                VALUES ('key_1', 'org_1', '{}', \(bind: try vault.seal(Array(repeating: 7, count: 32), id: "key_1")), 0)
                """).run()
            try await tx.db.raw("""
                INSERT INTO platform_connections (id, learner_id, registration_id, status, sealed_verifier, sealed_access,
                  sealed_refresh, scope, created_at, updated_at)
                VALUES ('con_1', 'lrn_1', 'reg_1', 'connected', \(bind: try vault.seal(Array("v".utf8), id: "con_1.verifier")),
                  \(bind: try vault.seal(Array("a".utf8), id: "con_1.access")),
                  \(bind: try vault.seal(Array("r".utf8), id: "con_1.refresh")), 'scope', 0, 0)
                """).run()
            try await tx.storeIdempotentResponse(.init(requestDigest: "d", status: 201, location: nil,
                                                       body: try vault.seal(Array("{\"id\":1}".utf8), id: "idempotency:key:adm_1:k-1")),
                                                 principal: "key:adm_1", key: "k-1", at: now, learnerId: nil)
            try await tx.setChangeNotifications(ChangeNotificationTarget(
                systemId: "sys_1", url: "https://h.test/hooks",
                sealedSecret: try vault.seal(Array("vns_secret".utf8), id: SealingID.changeNotificationSecret("sys_1")),
                createdAt: now, notifiedThrough: 0, nextAttemptAt: now))
            // A response stored in the clear by an earlier version is not a sealed value.
            try await tx.storeIdempotentResponse(.init(requestDigest: "d", status: 201, location: nil, body: "{\"id\":2}"),
                                                 principal: "key:adm_1", key: "k-2", at: now, learnerId: nil)
        }
        return [("issuer_keys", "sealed_private", "key_1"), ("peers", "sealed_secret", "per_1"),
                ("platform_registrations", "sealed_secret", "reg_1"), ("platform_connections", "sealed_verifier", "con_1.verifier"),
                ("platform_connections", "sealed_access", "con_1.access"), ("platform_connections", "sealed_refresh", "con_1.refresh"),
                ("idempotency_keys", "body", "idempotency:key:adm_1:k-1"),
                ("change_notifications", "sealed_secret", SealingID.changeNotificationSecret("sys_1"))]
    }

    static func sealedValues(_ database: VitaDatabase) async throws -> [String] {
        try await database.withConnection { db in
            var values: [String] = []
            for (table, column) in [("issuer_keys", "sealed_private"), ("peers", "sealed_secret"), ("platform_registrations", "sealed_secret"),
                                    ("platform_connections", "sealed_verifier"), ("platform_connections", "sealed_access"),
                                    ("platform_connections", "sealed_refresh")] {
                values += try await db.raw("SELECT \(ident: column) AS v FROM \(ident: table)").all()
                    .map { try $0.decode(column: "v", as: String.self) }
            }
            values += try await db.raw("SELECT body AS v FROM idempotency_keys WHERE idempotency_key = 'k-1'").all()
                .map { try $0.decode(column: "v", as: String.self) }
            values += try await db.raw("SELECT sealed_secret AS v FROM change_notifications").all()
                .map { try $0.decode(column: "v", as: String.self) }
            return values
        }
    }

    @Test("a reseal seals every stored secret with the new master key, after which the old one is not needed",
          arguments: TestEngine.available)
    func resealAfterRotation(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let old = try KeyVault(base64: KeyVault.generateMasterKey())
            let new = try KeyVault(base64: KeyVault.generateMasterKey())
            let values = try await Self.seed(test.database, vault: old)
            let rotating = new.opening(previous: old)
            let before = try await Self.sealedValues(test.database)
            for (value, (_, _, id)) in zip(before, values) {
                #expect(throws: VitaCoreError.self) { try new.open(value, id: id) }
                #expect(try rotating.open(value, id: id).isEmpty == false, "during the rotation both keys open")
            }

            let counts = try await test.database.resealSecrets(with: rotating)
            #expect(counts == .init(resealed: 8, current: 0))
            let after = try await Self.sealedValues(test.database)
            for ((value, previous), (table, column, id)) in zip(zip(after, before), values) {
                #expect(try new.open(value, id: id) == old.open(previous, id: id), "\(table).\(column) opens with the new key alone")
            }
            #expect(try await test.database.resealSecrets(with: rotating) == .init(resealed: 0, current: 8))
            let plain = try await test.database.read {
                try await $0.idempotentResponse(principal: "key:adm_1", key: "k-2", notBefore: .distantPast)?.body
            }
            #expect(plain == "{\"id\":2}", "a response stored in the clear is left as it is")
        }
    }

    @Test("a value that opens with neither key fails the reseal, and nothing is changed", arguments: TestEngine.available)
    func foreignValueChangesNothing(_ engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { test in
            let old = try KeyVault(base64: KeyVault.generateMasterKey())
            let new = try KeyVault(base64: KeyVault.generateMasterKey())
            _ = try await Self.seed(test.database, vault: old)
            let stranger = try KeyVault(base64: KeyVault.generateMasterKey())
            try await test.database.withConnection { db in
                try await db.raw("UPDATE peers SET sealed_secret = \(bind: try stranger.seal(Array("x".utf8), id: "per_1"))").run()
            }
            let before = try await Self.sealedValues(test.database)
            await #expect(throws: StorageError.self) { _ = try await test.database.resealSecrets(with: new.opening(previous: old)) }
            #expect(try await Self.sealedValues(test.database) == before)
        }
    }
}
