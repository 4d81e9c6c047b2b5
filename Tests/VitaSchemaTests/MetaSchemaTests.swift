import Testing
import VitaJSON
import VitaSchema

@Suite("Draft 2019-09 meta-schema")
struct MetaSchemaTests {
    @Test("every bundled 1EdTech schema is a valid 2019-09 schema", arguments: OneEdTechSchema.allCases)
    func bundledSchemasConform(_ which: OneEdTechSchema) throws {
        let document = try #require(SchemaRegistry.standard.document(at: which.uri))
        let result = try JSONSchema.validateSchemaDocument(document)
        #expect(result.isValid, "\(result)")
    }

    @Test("a malformed schema document is reported with the offending location")
    func malformed() throws {
        let result = try JSONSchema.validateSchemaDocument(["properties": ["name": ["type": 5, "minLength": -1]]])
        #expect(!result.isValid)
        #expect(result.errors.contains { $0.instanceLocation == "/properties/name/type" }, "\(result)")
        #expect(result.errors.contains { $0.instanceLocation == "/properties/name/minLength" }, "\(result)")
    }

    @Test("the standard registry holds the meta-schemas and the 1EdTech schemas by $id")
    func registryContents() {
        let uris = Set(SchemaRegistry.standard.uris)
        #expect(uris.contains(JSONSchema.draft201909MetaSchemaURI))
        #expect(uris.contains("https://json-schema.org/draft/2019-09/meta/applicator"))
        for which in OneEdTechSchema.allCases { #expect(uris.contains(which.uri)) }
    }
}
