import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import Testing
import VitaAPI
import VitaCore
import VitaStorage
import VitaTestSupport

/// Change notifications: Vita posts to a connected system's URL, signed, that changes it may read are waiting.
struct ChangeNotificationAPITests {
    /// What a receiver on loopback got, and what it answers.
    final class Receiver: Sendable {
        struct Post: Sendable {
            let signature: String?
            let contentType: String?
            let body: [UInt8]
        }
        let posts = Mutex<[Post]>([])
        let status = Mutex<Int>(204)

        var router: Router<BasicRequestContext> {
            let router = Router()
            router.post("/hooks/vita") { [self] request, _ -> Response in
                var request = request
                let body = Array(try await request.collectBody(upTo: 1 << 20).readableBytesView)
                posts.withLock {
                    $0.append(Post(signature: request.headers[HTTPField.Name(ChangeNotificationSignature.header)!],
                                   contentType: request.headers[.contentType], body: body))
                }
                return Response(status: .init(code: status.withLock { $0 }))
            }
            return router
        }
    }

    /// Runs `body` with a receiver listening on loopback and an API whose outbound client may post there.
    static func run(_ engine: TestEngine, clock: TestClock,
                    _ body: @escaping @Sendable (APIHarness, Receiver, String) async throws -> Void) async throws {
        let receiver = Receiver()
        try await LiveVita.withLoopbackClient { client in
            try await LiveVita.serving(receiver.router) { base in
                let options = ServerOptions(rateLimit: .off, signInRateLimit: .off, notificationClient: client,
                                            changeNotificationInterval: 0)
                try await APIHarness.run(engine, clock: { clock.now }, options: options) { api in
                    try await body(api, receiver, base + "/hooks/vita")
                }
            }
        }
    }

    @Test("a system's notifications: its secret shown once; a signed post when changes it may read are waiting, none when nothing it may read changed; it then follows the feed; removed, nothing more is posted",
          arguments: TestEngine.available)
    func notifications(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        try await Self.run(engine, clock: clock) { api, receiver, url in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let employer = try await ChangeFeedAPITests.consumer(api, provider: world.organizationId, categories: ["experiences"])
            let path = "/api/v1/systems/\(employer.systemId)/change-notifications"
            for bad in ["ftp://example.org/hook", "http://example.org/hook", "https://user:pw@example.org/hook",
                        "https://example.org/hook#top", "hooks/vita", "https://example.org/" + String(repeating: "a", count: 2000),
                        "https://10.1.2.3/hook", "https://169.254.169.254/latest"] {
                let refused = try await api.admin(.put, path, json: ["url": bad])
                #expect(refused.status == 422 && (refused["errors"] as? [[String: Any]])?.first?["field"] as? String == "url",
                        "\(bad.prefix(40)): \(refused.string)")
            }
            #expect(try await api.admin(.get, path).status == 404)
            #expect(try await api.admin(.put, "/api/v1/systems/sys_0000000000000000000000/change-notifications",
                                        json: ["url": url]).status == 404)
            // Changes before the target was set are not announced: the system reads the feed from where it likes.
            try await api.recordExperience(world, learner: learner, source: "enr-0")
            let set = try await api.admin(.put, path, json: ["url": url])
            #expect(set.status == 200, "\(set.string)")
            let secret = try #require(set["secret"] as? String)
            #expect(secret.hasPrefix("vns_") && set["url"] as? String == url)
            let shown = try await api.admin(.get, path)
            #expect(shown.status == 200 && shown["secret"] == nil && shown["url"] as? String == url)
            let notifier = try #require(api.changeNotifier)
            #expect(try await notifier.deliverDue() == .init())

            // A change the employer may not read (employment): moved on, nothing posted.
            let job = try await api.send(.post, "/api/v1/learners/\(learner)/employment", key: world.systemKey, json: [
                "record": ["organizationId": world.organizationId, "title": "Tutor", "startDate": "2025-09-01"],
                "provenance": ["sourceRecordId": "job-1"]])
            #expect(job.status == 201)
            #expect(try await notifier.deliverDue() == .init(delivered: 0, failed: 0, skipped: 1))
            #expect(receiver.posts.withLock { $0.isEmpty })

            // One it may read: one signed post naming the feed; the employer follows it.
            try await api.recordExperience(world, learner: learner, source: "enr-1")
            #expect(try await notifier.deliverDue() == .init(delivered: 1, failed: 0, skipped: 0))
            #expect(try await notifier.deliverDue() == .init(), "told once")
            let post = try #require(receiver.posts.withLock { $0.first })
            #expect(post.contentType == "application/json")
            let signature = try #require(post.signature)
            #expect(ChangeNotificationSignature.verify(signature, body: post.body, secret: Array(secret.utf8), now: clock.now))
            #expect(!ChangeNotificationSignature.verify(signature, body: post.body + [32], secret: Array(secret.utf8), now: clock.now))
            let announced = try #require(try JSONSerialization.jsonObject(with: Data(post.body)) as? [String: Any])
            #expect(announced["type"] as? String == "vita.record-changes" && announced["systemId"] as? String == employer.systemId)
            #expect((announced["feed"] as? String)?.hasSuffix("/api/v1/changes") == true)
            let feed = try await ChangeFeedAPITests.drain(api, key: employer.key)
            #expect(feed.items.count == 2)
            let last = (feed.items.last?["sequence"] as? NSNumber)?.int64Value
            #expect((announced["lastSequence"] as? NSNumber)?.int64Value == last)
            let state = try await api.admin(.get, path)
            #expect(state["lastStatus"] as? Int == 204 && state["failures"] as? Int == 0 && state["lastDeliveredAt"] is String)
            #expect((state["notifiedThrough"] as? NSNumber)?.int64Value == last)

            // Removed: nothing more is posted.
            #expect(try await api.admin(.delete, path).status == 204)
            #expect(try await api.admin(.delete, path).status == 404)
            try await api.recordExperience(world, learner: learner, source: "enr-2")
            #expect(try await notifier.deliverDue() == .init())
            #expect(receiver.posts.withLock { $0.count } == 1)
            let actions = try await api.admin(.get, "/api/v1/audit?limit=200").items.compactMap { $0["action"] as? String }
            #expect(actions.contains("system.notifications.set") && actions.contains("system.notifications.remove"))
        }
    }

    @Test("a post the receiver refuses is tried again after a back-off (10 s, doubling), and the next success clears the failures; two rounds at once post it once",
          arguments: TestEngine.available)
    func retries(_ engine: TestEngine) async throws {
        let clock = TestClock(start: Date())
        try await Self.run(engine, clock: clock) { api, receiver, url in
            let world = try await api.world()
            let learner = try await api.learner(key: world.systemKey)
            let path = "/api/v1/systems/\(world.systemId)/change-notifications"
            #expect(try await api.admin(.put, path, json: ["url": url]).status == 200)
            let notifier = try #require(api.changeNotifier)
            receiver.status.withLock { $0 = 500 }
            try await api.recordExperience(world, learner: learner, source: "enr-1")
            #expect(try await notifier.deliverDue() == .init(delivered: 0, failed: 1, skipped: 0))
            var state = try await api.admin(.get, path)
            #expect(state["failures"] as? Int == 1 && state["lastStatus"] as? Int == 500)
            #expect((state["lastError"] as? String)?.contains("500") == true)
            #expect(try await notifier.deliverDue() == .init(), "not due before the back-off")
            clock.advance(11)
            #expect(try await notifier.deliverDue() == .init(delivered: 0, failed: 1, skipped: 0))
            state = try await api.admin(.get, path)
            #expect(state["failures"] as? Int == 2)
            clock.advance(11)
            #expect(try await notifier.deliverDue() == .init(), "the second wait is 20 s")
            clock.advance(10)
            receiver.status.withLock { $0 = 200 }
            async let first = notifier.deliverDue()
            async let second = notifier.deliverDue()
            let rounds = try await [first, second]
            #expect(rounds.map(\.delivered).reduce(0, +) == 1, "\(rounds)")
            state = try await api.admin(.get, path)
            #expect(state["failures"] as? Int == 0 && state["lastStatus"] as? Int == 200 && state["lastError"] == nil)
            #expect(receiver.posts.withLock { $0.count } == 3)
        }
    }
}
