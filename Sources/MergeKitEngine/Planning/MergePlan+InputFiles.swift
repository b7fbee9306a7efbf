extension MergePlan {
    /// The files of model `index` the merge reads, relative to the model's folder: config.json,
    /// the shard index when there is one, the safetensors files holding tensors the plan reads,
    /// when its tokenizer is read the side files found in its folder, and when its config is
    /// the output's (the base, else the first model) its generation_config.json. What `apply`
    /// downloads of a Hub model, and what `lock` pins.
    public func filesRead(fromModel index: Int) -> [String] {
        let model = models[index]
        let prefix = model.path.hasSuffix("/") ? model.path : model.path + "/"
        var files = [ModelDirectory.configFileName]
        if model.index != nil { files.append(ModelDirectory.indexFileName) }
        var read = Set<String>()
        for job in jobs {
            for input in job.inputs where input.modelIndex == index { read.insert(input.file.path) }
        }
        files += model.files.map(\.path).filter(read.contains).map { String($0.dropFirst(prefix.count)) }
        if readsTokenizer(ofModel: index) { files += model.sideFiles.map(\.name) }
        if configModelIndex == index, let generationConfig = model.generationConfig { files.append(generationConfig.name) }
        return files
    }

    /// Whether the output's tokenizer is made from model `index`'s tokenizer files: copied from
    /// it, written again from its folder, or (under tokenizer settings) built from every merged
    /// model's vocabulary.
    public func readsTokenizer(ofModel index: Int) -> Bool {
        switch tokenizer {
        case .copied(let model): return model == index
        case .built: return vocabulary != nil
        case .retemplated(let directory, _): return directory == models[index].path
        case .none: return false
        }
    }

    /// An input the plan reads from a file known by its header only (a Hub model's shard that
    /// was not downloaded), if any: such a plan can be shown and checked, not run.
    public var inputNotDownloaded: TensorInput? {
        for job in jobs {
            if let input = job.inputs.first(where: { !$0.file.isMapped }) { return input }
        }
        return nil
    }
}
