import Hummingbird
import VitaJSON

/// Refuses the NUL character (U+0000) in an operation's query parameters and JSON body with a 400 naming the field
/// (`NULCharacter`): PostgreSQL cannot store it, SQLite would, and refusing it before the route runs keeps both engines
/// alike and turns what would be a failed statement into the caller's error. It costs next to nothing when there is
/// none: the query is looked at only when its raw form holds `%00`, and a body is scanned once, without parsing. The
/// OAuth endpoints' forms are checked where they are parsed (`FormParameters`), to answer in OAuth's terms.
enum NULCharacterCheck {
    /// Throws a 400 naming the first of `parameters` whose value holds a NUL.
    static func checkQuery(_ request: Request, parameters: [String]) throws {
        guard let query = request.uri.query, query.contains("%00") else { return }
        // Hummingbird decodes the values (names stay as sent).
        for (name, value) in request.uri.queryParameters where value.utf8.contains(0) && parameters.contains(String(name)) {
            throw Problem.badRequest(String(name), NULCharacter.reason)
        }
    }

    /// Throws a 400 naming the member of a JSON body that holds a NUL.
    static func checkJSON(_ bytes: some Collection<UInt8>) throws {
        guard let path = NULCharacter.path(inJSON: bytes) else { return }
        throw Problem.badRequest(path.isEmpty ? "body" : path, NULCharacter.reason)
    }
}
