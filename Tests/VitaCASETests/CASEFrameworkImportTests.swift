import Foundation
import Testing
import VitaCASE
import VitaCore
import VitaJSON

struct CASEFrameworkImportTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let later = Date(timeIntervalSince1970: 1_800_086_400)

    /// Ids made in sequence, so that tests can name them.
    final class IDs: @unchecked Sendable {
        var next = 0
        func make(_ prefix: String) -> String {
            next += 1
            return "\(prefix)_\(next)"
        }
    }

    static func plan(_ package: CASEPackage, existing: CompetencyFramework? = nil, competencies: [Competency] = [],
                     at date: Date = now, ids: IDs = IDs()) -> CASEFrameworkImport {
        CASEFrameworkImport(package: package, organizationId: "org_1", retrievedFrom: nil, existing: existing,
                            existingCompetencies: competencies, now: date, makeID: ids.make)
    }

    /// A small package: `items` as (identifier, statement, parent identifier or nil, sequence number or nil).
    static func package(_ items: [(String, String, String?, Int?)], title: String = "Framework") throws -> CASEPackage {
        var itemObjects: [String] = []
        var associations: [String] = []
        for (identifier, statement, parent, sequence) in items {
            itemObjects.append(#"{"identifier":"\#(identifier)","uri":"https://f.example/items/\#(identifier)","fullStatement":"\#(statement)","humanCodingScheme":"C.\#(identifier)"}"#)
            let destination = parent ?? "doc"
            let number = sequence.map { #","sequenceNumber":\#($0)"# } ?? ""
            associations.append(#"{"identifier":"a-\#(identifier)","associationType":"isChildOf","uri":"https://f.example/a/\#(identifier)","originNodeURI":{"title":"x","identifier":"\#(identifier)","uri":"https://f.example/items/\#(identifier)"},"destinationNodeURI":{"title":"y","identifier":"\#(destination)","uri":"https://f.example/items/\#(destination)"}\#(number),"lastChangeDateTime":"2026-01-01T00:00:00Z"}"#)
        }
        return try CASEPackage(try JSONValue(parsing: #"""
            {"CFDocument":{"identifier":"doc","uri":"https://f.example/doc","title":"\#(title)","creator":"Board","lastChangeDateTime":"2026-01-01T00:00:00Z"},
             "CFItems":[\#(itemObjects.joined(separator: ","))],"CFAssociations":[\#(associations.joined(separator: ","))]}
            """#))
    }

    static func byStatement(_ competencies: [Competency]) -> [String: Competency] {
        Dictionary(uniqueKeysWithValues: competencies.map { ($0.description ?? "", $0) })
    }

    @Test("a first import creates the framework and a competency per item, placed under its parent in order")
    func firstImport() throws {
        let plan = Self.plan(try CASEPackageTests.packageFromExample("opensalt-smart-level"))
        #expect(plan.isNewFramework)
        #expect(plan.changesSomething)
        #expect(plan.framework.title == "SmartLevel Test")
        #expect(plan.framework.caseIdentifier == "d0000000-0000-0000-0000-000000000000")
        #expect(plan.framework.version == 1)
        #expect(plan.framework.itemCount == 14)
        #expect(plan.created.count == 14)
        #expect(plan.updated.isEmpty && plan.retired.isEmpty && plan.unchangedCount == 0)
        let items = Self.byStatement(plan.created)
        let item1 = try #require(items["Item 1"])
        #expect(item1.parentId == nil && item1.position == 1)
        #expect(items["Item 2"]?.position == 2)
        #expect(items["Item 1.10"]?.parentId == item1.id)
        #expect(items["Item 1.10"]?.position == 10)
        #expect(items["Item 2.2"]?.parentId == items["Item 2"]?.id)
        for competency in plan.created {
            #expect(competency.frameworkId == plan.framework.id)
            #expect(competency.organizationId == "org_1")
            #expect(competency.framework == "SmartLevel Test")
            #expect(competency.caseItemURI?.hasPrefix("https://server/ims/case/v1p0/CFItems/") == true)
            #expect(competency.caseItemIdentifier != nil)
            #expect(competency.retiredAt == nil)
        }
    }

    @Test("without sequence numbers, siblings follow their codes in numeric order (L1.2 before L1.10)")
    func numericCodeOrder() throws {
        let plan = Self.plan(try CASEPackageTests.packageFromExample("opensalt-ordering"))
        let byCode = Dictionary(uniqueKeysWithValues: plan.created.map { ($0.code ?? "", $0) })
        let level = try #require(byCode["H.A.MATH.GM.PF.2DFP.L1"])
        for n in 1...24 {
            let child = try #require(byCode["H.A.MATH.GM.PF.2DFP.L1.\(n)"])
            #expect(child.parentId == level.id)
            #expect(child.position == n, "L1.\(n)")
        }
        // The levels above: the second under the first.
        #expect(byCode["H.A.MATH.GM.PF.2DFP"]?.parentId == byCode["H.A.MATH.GM.PF"]?.id)
    }

    @Test("sequence numbers order siblings, and a CASE 1.0 export's string sequence numbers count too")
    func sequenceNumbers() throws {
        let plan = Self.plan(try CASEPackageTests.packageFromExample("opensalt-sample-what-standards-could-be"))
        let byCode = Dictionary(uniqueKeysWithValues: plan.created.map { ($0.code ?? "", $0) })
        #expect(byCode["CCSS.Math.Content.6.RP.A"]?.position == 1)
        #expect(byCode["CCSS.Math.Content.7.RP.A"]?.position == 2)
        #expect(byCode["CCSS.Math.Content.6.RP.A.3b"]?.parentId == byCode["CCSS.Math.Content.6.RP.A.3"]?.id)
        #expect(byCode["CCSS.Math.Content.6.RP.A.3b"]?.position == 2)
        #expect(byCode["CCSS.Math.Content.6.RP.A"]?.itemType == "Cluster")
        let sequenced = try Self.package([("b", "B", nil, 2), ("a", "A", nil, nil), ("c", "C", nil, 1)])
        let order = Self.plan(sequenced).created.sorted { $0.position! < $1.position! }.map(\.description)
        #expect(order == ["C", "B", "A"])
    }

    @Test("importing the same package again changes nothing")
    func sameAgain() throws {
        let first = Self.plan(try Self.package([("a", "A", nil, nil), ("b", "B", "a", nil)]))
        let again = Self.plan(try Self.package([("a", "A", nil, nil), ("b", "B", "a", nil)]), existing: first.framework,
                              competencies: first.created, at: Self.later)
        #expect(!again.changesSomething)
        #expect(again.unchangedCount == 2)
        #expect(again.framework == first.framework)
    }

    @Test("a changed package updates items in place, adds new ones and retires those it no longer holds")
    func changedPackage() throws {
        let ids = IDs()
        let first = Self.plan(try Self.package([("a", "A", nil, nil), ("b", "B", "a", nil), ("c", "C", "a", nil)]), ids: ids)
        let second = Self.plan(try Self.package([("a", "A", nil, nil), ("b", "B revised", "a", nil), ("d", "D", "b", nil)],
                                                title: "Framework 2"),
                               existing: first.framework, competencies: first.created, at: Self.later, ids: ids)
        #expect(second.changesSomething && !second.isNewFramework)
        #expect(second.framework.id == first.framework.id)
        #expect(second.framework.version == 2)
        #expect(second.framework.title == "Framework 2")
        #expect(second.framework.updatedAt == Self.later && second.framework.createdAt == Self.now)
        let old = Self.byStatement(first.created)
        // a: renamed framework only; b: new statement; both keep their ids.
        #expect(Set(second.updated.map(\.id)) == [old["A"]!.id, old["B"]!.id])
        #expect(second.updated.first { $0.id == old["B"]!.id }?.description == "B revised")
        #expect(second.updated.allSatisfy { $0.framework == "Framework 2" })
        #expect(second.created.map(\.description) == ["D"])
        #expect(second.created.first?.parentId == old["B"]!.id)
        #expect(second.retired.map(\.id) == [old["C"]!.id])
        #expect(second.retired.first?.retiredAt == Self.later)
        #expect(second.unchangedCount == 0)

        // c comes back: it is restored under its old id.
        let all = second.updated + second.created + second.retired
        let third = Self.plan(try Self.package([("a", "A", nil, nil), ("b", "B revised", "a", nil), ("c", "C", "a", nil),
                                                ("d", "D", "b", nil)], title: "Framework 2"),
                              existing: second.framework, competencies: all, at: Self.later, ids: ids)
        #expect(third.updated.map(\.id) == [old["C"]!.id])
        #expect(third.updated.first?.retiredAt == nil)
        #expect(third.created.isEmpty && third.retired.isEmpty)
        #expect(third.unchangedCount == 3)
    }

    @Test("isChildOf associations that form a cycle cannot make an item its own ancestor: the closing link is dropped")
    func cycles() throws {
        let plan = Self.plan(try Self.package([("a", "A", "c", nil), ("b", "B", "a", nil), ("c", "C", "b", nil),
                                               ("s", "S", "s", nil)]))
        let items = Self.byStatement(plan.created)
        // Walking up from a (the first item): a → c → b → a; b's link back to a closes the cycle.
        #expect(items["B"]?.parentId == nil)
        #expect(items["C"]?.parentId == items["B"]?.id)
        #expect(items["A"]?.parentId == items["C"]?.id)
        #expect(items["S"]?.parentId == nil)
    }

    @Test("an item's name is its abbreviated statement, else its full statement cut to 500 characters")
    func names() throws {
        let long = String(repeating: "word ", count: 150)
        let package = try CASEPackage(try JSONValue(parsing: #"""
            {"CFDocument":{"identifier":"doc","uri":"https://f.example/doc","title":"F"},
             "CFItems":[{"identifier":"a","uri":"https://f.example/a","fullStatement":"Understand ratio concepts.","abbreviatedStatement":"Ratios"},
                        {"identifier":"b","uri":"https://f.example/b","fullStatement":"\#(long)"}]}
            """#))
        let plan = Self.plan(package)
        #expect(plan.created[0].name == "Ratios")
        #expect(plan.created[0].description == "Understand ratio concepts.")
        #expect(plan.created[1].name.count == 500)
        #expect(plan.created[1].name.hasSuffix("…"))
        #expect(plan.created[1].description == long)
        for competency in plan.created { try competency.validate() }
    }
}

extension CASEPackageTests {
    static func packageFromExample(_ name: String) throws -> CASEPackage {
        try CASEPackage(try example(name))
    }
}
