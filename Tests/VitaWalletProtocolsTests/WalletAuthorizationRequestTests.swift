import Foundation
import Testing
import VitaCore
import VitaCredentials
import VitaJSON
@testable import VitaWalletProtocols

@Suite("OpenID4VP as the wallet: reading a verifier's request, DCQL matching and selection, the answer's form")
struct WalletAuthorizationRequestTests {
    static let responseURI = "https://verifier.example/oid4vp/response"

    /// A request's URI with these parameters (a valid request by value unless overridden; nil removes one).
    static func uri(_ overrides: [String: String?] = [:], dcql: JSONValue? = nil) -> String {
        let query: JSONValue = dcql ?? ["credentials": [[
            "id": "degree", "format": "ldp_vc",
            "meta": ["type_values": [["https://www.w3.org/2018/credentials#VerifiableCredential", "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"]]],
        ]]]
        var parameters: [String: String?] = [
            "response_type": "vp_token", "response_mode": "direct_post", "client_id": "redirect_uri:" + responseURI,
            "response_uri": responseURI, "nonce": "n-0S6_WzA2Mj", "state": "st-1", "dcql_query": query.serializedString(),
            "client_metadata": #"{"client_name":"Acme Hiring","vp_formats_supported":{"ldp_vc":{"proof_type_values":["DataIntegrityProof"],"cryptosuite_values":["eddsa-rdfc-2022"]}}}"#,
        ]
        for (name, value) in overrides { parameters[name] = value }
        return "openid4vp://?" + parameters.compactMap { name, value in value.map { "\(name)=\(PercentEncoding.unreserved($0))" } }
            .sorted().joined(separator: "&")
    }

    static func refusal(_ uri: String) -> WalletProtocolError? {
        do {
            _ = try WalletAuthorizationRequest(uri: uri)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsTheRequestVitasOwnVerifierSends() throws {
        let sent = PresentationAuthorizationRequest(responseURI: Self.responseURI, credentialType: "ClrCredential", nonce: "nonce-1", state: "vxp_s")
        let read = try WalletAuthorizationRequest(uri: sent.uri)
        #expect(read.clientID == sent.clientID)
        #expect(read.responseURI == Self.responseURI)
        #expect(read.responseHost == "verifier.example")
        #expect(read.nonce == "nonce-1" && read.state == "vxp_s")
        let query = try #require(read.query.credentials.first)
        #expect(query.id == PresentationAuthorizationRequest.queryID && query.format == "ldp_vc" && !query.multiple && query.requiresHolderBinding)
        #expect(query.typeValues == [[PresentationRequest.typeIRIs["VerifiableCredential"]!, PresentationRequest.typeIRIs["ClrCredential"]!]])
        #expect(read.query.credentials.map(\.format) == ["ldp_vc", "jwt_vc_json"])
        #expect(read.query.credentialSets == [.init(options: [["credential"], ["credential_jwt"]], required: true)])
        #expect(read.query.preferredQueries(available: ["credential", "credential_jwt"]) == ["credential"])
        #expect(read.acceptedCryptosuites == PresentationAuthorizationRequest.cryptosuites)
        #expect(read.holderCryptosuite == .eddsaRdfc2022 && read.holderJWTAlgorithm == "EdDSA")
        // A link a wallet is invoked with may use another scheme, or https; the fragment is not the query.
        #expect(try WalletAuthorizationRequest(uri: "  haip://authorize" + sent.uri.dropFirst("openid4vp://".count) + "#x\n") == read)
    }

    @Test func readsTheSpecificationsLdpVCQuery() throws {
        // OpenID4VP 1.0 examples/request/dcql_ldp_vc.json
        let dcql: JSONValue = ["credentials": [[
            "id": "example_ldp_vc", "format": "ldp_vc", "meta": ["type_values": [["IDCredential"]]],
            "claims": [["path": ["credentialSubject", "family_name"]], ["path": ["credentialSubject", "address", "street_address"]]],
        ]]]
        let request = try WalletAuthorizationRequest(uri: Self.uri(dcql: dcql))
        let query = try #require(request.query.credentials.first)
        #expect(query.claims?.map(\.path) == [[.key("credentialSubject"), .key("family_name")],
                                              [.key("credentialSubject"), .key("address"), .key("street_address")]])
        let credential: JSONValue = ["type": ["VerifiableCredential", "IDCredential"],
                                     "credentialSubject": ["family_name": "Dent", "address": ["street_address": "42 Market Street"]]]
        #expect(query.matches(credential, expandedTypes: ["IDCredential"]))
        #expect(!query.matches(credential, expandedTypes: ["OtherCredential"]), "type_values are matched against the expanded types")
        #expect(!query.matches(["credentialSubject": ["family_name": "Dent"]], expandedTypes: ["IDCredential"]), "every claim is needed")
    }

    @Test("requests Vita's wallet cannot answer are refused with the OpenID4VP error a wallet sends and the reason",
          arguments: [
            (["request_uri": "https://verifier.example/request.jwt"], "invalid_request", "by reference"),
            (["request": "eyJhbGciOiJFUzI1NiJ9.e30.sig"], "invalid_request", "signed"),
            (["client_id": "x509_san_dns:verifier.example"], "invalid_request", "needs a signed request"),
            (["client_id": "decentralized_identifier:did:web:verifier.example"], "invalid_request", "needs a signed request"),
            (["client_id": "verifier-42"], "invalid_client", "registered beforehand"),
            (["client_id": nil], "invalid_request", "client_id is required"),
            (["client_id": "redirect_uri:ftp://verifier.example/x"], "invalid_request", "absolute https Response URI"),
            (["response_type": "vp_token id_token"], "invalid_request", "response_type"),
            (["response_mode": nil], "invalid_request", "direct_post"),
            (["response_mode": "direct_post.jwt"], "invalid_request", "encrypted"),
            (["response_mode": "fragment"], "invalid_request", "direct_post"),
            (["response_uri": "https://elsewhere.example/response"], "invalid_request", "response_uri"),
            (["redirect_uri": "https://verifier.example/cb"], "invalid_request", "redirect_uri must not"),
            (["nonce": nil], "invalid_request", "nonce"),
            (["nonce": ""], "invalid_request", "nonce"),
            (["transaction_data": "e30"], "invalid_transaction_data", "transaction data"),
            (["dcql_query": nil, "scope": "com.example.degree"], "invalid_request", "scope"),
            (["scope": "com.example.degree"], "invalid_request", "both"),
            (["dcql_query": nil], "invalid_request", "dcql_query is required"),
            (["dcql_query": "{not json"], "invalid_request", "not JSON"),
            (["client_metadata": "[]"], "invalid_request", "client_metadata"),
            (["client_metadata": #"{"vp_formats_supported":{"mso_mdoc":{}}}"#], "vp_formats_not_supported", "ldp_vc"),
            (["client_metadata": #"{"vp_formats_supported":{"ldp_vc":{"cryptosuite_values":["ecdsa-rdfc-2019"]}}}"#], "vp_formats_not_supported", "eddsa"),
            (["client_metadata": #"{"vp_formats_supported":{"ldp_vc":{"proof_type_values":[]}}}"#], "invalid_request", "proof_type_values"),
          ] as [([String: String?], String, String)])
    func refusesWhatItCannotAnswer(_ overrides: [String: String?], code: String, reason: String) throws {
        let error = try #require(Self.refusal(Self.uri(overrides)))
        #expect(error.code.rawValue == code)
        #expect(error.reason.contains(reason), "\(error.reason)")
    }

    @Test func refusesWhatIsNotARequestAtAll() throws {
        for text in ["", "hello", "openid4vp://", "openid4vp://?", "?client_id=x", "openid4vp://?a=%FF", "openid4vp://?a=1&a=2",
                     "openid4vp://?" + String(repeating: "x", count: WalletAuthorizationRequest.maxLength)] {
            let error = try #require(Self.refusal(text), "\(text.prefix(40))")
            #expect(error.code == .invalidRequest)
        }
    }

    @Test("malformed DCQL queries are refused naming the member", arguments: [
        (["credentials": []], "non-empty array"),
        (["credentials": [["id": "a b", "format": "ldp_vc", "meta": ["type_values": [["X"]]]]]], ".id"),
        (["credentials": [["id": "a", "format": "ldp_vc", "meta": ["type_values": [["X"]]]], ["id": "a", "format": "ldp_vc", "meta": ["type_values": [["X"]]]]]], "more than once"),
        (["credentials": [["id": "a", "format": "ldp_vc"]]], ".meta is required"),
        (["credentials": [["id": "a", "format": "ldp_vc", "meta": [:]]]], "type_values is required"),
        (["credentials": [["id": "a", "format": "ldp_vc", "meta": ["type_values": [[]]]]]], "type_values"),
        (["credentials": [["id": "a", "format": "ldp_vc", "meta": ["type_values": [["X"]]], "multiple": "yes"]]], ".multiple"),
        (["credentials": [["id": "a", "format": "ldp_vc", "meta": ["type_values": [["X"]]], "claims": [["path": []]]]]], ".path"),
        (["credentials": [["id": "a", "format": "ldp_vc", "meta": ["type_values": [["X"]]], "claims": [["path": ["a", -1]]]]]], ".path"),
        (["credentials": [["id": "a", "format": "ldp_vc", "meta": ["type_values": [["X"]]], "claims": [["path": ["a"], "values": [1.5]]]]]], ".values"),
        (["credentials": [["id": "a", "format": "ldp_vc", "meta": ["type_values": [["X"]]], "claim_sets": [["x"]]]]], "without claims"),
        (["credentials": [["id": "a", "format": "ldp_vc", "meta": ["type_values": [["X"]]], "claims": [["id": "x", "path": ["a"]]], "claim_sets": [["y"]]]]], "no claim"),
        (["credentials": [["id": "a", "format": "ldp_vc", "meta": ["type_values": [["X"]]]]], "credential_sets": [["options": [["b"]]]]], "no Credential Query"),
        (["credentials": [["id": "a", "format": "ldp_vc", "meta": ["type_values": [["X"]]]]], "credential_sets": [["options": [["a"]], "required": "no"]]], ".required"),
    ] as [(JSONValue, String)])
    func refusesMalformedQueries(_ dcql: JSONValue, reason: String) throws {
        let error = try #require(Self.refusal(Self.uri(dcql: dcql)))
        #expect(error.code == .invalidRequest)
        #expect(error.reason.contains(reason), "\(error.reason)")
    }

    @Test func claimsPathPointersSelectAsSection7Says() {
        // OpenID4VP 1.0 §7.4's example credential.
        let credential: JSONValue = [
            "name": "Arthur Dent",
            "address": ["street_address": "42 Market Street", "locality": "Milliways", "postal_code": "12345"],
            "degrees": [["type": "Bachelor of Science", "university": "University of Betelgeuse"],
                        ["type": "Master of Science", "university": "University of Betelgeuse"]],
            "nationalities": ["British", "Betelgeusian"],
        ]
        typealias Claim = DCQLQuery.ClaimQuery
        #expect(Claim.select([.key("name")], in: credential) == ["Arthur Dent"])
        #expect(Claim.select([.key("address"), .key("street_address")], in: credential) == ["42 Market Street"])
        #expect(Claim.select([.key("degrees"), .all, .key("type")], in: credential) == ["Bachelor of Science", "Master of Science"])
        #expect(Claim.select([.key("nationalities"), .index(1)], in: credential) == ["Betelgeusian"])
        #expect(Claim.select([.key("nationalities"), .index(2)], in: credential) == nil, "nothing selected")
        #expect(Claim.select([.key("name"), .key("first")], in: credential) == nil, "a key applied to a string aborts")
        #expect(Claim.select([.key("address"), .all], in: credential) == nil, "null applied to an object aborts")
        #expect(Claim.select([.key("missing")], in: credential) == nil)

        let degree = Claim(id: nil, path: [.key("degrees"), .all, .key("type")], values: ["Master of Science", 7])
        #expect(degree.isSatisfied(by: credential), "one selected element equals one value")
        #expect(!Claim(id: nil, path: [.key("address"), .key("postal_code")], values: [12345]).isSatisfied(by: credential),
                "values match in type and value: the number 12345 is not the string \"12345\"")
        #expect(Claim(id: nil, path: [.key("n")], values: [true]).isSatisfied(by: ["n": true]))
    }

    @Test func claimSetsTakeTheFirstTheCredentialCanSatisfy() throws {
        // OpenID4VP 1.0 examples/query_lang/claims_alternatives.json, for an ldp_vc.
        let dcql: JSONValue = ["credentials": [[
            "id": "pid", "format": "ldp_vc", "meta": ["type_values": [["PID"]]],
            "claims": [["id": "a", "path": ["family_name"]], ["id": "b", "path": ["postal_code"]], ["id": "c", "path": ["locality"]],
                       ["id": "d", "path": ["region"]], ["id": "e", "path": ["date_of_birth"]]],
            "claim_sets": [["a", "c", "d", "e"], ["a", "b", "e"]],
        ]]]
        let query = try #require(try DCQLQuery(dcql).credentials.first)
        let full: JSONValue = ["family_name": "Dent", "postal_code": "1", "locality": "M", "region": "R", "date_of_birth": "1970-01-01"]
        #expect(query.claimSet(of: full) == [0, 2, 3, 4], "the verifier's preferred set first")
        #expect(query.claimSet(of: ["family_name": "Dent", "postal_code": "1", "date_of_birth": "1970-01-01"]) == [0, 1, 4])
        #expect(query.claimSet(of: ["family_name": "Dent", "postal_code": "1"]) == nil)
        #expect(query.matches(full, expandedTypes: ["PID"]))
    }

    @Test func credentialSetsDecideWhatIsSentByDefaultAndWhatMayBeSent() throws {
        // OpenID4VP 1.0 examples/query_lang/credentials_alternatives.json, the same shape with ldp_vc queries.
        let query = { (id: String) -> JSONValue in ["id": .string(id), "format": "ldp_vc", "meta": ["type_values": [["T"]]]] }
        let dcql: JSONValue = [
            "credentials": .array(["pid", "other_pid", "pid_reduced_cred_1", "pid_reduced_cred_2", "nice_to_have"].map(query)),
            "credential_sets": [
                ["options": [["pid"], ["other_pid"], ["pid_reduced_cred_1", "pid_reduced_cred_2"]]],
                ["required": false, "options": [["nice_to_have"]]],
            ],
        ]
        let dcqlQuery = try DCQLQuery(dcql)
        #expect(dcqlQuery.credentialSets?.map(\.required) == [true, false])
        #expect(dcqlQuery.preferredQueries(available: ["pid", "other_pid", "nice_to_have"]) == ["pid"], "the first option; optional sets are not sent by default")
        #expect(dcqlQuery.preferredQueries(available: ["pid_reduced_cred_1", "pid_reduced_cred_2"]) == ["pid_reduced_cred_1", "pid_reduced_cred_2"])
        #expect(dcqlQuery.preferredQueries(available: ["pid_reduced_cred_1", "nice_to_have"]) == nil, "the required set cannot be satisfied")

        #expect(dcqlQuery.problem(withSelection: ["other_pid": 1]) == nil)
        #expect(dcqlQuery.problem(withSelection: ["pid": 1, "nice_to_have": 1]) == nil, "an optional set may be added")
        #expect(dcqlQuery.problem(withSelection: ["nice_to_have": 1])?.contains("required") == true)
        #expect(dcqlQuery.problem(withSelection: ["pid": 1, "pid_reduced_cred_1": 1])?.contains("completes no option") == true,
                "half an option is something the verifier did not ask for")
        #expect(dcqlQuery.problem(withSelection: ["pid": 2])?.contains("takes one credential") == true)
        #expect(dcqlQuery.problem(withSelection: ["pid": 1, "other_pid": 1])?.contains("not of several") == true,
                "two alternatives are more than was asked for")
        #expect(dcqlQuery.problem(withSelection: ["nope": 1])?.contains("no credential query") == true)
        #expect(dcqlQuery.problem(withSelection: [:]) == "no credential is chosen")

        let optional = try DCQLQuery(["credentials": [query("a"), query("b")],
                                      "credential_sets": [["required": false, "options": [["a"]]], ["required": false, "options": [["b"]]]]])
        #expect(optional.preferredQueries(available: ["b"]) == ["b"], "every set optional: the first that can be answered")
        #expect(optional.preferredQueries(available: []) == nil, "nothing can be sent")

        let plain = try DCQLQuery(["credentials": [query("a"), ["id": "b", "format": "ldp_vc", "multiple": true, "meta": ["type_values": [["T"]]]]]])
        #expect(plain.preferredQueries(available: ["a", "b"]) == ["a", "b"])
        #expect(plain.preferredQueries(available: ["a"]) == nil, "without sets every query is required")
        #expect(plain.problem(withSelection: ["a": 1])?.contains("\"b\"") == true)
        #expect(plain.problem(withSelection: ["a": 1, "b": 3]) == nil, "multiple allows several")
    }

    @Test func answerIsVPTokenKeyedByQueryWithStateAndRefusalIsAccessDenied() throws {
        let request = try WalletAuthorizationRequest(uri: Self.uri())
        let presentation: JSONValue = ["type": ["VerifiablePresentation"]]
        let sent = request.answer(["degree": [presentation]])
        #expect(sent.map(\.name) == ["vp_token", "state"])
        #expect(try JSONValue(parsing: sent[0].value) == ["degree": [presentation]])
        #expect(sent[1].value == "st-1")
        #expect(request.answer(["other": [presentation]])[0].value == "{}", "only the request's queries are answered")
        // What Vita's own Response URI reads back.
        let vitas = try WalletAuthorizationRequest(uri: PresentationAuthorizationRequest(
            responseURI: Self.responseURI, credentialType: "OpenBadgeCredential", nonce: "n", state: "vxp_1").uri)
        let form = vitas.answer([PresentationAuthorizationRequest.queryID: [presentation]])
        let answer = try PresentationAuthorizationResponse(form: Dictionary(uniqueKeysWithValues: form.map { ($0.name, $0.value) }))
        #expect(answer == .presentation(presentation, state: "vxp_1"))
        let refusal = request.refusal(description: "the person declined")
        #expect(refusal.map(\.name) == ["error", "error_description", "state"] && refusal[0].value == "access_denied")
        #expect(request.clientName == "Acme Hiring")
    }

    @Test func holderSignsWithEddsaJcsWhenTheVerifierAcceptsOnlyThatAndCredentialsAreFilteredByProof() throws {
        let jcsOnly = try WalletAuthorizationRequest(uri: Self.uri(["client_metadata": #"{"vp_formats_supported":{"ldp_vc":{"cryptosuite_values":["eddsa-jcs-2022"]}}}"#]))
        #expect(jcsOnly.holderCryptosuite == .eddsaJcs2022)
        #expect(!jcsOnly.accepts(proofType: "DataIntegrityProof", cryptosuite: "eddsa-rdfc-2022"))
        let open = try WalletAuthorizationRequest(uri: Self.uri(["client_metadata": nil]))
        #expect(open.holderCryptosuite == .eddsaRdfc2022 && open.accepts(proofType: "Ed25519Signature2020", cryptosuite: nil))
        let request = try WalletAuthorizationRequest(uri: Self.uri())
        #expect(!request.accepts(proofType: "Ed25519Signature2020", cryptosuite: nil), "only DataIntegrityProof is listed")
        // Without holder binding, state must be given (§5.2).
        let unbound: JSONValue = ["credentials": [["id": "a", "format": "ldp_vc", "require_cryptographic_holder_binding": false,
                                                   "meta": ["type_values": [["T"]]]]]]
        #expect(Self.refusal(Self.uri(["state": nil], dcql: unbound))?.reason.contains("state is required") == true)
        #expect(try WalletAuthorizationRequest(uri: Self.uri(dcql: unbound)).query.credentials[0].requiresHolderBinding == false)
    }

    @Test func presentationsTheHolderSignsVerifyForThisRequestOnly() async throws {
        let request = try WalletAuthorizationRequest(uri: PresentationAuthorizationRequest(
            responseURI: Self.responseURI, credentialType: "OpenBadgeCredential", nonce: "n-42", state: "vxp_1").uri)
        let holder = Ed25519KeyPair()
        let verifier = CredentialVerifier()
        let mine = PresentationExpectations(challenge: "n-42", domain: request.clientID)
        let other = PresentationExpectations(challenge: "n-42", domain: "redirect_uri:https://elsewhere.example/response")

        // A JWT presentation of a VC-JWT (§B.1.3.1): iss, aud, nonce, the credential in vp.
        let issuer = Ed25519KeyPair()
        let credential: JSONValue = ["@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                                     "issuer": .string(issuer.didKey.did), "validFrom": "2026-01-01T00:00:00Z",
                                     "credentialSubject": ["id": .string(holder.didKey.did)]]
        let vcJWT = try await VCJWT.sign(credential: credential, key: VCJWTSigningKey(ed25519: issuer), kid: issuer.didKey.verificationMethodID)
        let jwt = try request.presentation(ofJWT: vcJWT, holder: holder, now: Date())
        let payload = try CompactJWS(parsing: jwt).payload
        #expect(payload["iss"]?.stringValue == holder.didKey.did && payload["aud"]?.stringValue == request.clientID && payload["nonce"] == "n-42")
        #expect(payload["vp"]?["verifiableCredential"] == [.string(vcJWT)])
        let report = await verifier.verifyPresentation(jwt: jwt, expecting: mine)
        #expect(report.verdict == .valid, "\(report.json)")
        #expect(await verifier.verifyPresentation(jwt: jwt, expecting: other).verdict == .invalid, "made for another verifier")

        // A Data Integrity presentation (§B.1.3.2).
        let signed = try DataIntegrity.addProof(to: credential, options: ProofOptions(verificationMethod: issuer.didKey.verificationMethodID),
                                                signer: issuer)
        let presentation = try request.presentation(of: signed, holder: holder, now: Date())
        #expect(presentation["proof"]?["challenge"] == "n-42" && presentation["proof"]?["domain"]?.stringValue == request.clientID)
        #expect(await verifier.verifyPresentation(presentation, expecting: mine).verdict == .valid)
        #expect(await verifier.verifyPresentation(presentation, expecting: other).verdict == .invalid)
    }

    @Test func verifiersRedirectIsTakenOnlyAsAnHTTPURL() {
        #expect(WalletAuthorizationRequest.redirectURI(inReply: Array(#"{"redirect_uri":"https://verifier.example/done#code=1"}"#.utf8)) == "https://verifier.example/done#code=1")
        #expect(WalletAuthorizationRequest.redirectURI(inReply: Array(#"{"redirect_uri":"javascript:alert(1)"}"#.utf8)) == nil)
        #expect(WalletAuthorizationRequest.redirectURI(inReply: Array("{}".utf8)) == nil)
        #expect(WalletAuthorizationRequest.redirectURI(inReply: Array("not json".utf8)) == nil)
    }
}
