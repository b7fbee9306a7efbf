import MergeKitEngine

extension MoEPlan {
    /// The files of model `index` the build reads, relative to the model's folder: config.json,
    /// the index, the weight files holding tensors the output takes from it, and for the base
    /// its tokenizer files (copied into the output) and the tensors the gates read (the
    /// embedding for cheap_embed; for the hidden modes also every layer the forward pass runs).
    /// What `moe` downloads of a Hub model.
    public func filesRead(fromModel index: Int) -> [String] {
        var names: [String] = []
        for tensor in tensors {
            guard case .slices(let slices) = tensor.source else { continue }
            for slice in slices where slice.model == index { names.append(slice.tensor) }
        }
        guard index == 0 else { return models[index].filesHolding(names) }
        return base.filesHolding(names + tensorsReadByGates) + base.sideFiles.map(\.name)
    }

    /// The base's tensors the gates are computed from.
    private var tensorsReadByGates: [String] {
        let mode = config.gateMode.value
        if mode == .cheapEmbed { return [DecoderForward.embeddingName] }
        guard mode.usesHiddenStates else { return [] }
        // The hidden state entering the last layer is the last one needed: that layer never runs.
        let prefixes = (0..<max(layerCount - 1, 0)).map { "model.layers.\($0)." }
        return [DecoderForward.embeddingName] + base.tensorNames.filter { name in prefixes.contains { name.hasPrefix($0) } }
    }

    /// The index of the model read from folder `path` (a Hub model's snapshot), if the build reads one.
    public func modelIndex(atPath path: String) -> Int? {
        models.firstIndex { $0.path == path }
    }
}
