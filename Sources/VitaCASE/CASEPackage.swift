import Foundation
import VitaCore
import VitaJSON
import VitaSchema

/// A 1EdTech CASE 1.1 competency framework package (`CFPackage`: one `CFDocument`, its `CFItems` and the
/// `CFAssociations` between them) as Vita reads it to import the items as competencies.
///
/// Reading is lenient where real exports differ from CASE 1.1 and strict where an import could not be right:
/// - the fields an import needs must be there and well formed (the document's `identifier`, `uri` and `title`; each
///   item's `identifier`, `uri` and `fullStatement`; identifiers unique), or the package is refused with every
///   failure named by its path (`CFItems[3].fullStatement`);
/// - everything else the CASE 1.1 package schema (`case_v1p1_cfpackage-jsonschema1.json`, formats asserted) finds is
///   reported as a ``Deviation`` — CASE 1.0 exports (OpenSALT's among them) carry `CFDocumentURI` on items, date-times
///   without a zone and string sequence numbers — so the caller decides whether to accept it (`docs/CASE.md`).
public struct CASEPackage: Sendable, Equatable {
    /// The package's `CFDocument` (schema `CFPckgDocument`).
    public struct Document: Sendable, Equatable {
        public var identifier: String
        public var uri: String
        public var title: String
        public var creator: String?
        public var publisher: String?
        public var version: String?
        public var description: String?
        public var language: String?
        public var adoptionStatus: String?
        public var officialSourceURL: String?
        public var lastChangeDateTime: String?
    }

    /// One `CFItem` (schema `CFPckgItem`).
    public struct Item: Sendable, Equatable {
        public var identifier: String
        public var uri: String
        public var fullStatement: String
        public var abbreviatedStatement: String?
        public var humanCodingScheme: String?
        public var listEnumeration: String?
        public var itemType: String?
        public var lastChangeDateTime: String?
    }

    /// One `isChildOf` association (schema `CFPckgAssociation`): the origin node is a child of the destination node.
    /// The other association types relate items to one another or to other frameworks and do not place an item.
    public struct ChildAssociation: Sendable, Equatable {
        /// The child's identifier (`originNodeURI.identifier`).
        public var child: String
        /// The parent's identifier (`destinationNodeURI.identifier`): an item, or the document itself.
        public var parent: String
        /// `sequenceNumber`: the child's place under this parent (CASE prefers it to the item's `listEnumeration`).
        public var sequenceNumber: Int?
    }

    /// A difference from the CASE 1.1 package schema: where (a JSON Pointer into the package) and what.
    public struct Deviation: Sendable, Equatable {
        public var path: String
        public var reason: String
    }

    /// The most items a package may hold.
    public static let maximumItems = 50_000

    public var document: Document
    /// The items, in the package's order.
    public var items: [Item]
    /// The `isChildOf` associations, in the package's order.
    public var childAssociations: [ChildAssociation]
    /// What the CASE 1.1 schema found, in document order (at most `maximumDeviations` of them).
    public var deviations: [Deviation]
    /// How many deviations the schema found (it stops counting at ``ValidationOptions/maxErrors``).
    public var deviationCount: Int
    /// `sha256:` + hex of the package's JCS canonical form (RFC 8785).
    public var digest: String

    /// The most deviations kept.
    public static let maximumDeviations = 50

    /// Reads a package.
    /// - Throws: ``ValidationFailures`` naming each missing or malformed field an import needs.
    public init(_ value: JSONValue) throws(ValidationFailures) {
        var failures = ValidationFailures()
        guard case .object(let package) = value else {
            // The package as a whole: the caller names where it came from.
            throw ValidationFailures([VitaCoreError(code: .invalidField, reason: "must be a CASE CFPackage object")])
        }
        guard case .object(let document)? = package["CFDocument"] else {
            failures.fail("CFDocument", "is required: the framework's CFDocument object")
            throw failures
        }
        self.document = Document(
            identifier: Self.identifier(document["identifier"], "CFDocument.identifier", &failures),
            uri: Self.uri(document["uri"], "CFDocument.uri", &failures),
            title: Self.text(document["title"], "CFDocument.title", limit: 500, &failures),
            creator: Self.optional(document["creator"]), publisher: Self.optional(document["publisher"]),
            version: Self.optional(document["version"]), description: Self.optional(document["description"]),
            language: Self.optional(document["language"]), adoptionStatus: Self.optional(document["adoptionStatus"]),
            officialSourceURL: Self.optional(document["officialSourceURL"]),
            lastChangeDateTime: Self.optional(document["lastChangeDateTime"]))

        var items: [Item] = []
        let itemValues = Self.array(package["CFItems"], "CFItems", &failures)
        if itemValues.count > Self.maximumItems {
            failures.fail("CFItems", "holds \(itemValues.count) items; at most \(Self.maximumItems) are imported at once")
            throw failures
        }
        var seen: Set<String> = [self.document.identifier]
        for (index, itemValue) in itemValues.enumerated() {
            let path = "CFItems[\(index)]"
            guard case .object(let item) = itemValue else {
                failures.fail(path, "must be a CFItem object")
                continue
            }
            let identifier = Self.identifier(item["identifier"], path + ".identifier", &failures)
            if !identifier.isEmpty, !seen.insert(identifier).inserted {
                failures.fail(path + ".identifier", "is used twice in the package")
            }
            items.append(Item(identifier: identifier, uri: Self.uri(item["uri"], path + ".uri", &failures),
                              fullStatement: Self.text(item["fullStatement"], path + ".fullStatement", limit: 20_000, &failures),
                              abbreviatedStatement: Self.optional(item["abbreviatedStatement"]),
                              humanCodingScheme: Self.optional(item["humanCodingScheme"]),
                              listEnumeration: Self.optional(item["listEnumeration"]),
                              itemType: Self.optional(item["CFItemType"]),
                              lastChangeDateTime: Self.optional(item["lastChangeDateTime"])))
        }
        self.items = items

        var children: [ChildAssociation] = []
        for (index, associationValue) in Self.array(package["CFAssociations"], "CFAssociations", &failures).enumerated() {
            guard case .object(let association) = associationValue else {
                failures.fail("CFAssociations[\(index)]", "must be a CFAssociation object")
                continue
            }
            guard association["associationType"]?.stringValue == "isChildOf",
                  let child = association["originNodeURI"]?["identifier"]?.stringValue,
                  let parent = association["destinationNodeURI"]?["identifier"]?.stringValue else { continue }
            // CASE 1.0 exports write the sequence number as a string.
            let sequence = association["sequenceNumber"].flatMap { $0.numberValue?.intValue ?? $0.stringValue.flatMap { Int($0) } }
            children.append(ChildAssociation(child: child, parent: parent, sequenceNumber: sequence))
        }
        self.childAssociations = children
        try failures.throwIfAny()

        let result = Self.validateAgainstSchema(value)
        deviationCount = result.errors.count
        deviations = result.errors.prefix(Self.maximumDeviations).map {
            Deviation(path: $0.instanceLocation.isEmpty ? "/" : $0.instanceLocation, reason: $0.message)
        }
        digest = ContentDigest.sha256(value.canonicalized())
    }

    /// The package validated against the CASE 1.1 `CFPackage` schema with formats asserted.
    private static func validateAgainstSchema(_ value: JSONValue) -> ValidationResult {
        do {
            let schema = try OneEdTechSchemas.shared.schema(.casePackage)
            return schema.validate(value, options: ValidationOptions(mode: .detailed, assertFormats: true, maxErrors: 1_000))
        } catch {
            // The bundled schema compiles (a test holds it to that); were it not to, every package would deviate.
            return ValidationResult(isValid: false, errors: [ValidationError(
                instanceLocation: "", keywordLocation: "", absoluteKeywordLocation: "", keyword: "$schema",
                message: "the CASE 1.1 package schema could not be compiled (\(error))")])
        }
    }

    private static func array(_ value: JSONValue?, _ path: String, _ failures: inout ValidationFailures) -> [JSONValue] {
        guard let value, !value.isNull else { return [] }
        guard case .array(let elements) = value else {
            failures.fail(path, "must be an array")
            return []
        }
        return elements
    }

    private static func identifier(_ value: JSONValue?, _ path: String, _ failures: inout ValidationFailures) -> String {
        let text = value?.stringValue ?? ""
        failures.require(Self.hasText(text) && Self.fits(text, 200), path,
                         "must be an identifier of 1 to 200 characters (CASE: a UUID)")
        return text
    }

    private static func uri(_ value: JSONValue?, _ path: String, _ failures: inout ValidationFailures) -> String {
        let text = value?.stringValue ?? ""
        failures.require(URLCheck.isAbsolute(text) && Self.fits(text, 2_000), path, "must be an absolute URI")
        return text
    }

    private static func text(_ value: JSONValue?, _ path: String, limit: Int,
                             _ failures: inout ValidationFailures) -> String {
        let text = value?.stringValue ?? ""
        failures.require(Self.hasText(text), path, "must not be empty")
        failures.require(Self.fits(text, limit), path, "must be at most \(limit) characters")
        return text
    }

    /// A string member, or nil when absent, not a string or blank.
    private static func optional(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, hasText(text) else { return nil }
        return text
    }

    // Every item's fields pass through these: scalars and bytes, not Foundation's trimming or a grapheme count.

    /// Whether `text` holds anything but white space.
    static func hasText(_ text: String) -> Bool {
        text.unicodeScalars.contains { !$0.properties.isWhitespace }
    }

    /// Whether `text` has at most `limit` characters (its UTF-8 length bounds its character count from above).
    static func fits(_ text: String, _ limit: Int) -> Bool {
        text.utf8.count <= limit || text.count <= limit
    }
}
