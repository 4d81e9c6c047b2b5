import Crypto
import Foundation
import VitaCore
import VitaJSON

/// Builds Open Badges 3.0 `OpenBadgeCredential`s (AchievementCredential) from the learner record, ready to sign.
///
/// OB 3.0 §8 "AchievementCredential": the VC 2.0, OB 3.0.3 and OB extensions contexts in that order, `issuer` a Profile,
/// `credentialSubject` an AchievementSubject with the learner's DID as `id` or a hashed `IdentityObject`,
/// `validFrom` the award date, and `credentialSchema` naming the 1EdTech JSON Schema.
public enum OpenBadgeIssuance {
    /// How the credential names its recipient.
    public enum Recipient: Sendable, Equatable {
        /// The learner's DID, as `credentialSubject.id`.
        case did(String)
        /// An email address, hashed with a salt into an `IdentityObject` (OB 3.0 §B.1.17).
        case hashedEmail(String, salt: String)
    }

    /// The issuing organization as a Profile.
    public struct Issuer: Sendable {
        /// The issuer id: the DID of its signing key.
        public var id: String
        /// Its name.
        public var name: String

        /// Creates an issuer.
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    static let schema = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"

    /// The recipient a learner's identifiers give: their DID when they have one, else their first email, hashed with
    /// a fresh salt. Nil when the learner has neither.
    public static func recipient(for learner: Learner) -> Recipient? {
        if let did = learner.identifiers.first(where: { $0.scheme == .did }) { return .did(did.value) }
        if let email = learner.identifiers.first(where: { $0.scheme == .email }) {
            var generator = SystemRandomNumberGenerator()
            let salt = ContentDigest.hex((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
            return .hashedEmail(email.value, salt: salt)
        }
        return nil
    }

    /// `sha256$<hex>` of the UTF-8 of `identifier` followed by `salt` (OB 3.0 IdentityHash).
    public static func identityHash(_ identifier: String, salt: String) -> String {
        "sha256$" + ContentDigest.hex(SHA256.hash(data: Array((identifier + salt).utf8)))
    }

    /// The unsigned credential awarding `achievement` for `record`.
    public static func credential(id: String, achievement: Achievement, record: CredentialRecord, issuer: Issuer,
                                  recipient: Recipient) -> JSONValue {
        var criteria = JSONObject()
        criteria["narrative"] = .string(achievement.criteriaNarrative)
        var achievementObject = JSONObject()
        achievementObject["id"] = .string(achievement.uri)
        achievementObject["type"] = ["Achievement"]
        achievementObject["name"] = .string(achievement.name)
        achievementObject["description"] = .string(achievement.description)
        achievementObject["criteria"] = .object(criteria)
        if let type = achievement.achievementType { achievementObject["achievementType"] = .string(type) }
        if let image = achievement.image {
            achievementObject["image"] = .object(["id": .string(image), "type": "Image"])
        }
        if !achievement.alignments.isEmpty {
            achievementObject["alignment"] = .array(achievement.alignments.map { alignment in
                var object = JSONObject()
                object["type"] = ["Alignment"]
                object["targetName"] = .string(alignment.targetName)
                object["targetUrl"] = .string(alignment.targetUrl)
                if let framework = alignment.targetFramework { object["targetFramework"] = .string(framework) }
                if let code = alignment.targetCode { object["targetCode"] = .string(code) }
                if let type = alignment.targetType { object["targetType"] = .string(type) }
                return .object(object)
            })
        }

        var subject = JSONObject()
        subject["type"] = ["AchievementSubject"]
        switch recipient {
        case .did(let did):
            subject["id"] = .string(did)
        case .hashedEmail(let email, let salt):
            var identity = JSONObject()
            identity["type"] = "IdentityObject"
            identity["identityHash"] = .string(identityHash(email, salt: salt))
            identity["identityType"] = "emailAddress"
            identity["hashed"] = true
            identity["salt"] = .string(salt)
            subject["identifier"] = [.object(identity)]
        }
        subject["achievement"] = .object(achievementObject)

        var issuerObject = JSONObject()
        issuerObject["id"] = .string(issuer.id)
        issuerObject["type"] = ["Profile"]
        issuerObject["name"] = .string(issuer.name)

        var credential = JSONObject()
        // The extensions context defines `1EdTechJsonSchemaValidator2019`: without it that type is a relative IRI,
        // which RDFC-1.0 drops from the signed data (and which processors that resolve it against a default base,
        // such as PyLD, hash differently).
        credential["@context"] = ["https://www.w3.org/ns/credentials/v2",
                                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                                  "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"]
        credential["id"] = .string(id)
        credential["type"] = ["VerifiableCredential", "OpenBadgeCredential"]
        credential["name"] = .string(record.title)
        credential["issuer"] = .object(issuerObject)
        credential["validFrom"] = .string("\(record.awardedDate)T00:00:00Z")
        if let expires = record.expiresDate { credential["validUntil"] = .string("\(expires)T23:59:59Z") }
        credential["credentialSubject"] = .object(subject)
        credential["credentialSchema"] = [.object(["id": .string(schema), "type": "1EdTechJsonSchemaValidator2019"])]
        return .object(credential)
    }
}
