// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: CYaml → YAML → Recipe; Tensor → Safetensors;
// (Random, Recipe, Tensor, Safetensors) → Engine → CLI. See docs/architecture.md.
// The products are the command line tool and the library for programs that embed the engine;
// mergekit-bench and the embedding example are development tools, built but not shipped.
let package = Package(
    name: "mergekit-swift",
    products: [
        .executable(name: "mergekit-swift", targets: ["mergekit-swift"]),
        .library(name: "MergeKit", targets: ["MergeKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CYaml",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(name: "MergeKitYAML", dependencies: ["CYaml"]),
        .target(name: "MergeKitRecipe", dependencies: ["MergeKitYAML"]),
        .target(name: "MergeKitRandom"),
        .target(name: "MergeKitTensor"),
        .target(name: "MergeKitSafetensors", dependencies: ["MergeKitTensor"]),
        .target(
            name: "MergeKitEngine",
            dependencies: ["MergeKitRandom", "MergeKitRecipe", "MergeKitTensor", "MergeKitSafetensors"]
        ),
        .target(name: "MergeKit", dependencies: ["MergeKitRecipe", "MergeKitEngine"]),
        .executableTarget(
            name: "mergekit-swift",
            dependencies: [
                "MergeKitEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "mergekit-bench",
            dependencies: [
                "MergeKitEngine", "MergeKitRandom", "MergeKitSafetensors", "MergeKitTensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // How a program embeds the engine through the `MergeKit` library; EndToEndTests runs it.
        .executableTarget(
            name: "mergekit-embedding-example",
            dependencies: ["MergeKit"],
            path: "Examples/embedding"
        ),
        .target(
            name: "MergeKitTestSupport",
            dependencies: ["MergeKitRandom", "MergeKitTensor", "MergeKitSafetensors"]
        ),
        .testTarget(name: "MergeKitRandomTests", dependencies: ["MergeKitRandom"]),
        .testTarget(name: "MergeKitYAMLTests", dependencies: ["MergeKitYAML", "MergeKitRandom"]),
        .testTarget(name: "MergeKitRecipeTests", dependencies: ["MergeKitRecipe"]),
        .testTarget(
            name: "MergeKitTensorTests",
            dependencies: ["MergeKitTensor"]
        ),
        .testTarget(
            name: "MergeKitSafetensorsTests",
            dependencies: ["MergeKitSafetensors", "MergeKitTestSupport"]
        ),
        .testTarget(
            name: "MergeKitEngineTests",
            dependencies: ["MergeKitEngine", "MergeKitRandom", "MergeKitTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["mergekit-swift", "mergekit-embedding-example", "MergeKitRandom", "MergeKitTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
