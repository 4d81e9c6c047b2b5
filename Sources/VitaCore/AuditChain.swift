import Crypto
import Foundation

/// One entry of the tamper-evident audit log: who did what to whose data, under which agreement, with what outcome.
public struct AuditEntry: Codable, Sendable, Equatable {
    /// Who acted.
    public struct Actor: Codable, Sendable, Equatable, Hashable {
        /// The kinds of actor.
        public enum Kind: String, Codable, Sendable, CaseIterable {
            case system, admin, learner, cli
            /// Someone who opened a learner's share link (the id is the link's), or the wallet app a learner offered a
            /// credential to (the id is the offer's).
            case viewer
            /// An OAuth client acting with a token (for denials of scope, before any principal is established).
            case client
            /// An organization's staff member signed in to the issuer console (the id is the staff account's).
            case staff
        }
        /// The kind.
        public var kind: Kind
        /// The actor's identifier (a system id, an admin key id, a learner id, `cli`, a share link id, an OAuth client id, a staff account id).
        public var id: String

        /// Creates an actor.
        public init(kind: Kind, id: String) {
            self.kind = kind
            self.id = id
        }
    }

    /// The outcome of the access.
    public enum Outcome: String, Codable, Sendable { case allowed, denied }

    /// Position in the chain, from 1 without gaps.
    public var sequence: Int64
    /// When it happened.
    public var occurredAt: Date
    /// Who acted.
    public var actor: Actor
    /// What was done (`records.read`, `records.write`, `profile.read`, `learner.create`, ...).
    public var action: String
    /// The learner concerned, if any.
    public var learnerId: String?
    /// The categories concerned.
    public var categories: [RecordCategory]
    /// The agreement under which access was allowed, or the one that came closest when denied.
    public var agreementId: String?
    /// Allowed or denied.
    public var outcome: Outcome
    /// For a denial, the rule and reason; for some allowed actions, what was done (never personal data).
    public var reason: String?
    /// The hash of the previous entry (hex), or 64 zeros for the first.
    public var previousHash: String
    /// SHA-256 over `previousHash` and this entry's canonical bytes (hex).
    public var hash: String

    /// Creates an entry; call `AuditChain.seal` to set its sequence and hashes.
    public init(sequence: Int64 = 0, occurredAt: Date, actor: Actor, action: String, learnerId: String?,
                categories: [RecordCategory], agreementId: String?, outcome: Outcome, reason: String?,
                previousHash: String = "", hash: String = "") {
        self.sequence = sequence
        self.occurredAt = occurredAt
        self.actor = actor
        self.action = action
        self.learnerId = learnerId
        self.categories = categories
        self.agreementId = agreementId
        self.outcome = outcome
        self.reason = reason
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The canonical bytes the hash covers: every field but the hashes, each written as
    /// `<UTF-8 byte length>:<value>;` in a fixed order, so that no two entries share bytes.
    public var canonicalBytes: [UInt8] {
        var bytes: [UInt8] = []
        func field(_ value: String?) {
            guard let value else {
                bytes.append(UInt8(ascii: "-"))
                bytes.append(UInt8(ascii: ";"))
                return
            }
            let utf8 = Array(value.utf8)
            bytes.append(contentsOf: Array(String(utf8.count).utf8))
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: ";"))
        }
        field("vita-audit-v1")
        field(String(sequence))
        field(String(Timestamp.milliseconds(occurredAt)))
        field(actor.kind.rawValue)
        field(actor.id)
        field(action)
        field(learnerId)
        field(categories.map(\.rawValue).joined(separator: ","))
        field(agreementId)
        field(outcome.rawValue)
        field(reason)
        return bytes
    }
}

/// The hash chain over audit entries: each entry's hash covers the previous hash and the entry's canonical
/// bytes, so that editing, deleting or reordering any entry breaks every hash after it.
public enum AuditChain {
    /// The previous hash of the first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Returns `entry` as the next link after (`previousSequence`, `previousHash`).
    public static func seal(_ entry: AuditEntry, after previousSequence: Int64, previousHash: String) -> AuditEntry {
        var sealed = entry
        sealed.occurredAt = Timestamp.truncated(entry.occurredAt)
        sealed.sequence = previousSequence + 1
        sealed.previousHash = previousHash
        sealed.hash = hash(of: sealed)
        return sealed
    }

    /// The hash an entry must carry, computed from its previous hash and canonical bytes.
    public static func hash(of entry: AuditEntry) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(entry.previousHash.utf8))
        hasher.update(data: entry.canonicalBytes)
        return ContentDigest.hex(hasher.finalize())
    }

    /// An entry's sequence number and hash as recorded outside the database (from `vita audit verify`'s output or
    /// the API's verification), written `<sequence>:<hash>`. Hash chaining alone does not catch someone who rewrites
    /// the chain and recomputes every later hash; an anchor kept where they cannot write does.
    public struct Anchor: Sendable, Equatable, CustomStringConvertible {
        /// The entry's sequence number.
        public var sequence: Int64
        /// Its hash (lowercase hex).
        public var hash: String

        /// Creates an anchor.
        public init(sequence: Int64, hash: String) {
            self.sequence = sequence
            self.hash = hash
        }

        /// Parses `<sequence>:<hash>`, or returns nil when the text is not that.
        public init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let sequence = Int64(parts[0]), sequence >= 0, parts[1].count == 64,
                  parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
            self.init(sequence: sequence, hash: String(parts[1]))
        }

        public var description: String { "\(sequence):\(hash)" }

        /// The reason given when an entry differs from its anchor.
        static let mismatch = "does not match the hash anchored for it (the chain was rewritten since the anchor was taken)"

        /// The break for an anchor at `sequence` when the entry found there has `hash` (nil if it matches).
        public func check(hash found: String) -> Break? {
            found == hash ? nil : Break(sequence: sequence, reason: Self.mismatch)
        }
    }

    /// Why a chain does not verify.
    public struct Break: Sendable, Equatable, CustomStringConvertible {
        /// The sequence number of the first entry that does not verify (or where one is missing).
        public var sequence: Int64
        /// What is wrong there.
        public var reason: String
        public var description: String { "entry \(sequence): \(reason)" }

        /// Creates a break at `sequence` for `reason`.
        public init(sequence: Int64, reason: String) {
            self.sequence = sequence
            self.reason = reason
        }
    }

    /// Incrementally verifies a chain read in sequence order, without holding it in memory.
    public struct Verifier: Sendable {
        private var expectedSequence: Int64 = 1
        private var previousHash = AuditChain.genesisHash
        /// The first break found, if any; later entries are not checked once a break is found.
        public private(set) var firstBreak: Break?
        /// How many entries were checked.
        public private(set) var count: Int64 = 0
        /// Hashes recorded outside the database for some entries (``Anchor``): an entry that verifies against the
        /// chain but not against its anchor shows the chain was rewritten, hashes and all, since the anchor was taken.
        public var anchors: [Int64: String] = [:]

        /// Creates a verifier for a chain starting at sequence 1.
        public init() {}

        /// Creates a verifier for the part of a chain after the entry (`sequence`, `hash`): the entries up to it were
        /// archived (``AuditArchive/Checkpoint``), so the first entry checked must be `sequence + 1` and link to `hash`.
        public init(after sequence: Int64, hash: String) {
            expectedSequence = sequence + 1
            previousHash = hash
        }

        /// Checks the next entry.
        public mutating func check(_ entry: AuditEntry) {
            guard firstBreak == nil else { return }
            count += 1
            if entry.sequence != expectedSequence {
                firstBreak = Break(sequence: expectedSequence,
                                   reason: entry.sequence > expectedSequence
                                       ? "missing (the next entry found is \(entry.sequence))"
                                       : "out of order (found \(entry.sequence))")
            } else if entry.previousHash != previousHash {
                firstBreak = Break(sequence: entry.sequence, reason: "previous hash does not match the entry before it")
            } else if AuditChain.hash(of: entry) != entry.hash {
                firstBreak = Break(sequence: entry.sequence, reason: "content does not match its hash (edited)")
            } else if let anchored = anchors[entry.sequence], anchored != entry.hash {
                firstBreak = Break(sequence: entry.sequence, reason: Anchor.mismatch)
            }
            expectedSequence = entry.sequence + 1
            previousHash = entry.hash
        }

        /// Checks the chain's end against the recorded head, which catches deleted tail entries.
        public mutating func finish(headSequence: Int64, headHash: String) {
            guard firstBreak == nil else { return }
            let lastSequence = expectedSequence - 1
            if lastSequence < headSequence {
                firstBreak = Break(sequence: lastSequence + 1, reason: "missing (the chain head records \(headSequence) entries)")
            } else if lastSequence > headSequence || previousHash != headHash {
                firstBreak = Break(sequence: lastSequence, reason: "does not match the recorded chain head")
            }
        }
    }
}
