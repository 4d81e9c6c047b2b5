import Foundation
import Testing
import VitaCore
import VitaOAuth

struct PKCETests {
    @Test("the RFC 7636 appendix B example verifier gives its challenge, and only that verifier verifies")
    func appendixB() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        #expect(PKCE.challenge(for: verifier) == challenge)
        #expect(PKCE.verify(verifier: verifier, challenge: challenge))
        #expect(!PKCE.verify(verifier: verifier.replacingOccurrences(of: "d", with: "e"), challenge: challenge))
        #expect(PKCE.isWellFormedChallenge(challenge))
    }

    @Test("verifiers outside 43 to 128 unreserved characters are refused")
    func verifierShape() {
        #expect(!PKCE.isWellFormedVerifier(String(repeating: "a", count: 42)))
        #expect(PKCE.isWellFormedVerifier(String(repeating: "a", count: 43)))
        #expect(PKCE.isWellFormedVerifier(String(repeating: "~", count: 128)))
        #expect(!PKCE.isWellFormedVerifier(String(repeating: "a", count: 129)))
        #expect(!PKCE.isWellFormedVerifier(String(repeating: "a", count: 42) + "+"))
        let short = "short"
        #expect(!PKCE.verify(verifier: short, challenge: PKCE.challenge(for: short)))
        #expect(!PKCE.isWellFormedChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c="))
    }
}

struct ScopeTests {
    @Test("the 1EdTech and Vita scope URIs parse and print back unchanged")
    func roundTrip() throws {
        let text = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly "
            + "https://purl.imsglobal.org/spec/clr/v2p0/scope/profile.update vita:experiences:write offline_access"
        let scopes = try OAuthScopes(parsing: text)
        #expect(scopes.contains(.oneEdTech(.openBadges, .credentialReadOnly)))
        #expect(scopes.contains(.oneEdTech(.clr, .profileUpdate)))
        #expect(scopes.allows(.experiences, .write))
        #expect(!scopes.allows(.experiences, .read))
        #expect(try OAuthScopes(parsing: scopes.description) == scopes)
        for scope in OAuthScope.all {
            #expect(OAuthScope(scope.description) == scope)
            #expect(!scope.plainLanguage.isEmpty)
        }
    }

    @Test("unknown scopes and a writable profile are invalid_scope")
    func unknown() {
        for text in ["vita:profile:write", "vita:grades:read", "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.delete",
                     "openid"] {
            #expect(throws: OAuthError(.invalidScope, "")) { try OAuthScopes(parsing: text) }
        }
    }
}

struct ClientMetadataTests {
    static var valid: [String: Any] { [
        "client_name": "Wallet", "client_uri": "https://wallet.example", "logo_uri": "https://wallet.example/logo.png",
        "tos_uri": "https://wallet.example/tos", "policy_uri": "https://wallet.example/privacy",
        "software_id": "wallet-1", "software_version": "1.0", "redirect_uris": ["https://wallet.example/callback"],
        "scope": "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly offline_access",
        "grant_types": ["authorization_code", "refresh_token"], "unknown_field": 7,
    ] }

    static func decode(_ object: [String: Any]) throws -> ClientMetadata {
        try JSONDecoder().decode(ClientMetadata.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test("a complete 1EdTech registration validates, ignoring unknown fields and defaulting the method")
    func valid() throws {
        let metadata = try Self.decode(Self.valid).validatedForRegistration()
        #expect(metadata.tokenEndpointAuthMethod == "client_secret_basic")
        #expect(metadata.grantTypes == [.authorizationCode, .refreshToken])
        #expect(metadata.responseTypes == ["code"])
        #expect(metadata.isRegistered(redirectURI: "https://wallet.example/callback"))
        #expect(!metadata.isRegistered(redirectURI: "https://wallet.example/callback/"))
        let again = try JSONDecoder().decode(ClientMetadata.self, from: JSONEncoder().encode(metadata))
        #expect(again == metadata)
    }

    @Test("each 1EdTech registration rule is enforced with the RFC 7591 error code", arguments: [
        ("client_name", nil, OAuthError.Code.invalidClientMetadata),
        ("software_id", nil, .invalidClientMetadata),
        ("tos_uri", nil, .invalidClientMetadata),
        ("logo_uri", "http://wallet.example/logo.png", .invalidClientMetadata),
        ("policy_uri", "https://elsewhere.example/privacy", .invalidClientMetadata),
        ("redirect_uris", nil, .invalidRedirectURI),
        ("redirect_uris", "https://wallet.example/callback", .invalidRedirectURI),
        ("redirect_uris", ["https://evil.example/callback"], .invalidRedirectURI),
        ("redirect_uris", ["http://wallet.example/callback"], .invalidRedirectURI),
        ("redirect_uris", ["https://wallet.example/cb#frag"], .invalidRedirectURI),
        ("grant_types", ["client_credentials"], .invalidClientMetadata),
        ("grant_types", "authorization_code", .invalidClientMetadata),
        ("token_endpoint_auth_method", "none", .invalidClientMetadata),
        ("response_types", ["token"], .invalidClientMetadata),
        ("scope", "vita:everything:read", .invalidScope),
        ("scope", nil, .invalidClientMetadata),
    ] as [(String, (any Sendable)?, OAuthError.Code)])
    func rules(_ field: String, _ value: (any Sendable)?, _ code: OAuthError.Code) {
        var object = Self.valid
        object[field] = value
        #expect(throws: OAuthError(code, "")) { try Self.decode(object).validatedForRegistration() }
    }
}

struct SecretTests {
    @Test("secrets are 256-bit, prefixed by kind, stored as SHA-256 and recognised by shape")
    func secrets() {
        let (value, hash) = OAuthSecret.make(.accessToken)
        #expect(value.hasPrefix("vat_") && value.count == 47)
        #expect(hash.count == 64 && !hash.contains(value))
        #expect(OAuthSecret.kind(of: value) == .accessToken)
        #expect(OAuthSecret.matches(value, storedHash: hash))
        #expect(!OAuthSecret.matches(OAuthSecret.make(.accessToken).value, storedHash: hash))
        #expect(OAuthSecret.kind(of: "vk.sys_x." + String(repeating: "a", count: 43)) == nil)
        #expect(OAuthSecret.kind(of: "vat_" + String(repeating: "*", count: 43)) == nil)
        #expect(OAuthSecret.make(.refreshToken).value != OAuthSecret.make(.refreshToken).value)
    }

    @Test("authorization codes live at most 600 seconds")
    func codeLifetime() {
        #expect(OAuthLifetimes(authorizationCode: 3600, accessToken: 1, refreshToken: 1, pendingAuthorization: 1)
            .authorizationCode == 600)
    }
}

struct PasswordTests {
    static let cheap = PasswordHasher(logRounds: 10, blockSize: 8, parallelism: 1)

    @Test("an scrypt PHC string carries its parameters and salt, and verifies only the right password")
    func hashAndVerify() throws {
        let encoded = try Self.cheap.hash("correct horse battery")
        #expect(encoded.hasPrefix("$scrypt$ln=10,r=8,p=1$"))
        #expect(!encoded.contains("correct horse"))
        #expect(try PasswordHasher.verify("correct horse battery", against: encoded))
        #expect(try !PasswordHasher.verify("correct horse batterz", against: encoded))
        #expect(try Self.cheap.hash("correct horse battery") != encoded, "a new salt each time")
        #expect(PasswordHasher.standard.needsRehash(encoded))
        #expect(!Self.cheap.needsRehash(encoded))
    }

    @Test("RFC 7914 §12 test vector 2 (N=1024, r=8, p=16) verifies through the PHC form")
    func rfcVector() throws {
        // dkLen is 64 in the RFC; PBKDF2's first block, the first 32 bytes, is what a 32-byte output gives.
        let expected: [UInt8] = [0xfd, 0xba, 0xbe, 0x1c, 0x9d, 0x34, 0x72, 0x00, 0x78, 0x56, 0xe7, 0x19, 0x0d, 0x01, 0xe9, 0xfe,
                                 0x7c, 0x6a, 0xd7, 0xcb, 0xc8, 0x23, 0x78, 0x30, 0xe7, 0x73, 0x76, 0x63, 0x4b, 0x37, 0x31, 0x62]
        func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "") }
        let encoded = "$scrypt$ln=10,r=8,p=16$\(base64(Array("NaCl".utf8)))$\(base64(expected))"
        #expect(try PasswordHasher.verify("password", against: encoded))
        #expect(try !PasswordHasher.verify("Password", against: encoded))
    }

    @Test("hashes with unknown algorithms or huge parameters are refused, not computed")
    func unreadable() {
        for encoded in ["$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "$scrypt$ln=20,r=64,p=1$c2FsdHNhbHQ$" + String(repeating: "A", count: 43),
                        "plain", "$scrypt$ln=10,r=8$c2FsdHNhbHQ$x"] {
            #expect(throws: OAuthError(.unreadableHash, "")) { try PasswordHasher.verify("x", against: encoded) }
        }
    }

    @Test("passwords need 10 to 256 characters")
    func rules() throws {
        #expect(throws: OAuthError(.weakPassword, "")) { try PasswordHasher.check(newPassword: "short") }
        try PasswordHasher.check(newPassword: "long enough password")
    }
}

struct LockoutTests {
    @Test("five failures lock the account for a minute, each further failure doubles the lock up to an hour")
    func backoff() {
        let policy = LockoutPolicy.standard
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var failures = 0
        for _ in 0..<4 {
            let state = policy.afterFailure(previousFailures: failures, now: now)
            #expect(state.lockedUntil == nil)
            failures = state.failures
        }
        let fifth = policy.afterFailure(previousFailures: failures, now: now)
        #expect(fifth.lockedUntil == now.addingTimeInterval(60))
        #expect(policy.isLocked(lockedUntil: fifth.lockedUntil, now: now.addingTimeInterval(59)))
        #expect(!policy.isLocked(lockedUntil: fifth.lockedUntil, now: now.addingTimeInterval(60)))
        #expect(policy.afterFailure(previousFailures: 5, now: now).lockedUntil == now.addingTimeInterval(120))
        #expect(policy.afterFailure(previousFailures: 40, now: now).lockedUntil == now.addingTimeInterval(3600))
    }
}
