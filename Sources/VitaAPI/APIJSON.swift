import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaJSON

/// JSON coding shared by every endpoint: RFC 3339 timestamps with exactly the stored milliseconds, sorted keys.
enum APIJSON {
    /// A page of a list as the API answers it: its items, and the cursor of the next page when there is one.
    static func page(_ items: [JSONValue], next: String?) -> JSONValue {
        var page: JSONObject = ["items": .array(items)]
        if let next { page["nextCursor"] = .string(next) }
        return .object(page)
    }

    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    static let plainTimestampStyle = Date.ISO8601FormatStyle()

    static let encoder = Timestamp.jsonEncoder()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = parseTimestamp(text) { return date }
            throw DecodingError.dataCorruptedError(in: container,
                                                   debugDescription: "must be an RFC 3339 timestamp such as 2026-01-31T09:00:00Z")
        }
        return decoder
    }()

    /// An RFC 3339 time; nil for anything else — including a day or time that does not exist (`2026-02-30`,
    /// `24:00:00`), which Foundation's parser would roll over into the next one.
    static func parseTimestamp(_ text: String) -> Date? {
        guard namesRealDayAndTime(text) else { return nil }
        return (try? timestampStyle.parse(text)) ?? (try? plainTimestampStyle.parse(text))
    }

    /// Whether `text` starts `YYYY-MM-DDTHH:MM:SS` with a day of the calendar and a time of day (a leap second allowed).
    static func namesRealDayAndTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8.prefix(19))
        guard bytes.count == 19, CalendarDate(String(decoding: bytes[0..<10], as: UTF8.self)) != nil,
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            bytes[range].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
                ? bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } : nil
        }
        guard let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return false }
        return hour < 24 && minute < 60 && second <= 60
    }

    /// A response carrying a JSON value as written (member order kept), with the given status and headers.
    static func response(json value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:],
                         contentType: String = "application/json") -> Response {
        var headers = headers
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    /// A JSON response with the given status and headers.
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try encoder.encode(value)
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
