import Foundation
import MergeKitCheckpoint
import MergeKitEngine
import MergeKitSafetensors
import MergeKitTensor

/// A float32 forward pass through a Llama-family decoder (llama, mistral, qwen2, qwen3) on CPU,
/// far enough to know the hidden state entering every layer: embedding, then per layer RMSNorm,
/// grouped-query attention with rotary positions (Qwen3's per-head query/key norms, attention
/// biases when the weights have them), the residual, RMSNorm and the SiLU-gated MLP. Layers are
/// run one at a time for all prompts together, their weights streamed from the memory maps, so
/// memory holds the prompts' activations and a block of weights, not the model.
///
/// Each prompt runs alone at positions 0…n−1. mergekit runs them as a left-padded batch, where a
/// prompt's tokens sit at later positions; rotary attention depends only on the distance between
/// positions and padding is masked, so the last token's state is the same (up to rounding).
enum DecoderForward {
    static let embeddingName = "model.embed_tokens.weight"

    /// Why the forward pass cannot run this model, or nil.
    static func unsupportedReason(_ model: ModelDirectory) -> String? {
        DecoderConfiguration.read(model).1
    }

    /// For every layer, for every sequence: the hidden state entering that layer at the
    /// sequence's last token (`average` false), or averaged over its tokens.
    static func layerInputs(_ model: ModelDirectory, sequences: [[Int]], average: Bool) throws -> [[[Float]]] {
        let (read, reason) = DecoderConfiguration.read(model)
        guard let configuration = read else { throw CheckpointError(file: model.path, reason ?? "the forward pass does not support this model") }
        let hidden = configuration.hidden
        let linear = StreamedLinear(model: model)
        let tokens = sequences.flatMap { $0 }
        var ranges: [Range<Int>] = []
        for sequence in sequences {
            let start = ranges.last?.upperBound ?? 0
            ranges.append(start..<(start + sequence.count))
        }
        var positions = [Int](repeating: 0, count: tokens.count)
        for range in ranges {
            for (offset, index) in range.enumerated() { positions[index] = offset }
        }

        var states = try embed(tokens, model: model, hidden: hidden)
        var result: [[[Float]]] = []
        for layer in 0..<configuration.layers {
            result.append(ranges.map { range in summary(states, range: range, hidden: hidden, average: average) })
            if layer + 1 < configuration.layers {
                states = try decoderLayer(layer, states, positions: positions, ranges: ranges, configuration: configuration, linear: linear)
            }
        }
        return result
    }

    private static func summary(_ states: [Float], range: Range<Int>, hidden: Int, average: Bool) -> [Float] {
        guard let last = range.last else { return [Float](repeating: 0, count: hidden) }
        guard average else { return Array(states[(last * hidden)..<((last + 1) * hidden)]) }
        var mean = [Float](repeating: 0, count: hidden)
        for token in range {
            for h in 0..<hidden { mean[h] += states[token * hidden + h] }
        }
        return mean.map { $0 / Float(range.count) }
    }

    private static func embed(_ tokens: [Int], model: ModelDirectory, hidden: Int) throws -> [Float] {
        guard let embedding = model.tensor(named: embeddingName), embedding.shape == [embedding.shape.first ?? 0, hidden],
              embedding.dtype.isMergeable else {
            throw CheckpointError(file: model.path, "'\(embeddingName)' is missing or not a float [vocabulary, \(hidden)]")
        }
        var states = [Float](repeating: 0, count: tokens.count * hidden)
        states.withUnsafeMutableBufferPointer { buffer in
            for (index, token) in tokens.enumerated() {
                embedding.decode(
                    (token * hidden)..<((token + 1) * hidden),
                    into: UnsafeMutableBufferPointer(rebasing: buffer[(index * hidden)..<((index + 1) * hidden)]))
            }
        }
        return states
    }

    /// x · rsqrt(mean(x²) + ε) · w over each `width`-long group (a token, or a head).
    private static func rmsNorm(_ values: [Float], weight: [Float], width: Int, epsilon: Float) -> [Float] {
        var output = values
        for start in stride(from: 0, to: values.count, by: width) {
            var sum: Float = 0
            for i in start..<(start + width) { sum += values[i] * values[i] }
            let scale = 1 / (sum / Float(width) + epsilon).squareRoot()
            for i in 0..<width { output[start + i] = weight[i] * (values[start + i] * scale) }
        }
        return output
    }

    private static func decoderLayer(
        _ layer: Int, _ input: [Float], positions: [Int], ranges: [Range<Int>], configuration c: DecoderConfiguration,
        linear: StreamedLinear
    ) throws -> [Float] {
        let prefix = "model.layers.\(layer)."
        let rows = positions.count
        let hidden = c.hidden
        func bias(_ name: String) -> String? { linear.has(prefix + name) ? prefix + name : nil }

        let normed = rmsNorm(input, weight: try linear.vector(prefix + "input_layernorm.weight", count: hidden), width: hidden, epsilon: c.epsilon)
        var queries = try linear.apply(prefix + "self_attn.q_proj.weight", biasName: bias("self_attn.q_proj.bias"), to: normed, rows: rows)
        var keys = try linear.apply(prefix + "self_attn.k_proj.weight", biasName: bias("self_attn.k_proj.bias"), to: normed, rows: rows)
        let values = try linear.apply(prefix + "self_attn.v_proj.weight", biasName: bias("self_attn.v_proj.bias"), to: normed, rows: rows)
        let (d, heads, keyHeads) = (c.headDimension, c.heads, c.keyValueHeads)
        guard queries.count == rows * heads * d, keys.count == rows * keyHeads * d, values.count == keys.count else {
            throw CheckpointError(file: linear.model.path, "layer \(layer): attention projections do not match \(heads) heads × head_dim \(d) (\(keyHeads) key-value heads)")
        }
        if c.normalizesQueriesAndKeys {
            queries = rmsNorm(queries, weight: try linear.vector(prefix + "self_attn.q_norm.weight", count: d), width: d, epsilon: c.epsilon)
            keys = rmsNorm(keys, weight: try linear.vector(prefix + "self_attn.k_norm.weight", count: d), width: d, epsilon: c.epsilon)
        }
        queries.withUnsafeMutableBufferPointer { q in
            keys.withUnsafeMutableBufferPointer { k in
                for token in 0..<rows {
                    c.rotary.apply(UnsafeMutableBufferPointer(rebasing: q[(token * heads * d)..<((token + 1) * heads * d)]), heads: heads, position: positions[token])
                    c.rotary.apply(UnsafeMutableBufferPointer(rebasing: k[(token * keyHeads * d)..<((token + 1) * keyHeads * d)]), heads: keyHeads, position: positions[token])
                }
            }
        }
        let attended = attention(queries, keys, values, ranges: ranges, configuration: c)
        let projected = try linear.apply(prefix + "self_attn.o_proj.weight", biasName: bias("self_attn.o_proj.bias"), to: attended, rows: rows)
        guard projected.count == input.count else {
            throw CheckpointError(file: linear.model.path, "layer \(layer): o_proj does not map back to hidden_size \(hidden)")
        }
        var states = zip(input, projected).map { $0 + $1 }

        let normedAgain = rmsNorm(states, weight: try linear.vector(prefix + "post_attention_layernorm.weight", count: hidden), width: hidden, epsilon: c.epsilon)
        let gate = try linear.apply(prefix + "mlp.gate_proj.weight", biasName: bias("mlp.gate_proj.bias"), to: normedAgain, rows: rows)
        let up = try linear.apply(prefix + "mlp.up_proj.weight", biasName: bias("mlp.up_proj.bias"), to: normedAgain, rows: rows)
        let activated = zip(gate, up).map { g, u in g / (1 + exp(-g)) * u }
        let down = try linear.apply(prefix + "mlp.down_proj.weight", biasName: bias("mlp.down_proj.bias"), to: activated, rows: rows)
        guard gate.count == up.count, down.count == states.count else {
            throw CheckpointError(file: linear.model.path, "layer \(layer): the MLP's gate, up and down projections do not fit hidden_size \(hidden)")
        }
        for i in 0..<states.count { states[i] += down[i] }
        return states
    }

    /// Causal softmax attention per sequence and head; query head h reads key-value head
    /// h / (heads / keyValueHeads).
    private static func attention(_ q: [Float], _ k: [Float], _ v: [Float], ranges: [Range<Int>], configuration c: DecoderConfiguration) -> [Float] {
        let (d, heads, keyHeads) = (c.headDimension, c.heads, c.keyValueHeads)
        let group = heads / keyHeads
        let scale = 1 / Float(d).squareRoot()
        var output = [Float](repeating: 0, count: q.count)
        var scores = [Float](repeating: 0, count: ranges.map(\.count).max() ?? 0)
        for range in ranges {
            for query in range {
                let first = c.slidingWindow.map { max(range.lowerBound, query - $0 + 1) } ?? range.lowerBound
                for head in 0..<heads {
                    let kvHead = head / group
                    let qBase = (query * heads + head) * d
                    var maximum = -Float.infinity
                    for key in first...query {
                        let kBase = (key * keyHeads + kvHead) * d
                        var dot: Float = 0
                        for i in 0..<d { dot += q[qBase + i] * k[kBase + i] }
                        scores[key - first] = dot * scale
                        maximum = max(maximum, dot * scale)
                    }
                    var total: Float = 0
                    for key in first...query {
                        scores[key - first] = exp(scores[key - first] - maximum)
                        total += scores[key - first]
                    }
                    for key in first...query {
                        let weight = scores[key - first] / total
                        let vBase = (key * keyHeads + kvHead) * d
                        for i in 0..<d { output[qBase + i] += weight * v[vBase + i] }
                    }
                }
            }
        }
        return output
    }
}
