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
        guard let selections = modules(catalog: catalog, into: &sink), let module = selections.first else {
            throw sink.failure(strict: options.strict)
        }
        // From here on the recipe is its module: its models or slices, its parameters apart. With
        // `modules:` on a model with several modules, each module is planned over its own stack.
        let ofSeveral = selections.count > 1
        var recipe = self.recipe
        recipe.layout = module.layout
        let checker = RecipeChecker(recipe: recipe, moduleParameters: module.parameters)
        guard let method = checker.method(into: &sink) else { throw sink.failure(strict: options.strict) }
        var modules: [PlannedModule] = []
        for selection in selections {
            let own = RecipeChecker(recipe: PlannedModule.ownRecipe(self.recipe, selection), moduleParameters: selection.parameters)
            // A module taken whole is copied: no table of the recipe applies to it.
            var parameters = CheckedParameters(models: [ParameterSettings()])
            if !selection.isTakenWhole {
                parameters = own.checkParameters(of: method, into: &sink, topLevel: modules.first?.parameters.topLevel)
                own.checkRequiredParameters(of: method, into: &sink)
            }
            modules.append(PlannedModule(selection, recipe: self.recipe, parameters: parameters, ofSeveral: ofSeveral))
        }
        let readDType = dtype(recipe.dtype, into: &sink)
        let outDType = dtype(recipe.outDType, into: &sink)
        let base = baseModel(of: method, modules: modules, catalog: catalog, into: &sink)
        for index in modules.indices {
            modules[index].slices = SliceNormalizer(
                recipe: modules[index].recipe, catalog: catalog, parameters: modules[index].parameters, module: modules[index].stackModule
            ).slices(into: &sink)
        }
        guard !sink.hasErrors else { throw sink.failure(strict: options.strict) }
        let listed = modules.first { !$0.selection.isTakenWhole } ?? modules[0]
        let configModel = base ?? listed.slices.first?.sources.first?.model ?? 0
        ArchitectureCheck(catalog: catalog, reference: configModel).check(allowCrimes: options.allowCrimes, into: &sink)

        if recipe.tokenizer != nil || recipe.chatTemplate != nil { ProcessHeap.keepLargeBlocksMapped() }
        let vocabulary = VocabularyStep(recipe: recipe, catalog: catalog, base: base, slices: modules.flatMap(\.slices)).run(into: &sink)
        // Without its vocabulary, every token-indexed tensor would only add a mismatch error.
        guard !sink.hasErrors else { throw sink.failure(strict: options.strict) }
        if vocabulary.alignment != nil { ProcessHeap.releaseFreePages() }
        let seed = seed(into: &sink)
        let contexts = modules.map { module in
            PlanContext(
                recipe: module.recipe, method: module.method(method), base: base, readDType: readDType, outDType: outDType, seed: seed,
                options: options, catalog: catalog, topLevelParameters: module.parameters.topLevel,
                moduleParameters: module.parameters.module, vocabulary: vocabulary.alignment)
        }
        let inputs = zip(modules, contexts).map { module, context in module.slices.map { SliceInputs($0, context: context) } }
        guard !inputs[0].isEmpty else {
            sink.add(.error("the recipe has no layers to merge", at: recipe.mergeMethod.location))
            throw sink.failure(strict: options.strict)
        }
        let afterInputs = zip(inputs, contexts).map { moduleInputs, context in
            moduleInputs.first.flatMap { first in moduleInputs.last.map { SliceInputs.afterLayers(first: first, last: $0, context: context) } }
        }
        // The first slice (or the after-layers pairing) whose input count the method cannot take stops planning.
        for (index, context) in contexts.enumerated() {
            for sliceInputs in inputs[index] + [afterInputs[index]].compactMap({ $0 }) {
                guard let problem = sliceInputs.countProblem(context: context) else { continue }
                sink.add(problem)
                throw sink.failure(strict: options.strict)
            }
        }

        var structures: [StackPlanner.Outcome] = []
        for (index, module) in modules.enumerated() {
            guard let structure = StackPlanner(
                catalog: catalog, inputs: inputs[index], afterLayers: afterInputs[index], configModel: configModel,
                methodLocation: recipe.mergeMethod.location, module: module.stackModule
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
            structures.append(structure)
        }
        let head = structures.lazy.compactMap(\.head).first?.head
        let headModule = head.flatMap { catalog.models[configModel].modelDescription.modules.owner(of: $0) }
        var outcomes: [TensorJobFactory.Outcome] = []
        var tensorCounts: [Int] = []
        for (index, context) in contexts.enumerated() {
            guard let first = inputs[index].first, let last = afterInputs[index] else { continue }
            var factory = TensorJobFactory(context: context)
            factory.module = modules[index].stackModule
            let ownsHead = factory.module == nil || headModule == factory.module || (headModule == nil && structures[index].head != nil)
            factory.head = ownsHead ? head : nil
            factory.dropsExtraLayers = structures[index].dropsExtraLayers
            var own = factory.nonLayerJobs(.beforeLayers, first, into: &sink)
            for sliceInputs in inputs[index] {
                for offset in 0..<sliceInputs.slice.layerCount {
                    own += factory.layerJobs(sliceInputs, offset: offset, into: &sink)
                }
            }
            own += factory.nonLayerJobs(.afterLayers, last, into: &sink)
            tensorCounts.append(own.count)
            outcomes += own
        }
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
        let outputLayers = modules[0].slices.reduce(0) { $0 + $1.layerCount }
        let stacks = ofSeveral ? modularStackPlan(modules, structures, tensorCounts: tensorCounts) : structures[0].plan
        let vocabularyRows = vocabulary.alignment.map { OutputConfig.VocabularyRows.aligned($0.plan.rowCount) }
            ?? planned.croppedVocabularyRows.map(OutputConfig.VocabularyRows.cropped)
        let config = OutputConfig.make(
            from: catalog.models[configModel].config, edits: stacks.configEdits, jobs: planned.jobs,
            vocabularyRows: vocabularyRows)
        let diagnostics = sink.finished(strict: options.strict)
        guard !diagnostics.contains(where: { $0.severity == .error }) else { throw RecipeError(diagnostics) }
        return MergePlan(
            recipe: ofSeveral ? self.recipe : recipe, method: method, models: catalog.models, modelNames: catalog.writtenNames,
            baseModelIndex: base, jobs: planned.jobs, layout: layout, outputConfig: config,
            outputLayerCount: outputLayers, stacks: stacks, configModelIndex: configModel, vocabulary: vocabulary.alignment,
            tokenizer: vocabulary.tokenizer, module: ofSeveral ? nil : module.name, seed: seed, warnings: diagnostics,
            chunkElements: options.chunkElements, memoryBudget: options.memoryBudget, strict: options.strict)
    }

    /// The plan's structure with several modules: the text module's (the first) stacks, layers
    /// and neighbours, every module's config changes, and each module's part for `plan`.
    private func modularStackPlan(
        _ modules: [PlannedModule], _ structures: [StackPlanner.Outcome], tensorCounts: [Int]
    ) -> StackPlan {
        var plan = structures[0].plan
        plan.configEdits = structures.flatMap(\.plan.configEdits)
        for index in plan.stacks.indices {
            plan.stacks[index].isSliced = zip(modules, structures).contains { module, structure in
                !module.selection.isTakenWhole && structure.plan.stacks[index].isSliced
            }
        }
        plan.modules = zip(modules, structures).enumerated().map { index, pair in
            let (module, structure) = pair
            return StackPlan.Module(
                name: module.selection.name ?? "", stackPrefix: structure.plan.stacks.first(where: \.isSliced)?.prefix,
                layout: module.layoutWord,
                slices: module.slices.map { slice in slice.sources.map { StackPlan.SliceSource(model: $0.model, start: $0.layers.start, end: $0.layers.end) } },
                layers: structure.plan.layers, before: structure.plan.before, after: structure.plan.after,
                tensorCount: index < tensorCounts.count ? tensorCounts[index] : 0)
        }
        return plan
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

    /// The recipe's modules (`ModuleSelection`), checked against the model the output's config
    /// comes from; nil after reporting why they cannot be used.
    private func modules(catalog: ModelCatalog, into sink: inout DiagnosticSink) -> [ModuleSelection]? {
        guard let written = ModuleSelection.referenceModel(of: recipe) else {
            return ModuleSelection.select(recipe, model: nil, modelName: "", into: &sink)
        }
        let description = catalog.open(written, into: &sink).map { catalog.models[$0].modelDescription }
        return ModuleSelection.select(recipe, model: description, modelName: written.value, into: &sink)
    }

    /// The base model opened; a method that needs one and has none is an error, unless every
    /// slice (of every module the recipe lists) names its own.
    private func baseModel(
        of method: any MergeMethod, modules: [PlannedModule], catalog: ModelCatalog, into sink: inout DiagnosticSink
    ) -> Int? {
        if let written = recipe.baseModel { return catalog.open(written, into: &sink) }
        let layouts = modules.filter { !$0.selection.isTakenWhole }.map(\.selection.layout)
        let everySliceHasItsOwn = layouts.allSatisfy { layout in
            if case .slices(let slices) = layout { return slices.allSatisfy { $0.baseModel != nil } }
            return false
        }
        if everySliceHasItsOwn { return nil }
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
