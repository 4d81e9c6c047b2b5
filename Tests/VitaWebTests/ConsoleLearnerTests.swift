import Foundation
import HTTPTypes
import Testing
import VitaTestSupport

/// The console's learner page: what the member's organization recorded about a learner it holds, the profile those
/// records give with each value's rule and sources, and issuing from a credential record.
struct ConsoleLearnerTests {
    typealias Console = ConsoleTests

    /// Runs `body` with two organizations of one learner each, and an issuer of the first.
    static func withIssuer(_ engine: TestEngine,
                           _ body: @escaping @Sendable (WebHarness, Console.World, Console.World, String) async throws -> Void) async throws {
        try await WebHarness.run(engine) { web in
            let world = try await Console.world(web, learners: 1)
            let other = try await Console.world(web, learners: 1, name: "Northwind College")
            let issuer = try await Console.member(web, world.organizationId, login: "iris", role: "issuer")
            try await body(web, world, other, issuer)
        }
    }

    @Test("an issuer opens a learner the organization holds: the records with their provenance, the profile with each value's rule linked to its records, a credential record's link to the issue form filled in, and the read in the learner's access log; a learner of another organization, a malformed id and an auditor are refused",
          arguments: TestEngine.available)
    func issuerOpensALearner(_ engine: TestEngine) async throws {
        try await Self.withIssuer(engine) { web, world, other, issuer in
            let (learnerId, recordId) = world.records[0]
            let home = try await web.get("/admin", cookie: issuer)
            #expect(home.html.contains(#"<a href="/admin/learners">Learners</a>"#))
            #expect(try await web.get("/admin/learners", cookie: issuer).html.contains(#"name="learner""#))
            #expect(try await web.submit("/admin/issue", action: "/admin/issue",
                                         [("learner", learnerId), ("record", recordId), ("achievement", world.achievementId)],
                                         cookies: issuer).status == 201)
            #expect(try await web.get("/admin/credentials", cookie: issuer).html
                .contains(#"<a href="/admin/learners?learner=\#(learnerId)">\#(learnerId)</a>"#), "the issued credentials link their learner")

            let page = try await web.get("/admin/learners?learner=\(learnerId)", cookie: issuer)
            #expect(page.status == 200 && page.html.contains("<h1>Learner: Learner 0</h1>"), "\(page.html)")
            #expect(page.html.contains(#"<tr id="\#(recordId)">"#), "the record is listed under its id")
            #expect(page.html.contains(#"<span class="mono">deg-0</span>"#), "with the source system's record id")
            #expect(page.html.contains("BSc, awarded 2026-06-30"), "the profile's credential")
            #expect(page.html.contains(##"<span class="mono">P2.credentials-held</span>; from <a href="#\##(recordId)">BSc</a>"##),
                    "its rule and the record it came from, linked")
            let issue = "/admin/issue?learnerId=\(learnerId)&amp;recordId=\(recordId)"
            #expect(page.html.contains(#"<a href="\#(issue)">Issue a credential from this record</a>"#))
            let form = try await web.get("/admin/issue?learnerId=\(learnerId)&recordId=\(recordId)", cookie: issuer)
            #expect(form.html.contains(#"name="learner" value="\#(learnerId)""#) && form.html.contains(#"name="record" value="\#(recordId)""#))

            let log = try await web.api(.get, "/api/v1/learners/\(learnerId)/access-log")
            let entries = log.json["items"] as? [[String: Any]] ?? []
            #expect(entries.contains { ($0["actor"] as? [String: Any])?["kind"] as? String == "staff" && $0["action"] as? String == "profile.read" },
                    "\(log.html)")

            let foreign = try await web.get("/admin/learners?learner=\(other.records[0].0)", cookie: issuer)
            #expect(foreign.status == 404 && foreign.html.contains("Your organization holds no learner with this identifier or name."),
                    "\(foreign.html)")
            #expect(!foreign.html.contains("Learner 0: "), "nothing of the learner shows")
            let unknown = try await web.get("/admin/learners?learner=ada", cookie: issuer)
            #expect(unknown.status == 404 && unknown.html.contains("Your organization holds no learner with this identifier or name."),
                    "\(unknown.html)")

            // Found by an identifier instead: the email address in another case opens the learner; one the organization
            // does not hold is not found; two learners with one student number are listed to choose from.
            let byEmail = try await web.get("/admin/learners?learner=L0%40EXAMPLE.EDU", cookie: issuer)
            #expect(byEmail.status == 200 && byEmail.html.contains("<h1>Learner: Learner 0</h1>"), "\(byEmail.html)")
            let otherEmail = try await web.get("/admin/learners?learner=l0%40example.edu&x=other", cookie: issuer)
            #expect(otherEmail.html.contains("<h1>Learner: Learner 0</h1>") && !otherEmail.html.contains(other.records[0].0),
                    "the other organization's learner with the same email is not found")
            for index in 1...2 {
                let twin = try await web.send(.post, "/api/v1/learners", key: world.systemKey, json: [
                    "name": ["display": "Twin \(index)"], "identifiers": [["scheme": "institutional", "value": "S-77"]]])
                #expect(twin.status == 201, "\(twin.html)")
            }
            let twins = try await web.get("/admin/learners?learner=S-77", cookie: issuer)
            #expect(twins.status == 200 && twins.html.contains(#"id="learners-found""#) && twins.html.contains(">Twin 1</a>")
                    && twins.html.contains(">Twin 2</a>"), "\(twins.html)")

            let auditor = try await Console.member(web, world.organizationId, login: "otto", role: "auditor")
            #expect(!(try await web.get("/admin", cookie: auditor)).html.contains(#"href="/admin/learners""#))
            let refused = try await web.get("/admin/learners?learner=\(learnerId)", cookie: auditor)
            #expect(refused.status == 403 && !refused.html.contains("deg-0"), "\(refused.html)")
        }
    }

    @Test("the learners page lists the learners the organization holds, 50 to a page in the order they were registered, each listing in the learner's access log; a lookup finding more than a page pages too, and words no identifier has find learners by name; another organization's learners are not listed and an auditor sees no list",
          arguments: TestEngine.available)
    func learnersHeld(_ engine: TestEngine) async throws {
        try await Self.withIssuer(engine) { web, world, other, issuer in
            // 51 more learners of one cohort: 52 held in all.
            var cohort: [String] = []
            for index in 0 ..< 51 {
                let learner = try await web.send(.post, "/api/v1/learners", key: world.systemKey, json: [
                    "name": ["display": "Cohort \(index)"], "identifiers": [["scheme": "institutional", "value": "COHORT-9"]]])
                cohort.append(try #require(learner.json["id"] as? String, "\(learner.html)"))
            }
            let held = [world.records[0].0] + cohort
            func listed(_ html: String, _ list: String) -> [String] {
                guard let start = html.range(of: #"<ul id="\#(list)">"#), let end = html[start.upperBound...].range(of: "</ul>") else { return [] }
                // Each line ends with the learner's id in a `mono` span.
                return html[start.upperBound ..< end.lowerBound].components(separatedBy: "<li>").dropFirst().compactMap {
                    $0.components(separatedBy: #"<span class="mono">"#).last.map { String($0.prefix { $0 != "<" }) }
                }
            }

            let first = try await web.get("/admin/learners", cookie: issuer)
            #expect(first.status == 200 && first.html.contains("<h2>Learners your organization holds</h2>"), "\(first.html)")
            #expect(listed(first.html, "learners-held") == Array(held.prefix(50)), "the first 50 in the order they were registered")
            #expect(first.html.contains(#"<a href="/admin/learners?learner=\#(held[0])">Learner 0</a>"#), "each links its learner's page")
            #expect(!first.html.contains(other.records[0].0), "the other organization's learner is not listed")
            let next = try #require(first.html.range(of: #"<a href="(/admin/learners\?cursor=[^"]+)">Next page</a>"#, options: .regularExpression),
                                    "\(first.html)")
            let nextPath = String(first.html[next]).components(separatedBy: "\"")[1].replacingOccurrences(of: "&amp;", with: "&")
            let second = try await web.get(nextPath, cookie: issuer)
            #expect(listed(second.html, "learners-held") == Array(held.suffix(2)), "\(second.html)")
            #expect(!second.html.contains("Next page"), "the last page links no further")

            let log = try await web.api(.get, "/api/v1/learners/\(cohort[50])/access-log")
            let entries = log.json["items"] as? [[String: Any]] ?? []
            #expect(entries.contains { ($0["actor"] as? [String: Any])?["kind"] as? String == "staff" && $0["action"] as? String == "learner.list" },
                    "\(log.html)")

            // The cohort's identifier finds 51: a page of 50 to choose from, then the last one listed (not opened) on its own page.
            let found = try await web.get("/admin/learners?learner=cohort-9", cookie: issuer)
            #expect(listed(found.html, "learners-found") == Array(cohort.prefix(50)), "\(found.html)")
            let moreRange = try #require(found.html.range(of: #"<a href="(/admin/learners\?learner=[^"]+)">Next page</a>"#, options: .regularExpression),
                                         "\(found.html)")
            let more = String(found.html[moreRange]).components(separatedBy: "\"")[1].replacingOccurrences(of: "&amp;", with: "&")
            let rest = try await web.get(more, cookie: issuer)
            #expect(rest.status == 200 && listed(rest.html, "learners-found") == [cohort[50]], "\(rest.html)")

            // Typed words no identifier has are a name: "cohort 5" begins Cohort 5 and Cohort 50; "learner 0" only the
            // organization's own Learner 0, opened.
            let named = try await web.get("/admin/learners?learner=cohort%205", cookie: issuer)
            #expect(named.html.contains("<h2>Learners whose names begin with these words</h2>")
                    && listed(named.html, "learners-found") == [cohort[5], cohort[50]], "\(named.html)")
            let opened = try await web.get("/admin/learners?learner=LEARNER%200", cookie: issuer)
            #expect(opened.status == 200 && opened.html.contains("<h1>Learner: Learner 0</h1>"), "\(opened.html)")

            let auditor = try await Console.member(web, world.organizationId, login: "otto", role: "auditor")
            let refused = try await web.get("/admin/learners", cookie: auditor)
            #expect(!refused.html.contains("learners-held") && !refused.html.contains("Cohort 0"), "\(refused.html)")
        }
    }

    @Test("a record's history shows every version newest first, with the system that asserted each and what changed from the version before; the learner page links it; another organization's record, an unknown kind, the wrong kind and an auditor are refused",
          arguments: TestEngine.available)
    func recordHistory(_ engine: TestEngine) async throws {
        try await Self.withIssuer(engine) { web, world, other, issuer in
            let (learnerId, recordId) = world.records[0]
            // Two corrections by the registrar's system: the title, then the awarded date.
            let path = "/api/v1/learners/\(learnerId)/credentials/\(recordId)"
            for awarded in ["2026-06-30", "2026-07-01"] {
                let current = try await web.send(.get, path, key: world.systemKey)
                let etag = try #require(current.headers[.eTag], "\(current.html)")
                let updated = try await web.send(.put, path, key: world.systemKey, json: [
                    "record": ["organizationId": world.organizationId, "kind": "degree", "title": "BSc (Hons)", "awardedDate": awarded],
                    "provenance": ["sourceRecordId": "deg-0"]], headers: [.ifMatch: etag])
                #expect(updated.status == 200, "\(updated.html)")
            }
            let history = "/admin/learners/\(learnerId)/credentials/\(recordId)"
            let learnerPage = try await web.get("/admin/learners?learner=\(learnerId)", cookie: issuer)
            #expect(learnerPage.html.contains(#"<a href="\#(history)">Versions and what changed</a>"#), "\(learnerPage.html)")

            let page = try await web.get(history, cookie: issuer)
            #expect(page.status == 200 && page.html.contains("<h1>Record: BSc (Hons)</h1>"), "\(page.html)")
            let third = try #require(page.html.range(of: "<h2>Version 3 (current)</h2>"), "\(page.html)")
            let second = try #require(page.html.range(of: "<h2>Version 2</h2>"))
            let first = try #require(page.html.range(of: "<h2>Version 1</h2>"))
            #expect(third.lowerBound < second.lowerBound && second.lowerBound < first.lowerBound, "newest first")
            let secondVersion = String(page.html[second.lowerBound ..< first.lowerBound])
            #expect(secondVersion.contains(#"<th scope="row" class="mono">title</th><td>BSc (Hons)</td><td><span class="changed">BSc</span></td>"#),
                    "what the title was before: \(secondVersion)")
            #expect(secondVersion.contains(#"<th scope="row" class="mono">kind</th><td>degree</td><td></td>"#),
                    "an unchanged field shows nothing before")
            let thirdVersion = String(page.html[third.lowerBound ..< second.lowerBound])
            #expect(thirdVersion.contains(#"<td>2026-07-01</td><td><span class="changed">2026-06-30</span></td>"#), "\(thirdVersion)")
            #expect(!page.html[first.lowerBound...].contains(#"class="changed""#), "the first version has nothing before it")
            #expect(page.html.components(separatedBy: #"<span class="mono">deg-0</span>"#).count == 4, "each version's provenance")
            #expect(page.html.contains(#"<a href="/admin/learners?learner=\#(learnerId)#\#(recordId)">Back to Learner 0</a>"#))

            // Deleted: the tombstone is the current version and says why; it lists no value as "no longer set".
            let current = try await web.send(.get, path, key: world.systemKey)
            let deleted = try await web.send(.delete, path + "?reason=entered%20in%20error", key: world.systemKey,
                                             headers: [.ifMatch: try #require(current.headers[.eTag])])
            #expect(deleted.status == 200, "\(deleted.html)")
            let afterDeletion = try await web.get(history, cookie: issuer)
            let fourth = try #require(afterDeletion.html.range(of: "<h2>Version 4 (current)</h2>"), "\(afterDeletion.html)")
            let tombstone = String(afterDeletion.html[fourth.lowerBound...]).components(separatedBy: "</section>")[0]
            #expect(tombstone.contains("Deleted: entered in error"), "\(tombstone)")
            #expect(!tombstone.contains("No longer set") && !tombstone.contains("<table"), "\(tombstone)")
            #expect(afterDeletion.html.contains("<h2>Version 3</h2>"), "the version before stays readable")

            let (otherLearner, otherRecord) = other.records[0]
            let foreign = try await web.get("/admin/learners/\(otherLearner)/credentials/\(otherRecord)", cookie: issuer)
            #expect(foreign.status == 404 && !foreign.html.contains("BSc"), "\(foreign.html)")
            #expect(try await web.get("/admin/learners/\(learnerId)/grades/\(recordId)", cookie: issuer).status == 404)
            #expect(try await web.get("/admin/learners/\(learnerId)/experiences/\(recordId)", cookie: issuer).status == 404,
                    "the record is not of that kind")
            #expect(try await web.get("/admin/learners/\(learnerId)/credentials/rec_x", cookie: issuer).status == 404)
            let auditor = try await Console.member(web, world.organizationId, login: "otto", role: "auditor")
            let refused = try await web.get(history, cookie: auditor)
            #expect(refused.status == 403 && !refused.html.contains("deg-0"), "\(refused.html)")
        }
    }
}
