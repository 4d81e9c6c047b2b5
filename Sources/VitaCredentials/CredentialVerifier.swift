import Foundation
import VitaJSON
import VitaJSONLD
import VitaSchema

/// Verifies Open Badges 3.0 / CLR 2.0 (and plain W3C) verifiable credentials secured
/// with Data Integrity proofs, producing a ``VerificationReport``.
///
/// Checks, in order (OB 3.0 §"Verification and Validation", VC DM 2.0 §7):
/// 1. `format` — a JSON object;
/// 2. `context` — the first `@context` is the VC 2.0 base context (VC 1.1 is a warning),
///    every context URL is known to the document loader (Vita never fetches contexts), a
///    superseded OB/CLR context version is a warning;
/// 3. `type` — includes `VerifiableCredential`, and an OB/CLR credential type when an
///    OB/CLR context is used;
/// 4. `schema` — the 1EdTech JSON Schema for the type (``OneEdTechSchemas``);
/// 5. `proof` — one check per proof: suite known, method resolvable, signature matches;
///    `jsonld` — JSON-LD safe mode: data the canonical form drops (undefined terms,
///    relative IRIs, …) fails next to a verified RDF-canonicalized proof, which does not
///    cover it (``DroppedDataPolicy``), and warns otherwise;
/// 6. `issuer` — a verified proof's verification method is controlled by the issuer;
/// 7. `validity` — `validFrom`/`validUntil` (VC 1.1: `issuanceDate`/`expirationDate`)
///    against the clock;
/// 8. `status` — with a ``statusResolver``, every `credentialStatus` entry
///    (`BitstringStatusListEntry`, legacy `StatusList2021Entry`, `1EdTechRevocationList`)
///    by Bitstring Status List v1.0 §3.2 "Validate Algorithm" (see `StatusCheck.swift`);
///    no `credentialStatus` passes; without a resolver, "not checked";
///    `endorsements` — every `endorsement` / `endorsementJwt` on the credential, its
///    achievement, the achievement's creator and the issuer verified as an
///    EndorsementCredential of the object it is attached to, each with a sub-report in
///    ``VerificationReport/endorsements`` (a failure warns by default: ``EndorsementPolicy``);
/// 9. `nested` — for a CLR, every `credentialSubject.verifiableCredential[]` verified
///    recursively, each with its own sub-report.
public struct CredentialVerifier: Sendable {
    /// How a mismatch between issuer and verification-method controller is reported.
    public enum IssuerBinding: Sendable, Hashable {
        /// A failed check (default; VC DM 2.0 expects the issuer to control the key).
        case required
        /// A warning only.
        case warnOnly
    }

    /// Resolves verification methods (default: did:key only, offline).
    public var resolver: any VerificationMethodResolver
    /// The clock for validity periods and proof expiry.
    public var clock: @Sendable () -> Date
    /// Issuer/controller binding policy.
    public var issuerBinding: IssuerBinding
    /// Whether to run the 1EdTech JSON Schema check.
    public var validatesSchema: Bool
    /// JSON-LD options (document loader: bundled contexts only by default).
    public var jsonLD: JSONLDOptions
    /// The schema cache.
    public var schemas: OneEdTechSchemas
    /// How deep nested credentials are followed.
    public var maxNestingDepth: Int
    /// Fetches status lists for the `status` check; `nil` (default) reports
    /// `credentialStatus` as "not checked".
    public var statusResolver: (any StatusListResolver)?
    /// Status-check policy (unresolvable lists warn by default; same issuer required).
    public var statusOptions: StatusCheckOptions
    /// How the `jsonld` check reports data that a verified RDF-canonicalized proof does not
    /// cover because JSON-LD drops it (default: a failure; see ``DroppedDataPolicy``).
    public var droppedData: DroppedDataPolicy
    /// How a failed endorsement is reported (default: a warning; see ``EndorsementPolicy``).
    public var endorsementPolicy: EndorsementPolicy

    /// How data that JSON-LD processing drops (JSON-LD safe mode, ``SafeModeViolation``) is
    /// reported when a verified eddsa-rdfc-2022 / Ed25519Signature2020 proof would
    /// otherwise make the credential "valid": that data is not covered by the signature,
    /// so anyone could have changed or added it.
    public enum DroppedDataPolicy: Sendable, Hashable {
        /// A failed `jsonld` check (default).
        case fail
        /// A `jsonld` warning only.
        case warn
    }

    /// A verifier; every parameter has an offline, production-safe default.
    public init(
        resolver: any VerificationMethodResolver = DIDKeyResolver(), clock: @escaping @Sendable () -> Date = { Date() },
        issuerBinding: IssuerBinding = .required, validatesSchema: Bool = true, jsonLD: JSONLDOptions = JSONLDOptions(),
        schemas: OneEdTechSchemas = .shared, maxNestingDepth: Int = 4,
        statusResolver: (any StatusListResolver)? = nil, statusOptions: StatusCheckOptions = StatusCheckOptions(),
        droppedData: DroppedDataPolicy = .fail, endorsementPolicy: EndorsementPolicy = .warn
    ) {
        self.resolver = resolver
        self.clock = clock
        self.issuerBinding = issuerBinding
        self.validatesSchema = validatesSchema
        self.jsonLD = jsonLD
        self.schemas = schemas
        self.maxNestingDepth = maxNestingDepth
        self.statusResolver = statusResolver
        self.statusOptions = statusOptions
        self.droppedData = droppedData
        self.endorsementPolicy = endorsementPolicy
    }

    static let vc2Context = "https://www.w3.org/ns/credentials/v2"
    static let vc1Context = "https://www.w3.org/2018/credentials/v1"
    static let credentialTypes = ["OpenBadgeCredential", "AchievementCredential", "EndorsementCredential", "ClrCredential"]
    /// The newest bundled OB / CLR context versions.
    static let currentContexts = [
        "https://purl.imsglobal.org/spec/ob/v3p0/context-": "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-": "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    ]

    /// Verifies a credential. Never throws.
    public func verify(_ credential: JSONValue) async -> VerificationReport {
        await verify(credential, depth: 0)
    }

    func verify(_ credential: JSONValue, depth: Int) async -> VerificationReport {
        var report = VerificationReport(credentialID: credential["id"]?.stringValue)
        func add(_ name: String, _ outcome: VerificationReport.Outcome, _ message: String) {
            report.checks.append(.init(name, outcome, message))
        }
        let now = clock()

        // 1. format
        guard case .object(let object) = credential else {
            add("format", .fail, "the credential is not a JSON object (found \(credential.kindName))")
            return report
        }
        add("format", .pass, "JSON object")

        // 2. context
        let (contextCheck, contextURLs) = self.contextCheck(object)
        let isV1 = contextURLs.first == Self.vc1Context
        report.checks.append(contextCheck)

        // 3. type
        let types: [String] = object["type"].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? []
        let usesOneEdTech = contextURLs.contains { $0.hasPrefix("https://purl.imsglobal.org/spec/") }
        let credentialType = Self.credentialTypes.first { types.contains($0) }
        if !types.contains("VerifiableCredential") {
            add("type", .fail, "type does not include VerifiableCredential")
        } else if usesOneEdTech, credentialType == nil {
            add("type", .fail, "type [\(types.joined(separator: ", "))] includes none of \(Self.credentialTypes.joined(separator: ", ")) although a 1EdTech context is used")
        } else if let credentialType, case let problems = ClassTypes.problems(in: credential, credentialType: credentialType),
                  !problems.isEmpty {
            let more = problems.count > 3 ? " (and \(problems.count - 3) more)" : ""
            add("type", .fail, problems.prefix(3).joined(separator: "; ") + more)
        } else {
            add("type", .pass, "[\(types.joined(separator: ", "))]")
        }

        // 4. schema
        if validatesSchema {
            if credentialType == nil {
                add("schema", .notChecked, "no 1EdTech JSON Schema applies to type [\(types.joined(separator: ", "))]")
            } else {
                do {
                    let result = try schemas.validate(credential: credential)
                    if result.isValid {
                        add("schema", .pass, "valid against the 1EdTech JSON Schema for \(credentialType!)")
                    } else {
                        let shown = result.errors.prefix(3).map { "\($0.instanceLocation.isEmpty ? "/" : $0.instanceLocation): \($0.message)" }
                        let more = result.errors.count > 3 ? " (and \(result.errors.count - 3) more)" : ""
                        add("schema", .fail, shown.joined(separator: "; ") + more)
                    }
                } catch {
                    add("schema", .notChecked, "schema validation could not run: \(error)")
                }
            }
        }

        // 5. proof
        let expectations = ProofExpectations(now: now)
        let proofs = await DataIntegrity.verifyProofs(of: credential, resolver: resolver, expectations: expectations, jsonLD: jsonLD)
        report.proofs = proofs
        if proofs.isEmpty {
            add("proof", .fail, "the credential has no proof")
        }
        for p in proofs {
            let label = proofs.count > 1 ? "proof[\(p.index)] " : ""
            let suite = p.cryptosuite.map { "\(p.type ?? "?")/\($0)" } ?? (p.type ?? "untyped proof")
            switch p.outcome {
            case .verified: add("proof", .pass, "\(label)\(suite): \(p.reason)")
            case .unsupported: add("proof", .notChecked, "\(label)\(suite): \(p.reason)")
            case .unresolvable, .invalid, .signatureMismatch: add("proof", .fail, "\(label)\(p.reason)")
            }
        }
        if !proofs.isEmpty, proofs.allSatisfy({ $0.outcome == .unsupported }) {
            add("proof", .fail, "no proof uses a supported proof type or cryptosuite")
        }

        // 5b. jsonld: data the canonical form (and so an RDF-based signature) does not contain.
        if let check = droppedDataCheck(credential, proofs: proofs) { report.checks.append(check) }

        // 6. issuer
        let issuerID: String? = object["issuer"].flatMap { $0.stringValue ?? $0["id"]?.stringValue }
        if let issuerID {
            let verified = proofs.filter(\.isVerified).compactMap(\.verificationMethod)
            if verified.isEmpty {
                add("issuer", .notChecked, "no verified proof to bind the issuer \(issuerID) to")
            } else if let bound = verified.first(where: { $0.controller == issuerID }) {
                add("issuer", .pass, "verification method \(bound.id) is controlled by the issuer \(issuerID)")
            } else {
                let m = verified[0]
                add("issuer", issuerBinding == .required ? .fail : .warning,
                    "verification method \(m.id) is controlled by \(m.controller), not by the issuer \(issuerID)")
            }
        } else {
            add("issuer", .fail, "the credential has no issuer (or the issuer has no id)")
        }

        // 7. validity
        report.checks.append(validityCheck(object, isV1: isV1, now: now))

        // 8. status (Bitstring Status List v1.0 §3.2; StatusCheck.swift), endorsements
        report.checks += await statusChecks(credential, issuerID: issuerID)
        let (endorsementChecks, endorsementReports) = await endorsementChecks(object, depth: depth)
        report.checks += endorsementChecks
        report.endorsements = endorsementReports

        // 9. nested credentials (CLR)
        if let nested = object["credentialSubject"]?["verifiableCredential"] {
            let items = nested.arrayValue ?? [nested]
            if depth >= maxNestingDepth {
                add("nested", .fail, "nested credentials deeper than \(maxNestingDepth) levels are not verified")
            } else {
                var failed: [String] = []
                var skipped = 0
                for (i, item) in items.enumerated() {
                    if item.stringValue != nil {
                        skipped += 1  // a VC-JWT: not this module's job
                        report.nested.append(VerificationReport(credentialID: nil, checks: [
                            .init("format", .notChecked, "nested credential \(i) is a VC-JWT; VC-JWT verification is not part of this module")
                        ]))
                        continue
                    }
                    let sub = await verify(item, depth: depth + 1)
                    if sub.verdict == .invalid { failed.append(sub.credentialID ?? "#\(i)") }
                    report.nested.append(sub)
                }
                if !failed.isEmpty {
                    add("nested", .fail, "\(failed.count) of \(items.count) nested credentials failed verification: \(failed.joined(separator: ", "))")
                } else if skipped > 0 {
                    add("nested", .notChecked, "\(items.count - skipped) nested credentials verified; \(skipped) VC-JWTs not checked")
                } else {
                    add("nested", .pass, "all \(items.count) nested credentials verified")
                }
            }
        }
        return report
    }

    /// The `jsonld` check: JSON-LD safe mode (``SafeModeViolation``) over what the proofs
    /// sign — the document without `proof`, and the proof configuration (proof without
    /// `proofValue`, with the document's `@context`) of each verified RDF-canonicalized proof.
    /// Proofs that did not verify are not looked into (the `proof` check reports them).
    ///
    /// - nothing dropped: pass;
    /// - dropped data and a verified RDF-canonicalized proof (eddsa-rdfc-2022, eddsa-2022,
    ///   ecdsa-rdfc-2019, ecdsa-sd-2023, Ed25519Signature2020): the signature does not cover
    ///   that data — fail (or warn under ``DroppedDataPolicy/warn``);
    /// - dropped data and only byte-level signatures (eddsa-jcs-2022, ecdsa-jcs-2019, VC-JWT) or none:
    ///   a warning — the bytes are signed, but the entries mean nothing as linked data;
    /// - the document cannot be expanded: not checked (`context` or `proof` says why).
    func droppedDataCheck(_ document: JSONValue, proofs: [ProofVerification]) -> VerificationReport.Check? {
        guard case .object(var unsecured) = document else { return nil }
        let proofValues = DataIntegrity.proofs(of: document)
        unsecured.removeValue(forKey: "proof")
        let rdfSuites: Set<String> = [Cryptosuite.eddsaRdfc2022.rawValue, Cryptosuite.eddsa2022Legacy.rawValue,
                                      ECDSACryptosuite.rdfc2019, ECDSASDCryptosuite.name]
        let rdfSigned = proofs.filter {
            $0.isVerified && ($0.cryptosuite.map(rdfSuites.contains) ?? false || $0.type == Ed25519Signature2020.proofType)
        }
        var violations: [SafeModeViolation]
        do {
            violations = try JSONLD.safeModeViolations(in: .object(unsecured), options: jsonLD)
            for proof in rdfSigned where proof.index < proofValues.count {
                guard case .object(var config) = proofValues[proof.index] else { continue }
                config.removeValue(forKey: "proofValue")
                if let context = unsecured["@context"] { config["@context"] = context }
                let prefix = proofValues.count > 1 || document["proof"]?.arrayValue != nil ? "$.proof[\(proof.index)]" : "$.proof"
                violations += try JSONLD.safeModeViolations(in: .object(config), options: jsonLD).map {
                    SafeModeViolation(kind: $0.kind, path: prefix + $0.path.dropFirst(), reason: $0.reason)
                }
            }
        } catch {
            return .init("jsonld", .notChecked, "JSON-LD processing failed (\(error.code)), so dropped data cannot be checked")
        }
        if violations.isEmpty { return .init("jsonld", .pass, "no term, IRI or value is dropped by JSON-LD processing") }
        let shown = violations.prefix(3).map(\.description).joined(separator: "; ")
        let more = violations.count > 3 ? " (and \(violations.count - 3) more)" : ""
        let list = "\(shown)\(more)"
        if let proof = rdfSigned.first {
            let suite = proof.cryptosuite ?? proof.type ?? "RDF"
            return .init("jsonld", droppedData == .fail ? .fail : .warning,
                         "\(violations.count) part(s) are not covered by the \(suite) signature, because JSON-LD drops them from the canonical form: \(list)")
        }
        if proofs.contains(where: \.isVerified) {
            return .init("jsonld", .warning,
                         "the signature covers the JSON bytes, but \(violations.count) part(s) mean nothing as JSON-LD (dropped from the RDF): \(list)")
        }
        return .init("jsonld", .warning, "\(violations.count) part(s) would be dropped by JSON-LD processing: \(list)")
    }

    /// The `context` check: the VC 2.0 base context first (VC 1.1 warns), every context URL
    /// known to the document loader, superseded OB/CLR context versions warn. Also returns
    /// the context URLs.
    func contextCheck(_ object: JSONObject, noun: String = "credential") -> (VerificationReport.Check, [String]) {
        let contexts: [JSONValue] = object["@context"].map { $0.arrayValue ?? [$0] } ?? []
        let contextURLs = contexts.compactMap(\.stringValue)
        var contextProblems: [String] = []
        var contextWarnings: [String] = []
        if contexts.isEmpty {
            contextProblems.append("the \(noun) has no @context")
        } else if contextURLs.first == Self.vc2Context {
            // VC 2.0: current.
        } else if contextURLs.first == Self.vc1Context {
            contextWarnings.append("VC Data Model 1.1 base context \(Self.vc1Context); VC Data Model 2.0 (\(Self.vc2Context)) is current")
        } else {
            contextProblems.append("the first @context must be \(Self.vc2Context) (or VC 1.1 \(Self.vc1Context)), found \(contexts[0].stringValue ?? "an embedded context")")
        }
        for url in contextURLs {
            do { _ = try jsonLD.documentLoader.loadDocument(url) } catch {
                contextProblems.append("context \(url) is not available offline (\(error.code))")
            }
            for (prefix, current) in Self.currentContexts where url.hasPrefix(prefix) && url != current {
                contextWarnings.append("\(url) is superseded by \(current)")
            }
        }
        if !contextProblems.isEmpty { return (.init("context", .fail, contextProblems.joined(separator: "; ")), contextURLs) }
        if !contextWarnings.isEmpty { return (.init("context", .warning, contextWarnings.joined(separator: "; ")), contextURLs) }
        return (.init("context", .pass, "VC 2.0 base context first; all contexts known"), contextURLs)
    }

    func validityCheck(_ object: JSONObject, isV1: Bool, now: Date) -> VerificationReport.Check {
        let fromKey = object["validFrom"] != nil || !isV1 ? "validFrom" : "issuanceDate"
        let untilKey = object["validUntil"] != nil || !isV1 ? "validUntil" : "expirationDate"
        func date(_ key: String) -> (String, Date?)? {
            guard let v = object[key] else { return nil }
            guard let s = v.stringValue else { return ("", nil) }
            return (s, XSDDateTime.parse(s))
        }
        let nowText = XSDDateTime.format(now)
        var from: Date?
        if let (text, d) = date(fromKey) {
            guard let d else { return .init("validity", .fail, "\(fromKey) is not an XML Schema dateTime") }
            if d > now { return .init("validity", .fail, "not yet valid: \(fromKey) \(text) is after \(nowText)") }
            from = d
        } else if isV1 {
            return .init("validity", .fail, "VC 1.1 credentials require issuanceDate")
        }
        if let (text, d) = date(untilKey) {
            guard let d else { return .init("validity", .fail, "\(untilKey) is not an XML Schema dateTime") }
            if let from, d < from { return .init("validity", .fail, "\(untilKey) \(text) is before \(fromKey)") }
            if d <= now { return .init("validity", .fail, "expired: \(untilKey) \(text) is not after \(nowText)") }
            return .init("validity", .pass, "valid at \(nowText) (until \(text))")
        }
        return .init("validity", .pass, from == nil ? "no validity period stated" : "valid at \(nowText) (no end)")
    }
}
