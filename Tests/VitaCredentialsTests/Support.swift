import Foundation
import Testing
import VitaJSON
@testable import VitaCredentials

/// Test resources (copied from /work/shared/standards; see Resources/SOURCES.md).
enum Fixtures {
    static let root: URL = Bundle.module.url(forResource: "Resources", withExtension: nil)
        ?? Bundle.module.bundleURL.appendingPathComponent("Resources")

    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: url(path))) }

    static func text(_ path: String) throws -> String { String(decoding: try bytes(path), as: UTF8.self) }

    static func json(_ path: String) throws -> JSONValue { try JSONValue(parsing: try bytes(path)) }

    static func object(_ path: String) throws -> JSONObject {
        guard case .object(let o) = try json(path) else { throw CredentialError(.malformedDocument, "\(path) is not an object") }
        return o
    }

    /// A hex text file (trimmed) as bytes.
    static func hexFile(_ path: String) throws -> [UInt8] { try hex(text(path).trimmingCharacters(in: .whitespacesAndNewlines)) }

    static func hex(_ s: String) throws -> [UInt8] {
        let b = Array(s.utf8)
        guard b.count % 2 == 0 else { throw CredentialError(.invalidEncoding, "odd hex") }
        func nib(_ c: UInt8) throws -> UInt8 {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: throw CredentialError(.invalidEncoding, "bad hex")
            }
        }
        return try stride(from: 0, to: b.count, by: 2).map { try nib(b[$0]) << 4 | nib(b[$0 + 1]) }
    }

    static func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// Ed25519 signatures from swift-crypto are deterministic (RFC 8032) with BoringSSL on
/// Linux; Apple's CryptoKit randomizes them, so byte equality of new signatures is only
/// asserted where it holds.
#if os(Linux)
let signaturesAreDeterministic = true
#else
let signaturesAreDeterministic = false
#endif

/// The key-derivation rule EXPECTED.json of the validator fixtures was computed with:
/// the key is the `z6Mk…` multibase at the end of the verification method (after `#` or
/// the last `:`), the controller is what precedes `#`. This trusts whatever key the
/// document names, so it is for reproducing the fixtures' signature verdicts only; a
/// real verifier dereferences the controller document.
struct TrailingMultikeyResolver: VerificationMethodResolver {
    func resolve(_ id: String) async throws(CredentialError) -> VerificationMethod {
        if id.hasPrefix("did:key:") { return try DIDKeyResolver.resolveSynchronously(id) }
        let tail: Substring
        let controller: String
        if let hash = id.lastIndex(of: "#") {
            tail = id[id.index(after: hash)...]
            controller = String(id[..<hash])
        } else if let colon = id.lastIndex(of: ":") {
            tail = id[id.index(after: colon)...]
            controller = id
        } else {
            tail = Substring(id)
            controller = id
        }
        guard tail.hasPrefix("z") else {
            throw CredentialError(.unresolvableVerificationMethod, "no key multibase in \(id)")
        }
        let key: Multikey
        do { key = try Multikey(multibase: tail) } catch {
            throw CredentialError(.unresolvableVerificationMethod, "cannot derive a public key from \(id): \(error.reason)")
        }
        return VerificationMethod(id: id, type: "Multikey", controller: controller, publicKey: key)
    }
}
