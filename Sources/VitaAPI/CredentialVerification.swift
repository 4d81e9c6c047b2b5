import VitaCredentials
import VitaJSON

/// The one verification function behind `POST /credentials/verify` and the web verifier page (`VitaWeb`): both ask
/// this for a report, so a page can never judge a credential differently from the API.
///
/// It verifies with this server's verifier: its own `did:web` issuers and status lists from the database, `did:key`
/// offline, other issuers through ``ServerOptions/verificationMethodResolver`` and ``ServerOptions/statusListResolver``.
public struct CredentialVerification: Sendable {
    /// What is submitted for verification.
    public enum Submission: Sendable {
        /// A credential as JSON (secured with a Data Integrity proof).
        case credential(JSONValue)
        /// A compact VC-JWT.
        case jwt(String)
        /// Uploaded bytes: a JSON credential, a compact VC-JWT, or a baked PNG/SVG badge, told apart by their content
        /// (``CredentialVerifier/verify(input:knownKeys:)``).
        case upload([UInt8])
    }

    /// The media types `POST /credentials/verify` also takes as a raw body (verified as ``Submission/upload(_:)``).
    public static let uploadMediaTypes = ["image/png", "image/svg+xml", "application/jwt"]

    let verifier: CredentialVerifier

    /// Verifies `submission`. Never throws: unusable input is a report whose `format` check failed.
    public func verify(_ submission: Submission) async -> VerificationReport {
        switch submission {
        case .credential(let credential): await verifier.verify(credential)
        case .jwt(let jwt): await verifier.verify(jwt: jwt)
        case .upload(let bytes): await verifier.verify(input: bytes)
        }
    }
}
