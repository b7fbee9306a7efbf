import MergeKitCheckpoint
import MergeKitEngine
import MergeKitSafetensors
import MergeKitTensor

/// `gate_mode: cheap_embed`: each expert's gate is the sum of the token embeddings of its
/// positive prompts (every token of every prompt, the BOS included), normalized; minus the same
/// for its negative prompts, normalized again; the same vector in every layer. This is
/// mergekit's `get_cheap_embedding`, summed in double precision instead of float32.
enum CheapEmbedGates {
    static func gates(_ plan: MoEPlan) throws -> GateMatrix {
        guard let embedding = plan.base.tensor(named: DecoderForward.embeddingName), embedding.dtype.isMergeable else {
            throw CheckpointError(file: plan.base.path, "'\(DecoderForward.embeddingName)' is no longer there")
        }
        let hidden = plan.hiddenSize
        var matrix = GateMatrix(layers: plan.layerCount, rows: plan.gatedExperts, hidden: hidden)
        var row = [Float](repeating: 0, count: hidden)
        func summed(_ prompts: [[Int]]) -> [Double] {
            var total = [Double](repeating: 0, count: hidden)
            for id in prompts.joined() {
                row.withUnsafeMutableBufferPointer { output in
                    embedding.decode((id * hidden)..<((id + 1) * hidden), into: output)
                }
                for h in 0..<hidden { total[h] += Double(row[h]) }
            }
            return total
        }
        for (expert, prompts) in plan.prompts.enumerated() {
            var vector = normalized(summed(prompts.positive))
            if !prompts.negative.isEmpty {
                let negative = normalized(summed(prompts.negative))
                for h in 0..<hidden { vector[h] -= negative[h] }
            }
            let gate = normalized(vector).map(Float.init)
            for layer in 0..<plan.layerCount { matrix.set(layer: layer, row: expert, gate) }
        }
        return matrix
    }

    /// `vector / max(‖vector‖, 1e-8)`, torch's `clamp(min=1e-8)`.
    static func normalized(_ vector: [Double]) -> [Double] {
        let norm = max(vector.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-8)
        return vector.map { $0 / norm }
    }
}
