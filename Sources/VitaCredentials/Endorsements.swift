import Foundation
import VitaJSON

/// Builds Open Badges 3.0 `EndorsementCredential`s (OB 3.0 §"EndorsementCredential"), ready to sign:
/// a third party's statement about a credential, an achievement, or a profile (issuer,
/// achievement creator), attached to that object as `endorsement` (or `endorsementJwt`).
///
/// ```swift
/// let unsigned = EndorsementIssuance.credential(
///     id: "urn:uuid:…", endorsedID: achievement.id, issuer: .init(id: endorserDID, name: "Guild"),
///     name: "Guild endorsement", comment: "Meets the guild's standard", validFrom: Date())
/// let signed = try DataIntegrity.addProof(to: unsigned, options: options, signer: key)
/// ```
public enum EndorsementIssuance {
    /// The 1EdTech JSON Schema of EndorsementCredential.
    public static let schema = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"

    /// The unsigned EndorsementCredential: the VC 2.0, OB 3.0.3 and OB extensions contexts
    /// (the extensions context defines `1EdTechJsonSchemaValidator2019`, which would otherwise
    /// be dropped from the signed data), types `[VerifiableCredential, EndorsementCredential]`,
    /// the endorser as a `Profile` issuer, and `credentialSubject`
    /// `{id: endorsedID, type: [EndorsementSubject], endorsementComment?}`.
    /// - Parameters:
    ///   - endorsedID: the id of the endorsed credential, achievement or profile: the
    ///     verifier checks it equals the id of the object the endorsement is attached to.
    ///   - validFrom, validUntil: written as XML Schema dateTimes in UTC, to the second.
    public static func credential(
        id: String, endorsedID: String, issuer: OpenBadgeIssuance.Issuer, name: String, comment: String? = nil,
        description: String? = nil, validFrom: Date, validUntil: Date? = nil
    ) -> JSONValue {
        var subject = JSONObject()
        subject["id"] = .string(endorsedID)
        subject["type"] = ["EndorsementSubject"]
        if let comment { subject["endorsementComment"] = .string(comment) }
        var credential = JSONObject()
        credential["@context"] = ["https://www.w3.org/ns/credentials/v2",
                                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                                  "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"]
        credential["id"] = .string(id)
        credential["type"] = ["VerifiableCredential", "EndorsementCredential"]
        credential["name"] = .string(name)
        if let description { credential["description"] = .string(description) }
        credential["issuer"] = .object(issuer.profile)
        credential["validFrom"] = .string(XSDDateTime.format(validFrom))
        if let validUntil { credential["validUntil"] = .string(XSDDateTime.format(validUntil)) }
        credential["credentialSubject"] = .object(subject)
        credential["credentialSchema"] = [["id": .string(schema), "type": "1EdTechJsonSchemaValidator2019"]]
        return .object(credential)
    }

    /// Attaches a signed endorsement (a JSON credential) or a VC-JWT endorsement to
    /// `object` (a credential, achievement or profile), appending to `endorsement` /
    /// `endorsementJwt`. Sign the endorsed credential afterwards: the endorsement is part of it.
    public static func attach(_ endorsement: JSONValue, to object: JSONValue) -> JSONValue {
        guard case .object(var o) = object else { return object }
        let key = endorsement.stringValue == nil ? "endorsement" : "endorsementJwt"
        let existing = o[key].map { $0.arrayValue ?? [$0] } ?? []
        o[key] = .array(existing + [endorsement])
        return .object(o)
    }
}

extension CredentialVerifier {
    /// How the `endorsements` check reports an endorsement that fails verification or
    /// endorses something else than the object it is attached to.
    ///
    /// OB 3.0 §9.1 lists "Verify EndorsementCredentials" as the last step of verifying an
    /// OpenBadgeCredential. An endorsement is a third party's statement about the
    /// credential, its achievement or a profile: when it fails, that third party's support
    /// is not established, but the issuer's own assertion (its proof, dates and status) is
    /// unaffected. The default is therefore a warning, so that a credential carrying an
    /// unverifiable endorsement — like the 1EdTech `complete.json` fixture, whose sample
    /// endorsements use the misspelt cryptosuite `eddsa-rdf-2022`, placeholder keys and the
    /// issuer's id as the subject of every endorsement — keeps the upstream "valid" verdict.
    /// Relying parties that act on endorsements choose `.fail`.
    public enum EndorsementPolicy: Sendable, Hashable {
        /// A failed endorsement is a warning (default).
        case warn
        /// A failed endorsement fails the credential.
        case fail
    }

    /// Where endorsements may be attached (OB 3.0: AchievementCredential, Achievement,
    /// Profile; CLR 2.0: ClrCredential), with the object and its JSON path.
    static func endorsedObjects(_ credential: JSONObject) -> [(path: String, object: JSONObject)] {
        var out: [(String, JSONObject)] = [("$", credential)]
        let subjects = credential["credentialSubject"].map { $0.arrayValue ?? [$0] } ?? []
        for (i, subject) in subjects.enumerated() {
            let base = subjects.count > 1 ? "$.credentialSubject[\(i)]" : "$.credentialSubject"
            guard case .object(let achievement)? = subject["achievement"] else { continue }
            out.append((base + ".achievement", achievement))
            if case .object(let creator)? = achievement["creator"] { out.append((base + ".achievement.creator", creator)) }
        }
        if case .object(let issuer)? = credential["issuer"] { out.append(("$.issuer", issuer)) }
        return out
    }

    /// The `endorsements` check and the endorsements' sub-reports: every embedded
    /// `endorsement` and every `endorsementJwt` on the credential, its achievement(s), the
    /// achievement's creator and the issuer is verified as a credential of its own (same
    /// verifier: proofs, issuer binding, schema, dates, status), must be an
    /// EndorsementCredential, and must endorse the object it is attached to
    /// (`credentialSubject.id` = that object's `id`).
    func endorsementChecks(_ credential: JSONObject, depth: Int) async -> ([VerificationReport.Check], [VerificationReport]) {
        var found: [(path: String, endorsedID: String?, value: JSONValue)] = []
        for (path, object) in Self.endorsedObjects(credential) {
            for key in ["endorsement", "endorsementJwt"] {
                guard let v = object[key] else { continue }
                for (i, item) in (v.arrayValue ?? [v]).enumerated() {
                    found.append(("\(path).\(key)[\(i)]", object["id"]?.stringValue, item))
                }
            }
        }
        guard !found.isEmpty else { return ([], []) }
        if depth >= maxNestingDepth {
            return ([.init("endorsements", .notChecked, "endorsements deeper than \(maxNestingDepth) levels are not verified")], [])
        }
        var reports: [VerificationReport] = []
        var problems: [String] = []
        for (path, endorsedID, value) in found {
            var sub: VerificationReport
            if case .string(let jwt) = value {
                sub = await verify(jwt: jwt)
            } else {
                sub = await verify(value, depth: depth + 1)
            }
            let content: JSONValue = value.stringValue.flatMap { try? CompactJWS(parsing: $0).credential } ?? value
            let types: [String] = content["type"].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? []
            let subjectID = (content["credentialSubject"]?.arrayValue?.first ?? content["credentialSubject"])?["id"]?.stringValue
            if !types.contains("EndorsementCredential") {
                sub.checks.append(.init("endorsement", .fail, "\(path) is not an EndorsementCredential"))
            } else if let endorsedID, subjectID != endorsedID {
                sub.checks.append(.init("endorsement", .fail,
                    "\(path) endorses \(subjectID ?? "nothing (no credentialSubject.id)"), not \(endorsedID), the object it is attached to"))
            } else if endorsedID == nil {
                sub.checks.append(.init("endorsement", .warning, "\(path) is attached to an object without an id, so what it endorses cannot be compared"))
            } else {
                sub.checks.append(.init("endorsement", .pass, "endorses \(endorsedID!), the object it is attached to"))
            }
            if sub.verdict == .invalid {
                let first = sub.failures.first.map { "\($0.name): \($0.message)" } ?? "invalid"
                problems.append("\(path) (\(sub.credentialID ?? "no id")): \(first)")
            }
            reports.append(sub)
        }
        let check: VerificationReport.Check
        if problems.isEmpty {
            check = .init("endorsements", .pass, "all \(found.count) endorsements verified")
        } else {
            let more = problems.count > 3 ? " (and \(problems.count - 3) more)" : ""
            check = .init("endorsements", endorsementPolicy == .fail ? .fail : .warning,
                          "\(problems.count) of \(found.count) endorsements failed: " + problems.prefix(3).joined(separator: "; ") + more)
        }
        return ([check], reports)
    }
}
