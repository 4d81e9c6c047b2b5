import Testing
import VitaCore

@Suite("Constant-time comparison")
struct ConstantTimeTests {
    @Test func equalBytesAreEqual() {
        #expect(ConstantTime.equal([UInt8](), [UInt8]()))
        #expect(ConstantTime.equal("vk.abc".utf8, Array("vk.abc".utf8)))
    }

    @Test func aDifferenceAnywhereIsUnequal() {
        let secret = Array("0123456789abcdef".utf8)
        for index in secret.indices {
            var guess = secret
            guess[index] ^= 0x01
            #expect(!ConstantTime.equal(secret, guess), "difference at \(index)")
        }
    }

    @Test func aPrefixOrLongerValueIsUnequal() {
        #expect(!ConstantTime.equal("abc".utf8, "abcd".utf8))
        #expect(!ConstantTime.equal("abcd".utf8, "abc".utf8))
        #expect(!ConstantTime.equal("".utf8, "a".utf8))
    }
}
