import MergeKitEngine

/// What an interrupted build must share with the resumed one for its finished tensors to be
/// kept: the configuration text, the seed, the output layout, and every input file as `apply`'s
/// resume fingerprint knows it (real path, device, inode, size, modification and status-change
/// times, and the bytes describing its tensors: a safetensors header, a .bin's data.pkl, an
/// adapter's config).
enum MoEFingerprint {
    static func of(_ plan: MoEPlan) -> UInt64 {
        var hasher = FNVHasher()
        hasher.add(plan.config.source)
        hasher.add("seed \(plan.seed)")
        for tensor in plan.tensors {
            hasher.add("\(tensor.spec.name) \(tensor.spec.dtype.rawValue) \(tensor.spec.shape)")
        }
        for shard in plan.layout.shards {
            hasher.add(shard.fileName)
            shard.headerBytes.withUnsafeBytes { hasher.add($0) }
        }
        for model in plan.models {
            for file in model.weights.weightFiles { hasher.add(identityOf: file) }
        }
        return hasher.value
    }
}
