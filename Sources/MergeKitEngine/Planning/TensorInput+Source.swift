import MergeKitCheckpoint

/// What the kind of an input's source changes for planning: how `plan` names it, what it reads
/// and the scratch its decoding needs.
extension TensorInput {
    /// The LoRA-adapted tensor, when the input is a base weight with an adapter's update.
    var adapted: LoRAAdaptedTensor? { source as? LoRAAdaptedTensor }

    /// A PyTorch view whose elements are not one run of its storage (gathered run by run).
    var isStrided: Bool {
        let stored = adapted?.base ?? source
        return (stored as? PyTorchTensor).map { !$0.layout.isContiguous } ?? false
    }

    /// "safetensors", "pytorch", "lora" or "stage": where the elements come from.
    var format: String {
        if adapted != nil { return "lora" }
        if source is StageTensor { return "stage" }
        return source is PyTorchTensor ? "pytorch" : "safetensors"
    }

    /// Stored bytes read: the tensor's, and an adapted tensor's LoRA factors.
    var bytesRead: Int {
        // A stage's tensor is computed, and its own inputs are counted with its stage.
        if source is StageTensor { return 0 }
        guard let adapted else { return source.storedByteCount }
        return adapted.base.storedByteCount + adapted.module.a.storedByteCount + adapted.module.b.storedByteCount
    }

    /// Bytes of mapped input files reading the whole tensor touches: a stage's tensor touches
    /// its stage's inputs (and theirs).
    var mappedBytes: Int {
        guard let stage = source as? StageTensor else { return source.storedByteCount }
        return stage.job.inputs.reduce(0) { $0 + $1.mappedBytes }
    }

    /// Scratch one decode of `rows` rows allocates beyond the decoded values (LoRA, stages).
    func scratchBytes(rows: Int) -> Int {
        adapted?.scratchBytes(rows: rows) ?? (source as? StageTensor)?.scratchBytes(rows: rows) ?? 0
    }
}
