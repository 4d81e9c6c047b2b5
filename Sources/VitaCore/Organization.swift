import Foundation

/// An organization that takes part in a learner's path: a school, an employer, a training provider, an agency.
public struct Organization: Codable, Sendable, Equatable {
    /// The kinds of organization the ELR distinguishes.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case school, university, employer, trainingProvider, agency, association, other
    }

    /// Vita's identifier of the organization.
    public var id: String
    /// The organization's name.
    public var name: String
    /// What kind of organization it is.
    public var kind: Kind
    /// External identifiers (IPEDS, OPEID, DUNS, web domain, ...).
    public var identifiers: [Identifier]
    /// Its website (an `http` or `https` URL). Credentials it issues carry it in their issuer profile.
    public var url: String?
    /// An email address for questions about what it issues; in its credentials' issuer profile.
    public var email: String?
    /// A short description of the organization; in its credentials' issuer profile.
    public var description: String?
    /// Its logo: an image URL or a `data:` URI; in its credentials' issuer profile.
    public var image: String?
    /// When Vita recorded the organization.
    public var createdAt: Date

    /// Creates an organization.
    public init(id: String, name: String, kind: Kind, identifiers: [Identifier] = [], url: String? = nil, email: String? = nil,
                description: String? = nil, image: String? = nil, createdAt: Date) {
        self.id = id
        self.name = name
        self.kind = kind
        self.identifiers = identifiers
        self.url = url
        self.email = email
        self.description = description
        self.image = image
        self.createdAt = createdAt
    }

    /// Checks the fields a client supplies.
    public func validate() throws(ValidationFailures) {
        var failures = ValidationFailures()
        failures.require(!name.trimmingCharacters(in: .whitespaces).isEmpty, "name", "must not be empty")
        failures.require(name.count <= 500, "name", "must be at most 500 characters")
        for (index, identifier) in identifiers.enumerated() {
            failures.merge(identifier.validationFailures(), prefix: "identifiers[\(index)]")
        }
        if let url {
            failures.require((url.hasPrefix("https://") || url.hasPrefix("http://")) && URLCheck.isAbsolute(url) && url.count > 8,
                             "url", "must be an http or https URL")
            failures.require(url.count <= 2000, "url", "must be at most 2000 characters")
        }
        if let email {
            failures.require(email.contains("@") && !email.hasPrefix("@") && !email.hasSuffix("@") && !email.contains(" "),
                             "email", "must be an email address")
            failures.require(email.count <= 320, "email", "must be at most 320 characters")
        }
        if let description {
            failures.require(!description.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "description",
                             "must not be empty (leave it out instead)")
            failures.require(description.count <= 2000, "description", "must be at most 2000 characters")
        }
        if let image { failures.require(URLCheck.isAbsolute(image), "image", "must be an absolute URI (a URL or a data: URI)") }
        try failures.throwIfAny()
    }
}

/// An identifier that some scheme assigns to an organization or a learner.
public struct Identifier: Codable, Sendable, Hashable {
    /// The identifier schemes Vita knows by name; `other` covers the rest.
    public enum Scheme: String, Codable, Sendable, CaseIterable {
        case ipeds, opeid, duns, ueid, domain, institutional, email, did, sourcedId, other
    }

    /// The scheme that assigned the identifier.
    public var scheme: Scheme
    /// The identifier itself.
    public var value: String
    /// Who assigned it, when the scheme alone does not say (e.g. the institution of a student number).
    public var issuer: String?

    /// Creates an identifier.
    public init(scheme: Scheme, value: String, issuer: String? = nil) {
        self.scheme = scheme
        self.value = value
        self.issuer = issuer
    }

    func validationFailures() -> ValidationFailures {
        var failures = ValidationFailures()
        failures.require(!value.isEmpty, "value", "must not be empty")
        failures.require(value.count <= 500, "value", "must be at most 500 characters")
        switch scheme {
        case .email:
            failures.require(value.contains("@") && !value.hasPrefix("@") && !value.hasSuffix("@"),
                             "value", "must be an email address")
        case .did:
            failures.require(value.hasPrefix("did:") && value.split(separator: ":").count >= 3,
                             "value", "must be a DID (did:method:identifier)")
        case .domain:
            failures.require(value.contains(".") && !value.contains("/") && !value.contains(" "),
                             "value", "must be a domain name")
        case .ipeds:
            failures.require(value.count == 6 && value.allSatisfy(\.isNumber), "value", "must be a 6-digit IPEDS unit id")
        case .opeid:
            failures.require((value.count == 6 || value.count == 8) && value.allSatisfy(\.isNumber),
                             "value", "must be a 6- or 8-digit OPEID")
        case .duns:
            failures.require(value.count == 9 && value.allSatisfy(\.isNumber), "value", "must be a 9-digit DUNS number")
        default:
            break
        }
        return failures
    }
}

/// A learner: the person whose path the record follows.
public struct Learner: Codable, Sendable, Equatable {
    /// The learner's names.
    public struct Name: Codable, Sendable, Equatable {
        /// Given name(s).
        public var given: String?
        /// Family name(s).
        public var family: String?
        /// The name as the learner wants it shown.
        public var display: String

        /// Creates a name.
        public init(given: String? = nil, family: String? = nil, display: String) {
            self.given = given
            self.family = family
            self.display = display
        }
    }

    /// Vita's identifier of the learner.
    public var id: String
    /// The learner's name; nil once erased.
    public var name: Name?
    /// Identifiers of several kinds (institutional ids, email, DID); empty once erased.
    public var identifiers: [Identifier]
    /// Optional birth date.
    public var birthDate: CalendarDate?
    /// Version number, starting at 1 and increased by each update.
    public var version: Int
    /// When the learner was first recorded.
    public var createdAt: Date
    /// When this version was recorded.
    public var updatedAt: Date
    /// Set when the learner's personal fields were erased on request.
    public var erasure: Tombstone?

    /// Creates a learner.
    public init(id: String, name: Name?, identifiers: [Identifier], birthDate: CalendarDate? = nil,
                version: Int = 1, createdAt: Date, updatedAt: Date, erasure: Tombstone? = nil) {
        self.id = id
        self.name = name
        self.identifiers = identifiers
        self.birthDate = birthDate
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.erasure = erasure
    }

    /// Checks the fields a client supplies.
    public func validate(today: CalendarDate) throws(ValidationFailures) {
        var failures = ValidationFailures()
        if let name {
            failures.require(!name.display.trimmingCharacters(in: .whitespaces).isEmpty, "name.display", "must not be empty")
            failures.require(name.display.count <= 500, "name.display", "must be at most 500 characters")
        } else {
            failures.fail("name", "is required")
        }
        for (index, identifier) in identifiers.enumerated() {
            failures.merge(identifier.validationFailures(), prefix: "identifiers[\(index)]")
        }
        if let birthDate {
            failures.require(birthDate <= today, "birthDate", "must not be in the future")
            failures.require(birthDate.year >= 1900, "birthDate", "must be after 1900")
        }
        try failures.throwIfAny()
    }
}

/// Marks a deleted record or an erased learner: the fact and its reason stay, the content goes.
public struct Tombstone: Codable, Sendable, Equatable {
    /// Why it was deleted, as given by whoever deleted it.
    public var reason: String
    /// When.
    public var at: Date
    /// Who (a system, an administrator).
    public var by: String

    /// Creates a tombstone.
    public init(reason: String, at: Date, by: String) {
        self.reason = reason
        self.at = at
        self.by = by
    }
}

/// A signing key of an organization. The private half is kept sealed by a `KeyVault` and never leaves storage in the
/// clear; retired keys stay listed so that credentials signed with them still verify.
public struct IssuerKey: Codable, Sendable, Equatable {
    /// Vita's identifier.
    public var id: String
    /// The organization that signs with it.
    public var organizationId: String
    /// The algorithm: `Ed25519` (Data Integrity and VC-JWT EdDSA), `P-256` (VC-JWT ES256) or `RSA` (VC-JWT RS256).
    public var algorithm: String
    /// The public key as a Multikey (`z6Mk…` Ed25519, `zDn…` P-256); nil for RSA, which has no Multikey encoding.
    public var publicKeyMultibase: String?
    /// The public key as a JWK (JSON text, public members only).
    public var publicKeyJwk: String?
    /// The key's `did:key`; nil for RSA.
    public var did: String?
    /// The verification method to name in proofs and as a JWT `kid`.
    public var verificationMethod: String
    /// When it was created.
    public var createdAt: Date
    /// When a newer key of the same algorithm replaced it; nil for the current key.
    public var retiredAt: Date?

    /// The algorithms an organization can hold keys of.
    public static let algorithms: Set<String> = ["Ed25519", "P-256", "RSA"]

    /// Creates a key description.
    public init(id: String, organizationId: String, algorithm: String, publicKeyMultibase: String?,
                publicKeyJwk: String? = nil, did: String?, verificationMethod: String, createdAt: Date,
                retiredAt: Date? = nil) {
        self.id = id
        self.organizationId = organizationId
        self.algorithm = algorithm
        self.publicKeyMultibase = publicKeyMultibase
        self.publicKeyJwk = publicKeyJwk
        self.did = did
        self.verificationMethod = verificationMethod
        self.createdAt = createdAt
        self.retiredAt = retiredAt
    }
}
