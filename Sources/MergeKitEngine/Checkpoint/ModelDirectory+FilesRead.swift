import MergeKitCheckpoint
import MergeKitSafetensors

extension ModelDirectory {
    /// The files of this model that reading `tensorNames` opens, relative to its folder:
    /// config.json, the shard index when there is one, and the model's own weight files (not an
    /// adapter's) holding those tensors (an adapted tensor names its base tensor's file). What a
    /// command downloads of a Hub model, and what a lock file pins.
    public func filesHolding(_ tensorNames: some Sequence<String>) -> [String] {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        var files = [Self.configFileName]
        if let indexFile = weights.indexFileName { files.append(indexFile) }
        // File names are bytes: two spellings of one name are two files.
        var read = Set<ByteString>()
        for name in tensorNames {
            if let tensor = tensor(named: name) { read.insert(ByteString(tensor.file)) }
        }
        for file in weights.weightFiles.prefix(weights.shardCount) where read.contains(ByteString(file.path)) {
            files.append(file.path.hasPrefix(prefix) ? String(file.path.dropFirst(prefix.count)) : file.path)
        }
        return files
    }

    /// The files of the LoRA adapter applied to this model (`model+adapter`), relative to the
    /// adapter's folder: adapter_config.json, then its weights; empty without an adapter.
    public var adapterFiles: [String] {
        guard let adapter else { return [] }
        let prefix = adapter.directory.hasSuffix("/") ? adapter.directory : adapter.directory + "/"
        return adapter.files.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
    }
}
