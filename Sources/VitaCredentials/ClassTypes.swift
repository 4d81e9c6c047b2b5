import VitaJSON

/// The Open Badges 3.0 / CLR 2.0 class each nested object must declare in its `type`
/// (OB 3.0 §B "Data Model", CLR 2.0 likewise). The published JSON Schemas accept any
/// single string as `type`, so the 1EdTech validator checks these separately; so does
/// Vita (the `type` check).
enum ClassTypes {
    /// (path from the credential, expected class). `[]` marks an array (or single value).
    static let expectations: [([String], String)] = [
        (["issuer"], "Profile"),
        (["issuer", "otherIdentifier", "[]"], "IdentifierEntry"),
        (["issuer", "parentOrg"], "Profile"),
        (["evidence", "[]"], "Evidence"),
        (["credentialSubject", "identifier", "[]"], "IdentityObject"),
        (["credentialSubject", "source"], "Profile"),
        (["credentialSubject", "result", "[]"], "Result"),
        (["credentialSubject", "achievement", "[]"], "Achievement"),
        (["credentialSubject", "achievement", "[]", "creator"], "Profile"),
        (["credentialSubject", "achievement", "[]", "alignment", "[]"], "Alignment"),
        (["credentialSubject", "achievement", "[]", "resultDescription", "[]"], "ResultDescription"),
        (["credentialSubject", "achievement", "[]", "resultDescription", "[]", "alignment", "[]"], "Alignment"),
        (["credentialSubject", "association", "[]"], "Association"),
    ]

    /// Subject classes by credential type.
    static let subjectClass: [String: String] = [
        "OpenBadgeCredential": "AchievementSubject",
        "AchievementCredential": "AchievementSubject",
        "ClrCredential": "ClrSubject",
        "EndorsementCredential": "EndorsementSubject",
    ]

    /// Problems such as `/evidence/1: type [InvalidEvidence] does not include Evidence`.
    static func problems(in credential: JSONValue, credentialType: String) -> [String] {
        var out: [String] = []
        if let subjectClass = subjectClass[credentialType], let subject = credential["credentialSubject"] {
            for (i, s) in (subject.arrayValue ?? [subject]).enumerated() {
                check(s, expected: subjectClass, pointer: subject.arrayValue == nil ? "/credentialSubject" : "/credentialSubject/\(i)", into: &out)
            }
        }
        for (path, expected) in expectations {
            walk(credential, path: path[...], pointer: "", expected: expected, into: &out)
        }
        return out
    }

    static func walk(_ value: JSONValue, path: ArraySlice<String>, pointer: String, expected: String, into out: inout [String]) {
        guard let step = path.first else {
            check(value, expected: expected, pointer: pointer, into: &out)
            return
        }
        if step == "[]" {
            if case .array(let a) = value {
                for (i, v) in a.enumerated() { walk(v, path: path.dropFirst(), pointer: "\(pointer)/\(i)", expected: expected, into: &out) }
            } else {
                walk(value, path: path.dropFirst(), pointer: pointer, expected: expected, into: &out)
            }
            return
        }
        guard let next = value[step] else { return }
        walk(next, path: path.dropFirst(), pointer: "\(pointer)/\(step)", expected: expected, into: &out)
    }

    static func check(_ value: JSONValue, expected: String, pointer: String, into out: inout [String]) {
        guard case .object(let o) = value else { return }  // a bare IRI reference: nothing to check
        let types = o["type"].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? []
        if !types.contains(expected) {
            out.append("\(pointer): type [\(types.joined(separator: ", "))] does not include \(expected)")
        }
    }
}
