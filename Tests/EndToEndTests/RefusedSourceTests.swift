import Foundation
import MergeKitTestSupport
import Testing

/// Weights that must not be read: hostile or broken PyTorch pickles and broken LoRA adapters
/// are refused by every command with exit 65, naming the file (and the tensor when one is to
/// blame), before anything is written, and without running anything they contain.
@Suite struct RefusedSourceTests {
    static let commands: [[String]] = [
        ["validate", "recipe.yaml"], ["plan", "recipe.yaml"], ["apply", "recipe.yaml", "-o", "out"],
        ["inspect", "--base", "./base", "./suspect"],
    ]

    /// (fixture copied as suspect/pytorch_model.bin, what the error says)
    @Test(arguments: [
        ("hostile_system.bin", "refuses the global 'posix.system'"),
        ("hostile_eval.bin", "refuses the global '__builtin__.eval'"),
        ("unknown_global.bin", "refuses the global 'datetime.date'"),
        ("truncated.bin", "not a complete zip archive"),
        ("legacy.bin", "legacy (non-zip) format"),
        ("deflated.bin", "is compressed"),
    ])
    func aHostileOrBrokenPickleIsRefused(_ fixture: String, _ message: String) throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        let suspect = directory.path + "/suspect"
        try FileManager.default.createDirectory(atPath: suspect, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: directory.path + "/ft_a/config.json", toPath: suspect + "/config.json")
        try FileManager.default.copyItem(atPath: SourceFamily.pytorchFixtures + "/" + fixture, toPath: suspect + "/pytorch_model.bin")
        try SourceFamily.writeRecipe(in: directory.path, model: "./suspect")
        for command in Self.commands {
            let result = try CommandLineTool.run(command, in: directory.path, timeLimit: .seconds(60))
            #expect(result.status == 65, "\(fixture): \(command[0]): \(result.stderr)")
            #expect(result.stderr.contains("suspect/pytorch_model.bin"), "\(fixture): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(fixture): \(result.stderr)")
            // hostile_system.bin's payload is `os.system("echo pwned")`.
            #expect(!result.stdout.contains("pwned") && !result.stderr.contains("pwned\n"), "\(fixture): code ran")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out.partial"))
    }

    /// A damage done to a copy of `lora_plain`.
    struct Damage: Sendable, CustomTestStringConvertible {
        var id: String
        /// Texts the error must contain; "ADAPTER" stands for the adapter's real path.
        var expected: [String]
        var apply: @Sendable (String) throws -> Void
        var testDescription: String { id }
    }

    static let damages: [Damage] = [
        Damage(id: "no adapter_config.json", expected: ["ADAPTER: no adapter_config.json"]) { adapter in
            try FileManager.default.removeItem(atPath: adapter + "/adapter_config.json")
        },
        Damage(id: "no weights", expected: ["ADAPTER: no adapter_model.safetensors or adapter_model.bin"]) { adapter in
            try FileManager.default.removeItem(atPath: adapter + "/adapter_model.safetensors")
        },
        Damage(
            id: "rank in the config differs from the tensors",
            expected: ["ADAPTER/adapter_model.safetensors: tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'",
                       "gives module 'model.layers.0.self_attn.q_proj' rank 8", "its tensors have rank 4"]
        ) { adapter in
            try edit(adapter + "/adapter_config.json", "\"r\": 4", "\"r\": 8")
        },
        Damage(
            id: "a module the base does not have",
            expected: ["ADAPTER/adapter_model.safetensors: tensor 'base_model.model.model.layers.9.self_attn.q_proj.lora_A.weight'",
                       "adapts 'model.layers.9.self_attn.q_proj.weight', which the base model"]
        ) { adapter in
            try edit(adapter + "/adapter_model.safetensors", "layers.0.self_attn.q_proj", "layers.9.self_attn.q_proj")
        },
        Damage(
            id: "a module target_modules does not select",
            expected: ["ADAPTER/adapter_model.safetensors: tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'",
                       "which adapter_config.json's target_modules"]
        ) { adapter in
            try edit(adapter + "/adapter_config.json", "\"q_proj\"", "\"k_proj\"")
        },
        Damage(id: "a truncated weights file", expected: ["ADAPTER/adapter_model.safetensors"]) { adapter in
            let path = adapter + "/adapter_model.safetensors"
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        },
        Damage(id: "a FIFO as adapter_config.json", expected: ["ADAPTER/adapter_config.json", "not a regular file"]) { adapter in
            try FileManager.default.removeItem(atPath: adapter + "/adapter_config.json")
            guard mkfifo(adapter + "/adapter_config.json", 0o644) == 0 else { throw TinyCheckpointError("mkfifo failed") }
        },
        Damage(id: "DoRA", expected: ["ADAPTER/adapter_config.json", "DoRA (use_dora) is not supported"]) { adapter in
            try edit(adapter + "/adapter_config.json", "\"use_dora\": false", "\"use_dora\": true")
        },
    ]

    @Test(arguments: damages)
    func aBrokenAdapterIsRefused(_ damage: Damage) throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        let adapter = directory.path + "/lora_plain"
        try damage.apply(adapter)
        try SourceFamily.writeRecipe(in: directory.path, model: "./base+./lora_plain")
        let resolved = FileSystemPath.resolved(adapter)
        for command in [["validate", "recipe.yaml"], ["apply", "recipe.yaml", "-o", "out"], ["inspect", "--base", "./base", "./base+./lora_plain"]] {
            let result = try CommandLineTool.run(command, in: directory.path, timeLimit: .seconds(60))
            #expect(!result.timedOut, "\(damage.id): \(command[0]) hung")
            #expect(result.status == 65, "\(damage.id): \(command[0]): \(result.stderr)")
            for text in damage.expected {
                let wanted = text.replacingOccurrences(of: "ADAPTER", with: resolved)
                #expect(result.stderr.contains(wanted), "\(damage.id): \(command[0]): \(result.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }

    /// Replaces `old` by `new` in a file (the same length for binary files).
    static func edit(_ path: String, _ old: String, _ new: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let from = Array(old.utf8)
        let to = Array(new.utf8)
        var index = 0
        var replaced = false
        while index + from.count <= bytes.count {
            if Array(bytes[index..<(index + from.count)]) == from {
                bytes.replaceSubrange(index..<(index + from.count), with: to)
                index += to.count
                replaced = true
            } else {
                index += 1
            }
        }
        guard replaced else { throw TinyCheckpointError("'\(old)' is not in \(path)") }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
