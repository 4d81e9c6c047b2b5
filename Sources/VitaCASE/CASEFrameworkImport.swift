import Foundation
import VitaCore

/// What importing a ``CASEPackage`` changes: the framework record and the competencies of its items, worked out
/// against what an earlier import left (`docs/CASE.md`, "Rules of an import"). Pure: the caller stores the result in
/// one transaction.
///
/// 1. The framework is the organization's framework with the document's `identifier`; a first import creates it.
/// 2. Each item is the framework's competency with the item's `identifier`; an item seen for the first time becomes a
///    new competency, one whose values differ is updated in place (its id, and the assertions naming it, stay), one
///    no longer in the package is retired (`retiredAt`), never deleted; a retired item that comes back is restored.
/// 3. An item's values: the name is its `abbreviatedStatement`, else its `fullStatement` (cut at 500 characters);
///    the description its `fullStatement`; the code its `humanCodingScheme`; its parent the item its first
///    `isChildOf` association names (none when that is the document, an item outside the package, or would make the
///    item its own ancestor); its position among its parent's children by the association's `sequenceNumber`, else
///    the item's `listEnumeration` when it is a number (numbered items first), then by `humanCodingScheme` in
///    numeric order (`L1.2` before `L1.10`), then in the package's order.
/// 4. A package whose digest equals the last import's changes nothing at all.
public struct CASEFrameworkImport: Sendable {
    /// The framework as it stands after the import.
    public var framework: CompetencyFramework
    /// Whether the framework is new (a first import).
    public var isNewFramework: Bool
    /// Competencies to insert.
    public var created: [Competency]
    /// Competencies whose values changed (restored ones among them).
    public var updated: [Competency]
    /// Competencies whose items left the framework, now retired.
    public var retired: [Competency]
    /// How many items matched their competency exactly.
    public var unchangedCount: Int

    /// What the import does, in words: "created 4, updated 0, retired 1, unchanged 3".
    public var counts: String {
        "created \(created.count), updated \(updated.count), retired \(retired.count), unchanged \(unchangedCount)"
    }

    /// Whether anything is to be written: false only for the last import's package again (rule 4); any other package
    /// is a new framework or a new version of it, even when no competency changed.
    public var changesSomething: Bool

    /// Works out the import of `package` for `organizationId`, given the framework an earlier import left (if any) and
    /// all its competencies (none needed when ``isUnchanged(_:_:)``). `makeID` makes a new id with the given prefix.
    public init(package: CASEPackage, organizationId: String, retrievedFrom: String?, existing: CompetencyFramework?,
                existingCompetencies: [Competency], now: Date, makeID: (String) -> String) {
        let source = CompetencyFramework.Source(retrievedFrom: retrievedFrom, digest: package.digest, importedAt: now)
        let document = package.document
        if let existing, Self.isUnchanged(package, existing) {
            framework = existing
            changesSomething = false
            isNewFramework = false
            created = []
            updated = []
            retired = []
            unchangedCount = existing.itemCount
            return
        }

        var framework = existing ?? CompetencyFramework(
            id: makeID("cfw"), organizationId: organizationId, caseIdentifier: document.identifier, caseURI: document.uri,
            title: document.title, itemCount: 0, source: source, createdAt: now, updatedAt: now)
        framework.caseURI = document.uri
        framework.title = document.title
        framework.creator = document.creator
        framework.publisher = document.publisher
        framework.frameworkVersion = document.version
        framework.description = document.description
        framework.language = document.language
        framework.adoptionStatus = document.adoptionStatus
        framework.officialSourceURL = document.officialSourceURL
        framework.lastChangeDateTime = document.lastChangeDateTime
        framework.itemCount = package.items.count
        framework.source = source
        if existing != nil {
            framework.version += 1
            framework.updatedAt = now
        }
        isNewFramework = existing == nil
        changesSomething = true

        var byItem: [String: Competency] = [:]
        for competency in existingCompetencies {
            if let identifier = competency.caseItemIdentifier { byItem[identifier] = competency }
        }
        // Every item's competency id first, so that parents can be named by id.
        var ids: [String: String] = [:]
        for item in package.items { ids[item.identifier] = byItem[item.identifier]?.id ?? makeID("cmp") }
        let placement = Self.placement(of: package)

        var created: [Competency] = []
        var updated: [Competency] = []
        var unchanged = 0
        for item in package.items {
            let place = placement[item.identifier]
            var competency = byItem[item.identifier] ?? Competency(
                id: ids[item.identifier]!, organizationId: organizationId, name: "", createdAt: now)
            let before = competency
            competency.name = Self.name(of: item)
            competency.description = item.fullStatement
            competency.framework = document.title
            competency.caseItemURI = item.uri
            competency.frameworkId = framework.id
            competency.caseItemIdentifier = item.identifier
            competency.code = item.humanCodingScheme
            competency.itemType = item.itemType
            competency.parentId = place?.parent.flatMap { ids[$0] }
            competency.position = place?.position
            competency.retiredAt = nil
            if byItem[item.identifier] == nil {
                created.append(competency)
            } else if competency != before {
                updated.append(competency)
            } else {
                unchanged += 1
            }
        }
        let kept = Set(package.items.map(\.identifier))
        retired = existingCompetencies.filter { competency in
            competency.retiredAt == nil && !kept.contains(competency.caseItemIdentifier ?? "")
        }.map { competency in
            var competency = competency
            competency.retiredAt = now
            return competency
        }
        self.framework = framework
        self.created = created
        self.updated = updated
        unchangedCount = unchanged
    }

    /// Rule 4: whether `package` is the one the framework's last import read (then the import changes nothing, and
    /// its competencies need not be given).
    public static func isUnchanged(_ package: CASEPackage, _ existing: CompetencyFramework) -> Bool {
        existing.source.digest == package.digest
    }

    /// Rule 3's name: the abbreviated statement, else the full statement, cut to the 500 characters a competency's
    /// name may hold.
    public static func name(of item: CASEPackage.Item) -> String {
        var text = Substring(item.abbreviatedStatement ?? item.fullStatement)
        while let first = text.unicodeScalars.first, first.properties.isWhitespace { text = text.dropFirst() }
        while let last = text.unicodeScalars.last, last.properties.isWhitespace { text = text.dropLast() }
        guard !CASEPackage.fits(String(text), 500) else { return String(text) }
        return String(text.prefix(499)) + "…"
    }

    /// Each item's parent item (nil for the top level) and its 1-based position among its parent's children.
    static func placement(of package: CASEPackage) -> [String: (parent: String?, position: Int)] {
        // Items by index: a framework has thousands, and each is looked up several times.
        let items = package.items
        var index: [String: Int] = [:]
        index.reserveCapacity(items.count)
        for (offset, item) in items.enumerated() { index[item.identifier] = offset }
        var parent = [Int?](repeating: nil, count: items.count)
        var sequence = [Int?](repeating: nil, count: items.count)
        var placed = [Bool](repeating: false, count: items.count)
        for association in package.childAssociations {
            guard let child = index[association.child], !placed[child] else { continue }
            placed[child] = true
            if let up = index[association.parent], up != child { parent[child] = up }
            // The first association placing the item decides its order too, under an item or the document.
            sequence[child] = association.sequenceNumber
        }
        // An item may not be its own ancestor: walking up from each item in the package's order, the link that
        // closes a cycle is dropped (that item goes to the top level). Items already walked end a walk.
        enum Walk { case unseen, onPath, done }
        var state = [Walk](repeating: .unseen, count: items.count)
        var path: [Int] = []
        for start in items.indices where state[start] == .unseen {
            var current = start
            state[current] = .onPath
            path.append(current)
            while let next = parent[current] {
                if state[next] == .onPath {
                    parent[current] = nil
                    break
                }
                if state[next] == .done { break }
                state[next] = .onPath
                path.append(next)
                current = next
            }
            for node in path { state[node] = .done }
            path.removeAll(keepingCapacity: true)
        }
        var siblings: [Int: [Int]] = [:]
        for offset in items.indices { siblings[parent[offset] ?? -1, default: []].append(offset) }
        var result: [String: (parent: String?, position: Int)] = [:]
        result.reserveCapacity(items.count)
        for (parentOffset, children) in siblings {
            let number = { (offset: Int) in sequence[offset] ?? items[offset].listEnumeration.flatMap { Int($0) } }
            let ordered = children.sorted { a, b in
                switch (number(a), number(b)) {
                case let (x?, y?) where x != y: return x < y
                case (.some, nil): return true
                case (nil, .some): return false
                default: break
                }
                // Codes in numeric order: `L1.2` before `L1.10`.
                if let x = items[a].humanCodingScheme, let y = items[b].humanCodingScheme, x != y {
                    return x.compare(y, options: [.numeric]) == .orderedAscending
                }
                return a < b
            }
            let parentIdentifier = parentOffset < 0 ? nil : items[parentOffset].identifier
            for (position, offset) in ordered.enumerated() {
                result[items[offset].identifier] = (parentIdentifier, position + 1)
            }
        }
        return result
    }
}
