import MergeKitCheckpoint
import MergeKitEngine
import MergeKitHub
import MergeKitRecipe
import MergeKitSafetensors

/// The recipe's models named by Hub id, brought to the planner (the engine has no network
/// code). Before planning each is resolved to a commit and read from its headers: config.json,
/// the shard index and every shard's safetensors header, never the weights. After planning,
/// `apply` downloads the files the plan reads and nothing else. Two kinds are fetched whole
/// before planning instead: the LoRA adapter of `model+adapter` (adapter_config.json and its
/// weights, small), and a model with PyTorch `.bin` weights only (a pickle cannot be checked from
/// a byte range; a line on stderr says so and how much). A model that cannot be brought in is
/// kept as a problem, which the planner reports at the model's place in the recipe.
///
/// Which references name Hub repositories is decided by `ModelLocator`, as the planner decides it.
final class HubInputs {
    /// One Hub model of the recipe.
    struct Input: Sendable {
        let model: ResolvedHubModel
        /// The model's headers; nil for a LoRA adapter.
        let checkpoint: RemoteCheckpoint?
        /// `snapshots/<commit>` in the cache: the model's folder for the planner.
        let folder: String
        /// The files fetched whole before planning: a LoRA adapter's, a `.bin` model's weights.
        let fetched: [String]
    }

    /// A model that could not be brought in, and the exit code it calls for.
    struct Problem {
        let message: String
        let exitCode: Int32
    }

    /// nil when the recipe names no Hub model (then nothing is configured or contacted).
    let store: HubModelStore?
    private(set) var inputs: [HubModelReference: Input] = [:]
    private(set) var problems: [HubModelReference: Problem] = [:]
    /// The Hub references in recipe order.
    let references: [HubModelReference]

    private init(store: HubModelStore?, references: [HubModelReference]) {
        self.store = store
        self.references = references
    }

    /// Resolves and reads the headers of every Hub model `recipe` names, several at a time.
    ///
    /// - Parameter pinned: for `apply --locked`, the commit to use instead of each reference's
    ///   revision (keyed by the reference as written).
    static func prepare(
        _ recipe: LoadedRecipe, options: HubOptions, quiet: Bool, pinned: [HubModelReference: HubModelReference] = [:]
    ) async throws -> HubInputs {
        let locator = ModelLocator(recipeFile: recipe.file)
        var references: [HubModelReference] = []
        var adapters = Set<HubModelReference>()
        for written in recipe.modelReferences {
            // References that name nothing are the planner's to report.
            guard let location = try? locator.locate(written.value) else { continue }
            for reference in location.hubReferences where !references.contains(reference) { references.append(reference) }
            if case .hub(let adapter)? = location.adapter { adapters.insert(adapter) }
        }
        guard !references.isEmpty else { return HubInputs(store: nil, references: []) }
        let configuration = try HubConfiguration(cacheOverride: options.transformersCache)
        let store = HubModelStore(configuration: configuration, progress: quiet ? .silent : .standardError)
        let hub = HubInputs(store: store, references: references)
        let tokenizerReaders = Set(tokenizersReadWhilePlanning(recipe, locator: locator))
        let results = await withTaskGroup(of: (HubModelReference, Result<Input, HubError>).self) { group in
            for reference in references {
                let target = pinned[reference] ?? reference
                let readsTokenizer = tokenizerReaders.contains(reference)
                let isAdapter = adapters.contains(reference)
                group.addTask {
                    do throws(HubError) {
                        let model = try await store.resolve(target)
                        let folder = store.cache.repository(model.repo).snapshotFolder(commit: model.commit)
                        if isAdapter {
                            let fetched = try await fetchAdapter(model, store: store)
                            return (reference, .success(Input(model: model, checkpoint: nil, folder: folder, fetched: fetched)))
                        }
                        let checkpoint = try await store.readCheckpoint(of: model)
                        if readsTokenizer { try await store.fetchListed(SideFile.names, of: model) }
                        try await downloadPyTorchWeights(checkpoint, store: store, quiet: quiet)
                        return (reference, .success(Input(model: model, checkpoint: checkpoint, folder: folder, fetched: checkpoint.pytorchFiles)))
                    } catch {
                        return (reference, .failure(error))
                    }
                }
            }
            var results: [(HubModelReference, Result<Input, HubError>)] = []
            for await result in group { results.append(result) }
            return results
        }
        for (reference, result) in results {
            switch result {
            case .success(let input):
                hub.inputs[reference] = input
                if case .cacheAfterNetworkFailure(let reason) = input.model.origin, !quiet {
                    CommandFailure.printWarning("'\(reference)': the Hub cannot be reached (\(reason)); using commit \(input.model.commit) from the Hugging Face cache")
                }
            case .failure(let error):
                hub.problems[reference] = Problem(
                    message: describe(error, pinnedTo: pinned[reference]), exitCode: InputFailure.exitCode(for: error))
            }
        }
        return hub
    }

    /// The Hub models whose tokenizer files the planner reads (they are small, and fetched
    /// with the headers): under tokenizer settings or a chat template every model's, since the
    /// output vocabulary is built from them; otherwise the one whose files are copied, the base
    /// (else the first model).
    /// In a multi-stage recipe, per document, leaving out stages (whose tokenizer is that of
    /// their own document's models).
    private static func tokenizersReadWhilePlanning(_ recipe: LoadedRecipe, locator: ModelLocator) -> [HubModelReference] {
        let written = recipe.documents.flatMap { document in
            let references = document.tokenizer != nil || document.chatTemplate != nil ? document.modelReferences : Array(document.modelReferences.prefix(1))
            return references.filter { !recipe.readsStage($0.value) }
        }
        return written.compactMap { reference in
            guard case .hub(let hub)? = (try? locator.locate(reference.value))?.model else { return nil }
            return hub
        }
    }

    /// A LoRA adapter's files, fetched whole (an adapter is a few MB, and the planner checks its
    /// config and factors against the base): adapter_config.json and its weights.
    private static func fetchAdapter(_ model: ResolvedHubModel, store: HubModelStore) async throws(HubError) -> [String] {
        let listed = { (file: String) in model.file(file) != nil || store.cachedPath(file, of: model) != nil }
        guard listed(ModelFiles.adapterConfig) else { throw store.missing(ModelFiles.adapterConfig, of: model) }
        guard let weights = ModelFiles.adapterWeights.first(where: listed) else {
            throw store.missing(ModelFiles.adapterWeights[0], of: model)
        }
        let files = [ModelFiles.adapterConfig, weights]
        try await store.download(files, of: model)
        return files
    }

    /// A model with PyTorch `.bin` weights only: downloaded before planning, saying so first
    /// (with the size and the disk space check), since a pickle cannot be read from its header.
    private static func downloadPyTorchWeights(_ checkpoint: RemoteCheckpoint, store: HubModelStore, quiet: Bool) async throws(HubError) {
        guard !checkpoint.pytorchFiles.isEmpty else { return }
        let plan = try store.downloadPlan(checkpoint.pytorchFiles, of: checkpoint.model)
        guard plan.bytesToDownload > 0 else { return }
        try plan.checkDiskSpace()
        if !quiet {
            CommandFailure.printNote("Hub: '\(checkpoint.model.reference)' has PyTorch .bin weights only, which cannot be checked from their headers; will download them (\(ByteFormatting.format(plan.bytesToDownload))) before planning")
        }
        try await store.download(checkpoint.pytorchFiles, of: checkpoint.model)
    }

    /// The error's text; for a locked commit the Hub no longer has, what that means.
    private static func describe(_ error: HubError, pinnedTo pin: HubModelReference?) -> String {
        guard let pin, let commit = pin.revision, case .revisionNotFound(let repo, _) = error else { return error.description }
        return "the lock file pins commit \(commit), which repository '\(repo)' no longer has (its history was rewritten?); run `mergekit-swift lock` to pin a commit it has"
    }

    /// The models for the planner: read from their headers, with the files already in the
    /// cache mapped (all the plan reads, once `download` ran); adapters and `.bin` models as the
    /// folders they were fetched into.
    var hubModels: HubModels {
        var models: [HubModelReference: Result<HubModel, HubModelUnavailable>] = [:]
        for (reference, problem) in problems {
            models[reference] = .failure(HubModelUnavailable(problem.message))
        }
        for (reference, input) in inputs {
            guard let checkpoint = input.checkpoint, checkpoint.pytorchFiles.isEmpty else {
                models[reference] = .success(HubModel(folder: input.folder, contents: .files))
                continue
            }
            let shards = checkpoint.shards.map { CheckpointWeights.ShardHeader(file: $0.file, header: $0.header) }
            models[reference] = .success(HubModel(
                folder: input.folder, contents: .headers(config: checkpoint.config, index: checkpoint.index, shards: shards)))
        }
        return HubModels(models)
    }

    /// Plans `recipe` with these models (see `Planner.plan`).
    func plan(_ recipe: LoadedRecipe, options: PlanOptions) throws -> MergePlan {
        do {
            return try Planner.plan(recipe, options: options, hubModels: hubModels)
        } catch {
            throw failure(planning: error)
        }
    }

    /// What reading the headers cost, for stderr: bytes transferred against the weights' size.
    var headerSummary: String? {
        let checked = inputs.values.compactMap(\.checkpoint).filter(\.pytorchFiles.isEmpty)
        guard !checked.isEmpty else { return nil }
        let transferred = checked.reduce(0) { $0 + $1.bytesTransferred }
        let weights = checked.reduce(0) { $0 + $1.weightBytes }
        let models = "\(checked.count) model\(checked.count == 1 ? "" : "s")"
        guard transferred > 0 else { return "Hub: checked \(models) from the files in the Hugging Face cache" }
        return "Hub: checked \(models) from their headers: \(ByteFormatting.format(transferred)) transferred "
            + "(config.json, indexes, safetensors headers), none of their \(ByteFormatting.format(weights)) of weights"
    }

    /// The failure to report for a plan that failed: its diagnostics, with exit code 1 when a
    /// Hub model could not be brought in because the network or the machine failed.
    func failure(planning error: RecipeError) -> any Error {
        let exitCode = problems.values.map(\.exitCode).max() ?? CommandFailure.dataError
        guard exitCode != CommandFailure.dataError else { return error }
        return InputFailure(diagnostics: error.diagnostics, exitCode: exitCode)
    }

    // MARK: After planning

    /// One Hub model of a plan and the files the plan reads from it.
    struct Need {
        let reference: HubModelReference
        let input: Input
        let files: [String]
    }

    /// Per Hub model of `plan` (in recipe order), the files the merge reads: config.json, the
    /// index, the shards holding tensors it reads, for the tokenizer model the tokenizer files
    /// the commit has, and for the model whose config the output takes its
    /// generation_config.json.
    func needs(of plan: MergePlan, copiesTokenizer: Bool = true) -> [Need] {
        var needs: [Need] = []
        for reference in references {
            guard let input = inputs[reference], !needs.contains(where: { $0.input.folder == input.folder }) else { continue }
            let plans = plan.plansWithStages
            guard input.checkpoint != nil else {
                // An adapter: the files fetched before planning, when the plan applies it.
                if plans.contains(where: { $0.models.contains { $0.adapterPath == input.folder } }) {
                    needs.append(Need(reference: reference, input: input, files: input.fetched))
                }
                continue
            }
            // Read by the output's plan or by a stage's (a multi-stage recipe).
            var files: [String] = []
            var isRead = false
            for part in plans {
                guard let index = part.models.firstIndex(where: { $0.stage == nil && $0.path == input.folder }) else { continue }
                isRead = true
                var companions = part.readsTokenizer(ofModel: index) && copiesTokenizer ? SideFile.names : []
                if part.configModelIndex == index { companions.append(SideFile.generationConfigName) }
                let read = part.filesRead(fromModel: index) + companions.filter { input.model.file($0) != nil }
                for file in read where !files.contains(file) { files.append(file) }
            }
            guard isRead else { continue }
            needs.append(Need(reference: reference, input: input, files: files))
        }
        return needs
    }

    /// What downloading the needed files costs, per model.
    func downloadPlans(_ needs: [Need]) throws(HubError) -> [HubDownloadPlan] {
        guard let store else { return [] }
        return try needs.map { need throws(HubError) in try store.downloadPlan(need.files, of: need.input.model) }
    }

    /// Downloads the needed files that are not in the cache yet.
    func download(_ needs: [Need]) async throws(HubError) {
        guard let store else { return }
        for need in needs {
            try await store.download(need.files, of: need.input.model)
        }
    }
}

extension HubInputs {
    /// Says how much `apply` will download and where, and refuses before any download when the
    /// disk holding the cache lacks the space (counting the output too when it is written to the
    /// same file system).
    func checkDiskSpace(for needs: [Need], outputPath: String, outputBytes: Int, quiet: Bool) throws {
        guard let store else { return }
        let plans = try downloadPlans(needs)
        let cache = store.cache.root
        let bytes = plans.reduce(0) { $0 + $1.bytesToDownload }
        guard bytes > 0 else {
            if !quiet { CommandFailure.printNote("Hub: every file the merge reads is in the cache (\(cache))") }
            return
        }
        let device = { (path: String) in try? FileStatus.of(FileSystem.nearestExistingFolder(path)).get().device }
        let sameDisk = device(cache) == device(outputPath)
        try HubDownloadPlan.checkDiskSpace(plans, outputBytes: sameDisk ? outputBytes : 0)
        if !quiet {
            let files = plans.reduce(0) { $0 + $1.items.filter { $0.bytesToDownload > 0 }.count }
            let models = plans.filter { $0.bytesToDownload > 0 }.count
            let free = plans.map(\.availableBytes).min() ?? 0
            CommandFailure.printNote("Hub: will download \(ByteFormatting.format(bytes)) in \(files) file\(files == 1 ? "" : "s") of \(models) model\(models == 1 ? "" : "s") into \(cache) (\(ByteFormatting.format(free)) free there)")
        }
    }
}
