import Crypto

/// The hash function RDFC-1.0 uses.
public enum RDFCHashAlgorithm: String, Sendable, CaseIterable {
    case sha256
    case sha384
}

/// Options for ``RDFC10``.
public struct RDFCOptions: Sendable {
    /// The hash function (default SHA-256).
    public var hashAlgorithm: RDFCHashAlgorithm
    /// The maximum amount of work spent in the Hash N-Degree Quads algorithm, counted as
    /// calls plus permutations examined. Poison graphs (e.g. cliques of blank nodes) reach it
    /// quickly and fail with ``JSONLDError/Code/workLimitExceeded``. The default (30 000)
    /// is orders of magnitude above what real credentials need and stops in well under a second.
    public var maxWork: Int

    public init(hashAlgorithm: RDFCHashAlgorithm = .sha256, maxWork: Int = 30_000) {
        self.hashAlgorithm = hashAlgorithm
        self.maxWork = maxWork
    }
}

/// The result of canonicalizing a dataset.
public struct RDFCResult: Sendable {
    /// The canonical N-Quads document (sorted lines, each ending in `\n`), as UTF-8 bytes.
    public var canonicalBytes: [UInt8]
    /// The issued identifiers map: input blank node label → canonical label (`c14n0`, …).
    public var issuedIdentifiers: [String: String]

    /// The canonical N-Quads document as a string.
    public var canonicalNQuads: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// The hash of the canonical N-Quads bytes (what Data Integrity proofs sign over).
    public func digest(_ algorithm: RDFCHashAlgorithm = .sha256) -> [UInt8] {
        switch algorithm {
        case .sha256: return Array(SHA256.hash(data: canonicalBytes))
        case .sha384: return Array(SHA384.hash(data: canonicalBytes))
        }
    }

    /// ``digest(_:)`` as lower-case hex.
    public func hashHex(_ algorithm: RDFCHashAlgorithm = .sha256) -> String {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest(algorithm) {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// RDF Dataset Canonicalization (RDFC-1.0, W3C Recommendation 2024).
///
/// ```swift
/// let result = try RDFC10.canonicalize(dataset)          // SHA-256
/// print(result.canonicalNQuads)
/// ```
public enum RDFC10 {
    /// Canonicalizes `dataset` (RDFC-1.0 §4.4, the Canonicalization Algorithm).
    ///
    /// - Throws: ``JSONLDError`` with ``JSONLDError/Code/workLimitExceeded`` when
    ///   ``RDFCOptions/maxWork`` is exceeded.
    public static func canonicalize(_ dataset: RDFDataset, options: RDFCOptions = RDFCOptions()) throws(JSONLDError) -> RDFCResult {
        var state = CanonicalizationState(quads: dataset.quads, options: options)
        return try state.run()
    }

    /// Parses N-Quads and canonicalizes them.
    public static func canonicalize(nQuads: String, options: RDFCOptions = RDFCOptions()) throws(JSONLDError) -> RDFCResult {
        try canonicalize(try NQuads.parse(nQuads), options: options)
    }
}

/// Issues identifiers with a prefix and a counter (RDFC-1.0 §4.5, Issue Identifier Algorithm).
/// Blank nodes are referred to by their index in the canonicalization state.
struct IdentifierIssuer {
    let prefix: [UInt8]
    var counter = 0
    var issued: [Int: Int] = [:]
    /// Blank nodes in the order identifiers were issued.
    var order: [Int] = []

    init(prefix: String) { self.prefix = Array(prefix.utf8) }

    func hasIdentifier(_ node: Int) -> Bool { issued[node] != nil }

    /// The issued identifier (e.g. `_:c14n3`), appended to `out`; returns false if none.
    func appendIdentifier(_ node: Int, to out: inout [UInt8]) -> Bool {
        guard let n = issued[node] else { return false }
        out += prefix
        appendDecimal(n, to: &out)
        return true
    }

    /// Issues an identifier for `node` if it has none (§4.5 steps 1–5) and appends it.
    mutating func issue(_ node: Int, appendingTo out: inout [UInt8]) {
        if let n = issued[node] {
            out += prefix
            appendDecimal(n, to: &out)
            return
        }
        issued[node] = counter
        order.append(node)
        out += prefix
        appendDecimal(counter, to: &out)
        counter += 1
    }

    mutating func issue(_ node: Int) {
        if issued[node] == nil {
            issued[node] = counter
            order.append(node)
            counter += 1
        }
    }
}

@inline(__always) func appendDecimal(_ n: Int, to out: inout [UInt8]) {
    if n < 10 {
        out.append(UInt8(0x30 + n))
        return
    }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    var v = n
    withUnsafeMutableBytes(of: &digits) { buf in
        while v > 0 {
            buf[count] = UInt8(0x30 + v % 10)
            v /= 10
            count += 1
        }
        for i in stride(from: count - 1, through: 0, by: -1) { out.append(buf[i]) }
    }
}

/// The canonicalization state (RDFC-1.0 §4.2) over an encoded copy of the dataset.
///
/// Each quad component is an `Int`: a blank node index (≥ 0), a fixed term `-(k+1)` whose
/// N-Quads text is `fixedTerms[k]`, or `defaultGraph` for the default graph.
struct CanonicalizationState {
    static let defaultGraph = Int.min

    struct EncodedQuad {
        var s: Int, p: Int, o: Int, g: Int
    }

    let options: RDFCOptions
    var quads: [EncodedQuad] = []
    var fixedTerms: [[UInt8]] = []
    var blankLabels: [String] = []
    /// Blank node to quads map (§4.2): quad indexes mentioning each blank node.
    var quadsForNode: [[Int]] = []
    var firstDegreeHash: [[UInt8]?] = []
    var canonicalIssuer = IdentifierIssuer(prefix: "_:c14n")
    var work = 0
    var buffer: [UInt8] = []

    init(quads input: [RDFQuad], options: RDFCOptions) {
        self.options = options
        var blankIndex: [String: Int] = [:]
        // Fixed terms are serialized once per occurrence: copying the bytes is cheaper than
        // hashing the term to share them.
        func encode(_ t: RDFTerm) -> Int {
            if case .blankNode(let label) = t {
                if let i = blankIndex[label] { return i }
                let i = blankLabels.count
                blankLabels.append(label)
                blankIndex[label] = i
                return i
            }
            var bytes: [UInt8] = []
            NQuads.appendTerm(t, to: &bytes)
            let k = fixedTerms.count
            fixedTerms.append(bytes)
            return -(k + 1)
        }
        quads.reserveCapacity(input.count)
        for q in input {
            quads.append(EncodedQuad(s: encode(q.subject), p: encode(q.predicate), o: encode(q.object),
                                     g: q.graph.map(encode) ?? Self.defaultGraph))
        }
        // §4.4.3 step 2: blank node to quads map.
        quadsForNode = Array(repeating: [], count: blankLabels.count)
        for (i, q) in quads.enumerated() {
            if q.s >= 0 { quadsForNode[q.s].append(i) }
            if q.o >= 0 && q.o != q.s { quadsForNode[q.o].append(i) }
            if q.g >= 0 && q.g != q.s && q.g != q.o { quadsForNode[q.g].append(i) }
        }
        firstDegreeHash = Array(repeating: nil, count: blankLabels.count)
    }

    // MARK: Hashing helpers

    func digestHex(_ data: [UInt8]) -> [UInt8] {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        switch options.hashAlgorithm {
        case .sha256:
            let d = SHA256.hash(data: data)
            out.reserveCapacity(64)
            for b in d {
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        case .sha384:
            let d = SHA384.hash(data: data)
            out.reserveCapacity(96)
            for b in d {
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return out
    }

    // MARK: §4.6 Hash First Degree Quads

    mutating func hashFirstDegreeQuads(_ node: Int) -> [UInt8] {
        if let h = firstDegreeHash[node] { return h }
        // Steps 1–3: serialize each quad with the reference node as _:a and others as _:z.
        var lines: [[UInt8]] = []
        lines.reserveCapacity(quadsForNode[node].count)
        for qi in quadsForNode[node] {
            let q = quads[qi]
            var line: [UInt8] = []
            line.reserveCapacity(128)
            appendFirstDegree(q.s, node, &line)
            line.append(0x20)
            appendFirstDegree(q.p, node, &line)
            line.append(0x20)
            appendFirstDegree(q.o, node, &line)
            if q.g != Self.defaultGraph {
                line.append(0x20)
                appendFirstDegree(q.g, node, &line)
            }
            line += [0x20, 0x2E, 0x0A]
            lines.append(line)
        }
        // Step 4: sort in code point order; step 5: hash the concatenation.
        lines.sort { $0.lexicographicallyPrecedes($1) }
        var data: [UInt8] = []
        for l in lines { data += l }
        let h = digestHex(data)
        firstDegreeHash[node] = h
        return h
    }

    @inline(__always) func appendFirstDegree(_ term: Int, _ node: Int, _ out: inout [UInt8]) {
        if term >= 0 {
            out += [UInt8(ascii: "_"), UInt8(ascii: ":"), term == node ? UInt8(ascii: "a") : UInt8(ascii: "z")]
        } else {
            out += fixedTerms[-term - 1]
        }
    }

    // MARK: §4.7 Hash Related Blank Node

    mutating func hashRelatedBlankNode(_ related: Int, quad: EncodedQuad, issuer: IdentifierIssuer, position: UInt8) -> [UInt8] {
        var input: [UInt8] = [position]
        // Step 2: the predicate, unless the position is the graph.
        if position != UInt8(ascii: "g") { input += fixedTerms[-quad.p - 1] }
        // Step 1/3: canonical identifier, else the issuer's, else the first degree hash.
        if !canonicalIssuer.appendIdentifier(related, to: &input) && !issuer.appendIdentifier(related, to: &input) {
            input += hashFirstDegreeQuads(related)
        }
        return digestHex(input)
    }

    // MARK: §4.8 Hash N-Degree Quads

    mutating func hashNDegreeQuads(_ node: Int, issuer inputIssuer: IdentifierIssuer) throws(JSONLDError) -> (hash: [UInt8], issuer: IdentifierIssuer) {
        try spend(1)
        var issuer = inputIssuer
        // Steps 1–3: group related blank nodes by their related hash.
        var groups: [[UInt8]: [Int]] = [:]
        for qi in quadsForNode[node] {
            let q = quads[qi]
            if q.s >= 0 && q.s != node {
                groups[hashRelatedBlankNode(q.s, quad: q, issuer: issuer, position: UInt8(ascii: "s")), default: []].append(q.s)
            }
            if q.o >= 0 && q.o != node {
                groups[hashRelatedBlankNode(q.o, quad: q, issuer: issuer, position: UInt8(ascii: "o")), default: []].append(q.o)
            }
            if q.g >= 0 && q.g != node {
                groups[hashRelatedBlankNode(q.g, quad: q, issuer: issuer, position: UInt8(ascii: "g")), default: []].append(q.g)
            }
        }
        // Step 4–5: process groups in code point order of their hash.
        var dataToHash: [UInt8] = []
        for hash in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            dataToHash += hash
            var chosenPath: [UInt8] = []
            var chosenIssuer: IdentifierIssuer? = nil
            // Step 5.4: every permutation of the blank node list (lexicographic order, duplicates kept).
            var perm = groups[hash]!.sorted { blankLabels[$0].utf8.lexicographicallyPrecedes(blankLabels[$1].utf8) }
            repeat {
                try spend(1)
                var issuerCopy = issuer
                var path: [UInt8] = []
                var recursionList: [Int] = []
                var skip = false
                // Step 5.4.4
                for related in perm {
                    if !canonicalIssuer.appendIdentifier(related, to: &path) {
                        if !issuerCopy.hasIdentifier(related) { recursionList.append(related) }
                        issuerCopy.issue(related, appendingTo: &path)
                    }
                    if !chosenPath.isEmpty && path.count >= chosenPath.count && chosenPath.lexicographicallyPrecedes(path) {
                        skip = true
                        break
                    }
                }
                if skip { continue }
                // Step 5.4.5
                for related in recursionList {
                    let result = try hashNDegreeQuads(related, issuer: issuerCopy)
                    issuerCopy.issue(related, appendingTo: &path)
                    path.append(UInt8(ascii: "<"))
                    path += result.hash
                    path.append(UInt8(ascii: ">"))
                    issuerCopy = result.issuer
                    if !chosenPath.isEmpty && path.count >= chosenPath.count && chosenPath.lexicographicallyPrecedes(path) {
                        skip = true
                        break
                    }
                }
                if skip { continue }
                // Step 5.4.6
                if chosenPath.isEmpty || path.lexicographicallyPrecedes(chosenPath) {
                    chosenPath = path
                    chosenIssuer = issuerCopy
                }
            } while nextPermutation(&perm)
            // Step 5.5–5.6
            dataToHash += chosenPath
            issuer = chosenIssuer!
        }
        return (digestHex(dataToHash), issuer)
    }

    func nextPermutation(_ a: inout [Int]) -> Bool {
        let less: (Int, Int) -> Bool = { blankLabels[$0].utf8.lexicographicallyPrecedes(blankLabels[$1].utf8) }
        guard a.count > 1 else { return false }
        var i = a.count - 2
        while i >= 0 && !less(a[i], a[i + 1]) { i -= 1 }
        if i < 0 { return false }
        var j = a.count - 1
        while !less(a[i], a[j]) { j -= 1 }
        a.swapAt(i, j)
        a[(i + 1)...].reverse()
        return true
    }

    mutating func spend(_ n: Int) throws(JSONLDError) {
        work += n
        if work > options.maxWork {
            throw JSONLDError(.workLimitExceeded, "RDFC-1.0 hash N-degree quads exceeded the work limit of \(options.maxWork)")
        }
    }

    // MARK: §4.4 Canonicalization Algorithm

    mutating func run() throws(JSONLDError) -> RDFCResult {
        let n = blankLabels.count
        // Step 3: first degree hashes; hash to blank nodes map.
        var byHash: [[UInt8]: [Int]] = [:]
        for node in 0..<n { byHash[hashFirstDegreeQuads(node), default: []].append(node) }
        let sortedHashes = byHash.keys.sorted { $0.lexicographicallyPrecedes($1) }
        // Step 4: issue canonical identifiers for unique hashes.
        var shared: [[UInt8]] = []
        for h in sortedHashes {
            let nodes = byHash[h]!
            if nodes.count == 1 { canonicalIssuer.issue(nodes[0]) } else { shared.append(h) }
        }
        // Step 5: n-degree hashing for shared hashes.
        for h in shared {
            var hashPathList: [(hash: [UInt8], issuer: IdentifierIssuer)] = []
            for node in byHash[h]! {
                if canonicalIssuer.hasIdentifier(node) { continue }
                var temporary = IdentifierIssuer(prefix: "_:b")
                temporary.issue(node)
                hashPathList.append(try hashNDegreeQuads(node, issuer: temporary))
            }
            hashPathList.sort { $0.hash.lexicographicallyPrecedes($1.hash) }
            for result in hashPathList {
                for node in result.issuer.order { canonicalIssuer.issue(node) }
            }
        }
        // Step 6–7: relabel, serialize, sort.
        var labels: [[UInt8]] = []
        labels.reserveCapacity(n)
        for node in 0..<n {
            var l: [UInt8] = []
            _ = canonicalIssuer.appendIdentifier(node, to: &l)
            labels.append(l)
        }
        var lines: [[UInt8]] = []
        lines.reserveCapacity(quads.count)
        for q in quads {
            var line: [UInt8] = []
            line.reserveCapacity(160)
            appendCanonical(q.s, labels, &line)
            line.append(0x20)
            appendCanonical(q.p, labels, &line)
            line.append(0x20)
            appendCanonical(q.o, labels, &line)
            if q.g != Self.defaultGraph {
                line.append(0x20)
                appendCanonical(q.g, labels, &line)
            }
            line += [0x20, 0x2E, 0x0A]
            // Quads are unique (the dataset is a set) and labels are unique, so lines are too.
            lines.append(line)
        }
        lines.sort { $0.lexicographicallyPrecedes($1) }
        var out: [UInt8] = []
        out.reserveCapacity(lines.reduce(0) { $0 + $1.count })
        for l in lines { out += l }
        var map: [String: String] = [:]
        for node in 0..<n {
            map[blankLabels[node]] = String(decoding: labels[node].dropFirst(2), as: UTF8.self)
        }
        return RDFCResult(canonicalBytes: out, issuedIdentifiers: map)
    }

    @inline(__always) func appendCanonical(_ term: Int, _ labels: [[UInt8]], _ out: inout [UInt8]) {
        if term >= 0 { out += labels[term] } else { out += fixedTerms[-term - 1] }
    }
}
