import Foundation
import VitaCredentials
import VitaJSON

/// The credential laid out for reading: the values a person looks for (image, achievement, description, criteria,
/// issuer, recipient, dates, results, alignments), and for a CLR its achievements and their associations. Every value
/// is plain text for the template (which escapes it); links are only `http(s)` URLs, images only `data:` images.
struct CredentialView {
    let strings: WebStrings

    /// The credential inside submitted bytes, for display: a baked image is unbaked, JSON parsed, a VC-JWT's payload
    /// read (its `vc` claim for a VC 1.1 JWT). Nil when none can be read (the report says why).
    static func credential(in bytes: [UInt8]) -> JSONValue? {
        if BadgeBaking.ImageFormat(sniffing: bytes) != nil {
            guard let baked = try? BadgeBaking.unbake(bytes).credential else { return nil }
            switch baked {
            case .json(let value): return value
            case .compactJWS(let jws): return payload(ofJWT: jws)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self)?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            return nil
        }
        if text.hasPrefix("{") { return try? JSONValue(parsing: text) }
        if text.hasPrefix("\""), case .string(let jwt)? = try? JSONValue(parsing: text) { return payload(ofJWT: jwt) }
        return payload(ofJWT: text)
    }

    /// The credential a compact JWS carries (``CompactJWS/credential``: the `vc` claim of a VC 1.1 JWT, else the
    /// payload without the registered JWT claims), not verified here: the report says whether the signature holds.
    static func payload(ofJWT jwt: String) -> JSONValue? {
        (try? CompactJWS(parsing: jwt))?.credential
    }

    /// The template values of the content section.
    func values(for credential: JSONValue) -> [String: Any] {
        var values: [String: Any] = ["card": card(for: credential, isTopLevel: true)]
        let subject = Self.first(credential["credentialSubject"])
        let types = Self.strings(credential["type"])
        guard types.contains("ClrCredential"), let nested = subject?["verifiableCredential"]?.arrayValue else { return values }
        var cards: [[String: Any]] = []
        var names: [String: String] = [:]
        for item in nested {
            let credential = item.stringValue.flatMap(Self.payload(ofJWT:)) ?? item
            let card = card(for: credential, isTopLevel: false)
            cards.append(card)
            if let id = Self.first(credential["credentialSubject"])?["achievement"]?["id"]?.stringValue {
                names[id] = card["title"] as? String
            }
        }
        var associations: [String] = []
        for association in subject?["association"]?.arrayValue ?? [] {
            guard let source = association["sourceId"]?.stringValue, let target = association["targetId"]?.stringValue else { continue }
            let kind = Self.words(association["associationType"]?.stringValue ?? "isRelatedTo")
            associations.append("\(names[source] ?? source) \(kind) \(names[target] ?? target)")
        }
        values["achievements"] = cards
        values["hasAchievements"] = !cards.isEmpty
        values["associations"] = associations
        values["hasAssociations"] = !associations.isEmpty
        return values
    }

    /// One credential as a card.
    func card(for credential: JSONValue, isTopLevel: Bool) -> [String: Any] {
        let subject = Self.first(credential["credentialSubject"])
        let achievement = subject?["achievement"]
        let credentialName = Self.text(credential["name"])
        let title = Self.text(achievement?["name"]) ?? credentialName ?? strings["content.unnamed"]
        var card: [String: Any] = ["title": title]
        var facts: [[String: String]] = []
        func fact(_ id: String, _ value: String?, logo: String? = nil) {
            guard let value, !value.isEmpty else { return }
            var line = ["label": strings[id], "value": value]
            if let logo { line["logo"] = logo }
            facts.append(line)
        }
        if let image = Self.dataImage(achievement?["image"]) ?? Self.dataImage(credential["image"]) {
            card["image"] = ["src": image, "alt": strings.format("content.image_alt", ["name": title])]
        }
        if let description = Self.text(achievement?["description"]) ?? Self.text(credential["description"]) {
            card["description"] = description
        }
        if let credentialName, credentialName != title { fact("content.name", credentialName) }
        fact("content.achievement_type", Self.text(achievement?["achievementType"]).map(Self.words))
        fact("content.criteria", Self.text(achievement?["criteria"]?["narrative"]) ?? Self.text(achievement?["criteria"]?["id"]))
        // The issuer's logo beside its name (its profile's `image`), a `data:` image only, as the badge's.
        fact("content.issuer", Self.party(credential["issuer"]), logo: Self.dataImage(credential["issuer"]?["image"]))
        fact("content.issuer_identifiers", Self.otherIdentifiers(credential["issuer"]))
        fact("content.recipient", Self.recipient(subject))
        fact("content.awarded", Self.date(Self.text(credential["awardedDate"])))
        fact("content.valid_from", Self.date(Self.text(credential["validFrom"]) ?? Self.text(credential["issuanceDate"])))
        fact("content.valid_until", Self.date(Self.text(credential["validUntil"]) ?? Self.text(credential["expirationDate"])))
        if isTopLevel { fact("content.id", Self.text(credential["id"])) }
        card["facts"] = facts

        let descriptions = Dictionary((achievement?["resultDescription"]?.arrayValue ?? []).compactMap { item -> (String, String)? in
            guard let id = item["id"]?.stringValue, let name = Self.text(item["name"]) else { return nil }
            return (id, name)
        }, uniquingKeysWith: { first, _ in first })
        var results: [String] = []
        for result in subject?["result"]?.arrayValue ?? [] {
            let name = result["resultDescription"]?.stringValue.flatMap { descriptions[$0] }
            let value = Self.text(result["value"]) ?? Self.text(result["status"]).map(Self.words)
                ?? Self.text(result["achievedLevel"])
            guard let line = [name, value].compactMap({ $0 }).joined(separator: ": ").nilIfEmpty else { continue }
            results.append(line)
        }
        card["results"] = results
        card["hasResults"] = !results.isEmpty

        var alignments: [[String: String]] = []
        for alignment in achievement?["alignment"]?.arrayValue ?? [] {
            guard let name = Self.text(alignment["targetName"]) else { continue }
            var item = ["name": name]
            if let url = alignment["targetUrl"]?.stringValue, Self.isWebURL(url) { item["url"] = url }
            let detail = [Self.text(alignment["targetFramework"]), Self.text(alignment["targetCode"])].compactMap { $0 }
            if !detail.isEmpty { item["detail"] = detail.joined(separator: ", ") }
            alignments.append(item)
        }
        card["alignments"] = alignments
        card["hasAlignments"] = !alignments.isEmpty
        return card
    }

    // MARK: Reading values

    /// The first element of an array, or the value itself.
    static func first(_ value: JSONValue?) -> JSONValue? {
        if let array = value?.arrayValue { return array.first }
        return value
    }

    /// The strings of a string or an array of strings.
    static func strings(_ value: JSONValue?) -> [String] {
        if let text = value?.stringValue { return [text] }
        return value?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// Text for display: a string, a number, or the first value of a language map (`{"en": "…"}`); trimmed, at most
    /// 2 000 characters.
    static func text(_ value: JSONValue?) -> String? {
        let raw: String?
        switch value {
        case .string(let text)?: raw = text
        case .number(let number)?: raw = number.lexical
        case .object(let object)?: raw = object["@value"]?.stringValue ?? object.values.first?.stringValue
        default: raw = nil
        }
        guard let text = raw?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text.count > 2000 ? String(text.prefix(2000)) + "…" : text
    }

    /// An issuer or creator: its name, then its id or URL in parentheses.
    static func party(_ value: JSONValue?) -> String? {
        if let id = value?.stringValue { return id }
        let name = text(value?["name"])
        let id = text(value?["url"]) ?? text(value?["id"])
        switch (name, id) {
        case let (name?, id?): return "\(name) (\(id))"
        default: return name ?? id
        }
    }

    /// A profile's `otherIdentifier` entries as "type value" (`ext:OPEID` as "OPEID", `emailAddress` as "email
    /// address"), separated by semicolons; nil without any.
    static func otherIdentifiers(_ profile: JSONValue?) -> String? {
        let entries = (profile?["otherIdentifier"]?.arrayValue ?? []).compactMap { entry -> String? in
            guard let identifier = text(entry["identifier"]) else { return nil }
            guard let type = text(entry["identifierType"]) else { return identifier }
            return "\(type.hasPrefix("ext:") ? String(type.dropFirst(4)) : words(type)) \(identifier)"
        }
        return entries.isEmpty ? nil : entries.joined(separator: "; ")
    }

    /// The recipient: a name, the subject's id, or its identifiers (`identityType: identityHash`).
    static func recipient(_ subject: JSONValue?) -> String? {
        if let name = text(subject?["name"]) { return name }
        if let id = text(subject?["id"]) { return id }
        let identifiers = subject?["identifier"]?.arrayValue?.compactMap { identifier -> String? in
            guard let hash = text(identifier["identityHash"]) else { return nil }
            let type = text(identifier["identityType"]).map(words) ?? ""
            let hashed = identifier["hashed"]?.boolValue == true ? " (hashed)" : ""
            return type.isEmpty ? hash + hashed : "\(type): \(hash)\(hashed)"
        } ?? []
        return identifiers.isEmpty ? nil : identifiers.joined(separator: "; ")
    }

    /// An RFC 3339 date-time as "1 January 2026, 09:30 UTC"; the text as given when it does not parse.
    static func date(_ text: String?) -> String? {
        guard let text else { return nil }
        let parser = ISO8601DateFormatter()
        var parsed = parser.date(from: text)
        if parsed == nil {
            parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            parsed = parser.date(from: text)
        }
        guard let date = parsed else { return text }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMMM yyyy, HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    /// `isParentOf` → "is parent of", `BachelorDegree` → "bachelor degree".
    static func words(_ identifier: String) -> String {
        var out = ""
        for character in identifier {
            if character.isUppercase, !out.isEmpty, out.last != " " { out.append(" ") }
            out.append(character == "_" ? " " : Character(character.lowercased()))
        }
        return out
    }

    /// A `data:` image URI from an image value (a string or an `Image` object's `id`); nil for anything else, since
    /// the page's Content-Security-Policy loads no image from elsewhere.
    static func dataImage(_ value: JSONValue?) -> String? {
        guard let uri = value?.stringValue ?? value?["id"]?.stringValue else { return nil }
        let allowed = ["data:image/png;base64,", "data:image/jpeg;base64,", "data:image/gif;base64,",
                       "data:image/webp;base64,", "data:image/svg+xml;base64,"]
        return allowed.contains { uri.lowercased().hasPrefix($0) } && uri.count <= 2 << 20 ? uri : nil
    }

    /// Whether `url` is an absolute http(s) URL (never `javascript:` or `data:`).
    static func isWebURL(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else { return false }
        return (scheme == "https" || scheme == "http") && components.host?.isEmpty == false
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
