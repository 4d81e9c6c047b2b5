import Foundation
import HTTPTypes
import NIOCore
import Testing
import VitaCore
import VitaCredentials
import VitaJSON
import VitaTestSupport
@testable import VitaWeb

/// A learner with records asserted by a connected system, an issued Open Badge, a consent and a wallet account,
/// set up through the admin and system APIs, and signed in.
struct WalletWorld: Sendable {
    let learnerId: String
    let systemKey: String
    let records: [String: String]
    let issuedId: String
    let consentId: String
    /// The browser's cookies after signing in (CSRF nonce and wallet session).
    let cookies: String

    static let password = "correct horse battery staple"

    static func setUp(_ web: WebHarness, login: String = "ada", name: String = "Ada Lovelace") async throws -> WalletWorld {
        let organization = try await web.api(.post, "/api/v1/organizations", json: ["name": "Riverside University", "kind": "university"])
        let organizationId = try #require(organization.json["id"] as? String)
        #expect(try await web.api(.post, "/api/v1/organizations/\(organizationId)/keys").status == 201)
        let system = try await web.api(.post, "/api/v1/systems", json: ["organizationId": organizationId, "name": "Registrar SIS", "kind": "sis"])
        let systemId = try #require((system.json["system"] as? [String: Any])?["id"] as? String)
        let systemKey = try #require(system.json["apiKey"] as? String)
        let agreement = try await web.api(.post, "/api/v1/agreements", json: [
            "providerOrganizationId": organizationId, "consumerSystemId": systemId,
            "categories": ["affiliations", "experiences", "competencies", "credentials", "employment"],
            "permissions": ["read", "write"], "purpose": "Registrar sync", "consentRequired": true, "status": "active",
        ])
        let agreementId = try #require(agreement.json["id"] as? String, "\(agreement.html)")
        let learner = try await web.api(.post, "/api/v1/learners", json: [
            "name": ["display": name], "organizationId": organizationId,
            "identifiers": [["scheme": "email", "value": "\(login)@example.edu"]],
        ])
        let learnerId = try #require(learner.json["id"] as? String, "\(learner.html)")
        let consent = try await web.api(.post, "/api/v1/learners/\(learnerId)/consents", json: ["agreementId": agreementId])
        let consentId = try #require(consent.json["id"] as? String, "\(consent.html)")

        let competency = try await web.api(.post, "/api/v1/competencies", json: [
            "name": "Algorithm design", "organizationId": organizationId, "framework": "Riverside Core Skills"])
        let competencyId = try #require(competency.json["id"] as? String, "\(competency.html)")
        var records: [String: String] = [:]
        let bodies: [(String, [String: Any], String?)] = [
            ("affiliations", ["organizationId": organizationId, "role": "student", "title": "BSc Computing student",
                              "startDate": "2023-09-01"], nil),
            ("competencies", ["competencyId": competencyId, "organizationId": organizationId,
                              "level": 4, "levelMaximum": 5, "evidence": [["url": "https://portfolio.example/sorting"]]],
             "https://registrar.invalid/raw/competency-1"),
            ("credentials", ["organizationId": organizationId, "kind": "degree", "title": "BSc Computer Science",
                             "awardedDate": "2026-06-30"], nil),
            ("employment", ["organizationId": organizationId, "title": "Teaching assistant", "startDate": "2025-09-01"], nil),
        ]
        for (category, record, raw) in bodies {
            var provenance: [String: Any] = ["sourceRecordId": "\(category)-1"]
            if let raw { provenance["rawDataURI"] = raw }
            let created = try await web.send(.post, "/api/v1/learners/\(learnerId)/\(category)", key: systemKey,
                                             json: ["record": record, "provenance": provenance])
            records[category] = try #require(created.json["id"] as? String, "\(created.html)")
        }
        let achievement = try await web.api(.post, "/api/v1/achievements", json: [
            "organizationId": organizationId, "name": "BSc Computer Science", "description": "Bachelor of Science",
            "criteriaNarrative": "Complete 180 credits", "achievementType": "BachelorDegree"])
        let achievementId = try #require(achievement.json["id"] as? String, "\(achievement.html)")
        let issued = try await web.send(.post, "/api/v1/learners/\(learnerId)/credentials/\(records["credentials"]!)/badges",
                                        key: systemKey, json: ["achievementId": achievementId])
        let issuedId = try #require(issued.json["id"] as? String, "\(issued.html)")
        let account = try await web.api(.post, "/api/v1/learners/\(learnerId)/account", json: ["login": login, "password": password])
        #expect(account.status == 201, "\(account.html)")
        let (answer, cookies) = try await WalletSessionTests.signIn(web, login: login, password: password)
        #expect(answer.status == 303)
        return WalletWorld(learnerId: learnerId, systemKey: systemKey, records: records, issuedId: issuedId,
                           consentId: consentId, cookies: cookies)
    }
}

extension WebHarness {
    /// A call with another API key (a connected system's).
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String, json: Any? = nil,
              headers extra: HTTPFields = [:]) async throws -> Page {
        var headers = extra
        headers[.authorization] = "Bearer \(key)"
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            Page(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
        }
    }

    /// Opens `page` and submits its form (the first with `action`) with `fields`, as a browser does.
    func submit(_ page: String, action: String, _ fields: [(String, String)], cookies: String) async throws -> Page {
        let form = try await get(page, cookie: cookies)
        #expect(form.status == 200, "\(form.html)")
        let token = try #require(form.csrfToken)
        #expect(form.html.contains(#"action="\#(action)""#), "the page has the form")
        return try await post(action, form: [("csrf_token", token)] + fields, cookie: cookies)
    }
}

extension Page {
    /// The first capture of `pattern` in the page.
    func first(_ pattern: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: html, range: NSRange(html.startIndex..., in: html)), match.numberOfRanges > 1,
              let range = Range(match.range(at: 1), in: html) else { return nil }
        return String(html[range])
    }
}

@Suite("The wallet's pages, through the real router")
struct WalletPagesTests {
    @Test("the home page shows the profile — timeline, credentials, competencies, employment — with organization names and links to each value's records",
          arguments: TestEngine.available)
    func homeShowsTheProfile(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            let home = try await web.get("/wallet", cookie: world.cookies)
            #expect(home.status == 200)
            #expect(home.html.contains("Ada Lovelace&#39;s profile") || home.html.contains("Ada Lovelace's profile"), "\(home.html)")
            #expect(home.html.contains("Signed in as Ada Lovelace."))
            #expect(home.html.contains("BSc Computing student") && home.html.contains("Riverside University"))
            #expect(home.html.contains("since 1 September 2023"))
            #expect(home.html.contains("BSc Computer Science") && home.html.contains("Awarded 30 June 2026"))
            #expect(home.html.contains("Algorithm design (Riverside Core Skills)") && home.html.contains("4 of 5"))
            #expect(home.html.contains("1 piece of evidence"))
            #expect(home.html.contains("Teaching assistant"))
            for (_, record) in world.records {
                #expect(home.html.contains(#"href="/wallet/records/\#(record)""#), "a link to \(record)")
            }
            #expect(!home.html.contains("<script"))
        }
    }

    @Test("a record's page shows who asserted it and when, and says why its raw data could not be checked",
          arguments: TestEngine.available)
    func recordShowsProvenance(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            let affiliation = try await web.get("/wallet/records/\(world.records["affiliations"]!)", cookie: world.cookies)
            #expect(affiliation.status == 200)
            #expect(affiliation.html.contains("Registrar SIS (Riverside University)"))
            #expect(affiliation.html.contains("affiliations-1"))
            #expect(affiliation.html.contains(#"data-outcome="not-checked""#))
            #expect(affiliation.html.contains("named no place where its raw data lives"))
            #expect(affiliation.html.contains("BSc Computing student"), "the record's content")
            // A raw-data location, but this Vita (as the tests build it) makes no outbound request.
            let competency = try await web.get("/wallet/records/\(world.records["competencies"]!)", cookie: world.cookies)
            #expect(competency.html.contains("https://registrar.invalid/raw/competency-1"))
            #expect(competency.html.contains("makes no outbound requests"))
            let unknown = try await web.get("/wallet/records/rec_00000000000000000000000000", cookie: world.cookies)
            #expect(unknown.status == 404 && unknown.html.contains("not yours"))
        }
    }

    @Test("credentials are verified now, laid out for reading, and downloadable as JSON and as a baked SVG badge",
          arguments: TestEngine.available)
    func credentialsVerifiedAndDownloadable(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            let list = try await web.get("/wallet/credentials", cookie: world.cookies)
            #expect(list.status == 200)
            #expect(list.html.contains(#"data-credential="\#(world.issuedId)""#))
            #expect(list.html.contains(#"data-verdict="genuine""#), "\(list.html)")
            let page = try await web.get("/wallet/credentials/\(world.issuedId)", cookie: world.cookies)
            #expect(page.status == 200)
            #expect(page.html.contains(#"data-verdict="genuine""#) && page.html.contains(#"data-check="proof""#))
            #expect(page.html.contains("Bachelor of Science") && page.html.contains("Complete 180 credits"))
            #expect(page.html.contains("/download/json") && page.html.contains("/download/svg"))
            #expect(!page.html.contains("/download/jwt"), "no VC-JWT for a credential with an embedded proof")

            let json = try await web.get("/wallet/credentials/\(world.issuedId)/download/json", cookie: world.cookies)
            #expect(json.status == 200 && json.header("Content-Disposition")?.contains("attachment") == true)
            let credential = try JSONValue(parsing: Array(json.body))
            let svg = try await web.get("/wallet/credentials/\(world.issuedId)/download/svg", cookie: world.cookies)
            #expect(svg.status == 200 && svg.header("Content-Type") == "image/svg+xml")
            let baked = try BadgeBaking.unbake(Array(svg.body))
            #expect(baked.credential == .json(credential), "the SVG carries the credential")
            let png = try await web.get("/wallet/credentials/\(world.issuedId)/download/png", cookie: world.cookies)
            #expect(png.status == 422 && png.html.contains("no PNG image"), "explained on the page")

            // A CLR: listed as one, its achievements laid out as cards.
            let clr = try await web.send(.post, "/api/v1/learners/\(world.learnerId)/clr", key: world.systemKey, json: [String: Any]())
            #expect(clr.status == 201, "\(clr.html)")
            let clrId = try #require(clr.json["id"] as? String)
            let listed = try await web.get("/wallet/credentials", cookie: world.cookies)
            #expect(listed.html.contains(#"data-credential="\#(clrId)""#) && listed.html.contains("Comprehensive Learner Record"))
            let clrPage = try await web.get("/wallet/credentials/\(clrId)", cookie: world.cookies)
            #expect(clrPage.status == 200 && clrPage.html.contains(#"data-verdict="genuine""#), "\(clrPage.html)")
            #expect(clrPage.html.contains("Achievements in this record") && clrPage.html.contains("BSc Computer Science"))
        }
    }

    @Test("a collection made from the form is changed (a save from a form opened before another change is refused and shows it as it is now) and shared with a passcode; the link verifies without signing in, each opening is listed, and revoking ends it",
          arguments: TestEngine.available)
    func collectionSharedAndRevoked(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            let made = try await web.submit("/wallet/collections", action: "/wallet/collections", [
                ("name", "For my nursing application"), ("statement", "My degree and my work"),
                ("item.issued.\(world.issuedId)", "on"), ("item.record.\(world.records["employment"]!)", "on"),
            ], cookies: world.cookies)
            #expect(made.status == 303, "\(made.html)")
            let location = try #require(made.header("Location"))
            #expect(location.hasPrefix("/wallet/collections/col_"))
            let collectionPath = String(location.split(separator: "?")[0])
            let collection = try await web.get(location, cookie: world.cookies)
            #expect(collection.html.contains("The collection was made.") && collection.html.contains("My degree and my work"))
            #expect(collection.html.contains("BSc Computer Science") && collection.html.contains("Employment: Teaching assistant"))

            let edit = try await web.get(collectionPath + "/edit", cookie: world.cookies)
            #expect(edit.html.contains(#"value="For my nursing application""#) && edit.html.contains("checked"))
            /// The version the edit form carries, as the browser sends it back.
            func version(_ page: Page) throws -> String {
                try #require(page.first(#"name="version" value="([^"]+)""#)).replacingOccurrences(of: "&quot;", with: "\"")
            }
            let opened = try version(edit)
            let changed = try await web.submit(collectionPath + "/edit", action: collectionPath, [
                ("version", opened), ("name", "For my nursing application (2026)"), ("statement", "My degree and my work"),
                ("item.issued.\(world.issuedId)", "on"),
            ], cookies: world.cookies)
            #expect(changed.status == 303 && changed.header("Location") == collectionPath + "?done=collection_updated")
            let renamed = try await web.get(collectionPath, cookie: world.cookies)
            #expect(renamed.html.contains("For my nursing application (2026)") && !renamed.html.contains("Employment: Teaching assistant"))
            // A second device saves from the form it opened before the first change: refused, shown as it is now.
            let stale = try await web.submit(collectionPath + "/edit", action: collectionPath, [
                ("version", opened), ("name", "Something else"), ("item.issued.\(world.issuedId)", "on"),
            ], cookies: world.cookies)
            #expect(stale.status == 422 && stale.html.contains("was changed somewhere else"), "\(stale.html)")
            #expect(stale.html.contains(#"value="For my nursing application (2026)""#), "the form shows the collection as it is now")
            let current = try version(try await web.get(collectionPath + "/edit", cookie: world.cookies))
            let emptied = try await web.submit(collectionPath + "/edit", action: collectionPath, [("version", current), ("name", "")],
                                               cookies: world.cookies)
            #expect(emptied.status == 422 && emptied.html.contains("Give the collection a name."))
            let restored = try await web.submit(collectionPath + "/edit", action: collectionPath, [
                ("version", current), ("name", "For my nursing application"), ("statement", "My degree and my work"),
                ("item.issued.\(world.issuedId)", "on"), ("item.record.\(world.records["employment"]!)", "on"),
            ], cookies: world.cookies)
            #expect(restored.status == 303)

            let shared = try await web.submit(collectionPath, action: "/wallet/shares", [
                ("collectionId", String(collectionPath.dropFirst("/wallet/collections/".count))),
                ("expiresInDays", "7"), ("passcode", "tulip-42"),
            ], cookies: world.cookies)
            #expect(shared.status == 200, "\(shared.html)")
            let url = try #require(shared.first(#"id="share-url" href="([^"]+)""#))
            #expect(shared.html.contains(#"src="data:image/svg+xml;base64,"#), "the QR code")
            let path = try #require(URL(string: url)?.path)
            #expect(path.hasPrefix("/s/vsh_"))

            // A verifier pastes the link on /verify: to the share page.
            let pastedLink = try await web.submitVerify([.field("credential", url)])
            #expect(pastedLink.status == 303 && pastedLink.header("Location") == path)
            let foreignLink = try await web.submitVerify([.field("credential", "https://evil.example/x/s/" + path.dropFirst(3))])
            #expect(foreignLink.status != 303, "only a link of the form https://host/s/vsh_… is followed")

            // A stranger: no cookies.
            let ask = try await web.get(path)
            #expect(ask.status == 200 && ask.html.contains(#"name="passcode""#))
            let token = try #require(ask.csrfToken)
            let wrong = try await web.post(path, form: [("csrf_token", token), ("passcode", "nope")], cookie: ask.csrfCookie)
            #expect(wrong.status == 403 && wrong.html.contains("That passcode is not right."))
            let right = try await web.post(path, form: [("csrf_token", token), ("passcode", "tulip-42")], cookie: ask.csrfCookie)
            #expect(right.status == 200, "\(right.html)")
            #expect(right.html.contains("Ada Lovelace shared these records with you"))
            #expect(right.html.contains("For my nursing application") && right.html.contains(#"data-verdict="genuine""#))
            #expect(right.html.contains("Teaching assistant"), "the shared record")
            let forged = try await web.post(path, form: [("passcode", "tulip-42")], cookie: ask.csrfCookie)
            #expect(forged.status == 403 && forged.html.contains("The form has expired"))

            let again = try await web.get(collectionPath, cookie: world.cookies)
            #expect(again.html.contains("shown") && again.html.contains("refused: wrong or missing passcode"))
            let shareId = try #require(again.first(#"data-share="([^"]+)""#))
            let revoked = try await web.submit(collectionPath, action: "/wallet/shares/\(shareId)/revoke",
                                               [("back", collectionPath)], cookies: world.cookies)
            #expect(revoked.status == 303 && revoked.header("Location") == collectionPath + "?done=share_revoked")
            let gone = try await web.get(path)
            #expect(gone.status == 410 && gone.html.contains("revoked"))
            let missing = try await web.get("/s/vsh_doesnotexist")
            #expect(missing.status == 404)
        }
    }

    @Test("forms without the page's CSRF token are refused with a page, and errors are shown on the form",
          arguments: TestEngine.available)
    func formsNeedTheirToken(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            for action in ["/wallet/collections", "/wallet/shares", "/wallet/consents/\(world.consentId)/withdraw", "/wallet/erasure"] {
                let refused = try await web.post(action, form: [("name", "x")], cookie: world.cookies)
                #expect(refused.status == 403 && refused.html.contains("The form has expired"), "\(action)")
            }
            let unnamed = try await web.submit("/wallet/collections", action: "/wallet/collections", [("name", " ")], cookies: world.cookies)
            #expect(unnamed.status == 422 && unnamed.html.contains("Give the collection a name."))
            let unconfirmed = try await web.submit("/wallet/data", action: "/wallet/erasure", [("reason", "")], cookies: world.cookies)
            #expect(unconfirmed.status == 422 && unconfirmed.html.contains("Tick the box"))
            let garbage = try await web.submit("/wallet/data", action: "/wallet/import", [("credential", "not a credential")],
                                               cookies: world.cookies)
            #expect(garbage.status == 422 && garbage.html.contains("The credential was not imported."))
            let asked = try await web.submit("/wallet/data", action: "/wallet/erasure", [("confirm", "yes")], cookies: world.cookies)
            #expect(asked.status == 303 && asked.header("Location") == "/wallet/data?done=erasure_requested")
        }
    }

    @Test("a learner sends an issued credential to a wallet app: the page shows the QR code, the same-device link and the code once; after the app fetched it, the page says so; a Learner Credential Wallet offer has its link; an open offer can be withdrawn",
          arguments: TestEngine.available)
    func offerToAWalletApp(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            let path = "/wallet/credentials/\(world.issuedId)"
            let made = try await web.submit(path, action: "\(path)/offers", [("protocol", "oid4vci"), ("transactionCode", "on")],
                                            cookies: world.cookies)
            #expect(made.status == 200, "\(made.html)")
            #expect(made.html.contains(#"<img class="qr" src="data:image/svg+xml;base64,"#))
            let link = try #require(made.first(#"id="offer-link" href="([^"]+)""#))
            #expect(link.hasPrefix("openid-credential-offer://?credential_offer="))
            let code = try #require(made.first(#"id="transaction-code">([0-9]{6})<"#))

            // The wallet app: the offer in the link, the code, the token, the credential.
            let offerJSON = try #require(String(link.dropFirst("openid-credential-offer://?credential_offer=".count))
                .replacingOccurrences(of: "&amp;", with: "&").removingPercentEncoding)
            let offer = try #require(try JSONSerialization.jsonObject(with: Data(offerJSON.utf8)) as? [String: Any])
            let grant = (offer["grants"] as? [String: Any])?["urn:ietf:params:oauth:grant-type:pre-authorized_code"] as? [String: Any]
            let preAuthorized = try #require(grant?["pre-authorized_code"] as? String)
            let token = try await web.post("/oauth/token", form: [
                ("grant_type", "urn:ietf:params:oauth:grant-type:pre-authorized_code"), ("pre-authorized_code", preAuthorized),
                ("tx_code", code),
            ], cookie: nil)
            #expect(token.status == 200, "\(token.html)")
            let accessToken = try #require(token.json["access_token"] as? String)
            let fetched = try await web.send(.post, "/oid4vci/credential", key: accessToken,
                                             json: ["credential_configuration_id": "OpenBadgeCredential_ldp_vc"])
            #expect(fetched.status == 200, "\(fetched.html)")

            let after = try await web.get(path, cookie: world.cookies)
            #expect(after.html.contains("Delivered to the wallet app"), "\(after.html)")
            #expect(!after.html.contains("transaction-code") && !after.html.contains(preAuthorized), "the codes are shown once")

            let another = try await web.submit(path, action: "\(path)/offers", [("protocol", "vcapi")], cookies: world.cookies)
            #expect(another.status == 200 && another.first(#"id="transaction-code">([0-9]{6})<"#) == nil, "no code for an exchange")
            #expect(another.first(#"id="offer-link" href="([^"]+)""#)?.hasPrefix("https://lcw.app/request.html?request=") == true)
            #expect(another.first(#"id="offer-deep-link" href="([^"]+)""#)?.hasPrefix("dccrequest://request?request=") == true)
            let offerId = try #require(another.first(#"data-offer="(cof_[^"]+)""#))
            let withdrawn = try await web.submit(path, action: "/wallet/credential-offers/\(offerId)/withdraw", [("back", path)],
                                                 cookies: world.cookies)
            #expect(withdrawn.status == 303 && withdrawn.header("Location") == "\(path)?done=offer_withdrawn")
            let page = try await web.get(path + "?done=offer_withdrawn", cookie: world.cookies)
            #expect(page.html.contains("The offer was withdrawn") && page.html.contains("Withdrawn"))
        }
    }

    @Test("a learner reaches only their own records, credentials and collections", arguments: TestEngine.available)
    func anotherLearnersDataIsRefused(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let ada = try await WalletWorld.setUp(web)
            let grace = try await WalletWorld.setUp(web, login: "grace", name: "Grace Hopper")
            #expect(try await web.get("/wallet/records/\(ada.records["employment"]!)", cookie: grace.cookies).status == 404)
            #expect(try await web.get("/wallet/credentials/\(ada.issuedId)", cookie: grace.cookies).status == 404)
            #expect(try await web.get("/wallet/credentials/\(ada.issuedId)/download/json", cookie: grace.cookies).status == 404)
            let share = try await web.submit("/wallet/credentials/\(grace.issuedId)", action: "/wallet/shares", [
                ("credentialId", ada.issuedId), ("kind", "issued"), ("expiresInDays", "7"),
            ], cookies: grace.cookies)
            #expect(share.status == 404, "another learner's credential cannot be shared")
            let collection = try await web.submit("/wallet/collections", action: "/wallet/collections", [
                ("name", "Borrowed"), ("item.issued.\(ada.issuedId)", "on"),
            ], cookies: grace.cookies)
            #expect(collection.status == 422 && collection.html.contains("is none of your issued items"), "\(collection.html)")
            let home = try await web.get("/wallet", cookie: grace.cookies)
            #expect(home.html.contains("Grace Hopper") && !home.html.contains("Ada Lovelace"))
        }
    }

    @Test("withdrawing a consent on the access page denies the system's next read, which the page then lists as denied",
          arguments: TestEngine.available)
    func consentWithdrawalDeniesTheSystem(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            let path = "/api/v1/learners/\(world.learnerId)/employment"
            #expect(try await web.send(.get, path, key: world.systemKey).status == 200)
            let access = try await web.get("/wallet/access", cookie: world.cookies)
            #expect(access.html.contains("Registrar SIS (Riverside University)") && access.html.contains("Registrar sync"))
            #expect(access.html.contains(#"data-consent="\#(world.consentId)""#))
            let withdrawn = try await web.submit("/wallet/access", action: "/wallet/consents/\(world.consentId)/withdraw", [],
                                                 cookies: world.cookies)
            #expect(withdrawn.status == 303 && withdrawn.header("Location") == "/wallet/access?done=consent_withdrawn")
            let denied = try await web.send(.get, path, key: world.systemKey)
            #expect(denied.status == 403, "\(denied.html)")
            let after = try await web.get("/wallet/access?done=consent_withdrawn", cookie: world.cookies)
            #expect(after.html.contains("The consent was withdrawn"))
            #expect(after.html.contains("Denied") && after.html.contains("read records"))
            #expect(!after.html.contains("Withdraw this consent"), "a withdrawn consent has no button")
            #expect(!after.html.contains("audit archive"))

            // Once old accesses are archived, the page says from when the list is complete.
            _ = try await web.database.archiveAudit(before: Date().addingTimeInterval(-0.001), at: Date(), by: .init(kind: .cli, id: "cli"),
                                                    write: { _ in }, seal: { String(repeating: "0", count: 64) })
            let archived = try await web.get("/wallet/access", cookie: world.cookies)
            #expect(archived.html.contains("have been moved to the audit archive"), "\(archived.html)")
        }
    }

    @Test("a credential received elsewhere is imported from a pasted JSON and shown with the wallet's credentials; the export is a JSON download",
          arguments: TestEngine.available)
    func importAndExport(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            let received = try await web.issue(name: "Data Visualisation")
            let imported = try await web.submit("/wallet/data", action: "/wallet/import", [("credential", received)], cookies: world.cookies)
            #expect(imported.status == 200, "\(imported.html)")
            #expect(imported.html.contains("Imported “Data Visualisation”."))
            let list = try await web.get("/wallet/credentials", cookie: world.cookies)
            #expect(list.html.contains("Data Visualisation"))
            // A baked SVG badge uploaded as a file (multipart): another learner's download, imported here.
            let grace = try await WalletWorld.setUp(web, login: "grace", name: "Grace Hopper")
            let svg = try await web.get("/wallet/credentials/\(grace.issuedId)/download/svg", cookie: grace.cookies)
            let form = try await web.get("/wallet/data", cookie: world.cookies)
            let uploaded = try await web.post("/wallet/import", parts: [
                .field("csrf_token", try #require(form.csrfToken)),
                .file("file", filename: "badge.svg", contentType: "image/svg+xml", bytes: Array(svg.body)),
            ], cookie: world.cookies)
            #expect(uploaded.status == 200 && uploaded.html.contains("Imported “BSc Computer Science”."), "\(uploaded.html)")

            let export = try await web.get("/wallet/export", cookie: world.cookies)
            #expect(export.status == 200 && export.header("Content-Disposition")?.contains("vita-export.json") == true)
            #expect((try? JSONValue(parsing: Array(export.body)))?["heldCredentials"]?.arrayValue?.count == 2)
        }
    }

    @Test("a value derived from many records links to its first ten and says how many more; 'show every entry' lists them all",
          arguments: TestEngine.available)
    func longSourceListsAreShortened(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            let organizationId = try #require(
                (try await web.send(.get, "/api/v1/learners/\(world.learnerId)/employment", key: world.systemKey).json["items"]
                    as? [[String: Any]])?.first?["organizationId"] as? String)
            for n in 1...11 {
                let created = try await web.send(.post, "/api/v1/learners/\(world.learnerId)/employment", key: world.systemKey, json: [
                    "record": ["organizationId": organizationId, "title": "Tutor \(n)", "startDate": "2024-0\(n % 9 + 1)-01",
                               "endDate": "2024-12-31"],
                    "provenance": ["sourceRecordId": "job-\(n)"]])
                #expect(created.status == 201, "\(created.html)")
            }
            let home = try await web.get("/wallet", cookie: world.cookies)
            #expect(home.html.contains("and 2 more records"), "12 employment records, 10 linked")
            #expect(home.html.contains(#"id="shortened""#) && home.html.contains(#"href="/wallet?all=1""#))
            let all = try await web.get("/wallet?all=1", cookie: world.cookies)
            #expect(!all.html.contains("more records") && !all.html.contains(#"id="shortened""#))
            #expect(all.html.components(separatedBy: "class=\"source\"").count > home.html.components(separatedBy: "class=\"source\"").count)
        }
    }

    @Test("a learner pastes a verifier's OpenID4VP request: the page says who asks and that this cannot be confirmed, and offers the issued badge, chosen; a request no credential answers offers only declining; a pasted non-request is explained; sending without outbound requests says why",
          arguments: TestEngine.available)
    func answerAVerifier(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            let form = try await web.get("/wallet/present", cookie: world.cookies)
            #expect(form.status == 200 && form.html.contains(#"aria-current="page">Answer a verifier"#))
            let request = try await web.api(.post, "/api/v1/presentation-requests",
                                            json: ["protocol": "openid4vp", "credentialType": "OpenBadgeCredential"])
            let uri = try #require(request.json["offerURI"] as? String)

            let preview = try await web.submit("/wallet/present", action: "/wallet/present", [("request", uri), ("step", "read")],
                                               cookies: world.cookies)
            #expect(preview.status == 200, "\(preview.html)")
            #expect(preview.html.contains("127.0.0.1 asks for your credentials"))
            #expect(preview.html.contains("Vita cannot confirm who this is: the request names only the address the answer goes to, http://127.0.0.1:8080/oid4vp/response."))
            #expect(preview.html.contains("Asked for: OpenBadgeCredential, signed with Data Integrity"))
            #expect(preview.html.contains("Asked for: OpenBadgeCredential, as a VC-JWT"))
            #expect(preview.html.contains("The verifier asks for one of these; choose what to send."))
            let choice = try #require(preview.first(#"<input type="radio" id="pick-0-0" name="pick.credential" value="([^"]+)" checked>"#))
            #expect(choice == world.issuedId)
            #expect(preview.html.contains("BSc Computer Science — Riverside University"))
            #expect(preview.html.contains("Send none for this"), "either query may go unanswered: they are alternatives")
            #expect(preview.html.contains(#"value="send""#) && preview.html.contains(#"value="decline""#))
            #expect(WalletPresentForm.selection(["pick.credential": choice, "pick.other.vcr_1": "on", "pick.none": ""]) ==
                    ["credential": [.string(choice)], "other": ["vcr_1"]])

            // Sending needs the server's outbound client, which this harness has not: the page says so.
            let send = try await web.post("/wallet/present", form: [("csrf_token", try #require(preview.csrfToken)), ("request", uri),
                                                                    ("step", "send"), ("pick.credential", choice)], cookie: world.cookies)
            #expect(send.status == 503 && send.html.contains("The answer could not be sent."), "\(send.html)")

            let clr = try await web.api(.post, "/api/v1/presentation-requests", json: ["protocol": "openid4vp", "credentialType": "ClrCredential"])
            let unanswerable = try await web.submit("/wallet/present", action: "/wallet/present",
                                                    [("request", try #require(clr.json["offerURI"] as? String))], cookies: world.cookies)
            #expect(unanswerable.html.contains("None of your credentials answers this."))
            #expect(!unanswerable.html.contains(#"value="send""#) && unanswerable.html.contains(#"value="decline""#))

            let garbage = try await web.submit("/wallet/present", action: "/wallet/present", [("request", "<b>hello</b>")], cookies: world.cookies)
            #expect(garbage.status == 422 && garbage.html.contains("This is not a request Vita&#39;s wallet can answer."), "\(garbage.html)")
            #expect(garbage.html.contains("&lt;b&gt;hello&lt;/b&gt;") && !garbage.html.contains("<b>hello"))
        }
    }

    @Test("the credentials page leads to receiving a credential another issuer offers; the page takes the pasted offer and says why it cannot be read without outbound requests; an empty form is explained",
          arguments: TestEngine.available)
    func receiveAnOffer(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await WalletWorld.setUp(web)
            let credentials = try await web.get("/wallet/credentials", cookie: world.cookies)
            #expect(credentials.html.contains(#"<a href="/wallet/receive">Receive a credential another issuer offers you</a>"#))
            let form = try await web.get("/wallet/receive", cookie: world.cookies)
            #expect(form.status == 200 && form.html.contains(#"<textarea id="offer" name="offer""#))
            let empty = try await web.submit("/wallet/receive", action: "/wallet/receive", [("offer", " ")], cookies: world.cookies)
            #expect(empty.status == 422 && empty.html.contains(#"id="problem""#))
            // This harness makes no outbound requests: reading the issuer's metadata is refused, and the page says why.
            let offer = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Foffer"
            let read = try await web.submit("/wallet/receive", action: "/wallet/receive", [("offer", offer), ("step", "read")],
                                            cookies: world.cookies)
            #expect(read.status == 503 && read.html.contains("The credential was not received.") && read.html.contains("outbound requests are off"),
                    "\(read.html)")
            #expect(read.html.contains("issuer.example%2Foffer"), "the offer stays in the form")
        }
    }

    @Test("a verifier's link into the wallet (its request's parameters on /wallet/present) leads through sign-in back to the request read; the page to return to must be a wallet page",
          arguments: TestEngine.available)
    func invokedByLink(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            _ = try await WalletWorld.setUp(web)
            let request = try await web.api(.post, "/api/v1/presentation-requests", json: ["protocol": "openid4vp"])
            let uri = try #require(request.json["offerURI"] as? String)
            let link = "/wallet/present?" + uri.dropFirst("openid4vp://?".count)
            let away = try await web.get(link)
            let location = try #require(away.header("Location"))
            #expect(away.status == 303 && location == "/wallet/sign-in?next=" + PercentEncoding.unreserved(link))
            let form = try await web.get(location)
            #expect(form.html.contains(#"<input type="hidden" name="next" value=""#))
            let token = try #require(form.csrfToken)
            let csrfCookie = try #require(form.csrfCookie)
            let signedIn = try await web.post("/wallet/sign-in", form: [("csrf_token", token), ("login", "ada"),
                                                                          ("password", WalletWorld.password), ("next", link)], cookie: csrfCookie)
            #expect(signedIn.status == 303 && signedIn.header("Location") == link)
            let cookies = [csrfCookie, signedIn.cookie("vita_wallet")].compactMap { $0 }.joined(separator: "; ")
            let read = try await web.get(link, cookie: cookies)
            #expect(read.status == 200 && read.html.contains("127.0.0.1 asks for your credentials"), "\(read.html.prefix(500))")

            // Anything but a wallet page is not returned to.
            for next in ["https://evil.example/", "//evil.example/wallet", "/admin", "/walletx", "/wallet/../admin", "/wallet/%2E%2E/admin",
                         "/wallet\\..\\admin", "/wallet/sign-in", "/wallet\r\nX: y"] {
                let again = try await web.get("/wallet/sign-in")
                let csrfCookie = try #require(again.csrfCookie)
                let answer = try await web.post("/wallet/sign-in", form: [("csrf_token", try #require(again.csrfToken)), ("login", "ada"),
                                                                            ("password", WalletWorld.password), ("next", next)],
                                                cookie: csrfCookie)
                #expect(answer.header("Location") == "/wallet", "\(next) → \(answer.header("Location") ?? "")")
            }
            // An issuer's link: the offer's parameters on /wallet/receive are read (here without outbound requests: why not).
            let offer = try await web.get("/wallet/receive?credential_offer_uri=https%3A%2F%2Fissuer.example%2Foffer", cookie: cookies)
            #expect(offer.status == 503 && offer.html.contains("outbound requests are off"))
        }
    }

    @Test("each wallet page needs a session", arguments: TestEngine.available)
    func pagesNeedASession(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            for path in ["/wallet/credentials", "/wallet/collections", "/wallet/access", "/wallet/data", "/wallet/export",
                         "/wallet/present", "/wallet/receive", "/wallet/records/rec_00000000000000000000000000"] {
                let page = try await web.get(path)
                #expect(page.status == 303 && page.header("Location") == "/wallet/sign-in?next=" + PercentEncoding.unreserved(path), "\(path)")
            }
        }
    }
}
