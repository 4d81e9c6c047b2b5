import Foundation

/// An achievement an organization awards (Open Badges 3.0 `Achievement`): what was accomplished and how it is earned.
public struct Achievement: Codable, Sendable, Equatable {
    /// An alignment to a competency framework item (CASE, CTDL, ...).
    public struct Alignment: Codable, Sendable, Equatable {
        /// The target's name.
        public var targetName: String
        /// The target's URL (a CASE item URI, for instance).
        public var targetUrl: String
        /// The framework's name.
        public var targetFramework: String?
        /// The item's code in the framework.
        public var targetCode: String?
        /// `CFItem`, `ceasn:Competency`, ...
        public var targetType: String?

        /// Creates an alignment.
        public init(targetName: String, targetUrl: String, targetFramework: String? = nil, targetCode: String? = nil,
                    targetType: String? = nil) {
            self.targetName = targetName
            self.targetUrl = targetUrl
            self.targetFramework = targetFramework
            self.targetCode = targetCode
            self.targetType = targetType
        }
    }

    /// Vita's identifier.
    public var id: String
    /// The achievement's URI in credentials (`urn:uuid:…`), stable for its lifetime.
    public var uri: String
    /// The awarding organization.
    public var organizationId: String
    /// Its name.
    public var name: String
    /// What it stands for.
    public var description: String
    /// How it is earned (Markdown).
    public var criteriaNarrative: String
    /// The Open Badges achievement type (`Course`, `Certificate`, `BachelorDegree`, or `ext:…`).
    public var achievementType: String?
    /// An image URL.
    public var image: String?
    /// Alignments to competencies.
    public var alignments: [Alignment]
    /// When it was defined.
    public var createdAt: Date

    /// Creates an achievement.
    public init(id: String, uri: String, organizationId: String, name: String, description: String,
                criteriaNarrative: String, achievementType: String? = nil, image: String? = nil,
                alignments: [Alignment] = [], createdAt: Date) {
        self.id = id
        self.uri = uri
        self.organizationId = organizationId
        self.name = name
        self.description = description
        self.criteriaNarrative = criteriaNarrative
        self.achievementType = achievementType
        self.image = image
        self.alignments = alignments
        self.createdAt = createdAt
    }

    /// The achievement types Open Badges 3.0 names; others must be extensions (`ext:…`).
    public static let knownTypes: Set<String> = [
        "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree", "Award", "Badge",
        "BachelorDegree", "Certificate", "CertificateOfCompletion", "Certification", "CommunityService", "Competency",
        "Course", "CoCurricular", "Degree", "Diploma", "DoctoralDegree", "Fieldwork", "GeneralEducationDevelopment",
        "JourneymanCertificate", "LearningProgram", "License", "Membership", "ProfessionalDoctorate",
        "QualityAssuranceCredential", "MasterCertificate", "MasterDegree", "MicroCredential", "ResearchDoctorate",
        "SecondarySchoolDiploma",
    ]

    /// Checks the fields a client supplies.
    public func validate() throws(ValidationFailures) {
        var failures = ValidationFailures()
        for (field, value) in [("name", name), ("description", description), ("criteriaNarrative", criteriaNarrative)] {
            failures.require(!value.trimmingCharacters(in: .whitespaces).isEmpty, field, "must not be empty")
            failures.require(value.count <= 10_000, field, "must be at most 10000 characters")
        }
        if let achievementType {
            let isExtension = achievementType.hasPrefix("ext:") && achievementType.count > 4
                && achievementType.dropFirst(4).allSatisfy { $0.isLetter || $0.isNumber || ".-_|".contains($0) }
            failures.require(Self.knownTypes.contains(achievementType) || isExtension, "achievementType",
                             "must be an Open Badges achievement type or an extension ext:…")
        }
        if let image { failures.require(URLCheck.isAbsolute(image), "image", "must be an absolute URI") }
        for (index, alignment) in alignments.enumerated() {
            failures.require(!alignment.targetName.isEmpty, "alignments[\(index)].targetName", "must not be empty")
            failures.require(URLCheck.isAbsolute(alignment.targetUrl), "alignments[\(index)].targetUrl", "must be an absolute URI")
        }
        try failures.throwIfAny()
    }
}
