@testable import MergeKitEngine
import Testing

/// The integer keep test of the DARE mask decides exactly like u_j < p (docs/rng.md).
@Suite struct BernoulliThresholdTests {
    @Test(arguments: [0.0, 1e-300, 0x1p-53, 0.1, 0.3, 0.5, 0.5 + 0x1p-53, 0.9, 1 - 0x1p-53, 1.0, 1.5, -0.2])
    func agreesWithTheUniformDraw(probability: Double) {
        let stream = TensorSeed(seed: 7, tensorName: "model.layers.0.mlp.up_proj.weight", sourcePosition: 1)
        let threshold = BernoulliThreshold(probability: probability, stream: stream)
        var disagreements = 0
        var kept = 0
        for index in 0..<20_000 {
            let expected = stream.uniform(at: index) < probability
            if threshold.keeps(index) != expected { disagreements += 1 }
            if expected { kept += 1 }
        }
        #expect(disagreements == 0, "p = \(probability): \(disagreements) of 20000 differ (\(kept) kept)")
    }

    @Test func decidesAtTheExactBoundary() {
        // Find an index whose u is known, then put p exactly on it and one ulp above.
        let stream = TensorSeed(seed: 1, tensorName: "t", sourcePosition: 0)
        let u = stream.uniform(at: 42)
        #expect(!BernoulliThreshold(probability: u, stream: stream).keeps(42), "u < u is false")
        #expect(BernoulliThreshold(probability: u.nextUp, stream: stream).keeps(42))
    }
}
