import MergeKitCheckpoint
import MergeKitSafetensors

extension MergePlan {
    /// The files of model `index` the merge reads, relative to the model's folder: config.json,
    /// the shard index when there is one, the weight files holding tensors the plan reads, when
    /// its tokenizer is read the side files found in its folder, and when its config is the
    /// output's (the base, else the first model) its generation_config.json. An adapter's files
    /// (`model+adapter`) are in the adapter's folder and not listed here. What `apply` downloads
    /// of a Hub model, and what `lock` pins.
    public func filesRead(fromModel index: Int) -> [String] {
        let model = models[index]
        let prefix = model.path.hasSuffix("/") ? model.path : model.path + "/"
        var files = [ModelDirectory.configFileName]
        if let indexFile = model.weights.indexFileName { files.append(indexFile) }
        let read = filesRead(fromModel: index, among: modelWeightFiles(of: model))
        files += read.map(\.path).map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
        if readsTokenizer(ofModel: index) { files += model.sideFiles.map(\.name) }
        if configModelIndex == index, let generationConfig = model.generationConfig { files.append(generationConfig.name) }
        return files
    }

    /// The plans whose jobs read the input models: each stage's (a multi-stage recipe), then
    /// this one.
    public var plansWithStages: [MergePlan] { stages.map(\.plan) + [self] }

    /// The files of the model in folder `path` that the merge reads, its stages included (see
    /// `filesRead(fromModel:)`), in the order first read; nil when no plan opens that model.
    public func filesRead(fromModelAt path: String) -> [String]? {
        var files: [String]?
        for plan in plansWithStages {
            guard let index = plan.models.firstIndex(where: { $0.stage == nil && $0.path == path }) else { continue }
            var read = files ?? []
            for file in plan.filesRead(fromModel: index) where !read.contains(file) { read.append(file) }
            files = read
        }
        return files
    }

    /// Whether the output's tokenizer is made from model `index`'s tokenizer files: copied from
    /// it, written again from its folder, or (under tokenizer settings) built from every merged
    /// model's vocabulary.
    public func readsTokenizer(ofModel index: Int) -> Bool {
        switch tokenizer {
        case .copied(let model): return model == index
        case .built: return vocabulary != nil
        case .retemplated(let model, let location, _): return model == index || location.directory == models[index].path
        case .none: return false
        }
    }

    /// A weight file the plan reads that is known by its header only (a Hub model's shard that
    /// was not downloaded), if any: such a plan can be shown and checked, not run.
    public var fileNotDownloaded: String? {
        for stage in stages {
            if let file = stage.plan.fileNotDownloaded { return file }
        }
        for (index, model) in models.enumerated() where model.stage == nil {
            let unmapped = modelWeightFiles(of: model).filter { !$0.isMapped }
            guard !unmapped.isEmpty else { continue }
            if let file = filesRead(fromModel: index, among: unmapped).first { return file.path }
        }
        return nil
    }

    /// The model's own weight files (an adapter's come after them in `weightFiles`).
    private func modelWeightFiles(of model: ModelDirectory) -> [WeightFile] {
        Array(model.weights.weightFiles.prefix(model.weights.shardCount))
    }

    /// Those of `files` holding a tensor the plan reads from model `index` (an adapted tensor
    /// names its base tensor's file).
    private func filesRead(fromModel index: Int, among files: [WeightFile]) -> [WeightFile] {
        // File names are bytes: two spellings of one name are two files.
        var read = Set<ByteString>()
        for job in jobs {
            for input in job.inputs where input.modelIndex == index { read.insert(ByteString(input.source.file)) }
        }
        return files.filter { read.contains(ByteString($0.path)) }
    }
}
