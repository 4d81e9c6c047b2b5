import Foundation
import VitaJSON

/// Fetches the document a `credentialStatus` entry points to, for the `status` check.
///
/// For a `BitstringStatusListEntry` (or `StatusList2021Entry`) the URL is its
/// `statusListCredential` and the document a status list credential; for a
/// `1EdTechRevocationList` the URL is the entry's `id` and the document the revocation list.
/// Implementations must not crash or block forever; a document they cannot obtain is
/// reported by throwing (any code; verification reports it as Bitstring Status List
/// §3.5 STATUS_RETRIEVAL_ERROR). Vita never fetches on its own: a network resolver (with
/// caching honouring `ttl`, §6.3 "Verifier Caching") belongs to the server layer.
public protocol StatusListResolver: Sendable {
    /// The JSON document published at `url`.
    func statusList(at url: String) async throws(CredentialError) -> JSONValue
}

/// An offline ``StatusListResolver`` over documents known in advance (tests, pinned lists,
/// a server checking its own lists).
public struct StaticStatusListResolver: StatusListResolver {
    /// Documents by URL.
    public var documents: [String: JSONValue]

    /// A resolver over `documents` (keyed by URL; a fragment in a requested URL is ignored
    /// if the URL itself is not a key).
    public init(_ documents: [String: JSONValue] = [:]) { self.documents = documents }

    public func statusList(at url: String) async throws(CredentialError) -> JSONValue {
        if let d = documents[url] { return d }
        if let hash = url.firstIndex(of: "#"), let d = documents[String(url[..<hash])] { return d }
        throw CredentialError(.statusRetrieval, "no status list is known at this URL")
    }
}

/// How the `status` check treats the conditions policy decides.
public struct StatusCheckOptions: Sendable, Hashable {
    /// What a status list that cannot be retrieved does to the report.
    public enum RetrievalFailure: Sendable, Hashable {
        /// A warning "status could not be checked: …" (default; as the 1EdTech validator does).
        case warn
        /// A failed check.
        case fail
    }

    /// Unresolvable status list: warning (default) or failure.
    public var retrievalFailure: RetrievalFailure
    /// Whether the status list credential must have the same issuer as the credential
    /// (default `true`; the spec allows a different issuer, Vita's issuers publish their own).
    public var requiresSameIssuer: Bool
    /// §3.2 step 2: lists with fewer entries fail with STATUS_LIST_LENGTH_ERROR
    /// (default 131 072; lower it only where an ecosystem specification says so).
    public var minimumEntries: Int
    /// The decompressed-size cap for `encodedList` (GZIP bombs).
    public var maxDecompressedBytes: Int

    /// Options; the defaults follow the specification.
    public init(retrievalFailure: RetrievalFailure = .warn, requiresSameIssuer: Bool = true,
                minimumEntries: Int = BitstringStatusList.minimumEntries,
                maxDecompressedBytes: Int = BitstringStatusList.defaultMaxDecompressedBytes) {
        self.retrievalFailure = retrievalFailure
        self.requiresSameIssuer = requiresSameIssuer
        self.minimumEntries = minimumEntries
        self.maxDecompressedBytes = maxDecompressedBytes
    }
}

/// The status of one entry (§3.2 "Validate Algorithm" steps 11–14).
public struct StatusResult: Sendable, Hashable {
    /// The entry's purpose.
    public var purpose: StatusPurpose
    /// The status value read from the list (0 = not revoked / not suspended / …).
    public var status: UInt
    /// The entry's `statusMessage` text for `status`, if any.
    public var message: String?
    /// The list URL.
    public var statusListCredential: String
    /// The index read.
    public var index: Int
    /// `true` if the status is non-zero (for revocation: revoked).
    public var isSet: Bool { status != 0 }
}

extension StatusListCredential {
    /// §3.2 steps 5–10 on an already verified status list credential: checks the purpose,
    /// decodes the list, checks its length and reads the entry's status.
    /// - Throws: ``CredentialError``: `statusVerification` (purpose not in the list),
    ///   `statusListLength`, `statusRange`, or a decoding error (`invalidEncoding`,
    ///   `compression`, `malformedStatusList`).
    public func status(of entry: BitstringStatusListEntry, options: StatusCheckOptions = StatusCheckOptions()) throws(CredentialError) -> StatusResult {
        guard statusPurposes.contains(entry.statusPurpose) else {
            throw CredentialError(.statusVerification, "the entry's statusPurpose \(entry.statusPurpose) is not a purpose of the status list (\(statusPurposes.map(\.rawValue).joined(separator: ", ")))")
        }
        let bits = try list(statusSize: entry.statusSize, maxDecompressedBytes: options.maxDecompressedBytes)
        guard bits.count >= options.minimumEntries else {
            throw CredentialError(.statusListLength, "the status list has \(bits.count) entries; at least \(options.minimumEntries) are required")
        }
        let status = try bits.status(at: entry.index)
        return StatusResult(purpose: entry.statusPurpose, status: status, message: entry.message(for: status),
                            statusListCredential: entry.statusListCredential, index: entry.index)
    }
}

extension CredentialVerifier {
    /// §3.2 "Validate Algorithm" step 4 and Vita's policy: fetches the status list
    /// credential at `url` with `resolver` (a JSON credential with Data Integrity proofs, or
    /// a VC-JWT string), verifies it as a credential (proofs with this verifier's method
    /// resolver, issuer binding, context, validity period) and, when
    /// ``StatusCheckOptions/requiresSameIssuer`` is set, that its issuer is `credentialIssuer`.
    /// - Throws: ``CredentialError``: `statusRetrieval` if the resolver fails,
    ///   `statusVerification` if the list credential does not verify or has another issuer,
    ///   `malformedStatusList` if it is not a status list credential.
    public func verifiedStatusList(at url: String, credentialIssuer: String?,
                                   resolver: any StatusListResolver) async throws(CredentialError) -> StatusListCredential {
        let document: JSONValue
        do { document = try await resolver.statusList(at: url) } catch {
            throw CredentialError(.statusRetrieval, "\(url): \(error.reason)")
        }
        var listVerifier = self
        listVerifier.statusResolver = nil
        listVerifier.validatesSchema = false
        let parsed: StatusListCredential
        let report: VerificationReport
        if case .string(let jwt) = document {
            // §3.6 "Securing Algorithms": a list secured as a VC-JWT (compact JWS).
            let jws: CompactJWS
            do { jws = try CompactJWS(parsing: jwt) } catch {
                throw CredentialError(.malformedStatusList, "the status list at \(url) is neither a JSON credential nor a VC-JWT: \(error.reason)")
            }
            parsed = try StatusListCredential(parsing: jws.credential)
            report = await listVerifier.verify(jwt: jwt)
        } else {
            parsed = try StatusListCredential(parsing: document)
            report = await listVerifier.verify(document, depth: maxNestingDepth)
        }
        if report.verdict == .invalid {
            let reasons = report.failures.prefix(3).map { "\($0.name): \($0.message)" }.joined(separator: "; ")
            throw CredentialError(.statusVerification, "the status list credential \(url) does not verify: \(reasons)")
        }
        if statusOptions.requiresSameIssuer, let credentialIssuer, parsed.issuerID != credentialIssuer {
            throw CredentialError(.statusVerification, "the status list credential \(url) is issued by \(parsed.issuerID ?? "no issuer"), not by the credential's issuer \(credentialIssuer)")
        }
        return parsed
    }

    /// The `status` checks of a credential (step 8 of ``verify(_:)``): one per
    /// `credentialStatus` entry; "not checked" for every entry without a ``statusResolver``.
    func statusChecks(_ credential: JSONValue, issuerID: String?) async -> [VerificationReport.Check] {
        let entries = CredentialStatusEntry.entries(of: credential)
        guard let resolver = statusResolver else {
            // No resolver: report the status as not checked (the behaviour before status lists).
            guard let status = credential["credentialStatus"], !status.isNull else { return [] }
            let kinds = (status.arrayValue ?? [status]).compactMap { $0["type"]?.stringValue }
            return [.init("status", .notChecked, "credentialStatus (\(kinds.joined(separator: ", "))) is not checked: no status list resolver is configured")]
        }
        if entries.isEmpty {
            return [.init("status", .pass, "no status to check (the credential has no credentialStatus)")]
        }
        var lists: [String: Result<StatusListCredential, CredentialError>] = [:]
        var checks: [VerificationReport.Check] = []
        let label = { (i: Int) in entries.count > 1 ? "credentialStatus[\(i)] " : "" }
        for (i, parsed) in entries.enumerated() {
            switch parsed {
            case .failure(let error):
                checks.append(.init("status", .fail, "\(label(i))malformed: \(error.reason)"))
            case .success(.unsupported(let type)):
                checks.append(.init("status", .warning, "\(label(i))unsupported status type \(type); not checked"))
            case .success(.oneEdTechRevocationList(let url)):
                checks.append(await revocationListCheck(credential, url: url, resolver: resolver, label: label(i)))
            case .success(.bitstring(let entry)):
                let url = entry.statusListCredential
                let list: Result<StatusListCredential, CredentialError>
                if let cached = lists[url] {
                    list = cached
                } else {
                    do { list = .success(try await verifiedStatusList(at: url, credentialIssuer: issuerID, resolver: resolver)) } catch {
                        list = .failure(error)
                    }
                    lists[url] = list
                }
                checks.append(bitstringCheck(entry, list: list, label: label(i)))
            }
        }
        return checks
    }

    func retrievalFailure(_ error: CredentialError, label: String) -> VerificationReport.Check {
        .init("status", statusOptions.retrievalFailure == .fail ? .fail : .warning,
              "\(label)status could not be checked: \(error.reason)")
    }

    func bitstringCheck(_ entry: BitstringStatusListEntry, list: Result<StatusListCredential, CredentialError>,
                        label: String) -> VerificationReport.Check {
        let result: StatusResult
        do {
            result = try list.get().status(of: entry, options: statusOptions)
        } catch {
            if error.code == .statusRetrieval { return retrievalFailure(error, label: label) }
            return .init("status", .fail, "\(label)\(error.code): \(error.reason)")
        }
        let whereText = "index \(result.index) of \(result.statusListCredential)"
        let statusText = "0x" + String(result.status, radix: 16)
        let messageText = result.message.map { " (\($0))" } ?? ""
        switch (result.purpose, result.isSet) {
        case (.revocation, true):
            return .init("status", .fail, "\(label)revoked: \(whereText) is \(statusText)\(messageText)")
        case (.suspension, true):
            return .init("status", .fail, "\(label)suspended: \(whereText) is \(statusText)\(messageText)")
        case (.revocation, false):
            return .init("status", .pass, "\(label)not revoked (\(whereText))")
        case (.suspension, false):
            return .init("status", .pass, "\(label)not suspended (\(whereText))")
        case (.message, _):
            return .init("status", .pass, "\(label)status message \(statusText)\(messageText) (\(whereText))")
        case (.refresh, true):
            return .init("status", .warning, "\(label)a refreshed credential is available (\(whereText) is \(statusText))")
        case (let purpose, true):
            return .init("status", .warning, "\(label)\(purpose) status \(statusText)\(messageText) is set (\(whereText))")
        case (let purpose, false):
            return .init("status", .pass, "\(label)\(purpose) status not set (\(whereText))")
        }
    }

    /// OB 3.0 §"Verification and Validation" (deprecated `1EdTechRevocationList`): revoked if
    /// the credential's id appears in `revokedCredential[]` with `revoked` true or absent.
    func revocationListCheck(_ credential: JSONValue, url: String, resolver: any StatusListResolver,
                             label: String) async -> VerificationReport.Check {
        guard let credentialID = credential["id"]?.stringValue else {
            return .init("status", .warning, "\(label)1EdTechRevocationList cannot be checked: the credential has no id")
        }
        let document: JSONValue
        do { document = try await resolver.statusList(at: url) } catch {
            return retrievalFailure(CredentialError(.statusRetrieval, "\(url): \(error.reason)"), label: label)
        }
        guard let revoked = document["revokedCredential"].map({ $0.arrayValue ?? [$0] }) else {
            return .init("status", .fail, "\(label)the 1EdTechRevocationList at \(url) has no revokedCredential list")
        }
        if let hit = revoked.first(where: { $0["id"]?.stringValue == credentialID && $0["revoked"]?.boolValue != false }) {
            let reason = hit["revocationReason"]?.stringValue.map { " (\($0))" } ?? ""
            return .init("status", .fail, "\(label)revoked: listed in the 1EdTechRevocationList at \(url)\(reason)")
        }
        return .init("status", .pass, "\(label)not revoked (1EdTechRevocationList at \(url))")
    }
}
