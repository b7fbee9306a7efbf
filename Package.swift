// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: CYaml → YAML → Recipe; Tensor → Safetensors → Checkpoint;
// (Recipe, Safetensors) → Tokenizer; (CMalloc, Random, Recipe, Tensor, Safetensors, Checkpoint, Tokenizer) → Engine → CLI;
// (YAML, Recipe, Safetensors) → Hub → CLI: Hub is the only target that talks HTTP (through the
// toolchain's FoundationNetworking), and the engine never links it; the companion commands:
// CLAPACK → LinearAlgebra; (Engine, LinearAlgebra, BPE) → LoRAExtraction, MoE → CLI.
// See docs/architecture.md.
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
        .systemLibrary(name: "CMalloc"),
        .target(name: "MergeKitYAML", dependencies: ["CYaml"]),
        .systemLibrary(
            name: "CLAPACK",
            pkgConfig: "lapacke",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .target(name: "MergeKitLinearAlgebra", dependencies: ["CLAPACK"]),
        .target(name: "MergeKitRecipe", dependencies: ["MergeKitYAML"]),
        .target(name: "MergeKitRandom"),
        .target(name: "MergeKitTensor"),
        .target(name: "MergeKitSafetensors", dependencies: ["MergeKitTensor"]),
        .target(name: "MergeKitCheckpoint", dependencies: ["MergeKitTensor", "MergeKitSafetensors"]),
        .target(name: "MergeKitTokenizer", dependencies: ["MergeKitRecipe", "MergeKitSafetensors"]),
        .target(
            name: "MergeKitEngine",
            dependencies: [
                "CMalloc", "MergeKitRandom", "MergeKitRecipe", "MergeKitTensor", "MergeKitSafetensors", "MergeKitTokenizer",
                "MergeKitCheckpoint",
            ]
        ),
        .target(name: "MergeKitHub", dependencies: ["MergeKitYAML", "MergeKitRecipe", "MergeKitSafetensors"]),
        .target(name: "MergeKitBPE", dependencies: ["MergeKitSafetensors"]),
        .target(
            name: "MergeKitLoRAExtraction",
            dependencies: [
                "MergeKitEngine", "MergeKitCheckpoint", "MergeKitSafetensors", "MergeKitTensor", "MergeKitLinearAlgebra",
            ]
        ),
        .target(
            name: "MergeKitMoE",
            dependencies: [
                "MergeKitEngine", "MergeKitCheckpoint", "MergeKitRandom", "MergeKitRecipe", "MergeKitYAML",
                "MergeKitSafetensors", "MergeKitTensor", "MergeKitLinearAlgebra", "MergeKitBPE",
            ]
        ),
        .target(name: "MergeKit", dependencies: ["MergeKitRecipe", "MergeKitEngine"]),
        .executableTarget(
            name: "mergekit-swift",
            dependencies: [
                "MergeKitEngine", "MergeKitCheckpoint", "MergeKitHub", "MergeKitLoRAExtraction", "MergeKitMoE",
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
            dependencies: ["MergeKitRandom", "MergeKitTensor", "MergeKitSafetensors"],
            exclude: ["StandIn"]
        ),
        .testTarget(name: "MergeKitRandomTests", dependencies: ["MergeKitRandom"]),
        .testTarget(name: "MergeKitYAMLTests", dependencies: ["MergeKitYAML", "MergeKitRandom"]),
        .testTarget(name: "MergeKitLinearAlgebraTests", dependencies: ["MergeKitLinearAlgebra", "MergeKitRandom"]),
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
            name: "MergeKitCheckpointTests",
            dependencies: ["MergeKitCheckpoint", "MergeKitTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "MergeKitTokenizerTests",
            dependencies: ["MergeKitTokenizer", "MergeKitSafetensors", "MergeKitTestSupport"]
        ),
        .testTarget(
            name: "MergeKitEngineTests",
            dependencies: ["MergeKitEngine", "MergeKitCheckpoint", "MergeKitRandom", "MergeKitTokenizer", "MergeKitTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "MergeKitBPETests", dependencies: ["MergeKitBPE", "MergeKitRandom"], exclude: ["Fixtures"]),
        .testTarget(
            name: "MergeKitLoRAExtractionTests",
            dependencies: ["MergeKitLoRAExtraction", "MergeKitEngine", "MergeKitTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "MergeKitMoETests",
            dependencies: ["MergeKitMoE", "MergeKitEngine", "MergeKitRandom", "MergeKitTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "MergeKitHubTests",
            dependencies: ["MergeKitHub", "MergeKitRecipe", "MergeKitSafetensors", "MergeKitTestSupport"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["mergekit-swift", "mergekit-embedding-example", "mergekit-bench", "MergeKitRandom", "MergeKitTestSupport", "MergeKitSafetensors"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
