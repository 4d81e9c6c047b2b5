import Foundation
import Testing
import VitaQR

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("SVG rendering")
struct SVGRenderingTests {
    /// Collects elements and attributes, and the title's text, from a parse.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var title = ""
        private var inTitle = false

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            elements.append((name, attributes))
            inTitle = name == "title"
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            inTitle = false
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inTitle { title += string }
        }
    }

    static func parse(_ svg: String) throws -> Collector {
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "SVG is not well-formed XML: \(String(describing: parser.parserError))")
        return collector
    }

    /// The runs drawn by the path, as (row, first column, end column) in symbol coordinates (quiet zone
    /// subtracted). Each run is "M<x> <y>h<n>v1h-<n>z".
    static func runs(fromPath path: String, quietZone: Int) throws -> [(row: Int, start: Int, end: Int)] {
        try path.split(separator: "z").map { run in
            let numbers = run.split(whereSeparator: { "Mhv- ".contains($0) }).compactMap { Int($0) }
            try #require(numbers.count == 5 && numbers[3] == 1 && numbers[2] == numbers[4] && numbers[2] > 0)
            return (numbers[1] - quietZone, numbers[0] - quietZone, numbers[0] - quietZone + numbers[2])
        }
    }

    @Test("the SVG is well-formed, one path on a light background, crisp, with role img and a title")
    func wellFormedStructure() throws {
        let code = try QRCode(text: "https://wallet.vita.example/wallet/share/Jd8Qk2ZpX7mN4rTa")
        let svg = code.svg(title: "QR code for the share link")
        let parsed = try Self.parse(svg)
        #expect(parsed.elements.map(\.name) == ["svg", "title", "rect", "path"])
        let root = parsed.elements[0].attributes
        let side = code.size + 8
        #expect(root["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root["viewBox"] == "0 0 \(side) \(side)")
        #expect(root["shape-rendering"] == "crispEdges")
        #expect(root["role"] == "img")
        #expect(root["width"] == "\(side * 4)")
        #expect(parsed.title == "QR code for the share link")
        #expect(!svg.contains("<script"))
        #expect(!svg.contains("style"))
        #expect(!svg.contains(" on"))  // no event handler attributes
    }

    @Test("the path draws exactly the dark modules, inside a four-module quiet zone")
    func pathMatchesMatrixWithQuietZone() throws {
        let code = try QRCode(text: "Zertifikat für Jürgen Müller ✓", level: .high)
        let parsed = try Self.parse(code.svg(title: "QR"))
        let path = try #require(parsed.elements.first { $0.name == "path" }?.attributes["d"])
        let runs = try Self.runs(fromPath: path, quietZone: 4)
        var drawn = Set<[Int]>()
        for run in runs {
            for column in run.start..<run.end {
                #expect(drawn.insert([run.row, column]).inserted, "module drawn twice")
            }
        }
        var dark = Set<[Int]>()
        for row in 0..<code.size {
            for column in 0..<code.size where code[row, column] {
                dark.insert([row, column])
            }
        }
        #expect(drawn == dark)
        // Runs are merged: no run in a row ends where another begins.
        let ends = Set(runs.map { [$0.row, $0.end] })
        #expect(!runs.contains { ends.contains([$0.row, $0.start]) })
        #expect(drawn.allSatisfy { $0[0] >= 0 && $0[1] >= 0 && $0[0] < code.size && $0[1] < code.size })
    }

    @Test("the title is escaped, so markup in it stays text")
    func titleIsEscaped() throws {
        let title = "Ada's <script>alert(\"x\")</script> & co"
        let svg = try QRCode(text: "1").svg(title: title)
        #expect(!svg.contains("<script>"))
        #expect(svg.contains("<title>Ada&apos;s &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</title>"))
        let parsed = try Self.parse(svg)
        #expect(parsed.title == title)
        #expect(parsed.elements.map(\.name) == ["svg", "title", "rect", "path"])
    }

    @Test("control characters XML cannot carry are dropped from the title")
    func controlCharactersDropped() throws {
        let svg = try QRCode(text: "1").svg(title: "a\u{0}b\u{1B}c")
        #expect(try Self.parse(svg).title == "abc")
    }
}
