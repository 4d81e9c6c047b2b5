import CZlib

/// GZIP (RFC 1952) compression with the system zlib, for the `encodedList` of Bitstring
/// Status Lists (Bitstring Status List v1.0 §2.2 "BitstringStatusListCredential":
/// "the GZIP-compressed [RFC1952] bitstring").
///
/// Every zlib return code is checked and turned into a ``CredentialError`` with
/// ``CredentialError/Code/compression``. Decompression is bounded: output beyond
/// `maxOutputBytes` is an error, never an allocation, so a "GZIP bomb" (a few KB that
/// inflate to gigabytes) is rejected after producing at most `maxOutputBytes + 64 KiB`.
///
/// ```swift
/// let packed = try GZip.compress(bytes)                       // zlib level 6, mtime 0, OS 3 (Unix)
/// let bytes = try GZip.decompress(packed, maxOutputBytes: 16 << 20)
/// ```
public enum GZip {
    /// zlib `windowBits` for a GZIP wrapper: 15 (32 KiB window) + 16.
    static let gzipWindowBits: Int32 = 15 + 16

    /// Compresses `bytes` into one GZIP member (no file name, modification time 0).
    ///
    /// With the default level (zlib's 6) the output is deterministic and, for the
    /// all-zero 16 KB list, byte-for-byte the example `encodedList` of the specification.
    /// - Parameter level: zlib compression level, 0…9 (`-1`, zlib's default, is 6).
    /// - Throws: ``CredentialError`` (`compression`) if zlib reports an error.
    public static func compress(_ bytes: [UInt8], level: Int32 = -1) throws(CredentialError) -> [UInt8] {
        guard (-1...9).contains(level) else {
            throw CredentialError(.compression, "compression level \(level) is not in -1…9")
        }
        var stream = z_stream()
        var rc = deflateInit2_(&stream, level, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw zlibError("deflateInit2", rc, &stream) }
        defer { deflateEnd(&stream) }

        let bound = Int(deflateBound(&stream, uLong(bytes.count)))
        var output = [UInt8](repeating: 0, count: max(bound, 64))
        var input = bytes
        var produced = 0
        rc = input.withUnsafeMutableBufferPointer { inBuf -> Int32 in
            output.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                let result = deflate(&stream, Z_FINISH)
                produced = outBuf.count - Int(stream.avail_out)
                return result
            }
        }
        // deflateBound guarantees that a single Z_FINISH call completes.
        guard rc == Z_STREAM_END else { throw zlibError("deflate", rc, &stream) }
        output.removeSubrange(produced...)
        return output
    }

    /// Decompresses one GZIP member.
    /// - Parameter maxOutputBytes: the largest decompressed size accepted.
    /// - Throws: ``CredentialError`` (`compression`) if the input is not GZIP, is truncated or
    ///   corrupt (CRC-32 / length mismatch), has trailing bytes, or inflates to more than
    ///   `maxOutputBytes`.
    public static func decompress(_ bytes: [UInt8], maxOutputBytes: Int) throws(CredentialError) -> [UInt8] {
        guard bytes.count >= 18, bytes[0] == 0x1f, bytes[1] == 0x8b else {
            throw CredentialError(.compression, "the data is not GZIP (no 1f 8b header)")
        }
        var stream = z_stream()
        let rc = inflateInit2_(&stream, gzipWindowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw zlibError("inflateInit2", rc, &stream) }
        defer { inflateEnd(&stream) }

        let chunkSize = 64 * 1024
        var output: [UInt8] = []
        output.reserveCapacity(min(maxOutputBytes, max(chunkSize, bytes.count * 4)))
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var input = bytes
        var error: CredentialError?
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while true {
                let (result, produced) = chunk.withUnsafeMutableBufferPointer { outBuf -> (Int32, Int) in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    let r = inflate(&stream, Z_NO_FLUSH)
                    return (r, outBuf.count - Int(stream.avail_out))
                }
                if output.count + produced > maxOutputBytes {
                    error = CredentialError(.compression, "the GZIP data inflates to more than \(maxOutputBytes) bytes")
                    return
                }
                output.append(contentsOf: chunk[0..<produced])
                switch result {
                case Z_STREAM_END:
                    if stream.avail_in != 0 {
                        error = CredentialError(.compression, "\(stream.avail_in) bytes follow the end of the GZIP data")
                    }
                    return
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    error = CredentialError(.compression, "the GZIP data is truncated")
                    return
                default:
                    error = zlibError("inflate", result, &stream)
                    return
                }
            }
        }
        if let error { throw error }
        return output
    }

    static func zlibError(_ function: String, _ rc: Int32, _ stream: inout z_stream) -> CredentialError {
        let name: String
        switch rc {
        case Z_STREAM_ERROR: name = "Z_STREAM_ERROR"
        case Z_DATA_ERROR: name = "Z_DATA_ERROR"
        case Z_MEM_ERROR: name = "Z_MEM_ERROR"
        case Z_BUF_ERROR: name = "Z_BUF_ERROR"
        case Z_VERSION_ERROR: name = "Z_VERSION_ERROR"
        case Z_NEED_DICT: name = "Z_NEED_DICT"
        case Z_OK: name = "Z_OK (incomplete)"
        default: name = "code \(rc)"
        }
        let message = stream.msg.map { String(cString: $0) }
        return CredentialError(.compression, "zlib \(function) failed: \(name)\(message.map { " (\($0))" } ?? "")")
    }
}
