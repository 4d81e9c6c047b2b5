/// The one network policy every VitaResolution resolver shares.
///
/// Defaults are for a verifier on the public internet: https only, 5 s per fetch, 1 MiB per
/// response, 3 redirects, no cookies, no compression, a cache of 512 documents. Offline mode
/// (``offline``) makes every fetch fail at once, without a request.
public struct ResolutionConfiguration: Sendable, Hashable {
    /// When `true`, nothing is fetched: did:web, https controller documents and status lists
    /// fail fast with "offline mode: … disabled" (did:key still resolves; it needs no network).
    public var offline: Bool
    /// Hosts (names or IP literals, lowercase, no port) that may be fetched over plain `http`
    /// and may be loopback or private addresses: for tests and local setups only. did:web
    /// identifiers on these hosts are fetched over `http` too.
    public var allowInsecureHTTPForHosts: Set<String>
    /// The time limit of one fetch, from connecting to the last body byte, redirects included.
    public var timeout: Duration
    /// The largest accepted response body in bytes; checked against `Content-Length` before
    /// reading and while streaming, so a larger body is never read completely.
    public var maxResponseBytes: Int
    /// How many redirects one fetch follows (each target is checked against this policy).
    public var maxRedirects: Int
    /// How many documents (and remembered failures) the cache holds; the least recently used go first.
    public var cacheCapacity: Int
    /// How long a document stays cached when neither HTTP `Cache-Control: max-age` nor the
    /// document (a status list's `ttl`) says.
    public var defaultTTL: Duration
    /// The longest any document stays cached, whatever the server or document says.
    public var maxTTL: Duration
    /// How long a failed fetch is remembered (and repeated requests fail without a request).
    public var failureTTL: Duration

    /// A policy; every default is the production one.
    public init(offline: Bool = false, allowInsecureHTTPForHosts: Set<String> = [], timeout: Duration = .seconds(5),
                maxResponseBytes: Int = 1 << 20, maxRedirects: Int = 3, cacheCapacity: Int = 512,
                defaultTTL: Duration = .seconds(300), maxTTL: Duration = .seconds(86_400),
                failureTTL: Duration = .seconds(30)) {
        self.offline = offline
        self.allowInsecureHTTPForHosts = Set(allowInsecureHTTPForHosts.map { $0.lowercased() })
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.maxRedirects = maxRedirects
        self.cacheCapacity = cacheCapacity
        self.defaultTTL = defaultTTL
        self.maxTTL = maxTTL
        self.failureTTL = failureTTL
    }
}
