@testable import MergeKitEngine
import Foundation
import MergeKitTestSupport
import Testing

/// What `--resume` compares covers every file a merge reads: a .bin checkpoint (its identity and
/// its data.pkl) and an adapter's config and weights, not only safetensors shards.
@Suite struct SourceFingerprintTests {
    /// A copy of the base, a .bin fine-tune and an adapter, with a recipe using all three.
    private static func family() throws -> (directory: TemporaryDirectory, recipe: String) {
        let directory = try TemporaryDirectory()
        for (name, path) in [("base", "models/base"), ("ft_b_bin", "models/ft_b_bin"), ("lora_plain", "adapters/lora_plain")] {
            try FileManager.default.copyItem(atPath: FixturePaths.conformance + "/" + path, toPath: directory.file(name))
        }
        let recipe = directory.file("recipe.yaml")
        try """
            merge_method: linear
            models:
              - model: ./base+./lora_plain
                parameters: {weight: 1.0}
              - model: ./ft_b_bin
                parameters: {weight: 1.0}
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        return (directory, recipe)
    }

    private static func fingerprint(_ recipe: String) throws -> UInt64 {
        PlanFingerprint.of(try Planner.plan(recipeAt: recipe))
    }

    @Test func anUnchangedPlanKeepsItsFingerprint() throws {
        let (directory, recipe) = try Self.family()
        let first = try Self.fingerprint(recipe)
        let second = try Self.fingerprint(recipe)
        withExtendedLifetime(directory) {
            #expect(first == second)
        }
    }

    /// (file changed, how): content rewritten with the same size, or only its mtime moved.
    @Test(arguments: [
        ("lora_plain/adapter_config.json", "content"), ("lora_plain/adapter_model.safetensors", "mtime"),
        ("ft_b_bin/pytorch_model.bin", "mtime"), ("base/model.safetensors", "mtime"),
    ])
    func changingAnyReadFileChangesTheFingerprint(_ file: String, _ how: String) throws {
        let (directory, recipe) = try Self.family()
        let before = try Self.fingerprint(recipe)
        let path = directory.file(file)
        if how == "content" {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let edited = text.replacingOccurrences(of: "\"lora_alpha\": 8", with: "\"lora_alpha\": 9")
            #expect(edited != text)
            try edited.write(toFile: path, atomically: false, encoding: .utf8)
        } else {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: path)
        }
        let after = try Self.fingerprint(recipe)
        withExtendedLifetime(directory) {
            #expect(after != before, "\(file)")
        }
    }

    /// The bytes hashed for a .bin are its pickle, for an adapter config the whole file.
    @Test func theDescriptionOfABinIsItsPickle() throws {
        let (directory, recipe) = try Self.family()
        let plan = try Planner.plan(recipeAt: recipe)
        let files = plan.models.flatMap(\.weights.weightFiles)
        let bin = try #require(files.first { $0.path.hasSuffix("pytorch_model.bin") })
        let pickle = bin.withDescriptionBytes { Array($0) }
        #expect(pickle.first == 0x80, "a pickle starts with its PROTO opcode")
        #expect(pickle.last == UInt8(ascii: "."), "and ends with STOP")
        let config = try #require(files.first { $0.path.hasSuffix("adapter_config.json") })
        let text = config.withDescriptionBytes { String(decoding: $0, as: UTF8.self) }
        #expect(text == (try String(contentsOfFile: directory.file("lora_plain/adapter_config.json"), encoding: .utf8)))
    }
}
