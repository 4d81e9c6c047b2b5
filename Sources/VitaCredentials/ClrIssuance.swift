import Foundation
import VitaJSON
import VitaSchema

extension CredentialError.Code {
    /// The parts given for a ClrCredential do not make a valid one (missing learner, unsigned or
    /// duplicate nested credential, association to an unknown achievement, schema violation …).
    public static let invalidClr = CredentialError.Code(rawValue: "invalid CLR")
}

/// Assembles an unsigned CLR 2.0 `ClrCredential` from a learner's already-signed
/// AchievementCredentials, ready for ``DataIntegrity/addProof(to:options:signer:now:)``.
///
/// CLR 2.0 §"ClrCredential" / §"ClrSubject" / §"Association": `@context` is the VC 2.0 context,
/// the CLR 2.0.1 context **before** the OB 3.0.3 context (the CLR context is not `@protected`;
/// the other order makes the OB context's protected terms collide), then OB's extensions context
/// (it defines `1EdTechJsonSchemaValidator2019`); `type` `[VerifiableCredential, ClrCredential]`;
/// `credentialSubject` a `ClrSubject` with the learner's `id` or `identifier`s, the signed
/// credentials embedded as JSON objects in `verifiableCredential`, the `achievement`s and the
/// `association`s between them; `credentialSchema` the CLR 2.0 ClrCredential JSON Schema.
///
/// ``credential()`` checks what the JSON Schema cannot (every nested credential carries a proof,
/// ids are unique, an association links two achievements of this CLR, never one with itself) and
/// then validates the result against the bundled CLR JSON Schema; any problem is a
/// ``CredentialError`` with code ``CredentialError/Code/invalidClr``.
///
/// ```swift
/// let clr = try ClrIssuance(
///     id: "urn:uuid:…", name: "Transcript", issuer: ["id": .string(issuerDID), "name": "Example University"],
///     learner: .did(learnerDID), credentials: [signedCourse1, signedCourse2, signedProgram],
///     associations: [ClrIssuance.Association(.isPartOf, sourceId: courseURI, targetId: programURI)],
///     validFrom: Date()
/// ).credential()
/// let signed = try DataIntegrity.addProof(to: clr, options: options, signer: key)
/// ```
public struct ClrIssuance: Sendable {
    /// The `@context` of a ClrCredential, in the order CLR 2.0 requires.
    public static let contexts = [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    /// The CLR 2.0 ClrCredential JSON Schema, as the CLR test vector names it in `credentialSchema`.
    public static let schema = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"

    /// Who the CLR is about (ClrSubject: "Either `id` or at least one `identifier` is required").
    public enum Learner: Sendable, Hashable {
        /// The learner's DID (or other URI), as `credentialSubject.id`.
        case id(String)
        /// `IdentityObject`s, as `credentialSubject.identifier`.
        case identifiers([IdentityObject])
    }

    /// OB 3.0 / CLR 2.0 `IdentityObject`.
    public struct IdentityObject: Sendable, Hashable {
        /// IdentifierTypeEnum value, e.g. `emailAddress`, `studentId` (extension), `sourcedId`.
        public var identityType: String
        /// The identifier, or `sha256$<hex>` of it with `salt` when `hashed`.
        public var identityHash: String
        /// Whether `identityHash` is hashed.
        public var hashed: Bool
        /// The salt of a hashed identifier.
        public var salt: String?

        /// An identity object as given.
        public init(identityType: String, identityHash: String, hashed: Bool, salt: String? = nil) {
            self.identityType = identityType
            self.identityHash = identityHash
            self.hashed = hashed
            self.salt = salt
        }

        /// A hashed identity: `sha256$` of `identifier` followed by `salt` (OB 3.0 IdentityHash).
        public static func hashed(_ identifier: String, type: String, salt: String) -> IdentityObject {
            IdentityObject(identityType: type, identityHash: OpenBadgeIssuance.identityHash(identifier, salt: salt), hashed: true, salt: salt)
        }

        var json: JSONValue {
            var o = JSONObject()
            o["type"] = "IdentityObject"
            o["identityHash"] = .string(identityHash)
            o["identityType"] = .string(identityType)
            o["hashed"] = .bool(hashed)
            if let salt { o["salt"] = .string(salt) }
            return .object(o)
        }
    }

    /// CLR 2.0 AssociationType (a closed enumeration in the CLR JSON Schema): how the source
    /// achievement relates to the target achievement.
    public enum AssociationType: String, Sendable, Hashable, CaseIterable {
        /// The two achievements are the same.
        case exactMatchOf
        /// The source is a child of the target (e.g. a course of a program).
        case isChildOf
        /// The source is a parent of the target.
        case isParentOf
        /// The source is part of the target.
        case isPartOf
        /// The source is a peer of the target.
        case isPeerOf
        /// The source is related to the target.
        case isRelatedTo
        /// The source comes before the target (a prerequisite).
        case precedes
        /// The source is replaced by the target.
        case replacedBy

        /// The association type named `name`, or an ``CredentialError/Code/invalidClr`` error listing the valid names.
        public init(named name: String) throws(CredentialError) {
            guard let type = AssociationType(rawValue: name) else {
                throw CredentialError(.invalidClr, "associationType \"\(name)\" is not a CLR 2.0 association type (\(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            self = type
        }
    }

    /// CLR 2.0 `Association` between two achievements of the CLR.
    public struct Association: Sendable, Hashable {
        /// The relationship.
        public var associationType: AssociationType
        /// The `id` of the source achievement.
        public var sourceId: String
        /// The `id` of the target achievement.
        public var targetId: String

        /// An association.
        public init(_ associationType: AssociationType, sourceId: String, targetId: String) {
            self.associationType = associationType
            self.sourceId = sourceId
            self.targetId = targetId
        }

        /// An association from API input; an unknown `associationType` is an error.
        public init(associationType: String, sourceId: String, targetId: String) throws(CredentialError) {
            self.init(try AssociationType(named: associationType), sourceId: sourceId, targetId: targetId)
        }

        var json: JSONValue {
            var o = JSONObject()
            o["type"] = "Association"
            o["associationType"] = .string(associationType.rawValue)
            o["sourceId"] = .string(sourceId)
            o["targetId"] = .string(targetId)
            return .object(o)
        }
    }

    /// The credential `id` (a URI, e.g. `urn:uuid:…`).
    public var id: String
    /// The CLR's name, e.g. "Official Transcript".
    public var name: String
    /// An optional description.
    public var description: String?
    /// The issuer Profile: at least `id`; `type` defaults to `["Profile"]`; `name`, `url`, `email`, … as given.
    public var issuer: JSONObject
    /// The learner.
    public var learner: Learner
    /// Signed AchievementCredentials (JSON objects with a `proof`), embedded as they are.
    public var credentials: [JSONValue]
    /// Achievements, e.g. the ones associations refer to that no nested credential asserts (a program).
    public var achievements: [JSONValue]
    /// Associations between achievements (of `achievements` or asserted by `credentials`).
    public var associations: [Association]
    /// `validFrom` (seconds precision, UTC).
    public var validFrom: Date
    /// `validUntil`, if any.
    public var validUntil: Date?
    /// `partial`: true when the CLR does not hold all of the learner's assertions.
    public var partial: Bool?

    /// The parts of a CLR.
    public init(id: String, name: String, description: String? = nil, issuer: JSONObject, learner: Learner,
                credentials: [JSONValue], achievements: [JSONValue] = [], associations: [Association] = [],
                validFrom: Date, validUntil: Date? = nil, partial: Bool? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.issuer = issuer
        self.learner = learner
        self.credentials = credentials
        self.achievements = achievements
        self.associations = associations
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.partial = partial
    }

    static let achievementCredentialTypes: Set<String> = ["AchievementCredential", "OpenBadgeCredential"]

    static func fail(_ reason: String) -> CredentialError { CredentialError(.invalidClr, reason) }

    /// The unsigned ClrCredential, checked and valid against the bundled CLR 2.0 JSON Schema.
    public func credential(schemas: OneEdTechSchemas = .shared) throws(CredentialError) -> JSONValue {
        guard !id.isEmpty else { throw Self.fail("the CLR has no id") }
        guard !name.isEmpty else { throw Self.fail("the CLR has no name") }
        guard let issuerID = issuer["id"]?.stringValue, !issuerID.isEmpty else { throw Self.fail("the issuer profile has no id") }
        if let validUntil, validUntil <= validFrom { throw Self.fail("validUntil is not after validFrom") }

        // ClrSubject: id or at least one identifier.
        var subject = JSONObject()
        subject["type"] = ["ClrSubject"]
        switch learner {
        case .id(let learnerID):
            guard !learnerID.isEmpty else { throw Self.fail("the learner id is empty") }
            subject["id"] = .string(learnerID)
        case .identifiers(let identities):
            guard !identities.isEmpty else { throw Self.fail("the learner has neither an id nor an identifier") }
            for (i, identity) in identities.enumerated() where identity.identityHash.isEmpty || identity.identityType.isEmpty {
                throw Self.fail("identifier[\(i)] needs an identityType and an identityHash")
            }
            subject["identifier"] = .array(identities.map(\.json))
        }

        // Nested credentials: signed AchievementCredentials, unique ids.
        guard !credentials.isEmpty else { throw Self.fail("a CLR needs at least one AchievementCredential (ClrSubject.verifiableCredential)") }
        var achievementIDs = Set<String>()
        var credentialIDs = Set<String>()
        for (i, vc) in credentials.enumerated() {
            let label = "verifiableCredential[\(i)]"
            guard case .object(let object) = vc else { throw Self.fail("\(label) is not a JSON object") }
            let types = object["type"].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? []
            guard types.contains("VerifiableCredential"), !Self.achievementCredentialTypes.isDisjoint(with: types) else {
                throw Self.fail("\(label) is not an AchievementCredential (type [\(types.joined(separator: ", "))])")
            }
            guard let vcID = object["id"]?.stringValue else { throw Self.fail("\(label) has no id") }
            guard credentialIDs.insert(vcID).inserted else { throw Self.fail("\(label): credential \(vcID) is included twice") }
            guard object["proof"] != nil else {
                throw Self.fail("\(label) (\(vcID)) has no proof; sign each AchievementCredential before assembling the CLR")
            }
            if let achievementID = object["credentialSubject"]?["achievement"]?["id"]?.stringValue {
                achievementIDs.insert(achievementID)
            }
        }
        subject["verifiableCredential"] = .array(credentials)

        // Achievements: objects with unique ids.
        var listed = Set<String>()
        for (i, achievement) in achievements.enumerated() {
            guard let achievementID = achievement["id"]?.stringValue, !achievementID.isEmpty else {
                throw Self.fail("achievement[\(i)] has no id")
            }
            guard listed.insert(achievementID).inserted else { throw Self.fail("achievement[\(i)]: achievement \(achievementID) is listed twice") }
            achievementIDs.insert(achievementID)
        }
        if !achievements.isEmpty { subject["achievement"] = .array(achievements) }

        // Associations: between two distinct achievements this CLR holds.
        for (i, association) in associations.enumerated() {
            for (role, value) in [("sourceId", association.sourceId), ("targetId", association.targetId)] where !achievementIDs.contains(value) {
                throw Self.fail("association[\(i)] (\(association.associationType.rawValue)): \(role) \(value) is not the id of an achievement in this CLR (listed in achievement or asserted by a nested credential)")
            }
            if association.sourceId == association.targetId {
                throw Self.fail("association[\(i)] (\(association.associationType.rawValue)) relates achievement \(association.sourceId) to itself")
            }
        }
        if !associations.isEmpty { subject["association"] = .array(associations.map(\.json)) }

        var issuerObject = issuer
        if issuerObject["type"] == nil { issuerObject["type"] = ["Profile"] }

        var credential = JSONObject()
        credential["@context"] = .array(Self.contexts.map { .string($0) })
        credential["id"] = .string(id)
        credential["type"] = ["VerifiableCredential", "ClrCredential"]
        credential["issuer"] = .object(issuerObject)
        credential["validFrom"] = .string(XSDDateTime.format(validFrom))
        if let validUntil { credential["validUntil"] = .string(XSDDateTime.format(validUntil)) }
        credential["name"] = .string(name)
        if let description { credential["description"] = .string(description) }
        if let partial { credential["partial"] = .bool(partial) }
        credential["credentialSubject"] = .object(subject)
        credential["credentialSchema"] = [.object(["id": .string(Self.schema), "type": "1EdTechJsonSchemaValidator2019"])]

        let result: ValidationResult
        do { result = try schemas.validate(credential: .object(credential)) } catch {
            throw Self.fail("the CLR JSON Schema could not be applied: \(error)")
        }
        guard result.isValid else {
            let shown = result.errors.prefix(3).map { "\($0.instanceLocation.isEmpty ? "/" : $0.instanceLocation): \($0.message)" }
            let more = result.errors.count > 3 ? " (and \(result.errors.count - 3) more)" : ""
            throw Self.fail("the assembled CLR is not valid against the CLR 2.0 JSON Schema: \(shown.joined(separator: "; "))\(more)")
        }
        return .object(credential)
    }
}
