import VitaJSON

/// A Digital Credentials Query Language query (OpenID for Verifiable Presentations 1.0 §6) as a wallet receives it:
/// which credentials a verifier asks for (Credential Queries, §6.1), in which combinations (Credential Set Queries,
/// §6.2), with which claims (Claims Queries, §6.3, Claims Path Pointers, §7).
///
/// Parsing checks the structure §6 requires and ignores unknown members (§6). Matching follows §6.4: a credential
/// matches a Credential Query when its format is the one asked for, its expanded types include one of the
/// `type_values` alternatives (§B.1.1, W3C formats), and it has every claim asked for (or every claim of one claim
/// set, the first that it has); ``preferredQueries(available:)`` and ``problem(withSelection:)`` apply the rules for
/// selecting credentials (§6.4.2).
public struct DCQLQuery: Sendable, Equatable {
    /// One Credential Query (§6.1).
    public struct CredentialQuery: Sendable, Equatable {
        /// The query's id: the key of its presentations in `vp_token`.
        public let id: String
        /// The Credential Format Identifier asked for (`ldp_vc`, `jwt_vc_json`, `dc+sd-jwt`, `mso_mdoc`, …).
        public let format: String
        /// Whether more than one credential may answer it (default false).
        public let multiple: Bool
        /// Whether a presentation with holder binding is required (default true); if not, the credential itself is sent.
        public let requiresHolderBinding: Bool
        /// `meta.type_values` (§B.1.1) for the W3C formats: alternatives, each a set of expanded type IRIs that must
        /// all be among the credential's; nil for other formats.
        public let typeValues: [[String]]?
        /// The claims asked for, if any.
        public let claims: [ClaimQuery]?
        /// The combinations of ``claims`` (by id) the verifier accepts, most preferred first, if any.
        public let claimSets: [[String]]?
        /// Whether the query names trusted authorities (§6.1.1); Vita's wallet cannot evaluate them, and says so.
        public let namesTrustedAuthorities: Bool
    }

    /// One Claims Query (§6.3).
    public struct ClaimQuery: Sendable, Equatable {
        /// The claim's id (required when the Credential Query has claim sets).
        public let id: String?
        /// The Claims Path Pointer (§7).
        public let path: [PathComponent]
        /// The values the claim must have one of (strings, integers, booleans), if restricted.
        public let values: [JSONValue]?
    }

    /// One component of a Claims Path Pointer (§7).
    public enum PathComponent: Sendable, Equatable {
        /// A member of the selected object(s).
        case key(String)
        /// An element of the selected array(s).
        case index(Int)
        /// Every element of the selected array(s) (`null`).
        case all
    }

    /// One Credential Set Query (§6.2).
    public struct CredentialSetQuery: Sendable, Equatable {
        /// The alternatives, each a set of Credential Query ids that together satisfy the set.
        public let options: [[String]]
        /// Whether the set must be satisfied (default true).
        public let required: Bool
    }

    /// The Credential Queries, in the verifier's order.
    public let credentials: [CredentialQuery]
    /// The Credential Set Queries, if any.
    public let credentialSets: [CredentialSetQuery]?

    /// Reads a DCQL query. Throws ``WalletProtocolError/Code/invalidRequest`` naming the member that breaks §6.
    public init(_ json: JSONValue) throws(WalletProtocolError) {
        guard case .object(let root) = json else { throw Self.invalid("dcql_query must be a JSON object") }
        guard case .array(let entries)? = root["credentials"], !entries.isEmpty else {
            throw Self.invalid("dcql_query.credentials must be a non-empty array of Credential Queries")
        }
        var queries: [CredentialQuery] = []
        for (index, entry) in entries.enumerated() {
            let query = try Self.credentialQuery(entry, at: "dcql_query.credentials[\(index)]")
            guard !queries.contains(where: { $0.id == query.id }) else {
                throw Self.invalid("dcql_query.credentials has the id \"\(query.id)\" more than once")
            }
            queries.append(query)
        }
        credentials = queries
        if let sets = root["credential_sets"] {
            guard case .array(let entries) = sets, !entries.isEmpty else {
                throw Self.invalid("dcql_query.credential_sets must be a non-empty array")
            }
            let ids = Set(queries.map(\.id))
            credentialSets = try entries.enumerated().map { (index, entry) throws(WalletProtocolError) in
                let at = "dcql_query.credential_sets[\(index)]"
                guard case .object(let set) = entry else { throw Self.invalid("\(at) must be an object") }
                let options = try Self.idLists(set["options"], at: "\(at).options", known: ids, what: "Credential Query")
                let required = try Self.optionalBool(set["required"], at: "\(at).required") ?? true
                return CredentialSetQuery(options: options, required: required)
            }
        } else {
            credentialSets = nil
        }
    }

    // MARK: Selecting credentials (§6.4.2)

    /// The Credential Queries to answer by default, given those the wallet can answer: the first option it can
    /// satisfy of each required Credential Set Query (every query when there are none; when every set is optional,
    /// the first option it can satisfy of the first set it can). `nil` when a required set (or, without sets, a query)
    /// cannot be satisfied, or nothing at all can be sent: then no credential may be sent (§6.4.2).
    public func preferredQueries(available: Set<String>) -> [String]? {
        guard let credentialSets else {
            let all = credentials.map(\.id)
            return all.allSatisfy(available.contains) ? all : nil
        }
        var chosen: [String] = []
        for set in credentialSets where set.required {
            guard let option = set.options.first(where: { $0.allSatisfy(available.contains) }) else { return nil }
            for id in option where !chosen.contains(id) { chosen.append(id) }
        }
        if chosen.isEmpty {
            guard let option = credentialSets.lazy.compactMap({ $0.options.first(where: { $0.allSatisfy(available.contains) }) }).first else {
                return nil
            }
            chosen = option
        }
        // Keep the verifier's order.
        return credentials.map(\.id).filter(chosen.contains)
    }

    /// Why a selection — how many credentials are sent for each Credential Query — does not answer the query, or
    /// `nil` when it does: a query answered by more than one credential must allow `multiple`; without Credential Set
    /// Queries every query is answered; with them every required set is satisfied by one of its options, no set by
    /// several, and every query answered belongs to an option that is (§6.4.2: nothing the verifier did not ask for is
    /// sent).
    public func problem(withSelection counts: [String: Int]) -> String? {
        let answered = Set(counts.filter { $0.value > 0 }.keys)
        guard !answered.isEmpty else { return "no credential is chosen" }
        for id in answered.sorted() {
            guard let query = credentials.first(where: { $0.id == id }) else {
                return "the request has no credential query \"\(id)\""
            }
            if counts[id, default: 0] > 1 && !query.multiple {
                return "the credential query \"\(id)\" takes one credential"
            }
        }
        guard let credentialSets else {
            let missing = credentials.map(\.id).filter { !answered.contains($0) }
            return missing.isEmpty ? nil : "the verifier asks for every credential; none is chosen for \"\(missing.joined(separator: "\", \""))\""
        }
        var covered: Set<String> = []
        for (index, set) in credentialSets.enumerated() {
            let satisfied = set.options.filter { $0.allSatisfy(answered.contains) }
            if set.required && satisfied.isEmpty {
                return "credential set \(index + 1) is required: choose credentials for one of its options"
            }
            for option in satisfied { covered.formUnion(option) }
        }
        let extra = answered.subtracting(covered).sorted()
        if !extra.isEmpty {
            return "\"\(extra.joined(separator: "\", \""))\" completes no option of a credential set: the verifier did not ask for it alone"
        }
        // One option answers a set: the credentials of two alternatives are more than the verifier asked for.
        for (index, set) in credentialSets.enumerated() {
            let inSet = answered.intersection(set.options.flatMap { $0 })
            let satisfied = set.options.filter { $0.allSatisfy(answered.contains) }
            if !satisfied.isEmpty, !satisfied.contains(where: { inSet.isSubset(of: $0) }) {
                return "credential set \(index + 1) takes the credentials of one of its options, not of several"
            }
        }
        return nil
    }

    // MARK: Parsing

    private static func credentialQuery(_ entry: JSONValue, at: String) throws(WalletProtocolError) -> CredentialQuery {
        guard case .object(let object) = entry else { throw invalid("\(at) must be an object") }
        let id = try identifier(object["id"], at: "\(at).id")
        guard case .string(let format)? = object["format"], !format.isEmpty else {
            throw invalid("\(at).format must be a Credential Format Identifier")
        }
        guard case .object(let meta)? = object["meta"] else { throw invalid("\(at).meta is required: an object") }
        var typeValues: [[String]]?
        if format == "ldp_vc" || format == "jwt_vc_json" {
            guard case .array(let alternatives)? = meta["type_values"], !alternatives.isEmpty else {
                throw invalid("\(at).meta.type_values is required for \(format): a non-empty array of string arrays")
            }
            typeValues = try alternatives.map { (alternative) throws(WalletProtocolError) in
                guard case .array(let types) = alternative, !types.isEmpty,
                      case let strings = types.compactMap(\.stringValue), strings.count == types.count else {
                    throw invalid("\(at).meta.type_values must be a non-empty array of non-empty string arrays")
                }
                return strings
            }
        }
        var claims: [ClaimQuery]?
        if let value = object["claims"] {
            guard case .array(let entries) = value, !entries.isEmpty else { throw invalid("\(at).claims must be a non-empty array") }
            claims = try entries.enumerated().map { (index, entry) throws(WalletProtocolError) in
                try claimQuery(entry, at: "\(at).claims[\(index)]")
            }
        }
        var claimSets: [[String]]?
        if let value = object["claim_sets"] {
            guard let claims else { throw invalid("\(at).claim_sets must not be present without claims") }
            let ids = claims.compactMap(\.id)
            guard ids.count == claims.count, Set(ids).count == ids.count else {
                throw invalid("\(at).claims must each have a distinct id when claim_sets is present")
            }
            claimSets = try idLists(value, at: "\(at).claim_sets", known: Set(ids), what: "claim")
        }
        if let claims {
            let ids = claims.compactMap(\.id)
            guard Set(ids).count == ids.count else { throw invalid("\(at).claims has an id more than once") }
        }
        if let value = object["trusted_authorities"] {
            guard case .array(let entries) = value, !entries.isEmpty else {
                throw invalid("\(at).trusted_authorities must be a non-empty array")
            }
        }
        return CredentialQuery(
            id: id, format: format, multiple: try optionalBool(object["multiple"], at: "\(at).multiple") ?? false,
            requiresHolderBinding: try optionalBool(object["require_cryptographic_holder_binding"],
                                                    at: "\(at).require_cryptographic_holder_binding") ?? true,
            typeValues: typeValues, claims: claims, claimSets: claimSets,
            namesTrustedAuthorities: object["trusted_authorities"] != nil)
    }

    private static func claimQuery(_ entry: JSONValue, at: String) throws(WalletProtocolError) -> ClaimQuery {
        guard case .object(let object) = entry else { throw invalid("\(at) must be an object") }
        let id: String? = if let value = object["id"] { try identifier(value, at: "\(at).id") } else { nil }
        guard case .array(let components)? = object["path"], !components.isEmpty else {
            throw invalid("\(at).path must be a non-empty claims path pointer (§7)")
        }
        let path = try components.map { (component) throws(WalletProtocolError) -> PathComponent in
            switch component {
            case .string(let key): return .key(key)
            case .null: return .all
            case .number(let number) where number.isIntegerLexical && (number.intValue ?? -1) >= 0: return .index(number.intValue!)
            default: throw invalid("\(at).path holds only strings, null and non-negative integers (§7)")
            }
        }
        var values: [JSONValue]?
        if let value = object["values"] {
            guard case .array(let entries) = value, !entries.isEmpty, entries.allSatisfy({
                switch $0 {
                case .string, .bool: true
                case .number(let number): number.isIntegerLexical
                default: false
                }
            }) else { throw invalid("\(at).values must be a non-empty array of strings, integers and booleans") }
            values = entries
        }
        return ClaimQuery(id: id, path: path, values: values)
    }

    private static func identifier(_ value: JSONValue?, at: String) throws(WalletProtocolError) -> String {
        guard case .string(let id)? = value, !id.isEmpty, id.count <= 200, id.unicodeScalars.allSatisfy({
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }) else { throw invalid("\(at) must be a non-empty string of letters, digits, _ and -") }
        return id
    }

    private static func idLists(_ value: JSONValue?, at: String, known: Set<String>, what: String) throws(WalletProtocolError) -> [[String]] {
        guard case .array(let lists)? = value, !lists.isEmpty else { throw invalid("\(at) must be a non-empty array of id arrays") }
        return try lists.map { (list) throws(WalletProtocolError) in
            guard case .array(let entries) = list, !entries.isEmpty,
                  case let ids = entries.compactMap(\.stringValue), ids.count == entries.count else {
                throw invalid("\(at) must be a non-empty array of non-empty id arrays")
            }
            if let unknown = ids.first(where: { !known.contains($0) }) {
                throw invalid("\(at) names \"\(unknown.prefix(200))\", which is no \(what) of the query")
            }
            return ids
        }
    }

    private static func optionalBool(_ value: JSONValue?, at: String) throws(WalletProtocolError) -> Bool? {
        guard let value else { return nil }
        guard case .bool(let flag) = value else { throw invalid("\(at) must be true or false") }
        return flag
    }

    private static func invalid(_ reason: String) -> WalletProtocolError { WalletProtocolError(.invalidRequest, reason) }
}

extension DCQLQuery.CredentialQuery {
    /// Whether a JSON credential (a W3C credential's JSON, or a VC-JWT's payload) answers this query, given its
    /// expanded types (JSON-LD expansion of its `type`): one of the `type_values` alternatives is among them, and it
    /// has the claims asked for — every one, or every one of the first claim set it can satisfy (§6.4.1). The format
    /// is the caller's to compare.
    public func matches(_ credential: JSONValue, expandedTypes: Set<String>) -> Bool {
        if let typeValues, !typeValues.contains(where: { $0.allSatisfy(expandedTypes.contains) }) { return false }
        return claimSet(of: credential) != nil
    }

    /// The claims this credential satisfies, by index into ``claims``: all of them when there are no claim sets,
    /// the first claim set whose claims it all has otherwise; empty when no claims are asked for; nil when it cannot
    /// satisfy the claims asked for.
    public func claimSet(of credential: JSONValue) -> [Int]? {
        guard let claims else { return [] }
        let satisfied = claims.indices.filter { claims[$0].isSatisfied(by: credential) }
        guard let claimSets else { return satisfied.count == claims.count ? satisfied : nil }
        for set in claimSets {
            let indices = set.compactMap { id in claims.firstIndex { $0.id == id } }
            if indices.allSatisfy(satisfied.contains) { return indices }
        }
        return nil
    }
}

extension DCQLQuery.ClaimQuery {
    /// Whether `credential` has this claim: its path selects at least one element (§7.1) and, when values are
    /// given, one selected element equals one of them in type and value (§6.3).
    public func isSatisfied(by credential: JSONValue) -> Bool {
        guard let selected = Self.select(path, in: credential) else { return false }
        guard let values else { return true }
        return selected.contains { element in values.contains { Self.sameValue($0, element) } }
    }

    /// Processes a Claims Path Pointer on a JSON credential (§7.1.1): the selected elements, or nil when
    /// processing aborts (a component applied to the wrong kind of element, or nothing selected).
    public static func select(_ path: [DCQLQuery.PathComponent], in root: JSONValue) -> [JSONValue]? {
        var selection = [root]
        for component in path {
            var next: [JSONValue] = []
            for element in selection {
                switch component {
                case .key(let key):
                    guard case .object(let object) = element else { return nil }
                    if let value = object[key] { next.append(value) }
                case .all:
                    guard case .array(let array) = element else { return nil }
                    next.append(contentsOf: array)
                case .index(let index):
                    guard case .array(let array) = element else { return nil }
                    if index < array.count { next.append(array[index]) }
                }
            }
            selection = next
        }
        return selection.isEmpty ? nil : selection
    }

    private static func sameValue(_ wanted: JSONValue, _ actual: JSONValue) -> Bool {
        switch (wanted, actual) {
        case (.string(let a), .string(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a.intValue != nil && a.intValue == b.intValue
        default: false
        }
    }
}
