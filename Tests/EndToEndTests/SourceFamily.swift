import Foundation

/// Models and adapters in other formats, copied into a test's directory from the committed
/// fixtures: the conformance family (`base`, `ft_a`, `ft_b`, `ft_c` as safetensors; `ft_b_bin`
/// and `ft_c_bin` as PyTorch .bin twins of ft_b and ft_c, one file and two shards; the PEFT
/// adapters `lora_plain`, `lora_modules_to_save` of `base`) and the checkpoint reader's refused
/// files (hostile pickles, a truncated zip).
enum SourceFamily {
    static let conformance = CommandLineTool.repositoryRoot + "/Tests/MergeKitEngineTests/Fixtures/conformance"
    static let pytorchFixtures = CommandLineTool.repositoryRoot + "/Tests/MergeKitCheckpointTests/Fixtures/pytorch"

    /// (name in the test directory, path under the conformance fixtures)
    static let entries = [
        ("base", "models/base"), ("ft_a", "models/ft_a"), ("ft_b", "models/ft_b"), ("ft_c", "models/ft_c"),
        ("ft_b_bin", "models/ft_b_bin"), ("ft_c_bin", "models/ft_c_bin_sharded"),
        ("lora_plain", "adapters/lora_plain"), ("lora_modules_to_save", "adapters/lora_modules_to_save"),
    ]

    static func copy(into directory: String) throws {
        for (name, path) in entries {
            try FileManager.default.copyItem(atPath: conformance + "/" + path, toPath: directory + "/" + name)
        }
    }

    /// A ties recipe over a LoRA-adapted base, a .bin model and a sharded .bin model (or their
    /// safetensors twins with `twins`).
    @discardableResult
    static func writeRecipe(in directory: String, file: String = "recipe.yaml", twins: Bool = false) throws -> String {
        let recipe = directory + "/" + file
        try """
            merge_method: ties
            base_model: ./base
            models:
              - model: ./base+./lora_modules_to_save
                parameters: {density: 0.6, weight: 1.0}
              - model: ./\(twins ? "ft_b" : "ft_b_bin")
                parameters: {density: 0.5, weight: 0.7}
              - model: ./\(twins ? "ft_c" : "ft_c_bin")
                parameters: {density: 0.5, weight: 0.5}
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        return recipe
    }

    /// A two-model linear recipe over `./base` and `model` (written as given).
    @discardableResult
    static func writeRecipe(in directory: String, model: String, file: String = "recipe.yaml") throws -> String {
        let recipe = directory + "/" + file
        try """
            merge_method: linear
            models:
              - model: ./base
                parameters: {weight: 1.0}
              - model: \(model)
                parameters: {weight: 1.0}
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        return recipe
    }

    /// Every file of a tree: relative path → bytes.
    static func snapshot(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return files
    }
}
