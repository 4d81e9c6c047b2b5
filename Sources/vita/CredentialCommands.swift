import ArgumentParser
import Foundation
import VitaCredentials
import VitaJSON

/// Reads a file, or standard input for `-`.
func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("cannot read \(path)") }
    return Array(data)
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Signing keys for standalone use.", subcommands: [Generate.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new Ed25519 key as a Multikey with its did:key (the secret is in secretKeyMultibase).")

        @Option(help: "Key type; ed25519 is supported so far.") var type = "ed25519"

        func run() async throws {
            try await reportingFailures {
                guard type == "ed25519" else {
                    throw CommandFailure("--type \(type) is not supported yet; use ed25519")
                }
                let key = Ed25519KeyPair()
                let did = key.didKey
                var object = JSONObject()
                object["type"] = "Multikey"
                object["id"] = .string(did.verificationMethodID)
                object["controller"] = .string(did.did)
                object["publicKeyMultibase"] = .string(key.publicKeyMultibase)
                object["secretKeyMultibase"] = .string(key.secretKeyMultibase)
                print(JSONValue.object(object).serializedString(options: JSONWriteOptions(prettyPrinted: true)))
            }
        }
    }
}

struct Sign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add a Data Integrity proof to a credential with a key file (no database).",
        discussion: """
            The verification method is the key's did:key; a credential without an issuer gets the key's DID as issuer. \
            The key file is what `vita keys generate` prints.
            """)

    @Option(help: "The key file (Multikey JSON with secretKeyMultibase).") var key: String
    @Option(help: "eddsa-rdfc-2022 or eddsa-jcs-2022.") var suite = "eddsa-rdfc-2022"
    @Argument(help: "The credential (JSON file, or - for standard input).") var credential: String

    func run() async throws {
        try await reportingFailures {
            guard let cryptosuite = Cryptosuite(rawValue: suite), cryptosuite != .eddsa2022Legacy else {
                throw CommandFailure("--suite must be eddsa-rdfc-2022 or eddsa-jcs-2022 (vc-jwt is not supported yet)")
            }
            let keyFile: JSONValue
            do { keyFile = try JSONValue(parsing: try readInput(key)) } catch let error as JSONError {
                throw CommandFailure("the key file is not JSON: \(error)")
            }
            guard let secret = keyFile.objectValue?["secretKeyMultibase"]?.stringValue else {
                throw CommandFailure("the key file has no secretKeyMultibase")
            }
            let pair: Ed25519KeyPair
            do { pair = try Ed25519KeyPair(secretKeyMultibase: secret) } catch {
                throw CommandFailure("the key file's secretKeyMultibase is not an Ed25519 key")
            }
            guard case .object(var document) = try parseCredential(credential) else {
                throw CommandFailure("the credential must be a JSON object")
            }
            if document["issuer"] == nil { document["issuer"] = .string(pair.didKey.did) }
            let options = ProofOptions(cryptosuite: cryptosuite, verificationMethod: pair.didKey.verificationMethodID)
            do {
                let signed = try DataIntegrity.addProof(to: .object(document), options: options, signer: pair)
                print(signed.serializedString(options: JSONWriteOptions(prettyPrinted: true)))
            } catch {
                throw CommandFailure("cannot sign: \(error)")
            }
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a credential and print the report.",
        discussion: "Exit status: 0 verified, 1 not verified, 2 unusable input.")

    @Flag(help: "Print the report as JSON.") var json = false
    @Argument(help: "The credential (JSON file, or - for standard input).") var credential: String

    func run() async throws {
        let document: JSONValue
        do {
            document = try parseCredential(credential)
        } catch {
            FileHandle.standardError.write(Data("vita: \(CommandFailure.describe(error))\n".utf8))
            throw ExitCode(2)
        }
        let report = await CredentialVerifier().verify(document)
        if json {
            print(report.json.serializedString(options: JSONWriteOptions(prettyPrinted: true)))
        } else {
            print(report)
        }
        if report.verdict != .valid { throw ExitCode(1) }
    }
}

/// Parses a credential file strictly, with a message naming the position of the first error.
func parseCredential(_ path: String) throws -> JSONValue {
    let bytes = try readInput(path)
    do {
        return try JSONValue(parsing: bytes)
    } catch let error as JSONError {
        throw CommandFailure("\(path == "-" ? "standard input" : path) is not valid JSON: \(error)")
    }
}
