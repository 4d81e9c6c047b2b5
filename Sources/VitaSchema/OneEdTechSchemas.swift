import Foundation
import VitaJSON

/// The 1EdTech JSON Schemas bundled with VitaSchema (Open Badges 3.0 and CLR 2.0, draft
/// 2019-09, the "JSON-LD adaptation" variants published at purl.imsglobal.org; CASE 1.1's package schema).
public enum OneEdTechSchema: String, CaseIterable, Sendable, Hashable {
    case achievementCredential = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
    case endorsementCredential = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
    case profile = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_profile_schema.json"
    case getOpenBadgeCredentialsResponse = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_getopenbadgecredentialsresponse_schema.json"
    case imsxStatusInfo = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_imsx_statusinfo_schema.json"
    case clrCredential = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
    case clrAchievementCredential = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_achievementcredential_schema.json"
    case clrEndorsementCredential = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_endorsementcredential_schema.json"
    case clrProfile = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_profile_schema.json"
    case getClrCredentialsResponse = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_getclrcredentialsresponse_schema.json"
    case clrImsxStatusInfo = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_imsx_statusinfo_schema.json"
    /// CASE 1.1's `CFPackage`: a competency framework package (read by VitaCASE).
    case casePackage = "https://purl.imsglobal.org/spec/case/v1p1/schema/json/case_v1p1_cfpackage-jsonschema1.json"

    /// The schema's `$id`.
    public var uri: String { rawValue }

    /// The schema for a `$id` / `credentialSchema.id`, if bundled.
    public init?(uri: String) {
        self.init(rawValue: URIReference.resourceKey(uri))
    }
}

/// Which bundled schemas apply to a credential, and which `credentialSchema` entries
/// could not be matched to a bundled schema.
public struct CredentialSchemaSelection: Sendable, Hashable {
    /// Schemas to validate against, most specific first (never empty).
    public var schemas: [OneEdTechSchema]
    /// `credentialSchema[].id` values of type `1EdTechJsonSchemaValidator2019` that are not
    /// bundled (Vita never downloads schemas; callers may report these as warnings).
    public var unresolvedCredentialSchemas: [String]
}

/// Compiled 1EdTech schemas, compiled on first use and cached; thread-safe.
///
/// ```swift
/// let result = try OneEdTechSchemas.shared.validate(credential: credentialJSON)
/// for error in result.errors { print(error) }  // "/credentialSubject/achievement: required property 'criteria' is missing"
/// ```
public final class OneEdTechSchemas: @unchecked Sendable {
    /// The process-wide cache.
    public static let shared = OneEdTechSchemas()

    private let lock = NSLock()
    private var compiled: [OneEdTechSchema: JSONSchema] = [:]
    private let registry: SchemaRegistry

    /// A cache over `registry` (default: ``SchemaRegistry/standard``).
    public init(registry: SchemaRegistry = .standard) {
        self.registry = registry
    }

    /// The compiled schema.
    public func schema(_ which: OneEdTechSchema) throws(SchemaError) -> JSONSchema {
        lock.lock()
        if let s = compiled[which] { lock.unlock(); return s }
        lock.unlock()
        let s = try JSONSchema(uri: which.uri, registry: registry)
        lock.lock()
        compiled[which] = s
        lock.unlock()
        return s
    }

    /// Chooses schemas for a credential (OB 3.0 §"Verification" step "validate against the
    /// JSON Schema", CLR 2.0 likewise):
    ///
    /// 1. by `type`: `ClrCredential` → CLR ClrCredential; `EndorsementCredential` → OB
    ///    EndorsementCredential; `AchievementCredential` / `OpenBadgeCredential` → OB
    ///    AchievementCredential;
    /// 2. plus every `credentialSchema` entry whose `id` is a bundled schema.
    ///
    /// - Throws: ``SchemaError/Code/unknownSchema`` if neither names a bundled schema.
    public func selection(for credential: JSONValue) throws(SchemaError) -> CredentialSchemaSelection {
        var schemas: [OneEdTechSchema] = []
        let types: [String]
        switch credential["type"] {
        case .string(let t)?: types = [t]
        case .array(let a)?: types = a.compactMap(\.stringValue)
        default: types = []
        }
        if types.contains("ClrCredential") {
            schemas.append(.clrCredential)
        } else if types.contains("EndorsementCredential") {
            schemas.append(.endorsementCredential)
        } else if types.contains("AchievementCredential") || types.contains("OpenBadgeCredential") {
            schemas.append(.achievementCredential)
        }
        var unresolved: [String] = []
        let entries: [JSONValue]
        switch credential["credentialSchema"] {
        case .array(let a)?: entries = a
        case .object(let o)?: entries = [.object(o)]
        default: entries = []
        }
        for entry in entries {
            guard let id = entry["id"]?.stringValue else { continue }
            if let known = OneEdTechSchema(uri: id) {
                if !schemas.contains(known) { schemas.append(known) }
            } else if entry["type"]?.stringValue == "1EdTechJsonSchemaValidator2019" {
                unresolved.append(id)
            }
        }
        guard !schemas.isEmpty else {
            throw SchemaError(.unknownSchema, "the credential's type and credentialSchema name no bundled 1EdTech schema")
        }
        return CredentialSchemaSelection(schemas: schemas, unresolvedCredentialSchemas: unresolved)
    }

    /// Validates a credential against every schema ``selection(for:)`` picks; the
    /// errors of all of them are combined (duplicates removed).
    public func validate(credential: JSONValue, options: ValidationOptions = .default) throws(SchemaError) -> ValidationResult {
        let selection = try selection(for: credential)
        var combined = ValidationResult(isValid: true, errors: [])
        var seen = Set<String>()
        for which in selection.schemas {
            let result = try schema(which).validate(credential, options: options)
            combined.isValid = combined.isValid && result.isValid
            combined.limitExceeded = combined.limitExceeded || result.limitExceeded
            for e in result.errors where seen.insert(e.instanceLocation + "|" + e.keyword + "|" + e.message).inserted {
                combined.errors.append(e)
            }
        }
        return combined
    }
}
