import Crypto
import Foundation

/// Encrypts private keys at rest with AES-256-GCM under a master key, binding each sealed key to its id
/// (the id is the additional authenticated data, so a sealed key copied to another row does not open).
///
/// During a master key rotation a vault also holds the previous key: it seals with the current key only and opens
/// with either, so nodes run while the stored secrets are sealed again (`vita master-key reseal`).
public struct KeyVault: Sendable {
    private let masterKey: SymmetricKey
    private let previousKey: SymmetricKey?

    /// A vault with a 32-byte master key.
    public init(masterKey bytes: some Collection<UInt8>) throws {
        guard bytes.count == 32 else {
            throw VitaCoreError(code: .invalidField, field: "masterKey", reason: "must be 32 bytes")
        }
        self.masterKey = SymmetricKey(data: Array(bytes))
        self.previousKey = nil
    }

    /// This vault, also opening what was sealed with `previous` (the master key being replaced).
    public func opening(previous: KeyVault) -> KeyVault {
        KeyVault(masterKey: masterKey, previousKey: previous.masterKey)
    }

    private init(masterKey: SymmetricKey, previousKey: SymmetricKey?) {
        self.masterKey = masterKey
        self.previousKey = previousKey
    }

    /// Whether `sealed` (for `id`) opens with the current master key, not only with the previous one.
    public func isCurrent(_ sealed: String, id: String) -> Bool {
        (try? Self.open(sealed, id: id, with: masterKey)) != nil
    }

    /// A vault with a base64-encoded 32-byte master key (the form of `VITA_MASTER_KEY`).
    public init(base64 text: String) throws {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw VitaCoreError(code: .invalidField, field: "masterKey", reason: "must be base64")
        }
        try self.init(masterKey: Array(data))
    }

    /// A new random master key, base64-encoded.
    public static func generateMasterKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// Seals `secret` for the key `id`: base64 of nonce ‖ ciphertext ‖ tag.
    public func seal(_ secret: some Collection<UInt8>, id: String) throws -> String {
        let box = try AES.GCM.seal(Array(secret), using: masterKey, authenticating: Array(id.utf8))
        guard let combined = box.combined else {
            throw VitaCoreError(code: .invalidField, field: "secret", reason: "could not be sealed")
        }
        return combined.base64EncodedString()
    }

    /// Opens a sealed secret of the key `id` with the current master key or, during a rotation, the previous one;
    /// throws when neither key or the id does not match.
    public func open(_ sealed: String, id: String) throws -> [UInt8] {
        if let opened = try? Self.open(sealed, id: id, with: masterKey) { return opened }
        if let previousKey, let opened = try? Self.open(sealed, id: id, with: previousKey) { return opened }
        throw VitaCoreError(code: .invalidField, field: "masterKey", reason: "the sealed key does not open with this master key")
    }

    private static func open(_ sealed: String, id: String, with key: SymmetricKey) throws -> [UInt8] {
        guard let data = Data(base64Encoded: sealed) else { throw CryptoKitError.incorrectParameterSize }
        let box = try AES.GCM.SealedBox(combined: data)
        return Array(try AES.GCM.open(box, using: key, authenticating: Array(id.utf8)))
    }
}
