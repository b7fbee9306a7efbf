/// `gate_mode: hidden` (and `hidden_last`, `hidden_avg`): per layer, an expert's gate is the mean
/// over its positive prompts of the base model's hidden state entering that layer (at the last
/// token, or averaged over the tokens for `hidden_avg`), minus the same for its negative prompts,
/// normalized. mergekit's `get_hidden_states`, with the forward pass in float32 (mergekit runs it
/// in bfloat16) and `hidden_avg` averaging the prompt's own tokens (mergekit's average also takes
/// in the left padding of shorter prompts).
enum HiddenStateGates {
    static func gates(_ plan: MoEPlan) throws -> GateMatrix {
        var sequences: [[Int]] = []
        for prompts in plan.prompts { sequences += prompts.positive + prompts.negative }
        let states = try DecoderForward.layerInputs(plan.base, sequences: sequences, average: plan.config.gateMode.value == .hiddenAverage)
        let hidden = plan.hiddenSize
        var matrix = GateMatrix(layers: plan.layerCount, rows: plan.gatedExperts, hidden: hidden)
        for layer in 0..<plan.layerCount {
            var next = 0
            for (expert, prompts) in plan.prompts.enumerated() {
                func mean(_ count: Int) -> [Double] {
                    var total = [Double](repeating: 0, count: hidden)
                    for sequence in next..<(next + count) {
                        for h in 0..<hidden { total[h] += Double(states[layer][sequence][h]) }
                    }
                    next += count
                    return total.map { $0 / Double(max(count, 1)) }
                }
                var vector = mean(prompts.positive.count)
                if !prompts.negative.isEmpty {
                    let negative = mean(prompts.negative.count)
                    for h in 0..<hidden { vector[h] -= negative[h] }
                }
                matrix.set(layer: layer, row: expert, CheapEmbedGates.normalized(vector).map(Float.init))
            }
        }
        return matrix
    }
}
