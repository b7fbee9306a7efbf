import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTensor

/// Builds a recipe's `MergePlan` in one step, from its parts: the recipe checked against the
/// method (`RecipeChecker`), the models opened and the slices normalised (`SliceNormalizer`),
/// the vocabulary and tokenizer files (`VocabularyStep`), one job per output tensor
/// (`TensorJobFactory` over each slice's `SliceInputs`), then the shard layout and the output
/// config. Every problem found on the way goes to one `DiagnosticSink`;
/// the plan comes out complete, its warnings already final (`--strict` included), or not at all.
struct PlanBuilder {
    let recipe: Recipe
    let options: PlanOptions
    /// Diagnostics found before planning (the decoder's warnings).
    let warnings: [Diagnostic]
    /// The models the recipe names by Hub id.
    let hubModels: HubModels
    /// The named stages this document may read, by name (multi-stage recipes).
    var stageModels: [String: ModelDirectory] = [:]

    func build() throws(RecipeError) -> MergePlan {
        var sink = DiagnosticSink(warnings)
        let catalog = ModelCatalog(recipeFile: self.recipe.file, hubModels: hubModels, stages: stageModels)
        guard let module = module(catalog: catalog, into: &sink) else { throw sink.failure(strict: options.strict) }
        // From here on the recipe is its module: its models or slices, its parameters apart.
        var recipe = self.recipe
        recipe.layout = module.layout
        let checker = RecipeChecker(recipe: recipe, moduleParameters: module.parameters)
        guard let method = checker.method(into: &sink) else { throw sink.failure(strict: options.strict) }
        let parameters = checker.checkParameters(of: method, into: &sink)
        checker.checkRequiredParameters(of: method, into: &sink)
        let readDType = dtype(recipe.dtype, into: &sink)
        let outDType = dtype(recipe.outDType, into: &sink)
        let base = baseModel(of: method, recipe: recipe, catalog: catalog, into: &sink)
        let slices = SliceNormalizer(recipe: recipe, catalog: catalog, parameters: parameters).slices(into: &sink)
        guard !sink.hasErrors else { throw sink.failure(strict: options.strict) }
        let configModel = base ?? slices.first?.sources.first?.model ?? 0
        ArchitectureCheck(catalog: catalog, reference: configModel).check(allowCrimes: options.allowCrimes, into: &sink)

        if recipe.tokenizer != nil || recipe.chatTemplate != nil { ProcessHeap.keepLargeBlocksMapped() }
        let vocabulary = VocabularyStep(recipe: recipe, catalog: catalog, base: base, slices: slices).run(into: &sink)
        // Without its vocabulary, every token-indexed tensor would only add a mismatch error.
        guard !sink.hasErrors else { throw sink.failure(strict: options.strict) }
        if vocabulary.alignment != nil { ProcessHeap.releaseFreePages() }
        let seed = seed(into: &sink)
        let context = PlanContext(
            recipe: recipe, method: method, base: base, readDType: readDType, outDType: outDType, seed: seed,
            options: options, catalog: catalog, topLevelParameters: parameters.topLevel, moduleParameters: parameters.module,
            vocabulary: vocabulary.alignment)
        let inputs = slices.map { SliceInputs($0, context: context) }
        guard let first = inputs.first, let last = inputs.last else {
            sink.add(.error("the recipe has no layers to merge", at: recipe.mergeMethod.location))
            throw sink.failure(strict: options.strict)
        }
        // The first slice whose input count the method cannot take stops planning.
        for sliceInputs in inputs {
            guard let problem = sliceInputs.countProblem(context: context) else { continue }
            sink.add(problem)
            throw sink.failure(strict: options.strict)
        }

        guard let structure = StackPlanner(
            catalog: catalog, inputs: inputs, configModel: configModel, methodLocation: recipe.mergeMethod.location
        ).plan(into: &sink) else {
            // The catalog checked every model's text stack, so this only names the problem.
            do {
                _ = try catalog.models[configModel].layerCount()
            } catch {
                sink.add(.error("model '\(catalog.writtenNames[configModel])' cannot be used: \(error.description)",
                                at: recipe.baseModel?.location ?? recipe.mergeMethod.location))
            }
            throw sink.failure(strict: options.strict)
        }
        var factory = TensorJobFactory(context: context)
        factory.head = structure.head.head
        factory.dropsExtraLayers = structure.dropsExtraLayers
        var outcomes = factory.nonLayerJobs(.beforeLayers, first, into: &sink)
        for sliceInputs in inputs {
            for offset in 0..<sliceInputs.slice.layerCount {
                outcomes += factory.layerJobs(sliceInputs, offset: offset, into: &sink)
            }
        }
        outcomes += factory.nonLayerJobs(.afterLayers, last, into: &sink)
        let planned = PlannedTensors(outcomes)
        if let alignment = vocabulary.alignment, !sink.hasErrors, !planned.jobs.contains(where: { $0.alignedRows != nil }) {
            sink.add(.error(
                "the recipe sets a vocabulary, but no tensor holds one row per token (a tensor outside the layers of shape [vocab_size, hidden_size] from config.json): nothing to align",
                at: alignment.plan.location))
        }
        guard !sink.hasErrors else { throw sink.failure(strict: options.strict) }

        let layout: ShardLayout
        do {
            layout = try ShardLayout.plan(
                planned.jobs.map { OutputTensorSpec(name: $0.outputName, dtype: $0.outputDType, shape: $0.shape) },
                maxShardBytes: options.outShardSize)
        } catch {
            sink.add(.error("cannot lay out the output: \(error)", at: recipe.mergeMethod.location))
            throw sink.failure(strict: options.strict)
        }
        let outputLayers = slices.reduce(0) { $0 + $1.layerCount }
        let vocabularyRows = vocabulary.alignment.map { OutputConfig.VocabularyRows.aligned($0.plan.rowCount) }
            ?? planned.croppedVocabularyRows.map(OutputConfig.VocabularyRows.cropped)
        let config = OutputConfig.make(
            from: catalog.models[configModel].config, edits: structure.plan.configEdits, jobs: planned.jobs,
            vocabularyRows: vocabularyRows)
        let diagnostics = sink.finished(strict: options.strict)
        guard !diagnostics.contains(where: { $0.severity == .error }) else { throw RecipeError(diagnostics) }
        return MergePlan(
            recipe: recipe, method: method, models: catalog.models, modelNames: catalog.writtenNames,
            baseModelIndex: base, jobs: planned.jobs, layout: layout, outputConfig: config,
            outputLayerCount: outputLayers, stacks: structure.plan, configModelIndex: configModel, vocabulary: vocabulary.alignment,
            tokenizer: vocabulary.tokenizer, module: module.name, seed: seed, warnings: diagnostics,
            chunkElements: options.chunkElements, memoryBudget: options.memoryBudget, strict: options.strict)
    }

    /// The recipe's `seed:`, else `--random-seed`, else 0. Both given and different: the
    /// recipe's wins (it is what the recipe records), with a warning naming both.
    private func seed(into sink: inout DiagnosticSink) -> UInt64 {
        guard let written = recipe.seed else { return options.randomSeed ?? 0 }
        if let flag = options.randomSeed, flag != written.value {
            sink.add(.warning("the recipe's seed: \(written.value) is used; --random-seed \(flag) is ignored", at: written.location))
        }
        return written.value
    }

    private func dtype(_ written: Located<String>?, into sink: inout DiagnosticSink) -> FloatDType? {
        guard let written else { return nil }
        if let dtype = FloatDType(recipeName: written.value) { return dtype }
        sink.add(.error(
            "dtype '\(written.value)' cannot be merged; expected bfloat16, float16, float32 or float64 (torch.bfloat16, bf16 and fp16 spellings too)",
            at: written.location))
        return nil
    }

    /// The recipe's module (`ModuleSelection`), checked against the model the output's config
    /// comes from; nil after reporting why it cannot be used.
    private func module(catalog: ModelCatalog, into sink: inout DiagnosticSink) -> ModuleSelection? {
        guard let written = ModuleSelection.referenceModel(of: recipe) else {
            return ModuleSelection.select(recipe, model: nil, modelName: "", into: &sink)
        }
        let description = catalog.open(written, into: &sink).map { catalog.models[$0].modelDescription }
        return ModuleSelection.select(recipe, model: description, modelName: written.value, into: &sink)
    }

    /// The base model opened; a method that needs one and has none is an error, unless every
    /// slice names its own.
    private func baseModel(
        of method: any MergeMethod, recipe: Recipe, catalog: ModelCatalog, into sink: inout DiagnosticSink
    ) -> Int? {
        if let written = recipe.baseModel { return catalog.open(written, into: &sink) }
        if case .slices(let slices) = recipe.layout, slices.allSatisfy({ $0.baseModel != nil }) { return nil }
        if method.baseModel == .required {
            sink.add(.error("\(method.name) needs base_model: the model the fine-tunes were trained from", at: recipe.mergeMethod.location))
        }
        return nil
    }
}

/// The jobs the factory planned, in order, and the rows vocabulary-sized tensors were cropped to.
private struct PlannedTensors {
    var jobs: [TensorJob] = []
    /// The fewest rows a vocabulary-sized tensor was cropped to (nil: none was).
    var croppedVocabularyRows: Int?

    init(_ outcomes: [TensorJobFactory.Outcome]) {
        for outcome in outcomes {
            switch outcome {
            case .planned(let job, let croppedRows):
                jobs.append(job)
                if let croppedRows { croppedVocabularyRows = min(croppedVocabularyRows ?? croppedRows, croppedRows) }
            case .rejected:
                break
            }
        }
    }
}
