/// A JSON object: string keys mapped to values, in insertion order.
///
/// Keys are unique. Assigning to an existing key replaces its value in place (the key
/// keeps its position); assigning `nil` removes it. Lookups are linear for small objects
/// and hashed once an object grows beyond a few members.
///
/// Equality ignores member order, as JSON object equality does.
public struct JSONObject: Sendable {
    @usableFromInline var _keys: [String]
    @usableFromInline var _values: [JSONValue]
    @usableFromInline var _index: [String: Int]?

    @usableFromInline static var indexThreshold: Int { 12 }

    /// An empty object.
    public init() {
        _keys = []
        _values = []
        _index = nil
    }

    /// An empty object with room for `capacity` members.
    public init(minimumCapacity capacity: Int) {
        _keys = []
        _values = []
        _keys.reserveCapacity(capacity)
        _values.reserveCapacity(capacity)
        _index = nil
    }

    /// An object holding `pairs` in order; later duplicates replace earlier values.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        self.init()
        for (k, v) in pairs { self[k] = v }
    }

    /// The number of members.
    @inlinable public var count: Int { _keys.count }

    /// `true` if the object has no members.
    @inlinable public var isEmpty: Bool { _keys.isEmpty }

    /// The keys, in order.
    @inlinable public var keys: [String] { _keys }

    /// The values, in key order.
    @inlinable public var values: [JSONValue] { _values }

    /// The position of `key`, or `nil`.
    @inlinable public func index(forKey key: String) -> Int? {
        if let idx = _index { return idx[key] }
        for i in 0..<_keys.count where _keys[i] == key { return i }
        return nil
    }

    /// `true` if the object has a member named `key`.
    @inlinable public func contains(_ key: String) -> Bool { index(forKey: key) != nil }

    /// The value for `key`; setting `nil` removes the member.
    @inlinable public subscript(key: String) -> JSONValue? {
        get {
            guard let i = index(forKey: key) else { return nil }
            return _values[i]
        }
        set {
            if let newValue {
                if let i = index(forKey: key) {
                    _values[i] = newValue
                } else {
                    appendNew(key, newValue)
                }
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Appends a member whose key is known not to be present yet.
    @inlinable mutating func appendNew(_ key: String, _ value: JSONValue) {
        _keys.append(key)
        _values.append(value)
        if _index != nil {
            _index![key] = _keys.count - 1
        } else if _keys.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    /// Inserts `value` under `key` if absent and returns `true`; returns `false` (and
    /// changes nothing) if the key is already present. The parser uses this to reject
    /// duplicate keys.
    @inlinable @discardableResult
    public mutating func insertIfAbsent(_ key: String, _ value: JSONValue) -> Bool {
        if index(forKey: key) != nil { return false }
        appendNew(key, value)
        return true
    }

    /// Mutates the value for `key` in place, inserting `defaultValue` first if the key is absent.
    /// Avoids copying large nested arrays when appending to a member.
    @inlinable
    public mutating func modifyValue<R>(forKey key: String, default defaultValue: @autoclosure () -> JSONValue,
                                        _ body: (inout JSONValue) throws -> R) rethrows -> R {
        let i: Int
        if let existing = index(forKey: key) {
            i = existing
        } else {
            appendNew(key, defaultValue())
            i = _keys.count - 1
        }
        var v = _values[i]
        _values[i] = .null
        defer { _values[i] = v }
        return try body(&v)
    }

    /// Removes the member `key` and returns its value, if present.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = index(forKey: key) else { return nil }
        _keys.remove(at: i)
        let v = _values.remove(at: i)
        if _index != nil {
            if _keys.count > Self.indexThreshold { rebuildIndex() } else { _index = nil }
        }
        return v
    }

    @usableFromInline mutating func rebuildIndex() {
        var idx = [String: Int](minimumCapacity: _keys.count * 2)
        for (i, k) in _keys.enumerated() { idx[k] = i }
        _index = idx
    }

    /// Members in order as `(key, value)` pairs.
    public var members: some RandomAccessCollection<(key: String, value: JSONValue)> {
        _keys.indices.lazy.map { (key: self._keys[$0], value: self._values[$0]) }
    }

    /// The keys sorted by UTF-16 code units, as RFC 8785 orders members.
    public var keysSortedByUTF16: [String] {
        _keys.sorted { a, b in a.utf16.lexicographicallyPrecedes(b.utf16) }
    }
}

extension JSONObject: Sequence {
    public struct Iterator: IteratorProtocol {
        @usableFromInline let object: JSONObject
        @usableFromInline var position = 0
        @inlinable init(object: JSONObject) { self.object = object }
        @inlinable public mutating func next() -> (key: String, value: JSONValue)? {
            guard position < object._keys.count else { return nil }
            defer { position += 1 }
            return (object._keys[position], object._values[position])
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(object: self) }
    @inlinable public var underestimatedCount: Int { _keys.count }
}

extension JSONObject: Hashable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs._keys.count {
            guard let other = rhs[lhs._keys[i]], other == lhs._values[i] else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-insensitive: combine per-member hashes commutatively.
        var acc = 0
        for i in 0..<_keys.count {
            var h = Hasher()
            h.combine(_keys[i])
            h.combine(_values[i])
            acc ^= h.finalize()
        }
        hasher.combine(count)
        hasher.combine(acc)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init()
        for (k, v) in elements { self[k] = v }
    }
}
