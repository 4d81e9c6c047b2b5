// vita-qr-check: writes QR Code module matrices for independent checking, and times the encoder.
//
//   vita-qr-check matrices   reads lines "LEVEL VERSION MASK HEX" from standard input (VERSION and MASK may be
//                            "-" for automatic; HEX is the content's UTF-8 bytes) and writes, per line, a header
//                            "version level mask size modes" (modes: the segments' modes, comma-separated) and then
//                            `size` rows of 0/1 — the input of scripts/check-qr.
//   vita-qr-check bench      prints encode figures for share-link-shaped URLs.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VitaQR

func bytes(fromHex hex: Substring) -> [UInt8]? {
    var result: [UInt8] = []
    var iterator = hex.utf8.makeIterator()
    while let high = iterator.next() {
        guard let low = iterator.next(), let a = nibble(high), let b = nibble(low) else { return nil }
        result.append(a << 4 | b)
    }
    return result
}

func nibble(_ character: UInt8) -> UInt8? {
    switch character {
    case 0x30...0x39: character - 0x30
    case 0x61...0x66: character - 0x61 + 10
    case 0x41...0x46: character - 0x41 + 10
    default: nil
    }
}

/// "-" → .some(nil) (automatic), a number → .some(number), anything else → nil (malformed).
func optionalNumber(_ field: Substring) -> Int?? {
    field == "-" ? .some(nil) : Int(field).map { .some($0) }
}

func writeMatrices() -> Int32 {
    var lineNumber = 0
    while let line = readLine() {
        lineNumber += 1
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 4, let level = ErrorCorrectionLevel(letter: String(fields[0])),
            let version = optionalNumber(fields[1]), let mask = optionalNumber(fields[2]),
            let content = bytes(fromHex: fields[3])
        else {
            print("error: line \(lineNumber) is not \"LEVEL VERSION MASK HEX\"")
            return 2
        }
        do {
            let code = try QRCode(
                bytes: content, level: level, version: version, mask: mask)
            let modes = code.modes.map { "\($0)" }.joined(separator: ",")
            var output = "\(code.version) \(code.errorCorrectionLevel.letter) \(code.mask) \(code.size) \(modes)\n"
            for row in 0..<code.size {
                for column in 0..<code.size {
                    output += code[row, column] ? "1" : "0"
                }
                output += "\n"
            }
            print(output, terminator: "")
        } catch {
            print("error: line \(lineNumber): \(error)")
        }
    }
    return 0
}

func microseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
}

/// CPU time of this process in microseconds (less disturbed than wall time on a shared machine).
func processCPUMicroseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000
}

func bench() -> Int32 {
    let clock = ContinuousClock()
    let base = "https://wallet.vita.example/share/"
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    for (length, level) in [(80, ErrorCorrectionLevel.medium), (200, .medium), (200, .high), (1000, .medium)] {
        var generator = SystemRandomNumberGenerator()
        var tail: [UInt8] = []
        while base.utf8.count + tail.count < length {
            tail.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
        }
        let url = base + String(decoding: tail, as: UTF8.self)
        let iterations = length >= 1000 ? 50 : 200
        var code: QRCode?
        var svgBytes = 0
        let cpuBefore = processCPUMicroseconds()
        let elapsed = clock.measure {
            for _ in 0..<iterations {
                code = try? QRCode(text: url, level: level)
            }
        }
        let cpuPerEncode = (processCPUMicroseconds() - cpuBefore) / Int64(iterations)
        let svgElapsed = clock.measure {
            for _ in 0..<iterations {
                svgBytes = code?.svg(title: "QR code").utf8.count ?? 0
            }
        }
        print("\(length)-char URL, level \(level.letter): version \(code?.version ?? 0), "
            + "encode \(microseconds(elapsed / iterations)) µs (CPU \(cpuPerEncode) µs), "
            + "SVG \(microseconds(svgElapsed / iterations)) µs (\(svgBytes) bytes), mean of \(iterations)")
    }
    return 0
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "matrices": exit(writeMatrices())
case "bench": exit(bench())
default:
    print("usage: vita-qr-check matrices|bench")
    exit(2)
}
