import Foundation
import Testing
import VitaTestSupport

/// Every page of the web interface, as a visitor, a signed-in learner and a signed-in administrator: hostile path
/// segments and query values, and every form field of the pages sent hostile values with a valid CSRF token. Whatever
/// the input, the answer is a page or a redirect, never a 500, and markup sent in a field never comes back unescaped.
struct PageHostileInputTests {
    static let script = "<script>alert(1)</script>"

    @Test("every page answers hostile path segments, query values and form fields with a page or a redirect, never a 500, never echoing markup",
          arguments: TestEngine.available, SweepParts.all)
    func hostileInputNeverFails(_ engine: TestEngine, part: Int) async throws {
        try await WebHarness.run(engine, rateLimited: false) { web in
            let world = try await ConsoleTests.world(web, learners: 1)
            let staff = try await ConsoleTests.member(web, world.organizationId, login: "amy", role: "admin")
            _ = try await WalletSessionTests.learnerWithAccount(web)
            let (_, learner) = try await WalletSessionTests.signIn(web)
            let identifiers = ["jobId": "job_01JAAAAAAAAAAAAAAAAAAAAAAA", "agreementId": "agr_01JAAAAAAAAAAAAAAAAAAAAAAA",
                               "recordId": world.records[0].1, "format": "svg"]
            for cookie in [nil, learner, staff] {
                // The CSRF token and cookie a browser would hold.
                let signIn = try await web.get("/wallet/sign-in")
                let token = try #require(signIn.csrfToken)
                let session = cookie?.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.hasPrefix("vita_csrf=") }
                let cookies = ((session ?? []) + [signIn.csrfCookie].compactMap { $0 }).joined(separator: "; ")
                // Signing out would end the caller's session for the rest of the sweep.
                // The pages are swept in parts (`SweepParts`), each on a database of its own, so that the parts run side by side.
                let routes = web.pageRoutes.sorted(by: { ($0.path, $0.method) < ($1.path, $1.method) })
                #expect(routes.count > 40, "the sweep found the interface's pages")
                for (index, (method, path)) in routes.enumerated() where SweepParts.includes(index, in: part) && !path.hasSuffix("sign-out") {
                    let real = PathTemplate.fill(path) { identifiers[$0] ?? PathTemplate.placeholder(for: $0) }
                    for segment in Self.hostileSegments where path.contains("{") {
                        try await check(web, method, PathTemplate.fill(path) { _ in segment }, cookies: cookies, token: token)
                    }
                    for value in ["%00", "-1", "99999999999999999999", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", String(repeating: "z", count: 3000)] {
                        for name in ["cursor", "limit", "search", "status", "error"] {
                            try await check(web, method, real + "?\(name)=\(value)", cookies: cookies, token: token)
                        }
                    }
                    guard method == "POST" else { continue }
                    // The fields of the forms on the page at the same path and the one above it, as this caller sees them.
                    var fields: Set<String> = []
                    for page in [real, String(real[..<(real.lastIndex(of: "/") ?? real.endIndex)])] where !page.isEmpty {
                        fields.formUnion(Self.fieldNames(try await web.get(page, cookie: cookies).html))
                    }
                    fields.remove("csrf_token")
                    for field in fields.sorted() {
                        for value in ["", "a\u{0}b", "-1", "99999999999999999999", Self.script, "2026-02-30", "lrn_'--",
                                      String(repeating: "é", count: 40_000)] {
                            try await check(web, method, real, cookies: cookies, token: token, form: [(field, value)])
                        }
                    }
                }
            }
        }
    }

    func check(_ web: WebHarness, _ method: String, _ uri: String, cookies: String, token: String,
               form: [(String, String)] = []) async throws {
        let page = method == "POST"
            ? try await web.post(uri, form: [("csrf_token", token)] + form, cookie: cookies)
            : try await web.get(uri, cookie: cookies)
        let what = "\(method) \(uri.prefix(100)) \(form.map { "\($0.0)=\($0.1.prefix(20))" })"
        #expect(page.status < 500, "\(what) answered \(page.status): \(page.html.prefix(300))")
        if page.header("Content-Type")?.hasPrefix("text/html") == true {
            #expect(!page.html.contains(Self.script), "\(what) echoed markup unescaped")
        }
    }

    /// The names of the inputs, selects and text areas of `html`.
    static func fieldNames(_ html: String) -> Set<String> {
        var names: Set<String> = []
        var rest = html[...]
        while let range = rest.range(of: #"name=""#) {
            let after = rest[range.upperBound...]
            if let end = after.firstIndex(of: "\"") { names.insert(String(after[..<end])) }
            rest = after
        }
        return names.filter { !$0.isEmpty && $0.count < 60 && !$0.contains(" ") }
    }

    static let hostileSegments = [String(repeating: "a", count: 3000), "..%2F..%2Fetc", "%00", "%FF%FE", "%F0%9F%92%A9", "_"]
}
