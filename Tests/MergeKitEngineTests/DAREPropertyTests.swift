import Foundation
import MergeKitEngine
import MergeKitTestSupport
import Testing

/// The random methods on the float32 conformance models (mergekit's own outputs depend on
/// torch's RNG, so these check the defining properties instead of values).
@Suite struct DAREPropertyTests {
    static let models = FixturePaths.conformance + "/models"

    /// Writes `body` (a recipe with `MODELS` standing for the models folder) and merges it.
    static func merge(_ body: String, in directory: TemporaryDirectory, name: String = "recipe.yaml", options: PlanOptions = .init(), threads: Int = 2) throws -> String {
        let recipe = directory.file(name)
        try body.replacingOccurrences(of: "MODELS", with: models).write(toFile: recipe, atomically: true, encoding: .utf8)
        let output = try MergeHarness.merge(recipe: recipe, into: directory, options: options, threads: threads)
        let moved = directory.file(name + ".out")
        try FileManager.default.moveItem(atPath: output, toPath: moved)
        return moved
    }

    static func errors(_ body: String, in directory: TemporaryDirectory) throws -> String {
        let recipe = directory.file("bad.yaml")
        try body.replacingOccurrences(of: "MODELS", with: models).write(toFile: recipe, atomically: true, encoding: .utf8)
        return try #require(MergeHarness.planningErrors(recipe: recipe))
    }

    static let dareLinear = """
        merge_method: dare_linear
        base_model: MODELS/base
        models:
          - model: MODELS/ft_a
            parameters: {weight: 0.8, density: 0.3}
        """

    @Test func inverseDensityKeepsExactRescaledDeltasAndDropsTheRest() throws {
        let directory = try TemporaryDirectory()
        let merged = try TinyCheckpoint.readAll(try Self.merge(Self.dareLinear, in: directory))
        let base = try TinyCheckpoint.readAll(Self.models + "/base")
        let tuned = try TinyCheckpoint.readAll(Self.models + "/ft_a")
        var kept = 0
        var total = 0
        for (name, output) in merged {
            let b = try #require(base[name]).values
            let x = try #require(tuned[name]).values
            let stream = TensorSeed(seed: 0, tensorName: name, sourcePosition: 0)
            var keptHere = 0
            for j in b.indices {
                let tau = x[j] - b[j]
                let isKept = stream.uniform(at: j) < 0.3
                let expected = isKept ? Float(Double(b[j]) + 0.8 * Double(tau) / 0.3) : b[j]
                if isKept { keptHere += 1 }
                expectClose([output.values[j]], [expected], rtol: 2e-7, atol: 0)
            }
            let sigma = (Double(b.count) * 0.3 * 0.7).squareRoot()
            #expect(abs(Double(keptHere) - 0.3 * Double(b.count)) <= 5 * sigma, "\(name)")
            kept += keptHere
            total += b.count
        }
        // Independently of the documented mask: entries that moved off the base.
        let moved = merged.reduce(0) { sum, entry in
            sum + zip(entry.value.values, base[entry.key]?.values ?? []).filter { $0 != $1 }.count
        }
        let sigma = (Double(total) * 0.3 * 0.7).squareRoot()
        #expect(abs(Double(kept) - 0.3 * Double(total)) <= 5 * sigma)
        #expect(abs(Double(moved) - 0.3 * Double(total)) <= 5 * sigma)
    }

    @Test func l1RescaleKeepsTheL1NormOfEveryDelta() throws {
        let directory = try TemporaryDirectory()
        let recipe = Self.dareLinear.replacingOccurrences(of: "weight: 0.8", with: "weight: 1.0") + "\nparameters: {rescale: l1}\n"
        let merged = try TinyCheckpoint.readAll(try Self.merge(recipe, in: directory))
        let base = try TinyCheckpoint.readAll(Self.models + "/base")
        let tuned = try TinyCheckpoint.readAll(Self.models + "/ft_a")
        for (name, output) in merged {
            let b = try #require(base[name]).values
            let x = try #require(tuned[name]).values
            let before = zip(x, b).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) }
            let after = zip(output.values, b).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) }
            #expect(abs(after - before) <= 1e-4 * before, "\(name): \(after) vs \(before)")
        }
    }

    @Test func excludedTensorsAreCopiedFromTheBase() throws {
        let directory = try TemporaryDirectory()
        let recipe = Self.dareLinear + "\nparameters: {exclude: [embed_tokens, 'norm\\.weight$']}\n"
        let merged = try TinyCheckpoint.readAll(try Self.merge(recipe, in: directory))
        let base = try TinyCheckpoint.readAll(Self.models + "/base")
        for (name, output) in merged {
            let excluded = name.contains("embed_tokens") || name.hasSuffix("norm.weight")
            #expect((output.values == base[name]?.values) == excluded, "\(name)")
        }
    }

    @Test func sameSeedSameBytesWhateverTheThreadsAndChunks() throws {
        let recipe = """
            merge_method: dare_ties
            base_model: MODELS/base
            models:
              - model: MODELS/ft_a
                parameters: {weight: 1.0, density: 0.5}
              - model: MODELS/ft_b
                parameters: {weight: 0.7, density: 0.5}
            parameters: {rescale: l1}
            seed: 3
            """
        let directory = try TemporaryDirectory()
        let first = try Self.merge(recipe, in: directory, name: "a.yaml", threads: 1)
        let second = try Self.merge(recipe, in: directory, name: "b.yaml", options: PlanOptions(chunkElements: 100), threads: 4)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: first + "/model.safetensors"))
        #expect(bytes == (try Data(contentsOf: URL(fileURLWithPath: second + "/model.safetensors"))))

        let reseeded = try TinyCheckpoint.readAll(try Self.merge(
            recipe.replacingOccurrences(of: "seed: 3", with: "seed: 4"), in: directory, name: "c.yaml"))
        let original = try TinyCheckpoint.readAll(first)
        let weight = try #require(original["model.layers.1.mlp.up_proj.weight"]).values
        let changed = zip(weight, try #require(reseeded["model.layers.1.mlp.up_proj.weight"]).values).filter { $0 != $1 }.count
        #expect(changed > weight.count / 4, "a different seed draws a different mask (\(changed) of \(weight.count) changed)")
    }

    @Test func perLayerDropRatesApplyPerLayer() throws {
        let recipe = """
            merge_method: dare_linear
            base_model: MODELS/base
            models:
              - model: MODELS/ft_a
                parameters: {weight: 1.0, drop_rate: [0.1, 0.4, 0.7, 0.9]}
            """
        let directory = try TemporaryDirectory()
        let merged = try TinyCheckpoint.readAll(try Self.merge(recipe, in: directory))
        let base = try TinyCheckpoint.readAll(Self.models + "/base")
        let tuned = try TinyCheckpoint.readAll(Self.models + "/ft_a")
        for (layer, dropRate) in [0.1, 0.4, 0.7, 0.9].enumerated() {
            var moved = 0
            var total = 0
            for (name, output) in merged where name.hasPrefix("model.layers.\(layer).") {
                let b = try #require(base[name]).values
                let x = try #require(tuned[name]).values
                for j in b.indices where x[j] != b[j] {
                    total += 1
                    if output.values[j] != b[j] { moved += 1 }
                }
            }
            let keep = 1 - dropRate
            let sigma = (Double(total) * keep * dropRate).squareRoot()
            #expect(abs(Double(moved) - keep * Double(total)) <= 5 * sigma, "layer \(layer): kept \(moved) of \(total)")
        }
    }

    @Test func dellaRescalesByEachEntrysKeepProbability() throws {
        let recipe = """
            merge_method: della_linear
            base_model: MODELS/base
            models:
              - model: MODELS/ft_a
                parameters: {weight: 1.0, density: 0.6, epsilon: 0.2}
            seed: 5
            """
        let directory = try TemporaryDirectory()
        let merged = try TinyCheckpoint.readAll(try Self.merge(recipe, in: directory))
        let base = try TinyCheckpoint.readAll(Self.models + "/base")
        let tuned = try TinyCheckpoint.readAll(Self.models + "/ft_a")
        for name in ["model.layers.2.self_attn.k_proj.weight", "model.norm.weight"] {
            let output = try #require(merged[name])
            let b = try #require(base[name]).values
            let x = try #require(tuned[name]).values
            let n = output.shape.last ?? 1
            let stream = TensorSeed(seed: 5, tensorName: name, sourcePosition: 0)
            for rowStart in stride(from: 0, to: b.count, by: n) {
                let columns = (0..<n).sorted { i, j in
                    let (p, q) = ((x[rowStart + i] - b[rowStart + i]).magnitude, (x[rowStart + j] - b[rowStart + j]).magnitude)
                    return p != q ? p < q : i < j
                }
                for (rank, column) in columns.enumerated() {
                    let j = rowStart + column
                    let p = 0.6 - 0.2 + 0.4 * Double(rank) / Double(n - 1)
                    let tau = Double(x[j] - b[j])
                    let expected = stream.uniform(at: j) < p ? Float(Double(b[j]) + tau / p) : b[j]
                    expectClose([output.values[j]], [expected], rtol: 2e-7, atol: 0)
                }
            }
        }
    }

    @Test func recipeErrorsPointAtTheirCause() throws {
        let directory = try TemporaryDirectory()
        let density = try Self.errors(Self.dareLinear.replacingOccurrences(of: "density: 0.3", with: "density: 1.5"), in: directory)
        #expect(density.contains("bad.yaml:5:40: error: parameter 'density' must be a number in [0, 1]; found 1.5"))

        let window = try Self.errors("""
            merge_method: della
            base_model: MODELS/base
            models:
              - model: MODELS/ft_a
                parameters: {weight: 1.0, density: 0.9, epsilon: 0.2}
            """, in: directory)
        #expect(window.contains("bad.yaml:1:15: error: della cannot merge 'model.embed_tokens.weight': model '\(Self.models)/ft_a': density 0.9 ± epsilon 0.2 gives keep probabilities in [0.7, 1.1], which must lie within (0, 1]; lower epsilon"))

        let twoModels = try Self.errors("""
            merge_method: dare
            base_model: MODELS/base
            models:
              - model: MODELS/ft_a
                parameters: {drop_rate: 0.9}
              - model: MODELS/ft_b
                parameters: {drop_rate: 0.9}
            """, in: directory)
        #expect(twoModels.contains("error: dare needs the base and exactly 1 other model per tensor; this recipe gives 2 besides the base"))
        #expect(twoModels.contains("bad.yaml:4:12: error: dare needs"))
    }
}
