import Foundation
import Testing
import VitaJSON
import VitaJSONLD

@Suite("Document loader, context limits and cycles")
struct DocumentLoaderTests {
    @Test("the default loader serves bundled contexts and rejects unknown URLs by name")
    func bundled() throws {
        let loader = BundledContextLoader()
        #expect(try loader.loadDocument("https://www.w3.org/ns/credentials/v2").document["@context"] != nil)
        #expect(BundledContextLoader.availableURLs.contains("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"))
        let url = "https://www.w3.org/2018/credentials/examples/v2"
        do {
            _ = try loader.loadDocument(url)
            Issue.record("unknown URL was served")
        } catch {
            #expect(error.code == .loadingDocumentFailed)
            #expect(error.description.contains(url))
        }
    }

    @Test("documents with an unknown context fail closed with the URL in the message")
    func equalityExamplesFailClosed() throws {
        let doc = try JSONValue(parsing: Data(contentsOf: standardsRoot.appendingPathComponent("ob-v3p0/examples/equality-credential-a.json")))
        do {
            _ = try JSONLD.canonicalize(doc)
            Issue.record("canonicalized a document with an unknown context")
        } catch {
            #expect(error.code == .loadingRemoteContextFailed)
            #expect(error.description.contains("https://www.w3.org/2018/credentials/examples/v2"))
        }
    }

    @Test("a context that includes itself is reported as recursive context inclusion")
    func recursiveContext() {
        let a = "https://example.org/a"
        let b = "https://example.org/b"
        let loader = StaticDocumentLoader([
            a: ["@context": [.string(b), ["x": "https://example.org/x"]]],
            b: ["@context": .string(a)],
        ])
        let doc: JSONValue = ["@context": .string(a), "x": "1"]
        do {
            _ = try JSONLD.expand(doc, options: JSONLDOptions(documentLoader: loader))
            Issue.record("cycle not detected")
        } catch {
            #expect(error.code == .recursiveContextInclusion)
        }
    }

    @Test("@import of a context that itself imports is rejected; import loops end")
    func importLoop() {
        let a = "https://example.org/a"
        let loader = StaticDocumentLoader([a: ["@context": ["@import": .string(a), "x": "https://example.org/x"]]])
        let doc: JSONValue = ["@context": ["@import": .string(a)], "x": "1"]
        #expect(throws: JSONLDError.self) { try JSONLD.expand(doc, options: JSONLDOptions(documentLoader: loader)) }
    }

    @Test("the number of remote contexts per document is capped")
    func contextCap() {
        var docs: [String: JSONValue] = [:]
        var refs: [JSONValue] = []
        for i in 0..<100 {
            let url = "https://example.org/c\(i)"
            docs[url] = ["@context": ["t\(i)": .string("https://example.org/t\(i)")]]
            refs.append(.string(url))
        }
        let doc: JSONValue = ["@context": .array(refs), "t1": "v"]
        let options = JSONLDOptions(documentLoader: StaticDocumentLoader(docs), maxRemoteContexts: 20, contextCache: ContextCache())
        do {
            _ = try JSONLD.expand(doc, options: options)
            Issue.record("cap not enforced")
        } catch {
            #expect(error.code == .contextOverflow)
        }
    }

    @Test("protected terms cannot be redefined (OB 3.0.3 protects its terms)")
    func protectedTerms() {
        let doc: JSONValue = [
            "@context": ["https://www.w3.org/ns/credentials/v2", ["name": "https://example.org/other-name"]],
            "type": "VerifiableCredential", "name": "x",
        ]
        do {
            _ = try JSONLD.expand(doc)
            Issue.record("redefined a protected term")
        } catch {
            #expect(error.code == .protectedTermRedefinition)
        }
    }

    @Test("canonicalization is thread-safe with the shared context cache")
    func concurrent() async throws {
        let data = try Data(contentsOf: standardsRoot.appendingPathComponent("ob-v3p0/examples/complete-openbadgecredential.json"))
        let expected = try String(contentsOf: standardsRoot.appendingPathComponent("ob-v3p0/examples/canonical/complete-openbadgecredential.nq"), encoding: .utf8)
        let bytes = Array(data)
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask { try JSONLD.canonicalize(jsonBytes: bytes).canonicalNQuads }
            }
            for try await out in group { #expect(out == expected) }
        }
    }
}
