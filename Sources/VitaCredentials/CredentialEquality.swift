import Foundation
import VitaJSON

/// What makes two credentials "the same credential" for a host that stores them, after the 1EdTech rule used by
/// upsertCredential (Open Badges 3.0 and CLR 2.0 specifications, "Credential Equality and Comparison"): two
/// credentials are the same when their issuer ids and their credential ids are equal once percent-decoded and trimmed
/// of surrounding white space; of two versions, the one with the later `validFrom` is the current one.
public struct CredentialIdentity: Sendable, Hashable {
    /// The 1EdTech credential kinds a host keeps apart (each service lists its own).
    public enum Kind: String, Sendable, Hashable {
        /// `AchievementCredential` / `OpenBadgeCredential` (Open Badges 3.0).
        case achievement
        /// `ClrCredential` (CLR 2.0).
        case clr
        /// `EndorsementCredential`.
        case endorsement
        /// Any other verifiable credential.
        case other
    }

    /// The issuer's id (the `issuer` string or `issuer.id`), normalized.
    public var issuer: String
    /// The credential's `id`, normalized.
    public var id: String
    /// The credential's kind, from its `type`.
    public var kind: Kind
    /// `validFrom` (VC 2.0) or `issuanceDate` (VC 1.1) as written, when present.
    public var validFromText: String?

    /// Reads the identity of a credential (the JSON of an embedded-proof credential, or a VC-JWT's credential).
    /// - Throws: ``CredentialError/Code/malformedDocument`` when the credential has no issuer id or no `id`: without
    ///   them a host cannot tell a new credential from a new version of one it holds.
    public init(credential: JSONValue) throws(CredentialError) {
        guard case .object(let object) = credential else {
            throw CredentialError(.malformedDocument, "the credential is not a JSON object")
        }
        let issuerValue: String?
        switch object["issuer"] {
        case .string(let text)?: issuerValue = text
        case .object(let issuer)?: issuerValue = issuer["id"]?.stringValue
        default: issuerValue = nil
        }
        guard let issuerValue, !Self.normalize(issuerValue).isEmpty else {
            throw CredentialError(.malformedDocument, "the credential has no issuer id")
        }
        guard let id = object["id"]?.stringValue, !Self.normalize(id).isEmpty else {
            throw CredentialError(.malformedDocument, "the credential has no id")
        }
        self.issuer = Self.normalize(issuerValue)
        self.id = Self.normalize(id)
        self.validFromText = object["validFrom"]?.stringValue ?? object["issuanceDate"]?.stringValue
        let types: [String] = switch object["type"] {
        case .string(let type)?: [type]
        case .array(let types)?: types.compactMap(\.stringValue)
        default: []
        }
        if types.contains("ClrCredential") {
            kind = .clr
        } else if types.contains("AchievementCredential") || types.contains("OpenBadgeCredential") {
            kind = .achievement
        } else if types.contains("EndorsementCredential") {
            kind = .endorsement
        } else {
            kind = .other
        }
    }

    /// Reads the identity of a VC-JWT's credential; a VC 1.1 `vc` claim without `id` or `issuer` takes them from the
    /// registered claims `jti` and `iss` (VC-JWT 1.1 §6.3.1 moves them there).
    public init(jws: CompactJWS) throws(CredentialError) {
        var credential = jws.credential
        if case .object(var object) = credential {
            if object["id"] == nil, let jti = jws.payload["jti"] { object["id"] = jti }
            if object["issuer"] == nil, let iss = jws.payload["iss"] { object["issuer"] = iss }
            credential = .object(object)
        }
        try self.init(credential: credential)
    }

    /// Percent-decodes `text` and trims surrounding white space; text that is not valid percent-encoding is only trimmed.
    public static func normalize(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return (trimmed.removingPercentEncoding ?? trimmed).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What two credentials share exactly when they are the same credential: the normalized issuer and credential ids.
    public struct Key: Sendable, Hashable {
        /// The normalized issuer id.
        public var issuer: String
        /// The normalized credential id.
        public var id: String

        /// Creates a key from normalized ids.
        public init(issuer: String, id: String) {
            self.issuer = issuer
            self.id = id
        }
    }

    /// The identity's key.
    public var key: Key { Key(issuer: issuer, id: id) }

    /// `validFrom` as a date, when present and well-formed.
    public var validFrom: Date? { validFromText.flatMap(XSDDateTime.parse) }

    /// Whether this version is newer than `other` (a later `validFrom`). A version without a readable `validFrom`
    /// is not newer than one with it, and two without are equally new (false).
    public func isNewer(than other: CredentialIdentity) -> Bool {
        guard let mine = validFrom else { return false }
        guard let theirs = other.validFrom else { return true }
        return mine > theirs
    }
}
