import Foundation
import Testing
import VitaJSON
import VitaSchema

/// Test resources (copied into the test bundle, see Resources/SOURCES.md).
enum Fixtures {
    static var root: URL {
        Bundle.module.url(forResource: "Resources", withExtension: nil)!
    }

    static func url(_ relative: String) -> URL {
        root.appendingPathComponent(relative)
    }

    static func json(_ relative: String) throws -> JSONValue {
        try JSONValue(parsing: try Data(contentsOf: url(relative)))
    }

    /// Relative paths of the `.json` files below `folder`, sorted.
    static func files(under folder: String) -> [String] {
        let base = url(folder)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        var out: [String] = []
        for case let u as URL in e where u.pathExtension == "json" {
            out.append(String(u.path.dropFirst(base.path.count + 1)))
        }
        return out.sorted()
    }
}

/// Serves the JSON-Schema-Test-Suite `remotes/` folder at `http://localhost:1234/`,
/// as the suite's README requires; never touches the network.
struct SuiteRemotes: SchemaResolver {
    func document(for uri: String) throws -> JSONValue? {
        let prefix = "http://localhost:1234/"
        guard uri.hasPrefix(prefix) else { return nil }
        let path = "suite/remotes/" + uri.dropFirst(prefix.count)
        guard FileManager.default.fileExists(atPath: Fixtures.url(path).path) else { return nil }
        return try Fixtures.json(path)
    }
}

extension JSONValue {
    /// A copy with the value at `path` replaced (`nil` removes it).
    func replacing(_ path: [String], with newValue: JSONValue?) -> JSONValue {
        guard let first = path.first else { return newValue ?? .null }
        switch self {
        case .object(var o):
            if path.count == 1, newValue == nil {
                _ = o.removeValue(forKey: first)
            } else if let child = o[first] {
                o[first] = child.replacing(Array(path.dropFirst()), with: newValue)
            }
            return .object(o)
        case .array(var a):
            if let i = Int(first), i < a.count {
                a[i] = a[i].replacing(Array(path.dropFirst()), with: newValue)
            }
            return .array(a)
        default:
            return self
        }
    }
}
