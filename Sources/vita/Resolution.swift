import Foundation
import VitaResolution

/// Network resolution for `vita verify` and `vita serve` (VitaResolution): did:web and https
/// verification methods and status lists are fetched unless resolution is offline.
///
/// Environment: `VITA_OFFLINE_RESOLUTION` (`true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`)
/// switches network resolution off; `VITA_RESOLUTION_HTTP_HOSTS` (comma-separated host names)
/// lists hosts that may be fetched over plain http (local setups only). A `ResolutionHTTPClient`
/// must be shut down once created.
enum Resolution {
    /// The policy the flag and environment ask for (create the client only when it will surely be shut down).
    static func configuration(offline: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> ResolutionConfiguration {
        let offlineByEnvironment: Bool
        switch environment["VITA_OFFLINE_RESOLUTION"]?.lowercased() {
        case nil, "", "0", "false", "no", "off": offlineByEnvironment = false
        case "1", "true", "yes", "on": offlineByEnvironment = true
        default: throw CommandFailure("VITA_OFFLINE_RESOLUTION must be true or false")
        }
        let hosts = (environment["VITA_RESOLUTION_HTTP_HOSTS"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return ResolutionConfiguration(offline: offline || offlineByEnvironment, allowInsecureHTTPForHosts: Set(hosts))
    }
}
