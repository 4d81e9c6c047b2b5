import Foundation
import Testing
import VitaCore

@Suite("RFC 3986 percent-encoding")
struct PercentEncodingTests {
    @Test func everythingButTheUnreservedCharactersIsEncodedByteByByte() {
        #expect(PercentEncoding.unreserved("AZaz09-._~") == "AZaz09-._~")
        #expect(PercentEncoding.unreserved(#"{"a": "b/c?d&e=f"}"#) == "%7B%22a%22%3A%20%22b%2Fc%3Fd%26e%3Df%22%7D")
        #expect(PercentEncoding.unreserved("é+%") == "%C3%A9%2B%25")
        #expect(PercentEncoding.unreserved("é+%").removingPercentEncoding == "é+%")
    }
}
