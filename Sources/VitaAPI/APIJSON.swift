import Foundation
import Hummingbird
import NIOCore
import VitaCore
import VitaJSON

/// JSON coding shared by every endpoint: RFC 3339 timestamps with exactly the stored milliseconds, sorted keys.
enum APIJSON {
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

    static func parseTimestamp(_ text: String) -> Date? {
        (try? timestampStyle.parse(text)) ?? (try? plainTimestampStyle.parse(text))
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
