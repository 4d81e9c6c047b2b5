import Foundation
import Testing
import VitaCredentials
import VitaJSON
import VitaTestSupport
@testable import VitaWeb

@Suite("The verifier page /verify, through the real router")
struct VerifyPageTests {
    /// A valid 1×1 PNG with no credential baked in.
    static let plainPNG = Array(Data(base64Encoded:
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")!)

    @Test("every page answers HEAD as GET: the same status, type and Content-Length (the GET body's length), and no body")
    func headAnswersAsGet() async throws {
        try await WebHarness.run { web in
            let pages = web.pageRoutes.filter { $0.method == "GET" && !$0.path.contains("{") }.map(\.path)
            #expect(pages.contains("/verify") && pages.contains("/wallet") && pages.contains("/admin"))
            for path in pages + ["/wallet/sign-in?next=%2Fwallet%2Fcredentials"] {
                let get = try await web.get(path)
                let head = try await web.get(path, method: .head)
                #expect(head.status == get.status, "\(path): \(head.status) for HEAD, \(get.status) for GET")
                #expect(head.header("Content-Type") == get.header("Content-Type"), "\(path)")
                #expect(head.header("Location") == get.header("Location"), "\(path)")
                #expect(head.header("Content-Length") == String(get.body.count), "\(path): \(head.header("Content-Length") ?? "none")")
                #expect(head.body.isEmpty, "\(path)")
            }
        }
    }

    @Test("the form renders with a CSRF token and cookie, the security headers and the stylesheet link")
    func rendersForm() async throws {
        try await WebHarness.run { web in
            let page = try await web.get("/verify")
            #expect(page.status == 200)
            #expect(page.header("Content-Type") == "text/html; charset=utf-8")
            #expect(page.header("Content-Security-Policy") == PageRenderer.contentSecurityPolicy)
            #expect(page.header("Content-Security-Policy")?.contains("script-src") == false)
            #expect(page.header("X-Content-Type-Options") == "nosniff")
            #expect(page.header("X-Frame-Options") == "DENY")
            #expect(page.header("Referrer-Policy") == "no-referrer")
            #expect(page.csrfToken != nil)
            let cookie = try #require(page.headers[.setCookie])
            #expect(cookie.hasPrefix("vita_csrf=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            #expect(page.html.contains(##"<a class="skip" href="#main">"##) && page.html.contains(#"<main id="main""#))
            #expect(page.html.contains(#"<label for="credential">"#) && page.html.contains(#"<label for="file">"#))
            #expect(!page.html.contains("<script") && !page.html.contains("<style") && !page.html.contains("style="))
            let again = try await web.get("/verify", cookie: page.csrfCookie)
            #expect(again.headers[.setCookie] == nil, "an existing nonce is kept")

            let css = try await web.get("/static/vita.css")
            #expect(css.status == 200 && css.header("Content-Type") == "text/css; charset=utf-8")
            #expect(css.html.contains(":focus-visible"))
        }
    }

    /// A wallet app's presentation of `credential`, signed by a new holder key over `challenge` and `domain`.
    static func presentation(of credential: JSONValue, challenge: String?, domain: String?) throws -> (Ed25519KeyPair, JSONValue) {
        let holder = Ed25519KeyPair()
        let presentation: JSONValue = ["@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                                       "holder": .string(holder.didKey.did), "verifiableCredential": [credential]]
        let signed = try DataIntegrity.addProof(
            to: presentation,
            options: ProofOptions(verificationMethod: holder.didKey.verificationMethodID, proofPurpose: "authentication",
                                  challenge: challenge, domain: domain),
            signer: holder)
        return (holder, signed)
    }

    @Test("a verifier asks a wallet app for credentials: the request's page shows the QR code, the wallet's link and a link to check for the answer; once a wallet presents a signed presentation, the page shows who answered and each credential verified",
          arguments: TestEngine.available)
    func askAWalletApp(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let credential = try JSONValue(parsing: try await web.issue(name: "Clinical placement"))
            let form = try await web.get("/verify")
            #expect(form.html.contains(#"action="/verify/request""#))
            let made = try await web.post("/verify/request", form: [("csrf_token", try #require(form.csrfToken)),
                                                                     ("credentialType", "OpenBadgeCredential"), ("reason", "Placement <check>")],
                                          cookie: form.csrfCookie)
            #expect(made.status == 303, "\(made.html)")
            let location = try #require(made.header("Location"))
            #expect(location.hasPrefix("/verify/requests/vpv_"))
            let waiting = try await web.get(location)
            #expect(waiting.status == 200)
            #expect(waiting.html.contains(#"<a id="check-again" href="\#(location)">"#), "a link to check again, no timed reload")
            #expect(!waiting.html.contains("http-equiv"))
            #expect(waiting.html.contains("Placement &lt;check&gt;") && !waiting.html.contains("<check>"))
            let link = try #require(waiting.first(#"id="request-link" href="([^"]+)""#))
            #expect(link.hasPrefix("https://lcw.app/request.html?request="))

            // The wallet app: the invitation in the link, {} for the request, then a presentation signed for it.
            let request = try #require(URLComponents(string: link.replacingOccurrences(of: "&amp;", with: "&"))?
                .queryItems?.first { $0.name == "request" }?.value)
            let exchange = try #require((try JSONValue(parsing: request))["protocols"]?["vcapi"]?.stringValue)
            let path = String(exchange[try #require(exchange.range(of: "/exchanges/")).lowerBound...])
            let asked = try await web.api(.post, path, json: [String: Any]())
            let vpr = try #require(asked.json["verifiablePresentationRequest"] as? [String: Any])
            let (holder, signed) = try Self.presentation(of: credential, challenge: vpr["challenge"] as? String,
                                                         domain: vpr["domain"] as? String)
            let sent = try await web.api(.post, path, json: ["verifiablePresentation": try JSONSerialization.jsonObject(with: Data(signed.serialized()))])
            #expect(sent.status == 200, "\(sent.html)")

            let answered = try await web.get(location)
            #expect(!answered.html.contains("check-again"), "nothing more to wait for")
            #expect(answered.html.contains("proved it holds the key of \(holder.didKey.did)"), "\(answered.html)")
            #expect(answered.html.contains("Clinical placement") && answered.html.contains("Credential 1 of 1"))
            #expect(answered.html.contains(#"data-verdict="genuine"#), "genuine, with or without notes")
            #expect(try await web.get("/verify/requests/vpv_unknown").status == 404)
        }
    }

    @Test("a verifier asks an OpenID4VP wallet app: the page shows the openid4vp:// request; a refusal posted to the Response URI says the person declined, and a presentation signed over the nonce for this verifier shows verified",
          arguments: TestEngine.available)
    func askAnOpenID4VPWallet(_ engine: TestEngine) async throws {
        try await WebHarness.run(engine) { web in
            let credential = try JSONValue(parsing: try await web.issue(name: "Clinical placement"))
            func makeRequest() async throws -> (page: String, parameters: [String: String]) {
                let form = try await web.get("/verify")
                #expect(form.html.contains(#"id="ask-protocol-openid4vp" name="protocol" value="openid4vp""#))
                let made = try await web.post("/verify/request", form: [("csrf_token", try #require(form.csrfToken)),
                                                                         ("protocol", "openid4vp"), ("credentialType", "OpenBadgeCredential")],
                                              cookie: form.csrfCookie)
                let location = try #require(made.header("Location"), "\(made.html)")
                let waiting = try await web.get(location)
                #expect(waiting.html.contains("Open in the wallet app") && waiting.html.contains("scan it with their wallet app"))
                let link = try #require(waiting.first(#"id="request-link" href="([^"]+)""#)).replacingOccurrences(of: "&amp;", with: "&")
                #expect(link.hasPrefix("openid4vp://?"))
                // The request by value makes a dense code: it is drawn larger, three pixels a module.
                let side = try #require(waiting.first(#"class="qr" src="[^"]+" alt="[^"]*" width="(\d+)""#).flatMap { Int($0) })
                #expect(side >= 300, "\(side)")
                let items = try #require(URLComponents(string: link)?.queryItems)
                return (location, Dictionary(uniqueKeysWithValues: items.map { ($0.name, $0.value ?? "") }))
            }

            let refused = try await makeRequest()
            let declined = try await web.post("/oid4vp/response", form: [("error", "access_denied"), ("state", refused.parameters["state"]!)],
                                              cookie: nil)
            #expect(declined.status == 200, "\(declined.html)")
            let declinedPage = try await web.get(refused.page)
            #expect(declinedPage.html.contains(#"id="declined""#) && declinedPage.html.contains("the person declined"), "\(declinedPage.html)")
            #expect(!declinedPage.html.contains("check-again"))

            let (location, parameters) = try await makeRequest()
            let (holder, signed) = try Self.presentation(of: credential, challenge: parameters["nonce"], domain: parameters["client_id"])
            let token: JSONValue = ["credential": [signed]]
            let sent = try await web.post("/oid4vp/response", form: [("vp_token", token.serializedString()), ("state", parameters["state"]!)],
                                          cookie: nil)
            #expect(sent.status == 200, "\(sent.html)")
            let answered = try await web.get(location)
            #expect(answered.html.contains("proved it holds the key of \(holder.didKey.did)"), "\(answered.html)")
            #expect(answered.html.contains(#"data-verdict="genuine"#) && answered.html.contains("What was asked for"))
        }
    }

    @Test("a POST without a valid CSRF token is refused with a 403 page, not an error")
    func refusesForgedForms() async throws {
        try await WebHarness.run { web in
            let form = try await web.get("/verify")
            let token = try #require(form.csrfToken)
            let credential = FormPart.field("credential", "{}")
            for (parts, cookie) in [
                ([credential], form.csrfCookie),                                    // no token
                ([FormPart.field("csrf_token", token), credential], nil),          // no cookie
                ([FormPart.field("csrf_token", token), credential], "vita_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                ([FormPart.field("csrf_token", "forged"), credential], form.csrfCookie),
            ] {
                let refused = try await web.post("/verify", parts: parts, cookie: cookie)
                #expect(refused.status == 403)
                #expect(refused.header("Content-Type") == "text/html; charset=utf-8")
                #expect(refused.html.contains("The form has expired"))
                #expect(refused.header("Content-Security-Policy") != nil)
            }
        }
    }

    @Test("a token sealed under another master key is refused")
    func refusesOtherNodesKeys() throws {
        let clock: @Sendable () -> Date = { Date() }
        let ours = CSRFProtection(vault: try .init(base64: KeyVaultKeys.one), secureCookies: false, clock: clock)
        let theirs = CSRFProtection(vault: try .init(base64: KeyVaultKeys.two), secureCookies: false, clock: clock)
        let (token, cookie) = try theirs.issue(cookieHeader: nil)
        let header = try #require(cookie?.split(separator: ";").first.map(String.init))
        #expect(theirs.isValid(token: token, cookieHeader: header))
        #expect(!ours.isValid(token: token, cookieHeader: header))
        let sameKey = CSRFProtection(vault: try .init(base64: KeyVaultKeys.two), secureCookies: true, clock: clock)
        #expect(sameKey.isValid(token: token, cookieHeader: header), "another node with the same master key accepts it")
        let later = CSRFProtection(vault: try .init(base64: KeyVaultKeys.two), secureCookies: false,
                                   clock: { Date().addingTimeInterval(CSRFProtection.maxAge + 60) })
        #expect(!later.isValid(token: token, cookieHeader: header), "an old token expires")
    }

    @Test("a credential issued by Vita is genuine; changed after signing it is tampered, with the proof check failed")
    func genuineAndTampered() async throws {
        try await WebHarness.run { web in
            let signed = try await web.issue()
            let genuine = try await web.submitVerify([.field("credential", signed)])
            #expect(genuine.status == 200)
            #expect(genuine.html.contains(#"data-verdict="genuine""#), "\(genuine.html)")
            #expect(genuine.html.contains("This credential is genuine and current."))
            #expect(genuine.html.contains(#"data-check="proof" data-outcome="pass""#))
            #expect(genuine.html.contains("Completed the course") && genuine.html.contains("Riverside University"))

            let tampered = try await web.submitVerify([.field("credential",
                signed.replacingOccurrences(of: "\"name\":\"Algorithms\"", with: "\"name\":\"Advanced Algorithms\""))])
            #expect(tampered.html.contains(#"data-verdict="tampered""#), "\(tampered.html)")
            #expect(tampered.html.contains("This credential has been tampered with"))
            #expect(tampered.html.contains(#"data-check="proof" data-outcome="fail""#))

            let asFile = try await web.submitVerify([.file("file", filename: "badge.json", contentType: "application/json",
                                                           bytes: Array(signed.utf8))])
            #expect(asFile.html.contains(#"data-verdict="genuine""#))
        }
    }

    @Test("the issuer's logo, a data: image in its profile, is drawn beside its name")
    func issuerLogo() async throws {
        try await WebHarness.run { web in
            let signed = try await web.issue(issuerImage: ConsoleAchievementTests.png)
            let page = try await web.submitVerify([.field("credential", signed)])
            #expect(page.html.contains(#"data-verdict="genuine""#), "\(page.html)")
            #expect(page.html.contains(#"<dd><img class="issuer-logo" src="\#(ConsoleAchievementTests.png)" alt="" width="24" height="24"> Riverside University"#),
                    "\(page.html)")
        }
    }

    @Test("hostile credential content is escaped")
    func escapesContent() async throws {
        try await WebHarness.run { web in
            let signed = try await web.issue(name: "<script>alert(1)</script>")
            let page = try await web.submitVerify([.field("credential", signed)])
            #expect(page.html.contains(#"data-verdict="genuine""#))
            #expect(page.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.html.contains("<script>"))
        }
    }

    @Test("bad input gets a helpful message on the page, never an error page")
    func badInput() async throws {
        try await WebHarness.run(maxUploadSize: 64 * 1024) { web in
            let cases: [([FormPart], Int, String)] = [
                ([.field("credential", "  ")], 422, "Nothing was submitted"),
                ([.field("credential", "hello, is this a badge?")], 422, "This is not a credential we can read"),
                ([.field("credential", "{\"name\": ")], 422, "not valid JSON"),
                ([.file("file", filename: "photo.png", contentType: "image/png", bytes: Self.plainPNG)], 422,
                 "This image has no credential baked into it"),
                ([.file("file", filename: "data.bin", contentType: "application/octet-stream", bytes: [0xff, 0xfe, 0x00, 0x81])],
                 422, "neither a badge image"),
                ([.field("credential", "{}"), .file("file", filename: "b.json", contentType: "application/json", bytes: Array("{}".utf8))],
                 422, "not both"),
                ([.file("file", filename: "huge.json", contentType: "application/json", bytes: Array(repeating: 0x20, count: 200_000))],
                 413, "The file is too large"),
            ]
            for (parts, status, message) in cases {
                let page = try await web.submitVerify(parts)
                #expect(page.status == status, "\(message)")
                #expect(page.html.contains(#"id="problem""#) && page.html.contains(message), "\(page.html)")
                #expect(page.html.contains(#"<form class="verify-form""#), "the form is shown again")
            }
            let notAForm = try await web.client.execute(uri: "/verify", method: .post, headers: [.contentType: "text/plain"],
                                                        body: .init(string: "x")) { Int($0.status.code) }
            #expect(notAForm == 400)
        }
    }

    @Test("every message id the code and templates use is in the strings table")
    func stringsAreComplete() throws {
        let strings = try WebStrings()
        for verdict in VerdictSummary.allCases { #expect(strings.table[verdict.messageId] != nil, "\(verdict.messageId)") }
        for check in ["format", "context", "type", "schema", "proof", "jsonld", "issuer", "validity", "status", "endorsements", "nested", "request"] {
            #expect(strings.table["check.\(check)"] != nil, "check.\(check)")
        }
        for outcome in ["pass", "fail", "warning", "not_checked"] { #expect(strings.table["outcome.\(outcome)"] != nil) }
        let templates = try #require(WebStrings.templatesURL)
        let values = strings.templateValues
        for name in try FileManager.default.contentsOfDirectory(atPath: templates.path) {
            let text = try String(contentsOfFile: templates.appendingPathComponent(name).path, encoding: .utf8)
            for match in text.matches(of: /\{\{t\.([a-z_]+)\}\}/) {
                #expect(values[String(match.1)] != nil, "\(name) uses t.\(match.1)")
            }
            #expect(!text.contains("{{{") && !text.contains("{{&"), "\(name) renders nothing unescaped")
        }
    }
}

enum KeyVaultKeys {
    static let one = Data(repeating: 1, count: 32).base64EncodedString()
    static let two = Data(repeating: 2, count: 32).base64EncodedString()
}

@Test("a QR code is drawn at three pixels a module, quiet zone included, from 200 to 400 pixels")
func qrCodeSizes() throws {
    #expect(QRImage.size(svg: #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29" width="116""#) == 200)
    #expect(QRImage.size(svg: #"<svg viewBox="0 0 121 121">"#) == 363)
    #expect(QRImage.size(svg: #"<svg viewBox="0 0 185 185">"#) == 400)
    #expect(QRImage.size(svg: "<svg>") == 240, "no view box: the earlier fixed size")
    let values = QRImage.values(svg: #"<svg viewBox="0 0 77 77"></svg>"#)
    #expect(values["size"] as? String == "231")
    #expect((values["src"] as? String)?.hasPrefix("data:image/svg+xml;base64,") == true)
}

@Test("sizes are written for people", arguments: [
    (850, "850 bytes"), (12 * 1024, "12 KB"), (1 << 20, "1 MB"), (10 * 1024 * 1024 + 300, "10 MB"), (11 * 1024 * 1024 / 2, "5.5 MB"),
])
func sizesForPeople(_ bytes: Int, _ text: String) {
    #expect(WebStrings.size(bytes) == text)
}
