import VitaJSON
import VitaJSONLD

extension CredentialVerifier {
    /// The IRIs of a credential's `type` after JSON-LD expansion (JSON-LD 1.1 API §4.1 "Expansion Algorithm", with
    /// this verifier's document loader: bundled contexts only), so that `OpenBadgeCredential` and its alias
    /// `AchievementCredential` are the same type, and a type that no context defines stays as written — what
    /// OpenID4VP 1.0 §B.1.1 `type_values` are matched against.
    ///
    /// `item` is a credential as it appears in a presentation: a JSON object, a compact VC-JWT (VC DM 2.0 payload, or
    /// VC DM 1.1's `vc` claim), or an `EnvelopedVerifiableCredential` carrying one. `nil` when the types cannot be
    /// read (not a credential, or its contexts do not expand); the proof is not checked here.
    public func expandedTypes(of item: JSONValue) -> Set<String>? {
        guard var credential = Self.unwrappedCredential(item), case .object(var object) = credential else { return nil }
        object["proof"] = nil
        credential = .object(object)
        // Expansion gives an array of node objects; the credential is the one node.
        guard let expanded = try? JSONLD.expand(credential, options: jsonLD), let node = expanded.arrayValue?.first else { return nil }
        let types = node["@type"].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? []
        return Set(types)
    }

    /// The credential object inside `item`: itself, or a VC-JWT's payload (plain, or enveloped in a `data:` URL).
    static func unwrappedCredential(_ item: JSONValue) -> JSONValue? {
        var jwt: String?
        switch item {
        case .string(let text):
            jwt = text
        case .object:
            let types = item["type"].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? []
            guard types.contains("EnvelopedVerifiableCredential") else { return item }
            if let id = item["id"]?.stringValue, case .success(let (_, content)) = decodeDataURL(id) { jwt = content }
        default:
            return nil
        }
        guard let jwt, let jws = try? CompactJWS(parsing: jwt) else { return nil }
        if case .object? = jws.payload["vc"] { return jws.payload["vc"] }
        return jws.payload
    }
}
