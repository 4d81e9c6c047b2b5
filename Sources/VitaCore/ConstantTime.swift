/// Comparison of secrets (keys, token hashes, MACs, CSRF nonces) in time that depends only on their lengths, so that
/// how long a refusal takes says nothing about where a guess went wrong.
public enum ConstantTime {
    /// Whether `lhs` and `rhs` hold the same bytes. Every byte is compared, whatever the first difference; only a
    /// difference in length answers early (lengths are not secret: every value compared here has a fixed, public form).
    public static func equal(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}
