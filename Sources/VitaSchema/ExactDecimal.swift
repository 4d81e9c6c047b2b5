import VitaJSON

/// An exact decimal view of a JSON number's text: `±0.d₁d₂…dₙ × 10^exponent`.
///
/// JSON Schema 2019-09 validation §6.2 compares numbers by mathematical value. Doubles
/// lose precision for long decimals and big integers, so bounds and `multipleOf` work on
/// the number's lexical form.
struct ExactDecimal: Sendable, Hashable {
    /// Significant digits (0–9 values), no leading or trailing zeros; empty for zero.
    var digits: [UInt8]
    /// Position of the decimal point relative to the digits.
    var exponent: Int
    var isNegative: Bool

    var isZero: Bool { digits.isEmpty }

    init(_ number: JSONNumber) {
        self.init(lexical: number.lexical)
    }

    init(lexical: String) {
        var digits: [UInt8] = []
        var negative = false
        var pointPosition: Int? = nil
        var exp = 0
        var u = Array(lexical.utf8)[...]
        if u.first == UInt8(ascii: "-") { negative = true; u = u.dropFirst() }
        var count = 0
        while let c = u.first, c != UInt8(ascii: "e"), c != UInt8(ascii: "E") {
            u = u.dropFirst()
            if c == UInt8(ascii: ".") { pointPosition = count; continue }
            digits.append(c &- 0x30)
            count += 1
        }
        if !u.isEmpty {
            u = u.dropFirst()
            var sign = 1
            if u.first == UInt8(ascii: "-") { sign = -1; u = u.dropFirst() } else if u.first == UInt8(ascii: "+") { u = u.dropFirst() }
            var e = 0
            for c in u {
                e = e &* 10 &+ Int(c &- 0x30)
                if e > 1_000_000_000 { e = 1_000_000_000 }
            }
            exp = sign * e
        }
        var point = pointPosition ?? count
        // Strip leading zeros.
        var lead = 0
        while lead < digits.count && digits[lead] == 0 { lead += 1 }
        digits.removeFirst(lead)
        point -= lead
        while let last = digits.last, last == 0 { digits.removeLast() }
        self.digits = digits
        self.exponent = digits.isEmpty ? 0 : point + exp
        self.isNegative = digits.isEmpty ? false : negative
    }

    /// `true` if the value has no fractional part.
    var isInteger: Bool { isZero || digits.count <= exponent }

    /// Compares magnitudes.
    private static func compareMagnitude(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
        if a.isZero || b.isZero { return a.isZero ? (b.isZero ? 0 : -1) : 1 }
        if a.exponent != b.exponent { return a.exponent < b.exponent ? -1 : 1 }
        let n = max(a.digits.count, b.digits.count)
        for i in 0..<n {
            let x = i < a.digits.count ? a.digits[i] : 0
            let y = i < b.digits.count ? b.digits[i] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }

    /// -1, 0 or 1.
    static func compare(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
        if a.isNegative != b.isNegative { return a.isNegative ? -1 : 1 }
        let m = compareMagnitude(a, b)
        return a.isNegative ? -m : m
    }

    /// Whether `self / divisor` is an integer (validation §6.2.1). Exact whenever the
    /// divisor has at most 18 significant digits (the instance may have any number);
    /// otherwise computed with doubles.
    func isMultiple(of divisor: ExactDecimal, fallback: (Double, Double)) -> Bool {
        if isZero { return true }
        guard !divisor.isZero else { return false }
        guard divisor.digits.count <= 18 else {
            let q = fallback.0 / fallback.1
            guard q.isFinite else { return false }
            return q.rounded(.towardZero) == q
        }
        // self = A × 10^ea, divisor = B × 10^eb, A and B integers without trailing zeros.
        var b: UInt64 = 0
        for d in divisor.digits { b = b * 10 + UInt64(d) }
        let k = (exponent - digits.count) - (divisor.exponent - divisor.digits.count)
        // k < 0: B × 10^-k would have to divide A, so 10 would divide A; it does not.
        guard k >= 0 else { return false }
        // (A × 10^k) mod B, streaming A's digits (r < B < 10^18, so r × 10 + 9 fits).
        var r: UInt64 = 0
        for d in digits { r = (r * 10 + UInt64(d)) % b }
        // The residues of 10^i mod B become periodic within 64 steps of reaching 0 or not.
        var steps = 0
        while steps < k && r != 0 && steps < 4096 {
            r = (r * 10) % b
            steps += 1
        }
        return r == 0
    }
}
