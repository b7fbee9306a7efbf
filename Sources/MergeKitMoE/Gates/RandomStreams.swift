import Foundation
import MergeKitEngine

/// The seeded numbers of random gates and expert noise: the mask RNG's counter-based streams
/// (docs/rng.md), turned into normal deviates by Box–Muller. Each number is a pure function of
/// the seed, a name, a position and an index, so outputs are reproducible and independent of
/// the order tensors are written in.
enum RandomStreams {
    /// The gate stream of expert row `row` in layer `layer`: name `model.layers.<l>.mlp.gate`.
    static func gate(seed: UInt64, layer: Int, row: Int) -> TensorSeed {
        TensorSeed(seed: seed, tensorName: "model.layers.\(layer).mlp.gate", sourcePosition: row)
    }

    /// The noise stream of an expert's source tensor (its name in the source model).
    static func noise(seed: UInt64, tensor: String, expertPosition: Int) -> TensorSeed {
        TensorSeed(seed: seed, tensorName: tensor, sourcePosition: expertPosition)
    }

    /// N(0, 1) number `index` of `stream`: √(−2 ln(1 − u₂ᵢ)) · cos(2π u₂ᵢ₊₁).
    static func normal(_ stream: TensorSeed, at index: Int) -> Double {
        let radius = (-2 * log(1 - stream.uniform(at: 2 * index))).squareRoot()
        return radius * cos(2 * Double.pi * stream.uniform(at: 2 * index + 1))
    }

    /// `gate_mode: random`: standard normal gates. `uniform_random`: uniform in ±1/√hidden.
    static func gates(layers: Int, rows: Int, hidden: Int, seed: UInt64, uniform: Bool) -> GateMatrix {
        var matrix = GateMatrix(layers: layers, rows: rows, hidden: hidden)
        let bound = (1 / Double(hidden)).squareRoot()
        for layer in 0..<layers {
            for row in 0..<rows {
                let stream = gate(seed: seed, layer: layer, row: row)
                matrix.set(layer: layer, row: row, (0..<hidden).map { h in
                    Float(uniform ? (2 * stream.uniform(at: h) - 1) * bound : normal(stream, at: h))
                })
            }
        }
        return matrix
    }
}
