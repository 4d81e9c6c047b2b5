import VitaCredentials
import VitaJSON

/// Resolves `https` verification methods by dereferencing the URL (Controlled Identifiers
/// §3.3 "Retrieve Verification Method"; Data Integrity §4.4 requires HTTPS URL support).
///
/// * `https://issuer.example/profile#key-1`: the document at `https://issuer.example/profile`
///   (a controller document, or an Open Badges issuer profile with `verificationMethod`) must
///   have that `id`, contain the method, be its controller and list it under a relationship.
/// * `https://issuer.example/keys/1` (no fragment): the document is the method itself; its
///   `controller` document is fetched too (https or did:web) and must list the method.
/// * The 1EdTech convention `https://issuer.example/profile#z6Mk…` (STANDARDS-BRIEF pitfall 20):
///   the fetched document wins — if it lists methods, the method must be among them. Only with
///   ``FragmentKeyFallback/whenUnavailable`` is the key in the fragment used when the document
///   cannot be fetched or lists no methods; that trusts whatever key the URL names (anyone can
///   write such a URL for any issuer), so it is off by default.
public struct HTTPSControllerResolver: VerificationMethodResolver {
    /// Whether a `#z6Mk…` fragment may stand in for a document that does not list the key.
    public enum FragmentKeyFallback: Sendable, Hashable {
        /// Never (default): the key must come from the fetched document.
        case never
        /// When the document cannot be fetched, or is fetched but lists no verification
        /// methods, the fragment's Multikey is used with the URL before `#` as controller.
        case whenUnavailable
    }

    /// The `Accept` header of controller document requests.
    public static let accept = "application/ld+json, application/json;q=0.9, application/did+json;q=0.8"

    /// The HTTP client (policy, cache, offline mode).
    public let client: ResolutionHTTPClient
    /// The 1EdTech fragment-key fallback policy.
    public let fragmentKeyFallback: FragmentKeyFallback

    /// An https resolver over `client`.
    public init(client: ResolutionHTTPClient, fragmentKeyFallback: FragmentKeyFallback = .never) {
        self.client = client
        self.fragmentKeyFallback = fragmentKeyFallback
    }

    public func resolve(_ verificationMethodID: String) async throws(CredentialError) -> VerificationMethod {
        do { return try await method(verificationMethodID) } catch {
            throw error.credentialError(.unresolvableVerificationMethod)
        }
    }

    /// The verification method `verificationMethodID` (an https URL).
    /// - Throws: ``ResolutionError``.
    public func method(_ verificationMethodID: String) async throws(ResolutionError) -> VerificationMethod {
        let parts = verificationMethodID.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let documentURL = String(parts[0])
        let fragment = parts.count == 2 ? String(parts[1]) : nil
        let document: JSONValue
        do {
            document = try await client.fetch(documentURL, accept: Self.accept, purpose: .controllerDocument).json()
        } catch {
            if let method = fragmentKeyMethod(verificationMethodID, controller: documentURL, fragment: fragment) { return method }
            throw error
        }
        if fragment == nil || document["id"]?.stringValue == verificationMethodID, document["controller"] != nil {
            return try await standaloneMethod(document, id: verificationMethodID)
        }
        let controller = try ControllerDocument(document, expectedID: documentURL)
        if !controller.listsVerificationMethods,
           let method = fragmentKeyMethod(verificationMethodID, controller: documentURL, fragment: fragment) {
            return method
        }
        return try controller.method(verificationMethodID)
    }

    /// A method published as a document of its own: its controller's document must list it.
    func standaloneMethod(_ document: JSONValue, id: String) async throws(ResolutionError) -> VerificationMethod {
        guard document["id"]?.stringValue == id else {
            throw ResolutionError(.idMismatch, "the document fetched for \(id) has the id \(document["id"]?.stringValue ?? "(none)")")
        }
        guard let controllerID = document["controller"]?.stringValue else {
            throw ResolutionError(.invalidDocument, "the verification method \(id) has no controller")
        }
        let controller: ControllerDocument
        if controllerID.hasPrefix("did:web:") {
            controller = try await DIDWebResolver(client: client).controllerDocument(controllerID)
        } else {
            let fetched = try await client.fetch(controllerID, accept: Self.accept, purpose: .controllerDocument)
            controller = try ControllerDocument(try fetched.json(), expectedID: controllerID)
        }
        guard controller.references(id) else {
            throw ResolutionError(.notAuthorized, "the controller document \(controllerID) does not list the verification method \(id)")
        }
        return try ControllerDocument.verificationMethod(document, id: id, expectedController: controllerID,
                                                         relationships: controller.relationships(of: id), resolveAgainst: nil)
    }

    /// The 1EdTech convention, when allowed: the fragment is a `publicKeyMultibase`.
    func fragmentKeyMethod(_ id: String, controller: String, fragment: String?) -> VerificationMethod? {
        guard fragmentKeyFallback == .whenUnavailable, let fragment, fragment.hasPrefix("z"),
              let key = try? Multikey(multibase: fragment) else { return nil }
        return VerificationMethod(id: id, type: "Multikey", controller: controller, publicKey: key)
    }
}
