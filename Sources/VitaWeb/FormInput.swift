import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import VitaCore

/// A submitted form: text fields and at most one file per name, from `multipart/form-data` or
/// `application/x-www-form-urlencoded`, read with a size limit.
struct FormInput: Sendable {
    /// An uploaded file.
    struct File: Sendable {
        var filename: String
        var bytes: [UInt8]
    }

    var fields: [String: String] = [:]
    var files: [String: File] = [:]
    /// The size of the body when it was over the limit (then nothing else was kept).
    var oversizedBytes: Int?

    /// Reads the body of `request`. A body over `limit` bytes is read to its end (up to `drainLimit`, so the browser
    /// gets the answer instead of a broken connection) and reported through `oversizedBytes`.
    static func read(_ request: Request, limit: Int, drainLimit: Int = 64 << 20) async throws -> FormInput {
        let input = try await readUnchecked(request, limit: limit, drainLimit: drainLimit)
        // No text field has a use for the NUL character, and PostgreSQL cannot store it.
        guard !input.fields.contains(where: { $0.key.utf8.contains(0) || $0.value.utf8.contains(0) }) else {
            throw WebError(.unreadableForm, "a field holds the NUL character")
        }
        return input
    }

    private static func readUnchecked(_ request: Request, limit: Int, drainLimit: Int) async throws -> FormInput {
        var buffer = ByteBuffer()
        var total = 0
        for try await chunk in request.body {
            total += chunk.readableBytes
            if total <= limit {
                var chunk = chunk
                buffer.writeBuffer(&chunk)
            } else {
                buffer.clear()
                guard total <= drainLimit else { break }
            }
        }
        if total > limit { return FormInput(oversizedBytes: total) }
        let contentType = request.headers[.contentType] ?? ""
        switch request.mediaType ?? "" {
        case "multipart/form-data":
            guard let boundary = parameter("boundary", of: contentType) else {
                throw WebError(.unreadableForm, "the multipart body names no boundary")
            }
            return try multipart(buffer, boundary: boundary)
        case "application/x-www-form-urlencoded":
            var input = FormInput()
            guard let fields = PercentEncoding.formFields(String(decoding: buffer.readableBytesView, as: UTF8.self)) else {
                throw WebError(.unreadableForm, "the form is not form-urlencoded")
            }
            for (name, value) in fields { input.fields[name] = value }
            return input
        default:
            throw WebError(.unreadableForm, "the body is not a form")
        }
    }

    /// A parameter of a header value such as `multipart/form-data; boundary=x` or `form-data; name="file"`.
    static func parameter(_ name: String, of header: String) -> String? {
        for part in header.split(separator: ";").dropFirst() {
            let pieces = part.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2, pieces[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var value = pieces[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// Parses a `multipart/form-data` body (RFC 7578) with MultipartKit's streaming parser.
    static func multipart(_ body: ByteBuffer, boundary: String) throws -> FormInput {
        let parser = MultipartParser(boundary: boundary)
        var input = FormInput()
        var disposition = ""
        var content = ByteBuffer()
        var failure: WebError?
        parser.onHeader = { name, value in
            if name.lowercased() == "content-disposition" { disposition = value }
        }
        parser.onBody = { chunk in content.writeBuffer(&chunk) }
        parser.onPartComplete = {
            defer {
                disposition = ""
                content.clear()
            }
            guard let name = parameter("name", of: disposition) else {
                failure = WebError(.unreadableForm, "a part has no name")
                return
            }
            let bytes = Array(content.readableBytesView)
            if let filename = parameter("filename", of: disposition) {
                input.files[name] = File(filename: filename, bytes: bytes)
            } else {
                input.fields[name] = String(decoding: bytes, as: UTF8.self)
            }
        }
        do {
            try parser.execute(body)
        } catch {
            throw WebError(.unreadableForm, "the multipart body does not parse")
        }
        if let failure { throw failure }
        return input
    }
}
