// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: CYaml → YAML → Recipe; Tensor → Safetensors;
// (Recipe, Tensor, Safetensors) → Engine → CLI; (YAML, Safetensors) → Hub, the only target that
// talks HTTP (through the toolchain's FoundationNetworking). See docs/architecture.md.
let package = Package(
    name: "mergekit-swift",
    products: [
        .executable(name: "mergekit-swift", targets: ["mergekit-swift"]),
        .executable(name: "mergekit-bench", targets: ["mergekit-bench"]),
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
        .target(name: "MergeKitTensor"),
        .target(name: "MergeKitSafetensors", dependencies: ["MergeKitTensor"]),
        .target(
            name: "MergeKitEngine",
            dependencies: ["MergeKitRecipe", "MergeKitTensor", "MergeKitSafetensors"]
        ),
        .target(name: "MergeKitHub", dependencies: ["MergeKitYAML", "MergeKitSafetensors"]),
        .target(
            name: "MergeKit",
            dependencies: [
                "MergeKitYAML", "MergeKitRecipe", "MergeKitTensor", "MergeKitSafetensors",
                "MergeKitEngine",
            ]
        ),
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
                "MergeKitEngine", "MergeKitSafetensors", "MergeKitTensor", "mergekit-swift",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "MergeKitTestSupport",
            dependencies: ["MergeKitTensor", "MergeKitSafetensors"]
        ),
        .testTarget(name: "MergeKitYAMLTests", dependencies: ["MergeKitYAML"]),
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
            dependencies: ["MergeKitEngine", "MergeKitTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "MergeKitHubTests",
            dependencies: ["MergeKitHub", "MergeKitTestSupport"],
            exclude: ["StandIn"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["mergekit-swift", "MergeKitTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
