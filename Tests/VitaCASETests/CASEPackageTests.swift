import Foundation
import Testing
import VitaCASE
import VitaCore
import VitaJSON

struct CASEPackageTests {
    static func example(_ name: String) throws -> JSONValue {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json",
                                                 subdirectory: "Resources/case-examples"))
        return try JSONValue(parsing: try Data(contentsOf: url))
    }

    static func failures(_ text: String) -> [String] {
        do {
            _ = try CASEPackage(try JSONValue(parsing: text))
            return []
        } catch let failures as ValidationFailures {
            return failures.failures.map { "\($0.field ?? ""): \($0.reason)" }
        } catch {
            return ["\(error)"]
        }
    }

    @Test("a package valid against CASE 1.1 is read with no deviations: its document, items and isChildOf associations")
    func conformingPackage() throws {
        let package = try CASEPackage(try Self.example("opensalt-smart-level"))
        #expect(package.document.title == "SmartLevel Test")
        #expect(package.document.identifier == "d0000000-0000-0000-0000-000000000000")
        #expect(package.document.creator == "OpenSALT Testing")
        #expect(package.items.count == 14)
        #expect(package.childAssociations.count == 14)
        #expect(package.deviations.isEmpty)
        #expect(package.deviationCount == 0)
        #expect(package.digest.hasPrefix("sha256:"))
    }

    @Test("a CASE 1.0 export is read, and what CASE 1.1 does not allow in it is reported by path and reason")
    func case10Export() throws {
        let package = try CASEPackage(try Self.example("opensalt-sample-what-standards-could-be"))
        #expect(package.items.count == 16)
        // Of 39 associations of five types only the 16 isChildOf place items; two carry string sequence numbers.
        #expect(package.childAssociations.count == 16)
        #expect(package.childAssociations.compactMap(\.sequenceNumber).sorted() == [1, 2])
        // Python's jsonschema 4.26 (Draft201909Validator, formats checked) finds 120 errors in this file: 59 formats,
        // 5 types and 56 objects with properties CASE 1.1 does not allow, 88 properties in all; Vita reports each
        // property on its own, so 59 + 5 + 88.
        #expect(package.deviationCount == 152)
        #expect(package.deviations.count <= CASEPackage.maximumDeviations)
        // Items carry CASE 1.0's CFDocumentURI, and date-times have no zone.
        #expect(package.deviations.contains { $0.path == "/CFItems/0/CFDocumentURI" && $0.reason.contains("additionalProperties") })
        #expect(package.deviations.contains { $0.path == "/CFDocument/lastChangeDateTime" })
    }

    @Test("text outside the Basic Multilingual Plane survives reading")
    func utf8() throws {
        let package = try CASEPackage(try Self.example("opensalt-utf8"))
        #expect(package.document.title == "UTF8 \u{1D451} Test")
        #expect(package.items.map(\.fullStatement) == ["Item \u{1D451} 1"])
        #expect(package.deviations.isEmpty)
    }

    @Test("the digest is of the canonical form: key order and spacing do not change it")
    func digestIsCanonical() throws {
        let a = try CASEPackage(try JSONValue(parsing: #"{"CFDocument":{"identifier":"d1","uri":"https://f.example/d1","title":"F"}}"#))
        let b = try CASEPackage(try JSONValue(parsing: #"{ "CFDocument" : { "title":"F", "uri":"https://f.example/d1", "identifier":"d1" } }"#))
        let c = try CASEPackage(try JSONValue(parsing: #"{"CFDocument":{"identifier":"d1","uri":"https://f.example/d1","title":"G"}}"#))
        #expect(a.digest == b.digest)
        #expect(a.digest != c.digest)
    }

    @Test("a package an import could not get right is refused, every failure named by its path", arguments: [
        (#"[]"#, ": must be a CASE CFPackage object"),
        (#"{"CFItems":[]}"#, "CFDocument: is required: the framework's CFDocument object"),
        (#"{"CFDocument":{"uri":"https://f.example/d","title":"F"}}"#, "CFDocument.identifier: must be an identifier of 1 to 200 characters (CASE: a UUID)"),
        (#"{"CFDocument":{"identifier":"d","uri":"frameworks/d","title":"F"}}"#, "CFDocument.uri: must be an absolute URI"),
        (#"{"CFDocument":{"identifier":"d","uri":"https://f.example/d","title":"  "}}"#, "CFDocument.title: must not be empty"),
        (#"{"CFDocument":{"identifier":"d","uri":"https://f.example/d","title":"F"},"CFItems":{}}"#, "CFItems: must be an array"),
        (#"{"CFDocument":{"identifier":"d","uri":"https://f.example/d","title":"F"},"CFItems":[7]}"#, "CFItems[0]: must be a CFItem object"),
        (#"{"CFDocument":{"identifier":"d","uri":"https://f.example/d","title":"F"},"CFItems":[{"identifier":"i","uri":"https://f.example/i"}]}"#,
         "CFItems[0].fullStatement: must not be empty"),
        (#"{"CFDocument":{"identifier":"d","uri":"https://f.example/d","title":"F"},"CFItems":[{"identifier":"i","uri":"https://f.example/i","fullStatement":"A"},{"identifier":"i","uri":"https://f.example/j","fullStatement":"B"}]}"#,
         "CFItems[1].identifier: is used twice in the package"),
        (#"{"CFDocument":{"identifier":"d","uri":"https://f.example/d","title":"F"},"CFItems":[{"identifier":"d","uri":"https://f.example/i","fullStatement":"A"}]}"#,
         "CFItems[0].identifier: is used twice in the package"),
        (#"{"CFDocument":{"identifier":"d","uri":"https://f.example/d","title":"F"},"CFAssociations":[null]}"#, "CFAssociations[0]: must be a CFAssociation object"),
    ])
    func refusals(text: String, failure: String) {
        #expect(Self.failures(text).contains(failure), "\(Self.failures(text))")
    }

    @Test("every failure of a package is named at once, not only the first")
    func allFailuresNamed() {
        let failures = Self.failures(#"""
            {"CFDocument":{"identifier":"d","uri":"https://f.example/d","title":"F"},
             "CFItems":[{"identifier":"i1","uri":"rel","fullStatement":"A"},{"uri":"https://f.example/i2","fullStatement":""}]}
            """#)
        #expect(failures.count == 3, "\(failures)")
        #expect(failures.contains("CFItems[0].uri: must be an absolute URI"))
        #expect(failures.contains("CFItems[1].fullStatement: must not be empty"))
    }

    @Test("a package of more items than one import takes is refused before its items are read")
    func tooManyItems() {
        let item = #"{"identifier":"i","uri":"https://f.example/i","fullStatement":"A"}"#
        let items = Array(repeating: item, count: CASEPackage.maximumItems + 1).joined(separator: ",")
        let failures = Self.failures(#"{"CFDocument":{"identifier":"d","uri":"https://f.example/d","title":"F"},"CFItems":["# + items + "]}")
        #expect(failures == ["CFItems: holds 50001 items; at most 50000 are imported at once"])
    }
}
