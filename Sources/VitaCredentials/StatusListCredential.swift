import Foundation
import VitaJSON

/// A status list credential (Bitstring Status List v1.0 §2.2
/// "BitstringStatusListCredential"; legacy `StatusList2021Credential` read too): building
/// the unsigned credential an issuer signs with ``DataIntegrity/addProof(to:options:signer:now:jsonLD:)``,
/// and reading one back.
///
/// ```swift
/// var list = try BitstringStatusList()
/// try list.set(94567, true)
/// let unsigned = try StatusListCredential.unsigned(
///     id: "https://vita.example/status/3", issuer: "did:key:z6Mk…",
///     purpose: .revocation, list: list, validFrom: Date())
/// let signed = try DataIntegrity.addProof(to: unsigned, options: options, signer: key)
/// ```
public struct StatusListCredential: Sendable, Hashable {
    /// The credential type of the current spec.
    public static let typeName = "BitstringStatusListCredential"
    /// The credential-subject type of the current spec.
    public static let subjectTypeName = "BitstringStatusList"
    /// Status List 2021 (W3C CCG) names, read for verification only.
    public static let legacyTypeName = "StatusList2021Credential"
    public static let legacySubjectTypeName = "StatusList2021"

    /// The credential's `id` (the URL it is published at), if any.
    public var id: String?
    /// The issuer's id (`issuer` or `issuer.id`).
    public var issuerID: String?
    /// `credentialSubject.statusPurpose` (one or more).
    public var statusPurposes: [StatusPurpose]
    /// `credentialSubject.encodedList`.
    public var encodedList: String
    /// `validFrom` (VC 1.1: `issuanceDate`), if present and parseable.
    public var validFrom: Date?
    /// `validUntil` (VC 1.1: `expirationDate`), if present and parseable.
    public var validUntil: Date?
    /// `credentialSubject.ttl`: milliseconds a verifier may cache the list.
    public var ttl: Int?
    /// `true` for a `StatusList2021Credential`.
    public var isLegacy: Bool

    /// Reads a status list credential (its proof is not verified here).
    /// - Throws: ``CredentialError`` (`malformedStatusList`) if the type, subject type,
    ///   `statusPurpose` or `encodedList` is missing or wrong.
    public init(parsing value: JSONValue) throws(CredentialError) {
        guard case .object(let o) = value else {
            throw CredentialError(.malformedStatusList, "the status list credential is a \(value.kindName), not an object")
        }
        let types = Self.strings(o["type"])
        if types.contains(Self.typeName) {
            isLegacy = false
        } else if types.contains(Self.legacyTypeName) {
            isLegacy = true
        } else {
            throw CredentialError(.malformedStatusList, "the status list credential's type [\(types.joined(separator: ", "))] does not include \(Self.typeName)")
        }
        id = o["id"]?.stringValue
        issuerID = o["issuer"].flatMap { $0.stringValue ?? $0["id"]?.stringValue }
        let subjects = o["credentialSubject"].map { $0.arrayValue ?? [$0] } ?? []
        guard subjects.count == 1, case .object(let subject) = subjects[0] else {
            throw CredentialError(.malformedStatusList, "the status list credential must have one credentialSubject object")
        }
        let subjectTypes = Self.strings(subject["type"])
        let expected = isLegacy ? Self.legacySubjectTypeName : Self.subjectTypeName
        guard subjectTypes.contains(expected) else {
            throw CredentialError(.malformedStatusList, "credentialSubject type [\(subjectTypes.joined(separator: ", "))] is not \(expected)")
        }
        statusPurposes = Self.strings(subject["statusPurpose"]).map(StatusPurpose.init(rawValue:))
        guard !statusPurposes.isEmpty else {
            throw CredentialError(.malformedStatusList, "credentialSubject has no statusPurpose")
        }
        guard let encoded = subject["encodedList"]?.stringValue else {
            throw CredentialError(.malformedStatusList, "credentialSubject has no encodedList string")
        }
        encodedList = encoded
        validFrom = (o["validFrom"] ?? o["issuanceDate"])?.stringValue.flatMap(XSDDateTime.parse)
        validUntil = (o["validUntil"] ?? o["expirationDate"])?.stringValue.flatMap(XSDDateTime.parse)
        ttl = subject["ttl"]?.numberValue?.intValue
    }

    /// Decodes the list (§3.4 "Bitstring Expansion Algorithm").
    /// - Parameters:
    ///   - statusSize: the entry's `statusSize`.
    ///   - maxDecompressedBytes: the GZIP-bomb cap.
    public func list(statusSize: Int = 1,
                     maxDecompressedBytes: Int = BitstringStatusList.defaultMaxDecompressedBytes) throws(CredentialError) -> BitstringStatusList {
        try BitstringStatusList(encodedList: encodedList, statusSize: statusSize,
                                maxDecompressedBytes: maxDecompressedBytes, allowsMissingMultibasePrefix: isLegacy)
    }

    /// §3.1 "Generate Algorithm": the unsigned `BitstringStatusListCredential` for `list`,
    /// ready for ``DataIntegrity/addProof(to:options:signer:now:jsonLD:)``.
    ///
    /// - Parameters:
    ///   - id: the URL the credential is published at (entries' `statusListCredential`).
    ///   - issuer: the issuer id (a string), or an issuer object with an `id`.
    ///   - purpose: one purpose (or several with ``unsigned(id:issuer:purposes:list:validFrom:validUntil:ttl:subjectID:name:)``).
    ///   - validFrom: `validFrom` (seconds precision, UTC).
    ///   - validUntil: optional end of validity (§7.2 "Validity Periods": verifiers reject expired lists).
    ///   - ttl: optional cache lifetime in milliseconds.
    ///   - subjectID: `credentialSubject.id` (default `<id>#list`).
    /// - Throws: ``CredentialError`` if `issuer` has no id or the list cannot be compressed.
    public static func unsigned(
        id: String, issuer: JSONValue, purpose: StatusPurpose, list: BitstringStatusList,
        validFrom: Date, validUntil: Date? = nil, ttl: Int? = nil, subjectID: String? = nil, name: String? = nil
    ) throws(CredentialError) -> JSONValue {
        try unsigned(id: id, issuer: issuer, purposes: [purpose], list: list, validFrom: validFrom,
                     validUntil: validUntil, ttl: ttl, subjectID: subjectID, name: name)
    }

    /// The unsigned credential with several purposes (one bitstring shared by them, §2.2).
    public static func unsigned(
        id: String, issuer: JSONValue, purposes: [StatusPurpose], list: BitstringStatusList,
        validFrom: Date, validUntil: Date? = nil, ttl: Int? = nil, subjectID: String? = nil, name: String? = nil
    ) throws(CredentialError) -> JSONValue {
        guard issuer.stringValue != nil || issuer["id"]?.stringValue != nil else {
            throw CredentialError(.malformedStatusList, "the issuer must be an id string or an object with an id")
        }
        guard !purposes.isEmpty else { throw CredentialError(.malformedStatusList, "a status list needs a statusPurpose") }
        if let validUntil, validUntil < validFrom {
            throw CredentialError(.malformedStatusList, "validUntil is before validFrom")
        }
        var subject = JSONObject()
        subject["id"] = .string(subjectID ?? "\(id)#list")
        subject["type"] = .string(subjectTypeName)
        subject["statusPurpose"] = purposes.count == 1 ? .string(purposes[0].rawValue) : .array(purposes.map { .string($0.rawValue) })
        subject["encodedList"] = .string(try list.encodedList())
        if let ttl { subject["ttl"] = .number(JSONNumber(ttl)) }
        var o = JSONObject()
        o["@context"] = [.string(CredentialVerifier.vc2Context)]
        o["id"] = .string(id)
        o["type"] = ["VerifiableCredential", .string(typeName)]
        o["issuer"] = issuer
        if let name { o["name"] = .string(name) }
        o["validFrom"] = .string(XSDDateTime.format(validFrom))
        if let validUntil { o["validUntil"] = .string(XSDDateTime.format(validUntil)) }
        o["credentialSubject"] = .object(subject)
        return .object(o)
    }

    static func strings(_ value: JSONValue?) -> [String] {
        guard let value else { return [] }
        return (value.arrayValue ?? [value]).compactMap(\.stringValue)
    }
}
