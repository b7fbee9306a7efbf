import Foundation
import MergeKitTensor
import MergeKitTestSupport
import Testing

/// Names in files are bytes. `café` written in NFC (`caf\u{E9}`) and in NFD (`cafe\u{301}`) are
/// two tensor names to safetensors, Python and the file system, though Swift's `String` calls
/// them equal; the tool keeps them apart everywhere: header, index, config keys, plan, journal
/// and output.
@Suite(.serialized) struct TensorNameBytesTests {
    static let composed = "model.layers.0.caf\u{E9}.weight"
    static let decomposed = "model.layers.0.cafe\u{301}.weight"

    /// The tiny Llama model plus the two spellings of `café` in layer 0, each with its own values.
    static func tensors(layers: Int, hidden: Int, seed: UInt64) -> [TensorData] {
        var tensors = TinyCheckpoint.llama(layers: layers, hidden: hidden, intermediate: 2 * hidden, vocab: 16, dtype: .f32, seed: seed)
        let count = hidden * hidden
        tensors.append(TensorData(name: composed, dtype: .f32, shape: [hidden, hidden], values: (0..<count).map { Float($0) + Float(seed) }))
        tensors.append(TensorData(name: decomposed, dtype: .f32, shape: [hidden, hidden], values: (0..<count).map { -Float($0) * Float(seed) }))
        return tensors
    }

    /// base, ft_a and ft_b with both spellings; the base's config.json has both spellings of a key.
    static func writeFamily(in directory: String, layers: Int = 2, hidden: Int = 8, shards: Int = 1) throws {
        for (name, seed) in [("base", UInt64(1)), ("ft_a", 2), ("ft_b", 3)] {
            var config = TinyCheckpoint.llamaConfig(layers: layers, hidden: hidden, intermediate: 2 * hidden, vocab: 16, dtype: .f32)
            if name == "base" {
                config = config.replacingOccurrences(of: "{", with: "{\n  \"caf\u{E9}\": 1,\n  \"cafe\u{301}\": 2,", options: [], range: config.range(of: "{"))
            }
            try TinyCheckpoint.write(tensors(layers: layers, hidden: hidden, seed: seed), to: directory + "/" + name, config: config, shards: shards)
        }
        try """
            merge_method: task_arithmetic
            base_model: ./base
            models:
              - model: ./ft_a
                parameters: {weight: 0.5}
              - model: ./ft_b
                parameters: {weight: 0.25}
            """.write(toFile: directory + "/recipe.yaml", atomically: true, encoding: .utf8)
    }

    static func tensor(_ name: String, in tensors: [TensorData]) -> TensorData? {
        tensors.first { Array($0.name.utf8) == Array(name.utf8) }
    }

    /// Both spellings are merged, each from its own inputs, in a single file and through an index.
    @Test(arguments: [1, 2])
    func namesThatDifferOnlyInNormalisationAreTwoTensors(shards: Int) throws {
        let directory = try TemporaryDirectory()
        try Self.writeFamily(in: directory.path, shards: shards)
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out"], in: directory.path)
        try #require(result.status == 0, "\(result.stderr)")

        let output = try TinyCheckpoint.readTensors(directory.path + "/out")
        let inputs = try ["base", "ft_a", "ft_b"].map { try TinyCheckpoint.readTensors(directory.path + "/" + $0) }
        #expect(output.count == inputs[0].count)
        for name in [Self.composed, Self.decomposed] {
            let merged = try #require(Self.tensor(name, in: output), "'\(name)' is missing from the output")
            let (base, a, b) = try (#require(Self.tensor(name, in: inputs[0])), #require(Self.tensor(name, in: inputs[1])),
                                    #require(Self.tensor(name, in: inputs[2])))
            let expected = base.values.indices.map { i in
                base.values[i] + 0.5 * (a.values[i] - base.values[i]) + 0.25 * (b.values[i] - base.values[i])
            }
            #expect(zip(merged.values, expected).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) },
                    "'\(name)' was not merged from its own inputs")
        }
        let config = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/out/config.json"))
        #expect(String(decoding: config, as: UTF8.self).utf8.split(separator: UInt8(ascii: "\n")).filter {
            $0.starts(with: "  \"caf".utf8)
        }.count == 2, "config.json should keep both spellings of the key")
    }

    /// An interrupted run resumes with both spellings journaled apart: the result equals an
    /// uninterrupted run's bytes.
    @Test func aResumedRunKeepsBothSpellings() throws {
        let directory = try TemporaryDirectory()
        try Self.writeFamily(in: directory.path, layers: 8, hidden: 256)
        let reference = directory.path + "/reference"
        let complete = try CommandLineTool.run(["apply", "recipe.yaml", "-o", reference, "--quiet"], in: directory.path)
        try #require(complete.status == 0, "\(complete.stderr)")

        let output = directory.path + "/out"
        _ = try ResumeTests.interrupt(recipe: "recipe.yaml", output: output, signal: SIGKILL, afterTensors: 5, in: directory.path)
        try #require(FileManager.default.fileExists(atPath: output + ".partial/.mergekit-journal"))
        let resumed = try CommandLineTool.run(["apply", "recipe.yaml", "-o", output, "--resume"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed"), "\(resumed.stdout)")
        #expect(try ResumeTests.shardBytes(output) == ResumeTests.shardBytes(reference))
    }
}
