import VitaJSON

/// The outcome of verifying a credential: a verdict, the individual checks, the per-proof
/// results and, for a CLR, one sub-report per nested credential. Failed verification is
/// a report, never a thrown error.
///
/// ```swift
/// let report = await CredentialVerifier().verify(credential)
/// if report.verdict == .invalid {
///     for check in report.failures { print(check) }   // "proof: fail — signature does not match; …"
/// }
/// ```
public struct VerificationReport: Sendable, Hashable, CustomStringConvertible {
    /// The overall result.
    public enum Verdict: String, Sendable, Hashable {
        /// No check failed (warnings and "not checked" items may remain).
        case valid
        /// At least one check failed.
        case invalid
    }

    /// How one check ended.
    public enum Outcome: String, Sendable, Hashable {
        case pass
        case fail
        case warning
        /// Deliberately not checked (unsupported suite, status lists, endorsements, …).
        case notChecked = "not checked"
    }

    /// One named check. Names are stable identifiers: `format`, `context`, `type`,
    /// `schema`, `proof`, `issuer`, `validity`, `status`, `endorsements`, `nested`.
    public struct Check: Sendable, Hashable, CustomStringConvertible {
        /// The check's stable name.
        public var name: String
        /// How it ended.
        public var outcome: Outcome
        /// A precise, human-readable explanation (no key material).
        public var message: String

        /// A check result.
        public init(_ name: String, _ outcome: Outcome, _ message: String) {
            self.name = name
            self.outcome = outcome
            self.message = message
        }

        public var description: String { "\(name): \(outcome.rawValue) — \(message)" }
    }

    /// The credential's `id`, if it has one.
    public var credentialID: String?
    /// `valid` unless a check failed.
    public var verdict: Verdict { checks.contains { $0.outcome == .fail } ? .invalid : .valid }
    /// The checks in the order they ran.
    public var checks: [Check]
    /// The result of each proof (also summarised in `proof` checks).
    public var proofs: [ProofVerification]
    /// Reports of nested credentials (CLR `credentialSubject.verifiableCredential`, a
    /// presentation's `verifiableCredential`).
    public var nested: [VerificationReport]
    /// Reports of the endorsements (`endorsement`, `endorsementJwt`) on the credential, its
    /// achievement(s), the achievements' creators and the issuer profile, in that order.
    public var endorsements: [VerificationReport]

    /// A report (normally built by ``CredentialVerifier``).
    public init(
        credentialID: String? = nil, checks: [Check] = [], proofs: [ProofVerification] = [], nested: [VerificationReport] = [],
        endorsements: [VerificationReport] = []
    ) {
        self.credentialID = credentialID
        self.checks = checks
        self.proofs = proofs
        self.nested = nested
        self.endorsements = endorsements
    }

    /// The report ``json`` describes (without the proofs' details, which it does not carry); nil when `json` is not
    /// such a report. For reports kept and shown later, such as a presentation a wallet answered a request with.
    public init?(json: JSONValue) {
        guard let checks = json["checks"]?.arrayValue else { return nil }
        var parsed: [Check] = []
        for check in checks {
            guard let name = check["name"]?.stringValue, let outcome = check["outcome"]?.stringValue.flatMap(Outcome.init(rawValue:)),
                  let message = check["message"]?.stringValue else { return nil }
            parsed.append(Check(name, outcome, message))
        }
        var nested: [VerificationReport] = []
        for item in json["nested"]?.arrayValue ?? [] {
            guard let report = VerificationReport(json: item) else { return nil }
            nested.append(report)
        }
        var endorsements: [VerificationReport] = []
        for item in json["endorsements"]?.arrayValue ?? [] {
            guard let report = VerificationReport(json: item) else { return nil }
            endorsements.append(report)
        }
        self.init(credentialID: json["credentialId"]?.stringValue, checks: parsed, nested: nested, endorsements: endorsements)
    }

    /// The checks with this name.
    public func checks(named name: String) -> [Check] { checks.filter { $0.name == name } }

    /// The failed checks.
    public var failures: [Check] { checks.filter { $0.outcome == .fail } }

    /// The warnings.
    public var warnings: [Check] { checks.filter { $0.outcome == .warning } }

    /// `true` if every check named `name` passed (and there is at least one).
    public func passed(_ name: String) -> Bool {
        let c = checks(named: name)
        return !c.isEmpty && c.allSatisfy { $0.outcome == .pass }
    }

    /// `true` if some check named `name` failed.
    public func failed(_ name: String) -> Bool { checks(named: name).contains { $0.outcome == .fail } }

    /// A multi-line summary (nested reports indented).
    public var description: String { lines(indent: "").joined(separator: "\n") }

    func lines(indent: String, label: String = "") -> [String] {
        var out = ["\(indent)\(label)\(verdict.rawValue.uppercased()) \(credentialID ?? "(no id)")"]
        out += checks.map { "\(indent)  \($0)" }
        for n in nested { out += n.lines(indent: indent + "    ") }
        for e in endorsements { out += e.lines(indent: indent + "    ", label: "endorsement ") }
        return out
    }

    /// The report as JSON (for APIs and logs).
    public var json: JSONValue {
        var o = JSONObject()
        if let credentialID { o["credentialId"] = .string(credentialID) }
        o["verdict"] = .string(verdict.rawValue)
        o["checks"] = .array(checks.map { ["name": .string($0.name), "outcome": .string($0.outcome.rawValue), "message": .string($0.message)] })
        if !nested.isEmpty { o["nested"] = .array(nested.map(\.json)) }
        if !endorsements.isEmpty { o["endorsements"] = .array(endorsements.map(\.json)) }
        return .object(o)
    }
}
