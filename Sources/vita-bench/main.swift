import Foundation
import VitaJSON
import VitaJSONLD

// vita-bench jsonld [--standards DIR] [--out DIR] [--seconds S]
// vita-bench credentials [--resources DIR] [--out DIR] [--seconds S]   (see CredentialsBench.swift)
// vita-bench case FILE...                                              (see CASEBench.swift)
//
// Measures JSON bytes → canonical N-Quads (parse, expand, toRdf, RDFC-1.0) and RDFC-1.0 alone
// on: the OB 3.0 test-vector credential, the complete OB 3.0 example, and CLR credentials with
// 10, 100 and 1000 nested signed achievement credentials (generated from the CLR test vector).
// The inputs are written to --out so scripts/bench-jsonld-peers can run PyLD and pyoxigraph on
// the same files. Prints medians with p10–p90 in milliseconds.

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: vita-bench jsonld [--standards DIR] [--out DIR] [--seconds S]\n       vita-bench credentials [--resources DIR] [--out DIR] [--seconds S]\n       vita-bench case FILE...\n".utf8))
    exit(64)
}

if CommandLine.arguments.dropFirst().first == "credentials" {
    exit(await CredentialsBench.run(arguments: Array(CommandLine.arguments.dropFirst(2))))
}
if CommandLine.arguments.dropFirst().first == "case" {
    exit(await CASEBench.run(arguments: Array(CommandLine.arguments.dropFirst(2))))
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.first == "jsonld" else { usage() }
arguments.removeFirst()
var standards = "../shared/standards"
var outDir = ".build-jsonld/bench-inputs"
var secondsPerCase = 1.0
var standardsGiven = false
while let a = arguments.first {
    arguments.removeFirst()
    guard let v = arguments.first else { usage() }
    arguments.removeFirst()
    switch a {
    case "--standards":
        standards = v
        standardsGiven = true
    case "--out": outDir = v
    case "--seconds": secondsPerCase = Double(v) ?? 1.0
    default: usage()
    }
}

if !standardsGiven && !FileManager.default.fileExists(atPath: standards) {
    // A clone without the shared folder: use the copy bundled with the tests.
    standards = "Tests/VitaJSONLDTests/Resources/standards"
}

@MainActor func load(_ path: String) -> [UInt8] {
    guard let d = FileManager.default.contents(atPath: standards + "/" + path) else {
        FileHandle.standardError.write(Data("vita-bench: cannot read \(standards)/\(path)\n".utf8))
        exit(1)
    }
    return Array(d)
}

/// A CLR credential with `n` embedded signed AchievementCredentials, derived from the CLR test vector.
@MainActor func generateCLR(_ n: Int) throws -> [UInt8] {
    let signed = try JSONValue(parsing: load("clr-v2p0/test-vectors/eddsa-rdfc-2022/signed.json"))
    guard case .object(var clr) = signed, case .object(var subject)? = clr["credentialSubject"],
          case .array(let vcs)? = subject["verifiableCredential"], case .object(let template)? = vcs.first
    else { fatalError("unexpected CLR vector shape") }
    var credentials: [JSONValue] = []
    var achievements: [JSONValue] = []
    for i in 0..<n {
        var vc = template
        let uuid = String(format: "%08x-56cb-11ec-bf63-0242ac13%04x", i, i % 65536)
        vc["id"] = .string("urn:uuid:\(uuid)")
        vc["name"] = .string("Achievement Credential \(i)")
        if case .object(var cs)? = vc["credentialSubject"], case .object(var ach)? = cs["achievement"] {
            ach["id"] = .string("urn:uuid:a\(uuid)")
            ach["name"] = .string("Achievement \(i)")
            ach["description"] = .string("Achievement number \(i)")
            cs["achievement"] = .object(ach)
            vc["credentialSubject"] = .object(cs)
            achievements.append(.object(ach))
        }
        if case .array(var proofs)? = vc["proof"], case .object(var p)? = proofs.first {
            p["created"] = .string(String(format: "2010-01-01T19:%02d:%02dZ", (i / 60) % 60, i % 60))
            proofs[0] = .object(p)
            vc["proof"] = .array(proofs)
        }
        credentials.append(.object(vc))
    }
    subject["verifiableCredential"] = .array(credentials)
    subject["achievement"] = .array(achievements)
    clr["credentialSubject"] = .object(subject)
    clr["proof"] = nil
    return JSONValue.object(clr).serialized()
}

struct Stats {
    var samples: [Double]
    var median: Double { percentile(0.5) }
    func percentile(_ p: Double) -> Double {
        let s = samples.sorted()
        return s[min(s.count - 1, Int(Double(s.count - 1) * p + 0.5))]
    }
    var text: String {
        String(format: "%9.3f [%.3f–%.3f] n=%d", median, percentile(0.1), percentile(0.9), samples.count)
    }
}

@MainActor func measure(_ body: () throws -> Void) rethrows -> Stats {
    try body()  // warm-up (fills the context cache)
    var samples: [Double] = []
    let clock = ContinuousClock()
    let deadline = clock.now + .milliseconds(Int(secondsPerCase * 1000))
    while samples.count < 5 || (clock.now < deadline && samples.count < 5000) {
        let start = clock.now
        try body()
        let d = clock.now - start
        samples.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
    }
    return Stats(samples: samples)
}

do {
    try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
    var cases: [(name: String, file: String, bytes: [UInt8])] = [
        ("ob3-vector", "ob3-vector.json", load("ob-v3p0/test-vectors/eddsa-rdfc-2022/unsigned.json")),
        ("ob3-complete", "ob3-complete.json", load("ob-v3p0/examples/complete-openbadgecredential.json")),
    ]
    for n in [10, 100, 1000] { cases.append(("clr-\(n)", "clr-\(n).json", try generateCLR(n))) }
    print("vita-bench jsonld: JSON → canonical N-Quads (RDFC-1.0, SHA-256); ms median [p10–p90]")
    print("inputs written to \(outDir)")
    print("case           size(KB)  quads  bnodes   full (parse+expand+toRdf+RDFC)        RDFC only (dataset → N-Quads)")
    for c in cases {
        try Data(c.bytes).write(to: URL(fileURLWithPath: outDir + "/" + c.file))
        let document = try JSONValue(parsing: c.bytes)
        let dataset = try JSONLD.toRDF(document)
        let canonical = try RDFC10.canonicalize(dataset)
        try Data(canonical.canonicalBytes).write(to: URL(fileURLWithPath: outDir + "/" + c.name + ".nq"))
        let full = try measure { _ = try JSONLD.canonicalize(jsonBytes: c.bytes) }
        let core = try measure { _ = try RDFC10.canonicalize(dataset) }
        print(String(format: "%-13@ %9.1f %6d %7d  ", c.name as NSString, Double(c.bytes.count) / 1024, dataset.count,
                     canonical.issuedIdentifiers.count) + full.text + "   " + core.text)
        // Machine-readable line for scripts/bench-jsonld-peers.
        print(String(format: "RESULT %@ full=%.4f core=%.4f", c.name as NSString, full.median, core.median))
    }
    // Poison graph: stops at the work limit.
    let poison = String(decoding: load("rdf-canon/tests/rdfc10/test074-in.nq"), as: UTF8.self)
    let start = ContinuousClock.now
    _ = try? RDFC10.canonicalize(nQuads: poison)
    print("poison (rdf-canon test074, 10-clique): stopped at the work limit after \(ContinuousClock.now - start)")
} catch {
    FileHandle.standardError.write(Data("vita-bench: \(error)\n".utf8))
    exit(1)
}
