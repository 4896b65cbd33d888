// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Corral",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "corral", targets: ["corral"]),
        .library(name: "ZooKeeperProtocol", targets: ["ZooKeeperProtocol"]),
        .library(name: "CorralCore", targets: ["CorralCore"]),
        .library(name: "CorralServer", targets: ["CorralServer"]),
        .library(name: "CorralClient", targets: ["CorralClient"]),
        .library(name: "CorralRecipes", targets: ["CorralRecipes"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .target(
            name: "ZooKeeperProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        .target(
            name: "CorralCore",
            dependencies: [
                "ZooKeeperProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(
            name: "CorralStorage",
            dependencies: [
                "ZooKeeperProtocol", "CorralCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .target(name: "CCorralSys"),
        .target(
            name: "CorralServer",
            dependencies: [
                "ZooKeeperProtocol", "CorralCore", "CorralStorage", "CCorralSys",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(
            name: "CorralClient",
            dependencies: [
                "ZooKeeperProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .target(name: "CorralRecipes", dependencies: ["CorralClient", "ZooKeeperProtocol"], swiftSettings: strict),
        .target(
            name: "CorralCLI",
            dependencies: ["CorralClient", "ZooKeeperProtocol", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        .target(
            name: "CorralBench",
            dependencies: [
                "CorralClient", "ZooKeeperProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict),
        /// Starts servers for tests: an in-process Corral, or Apache ZooKeeper 3.8 from Debian as a child process.
        .target(
            name: "CorralTestSupport",
            dependencies: [
                "CorralServer", "CorralClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/CorralTestSupport", swiftSettings: strict),
        .executableTarget(
            name: "corral",
            dependencies: [
                "CorralServer", "CorralStorage", "CorralCore", "CorralCLI", "CorralBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "ZooKeeperProtocolTests", dependencies: ["ZooKeeperProtocol"],
            exclude: ["Golden", "Capture"], swiftSettings: strict),
        .testTarget(name: "CorralCoreTests", dependencies: ["CorralCore"], swiftSettings: strict),
        .testTarget(
            name: "CorralClientTests", dependencies: ["CorralClient", "CorralTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "CorralRecipesTests", dependencies: ["CorralRecipes", "CorralClient", "CorralTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "CorralCLITests", dependencies: ["CorralCLI", "CorralClient", "CorralTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "CorralBenchTests", dependencies: ["CorralBench", "CorralTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "CorralStorageTests",
            dependencies: ["CorralStorage", "CorralCore", "ZooKeeperProtocol", .product(name: "NIOCore", package: "swift-nio")],
            exclude: ["Capture", "Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "CorralServerTests",
            dependencies: [
                "CorralServer",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
    ]
)
