import Foundation

/// A competency framework an organization imported from a 1EdTech CASE 1.1 package: the package's `CFDocument`, and
/// where the package came from. Its items are ``Competency`` definitions that name it by ``id``
/// (`Competency.frameworkId`); `docs/CASE.md` gives the rules of an import.
public struct CompetencyFramework: Codable, Sendable, Equatable {
    /// Where a package came from, and what it was: the framework's provenance.
    public struct Source: Codable, Sendable, Equatable {
        /// The URL it was fetched from (a CASE server's `CFPackages/{id}`), or nil when it came in the request.
        public var retrievedFrom: String?
        /// `sha256:` + hex of the package's JCS canonical form (RFC 8785), so key order and spacing do not matter.
        public var digest: String
        /// When Vita read it.
        public var importedAt: Date

        /// Creates a source.
        public init(retrievedFrom: String?, digest: String, importedAt: Date) {
            self.retrievedFrom = retrievedFrom
            self.digest = digest
            self.importedAt = importedAt
        }
    }

    /// Vita's identifier (`cfw_…`).
    public var id: String
    /// The organization that imported it (and defines its competencies).
    public var organizationId: String
    /// The `CFDocument`'s `identifier` (a UUID): a later import of the same framework finds it by this.
    public var caseIdentifier: String
    /// The `CFDocument`'s `uri`.
    public var caseURI: String
    /// Its title.
    public var title: String
    /// Who created it (`creator`).
    public var creator: String?
    /// Who publishes it, if given.
    public var publisher: String?
    /// The framework's own version label (`version`), if given.
    public var frameworkVersion: String?
    /// A description, if given.
    public var description: String?
    /// Its language, if given.
    public var language: String?
    /// `adoptionStatus` (`Draft`, `Adopted`, …), if given.
    public var adoptionStatus: String?
    /// Where the framework's authority publishes it (`officialSourceURL`), if given.
    public var officialSourceURL: String?
    /// The document's `lastChangeDateTime`, as the package gives it.
    public var lastChangeDateTime: String?
    /// How many of its competencies the last import held (retired ones not counted).
    public var itemCount: Int
    /// The last import's package.
    public var source: Source
    /// Vita's version of it: 1 at the first import, one more for each import that changed something.
    public var version: Int
    /// When it was first imported.
    public var createdAt: Date
    /// When an import last changed it.
    public var updatedAt: Date

    /// Creates a framework record.
    public init(id: String, organizationId: String, caseIdentifier: String, caseURI: String, title: String,
                creator: String? = nil, publisher: String? = nil, frameworkVersion: String? = nil,
                description: String? = nil, language: String? = nil, adoptionStatus: String? = nil,
                officialSourceURL: String? = nil, lastChangeDateTime: String? = nil, itemCount: Int, source: Source,
                version: Int = 1, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.organizationId = organizationId
        self.caseIdentifier = caseIdentifier
        self.caseURI = caseURI
        self.title = title
        self.creator = creator
        self.publisher = publisher
        self.frameworkVersion = frameworkVersion
        self.description = description
        self.language = language
        self.adoptionStatus = adoptionStatus
        self.officialSourceURL = officialSourceURL
        self.lastChangeDateTime = lastChangeDateTime
        self.itemCount = itemCount
        self.source = source
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The strong entity tag of this version.
    public var entityTag: String { "\"\(id).v\(version)\"" }
}
