import Foundation
import MergeKitEngine
import MergeKitTensor
import MergeKitTestSupport
import Testing

/// Damaged or inconsistent checkpoints, fed through a real recipe: each must be rejected before
/// anything is written, with an error that names the file (and the tensor where there is one).
@Suite struct MalformedCheckpointTests {
    /// A damage done to the fine-tune's files, and the text its error must contain.
    struct Damage: Sendable, CustomTestStringConvertible {
        var id: String
        var expected: [String]
        var apply: @Sendable (_ modelDirectory: String) throws -> Void
        var testDescription: String { id }
    }

    static let tensor = "model.layers.0.mlp.up_proj.weight"

    static let damages: [Damage] = [
        Damage(id: "truncated file", expected: ["model.safetensors", "past the end"]) { dir in
            try SafetensorsBytes.edit(dir) { $0.removeLast(100) }
        },
        Damage(id: "file shorter than 8 bytes", expected: ["model.safetensors"]) { dir in
            try SafetensorsBytes.edit(dir) { $0 = Array($0.prefix(5)) }
        },
        Damage(id: "header length beyond the file", expected: ["model.safetensors", "header"]) { dir in
            try SafetensorsBytes.edit(dir) { bytes in SafetensorsBytes.setHeaderLength(&bytes, UInt64(bytes.count)) }
        },
        Damage(id: "header over 100 MB", expected: ["model.safetensors", "100000000"]) { dir in
            try SafetensorsBytes.edit(dir) { bytes in SafetensorsBytes.setHeaderLength(&bytes, 200_000_000) }
        },
        Damage(id: "header not UTF-8", expected: ["model.safetensors", "UTF-8"]) { dir in
            try SafetensorsBytes.edit(dir) { $0[9] = 0xFF }
        },
        Damage(id: "header not JSON", expected: ["model.safetensors", "JSON"]) { dir in
            try SafetensorsBytes.editHeader(dir) { $0.replacingOccurrences(of: "\"dtype\"", with: "'dtype'") }
        },
        Damage(id: "unknown dtype", expected: ["model.safetensors", "Q4_K"]) { dir in
            try SafetensorsBytes.editHeader(dir) { $0.replacingOccurrences(of: "\"dtype\":\"F32\"", with: "\"dtype\":\"Q4_K\"") }
        },
        Damage(id: "negative dimension", expected: ["model.safetensors", "shape"]) { dir in
            try SafetensorsBytes.editHeader(dir) { $0.replacingOccurrences(of: "\"shape\":[64]", with: "\"shape\":[-64]") }
        },
        Damage(id: "non-integer dimension", expected: ["model.safetensors", "shape"]) { dir in
            try SafetensorsBytes.editHeader(dir) { $0.replacingOccurrences(of: "\"shape\":[64]", with: "\"shape\":[64.5]") }
        },
        Damage(id: "overflowing shape", expected: ["model.safetensors", "overflow"]) { dir in
            try SafetensorsBytes.editHeader(dir) { $0.replacingOccurrences(of: "\"shape\":[64]", with: "\"shape\":[4294967296,4294967296]") }
        },
        Damage(id: "size is not numel × dtype size", expected: ["model.safetensors", "model.layers.0.input_layernorm.weight"]) { dir in
            try SafetensorsBytes.editHeader(dir) { $0.replacingOccurrences(of: "\"model.layers.0.input_layernorm.weight\":{\"dtype\":\"F32\",\"shape\":[64]", with: "\"model.layers.0.input_layernorm.weight\":{\"dtype\":\"F32\",\"shape\":[65]") }
        },
        Damage(id: "trailing bytes", expected: ["model.safetensors", "trailing"]) { dir in
            try SafetensorsBytes.edit(dir) { $0 += [0, 0, 0, 0] }
        },
        Damage(id: "duplicate tensor name", expected: ["model.safetensors", "lm_head.weight"]) { dir in
            try SafetensorsBytes.editHeader(dir) { $0.replacingOccurrences(of: "\"model.norm.weight\"", with: "\"lm_head.weight\"") }
        },
        Damage(id: "metadata with a non-string value", expected: ["model.safetensors", "__metadata__"]) { dir in
            try SafetensorsBytes.editHeader(dir) { $0.replacingOccurrences(of: "\"format\":\"pt\"", with: "\"format\":1") }
        },
        Damage(id: "config.json missing", expected: ["config.json", "missing"]) { dir in
            try FileManager.default.removeItem(atPath: dir + "/config.json")
        },
        Damage(id: "config.json invalid", expected: ["config.json", "JSON"]) { dir in
            try "{\"num_hidden_layers\": 2,}".write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        },
        Damage(id: "config.json disagrees with the weights", expected: ["config.json", "num_hidden_layers = 3", "2 layers"]) { dir in
            try TinyCheckpoint.llamaConfig(layers: 3, hidden: 64, intermediate: 128, vocab: 128, dtype: .f32)
                .write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        },
        Damage(id: "tensor missing from one model", expected: ["tensor '\(tensor)' is missing from model"]) { dir in
            try SafetensorsBytes.rewrite(dir) { tensors in tensors.filter { $0.name != tensor } }
        },
        Damage(id: "index names a missing shard", expected: ["model.safetensors.index.json", "model-00002-of-00002.safetensors", "does not exist"]) { dir in
            try SafetensorsBytes.reshard(dir)
            try FileManager.default.removeItem(atPath: dir + "/model-00002-of-00002.safetensors")
        },
        Damage(id: "index maps a tensor to a shard without it", expected: ["model.safetensors.index.json", "lm_head.weight", "does not contain it"]) { dir in
            try SafetensorsBytes.reshard(dir)
            let index = dir + "/model.safetensors.index.json"
            var text = try String(contentsOfFile: index, encoding: .utf8)
            let second = "\"lm_head.weight\": \"model-00002-of-00002.safetensors\""
            let first = "\"lm_head.weight\": \"model-00001-of-00002.safetensors\""
            text = text.contains(second) ? text.replacingOccurrences(of: second, with: first) : text.replacingOccurrences(of: first, with: second)
            try text.write(toFile: index, atomically: true, encoding: .utf8)
        },
    ]

    @Test(arguments: damages)
    func isRejectedBeforeWriting(_ damage: Damage) throws {
        let directory = try TemporaryDirectory()
        let recipe = try SafetensorsBytes.makeFamily(in: directory.path)
        try damage.apply(directory.path + "/ft")
        let errors = try #require(MergeHarness.planningErrors(recipe: recipe), "\(damage.id) was accepted")
        for fragment in damage.expected {
            #expect(errors.contains(fragment), "\(damage.id): \(errors)")
        }
        #expect(errors.contains(directory.path + "/ft") || errors.contains("'./ft'"), "the error names the model: \(errors)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out.partial"))
    }

    /// NaN / ±Inf cannot be seen in headers: they are found while merging. A warning by default
    /// (mergekit passes them through), an error that leaves nothing behind under --strict.
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteInputs(_ poison: Float) throws {
        let directory = try TemporaryDirectory()
        let recipe = try SafetensorsBytes.makeFamily(in: directory.path)
        try SafetensorsBytes.rewrite(directory.path + "/ft") { tensors in
            tensors.map { tensor in
                var tensor = tensor
                if tensor.name == Self.tensor { tensor.values[5] = poison; tensor.values[77] = poison }
                return tensor
            }
        }
        let output = OutputDirectory(path: directory.path + "/out")
        let lenient = try Planner.plan(recipeAt: recipe)
        let timings = try MergeRunner(plan: lenient, output: output, force: false, threads: 2).run(progress: nil)
        #expect(timings.nonFiniteInputs.count == 1)
        #expect(timings.nonFiniteInputs.first?.tensor == Self.tensor)
        #expect(timings.nonFiniteInputs.first?.count == 2)
        #expect(timings.nonFiniteInputs.first?.file == directory.path + "/ft/model.safetensors")

        let strictOutput = OutputDirectory(path: directory.path + "/strict")
        let strict = try Planner.plan(recipeAt: recipe, options: PlanOptions(strict: true))
        #expect(throws: NonFiniteInputError.self) {
            try MergeRunner(plan: strict, output: strictOutput, force: false, threads: 2).run(progress: nil)
        }
        #expect(!FileManager.default.fileExists(atPath: strictOutput.path))
        #expect(!FileManager.default.fileExists(atPath: strictOutput.partialPath))
    }

    @Test func inputsAreNotModified() throws {
        let directory = try TemporaryDirectory()
        let recipe = try SafetensorsBytes.makeFamily(in: directory.path)
        let before = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/ft/model.safetensors"))
        _ = try MergeHarness.merge(recipe: recipe, into: directory)
        let after = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/ft/model.safetensors"))
        #expect(before == after)
    }
}

/// Builds a tiny base + fine-tune family and edits the fine-tune's safetensors bytes.
enum SafetensorsBytes {
    static func makeFamily(in directory: String) throws -> String {
        let base = TinyCheckpoint.llama(layers: 2, hidden: 64, intermediate: 128, vocab: 128, dtype: .f32, seed: 1)
        let fineTune = TinyCheckpoint.llama(layers: 2, hidden: 64, intermediate: 128, vocab: 128, dtype: .f32, seed: 2)
        let config = TinyCheckpoint.llamaConfig(layers: 2, hidden: 64, intermediate: 128, vocab: 128, dtype: .f32)
        try TinyCheckpoint.write(base, to: directory + "/base", config: config)
        try TinyCheckpoint.write(fineTune, to: directory + "/ft", config: config)
        let recipe = directory + "/recipe.yaml"
        try """
            merge_method: task_arithmetic
            base_model: ./base
            models:
              - model: ./ft
                parameters: {weight: 0.5}
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        return recipe
    }

    static func edit(_ directory: String, _ change: (inout [UInt8]) -> Void) throws {
        let path = directory + "/model.safetensors"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        change(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func setHeaderLength(_ bytes: inout [UInt8], _ length: UInt64) {
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(i))) }
    }

    /// Rewrites the JSON header (compact, as our writer emits it), keeping the data section.
    static func editHeader(_ directory: String, _ change: @escaping (String) -> String) throws {
        try edit(directory) { bytes in
            let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
            let edited = Array(change(header).utf8)
            var result = [UInt8](repeating: 0, count: 8) + edited + bytes[(8 + length)...]
            setHeaderLength(&result, UInt64(edited.count))
            bytes = result
        }
    }

    static func rewrite(_ directory: String, _ change: ([TensorData]) -> [TensorData]) throws {
        let tensors = try TinyCheckpoint.readAll(directory).values.sorted { $0.name < $1.name }
        let config = try String(contentsOfFile: directory + "/config.json", encoding: .utf8)
        try FileManager.default.removeItem(atPath: directory)
        try TinyCheckpoint.write(change(tensors), to: directory, config: config)
    }

    static func reshard(_ directory: String) throws {
        let tensors = try TinyCheckpoint.readAll(directory).values.sorted { $0.name < $1.name }
        let config = try String(contentsOfFile: directory + "/config.json", encoding: .utf8)
        try FileManager.default.removeItem(atPath: directory)
        try TinyCheckpoint.write(tensors, to: directory, config: config, shards: 2)
    }
}

@Suite struct FreeSpaceTests {
    @Test func notEnoughSpaceIsReportedBeforeAnyWork() throws {
        let directory = try TemporaryDirectory()
        let output = OutputDirectory(path: directory.path + "/out")
        #expect(throws: Never.self) { try output.checkFreeSpace(needed: 1) }
        do {
            try output.checkFreeSpace(needed: Int.max / 2)
            Issue.record("an impossible size was accepted")
        } catch {
            #expect(error.message.hasPrefix("not enough free space for the output: it needs 4611686.0 TB"), "\(error.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: output.partialPath))
    }
}
