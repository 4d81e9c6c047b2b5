import Foundation
import Testing
import VitaJSON
import VitaJSONLD

/// A CLR credential with `n` embedded signed AchievementCredentials (same shape as vita-bench).
func makeCLR(_ n: Int) throws -> JSONValue {
    let signed = try JSONValue(parsing: Data(contentsOf: standardsRoot.appendingPathComponent("clr-v2p0/test-vectors/eddsa-rdfc-2022/signed.json")))
    guard case .object(var clr) = signed, case .object(var subject)? = clr["credentialSubject"],
          case .array(let vcs)? = subject["verifiableCredential"], case .object(let template)? = vcs.first
    else { throw JSONLDError(.invalidJSON, "unexpected CLR vector shape") }
    var credentials: [JSONValue] = []
    for i in 0..<n {
        var vc = template
        vc["id"] = .string("urn:uuid:\(i)-cred")
        if case .object(var cs)? = vc["credentialSubject"], case .object(var ach)? = cs["achievement"] {
            ach["id"] = .string("urn:uuid:\(i)-achievement")
            cs["achievement"] = .object(ach)
            vc["credentialSubject"] = .object(cs)
        }
        credentials.append(.object(vc))
    }
    subject["verifiableCredential"] = .array(credentials)
    clr["credentialSubject"] = .object(subject)
    clr["proof"] = nil
    return .object(clr)
}

@Suite("Scale")
struct ScaleTests {
    @Test("a CLR with 1000 nested signed credentials canonicalizes within a generous budget, growing about linearly")
    func clr1000() throws {
        let small = try makeCLR(100)
        let large = try makeCLR(1000)
        _ = try JSONLD.canonicalize(small)  // warm the context cache
        let clock = ContinuousClock()
        let t0 = clock.now
        let r100 = try JSONLD.canonicalize(small)
        let t1 = clock.now
        let r1000 = try JSONLD.canonicalize(large)
        let t2 = clock.now
        #expect(r1000.issuedIdentifiers.count == 10 * r100.issuedIdentifiers.count - 9 * (r100.issuedIdentifiers.count - 2 * 100))
        #expect(t2 - t1 < .seconds(60))
        // 10× the data must not cost anywhere near 100× (O(n²) would).
        let ratio = (t2 - t1) / max(t1 - t0, .milliseconds(1))
        #expect(ratio < 40, "N=1000 took \(t2 - t1), N=100 took \(t1 - t0)")
    }
}
