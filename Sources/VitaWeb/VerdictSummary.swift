import VitaCredentials

/// The one plain-language line the verifier page leads with, chosen from a ``VerificationReport``: the most serious
/// reason a person should not rely on the credential, or that it is genuine.
enum VerdictSummary: String, Sendable, CaseIterable {
    case genuine
    case genuineWithNotes = "genuine_with_notes"
    case statusUnknown = "status_unknown"
    case unreadable
    case tampered
    case uncovered
    case unsigned
    case issuer
    case revoked
    case suspended
    case expired
    case notYetValid = "not_yet_valid"
    case malformed
    case nested
    case invalid

    /// The message id of the line.
    var messageId: String { "verdict.\(rawValue)" }

    /// How the page colours it: `good`, `warn` or `bad`.
    var tone: String {
        switch self {
        case .genuine: "good"
        case .genuineWithNotes, .statusUnknown: "warn"
        default: "bad"
        }
    }

    /// Classifies `report`, most serious first: unreadable input, a signature that does not match (tampering), content
    /// the signature does not cover, a signature that cannot be checked, the wrong signer, revocation, suspension,
    /// the validity period, the format, a nested credential; else genuine (with notes when a check warned).
    init(_ report: VerificationReport) {
        func failed(_ name: String, containing text: String? = nil) -> Bool {
            report.checks(named: name).contains { check in
                check.outcome == .fail && (text.map { check.message.contains($0) } ?? true)
            }
        }
        if report.verdict == .valid {
            if report.checks(named: "status").contains(where: { $0.outcome == .warning }) {
                self = .statusUnknown
            } else {
                self = report.warnings.isEmpty ? .genuine : .genuineWithNotes
            }
        } else if failed("format") {
            self = .unreadable
        } else if report.proofs.contains(where: { $0.outcome == .signatureMismatch }) {
            self = .tampered
        } else if failed("jsonld") {
            self = .uncovered
        } else if failed("proof") {
            self = .unsigned
        } else if failed("issuer") {
            self = .issuer
        } else if failed("status", containing: "revoked") {
            self = .revoked
        } else if failed("status", containing: "suspended") {
            self = .suspended
        } else if failed("validity", containing: "expired") {
            self = .expired
        } else if failed("validity", containing: "not yet valid") {
            self = .notYetValid
        } else if failed("schema") || failed("context") || failed("type") || failed("validity") {
            self = .malformed
        } else if failed("nested") {
            self = .nested
        } else {
            self = .invalid
        }
    }
}

extension VerdictSummary {
    /// What every page that shows a verification reads: the verdict line (`verdict`, `tone`, `headline`), each check
    /// (`caption`, `checks`) and each nested credential's checks (`nested`, `hasNested`).
    static func values(for report: VerificationReport, strings: WebStrings) -> [String: Any] {
        let summary = VerdictSummary(report)
        let nested = report.nested.enumerated().map { index, nested -> [String: Any] in
            let heading = strings.format("nested.item", ["number": String(index + 1),
                                                          "name": nested.credentialID ?? strings["content.unnamed"]])
            return ["heading": heading, "caption": heading, "checks": checkRows(nested, strings: strings)]
        }
        return ["verdict": summary.rawValue, "tone": summary.tone, "headline": strings[summary.messageId],
                "caption": strings["checks.caption"], "checks": checkRows(report, strings: strings),
                "nested": nested, "hasNested": !nested.isEmpty]
    }

    /// One row per check: its name, label, outcome in words and the reason.
    static func checkRows(_ report: VerificationReport, strings: WebStrings) -> [[String: String]] {
        report.checks.map { check in
            let outcomeId = check.outcome == .notChecked ? "not_checked" : check.outcome.rawValue
            return ["name": check.name, "label": strings.table["check.\(check.name)"] ?? check.name,
                    "outcome": strings["outcome.\(outcomeId)"], "outcomeClass": outcomeId.replacingOccurrences(of: "_", with: ""),
                    "message": check.message]
        }
    }
}
