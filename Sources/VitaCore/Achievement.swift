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

    /// How a result of the achievement is expressed (OB 3.0 `ResultDescription`): a grade, a score, a level.
    public struct ResultDescription: Codable, Sendable, Equatable {
        /// Its name ("Final grade").
        public var name: String
        /// The OB 3.0 `ResultType` (`LetterGrade`, `Percent`, `RawScore`, …, or an extension `ext:…`).
        public var resultType: String
        /// The values a result may take, in order, when the set is closed.
        public var allowedValues: [String]?
        /// The value needed to earn the achievement.
        public var requiredValue: String?
        /// The lowest and highest value of a score.
        public var valueMin: String?
        /// The highest value of a score.
        public var valueMax: String?

        /// Creates a result description.
        public init(name: String, resultType: String, allowedValues: [String]? = nil, requiredValue: String? = nil,
                    valueMin: String? = nil, valueMax: String? = nil) {
            self.name = name
            self.resultType = resultType
            self.allowedValues = allowedValues
            self.requiredValue = requiredValue
            self.valueMin = valueMin
            self.valueMax = valueMax
        }

        /// The result types Open Badges 3.0 names (`ResultType` enumeration).
        public static let knownTypes: Set<String> = [
            "GradePointAverage", "LetterGrade", "Percent", "PerformanceLevel", "PredictedScore", "RawScore", "Result",
            "RubricCriterion", "RubricCriterionLevel", "RubricScore", "ScaledScore", "Status",
        ]
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
    /// How results are expressed.
    public var resultDescriptions: [ResultDescription]
    /// When it was defined.
    public var createdAt: Date

    /// Creates an achievement.
    public init(id: String, uri: String, organizationId: String, name: String, description: String,
                criteriaNarrative: String, achievementType: String? = nil, image: String? = nil,
                alignments: [Alignment] = [], resultDescriptions: [ResultDescription] = [], createdAt: Date) {
        self.id = id
        self.uri = uri
        self.organizationId = organizationId
        self.name = name
        self.description = description
        self.criteriaNarrative = criteriaNarrative
        self.achievementType = achievementType
        self.image = image
        self.alignments = alignments
        self.resultDescriptions = resultDescriptions
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
        for (index, result) in resultDescriptions.enumerated() {
            let field = "resultDescriptions[\(index)]"
            failures.require(!result.name.trimmingCharacters(in: .whitespaces).isEmpty, "\(field).name", "must not be empty")
            let isExtension = result.resultType.hasPrefix("ext:") && result.resultType.count > 4
            failures.require(ResultDescription.knownTypes.contains(result.resultType) || isExtension, "\(field).resultType",
                             "must be an Open Badges result type or an extension ext:…")
            if let required = result.requiredValue, let allowed = result.allowedValues {
                failures.require(allowed.contains(required), "\(field).requiredValue", "must be one of allowedValues")
            }
        }
        try failures.throwIfAny()
    }

    /// Decodes an achievement; definitions stored before result descriptions existed have none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        uri = try container.decode(String.self, forKey: .uri)
        organizationId = try container.decode(String.self, forKey: .organizationId)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decode(String.self, forKey: .description)
        criteriaNarrative = try container.decode(String.self, forKey: .criteriaNarrative)
        achievementType = try container.decodeIfPresent(String.self, forKey: .achievementType)
        image = try container.decodeIfPresent(String.self, forKey: .image)
        alignments = try container.decodeIfPresent([Alignment].self, forKey: .alignments) ?? []
        resultDescriptions = try container.decodeIfPresent([ResultDescription].self, forKey: .resultDescriptions) ?? []
        createdAt = try container.decode(Date.self, forKey: .createdAt)
    }
}
