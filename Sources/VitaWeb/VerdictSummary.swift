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
