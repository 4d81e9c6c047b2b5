import Foundation
import Testing
import VitaJSON
@testable import VitaCredentials

/// A deterministic generator (SplitMix64) so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Bitstring Status List: bitstring, encodedList, entries")
struct BitstringStatusListTests {
    /// Bitstring Status List v1.0 §2.2 example: 131 072 zero bits.
    static let specExample = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"

    /// Made with Python 3 (not with Vita), to check interoperability:
    /// ```python
    /// import zlib, base64, gzip
    /// def enc(b):  # zlib level 6, gzip wrapper (wbits 31), memLevel 8
    ///     c = zlib.compressobj(6, zlib.DEFLATED, 31, 8)
    ///     return "u" + base64.urlsafe_b64encode(c.compress(b) + c.flush()).decode().rstrip("=")
    /// bits = bytearray(16384)
    /// for i in [0, 7, 8, 23, 1000, 65535, 131071]: bits[i // 8] |= 0x80 >> (i % 8)
    /// enc(bytes(bits))                                             # python1Bit
    /// "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), 9, mtime=0)).decode().rstrip("=")  # pythonGzipModule1Bit
    /// # python2Bit: 32768 bytes, value v of entry i in bits 2i (high) and 2i+1 (low), then enc(...)
    /// ```
    /// 131 072 × 1 bit, indexes 0, 7, 8, 23, 1000, 65535, 131071 set.
    static let python1Bit = "uH4sIAAAAAAAAA-3ZAQkAQAgEQW3uN_8SwoHMFNgA-6YrZnJpAAAAAAAAADgkOP8BAAAAAAAAgCX9ATjkXJsAQAAA"
    static let python1BitSet = [0, 7, 8, 23, 1000, 65535, 131071]
    /// Same tool, 131 072 × 2 bits: {0: 1, 1: 2, 2: 3, 500: 1, 77777: 2, 131071: 3}.
    static let python2Bit = "uH4sIAAAAAAAAA-3OMQ0AMAwEsUglEigBFP5zKXTqLzaBu62gScYBAAAAAAAAAAAAAAAAAAAAAADgj04PAAAAAAAAAAAAAAAAAC_OBd0ZS8YAgAAA"
    static let python2BitValues: [Int: UInt] = [0: 1, 1: 2, 2: 3, 500: 1, 77777: 2, 131071: 3]
    /// Python's `gzip.compress(level 9, mtime 0)` of the 1-bit list (OS byte 255, XFL 2).
    static let pythonGzipModule1Bit = "uH4sIAAAAAAACA-3QQQ0AMAgEMM45cz4RPAhJK6GvU2u6AAAAAAAAAIC5KAAAAAAAAACA8_IBOORcmwBAAAA"

    @Test("set/get round-trips over many random indexes and through encodedList, statusSize 1 and 2")
    func randomRoundTrip() throws {
        for size in [1, 2] {
            var rng = SplitMix64(state: UInt64(size) * 7919)
            var list = try BitstringStatusList(statusSize: size)
            #expect(list.count == BitstringStatusList.minimumEntries)
            #expect(list.bytes.count == 16384 * size)
            var model: [Int: UInt] = [:]
            for _ in 0..<5000 {
                let index = Int.random(in: 0..<list.count, using: &rng)
                let value = UInt.random(in: 0..<(1 << UInt(size)), using: &rng)
                try list.setStatus(value, at: index)
                model[index] = value
            }
            for (index, value) in model { #expect(try list.status(at: index) == value) }
            let decoded = try BitstringStatusList(encodedList: try list.encodedList(), statusSize: size)
            #expect(decoded == list)
            for (index, value) in model { #expect(try decoded.status(at: index) == value) }
            let untouched = (0..<list.count).filter { model[$0] == nil }
            for index in untouched.prefix(2000) { #expect(try decoded.status(at: index) == 0) }
            #expect(decoded.bytes.reduce(0) { $0 + $1.nonzeroBitCount } == model.values.reduce(0) { $0 + $1.nonzeroBitCount })
        }
    }

    @Test("index 0 is the left-most (most significant) bit of the first byte; multi-bit statuses read MSB first")
    func bitOrder() throws {
        var list = try BitstringStatusList(count: 16)
        try list.set(0, true)
        try list.set(9, true)
        #expect(list.bytes == [0x80, 0x40])
        try list.set(0, false)
        #expect(list.bytes == [0x00, 0x40])
        var two = try BitstringStatusList(count: 8, statusSize: 2)
        try two.setStatus(1, at: 0)
        try two.setStatus(2, at: 1)
        try two.setStatus(3, at: 7)
        #expect(two.bytes == [0b0110_0000, 0b0000_0011])
        #expect(try two.status(at: 1) == 2)
    }

    @Test("the all-zero 131 072-entry list encodes byte-for-byte to the specification's example encodedList")
    func specExampleEncoding() throws {
        #expect(try BitstringStatusList().encodedList() == Self.specExample)
        let decoded = try BitstringStatusList(encodedList: Self.specExample)
        #expect(decoded.count == 131_072)
        #expect(decoded.bytes.allSatisfy { $0 == 0 })
    }

    @Test("encodedList matches Python zlib byte-for-byte and decodes Python's gzip-module output")
    func pythonCompatibility() throws {
        var one = try BitstringStatusList()
        for i in Self.python1BitSet { try one.set(i, true) }
        #expect(try one.encodedList() == Self.python1Bit)
        for encoded in [Self.python1Bit, Self.pythonGzipModule1Bit] {
            let d = try BitstringStatusList(encodedList: encoded)
            let set = (0..<d.count).filter { (try? d.isSet($0)) == true }
            #expect(set == Self.python1BitSet)
        }
        var two = try BitstringStatusList(statusSize: 2)
        for (i, v) in Self.python2BitValues { try two.setStatus(v, at: i) }
        #expect(try two.encodedList() == Self.python2Bit)
        let d2 = try BitstringStatusList(encodedList: Self.python2Bit, statusSize: 2)
        #expect(d2.count == 131_072)
        for (i, v) in Self.python2BitValues { #expect(try d2.status(at: i) == v) }
        #expect(try d2.status(at: 3) == 0)
    }

    @Test("a GZIP bomb is rejected with a compression error instead of being inflated")
    func gzipBomb() throws {
        // 32 MiB of zeros compress to ~32 KB; the default cap is 16 MiB.
        let bomb = try GZip.compress([UInt8](repeating: 0, count: 32 << 20), level: 9)
        #expect(bomb.count < 64 << 10)
        let encoded = "u" + Base64URL.encode(bomb)
        let error = #expect(throws: CredentialError.self) { try BitstringStatusList(encodedList: encoded) }
        #expect(error?.code == .compression)
        #expect(error?.reason.contains("more than 16777216 bytes") == true)
        // A caller-chosen cap applies too.
        let small = try BitstringStatusList().encodedList()
        #expect(throws: CredentialError.self) { try BitstringStatusList(encodedList: small, maxDecompressedBytes: 1000) }
    }

    @Test("malformed encodedList values are rejected with precise errors")
    func malformedEncodedList() throws {
        let good = Self.specExample
        func code(_ s: String) -> CredentialError.Code? {
            do { _ = try BitstringStatusList(encodedList: s); return nil } catch { return error.code }
        }
        #expect(code(String(good.dropFirst())) == .invalidEncoding)          // no multibase prefix
        #expect(code("z" + good.dropFirst()) == .invalidEncoding)            // base58 prefix
        #expect(code(good + "=") == .invalidEncoding)                        // padding
        #expect(code(good.replacingOccurrences(of: "-", with: "+")) == .invalidEncoding)  // base64, not base64url
        #expect(code("uH4sIA") == .invalidEncoding)                         // 5 characters: not a base64 length
        #expect(code(String(good.dropLast(4))) == .compression)              // truncated GZIP
        #expect(code("u" + Base64URL.encode(Array("not gzip at all, just text".utf8))) == .compression)
        var bytes = try Base64URL.decode(good.dropFirst())
        #expect(code("u" + Base64URL.encode(Array(bytes.prefix(bytes.count - 10)))) == .compression)  // truncated
        bytes[bytes.count - 5] ^= 0xff                                                                 // ISIZE/CRC
        #expect(code("u" + Base64URL.encode(bytes)) == .compression)
        #expect(code("u") == .compression)
        // The legacy StatusList2021 form (no prefix) is accepted only when asked.
        #expect(try BitstringStatusList(encodedList: String(good.dropFirst()), allowsMissingMultibasePrefix: true).count == 131_072)
    }

    @Test("indexes outside the list and values wider than statusSize are errors")
    func ranges() throws {
        var list = try BitstringStatusList(count: 16)
        #expect(throws: CredentialError.self) { try list.status(at: 16) }
        #expect(throws: CredentialError.self) { try list.status(at: -1) }
        #expect(throws: CredentialError.self) { try list.setStatus(2, at: 0) }
        #expect(throws: CredentialError.self) { try BitstringStatusList(statusSize: 0) }
        #expect(throws: CredentialError.self) { try BitstringStatusList(statusSize: 9) }
        do { _ = try list.status(at: 99) } catch { #expect(error.code == .statusRange) }
    }

    @Test("base64url encoding round-trips every length and matches RFC 4648 vectors")
    func base64url() throws {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(try Base64URL.decode(Substring(encoded)) == Array(plain.utf8))
        }
        let all = (0..<256).map(UInt8.init)
        for n in 0..<40 {
            #expect(try Base64URL.decode(Substring(Base64URL.encode(Array(all[0..<n])))) == Array(all[0..<n]))
        }
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(throws: CredentialError.self) { try Base64URL.decode("Zh") }   // non-zero padding bits
    }

    @Test("credentialStatus entries parse from an object or an array, with clear errors for malformed entries")
    func entries() throws {
        let entry: JSONValue = [
            "id": "https://example.com/credentials/status/3#94567", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": "94567",
            "statusListCredential": "https://example.com/credentials/status/3",
        ]
        let parsed = try BitstringStatusListEntry(parsing: entry)
        #expect(parsed.index == 94567)
        #expect(parsed.statusPurpose == .revocation)
        #expect(parsed.statusSize == 1)
        #expect(parsed.json == entry)
        #expect(BitstringStatusListEntry(purpose: .revocation, index: 94567, listCredential: "https://example.com/credentials/status/3").json == entry)

        // JSON-number index (1EdTech fixtures): accepted, re-emitted as a string.
        guard case .object(var o) = entry else { return }
        o["statusListIndex"] = 23
        #expect(try BitstringStatusListEntry(parsing: .object(o)).json["statusListIndex"] == "23")

        func reason(_ change: (inout JSONObject) -> Void) -> String? {
            guard case .object(var e) = entry else { return nil }
            change(&e)
            do { _ = try BitstringStatusListEntry(parsing: .object(e)); return nil } catch {
                #expect(error.code == .malformedStatusEntry)
                return error.reason
            }
        }
        #expect(reason { $0.removeValue(forKey: "statusListCredential") }?.contains("has no statusListCredential") == true)
        #expect(reason { $0.removeValue(forKey: "statusPurpose") }?.contains("statusPurpose") == true)
        #expect(reason { $0["statusListIndex"] = "-1" }?.contains("not a base-10 integer") == true)
        #expect(reason { $0["statusListIndex"] = "12a" }?.contains("not a base-10 integer") == true)
        #expect(reason { $0["statusListIndex"] = "99999999999999999999999" }?.contains("in range") == true)
        #expect(reason { $0["statusListIndex"] = 1.5 }?.contains("statusListIndex") == true)
        #expect(reason { $0["statusSize"] = 2 }?.contains("requires statusMessage") == true)
        #expect(reason { $0["statusSize"] = 0 }?.contains("statusSize") == true)
        #expect(reason { $0["statusMessage"] = [["status": "1", "message": "x"]] }?.contains("statusMessage[0]") == true)
        #expect(reason { $0["statusListCredential"] = "not a url" }?.contains("is not a URL") == true)
        #expect(reason {
            $0["statusSize"] = 2
            $0["statusMessage"] = [["status": "0x0", "message": "valid"], ["status": "0x1", "message": "pending"]]
        }?.contains("needs 4") == true)

        // A two-bit message entry.
        o = entry.objectValue!
        o["statusPurpose"] = "message"
        o["statusSize"] = 2
        o["statusMessage"] = .array((0..<4).map { ["status": .string("0x\($0)"), "message": .string("m\($0)")] })
        let m = try BitstringStatusListEntry(parsing: .object(o))
        #expect(m.message(for: 3) == "m3")
        #expect(try BitstringStatusListEntry(parsing: m.json) == m)

        // The credentialStatus container: object, array, other types, none.
        let credential: JSONValue = ["credentialStatus": [entry, ["type": "1EdTechRevocationList", "id": "https://x.example/rl"],
                                                          ["type": "CredentialStatusList2017", "id": "https://x.example/s"], "bad"]]
        let all = CredentialStatusEntry.entries(of: credential)
        #expect(all.count == 4)
        #expect(try all[0].get() == .bitstring(parsed))
        #expect(try all[1].get() == .oneEdTechRevocationList(id: "https://x.example/rl"))
        #expect(try all[2].get() == .unsupported(type: "CredentialStatusList2017"))
        #expect(throws: CredentialError.self) { try all[3].get() }
        #expect(CredentialStatusEntry.entries(of: ["credentialStatus": entry]).count == 1)
        #expect(CredentialStatusEntry.entries(of: ["id": "x"]).isEmpty)
    }
}
