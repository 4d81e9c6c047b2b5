import Foundation
import Testing
import VitaJSON
@testable import VitaCredentials

/// OB 3.0 §"Baked Badge": baking credentials into PNG and SVG images and extracting them.
@Suite("Badge baking: PNG iTXt and SVG <openbadges:credential>, round trips, fixtures, errors")
struct BadgeBakingTests {
    static let now = XSDDateTime.parse("2026-06-01T12:00:00Z")!
    static let verifier = CredentialVerifier(clock: { now })
    static let fixtures = "ob-v3p0/validator-fixtures/"

    // MARK: - Independent PNG reader (test-side CRC table, not zlib)

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        be32(UInt32(data.count)) + Array(type.utf8) + data + be32(crc(Array(type.utf8) + data))
    }

    /// (type, data) of every chunk; nil unless the signature, layout and every CRC are right and IEND ends the file.
    static func parsePNG(_ bytes: [UInt8]) -> [(type: String, data: [UInt8])]? {
        guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { return nil }
        var chunks: [(type: String, data: [UInt8])] = []
        var i = 8
        while i + 12 <= bytes.count {
            let n = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard i + 12 + n <= bytes.count else { return nil }
            let typeAndData = Array(bytes[(i + 4)..<(i + 8 + n)])
            let stored = Array(bytes[(i + 8 + n)..<(i + 12 + n)])
            guard be32(crc(typeAndData)) == stored else { return nil }
            chunks.append((String(decoding: typeAndData.prefix(4), as: UTF8.self), Array(typeAndData.dropFirst(4))))
            i += 12 + n
            if chunks.last?.type == "IEND" { return i == bytes.count ? chunks : nil }
        }
        return nil
    }

    /// A 1×1 grayscale PNG.
    static let tinyPNG: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        + chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])
        + chunk("IDAT", [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01])
        + chunk("IEND", [])

    /// A fixture PNG with its credential chunk removed.
    static func strippedFixturePNG() throws -> [UInt8] {
        let chunks = try #require(parsePNG(try Fixtures.bytes(fixtures + "simple-json.png")))
        return Array(tinyPNG.prefix(8)) + chunks.filter { $0.type != "iTXt" }.flatMap { chunk($0.type, $0.data) }
    }

    static let plainSVG = Array("""
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [ <!ENTITY x "a>b"> ]>
        <!-- a badge -->
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" data-note="a > b"><circle cx="5" cy="5" r="4"/></svg>
        """.utf8)

    // MARK: - Signed credentials

    static func signedJSON(name: String? = nil) throws -> (JSONValue, Ed25519KeyPair) {
        let key = Ed25519KeyPair()
        guard case .object(var o) = try RoundTripTests.credential(issuer: key.didKey) else { throw CredentialError(.malformedDocument, "fixture") }
        if let name { o["name"] = .string(name) }
        return (try RoundTripTests.sign(.object(o), key), key)
    }

    static func signedJWS() async throws -> String {
        let (_, _, _, jwt) = try await VCJWTTests.ed25519Setup()
        return jwt
    }

    // MARK: - Round trips

    @Test("JSON and VC-JWT credentials round-trip through PNG and SVG, and verify(input:) verifies the baked image")
    func roundTrips() async throws {
        let (json, _) = try Self.signedJSON()
        let jws = try await Self.signedJWS()
        let fixturePNG = try Self.strippedFixturePNG()
        for credential in [BakedCredential.json(json), .compactJWS(jws)] {
            for (format, image) in [(BadgeBaking.ImageFormat.png, Self.tinyPNG), (.svg, Self.plainSVG), (.png, fixturePNG)] {
                let baked = try BadgeBaking.bake(credential, into: image)
                #expect(baked.format == format)
                let (detected, extracted) = try BadgeBaking.unbake(baked.image)
                #expect(detected == format)
                #expect(extracted == credential)
                let report = await Self.verifier.verify(input: baked.image)
                #expect(report.verdict == .valid, "\(format): \(report)")
                let message = try #require(report.checks(named: "format").first?.message)
                #expect(message.hasPrefix("baked \(format) ("), "\(message)")
            }
        }
    }

    @Test("a JSON credential whose text contains ]]> bakes into split CDATA sections and extracts exactly")
    func cdataTerminatorInJSON() async throws {
        let (json, _) = try Self.signedJSON(name: "Badge ]]> <script>&amp; ]]]>")
        let baked = try BadgeBaking.bake(.json(json), intoSVG: Self.plainSVG)
        let text = String(decoding: baked, as: UTF8.self)
        #expect(text.contains("]]]]><![CDATA[>"))
        #expect(try BadgeBaking.unbake(svg: baked) == .json(json))
        #expect(await Self.verifier.verify(input: baked).verdict == .valid)
    }

    @Test("SVG baking: namespace on the root, element directly after the start tag, self-closing root, existing declaration kept")
    func svgLayout() throws {
        let jws = "eyJhbGciOiJFZERTQSJ9.eyJhIjoxfQ.c2ln"
        let baked = String(decoding: try BadgeBaking.bake(.compactJWS(jws), intoSVG: Self.plainSVG), as: UTF8.self)
        #expect(baked.contains(#"data-note="a > b" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="\#(jws)"></openbadges:credential><circle"#))
        let selfClosing = Array(#"<svg xmlns="http://www.w3.org/2000/svg" width="1"/>"#.utf8)
        let baked2 = String(decoding: try BadgeBaking.bake(.compactJWS(jws), intoSVG: selfClosing), as: UTF8.self)
        #expect(baked2 == #"<svg xmlns="http://www.w3.org/2000/svg" width="1" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="\#(jws)"></openbadges:credential></svg>"#)
        #expect(try BadgeBaking.unbake(svg: Array(baked2.utf8)) == .compactJWS(jws))
        let declared = Array(#"<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"></svg>"#.utf8)
        let baked3 = String(decoding: try BadgeBaking.bake(.compactJWS(jws), intoSVG: declared), as: UTF8.self)
        #expect(baked3 == #"<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="\#(jws)"></openbadges:credential></svg>"#)
    }

    @Test("SVG extraction: any prefix bound to the OB 3.0 namespace, entity-encoded text, comments, first occurrence wins")
    func svgExtraction() throws {
        let json = #"{"a":"<b>","c":1}"#
        let other = Array(#"""
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="https://purl.imsglobal.org/ob/v3p0"><g><x:credential xmlns:x="http://example.com/not-ob">nope</x:credential></g>
            <ob:credential> <!-- c --> {"a":"&lt;b&gt;",<![CDATA["c":1]]>} </ob:credential><ob:credential verify="a.b.c"/></svg>
            """#.utf8)
        #expect(try BadgeBaking.unbake(svg: other) == .json(try JSONValue(parsing: json)))
        // A prefix declared on the element itself.
        let local = Array(#"<svg><c:credential xmlns:c="https://purl.imsglobal.org/ob/v3p0" verify="x.y.z"/></svg>"#.utf8)
        #expect(try BadgeBaking.unbake(svg: local) == .compactJWS("x.y.z"))
    }

    @Test("a baked PNG is still a valid chunk sequence: CRCs, IHDR first, one credential chunk just before IEND, other chunks unchanged")
    func bakedPNGStaysValid() throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcXYZ019 {}[]\":,\\]]>\u{0}\u{7f}é€😀\n")
        for image in [Self.tinyPNG, try Self.strippedFixturePNG()] {
            let original = try #require(Self.parsePNG(image))
            for _ in 0..<40 {
                let length = Int.random(in: 0...3000, using: &rng)
                let name = String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
                let credential: JSONValue = ["@context": ["https://www.w3.org/ns/credentials/v2"], "name": .string(name)]
                let baked = try BadgeBaking.bake(.json(credential), intoPNG: image)
                let chunks = try #require(Self.parsePNG(baked))
                #expect(chunks.first?.type == "IHDR")
                #expect(chunks.last?.type == "IEND")
                #expect(chunks.count == original.count + 1)
                let itxt = chunks[chunks.count - 2]
                #expect(itxt.type == "iTXt")
                #expect(itxt.data == Array("openbadgecredential".utf8) + [0, 0, 0, 0, 0] + credential.serialized())
                let others = chunks.enumerated().filter { $0.offset != chunks.count - 2 }.map(\.element)
                #expect(zip(others, original).allSatisfy { $0.type == $1.type && $0.data == $1.data })
                #expect(try BadgeBaking.unbake(png: baked) == .json(credential))
            }
        }
    }

    // MARK: - Fixtures

    @Test("the 1EdTech baked fixtures extract: JSON from simple-json.png/.svg (the same credential), VC-JWTs from the others")
    func fixtureExtraction() throws {
        let png = try BadgeBaking.unbake(png: try Fixtures.bytes(Self.fixtures + "simple-json.png"))
        let svg = try BadgeBaking.unbake(svg: try Fixtures.bytes(Self.fixtures + "simple-json.svg"))
        guard case .json(let credential) = png else { Issue.record("simple-json.png: \(png)"); return }
        #expect(svg == png)
        #expect(credential["id"]?.stringValue == "http://example.com/credentials/3527")
        for name in ["simple-jwt.png", "simple-jwt.svg", "simple-jwt_v1.png", "simple-jwt_v1.svg"] {
            let (format, extracted) = try BadgeBaking.unbake(try Fixtures.bytes(Self.fixtures + name))
            #expect(format.rawValue == String(name.suffix(3)))
            guard case .compactJWS(let jws) = extracted else { Issue.record("\(name): \(extracted)"); continue }
            #expect(try CompactJWS(parsing: jws).header["alg"] == "RS256", "\(name)")
        }
    }

    @Test("re-baking the VC-JWT of simple-jwt.png into the image without its chunk reproduces the fixture byte for byte")
    func fixtureRebake() throws {
        let original = try Fixtures.bytes(Self.fixtures + "simple-jwt.png")
        let credential = try BadgeBaking.unbake(png: original)
        let chunks = try #require(Self.parsePNG(original))
        let stripped = Array(original.prefix(8)) + chunks.filter { $0.type != "iTXt" }.flatMap { Self.chunk($0.type, $0.data) }
        #expect(try BadgeBaking.bake(credential, intoPNG: stripped) == original)
    }

    @Test("verify(input:) on the baked fixtures: the format check names the container; the JSON one's proof verifies")
    func fixtureVerification() async throws {
        let verifier = CredentialVerifier(resolver: TrailingMultikeyResolver(), clock: { ValidatorFixtureTests.now })
        for name in ["simple-json.png", "simple-json.svg"] {
            let report = await verifier.verify(input: try Fixtures.bytes(Self.fixtures + name))
            #expect(report.passed("proof"), "\(name): \(report)")
            #expect(report.checks(named: "format").first?.message.hasPrefix("baked \(name.suffix(3).uppercased()) (") == true)
        }
        let jwt = await verifier.verify(input: try Fixtures.bytes(Self.fixtures + "simple-jwt.svg"))
        #expect(jwt.passed("proof"), "\(jwt)")
        #expect(jwt.checks(named: "format").first?.message.contains("VC-JWT): compact JWS (RS256)") == true, "\(jwt)")
    }

    // MARK: - Errors

    static func code(_ body: () throws -> Any) -> CredentialError.Code? {
        do { _ = try body() } catch let error as CredentialError { return error.code } catch { return nil }
        return nil
    }

    static func offset(of needle: String, in bytes: [UInt8]) -> Int? {
        let n = Array(needle.utf8)
        return (0...(bytes.count - n.count)).first { bytes[$0..<($0 + n.count)].elementsEqual(n) }
    }

    /// A PNG whose credential chunk has the given data (CRC recomputed).
    static func pngWithCredentialChunk(_ data: [UInt8]) -> [UInt8] {
        Array(tinyPNG.dropLast(12)) + chunk("iTXt", data) + chunk("IEND", [])
    }

    @Test("PNG errors: no credential, OB 2.0 keyword, bad CRC, truncated (every prefix), compressed, corrupt iTXt, corrupt chunks, already baked, too large")
    func pngErrors() throws {
        #expect(Self.code { try BadgeBaking.unbake(png: Self.tinyPNG) } == .noBakedCredential)
        do {
            _ = try BadgeBaking.unbake(png: Self.pngWithCredentialChunk(Array("openbadges".utf8) + [0, 0, 0, 0, 0] + Array("{}".utf8)))
            Issue.record("no error")
        } catch {
            #expect(error.code == .noBakedCredential && error.reason.contains("Open Badges 2.0"))
        }
        let baked = try BadgeBaking.bake(.compactJWS("a.b.c"), intoPNG: Self.tinyPNG)
        // Bad CRC: flip a byte of the credential text.
        var flipped = baked
        flipped[baked.count - 12 - 4 - 2] ^= 0x01
        #expect(Self.code { try BadgeBaking.unbake(png: flipped) } == .checksumMismatch)
        // Truncated anywhere: a precise error, never a crash.
        for n in 0..<baked.count {
            let code = Self.code { try BadgeBaking.unbake(png: Array(baked.prefix(n))) }
            if n < 8 {
                #expect(code == .truncatedImage || code == .notAnImage, "prefix \(n)")
            } else if n >= baked.count - 12 {
                #expect(code == nil, "prefix \(n): the credential chunk is complete")  // extraction stops at the credential chunk
            } else {
                #expect(code == .truncatedImage, "prefix \(n): \(String(describing: code))")
            }
            #expect(Self.code { try BadgeBaking.bake(.compactJWS("a.b.c"), intoPNG: Array(Self.tinyPNG.prefix(n % Self.tinyPNG.count))) } != nil)
        }
        // Compressed iTXt.
        let compressed = Self.pngWithCredentialChunk(Array("openbadgecredential".utf8) + [0, 1, 0, 0, 0, 0x78, 0x9C])
        #expect(Self.code { try BadgeBaking.unbake(png: compressed) } == .compressedBakedCredential)
        // Corrupt iTXt fields and texts.
        for data in [Array("openbadgecredential".utf8) + [0, 0],
                     Array("openbadgecredential".utf8) + [0, 0, 0, 0x65, 0x6E],
                     Array("openbadgecredential".utf8) + [0, 2, 0, 0, 0] + Array("a.b.c".utf8),
                     Array("openbadgecredential".utf8) + [0, 0, 7, 0, 0] + Array("a.b.c".utf8),
                     Array("openbadgecredential".utf8) + [0, 0, 0, 0, 0] + Array("{\"a\":".utf8),
                     Array("openbadgecredential".utf8) + [0, 0, 0, 0, 0] + Array("not a credential".utf8),
                     Array("openbadgecredential".utf8) + [0, 0, 0, 0, 0] + [0xFF, 0xFE],
                     Array("openbadgecredential".utf8) + [0, 0, 0, 0, 0, 0x20]] {
            #expect(Self.code { try BadgeBaking.unbake(png: Self.pngWithCredentialChunk(data)) } == .corruptBakedCredential, "\(data)")
        }
        // Corrupt chunk structure.
        var badType = Self.tinyPNG
        badType[8 + 25 + 4] = 0x31  // IDAT's type → "1DAT"
        #expect(Self.code { try BadgeBaking.unbake(png: badType) } == .corruptImage)
        var hugeLength = Self.tinyPNG
        hugeLength[33] = 0xFF  // IDAT length > 2^31-1
        #expect(Self.code { try BadgeBaking.unbake(png: hugeLength) } == .corruptImage)
        #expect(Self.code { try BadgeBaking.bake(.compactJWS("a.b.c"), intoPNG: Self.tinyPNG + [0]) } == .corruptImage)
        let noIHDR = Array(Self.tinyPNG.prefix(8)) + Self.chunk("IDAT", [1]) + Self.chunk("IEND", [])
        #expect(Self.code { try BadgeBaking.bake(.compactJWS("a.b.c"), intoPNG: noIHDR) } == .corruptImage)
        #expect(Self.code { try BadgeBaking.unbake(png: noIHDR) } == .corruptImage)
        #expect(Self.code { try BadgeBaking.unbake(png: Array("GIF89a....".utf8)) } == .notAnImage)
        #expect(Self.code { try BadgeBaking.unbake(Array("GIF89a....".utf8)) } == .notAnImage)
        // Already baked; too large; not bakeable.
        #expect(Self.code { try BadgeBaking.bake(.compactJWS("d.e.f"), intoPNG: baked) } == .alreadyBaked)
        #expect(Self.code { try BadgeBaking.bake(.compactJWS("a.b.c"), intoPNG: Self.tinyPNG, limits: .init(maxImageBytes: 60)) } == .imageTooLarge)
        #expect(Self.code { try BadgeBaking.unbake(png: baked, limits: .init(maxImageBytes: 60)) } == .imageTooLarge)
        #expect(Self.code { try BadgeBaking.bake(.json(["a": .string(String(repeating: "x", count: 100))]), intoPNG: Self.tinyPNG, limits: .init(maxCredentialBytes: 50)) } == .imageTooLarge)
        #expect(Self.code { try BadgeBaking.bake(.compactJWS("not a jws"), intoPNG: Self.tinyPNG) } == .malformedDocument)
        #expect(Self.code { try BadgeBaking.bake(.json([1, 2]), intoPNG: Self.tinyPNG) } == .malformedDocument)
    }

    @Test("SVG errors: no credential, not an SVG root, truncated (every prefix), child element, empty element, already baked, prefix clash, not UTF-8, bad entity")
    func svgErrors() throws {
        #expect(Self.code { try BadgeBaking.unbake(svg: Self.plainSVG) } == .noBakedCredential)
        #expect(Self.code { try BadgeBaking.unbake(svg: Array("<html><body/></html>".utf8)) } == .notAnImage)
        #expect(Self.code { try BadgeBaking.bake(.compactJWS("a.b.c"), intoSVG: Array("<html/>".utf8)) } == .notAnImage)
        #expect(Self.code { try BadgeBaking.unbake(svg: Array("<!-- only a comment -->".utf8)) } == .notAnImage)
        let (json, _) = try Self.signedJSON()
        let baked = try BadgeBaking.bake(.json(json), intoSVG: Self.plainSVG)
        let end = try #require(Self.offset(of: "</openbadges:credential>", in: baked))
        for n in stride(from: 0, through: end, by: 7) {
            let code = Self.code { try BadgeBaking.unbake(svg: Array(baked.prefix(n))) }
            #expect(code == .truncatedImage || code == .notAnImage || code == .noBakedCredential || code == .corruptImage, "prefix \(n): \(String(describing: code))")
        }
        let credentialStart = try #require(Self.offset(of: "<openbadges:credential>", in: baked))
        #expect(Self.code { try BadgeBaking.unbake(svg: Array(baked.prefix(credentialStart + 40))) } == .truncatedImage)
        let ns = #"xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0""#
        #expect(Self.code { try BadgeBaking.unbake(svg: Array("<svg \(ns)><openbadges:credential><g/></openbadges:credential></svg>".utf8)) } == .corruptBakedCredential)
        #expect(Self.code { try BadgeBaking.unbake(svg: Array("<svg \(ns)><openbadges:credential/></svg>".utf8)) } == .corruptBakedCredential)
        #expect(Self.code { try BadgeBaking.unbake(svg: Array("<svg \(ns)><openbadges:credential>  </openbadges:credential></svg>".utf8)) } == .corruptBakedCredential)
        #expect(Self.code { try BadgeBaking.unbake(svg: Array("<svg \(ns)><openbadges:credential>{&bogus;}</openbadges:credential></svg>".utf8)) } == .corruptImage)
        #expect(Self.code { try BadgeBaking.unbake(svg: Array("<svg \(ns)><openbadges:credential verify=a.b.c/></svg>".utf8)) } == .corruptImage)
        #expect(Self.code { try BadgeBaking.unbake(svg: [0x3C, 0x73, 0x76, 0x67, 0xFF, 0x3E]) } == .notAnImage)
        #expect(Self.code { try BadgeBaking.bake(.json(json), intoSVG: baked) } == .alreadyBaked)
        let ob2 = Array(#"<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="x"/></svg>"#.utf8)
        #expect(Self.code { try BadgeBaking.bake(.json(json), intoSVG: ob2) } == .corruptImage)
        #expect(Self.code { try BadgeBaking.unbake(svg: ob2) } == .noBakedCredential)
        #expect(Self.code { try BadgeBaking.unbake(svg: baked, limits: .init(maxImageBytes: 100)) } == .imageTooLarge)
        let deep = "<svg>" + String(repeating: "<g>", count: 1200) + String(repeating: "</g>", count: 1200) + "</svg>"
        #expect(Self.code { try BadgeBaking.unbake(svg: Array(deep.utf8)) } == .corruptImage)
    }

    @Test("verify(input:) reports a broken baked image as a failed format check naming the container")
    func verifyBrokenImages() async throws {
        let png = await Self.verifier.verify(input: Self.tinyPNG)
        #expect(png.failed("format"))
        #expect(png.checks(named: "format").first?.message == "baked PNG: the PNG has no openbadgecredential iTXt chunk")
        let svg = await Self.verifier.verify(input: Self.plainSVG)
        #expect(svg.checks(named: "format").first?.message.hasPrefix("baked SVG: the SVG has no <openbadges:credential>") == true)
        let truncated = await Self.verifier.verify(input: Array(try BadgeBaking.bake(.compactJWS("a.b.c"), intoPNG: Self.tinyPNG).prefix(40)))
        #expect(truncated.failed("format"))
        // A tampered baked credential fails its proof, not the format.
        let (json, _) = try Self.signedJSON()
        guard case .object(var o) = json else { return }
        o["name"] = "Forged"
        let forged = await Self.verifier.verify(input: try BadgeBaking.bake(.json(.object(o)), intoPNG: Self.tinyPNG))
        #expect(forged.passed("format") && forged.failed("proof"))
    }
}
