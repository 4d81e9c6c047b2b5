import Foundation
import Synchronization
import VitaJSON

/// A document retrieved by a ``DocumentLoader``.
public struct RemoteDocument: Sendable {
    /// The final URL of the document (after redirects, if any).
    public var documentURL: String
    /// The parsed JSON document.
    public var document: JSONValue
    /// A context URL from an HTTP Link header, if any.
    public var contextURL: String?

    public init(documentURL: String, document: JSONValue, contextURL: String? = nil) {
        self.documentURL = documentURL
        self.document = document
        self.contextURL = contextURL
    }
}

/// Loads remote documents (contexts and `@import`s) by URL.
///
/// Implementations must be thread-safe. Vita's default, ``BundledContextLoader``, never
/// touches the network.
public protocol DocumentLoader: Sendable {
    /// Loads the document at `url`.
    /// - Throws: ``JSONLDError`` (usually ``JSONLDError/Code/loadingDocumentFailed``) naming the URL.
    func loadDocument(_ url: String) throws(JSONLDError) -> RemoteDocument

    /// A string identifying this loader's contents for cache keys; loaders that can return
    /// different documents for the same URL must return different keys.
    var cacheKey: String { get }
}

extension DocumentLoader {
    public var cacheKey: String { String(describing: type(of: self)) }
}

/// Serves only the contexts bundled with Vita (`Resources/contexts/index.json`): the W3C VC
/// v1/v2, Data Integrity, Multikey, JWK, DID, CID, status list, Open Badges 1.1–3.0 and CLR 2.0
/// contexts. Any other URL fails with ``JSONLDError/Code/loadingDocumentFailed`` naming it.
public struct BundledContextLoader: DocumentLoader {
    public init() {}

    public var cacheKey: String { "bundled" }

    /// The URLs this loader can serve.
    public static var availableURLs: [String] { Array(BundledContexts.shared.index.keys).sorted() }

    public func loadDocument(_ url: String) throws(JSONLDError) -> RemoteDocument {
        // Ignore a fragment; contexts are whole documents.
        let key = url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? url
        guard let doc = try BundledContexts.shared.document(for: key) else {
            throw JSONLDError(.loadingDocumentFailed, "no bundled context for \(url); Vita never fetches contexts from the network")
        }
        return RemoteDocument(documentURL: key, document: doc)
    }
}

/// Loads bundled context files lazily, once per process.
final class BundledContexts: Sendable {
    static let shared = BundledContexts()

    let directory: URL?
    let index: [String: String]
    let parsed = Mutex<[String: JSONValue]>([:])

    init() {
        let dir = Bundle.module.url(forResource: "contexts", withExtension: nil)
        directory = dir
        var map: [String: String] = [:]
        if let dir, let data = try? Data(contentsOf: dir.appendingPathComponent("index.json")),
           let json = try? JSONValue(parsing: data), let contexts = json["contexts"]?.objectValue
        {
            for (k, v) in contexts { if let s = v.stringValue { map[k] = s } }
        }
        index = map
    }

    func document(for url: String) throws(JSONLDError) -> JSONValue? {
        if let cached = parsed.withLock({ $0[url] }) { return cached }
        guard let file = index[url], let directory else { return nil }
        let value: JSONValue
        do {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            value = try JSONValue(parsing: data)
        } catch {
            throw JSONLDError(.loadingDocumentFailed, "bundled context for \(url) cannot be read: \(error)")
        }
        parsed.withLock { $0[url] = value }
        return value
    }
}

/// A loader serving documents from a dictionary (URL → JSON), for tests and embedding.
public struct StaticDocumentLoader: DocumentLoader {
    public let documents: [String: JSONValue]
    public let fallback: (any DocumentLoader)?
    let key: String

    /// - Parameters:
    ///   - documents: URL → document.
    ///   - fallback: a loader consulted for other URLs (for example ``BundledContextLoader``).
    public init(_ documents: [String: JSONValue], fallback: (any DocumentLoader)? = nil) {
        self.documents = documents
        self.fallback = fallback
        self.key = "static-\(ContextIdentity.next())"
    }

    public var cacheKey: String { key }

    public func loadDocument(_ url: String) throws(JSONLDError) -> RemoteDocument {
        if let d = documents[url] { return RemoteDocument(documentURL: url, document: d) }
        if let fallback { return try fallback.loadDocument(url) }
        throw JSONLDError(.loadingDocumentFailed, "no document for \(url)")
    }
}

/// A process-wide, thread-safe cache of processed contexts.
///
/// Keys combine the loader, the active context the local context is applied to, the local
/// context itself (a URL, an inline context or a scoped context), the base URL and the flags.
/// Processing the W3C v2 + OB 3.0 contexts happens once per process; every later credential
/// using them costs a dictionary lookup.
public final class ContextCache: Sendable {
    struct Key: Hashable {
        var loader: String
        var parent: Int
        var local: Local
        var base: String?
        var flags: UInt8
    }

    enum Local: Hashable {
        case value(JSONValue)
        case scoped(Int)
    }

    let entries = Mutex<[Key: ActiveContext]>([:])
    let documents = Mutex<[String: RemoteDocument]>([:])
    /// The maximum number of processed contexts kept (the cache is cleared when it is full).
    public let capacity: Int

    public init(capacity: Int = 10_000) { self.capacity = capacity }

    /// The cache shared by all default-option calls in this process.
    public static let shared = ContextCache()

    func get(_ key: Key) -> ActiveContext? { entries.withLock { $0[key] } }

    func put(_ key: Key, _ value: ActiveContext) {
        entries.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[key] = value
        }
    }

    func document(_ loader: any DocumentLoader, _ url: String) throws(JSONLDError) -> RemoteDocument {
        let k = loader.cacheKey + " " + url
        if let d = documents.withLock({ $0[k] }) { return d }
        let d = try loader.loadDocument(url)
        documents.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[k] = d
        }
        return d
    }

    /// Drops every cached entry.
    public func removeAll() {
        entries.withLock { $0.removeAll() }
        documents.withLock { $0.removeAll() }
    }
}
