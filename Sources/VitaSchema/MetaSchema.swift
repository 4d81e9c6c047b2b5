import VitaJSON

extension JSONSchema {
    /// The `$id` of the draft 2019-09 meta-schema.
    public static let draft201909MetaSchemaURI = "https://json-schema.org/draft/2019-09/schema"

    /// The compiled draft 2019-09 meta-schema (bundled; compiled once).
    public static func draft201909MetaSchema() throws(SchemaError) -> JSONSchema {
        switch metaSchemaCache {
        case .success(let schema): return schema
        case .failure(let error): throw error
        }
    }

    private static let metaSchemaCache: Result<JSONSchema, SchemaError> = {
        do throws(SchemaError) {
            return .success(try JSONSchema(uri: draft201909MetaSchemaURI))
        } catch {
            return .failure(error)
        }
    }()

    /// Validates a schema *document* against the 2019-09 meta-schema (core §8.1.1 and the
    /// vocabulary meta-schemas), reporting problems the compiler tolerates, such as
    /// unknown `format` spellings or misplaced `$anchor` syntax.
    public static func validateSchemaDocument(_ document: JSONValue) throws(SchemaError) -> ValidationResult {
        try draft201909MetaSchema().validate(document)
    }
}
