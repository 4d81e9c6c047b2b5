import VitaJSON

/// A status purpose (Bitstring Status List v1.0 §2.1 `statusPurpose`). Extensible:
/// any string is a purpose; the spec names `revocation`, `suspension`, `refresh` and `message`.
public struct StatusPurpose: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    /// Permanent: a set bit means the credential is revoked.
    public static let revocation: StatusPurpose = "revocation"
    /// Temporary: a set bit means the credential is suspended (reversible).
    public static let suspension: StatusPurpose = "suspension"
    /// The status selects one of the entry's `statusMessage`s.
    public static let message: StatusPurpose = "message"
    /// A set bit means a refreshed credential is available.
    public static let refresh: StatusPurpose = "refresh"
}

/// One `statusMessage` row (§2.1): the status value (written `"0x…"`) and its text.
public struct StatusMessage: Sendable, Hashable {
    /// The status value.
    public var status: UInt
    /// A human-readable message for that value.
    public var message: String

    /// A row.
    public init(status: UInt, message: String) {
        self.status = status
        self.message = message
    }

    /// `{"status": "0x1", "message": "…"}`.
    public var json: JSONValue {
        ["status": .string("0x" + String(status, radix: 16)), "message": .string(message)]
    }
}

/// A `credentialStatus` entry of type `BitstringStatusListEntry` (Bitstring Status List
/// v1.0 §2.1), or of the legacy `StatusList2021Entry` (same properties).
///
/// ```swift
/// let entry = BitstringStatusListEntry(purpose: .revocation, index: 94567,
///                                      listCredential: "https://vita.example/status/1")
/// credential["credentialStatus"] = entry.json   // id "https://vita.example/status/1#94567"
/// ```
public struct BitstringStatusListEntry: Sendable, Hashable {
    /// The current type name.
    public static let typeName = "BitstringStatusListEntry"
    /// The W3C CCG Status List 2021 predecessor (verify only).
    public static let legacyTypeName = "StatusList2021Entry"

    /// Optional `id`: a URL for this status information; the spec says it must not be the list URL.
    public var id: String?
    /// ``typeName`` or ``legacyTypeName``.
    public var type: String
    /// `statusPurpose`.
    public var statusPurpose: StatusPurpose
    /// `statusListIndex`: a base-10 integer ≥ 0, written as a string.
    public var statusListIndex: String
    /// `statusListCredential`: the URL of the status list credential.
    public var statusListCredential: String
    /// `statusSize` (bits per entry; default 1).
    public var statusSize: Int
    /// `statusMessage`: required when `statusSize` > 1, one row per possible value.
    public var statusMessage: [StatusMessage]?
    /// `statusReference`: URLs of material about the status values.
    public var statusReference: [String]?

    /// `statusListIndex` as an integer (validated when parsed or built).
    public var index: Int { Int(statusListIndex) ?? -1 }

    /// `true` for `StatusList2021Entry`.
    public var isLegacy: Bool { type == Self.legacyTypeName }

    /// A new entry; `id` defaults to `<listCredential>#<index>`.
    public init(id: String? = nil, purpose: StatusPurpose, index: Int, listCredential: String,
                statusSize: Int = 1, statusMessage: [StatusMessage]? = nil, statusReference: [String]? = nil) {
        self.id = id ?? "\(listCredential)#\(index)"
        self.type = Self.typeName
        self.statusPurpose = purpose
        self.statusListIndex = String(index)
        self.statusListCredential = listCredential
        self.statusSize = statusSize
        self.statusMessage = statusMessage
        self.statusReference = statusReference
    }

    /// Parses one `credentialStatus` object of type `BitstringStatusListEntry` or
    /// `StatusList2021Entry`.
    ///
    /// Liberal where real credentials are: a `statusListIndex` written as a JSON integer
    /// (as in the 1EdTech validator fixtures) is accepted.
    /// - Throws: ``CredentialError`` (`malformedStatusEntry`) naming the offending property.
    public init(parsing value: JSONValue) throws(CredentialError) {
        guard case .object(let o) = value else {
            throw CredentialError(.malformedStatusEntry, "credentialStatus entry is a \(value.kindName), not an object")
        }
        let types = o["type"].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? []
        guard let type = types.first(where: { $0 == Self.typeName || $0 == Self.legacyTypeName }) else {
            throw CredentialError(.malformedStatusEntry, "credentialStatus type [\(types.joined(separator: ", "))] is not \(Self.typeName)")
        }
        self.type = type
        func string(_ key: String) throws(CredentialError) -> String {
            guard let v = o[key] else { throw CredentialError(.malformedStatusEntry, "\(type) has no \(key)") }
            guard let s = v.stringValue, !s.isEmpty else {
                throw CredentialError(.malformedStatusEntry, "\(type) \(key) must be a non-empty string (found \(v.kindName))")
            }
            return s
        }
        if let idValue = o["id"] {
            guard let s = idValue.stringValue else {
                throw CredentialError(.malformedStatusEntry, "\(type) id must be a string (found \(idValue.kindName))")
            }
            id = s
        } else {
            id = nil
        }
        statusPurpose = StatusPurpose(rawValue: try string("statusPurpose"))
        statusListCredential = try string("statusListCredential")
        guard statusListCredential.contains(":") else {
            throw CredentialError(.malformedStatusEntry, "\(type) statusListCredential \(statusListCredential) is not a URL")
        }
        switch o["statusListIndex"] {
        case nil:
            throw CredentialError(.malformedStatusEntry, "\(type) has no statusListIndex")
        case .string(let s)?:
            statusListIndex = s
        case .number(let n)? where n.isIntegerLexical:
            statusListIndex = n.description  // pitfall 16: accept on input, emit strings
        case let v?:
            throw CredentialError(.malformedStatusEntry, "\(type) statusListIndex must be a string of base-10 digits (found \(v.kindName))")
        }
        guard !statusListIndex.isEmpty, statusListIndex.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let index = Int(statusListIndex), index >= 0 else {
            throw CredentialError(.malformedStatusEntry, "\(type) statusListIndex \"\(statusListIndex.prefix(40))\" is not a base-10 integer ≥ 0 in range")
        }
        switch o["statusSize"] {
        case nil: statusSize = 1
        case .number(let n)? where n.intValue.map({ $0 > 0 }) == true: statusSize = n.intValue!
        case let v?:
            throw CredentialError(.malformedStatusEntry, "\(type) statusSize must be an integer > 0 (found \(v))")
        }
        if let m = o["statusMessage"] {
            guard let rows = m.arrayValue else {
                throw CredentialError(.malformedStatusEntry, "\(type) statusMessage must be an array")
            }
            var out: [StatusMessage] = []
            for (i, row) in rows.enumerated() {
                guard let s = row["status"]?.stringValue, s.lowercased().hasPrefix("0x"),
                      let status = UInt(s.dropFirst(2), radix: 16), let text = row["message"]?.stringValue else {
                    throw CredentialError(.malformedStatusEntry, "\(type) statusMessage[\(i)] needs \"status\" (\"0x…\") and \"message\" strings")
                }
                out.append(StatusMessage(status: status, message: text))
            }
            statusMessage = out
        } else {
            statusMessage = nil
        }
        if statusSize > 1 {
            guard statusSize <= BitstringStatusList.maxStatusSize else {
                throw CredentialError(.malformedStatusEntry, "\(type) statusSize \(statusSize) is not supported (1…\(BitstringStatusList.maxStatusSize))")
            }
            guard let rows = statusMessage else {
                throw CredentialError(.malformedStatusEntry, "\(type) statusSize \(statusSize) > 1 requires statusMessage")
            }
            guard rows.count == 1 << statusSize else {
                throw CredentialError(.malformedStatusEntry, "\(type) statusMessage has \(rows.count) rows; statusSize \(statusSize) needs \(1 << statusSize)")
            }
        }
        switch o["statusReference"] {
        case nil: statusReference = nil
        case .string(let s)?: statusReference = [s]
        case .array(let a)? where a.allSatisfy({ $0.stringValue != nil }): statusReference = a.compactMap(\.stringValue)
        case let v?: throw CredentialError(.malformedStatusEntry, "\(type) statusReference must be a URL or an array of URLs (found \(v.kindName))")
        }
    }

    /// The entry as a `credentialStatus` object (`statusListIndex` always a string).
    public var json: JSONValue {
        var o = JSONObject()
        if let id { o["id"] = .string(id) }
        o["type"] = .string(type)
        o["statusPurpose"] = .string(statusPurpose.rawValue)
        o["statusListIndex"] = .string(statusListIndex)
        o["statusListCredential"] = .string(statusListCredential)
        if statusSize != 1 { o["statusSize"] = .number(JSONNumber(statusSize)) }
        if let statusMessage { o["statusMessage"] = .array(statusMessage.map(\.json)) }
        if let statusReference {
            o["statusReference"] = statusReference.count == 1 ? .string(statusReference[0]) : .array(statusReference.map { .string($0) })
        }
        return .object(o)
    }

    /// The message for a status value, if `statusMessage` has one.
    public func message(for status: UInt) -> String? {
        statusMessage?.first { $0.status == status }?.message
    }
}

/// One entry of a credential's `credentialStatus` (an object or an array of objects).
public enum CredentialStatusEntry: Sendable, Hashable {
    /// `BitstringStatusListEntry` (or legacy `StatusList2021Entry`).
    case bitstring(BitstringStatusListEntry)
    /// The deprecated `1EdTechRevocationList` (OB 3.0 §"Revocation"): `id` is the URL of
    /// a revocation list document `{revokedCredential: [{id, revoked?, revocationReason?}]}`.
    case oneEdTechRevocationList(id: String)
    /// Any other `type` (reported, not checked).
    case unsupported(type: String)

    /// The type name of the 1EdTech revocation list.
    public static let oneEdTechRevocationListType = "1EdTechRevocationList"

    /// The `credentialStatus` entries of a credential, each parsed or with the reason it
    /// is malformed; empty when the credential has no `credentialStatus`.
    public static func entries(of credential: JSONValue) -> [Result<CredentialStatusEntry, CredentialError>] {
        guard let status = credential["credentialStatus"], !status.isNull else { return [] }
        return (status.arrayValue ?? [status]).map { item in
            guard case .object(let o) = item else {
                return .failure(CredentialError(.malformedStatusEntry, "credentialStatus entry is a \(item.kindName), not an object"))
            }
            let types = o["type"].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? []
            if types.contains(BitstringStatusListEntry.typeName) || types.contains(BitstringStatusListEntry.legacyTypeName) {
                do throws(CredentialError) { return .success(.bitstring(try BitstringStatusListEntry(parsing: item))) } catch { return .failure(error) }
            }
            if types.contains(oneEdTechRevocationListType) {
                guard let id = o["id"]?.stringValue, id.contains(":") else {
                    return .failure(CredentialError(.malformedStatusEntry, "1EdTechRevocationList needs an id URL"))
                }
                return .success(.oneEdTechRevocationList(id: id))
            }
            if types.isEmpty {
                return .failure(CredentialError(.malformedStatusEntry, "credentialStatus entry has no type"))
            }
            return .success(.unsupported(type: types.joined(separator: ", ")))
        }
    }
}
