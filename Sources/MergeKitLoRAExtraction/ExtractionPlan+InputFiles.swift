import MergeKitEngine

extension ExtractionPlan {
    /// The files of the fine-tuned model the extraction reads, relative to its folder:
    /// config.json, the index, and the weight files holding the weights it decomposes and the
    /// tensors it saves whole. What `extract-lora` downloads of a Hub model.
    public var filesReadFromModel: [String] {
        var names: [String] = []
        for action in actions {
            switch action {
            case .decompose(let decomposition):
                names += [decomposition.module.weightTensor, decomposition.module.biasTensor].compactMap { $0 }
            case .saveFullRank(let module):
                names += [module.weightTensor, module.biasTensor].compactMap { $0 }
            }
        }
        return model.filesHolding(names)
    }

    /// The files of the base model the extraction reads: config.json, the index, and the weight
    /// files holding the weights the deltas are taken from.
    public var filesReadFromBase: [String] {
        base.filesHolding(decompositions.map(\.baseWeightTensor))
    }
}
