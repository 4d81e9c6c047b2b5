import Testing
import VitaJSON

struct NULCharacterTests {
    @Test("a \\u0000 escape or a raw zero byte is a NUL; an escaped backslash before u0000, other escapes and a cut escape are not",
          arguments: [
              (#"{"a":"x\u0000y"}"#, true), (#"{"a":"\\u0000"}"#, false), (#"{"a":"\\\u0000"}"#, true),
              (#"{"a":"\u0001\u00000"}"#, true), (#"{"a":"\u0010"}"#, false), (#"{"a":"\u000"#, false),
              (#"{"a\u0000":1}"#, true), (#"{"a":"\"u0000"}"#, false), ("", false),
          ])
    func detection(_ text: String, _ holds: Bool) {
        #expect(NULCharacter.isHeld(inJSON: Array(text.utf8)) == holds)
        #expect(NULCharacter.isHeld(inJSON: Array(text.utf8) + [0]))
        // The scan passes over eight bytes at a time: the answer is the same wherever the text falls among them, and
        // for bytes that are not contiguous.
        let padding = UInt8(ascii: "x")
        for offset in 0 ... 16 {
            let padded = Array(repeating: padding, count: offset) + Array(text.utf8) + Array(repeating: padding, count: 16 - offset)
            #expect(NULCharacter.isHeld(inJSON: padded) == holds, "at offset \(offset)")
            #expect(NULCharacter.isHeld(inJSON: padded.lazy.map { $0 }) == holds, "at offset \(offset), not contiguous")
        }
    }

    @Test("the path names the member or item holding the NUL, the parent of a member name holding it, and the root")
    func paths() {
        #expect(NULCharacter.path(inJSON: Array(#"{"record":{"title":"a\u0000"}}"#.utf8)) == "record.title")
        #expect(NULCharacter.path(inJSON: Array(#"{"ids":[{"v":"ok"},{"v":"\u0000"}]}"#.utf8)) == "ids[1].v")
        #expect(NULCharacter.path(inJSON: Array(#"{"record":{"t\u0000":1}}"#.utf8)) == "record")
        #expect(NULCharacter.path(inJSON: Array(#""\u0000""#.utf8)) == "")
        #expect(NULCharacter.path(inJSON: Array(#"{"a":"\u0000"#.utf8)) == "", "text that does not parse")
        #expect(NULCharacter.path(inJSON: Array(#"{"a":"\\u0000"}"#.utf8)) == nil)
    }
}
