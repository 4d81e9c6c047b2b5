import Foundation
import Testing
import VitaCredentials
import VitaJSON
@testable import VitaWalletProtocols

@Suite("OpenID4VP: the Authorization Request Vita sends and the Authorization Response it reads")
struct PresentationAuthorizationRequestTests {
    static let request = PresentationAuthorizationRequest(responseURI: "https://vita.example/oid4vp/response",
                                                          credentialType: "OpenBadgeCredential", nonce: "n-0S6_WzA2Mj",
                                                          state: "vxp_state-1")

    /// The query string of `uri` as the wallet's form decoder reads it.
    static func parameters(of uri: String) throws -> [String: String] {
        let components = try #require(URLComponents(string: uri))
        return Dictionary(uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
    }

    @Test func requestIsUnsignedByValueWithTheRedirectURIPrefixAndDirectPost() throws {
        let uri = Self.request.uri
        #expect(uri.hasPrefix("openid4vp://?"))
        let parameters = try Self.parameters(of: uri)
        #expect(parameters["client_id"] == "redirect_uri:https://vita.example/oid4vp/response")
        #expect(parameters["response_uri"] == "https://vita.example/oid4vp/response")
        #expect(parameters["response_type"] == "vp_token")
        #expect(parameters["response_mode"] == "direct_post")
        #expect(parameters["nonce"] == "n-0S6_WzA2Mj")
        #expect(parameters["state"] == "vxp_state-1")
        // §5.9.3: a redirect_uri-prefixed request carries no redirect_uri beside response_uri (§8.2), and no request object.
        #expect(parameters["redirect_uri"] == nil && parameters["request"] == nil && parameters["request_uri"] == nil)
        let query = try JSONValue(parsing: Array(try #require(parameters["dcql_query"]).utf8))
        #expect(query == Self.request.dcqlQuery)
        let metadata = try JSONValue(parsing: Array(try #require(parameters["client_metadata"]).utf8))
        #expect(metadata["vp_formats_supported"]?["ldp_vc"]?["cryptosuite_values"] == ["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "ecdsa-jcs-2019", "ecdsa-sd-2023"])
        #expect(Self.request.document["dcql_query"] == Self.request.dcqlQuery, "the API shows the objects as objects")
    }

    @Test func dcqlAsksForOneCredentialAsAnLdpVCOrAJWTVCWhoseExpandedTypesIncludeTheKindWanted() throws {
        let credential = try #require(Self.request.dcqlQuery["credentials"]?.arrayValue?.first)
        #expect(Self.request.dcqlQuery["credentials"]?.arrayValue?.count == 2)
        let jwt = try #require(Self.request.dcqlQuery["credentials"]?[1])
        #expect(jwt["id"] == "credential_jwt" && jwt["format"] == "jwt_vc_json" && jwt["meta"] == credential["meta"])
        #expect(Self.request.dcqlQuery["credential_sets"] == [["options": [["credential"], ["credential_jwt"]]]],
                "one of the two: a required set (§6.2) with an option each")
        #expect(Self.request.clientMetadata["vp_formats_supported"]?["jwt_vc_json"]?["alg_values"] == ["EdDSA", "Ed25519", "ES256", "RS256"])
        #expect(credential["id"] == "credential")
        #expect(credential["format"] == "ldp_vc")
        #expect(credential["multiple"] == nil, "one credential: multiple defaults to false (§6.1)")
        #expect(credential["require_cryptographic_holder_binding"] == nil, "a Verifiable Presentation: the default (§6.1)")
        #expect(credential["meta"]?["type_values"] == [["https://www.w3.org/2018/credentials#VerifiableCredential",
                                                        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"]])
        let any = PresentationAuthorizationRequest(responseURI: "https://v/r", credentialType: "VerifiableCredential", nonce: "n", state: "s")
        #expect(any.dcqlQuery["credentials"]?[0]?["meta"]?["type_values"] == [["https://www.w3.org/2018/credentials#VerifiableCredential"]])
    }

    @Test func responseWithOnePresentationIsRead() throws {
        let presentation: JSONValue = ["type": ["VerifiablePresentation"], "holder": "did:key:z6Mk"]
        let form = ["vp_token": (["credential": [presentation]] as JSONValue).serializedString(), "state": "vxp_1"]
        #expect(try PresentationAuthorizationResponse(form: form) == .presentation(presentation, state: "vxp_1"))
        let jwt = ["vp_token": #"{"credential_jwt":["eyJ.a.b"]}"#, "state": "vxp_1"]
        #expect(try PresentationAuthorizationResponse(form: jwt) == .presentation("eyJ.a.b", state: "vxp_1"))
    }

    @Test func walletErrorIsReadWithItsDescriptionCut() throws {
        let long = String(repeating: "d", count: 900)
        let answer = try PresentationAuthorizationResponse(form: ["error": "access_denied", "error_description": long, "state": "vxp_1"])
        guard case .error(let code, let description, let state) = answer else { Issue.record("not an error: \(answer)"); return }
        #expect(code == "access_denied" && state == "vxp_1")
        #expect(description?.count == PresentationAuthorizationResponse.maxDescriptionLength)
    }

    @Test(arguments: [
        (["vp_token": #"{"credential":[{}]}"#], "state is required"),
        (["vp_token": #"{"credential":[{}]}"#, "state": ""], "state is required"),
        (["state": "s"], "vp_token or error is required"),
        (["state": "s", "response": "eyJ..."], "encrypted responses"),
        (["state": "s", "vp_token": "not json"], "must be a JSON object"),
        (["state": "s", "vp_token": #"["x"]"#], "must be a JSON object"),
        (["state": "s", "vp_token": #"{"other":[{}]}"#], "exactly one of the credential queries"),
        (["state": "s", "vp_token": #"{"credential":[{}],"other":[{}]}"#], "exactly one of the credential queries"),
        (["state": "s", "vp_token": #"{"credential":[{}],"credential_jwt":["eyJ.a.b"]}"#], "exactly one of the credential queries"),
        (["state": "s", "vp_token": #"{"credential_jwt":[{}]}"#], "is a JWT"),
        (["state": "s", "vp_token": #"{"credential_jwt":["a","b"]}"#], "an array of one presentation"),
        (["state": "s", "vp_token": #"{"credential":{}}"#], "an array of one presentation"),
        (["state": "s", "vp_token": #"{"credential":[{},{}]}"#], "an array of one presentation"),
        (["state": "s", "vp_token": #"{"credential":["eyJhbGciOi.x.y"]}"#], "is a JSON object"),
        (["state": "s", "error": "bad \"code\""], "error must be an error code"),
    ])
    func malformedResponsesAreRefusedSayingWhy(form: [String: String], reason: String) {
        #expect {
            _ = try PresentationAuthorizationResponse(form: form)
        } throws: { error in
            guard let error = error as? WalletProtocolError else { return false }
            return error.code == .invalidRequest && error.reason.contains(reason)
        }
    }

    @Test func typeCheckReadsTheExpandedTypesSoAnAliasMatchesAndAnotherKindFails() throws {
        let verifier = CredentialVerifier()
        func credential(_ types: [String], contexts: [String] = ["https://www.w3.org/ns/credentials/v2",
                                                                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]) -> JSONValue {
            ["@context": .array(contexts.map(JSONValue.string)), "type": .array(types.map(JSONValue.string)),
             "issuer": "did:example:1", "credentialSubject": ["id": "did:example:2"]]
        }
        let badge = credential(["VerifiableCredential", "OpenBadgeCredential"])
        let alias = credential(["VerifiableCredential", "AchievementCredential"])
        #expect(verifier.expandedTypes(of: alias)?.contains(PresentationRequest.typeIRIs["OpenBadgeCredential"]!) == true)
        let pass = PresentationRequest.typeCheck([badge, alias], credentialType: "OpenBadgeCredential", verifier: verifier)
        #expect(pass.outcome == .pass, "\(pass)")
        // A CLR's own type is ClrCredential; a string "OpenBadgeCredential" under an unrelated context is not the OB type.
        let clr = credential(["VerifiableCredential", "ClrCredential"],
                             contexts: ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"])
        let lookalike: JSONValue = ["@context": ["https://www.w3.org/ns/credentials/v2", ["@vocab": "https://example.org/#"]],
                                    "type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": "did:example:1",
                                    "credentialSubject": ["id": "did:example:2"]]
        let fail = PresentationRequest.typeCheck([badge, clr, lookalike], credentialType: "OpenBadgeCredential", verifier: verifier)
        #expect(fail.outcome == .fail && fail.message.contains("credential 2, credential 3 of 3"), "\(fail)")
        #expect(PresentationRequest.typeCheck([clr], credentialType: "VerifiableCredential", verifier: verifier).outcome == .pass)
        #expect(PresentationRequest.typeCheck([], credentialType: "VerifiableCredential", verifier: verifier).outcome == .fail)
        #expect(PresentationRequest.typeCheck(["not a credential"], credentialType: "VerifiableCredential", verifier: verifier).outcome == .fail)
    }
}
