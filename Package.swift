// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "vita",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vita", targets: ["vita"]),
        .executable(name: "vita-conformance", targets: ["vita-conformance"]),
        .executable(name: "vita-bench", targets: ["vita-bench"]),
        .library(name: "VitaJSON", targets: ["VitaJSON"]),
        .library(name: "VitaJSONLD", targets: ["VitaJSONLD"]),
        .library(name: "VitaCore", targets: ["VitaCore"]),
        .library(name: "VitaSchema", targets: ["VitaSchema"]),
        .library(name: "VitaCredentials", targets: ["VitaCredentials"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.1.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.20.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.32.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
    ],
    targets: [
        // Pure: JSON value type, strict parser, serializer, RFC 8785 canonical form.
        .target(name: "VitaJSON", swiftSettings: swiftSettings),
        // Pure: JSON-LD 1.1 expansion and toRdf, N-Quads, RDFC-1.0, bundled contexts.
        .target(
            name: "VitaJSONLD",
            dependencies: [
                "VitaJSON",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/contexts")],
            swiftSettings: swiftSettings
        ),
        // Pure: JSON Schema 2019-09 validation, with the 1EdTech schemas bundled.
        .target(
            name: "VitaSchema",
            dependencies: ["VitaJSON"],
            resources: [.copy("Resources/schemas")],
            swiftSettings: swiftSettings
        ),
        // The system zlib (Debian's zlib1g-dev), for the GZIP of Bitstring Status Lists.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Pure: verifiable credentials: did:key, Data Integrity proofs, VC-JWT, status lists, verification reports.
        .target(
            name: "VitaCredentials",
            dependencies: [
                "VitaCore",
                "VitaJSON",
                "VitaJSONLD",
                "VitaSchema",
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // Edge: network resolution for credentials: did:web, https controller documents, status lists over HTTP.
        .target(
            name: "VitaResolution",
            dependencies: [
                "VitaCredentials",
                "VitaJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // Pure: the Enterprise Learner Record model, profile rules, agreements, audit chain.
        .target(
            name: "VitaCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Pure: 1EdTech CASE 1.1 competency framework packages and the rules by which they become competencies.
        .target(name: "VitaCASE", dependencies: ["VitaCore", "VitaJSON", "VitaSchema"], swiftSettings: swiftSettings),
        // Pure: xAPI statements and the documented rules by which they become learner records (docs/XAPI.md).
        .target(name: "VitaXAPI", dependencies: ["VitaCore", "VitaJSON"], swiftSettings: swiftSettings),
        // Pure: OpenID for Verifiable Credential Issuance 1.0 — issuer metadata, credential offers, credential and
        // notification requests.
        .target(name: "VitaWalletProtocols", dependencies: ["VitaCore", "VitaJSON", "VitaCredentials"], swiftSettings: swiftSettings),
        // Pure: the OAuth 2.0 authorization server's rules: PKCE, scopes, client metadata, secrets, scrypt passwords, lockout.
        .target(
            name: "VitaOAuth",
            dependencies: [
                "VitaCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The one SQLite setting Swift cannot reach (a variadic C function), wrapped.
        .target(
            name: "CSQLiteSettings",
            dependencies: [.product(name: "SQLiteKit", package: "sqlite-kit")]
        ),
        // Edge: SQL storage (SQLite default, PostgreSQL in production) and migrations.
        .target(
            name: "VitaStorage",
            dependencies: [
                "CSQLiteSettings",
                "VitaCore",
                "VitaJSON",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Edge: issuing for organizations: keys sealed at rest, did:key / did:web identities, status lists.
        .target(
            name: "VitaIssuance",
            dependencies: ["VitaCore", "VitaStorage", "VitaJSON", "VitaCredentials"],
            swiftSettings: swiftSettings
        ),
        // Edge: outgoing HTTP to other Vitas (record transfer) and, from the command line, to a Vita's API.
        .target(
            name: "VitaPeer",
            dependencies: [.product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: swiftSettings
        ),
        // Pure: QR Code Model 2 encoder (ISO/IEC 18004:2015) and SVG renderer, no dependencies.
        .target(name: "VitaQR", swiftSettings: swiftSettings),
        // Prints QR matrices for scripts/check-qr (zxing-cpp decoding) and encoder timings.
        .executableTarget(name: "vita-qr-check", dependencies: ["VitaQR"], swiftSettings: swiftSettings),
        .target(
            name: "VitaExchange",
            dependencies: ["VitaJSON", "VitaOAuth", "VitaResolution"],
            swiftSettings: swiftSettings
        ),
        // Edge: the Learner API over HTTP.
        .target(
            name: "VitaAPI",
            dependencies: [
                "VitaCore",
                "VitaPeer",
                "VitaStorage",
                "VitaJSON",
                "VitaCredentials",
                "VitaIssuance",
                "VitaOAuth",
                "VitaSchema",
                "VitaExchange",
                "VitaResolution",
                "VitaQR",
                "VitaXAPI",
                "VitaCASE",
                "VitaWalletProtocols",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Resources/openapi-components.json")],
            swiftSettings: swiftSettings
        ),
        // Edge: the web interface (server-rendered Mustache pages, one stylesheet, CSRF), a client of VitaAPI.
        .target(
            name: "VitaWeb",
            dependencies: [
                "VitaAPI",
                "VitaCore",
                "VitaCredentials",
                "VitaJSON",
                "VitaStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            resources: [.copy("Resources/templates"), .copy("Resources/strings"), .copy("Resources/static")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "vita",
            dependencies: [
                "VitaCore",
                "VitaStorage",
                "VitaAPI",
                "VitaWeb",
                "VitaJSON",
                "VitaJSONLD",
                "VitaCredentials",
                "VitaIssuance",
                "VitaResolution",
                "VitaExchange",
                "VitaPeer",
                "VitaCASE",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "vita-conformance",
            dependencies: ["VitaJSON", "VitaJSONLD"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "vita-bench",
            dependencies: [
                "VitaJSON", "VitaJSONLD", "VitaCredentials", "VitaCASE", "VitaCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "VitaJSONTests", dependencies: ["VitaJSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "VitaJSONLDTests",
            dependencies: ["VitaJSON", "VitaJSONLD"],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VitaSchemaTests",
            dependencies: ["VitaJSON", "VitaSchema"],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VitaCredentialsTests",
            dependencies: ["VitaJSON", "VitaJSONLD", "VitaCredentials"],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        // Runs the built `vita` executable: exit codes and messages of the command line.
        .testTarget(name: "VitaCLITests", swiftSettings: swiftSettings),
        .testTarget(name: "VitaCoreTests", dependencies: ["VitaCore"], swiftSettings: swiftSettings),
        // Runs a real loopback HTTP server (Hummingbird) serving DID documents and status lists.
        .testTarget(
            name: "VitaResolutionTests",
            dependencies: [
                "VitaJSON",
                "VitaCredentials",
                "VitaResolution",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "VitaQRTests", dependencies: ["VitaQR"], resources: [.copy("Resources")], swiftSettings: swiftSettings),
        .testTarget(name: "VitaOAuthTests", dependencies: ["VitaCore", "VitaOAuth"], swiftSettings: swiftSettings),
        .testTarget(name: "VitaCASETests", dependencies: ["VitaCASE", "VitaCore", "VitaJSON"], resources: [.copy("Resources")], swiftSettings: swiftSettings),
        .testTarget(name: "VitaXAPITests", dependencies: ["VitaCore", "VitaJSON", "VitaXAPI"], swiftSettings: swiftSettings),
        .testTarget(name: "VitaWalletProtocolsTests", dependencies: ["VitaCore", "VitaCredentials", "VitaJSON", "VitaWalletProtocols", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        // Test support: temporary SQLite and PostgreSQL databases for the storage and API suites.
        .target(
            name: "VitaTestSupport",
            dependencies: ["VitaStorage", .product(name: "Logging", package: "swift-log")],
            path: "Tests/VitaTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VitaStorageTests",
            dependencies: ["VitaCore", "VitaStorage", "VitaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VitaIssuanceTests",
            dependencies: ["VitaCore", "VitaStorage", "VitaIssuance", "VitaTestSupport", "VitaJSON", "VitaCredentials"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VitaAPITests",
            dependencies: [
                "VitaCore",
                "VitaStorage",
                "VitaAPI",
                "VitaTestSupport",
                "VitaJSON",
                "VitaJSONLD",
                "VitaCredentials",
                "VitaOAuth",
                "VitaSchema",
                "VitaResolution",
                "VitaExchange",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Two real Vita servers on loopback ports with separate databases: record transfer between them.
        .testTarget(
            name: "VitaTransferTests",
            dependencies: [
                "VitaCore",
                "VitaStorage",
                "VitaAPI",
                "VitaPeer",
                "VitaTestSupport",
                "VitaJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VitaWebTests",
            dependencies: [
                "VitaAPI",
                "VitaCore",
                "VitaJSON",
                "VitaCredentials",
                "VitaResolution",
                "VitaStorage",
                "VitaTestSupport",
                "VitaWeb",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
