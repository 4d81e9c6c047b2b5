import Foundation
import Testing
import VitaCredentials
import VitaJSON
@testable import VitaWeb

@Suite("The verdict line and the credential's content")
struct VerdictAndContentTests {
    typealias Check = VerificationReport.Check

    static func report(_ checks: [Check]) -> VerificationReport {
        VerificationReport(checks: [Check("format", .pass, "JSON object"), Check("proof", .pass, "signature valid")] + checks)
    }

    @Test("each failure gives its plain-language verdict, the most serious first", arguments: [
        ([Check("status", .pass, "not revoked")], VerdictSummary.genuine),
        ([Check("context", .warning, "superseded context")], .genuineWithNotes),
        ([Check("status", .warning, "the status list could not be fetched")], .statusUnknown),
        ([Check("status", .fail, "revoked: bit 7 of https://x.example/list is 1")], .revoked),
        ([Check("status", .fail, "suspended: bit 7 of https://x.example/list is 1")], .suspended),
        ([Check("validity", .fail, "expired: validUntil 2020-01-01T00:00:00Z is not after now")], .expired),
        ([Check("validity", .fail, "not yet valid: validFrom 2099-01-01T00:00:00Z is after now")], .notYetValid),
        ([Check("schema", .fail, "/name must be a string")], .malformed),
        ([Check("issuer", .fail, "the key is not the issuer's"), Check("status", .fail, "revoked: …")], .issuer),
        ([Check("jsonld", .fail, "undefined term dropped")], .uncovered),
        ([Check("nested", .fail, "1 of 3 nested credentials failed")], .nested),
    ])
    func verdicts(_ checks: [Check], _ expected: VerdictSummary) {
        #expect(VerdictSummary(Self.report(checks)) == expected)
    }

    @Test("a missing or unusable proof is 'cannot check', unreadable input is 'no credential found'")
    func unsignedAndUnreadable() {
        let unsigned = VerificationReport(checks: [Check("format", .pass, "JSON object"), Check("proof", .fail, "the credential has no proof")])
        #expect(VerdictSummary(unsigned) == .unsigned)
        #expect(VerdictSummary(unsigned).tone == "bad")
        let unreadable = VerificationReport(checks: [Check("format", .fail, "not valid JSON")])
        #expect(VerdictSummary(unreadable) == .unreadable)
        #expect(VerdictSummary(Self.report([])).tone == "good")
    }

    @Test("a CLR shows every achievement it contains and their associations by name")
    func clrContent() throws {
        func achievementCredential(_ id: String, _ name: String) -> JSONValue {
            ["type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": ["id": "did:example:u", "name": "Riverside"],
             "credentialSubject": ["achievement": ["id": .string(id), "name": .string(name)]]]
        }
        let clr: JSONValue = [
            "type": ["VerifiableCredential", "ClrCredential"], "name": "Transcript of Ada",
            "issuer": ["id": "did:example:u", "name": "Riverside"], "validFrom": "2026-06-30T12:00:00Z",
            "credentialSubject": [
                "type": ["ClrSubject"], "id": "did:example:ada",
                "verifiableCredential": [achievementCredential("urn:a:bsc", "BSc Computing"),
                                         achievementCredential("urn:a:algo", "Algorithms")],
                "association": [["type": "Association", "associationType": "isParentOf",
                                 "sourceId": "urn:a:bsc", "targetId": "urn:a:algo"]],
            ],
        ]
        let values = CredentialView(strings: try WebStrings()).values(for: clr)
        let cards = try #require(values["achievements"] as? [[String: Any]])
        #expect(cards.compactMap { $0["title"] as? String } == ["BSc Computing", "Algorithms"])
        #expect(values["associations"] as? [String] == ["BSc Computing is parent of Algorithms"])
        let card = try #require(values["card"] as? [String: Any])
        #expect(card["title"] as? String == "Transcript of Ada")
        let facts = try #require(card["facts"] as? [[String: String]])
        #expect(facts.contains { $0["value"] == "30 June 2026, 12:00 UTC" })
        #expect(facts.contains { $0["value"] == "Riverside (did:example:u)" })
    }

    @Test("the issuer is named with its website, and its other identifiers are listed by type (an ext: term by its name)")
    func issuerIdentity() throws {
        let credential: JSONValue = [
            "issuer": ["id": "did:key:z6Mk", "type": ["Profile"], "name": "Riverside University", "url": "https://riverside.example",
                       "otherIdentifier": [
                           ["type": "IdentifierEntry", "identifier": "00123400", "identifierType": "ext:OPEID"],
                           ["type": "IdentifierEntry", "identifier": "registrar@riverside.example", "identifierType": "emailAddress"],
                           ["type": "IdentifierEntry", "identifierType": "identifier"],
                       ]],
            "credentialSubject": ["achievement": ["name": "Diploma"]],
        ]
        let card = CredentialView(strings: try WebStrings()).card(for: credential, isTopLevel: true)
        let facts = Dictionary(uniqueKeysWithValues: (card["facts"] as? [[String: String]] ?? []).map { ($0["label"]!, $0["value"]!) })
        #expect(facts["Issued by"] == "Riverside University (https://riverside.example)")
        #expect(facts["Issuer identifiers"] == "OPEID 00123400; email address registrar@riverside.example")
        #expect((card["facts"] as? [[String: String]] ?? []).allSatisfy { $0["logo"] == nil }, "no logo when the issuer has none")

        // The issuer's logo (its Image's id, a data: image) is drawn beside its name.
        let withLogo: JSONValue = [
            "issuer": ["id": "did:key:z6Mk", "name": "Riverside University",
                       "image": ["id": .string(ConsoleAchievementTests.png), "type": "Image"]],
            "credentialSubject": ["achievement": ["name": "Diploma"]],
        ]
        let logoCard = CredentialView(strings: try WebStrings()).card(for: withLogo, isTopLevel: true)
        let issuerFact = (logoCard["facts"] as? [[String: String]] ?? []).first { $0["label"] == "Issued by" }
        #expect(issuerFact?["logo"] == ConsoleAchievementTests.png)
        #expect(CredentialView.otherIdentifiers(["name": "No identifiers"]) == nil)
    }

    @Test("links are only http(s) and images only data: images")
    func unsafeLinksAndImages() throws {
        let credential: JSONValue = [
            "credentialSubject": ["achievement": [
                "name": "Badge", "image": ["id": "https://tracker.example/pixel.png"],
                "alignment": [["targetName": "Evil", "targetUrl": "javascript:alert(1)"],
                              ["targetName": "Good", "targetUrl": "https://frameworks.example/x"]],
            ]],
        ]
        let card = CredentialView(strings: try WebStrings()).card(for: credential, isTopLevel: true)
        #expect(card["image"] == nil)
        let issued = CredentialView(strings: try WebStrings()).card(for: [
            "issuer": ["id": "did:key:z6Mk", "name": "Tracker", "image": "https://tracker.example/logo.png"]], isTopLevel: true)
        #expect((issued["facts"] as? [[String: String]] ?? []).allSatisfy { $0["logo"] == nil }, "no issuer logo from elsewhere")
        let alignments = try #require(card["alignments"] as? [[String: String]])
        #expect(alignments.map { $0["url"] } == [nil, "https://frameworks.example/x"])
        #expect(CredentialView.dataImage(.string("data:image/png;base64,iVBORw0KGgo=")) != nil)
        #expect(CredentialView.dataImage(.string("data:text/html;base64,PHNjcmlwdD4=")) == nil)
    }

    @Test("a VC-JWT's payload is read for display, its vc claim for a VC 1.1 JWT")
    func jwtPayload() {
        func encode(_ json: String) -> String {
            Data(json.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        let header = encode(#"{"alg":"EdDSA"}"#)
        let modern = "\(header).\(encode(#"{"name":"Modern"}"#)).sig"
        let legacy = "\(header).\(encode(#"{"iss":"x","vc":{"name":"Legacy"}}"#)).sig"
        #expect(CredentialView.payload(ofJWT: modern)?["name"]?.stringValue == "Modern")
        #expect(CredentialView.payload(ofJWT: legacy)?["name"]?.stringValue == "Legacy")
        #expect(CredentialView.payload(ofJWT: "not.a-jwt") == nil)
    }
}
