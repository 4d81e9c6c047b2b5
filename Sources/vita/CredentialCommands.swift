import ArgumentParser
import Foundation
import VitaCredentials
import VitaJSON
import VitaResolution

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
            abstract: "Print a new signing key: Ed25519 as a Multikey with its did:key, P-256 or RSA as a private JWK.",
            discussion: "The output holds the private key (secretKeyMultibase, or the JWK's d): store it like a password.")

        @Option(help: "ed25519 (eddsa suites and VC-JWT), p256 (ecdsa suites and ES256) or rsa (RS256).") var type = "ed25519"

        func run() async throws {
            try await reportingFailures {
                guard type == "ed25519" else {
                    guard let keyType = VCJWTKeyType(name: type) else {
                        throw CommandFailure("--type must be ed25519, p256 or rsa")
                    }
                    do {
                        print(try VCJWTSigningKey.generateSecretJWK(keyType)
                            .serializedString(options: JSONWriteOptions(prettyPrinted: true)))
                    } catch {
                        throw CommandFailure("cannot generate the key: \(error)")
                    }
                    return
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
        abstract: "Sign a credential with a key file (no database): a Data Integrity proof, or a VC-JWT.",
        discussion: """
            With an Ed25519 key (eddsa suites) or a P-256 key (ecdsa suites) the verification method is the key's \
            did:key, and a credential without an issuer gets the key's DID as issuer. For a VC-JWT, a P-256 or RSA key \
            (a private JWK) puts the public key in the jwk header, and the credential must name its issuer. The key \
            file is what `vita keys generate` prints.
            """)

    @Option(help: "The key file (Multikey JSON with secretKeyMultibase, or a private JWK).") var key: String
    @Option(help: "eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019, ecdsa-jcs-2019 or vc-jwt.") var suite = "eddsa-rdfc-2022"
    @Argument(help: "The credential (JSON, JWT, PNG or SVG file, or - for standard input).") var credential: String

    func run() async throws {
        try await reportingFailures {
            let cryptosuite = Cryptosuite(rawValue: suite)
            guard suite == "vc-jwt" || (cryptosuite != nil && cryptosuite != .eddsa2022Legacy) else {
                throw CommandFailure("--suite must be eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019, ecdsa-jcs-2019 or vc-jwt")
            }
            let keyFile: JSONValue
            do { keyFile = try JSONValue(parsing: try readInput(key)) } catch let error as JSONError {
                throw CommandFailure("the key file is not JSON: \(error)")
            }
            if let cryptosuite, cryptosuite.isECDSA {
                let pair: ECDSAKeyPair
                do { pair = try ECDSAKeyPair(secretJWK: keyFile) } catch let error as CredentialError {
                    throw CommandFailure("--suite \(suite) needs a P-256 or P-384 private JWK (vita keys generate --type p256): \(error.reason)")
                }
                try signWithProof(cryptosuite, signer: pair, did: pair.didKey)
                return
            }
            guard let secret = keyFile.objectValue?["secretKeyMultibase"]?.stringValue else {
                // A private JWK (P-256 or RSA): VC-JWT with the public key in the header.
                guard suite == "vc-jwt", keyFile.objectValue?["d"] != nil else {
                    throw CommandFailure("the key file has neither secretKeyMultibase nor, for --suite vc-jwt, a private JWK")
                }
                let signingKey: VCJWTSigningKey
                do { signingKey = try VCJWTSigningKey(secretJWK: keyFile) } catch {
                    throw CommandFailure("the key file is not a usable private JWK: \(error)")
                }
                do {
                    print(try await VCJWT.sign(credential: try parseCredential(credential), key: signingKey, embedJWK: true))
                } catch let error as CredentialError {
                    throw CommandFailure("cannot sign: \(error)")
                }
                return
            }
            let pair: Ed25519KeyPair
            do { pair = try Ed25519KeyPair(secretKeyMultibase: secret) } catch {
                throw CommandFailure("the key file's secretKeyMultibase is not an Ed25519 key")
            }
            guard let cryptosuite else {
                do {
                    print(try await VCJWT.sign(credential: .object(try credentialObject(issuer: pair.didKey)),
                                               key: VCJWTSigningKey(ed25519: pair), kid: pair.didKey.verificationMethodID))
                } catch {
                    throw CommandFailure("cannot sign: \(error)")
                }
                return
            }
            try signWithProof(cryptosuite, signer: pair, did: pair.didKey)
        }
    }

    /// The credential to sign, with the key's DID as its issuer when it names none.
    func credentialObject(issuer did: DIDKey) throws -> JSONObject {
        guard case .object(var document) = try parseCredential(credential) else {
            throw CommandFailure("the credential must be a JSON object")
        }
        if document["issuer"] == nil { document["issuer"] = .string(did.did) }
        return document
    }

    /// Prints the credential with a Data Integrity proof of `cryptosuite`, its verification method the key's did:key.
    func signWithProof(_ cryptosuite: Cryptosuite, signer: some ProofSigner, did: DIDKey) throws {
        let options = ProofOptions(cryptosuite: cryptosuite, verificationMethod: did.verificationMethodID)
        do {
            let signed = try DataIntegrity.addProof(to: .object(try credentialObject(issuer: did)), options: options, signer: signer)
            print(signed.serializedString(options: JSONWriteOptions(prettyPrinted: true)))
        } catch let error as CredentialError {
            throw CommandFailure("cannot sign: \(error)")
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a credential (JSON with an embedded proof, a compact VC-JWT, or a baked PNG/SVG badge) and print the report.",
        discussion: "Exit status: 0 verified, 1 not verified, 2 unusable input.")

    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "Resolve nothing over the network (did:web, https keys and status lists fail; did:key works). Also $VITA_OFFLINE_RESOLUTION.")
    var offline = false
    @Argument(help: "The credential (JSON, JWT, PNG or SVG file, or - for standard input).") var credential: String

    func run() async throws {
        let input: [UInt8]
        let resolutionConfiguration: ResolutionConfiguration
        do {
            input = try readInput(credential)
            // Anything but a baked image or a compact JWS must be strict JSON: say where it breaks, exit 2.
            if BadgeBaking.ImageFormat(sniffing: input) == nil {
                let text = String(decoding: input, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if text.split(separator: ".").count != 3 || text.hasPrefix("{") { _ = try parseCredential(credential, bytes: input) }
            }
            resolutionConfiguration = try Resolution.configuration(offline: offline)
        } catch {
            FileHandle.standardError.write(Data("vita: \(CommandFailure.describe(error))\n".utf8))
            throw ExitCode(2)
        }
        let resolution = ResolutionHTTPClient(configuration: resolutionConfiguration)
        let report = await CredentialVerifier(resolver: resolution.verificationMethodResolver,
                                              statusResolver: resolution.statusListResolver).verify(input: input)
        try? await resolution.shutdown()
        if json {
            print(report.json.serializedString(options: JSONWriteOptions(prettyPrinted: true)))
        } else {
            print(report)
        }
        if report.verdict != .valid { throw ExitCode(1) }
    }
}

/// Parses a credential file strictly, with a message naming the position of the first error.
func parseCredential(_ path: String, bytes: [UInt8]? = nil) throws -> JSONValue {
    let bytes = try bytes ?? readInput(path)
    do {
        return try JSONValue(parsing: bytes)
    } catch {
        throw CommandFailure("\(path == "-" ? "standard input" : path) is not valid JSON: \(error)")
    }
}

struct Bake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bake a credential (JSON or VC-JWT) into a PNG or SVG badge image, per the Open Badges 3.0 baking rules.",
        discussion: "The credential is not verified here; `vita verify` reads the baked image back.")

    @Argument(help: "The credential (JSON file or a file holding a compact VC-JWT, or - for standard input).") var credential: String
    @Option(help: "The PNG or SVG image to bake into (it must not carry a credential already).") var image: String
    @Option(help: "Where to write the baked image.") var output: String

    func run() async throws {
        try await reportingFailures {
            let bytes = try readInput(credential)
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let baked: BakedCredential = text.hasPrefix("{") ? .json(try parseCredential(credential, bytes: bytes))
                : .compactJWS(text)
            guard let picture = FileManager.default.contents(atPath: image) else { throw CommandFailure("cannot read \(image)") }
            do {
                let (_, result) = try BadgeBaking.bake(baked, into: Array(picture))
                guard FileManager.default.createFile(atPath: output, contents: Data(result)) else {
                    throw CommandFailure("cannot write \(output)")
                }
            } catch let error as CredentialError {
                throw CommandFailure("cannot bake into \(image): \(error.reason)")
            }
        }
    }
}
