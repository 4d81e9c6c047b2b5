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

    /// The issuing organization as a Profile (OB 3.0 §B.1.20 "Profile"; CLR 2.0 uses the same class).
    public struct Issuer: Sendable {
        /// The issuer id: the DID of its signing key.
        public var id: String
        /// Its name.
        public var name: String
        /// Its website.
        public var url: String?
        /// An email address for questions about what it issues.
        public var email: String?
        /// A short description.
        public var description: String?
        /// Its logo: an image URL or a `data:` URI, carried as an `Image` (`id`, `type`).
        public var image: String?
        /// Its identifiers in other schemes (IPEDS, OPEID, a web domain, …), carried as `otherIdentifier` entries.
        public var identifiers: [Identifier]

        /// Creates an issuer.
        public init(id: String, name: String, url: String? = nil, email: String? = nil, description: String? = nil,
                    image: String? = nil, identifiers: [Identifier] = []) {
            self.id = id
            self.name = name
            self.url = url
            self.email = email
            self.description = description
            self.image = image
            self.identifiers = identifiers
        }

        /// The organization with id `organizationId` signing with the key of DID `id`: the name, website, email,
        /// description, logo and identifiers of `organization`, or only its id as its name when Vita does not know it
        /// (nil).
        public init(id: String, organization: Organization?, organizationId: String) {
            self.init(id: id, name: organization?.name ?? organizationId, url: organization?.url, email: organization?.email,
                      description: organization?.description, image: organization?.image,
                      identifiers: organization?.identifiers ?? [])
        }

        /// The `identifierType` of an OB 3.0 `IdentifierEntry` for an identifier of `scheme`: the term of
        /// `IdentifierTypeEnum` that fits (`emailAddress`, `sourcedId`, `identifier`), else an extension term (`ext:IPEDS`,
        /// `ext:OPEID`, `ext:DUNS`, `ext:UEI`, `ext:domain`), as the enumeration allows.
        static func identifierType(_ scheme: Identifier.Scheme) -> String {
            switch scheme {
            case .email: "emailAddress"
            case .sourcedId: "sourcedId"
            case .institutional, .did, .other: "identifier"
            case .ipeds: "ext:IPEDS"
            case .opeid: "ext:OPEID"
            case .duns: "ext:DUNS"
            case .ueid: "ext:UEI"
            case .domain: "ext:domain"
            }
        }

        /// The Profile object a credential's `issuer` holds: `id`, `type`, `name` and those of the other members given
        /// (`url`, `email`, `description`, `image`, `otherIdentifier`).
        public var profile: JSONObject {
            var object = JSONObject()
            object["id"] = .string(id)
            object["type"] = ["Profile"]
            object["name"] = .string(name)
            if let url { object["url"] = .string(url) }
            if let email { object["email"] = .string(email) }
            if let description { object["description"] = .string(description) }
            if let image { object["image"] = .object(["id": .string(image), "type": "Image"]) }
            if !identifiers.isEmpty {
                object["otherIdentifier"] = .array(identifiers.map { identifier in
                    ["type": "IdentifierEntry", "identifier": .string(identifier.value),
                     "identifierType": .string(Self.identifierType(identifier.scheme))]
                })
            }
            return object
        }
    }

    /// The `@context` of an OpenBadgeCredential Vita issues. The extensions context defines
    /// `1EdTechJsonSchemaValidator2019`: without it that type is a relative IRI, which RDFC-1.0 drops from the signed
    /// data (and which processors that resolve it against a default base, such as PyLD, hash differently).
    public static let contexts = [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
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

    /// The unsigned credential awarding `achievement` for the ELR credential `record` (degree, certificate, …).
    public static func credential(id: String, achievement: Achievement, record: CredentialRecord, issuer: Issuer,
                                  recipient: Recipient) -> JSONValue {
        var achievementObject = JSONObject()
        achievementObject["id"] = .string(achievement.uri)
        achievementObject["type"] = ["Achievement"]
        achievementObject["name"] = .string(achievement.name)
        achievementObject["description"] = .string(achievement.description)
        achievementObject["criteria"] = .object(["narrative": .string(achievement.criteriaNarrative)])
        if let type = achievement.achievementType { achievementObject["achievementType"] = .string(type) }
        if let image = achievement.image {
            achievementObject["image"] = .object(["id": .string(image), "type": "Image"])
        }
        if !achievement.alignments.isEmpty { achievementObject["alignment"] = .array(achievement.alignments.map(alignment)) }
        if !achievement.resultDescriptions.isEmpty {
            achievementObject["resultDescription"] = .array(achievement.resultDescriptions.enumerated().map { index, result in
                var object = JSONObject()
                object["id"] = .string("\(achievement.uri)#result-\(index + 1)")
                object["type"] = ["ResultDescription"]
                object["name"] = .string(result.name)
                object["resultType"] = .string(result.resultType)
                if let allowed = result.allowedValues { object["allowedValue"] = .array(allowed.map(JSONValue.string)) }
                if let required = result.requiredValue { object["requiredValue"] = .string(required) }
                if let minimum = result.valueMin { object["valueMin"] = .string(minimum) }
                if let maximum = result.valueMax { object["valueMax"] = .string(maximum) }
                return .object(object)
            })
        }
        return .object(assemble(id: id, name: record.title, achievement: achievementObject, subject: JSONObject(),
                                issuer: issuer, recipient: recipient, validFrom: "\(record.awardedDate)T00:00:00Z",
                                validUntil: record.expiresDate.map { "\($0)T23:59:59Z" }))
    }

    /// The unsigned credential for a demonstrated competency (OB 3.0 achievement type `Competency`): the level as a
    /// `Result` described by a `RawScore` result description (0 … the scale's maximum), the assessment's evidence
    /// carried over, and an alignment to the competency's CASE item when it has one (with the item's code when it came
    /// from an imported framework). `achievementURI` identifies
    /// the competency as an achievement of the issuer.
    public static func credential(id: String, competency: Competency, assertion: CompetencyAssertion, achievementURI: String,
                                  issuer: Issuer, recipient: Recipient, awardedDate: CalendarDate) -> JSONValue {
        let description = "\(achievementURI)#level"
        var level = JSONObject()
        level["id"] = .string(description)
        level["type"] = ["ResultDescription"]
        level["name"] = .string(assertion.levelLabel.map { "Level (\($0))" } ?? "Level")
        level["resultType"] = "RawScore"
        level["valueMin"] = "0"
        if let maximum = assertion.levelMaximum { level["valueMax"] = .string(number(maximum)) }
        var achievementObject = JSONObject()
        achievementObject["id"] = .string(achievementURI)
        achievementObject["type"] = ["Achievement"]
        achievementObject["achievementType"] = "Competency"
        achievementObject["name"] = .string(competency.name)
        achievementObject["description"] = .string(competency.description ?? competency.name)
        achievementObject["criteria"] = .object(["narrative": .string(
            "Demonstrated in an assessment\(competency.framework.map { " against the \($0) framework" } ?? "")")])
        if let item = competency.caseItemURI {
            achievementObject["alignment"] = [alignment(.init(targetName: competency.name, targetUrl: item,
                                                              targetFramework: competency.framework,
                                                              targetCode: competency.code, targetType: "CFItem"))]
        }
        achievementObject["resultDescription"] = [.object(level)]
        var result = JSONObject()
        result["type"] = ["Result"]
        result["resultDescription"] = .string(description)
        result["value"] = .string(number(assertion.level))
        var subject = JSONObject()
        subject["result"] = [.object(result)]
        var credential = assemble(id: id, name: competency.name, achievement: achievementObject, subject: subject,
                                  issuer: issuer, recipient: recipient,
                                  validFrom: "\(assertion.demonstratedDate ?? awardedDate)T00:00:00Z", validUntil: nil)
        if !assertion.evidence.isEmpty { credential["evidence"] = .array(assertion.evidence.map(evidence)) }
        return .object(credential)
    }

    /// The unsigned credential for a learning experience (a course, assessment, training …): the achievement the
    /// experience stands for (`humanCode` its code, `creditsAvailable` its credits), the grade as a `LetterGrade`
    /// result or the score as a `RawScore` result, `creditsEarned` and the activity dates. `achievementURI`
    /// identifies the course as an achievement of the issuer, the same for every learner who took it.
    public static func credential(id: String, experience: LearningExperience, achievementURI: String, issuer: Issuer,
                                  recipient: Recipient, awardedDate: CalendarDate) -> JSONValue {
        var achievementObject = JSONObject()
        achievementObject["id"] = .string(achievementURI)
        achievementObject["type"] = ["Achievement"]
        achievementObject["achievementType"] = .string(achievementType(for: experience.kind))
        achievementObject["name"] = .string(experience.title)
        achievementObject["description"] = .string(experience.title)
        achievementObject["criteria"] = .object(["narrative": .string("Complete the \(experience.kind.rawValue) with a passing result")])
        if let code = experience.code { achievementObject["humanCode"] = .string(code) }
        if let credits = experience.credits { achievementObject["creditsAvailable"] = .number(JSONNumber(credits)) }
        var subject = JSONObject()
        var descriptions: [JSONValue] = []
        var results: [JSONValue] = []
        if let grade = experience.result?.grade {
            descriptions.append(.object(["id": .string("\(achievementURI)#grade"), "type": ["ResultDescription"],
                                         "name": "Grade", "resultType": "LetterGrade"]))
            results.append(.object(["type": ["Result"], "resultDescription": .string("\(achievementURI)#grade"),
                                    "value": .string(grade)]))
        }
        if let score = experience.result?.score {
            var description: JSONObject = ["id": .string("\(achievementURI)#score"), "type": ["ResultDescription"],
                                           "name": "Score", "resultType": "RawScore"]
            if let maximum = experience.result?.scoreMaximum { description["valueMax"] = .string(number(maximum)) }
            descriptions.append(.object(description))
            results.append(.object(["type": ["Result"], "resultDescription": .string("\(achievementURI)#score"),
                                    "value": .string(number(score))]))
        }
        if !descriptions.isEmpty {
            achievementObject["resultDescription"] = .array(descriptions)
            subject["result"] = .array(results)
        }
        if let credits = experience.credits { subject["creditsEarned"] = .number(JSONNumber(credits)) }
        if let start = experience.startDate { subject["activityStartDate"] = .string("\(start)T00:00:00Z") }
        if let end = experience.endDate { subject["activityEndDate"] = .string("\(end)T00:00:00Z") }
        return .object(assemble(id: id, name: experience.title, achievement: achievementObject, subject: subject,
                                issuer: issuer, recipient: recipient,
                                validFrom: "\(experience.endDate ?? awardedDate)T00:00:00Z", validUntil: nil))
    }

    /// The OB 3.0 achievement type of an ELR experience kind (`Achievement` for `other`).
    public static func achievementType(for kind: LearningExperience.Kind) -> String {
        experienceTypes[kind] ?? "Achievement"
    }

    /// OB 3.0 achievement types for the ELR's experience kinds.
    static let experienceTypes: [LearningExperience.Kind: String] = [
        .course: "Course", .program: "LearningProgram", .assessment: "Assessment", .training: "CertificateOfCompletion",
        .workBasedLearning: "Fieldwork", .apprenticeship: "ApprenticeshipCertificate",
    ]

    /// The credential around an achievement: contexts, types, issuer profile, recipient, validity, schema.
    static func assemble(id: String, name: String, achievement: JSONObject, subject extra: JSONObject, issuer: Issuer,
                         recipient: Recipient, validFrom: String, validUntil: String?) -> JSONObject {
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
        subject["achievement"] = .object(achievement)
        for (key, value) in extra { subject[key] = value }

        var credential = JSONObject()
        credential["@context"] = .array(Self.contexts.map(JSONValue.string))
        credential["id"] = .string(id)
        credential["type"] = ["VerifiableCredential", "OpenBadgeCredential"]
        credential["name"] = .string(name)
        credential["issuer"] = .object(issuer.profile)
        credential["validFrom"] = .string(validFrom)
        if let validUntil { credential["validUntil"] = .string(validUntil) }
        credential["credentialSubject"] = .object(subject)
        credential["credentialSchema"] = [.object(["id": .string(schema), "type": "1EdTechJsonSchemaValidator2019"])]
        return credential
    }

    static func alignment(_ alignment: Achievement.Alignment) -> JSONValue {
        var object = JSONObject()
        object["type"] = ["Alignment"]
        object["targetName"] = .string(alignment.targetName)
        object["targetUrl"] = .string(alignment.targetUrl)
        if let framework = alignment.targetFramework { object["targetFramework"] = .string(framework) }
        if let code = alignment.targetCode { object["targetCode"] = .string(code) }
        if let type = alignment.targetType { object["targetType"] = .string(type) }
        return .object(object)
    }

    /// OB 3.0 `Evidence` for an ELR evidence item: its URL as `id`, inline content as `narrative`.
    static func evidence(_ item: Evidence) -> JSONValue {
        var object = JSONObject()
        if let url = item.url { object["id"] = .string(url) }
        object["type"] = ["Evidence"]
        if let inline = item.inline { object["narrative"] = .string(inline) }
        if let description = item.description { object["description"] = .string(description) }
        return .object(object)
    }

    /// A number as the string OB result values use: no fraction for whole numbers.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
