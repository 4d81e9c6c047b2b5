import Foundation
import Testing
@testable import VitaCore

struct AuditChainTests {
    func chain(_ count: Int) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        var previous = (sequence: Int64(0), hash: AuditChain.genesisHash)
        for index in 0..<count {
            let entry = AuditEntry(occurredAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)),
                                   actor: .init(kind: .system, id: "sys_\(index % 3)"), action: "records.read",
                                   learnerId: "lrn_\(index % 5)", categories: [.experiences], agreementId: "agr_1",
                                   outcome: index % 4 == 0 ? .denied : .allowed, reason: index % 4 == 0 ? "status: x" : nil)
            let sealed = AuditChain.seal(entry, after: previous.sequence, previousHash: previous.hash)
            entries.append(sealed)
            previous = (sealed.sequence, sealed.hash)
        }
        return entries
    }

    func verify(_ entries: [AuditEntry], head: (Int64, String)? = nil) -> AuditChain.Break? {
        var verifier = AuditChain.Verifier()
        entries.forEach { verifier.check($0) }
        let head = head ?? (entries.last?.sequence ?? 0, entries.last?.hash ?? AuditChain.genesisHash)
        verifier.finish(headSequence: head.0, headHash: head.1)
        return verifier.firstBreak
    }

    @Test("an untouched chain verifies")
    func intact() {
        #expect(verify(chain(50)) == nil)
    }

    @Test("editing any field of an entry breaks the chain at that entry")
    func edit() {
        let original = chain(20)
        let edits: [(inout AuditEntry) -> Void] = [
            { $0.action = "records.write" }, { $0.outcome = $0.outcome == .allowed ? .denied : .allowed }, { $0.learnerId = "lrn_x" },
            { $0.occurredAt = $0.occurredAt + 1 }, { $0.categories = [.profile] }, { $0.agreementId = nil },
            { $0.actor.id = "sys_z" }, { $0.reason = "edited" },
        ]
        for edit in edits {
            var entries = original
            edit(&entries[7])
            #expect(verify(entries, head: (20, original.last!.hash))?.sequence == 8)
        }
    }

    @Test("deleting an entry in the middle is detected where it was")
    func deleteMiddle() {
        var entries = chain(10)
        entries.remove(at: 4)
        #expect(verify(entries, head: (10, chain(10).last!.hash))?.sequence == 5)
    }

    @Test("deleting entries at the end is detected against the chain head")
    func deleteTail() {
        let entries = chain(10)
        let broken = verify(Array(entries.prefix(8)), head: (10, entries.last!.hash))
        #expect(broken?.sequence == 9)
    }

    @Test("swapping two entries is detected")
    func reorder() {
        var entries = chain(10)
        entries.swapAt(3, 4)
        #expect(verify(entries, head: (10, entries.last!.hash)) != nil)
    }

    @Test("renumbering a swapped pair and rehashing nothing is still detected")
    func reorderRenumbered() {
        var entries = chain(10)
        entries.swapAt(3, 4)
        entries[3].sequence = 4
        entries[4].sequence = 5
        #expect(verify(entries, head: (10, entries.last!.hash))?.sequence == 4)
    }

    @Test("canonical bytes distinguish field boundaries")
    func canonicalBytesAreUnambiguous() {
        let a = AuditEntry(occurredAt: Date(timeIntervalSince1970: 0), actor: .init(kind: .system, id: "ab"), action: "c",
                           learnerId: nil, categories: [], agreementId: nil, outcome: .allowed, reason: nil)
        var b = a
        b.actor.id = "a"
        b.action = "bc"
        #expect(a.canonicalBytes != b.canonicalBytes)
    }
}
