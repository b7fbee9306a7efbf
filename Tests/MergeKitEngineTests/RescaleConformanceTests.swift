import Foundation
import MergeKitEngine
import MergeKitTestSupport
import Testing

/// `rescale: true` / `false` mean what they mean in mergekit 0.1.5 (the L1 ratio / nothing), on
/// the DARE cases whose masks come from torch's RNG: Fixtures/conformance/dare_linear_rescale_*
/// hold, per tensor, what mergekit's output shows independently of its mask (made by
/// make_rescale_goldens.py). The magnitude cases (ties_rescale, breadcrumbs_rescale) are
/// deterministic and compared element by element in ConformanceTests.
@Suite struct RescaleConformanceTests {
    struct TensorSummary: Decodable {
        var delta_l1: Double
        var weighted_tau_l1: Double
        var kept_fraction: Double
        var max_kept_residual: Double
        var max_weighted_tau: Double
    }

    struct Summary: Decodable {
        var weight: Double
        var density: Double
        var tensors: [String: TensorSummary]
    }

    static func summary(_ name: String) throws -> Summary {
        let data = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.conformanceCase(name) + "/summary.json"))
        return try JSONDecoder().decode(Summary.self, from: data)
    }

    /// Per tensor: (L1 norm of the merged delta, largest |kept delta − w·τ|, kept fraction).
    static func deltas(of output: String, weight: Double) throws -> [String: (l1: Double, residual: Double, kept: Double)] {
        let merged = try TinyCheckpoint.readAll(output)
        let base = try TinyCheckpoint.readAll(FixturePaths.model("base"))
        let tuned = try TinyCheckpoint.readAll(FixturePaths.model("ft_a"))
        var result: [String: (l1: Double, residual: Double, kept: Double)] = [:]
        for (name, tensor) in merged {
            let b = try #require(base[name]).values
            let x = try #require(tuned[name]).values
            var l1 = 0.0
            var residual = 0.0
            var kept = 0
            for j in b.indices {
                let delta = Double(tensor.values[j]) - Double(b[j])
                l1 += abs(delta)
                guard delta != 0 else { continue }
                kept += 1
                residual = max(residual, abs(delta - weight * (Double(x[j]) - Double(b[j]))))
            }
            result[name] = (l1, residual, Double(kept) / Double(b.count))
        }
        return result
    }

    /// `rescale: true` is mergekit's L1 rule: every tensor's merged delta has the L1 norm of the
    /// weighted task vector, as in mergekit's output, whatever the mask.
    @Test func rescaleTrueIsTheL1RuleAsInMergekit() throws {
        let golden = try Self.summary("dare_linear_rescale_true")
        let directory = try TemporaryDirectory()
        let output = try MergeHarness.merge(recipe: FixturePaths.recipe("dare_linear_rescale_true"), into: directory)
        let ours = try Self.deltas(of: output, weight: golden.weight)
        #expect(ours.count == golden.tensors.count)
        for (name, expected) in golden.tensors {
            let mine = try #require(ours[name], "\(name)")
            #expect(abs(expected.delta_l1 - expected.weighted_tau_l1) <= 1e-5 * expected.weighted_tau_l1, "mergekit \(name)")
            #expect(abs(mine.l1 - expected.delta_l1) <= 1e-5 * expected.delta_l1, "\(name): ours \(mine.l1), mergekit \(expected.delta_l1)")
            #expect(abs(mine.kept - golden.density) < 0.1, "\(name) kept \(mine.kept)")
        }
    }

    /// Without `rescale:` the exact 1/density stays the default, so small tensors' L1 norms drift
    /// from mergekit's (the norm weights: 64 entries, a few of them kept).
    @Test func defaultRescaleIsStillInverseDensity() throws {
        let golden = try Self.summary("dare_linear_rescale_true")
        let directory = try TemporaryDirectory()
        let recipe = directory.file("default.yaml")
        let text = try String(contentsOfFile: FixturePaths.recipe("dare_linear_rescale_true"), encoding: .utf8)
            .replacingOccurrences(of: "../models", with: FixturePaths.conformance + "/models")
            .replacingOccurrences(of: "parameters:\n  rescale: true\n", with: "")
        #expect(!text.contains("rescale"))
        try text.write(toFile: recipe, atomically: true, encoding: .utf8)
        let output = try MergeHarness.merge(recipe: recipe, into: directory)
        let ours = try Self.deltas(of: output, weight: golden.weight)
        let drifted = golden.tensors.filter { name, expected in
            guard let mine = ours[name] else { return false }
            return abs(mine.l1 - expected.delta_l1) > 0.05 * expected.delta_l1
        }
        #expect(drifted.count >= 5, "\(drifted.keys.sorted())")
    }

    /// `rescale: false` keeps the surviving entries as they are, in mergekit and here.
    @Test func rescaleFalseKeepsSurvivorsAsInMergekit() throws {
        let golden = try Self.summary("dare_linear_rescale_false")
        let directory = try TemporaryDirectory()
        let output = try MergeHarness.merge(recipe: FixturePaths.recipe("dare_linear_rescale_false"), into: directory)
        let ours = try Self.deltas(of: output, weight: golden.weight)
        #expect(ours.count == golden.tensors.count)
        for (name, expected) in golden.tensors {
            let mine = try #require(ours[name], "\(name)")
            let tolerance = 1e-5 * expected.max_weighted_tau
            #expect(expected.max_kept_residual <= tolerance, "mergekit \(name)")
            #expect(mine.residual <= tolerance, "\(name): kept entries differ from w·τ by \(mine.residual)")
            #expect(abs(mine.kept - golden.density) < 0.1 && abs(expected.kept_fraction - golden.density) < 0.1, "\(name)")
        }
    }
}
