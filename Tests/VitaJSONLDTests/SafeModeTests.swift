import Foundation
import Testing
import VitaJSON
import VitaJSONLD

@Suite("Safe mode: every piece of data JSON-LD would silently drop is reported with its JSON path")
struct SafeModeTests {
    static let v2 = "https://www.w3.org/ns/credentials/v2"
    static let ob = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    static let extensions = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

    static func credential(contexts: [String] = [v2, ob], _ edit: (inout JSONObject) -> Void = { _ in }) -> JSONValue {
        var subject: JSONObject = ["id": "did:example:learner", "type": ["AchievementSubject"]]
        subject["achievement"] = .object([
            "id": "https://example.edu/achievements/1", "type": ["Achievement"], "name": "Badge",
            "criteria": ["narrative": "Do it"],
        ])
        var c: JSONObject = [:]
        c["@context"] = .array(contexts.map(JSONValue.string))
        c["id"] = "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002"
        c["type"] = ["VerifiableCredential", "OpenBadgeCredential"]
        c["issuer"] = ["id": "https://example.edu/issuers/1", "type": ["Profile"], "name": "Example"]
        c["validFrom"] = "2024-01-01T00:00:00Z"
        c["name"] = "Badge"
        c["credentialSubject"] = .object(subject)
        edit(&c)
        return .object(c)
    }

    static func violations(_ doc: JSONValue) throws -> [SafeModeViolation] { try JSONLD.safeModeViolations(in: doc) }

    @Test("a well-formed OB 3.0 credential has no violations and safe mode changes nothing in its canonical form")
    func cleanCredential() throws {
        let doc = Self.credential()
        #expect(try Self.violations(doc).isEmpty)
        let safe = try JSONLD.canonicalize(doc, options: JSONLDOptions(safeMode: true))
        #expect(safe.canonicalNQuads == (try JSONLD.canonicalize(doc).canonicalNQuads))
    }

    @Test("an undefined term is an invalid property at its path; safe mode throws, the default silently drops it")
    func undefinedTerm() throws {
        let doc = Self.credential { c in
            var s = c["credentialSubject"]!.objectValue!
            s["favouriteColour"] = "blue"
            c["credentialSubject"] = .object(s)
        }
        let found = try Self.violations(doc)
        #expect(found.map(\.kind) == [.invalidProperty])
        #expect(found.first?.path == "$.credentialSubject.favouriteColour")
        // Dropped silently without safe mode: same N-Quads as without the term.
        #expect(try JSONLD.canonicalize(doc).canonicalNQuads == (try JSONLD.canonicalize(Self.credential()).canonicalNQuads))
        do {
            _ = try JSONLD.canonicalize(doc, options: JSONLDOptions(safeMode: true))
            Issue.record("safe mode did not throw")
        } catch {
            #expect(error.code == .safeModeViolation)
            #expect(error.reason.contains("$.credentialSubject.favouriteColour"))
            #expect(!error.reason.contains("blue"))
            #expect(error.violations == found)
        }
    }

    @Test("the quick-start \"type\": \"\" is a relative @type reference")
    func emptyType() throws {
        let doc = Self.credential { c in
            var s = c["credentialSubject"]!.objectValue!
            var a = s["achievement"]!.objectValue!
            a["criteria"] = ["type": "", "narrative": "Do it"]
            s["achievement"] = .object(a)
            c["credentialSubject"] = .object(s)
        }
        let found = try Self.violations(doc)
        #expect(found.map(\.kind) == [.relativeTypeReference])
        #expect(found.first?.path == "$.credentialSubject.achievement.criteria.type")
    }

    @Test("1EdTechJsonSchemaValidator2019 needs the extensions context; with it there is no violation")
    func extensionsContext() throws {
        let schema: JSONValue = [["id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                                  "type": "1EdTechJsonSchemaValidator2019"]]
        let without = Self.credential { $0["credentialSchema"] = schema }
        let found = try Self.violations(without)
        #expect(found.map(\.kind) == [.relativeTypeReference])
        #expect(found.first?.path == "$.credentialSchema[0].type")
        let with = Self.credential(contexts: [Self.v2, Self.ob, Self.extensions]) { $0["credentialSchema"] = schema }
        #expect(try Self.violations(with).isEmpty)
    }

    @Test("nodes whose ids are not IRIs: every relative @id is reported, and the canonical form shows why")
    func nonIRIIdentifiers() throws {
        let doc = Self.credential { c in
            c["id"] = "1234"
            c["issuer"] = ["id": "issuer-1", "type": ["Profile"], "name": "Example"]
            var s = c["credentialSubject"]!.objectValue!
            s["id"] = "learner"
            var a = s["achievement"]!.objectValue!
            a["id"] = "achievement-1"
            s["achievement"] = .object(a)
            c["credentialSubject"] = .object(s)
        }
        let found = try Self.violations(doc)
        #expect(Set(found.map(\.kind)) == [.relativeIDReference])
        #expect(Set(found.map(\.path)) == ["$.id", "$.issuer.id", "$.credentialSubject.id", "$.credentialSubject.achievement.id"])
        // Without safe mode the credential node and everything hanging off it vanish.
        let nquads = try JSONLD.canonicalize(doc).canonicalNQuads
        #expect(!nquads.contains("Badge"))
    }

    @Test("each kind of violation is found at its path", arguments: [
        (#"{"@context": {"@vocab": "_:"}, "@id": "http://ex.org/s", "p": "v"}"#, SafeModeViolation.Kind.blankNodePredicate, "$.p"),
        (#"{"@context": {"p": null}, "@id": "http://ex.org/s", "p": "v"}"#, .invalidProperty, "$.p"),
        (#"{"@id": "http://ex.org/s", "@foo": "v"}"#, .reservedTerm, "$['@foo']"),
        (#"{"@id": "@bar", "http://ex.org/p": "v"}"#, .reservedIDValue, "$['@id']"),
        (#"{"@context": {"p": {"@id": "http://ex.org/p", "@type": "@id"}}, "@id": "http://ex.org/s", "p": ["http://ex.org/o", "rel"]}"#, .relativeVocabReference, "$.p[1]"),
        (#"{"@context": {"p": {"@id": "http://ex.org/p", "@type": "@vocab"}}, "@id": "http://ex.org/s", "p": "rel"}"#, .relativeVocabReference, "$.p"),
        (#"{"@id": "http://ex.org/s", "http://ex.org/p": {"@value": null}}"#, .nullValue, "$['http://ex.org/p']"),
        (#"{"@id": "http://ex.org/s", "http://ex.org/p": {"@language": "en"}}"#, .nullValue, "$['http://ex.org/p']"),
        (#"{"@graph": ["loose", {"@id": "http://ex.org/s", "http://ex.org/p": "v"}]}"#, .freeFloatingValue, "$['@graph'][0]"),
        (#"{"@id": "http://ex.org/s", "http://ex.org/p": {"@value": "v", "@language": "not a tag"}}"#, .invalidLanguage, "$['http://ex.org/p']['@language']"),
        (#"{"@context": {"p": {"@id": "http://ex.org/p", "@container": "@language"}}, "@id": "http://ex.org/s", "p": {"en": "x", "not a tag": "y"}}"#, .invalidLanguage, "$.p['not a tag']"),
        (#"{"@id": "http://ex.org/s", "http://ex.org/p": {"@value": "v", "@direction": "rtl"}}"#, .directionDropped, "$['http://ex.org/p']['@direction']"),
        (#"{"@id": "http://ex.org/s", "@type": ["http://ex.org/T", "T2"]}"#, .relativeTypeReference, "$['@type'][1]"),
        (#"{"@id": "http://ex.org/s", "http://ex.org/p": {"@id": "http://ex.org/a#b#c"}}"#, .relativeIDReference, "$['http://ex.org/p']['@id']"),
    ])
    func eachKind(document: String, kind: SafeModeViolation.Kind, path: String) throws {
        let found = try Self.violations(try JSONValue(parsing: document))
        #expect(found.map(\.kind) == [kind], "\(found)")
        #expect(found.first?.path == path)
    }

    @Test("@direction is not a violation when an rdfDirection mode keeps it; generalized RDF keeps blank-node predicates")
    func optionsThatKeepData() throws {
        let direction = try JSONValue(parsing: #"{"@id": "http://ex.org/s", "http://ex.org/p": {"@value": "v", "@direction": "rtl"}}"#)
        #expect(try JSONLD.safeModeViolations(in: direction, options: JSONLDOptions(rdfDirection: .i18nDatatype)).isEmpty)
        let bnode = try JSONValue(parsing: #"{"@context": {"@vocab": "_:"}, "@id": "http://ex.org/s", "p": "v"}"#)
        #expect(try JSONLD.safeModeViolations(in: bnode, options: JSONLDOptions(produceGeneralizedRDF: true)).isEmpty)
    }

    @Test("a document base makes relative IRIs absolute: no violation")
    func baseResolves() throws {
        let doc = try JSONValue(parsing: #"{"@id": "s", "@type": "T", "http://ex.org/p": {"@id": "o"}}"#)
        #expect(try JSONLD.safeModeViolations(in: doc, options: JSONLDOptions(base: "https://ex.org/doc")).isEmpty)
        #expect(try JSONLD.safeModeViolations(in: doc).count == 3)
    }

    @Test("terms, @nest and keys that need quoting get precise paths; every violation is listed in processing order (@nest last)")
    func paths() throws {
        let doc = try JSONValue(parsing: #"""
        {"@context": {"@version": 1.1, "n": "@nest", "p": "http://ex.org/p"},
         "@id": "http://ex.org/s",
         "n": {"p": "x", "oops": 1},
         "it's": 2,
         "list": [1]}
        """#)
        let found = try Self.violations(doc)
        #expect(found.map(\.path) == ["$['it\\'s']", "$.list", "$.n.oops"])
        #expect(found.allSatisfy { $0.kind == .invalidProperty })
    }

    @Test("the OB 3.0 test vector and the complete OB 3.0 example have no violations")
    func publishedExamplesAreSafe() throws {
        let vector = try JSONValue(parsing: Data(contentsOf: standardsRoot.appendingPathComponent("ob-v3p0/test-vectors/eddsa-rdfc-2022/unsigned.json")))
        #expect(try JSONLD.safeModeViolations(in: vector).isEmpty)
        let complete = try JSONValue(parsing: Data(contentsOf: standardsRoot.appendingPathComponent("ob-v3p0/examples/complete-openbadgecredential.json")))
        let found = try JSONLD.safeModeViolations(in: complete)
        #expect(found.isEmpty, "\(found)")
    }
}
