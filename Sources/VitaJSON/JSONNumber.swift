/// A JSON number, kept exactly as written.
///
/// `lexical` is the number's text from the source document (or a canonical text for
/// numbers built from Swift values); `doubleValue` is its IEEE 754 double. RFC 8785 and
/// JSON-LD's canonical number forms are computed from the double.
///
/// Equality compares the numeric value (`1.0 == 1`), falling back to the text for values
/// outside the double range.
public struct JSONNumber: Sendable, CustomStringConvertible {
    /// The number's text as written, e.g. `"1.50"`, `"-0"`, `"1e3"`.
    public let lexical: String
    /// The nearest double to `lexical`.
    public let doubleValue: Double

    /// A number with the given text; `nil` if `text` is not a valid JSON number.
    public init?(lexical text: String) {
        guard JSONNumber.isValidLexical(text.utf8), let d = Double(text) else { return nil }
        self.lexical = text
        self.doubleValue = d
    }

    /// Used by the parser, which has already validated the grammar.
    @usableFromInline init(uncheckedLexical text: String, double: Double) {
        self.lexical = text
        self.doubleValue = double
    }

    /// An integer number.
    public init(_ value: Int) {
        lexical = String(value)
        doubleValue = Double(value)
    }

    /// A floating-point number written in its shortest round-trip form (ECMAScript style).
    /// Non-finite values are not JSON; they are stored as `0`.
    public init(_ value: Double) {
        if value.isFinite {
            lexical = JSONNumber.ecmaScriptString(value)
            doubleValue = value
        } else {
            lexical = "0"
            doubleValue = 0
        }
    }

    public var description: String { lexical }

    /// `true` if the text has no fraction and no exponent (e.g. `"42"`, `"-7"`).
    public var isIntegerLexical: Bool {
        !lexical.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
    }

    /// `true` if the numeric value has no fractional part.
    public var isIntegral: Bool { doubleValue.isFinite && doubleValue.rounded(.towardZero) == doubleValue }

    /// The value as `Int` if it is integral and in range.
    public var intValue: Int? {
        if isIntegerLexical, let i = Int(lexical) { return i }
        guard isIntegral, doubleValue.magnitude < 9.2e18 else { return nil }
        return Int(doubleValue)
    }

    /// The RFC 8785 / ECMAScript `Number.prototype.toString` form of the double.
    public var canonicalString: String { JSONNumber.ecmaScriptString(doubleValue) }

    static func isValidLexical(_ bytes: String.UTF8View) -> Bool {
        var it = Array(bytes)[...]
        if it.first == UInt8(ascii: "-") { it = it.dropFirst() }
        guard let f = it.first, isDigit(f) else { return false }
        if f == UInt8(ascii: "0") {
            it = it.dropFirst()
        } else {
            while let c = it.first, isDigit(c) { it = it.dropFirst() }
        }
        if it.first == UInt8(ascii: ".") {
            it = it.dropFirst()
            guard let c = it.first, isDigit(c) else { return false }
            while let c = it.first, isDigit(c) { it = it.dropFirst() }
        }
        if it.first == UInt8(ascii: "e") || it.first == UInt8(ascii: "E") {
            it = it.dropFirst()
            if it.first == UInt8(ascii: "+") || it.first == UInt8(ascii: "-") { it = it.dropFirst() }
            guard let c = it.first, isDigit(c) else { return false }
            while let c = it.first, isDigit(c) { it = it.dropFirst() }
        }
        return it.isEmpty
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
}

extension JSONNumber: Hashable {
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.doubleValue.isFinite && rhs.doubleValue.isFinite { return lhs.doubleValue == rhs.doubleValue }
        return lhs.lexical == rhs.lexical
    }

    public func hash(into hasher: inout Hasher) {
        if doubleValue.isFinite { hasher.combine(doubleValue) } else { hasher.combine(lexical) }
    }
}

// MARK: - Shortest digits and canonical forms

/// The decimal digits of a finite double in shortest round-trip form:
/// `value = ±0.d₁d₂…dₖ × 10^exponent` (ECMAScript's *n* is `exponent`).
public struct ShortestDecimal: Sendable, Equatable {
    /// ASCII digits, no leading or trailing zeros (a single `"0"` for zero).
    public var digits: [UInt8]
    /// The decimal point position (ECMAScript's *n*).
    public var exponent: Int
    /// `true` for negative values (never for zero).
    public var isNegative: Bool

    /// Decomposes `value` (must be finite).
    public init(_ value: Double) {
        precondition(value.isFinite)
        isNegative = value < 0
        if value == 0 {
            digits = [UInt8(ascii: "0")]
            exponent = 1
            isNegative = false
            return
        }
        // Swift's description yields the shortest round-trip digits, e.g. "1.2345e+20", "0.001", "123.0".
        let text = Array(value.magnitude.description.utf8)
        var mantissa: [UInt8] = []
        var pointPos: Int? = nil
        var exp = 0
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: ".") {
                pointPos = mantissa.count
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                exp = Int(String(decoding: text[(i + 1)...], as: UTF8.self)) ?? 0
                break
            } else {
                mantissa.append(c)
            }
            i += 1
        }
        var n = (pointPos ?? mantissa.count) + exp
        // Strip leading zeros (each shifts the point left).
        var start = 0
        while start < mantissa.count - 1 && mantissa[start] == UInt8(ascii: "0") {
            start += 1
            n -= 1
        }
        var end = mantissa.count
        while end > start + 1 && mantissa[end - 1] == UInt8(ascii: "0") { end -= 1 }
        digits = Array(mantissa[start..<end])
        exponent = n
    }
}

extension JSONNumber {
    /// ECMAScript `Number.prototype.toString(value)` (RFC 8785 §3.2.2.3). `-0` prints as `0`.
    public static func ecmaScriptString(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value < 0 ? "-Infinity" : "Infinity") }
        if value == 0 { return "0" }
        let d = ShortestDecimal(value)
        let k = d.digits.count
        let n = d.exponent
        var out: [UInt8] = []
        out.reserveCapacity(k + 8)
        if d.isNegative { out.append(UInt8(ascii: "-")) }
        if k <= n && n <= 21 {
            out += d.digits
            out += repeatElement(UInt8(ascii: "0"), count: n - k)
        } else if 0 < n && n <= 21 {
            out += d.digits[0..<n]
            out.append(UInt8(ascii: "."))
            out += d.digits[n...]
        } else if -6 < n && n <= 0 {
            out += [UInt8(ascii: "0"), UInt8(ascii: ".")]
            out += repeatElement(UInt8(ascii: "0"), count: -n)
            out += d.digits
        } else {
            out.append(d.digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out += d.digits[1...]
            }
            out.append(UInt8(ascii: "e"))
            let e = n - 1
            out.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            out += Array(String(abs(e)).utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical lexical form of an `xsd:double` as JSON-LD's toRdf writes it:
    /// one digit, a point, at least one fraction digit, `E`, the exponent (`1.1E0`, `-5.0E-1`).
    public static func xsdDoubleString(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value < 0 ? "-INF" : "INF") }
        if value == 0 { return value.sign == .minus ? "-0.0E0" : "0.0E0" }
        let d = ShortestDecimal(value)
        var out: [UInt8] = []
        if d.isNegative { out.append(UInt8(ascii: "-")) }
        out.append(d.digits[0])
        out.append(UInt8(ascii: "."))
        if d.digits.count > 1 { out += d.digits[1...] } else { out.append(UInt8(ascii: "0")) }
        out.append(UInt8(ascii: "E"))
        out += Array(String(d.exponent - 1).utf8)
        return String(decoding: out, as: UTF8.self)
    }
}
