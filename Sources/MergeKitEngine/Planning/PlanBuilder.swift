import Foundation
import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTensor
import MergeKitYAML

/// The planner's working state: collects diagnostics while building the plan step by step.
struct PlanBuilder {
    let recipe: Recipe
    let options: PlanOptions
    var diagnostics: [Diagnostic] = []
    private let catalog: ModelCatalog
    /// Tensor-level problems are many when a whole model is off; report the first few per kind.
    private var tensorProblemCounts: [String: Int] = [:]
    private static let tensorProblemLimit = 8

    init(recipe: Recipe, options: PlanOptions) {
        self.recipe = recipe
        self.options = options
        catalog = ModelCatalog(recipeFile: recipe.file)
    }

    private var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func build() -> MergePlan? {
        let checker = RecipeChecker(recipe: recipe)
        guard let method = checker.method(reporting: &diagnostics) else { return nil }
        let (checked, parameterProblems) = checker.checkParameters(of: method)
        diagnostics += parameterProblems
        diagnostics += checker.checkRequiredParameters(of: method)
        let readDType = dtype(recipe.dtype)
        let outDType = dtype(recipe.outDType)

        var base: Int?
        if let written = recipe.baseModel {
            base = catalog.open(written, into: &diagnostics)
        } else if method.baseModel == .required {
            diagnostics.append(.error("\(method.name) needs base_model: the model the fine-tunes were trained from", at: recipe.mergeMethod.location))
        }
        let slices = plannedSlices(checked)
        guard !hasErrors else { return nil }

        let tokenizerModel = tokenizerModelIndex(base: base, slices: slices)
        var jobs: [TensorJob] = []
        guard let first = slices.first, let last = slices.last else { return nil }
        let outputLayers = slices.reduce(0) { $0 + $1.layerCount }
        for slice in slices where !checkInputCount(slice, base: base, method: method) { return nil }

        let top = checked.topLevel
        jobs += nonLayerJobs(.beforeLayers, slice: first, top: top, base: base, method: method, readDType: readDType, outDType: outDType)
        for slice in slices {
            for offset in 0..<slice.layerCount {
                jobs += layerJobs(slice, offset: offset, top: top, base: base, method: method, readDType: readDType, outDType: outDType)
            }
        }
        jobs += nonLayerJobs(.afterLayers, slice: last, top: top, base: base, method: method, readDType: readDType, outDType: outDType)
        checkVocabularyPolicy()
        guard !hasErrors else { return nil }

        let layout: ShardLayout
        do {
            layout = try ShardLayout.plan(
                jobs.map { OutputTensorSpec(name: $0.outputName, dtype: $0.outputDType, shape: $0.shape) },
                maxShardBytes: options.outShardSize)
        } catch {
            diagnostics.append(.error("cannot lay out the output: \(error)", at: recipe.mergeMethod.location))
            return nil
        }
        let configModel = base ?? first.sources[0].model
        let config = outputConfig(from: catalog.models[configModel].config, layers: outputLayers, jobs: jobs)
        return MergePlan(
            recipe: recipe, method: method, models: catalog.models, modelNames: catalog.writtenNames,
            baseModelIndex: base, jobs: jobs, layout: layout, outputConfig: config,
            outputLayerCount: outputLayers, tokenizerModelIndex: tokenizerModel, warnings: [],
            chunkElements: options.chunkElements, memoryBudget: options.memoryBudget)
    }

    // MARK: - Recipe-level pieces

    private mutating func dtype(_ written: Located<String>?) -> DType? {
        guard let written else { return nil }
        if let dtype = DType(recipeName: written.value) { return dtype }
        diagnostics.append(.error("unknown dtype '\(written.value)'; expected float32, float16 or bfloat16", at: written.location))
        return nil
    }

    private mutating func tokenizerModelIndex(base: Int?, slices: [PlannedSlice]) -> Int? {
        guard let source = recipe.tokenizerSource, source.value != "base" else {
            return base ?? slices.first?.sources.first?.model
        }
        if source.value == "union" {
            diagnostics.append(.error("tokenizer_source: union is not supported yet; use base or a model path", at: source.location))
            return nil
        }
        return catalog.open(source, into: &diagnostics)
    }

    /// `models:` becomes one slice over every layer; `slices:` ranges are checked against the models.
    private mutating func plannedSlices(_ checked: CheckedParameters) -> [PlannedSlice] {
        var slices: [PlannedSlice] = []
        switch recipe.layout {
        case .models(let entries):
            var sources: [PlannedSlice.Source] = []
            var layerCounts: [(Located<String>, Int)] = []
            for (position, entry) in entries.enumerated() {
                guard let model = catalog.open(entry.model, into: &diagnostics),
                      let count = layerCount(of: model, at: entry.model.location) else { continue }
                layerCounts.append((entry.model, count))
                sources.append(.init(model: model, written: entry.model, layers: LayerRange(start: 0, end: count),
                                     parameters: checked.models[position], position: position))
            }
            if let (firstModel, firstCount) = layerCounts.first {
                for (written, count) in layerCounts.dropFirst() where count != firstCount {
                    diagnostics.append(.error(
                        "model '\(written.value)' has \(count) layers but '\(firstModel.value)' has \(firstCount); use slices: with layer_range to merge models of different depths",
                        at: written.location))
                }
            }
            if let location = entries.first?.model.location, !sources.isEmpty {
                slices.append(PlannedSlice(sources: sources, parameters: ParameterSettings(), location: location, outputStart: 0))
            } else if entries.isEmpty {
                diagnostics.append(.error("models: lists no models", at: recipe.mergeMethod.location))
            }
        case .slices(let specs):
            var outputStart = 0
            for (index, spec) in specs.enumerated() {
                var sources: [PlannedSlice.Source] = []
                for (position, source) in spec.sources.enumerated() {
                    guard let model = catalog.open(source.model, into: &diagnostics),
                          let count = layerCount(of: model, at: source.model.location) else { continue }
                    let range = source.layerRange?.value ?? LayerRange(start: 0, end: count)
                    if range.end > count {
                        diagnostics.append(.error(
                            "layer_range [\(range.start), \(range.end)] is outside model '\(source.model.value)', which has \(count) layers (0…\(count - 1))",
                            at: source.layerRange?.location ?? source.model.location))
                        continue
                    }
                    sources.append(.init(model: model, written: source.model, layers: range,
                                         parameters: checked.slices[index].sources[position], position: position))
                }
                if let reference = sources.first {
                    for source in sources.dropFirst() where source.layers.count != reference.layers.count {
                        let location = spec.sources[source.position].layerRange?.location ?? source.written.location
                        diagnostics.append(.error(
                            "all sources of a slice must span the same number of layers: '\(source.written.value)' spans \(source.layers.count), '\(reference.written.value)' spans \(reference.layers.count)",
                            at: location))
                    }
                }
                if sources.count == spec.sources.count, !sources.isEmpty {
                    slices.append(PlannedSlice(
                        sources: sources, parameters: checked.slices[index].parameters, location: spec.location, outputStart: outputStart))
                    outputStart += sources[0].layers.count
                }
            }
        }
        return slices
    }

    private mutating func layerCount(of model: Int, at location: SourceLocation) -> Int? {
        do {
            return try catalog.models[model].layerCount()
        } catch {
            diagnostics.append(.error("model '\(catalog.writtenNames[model])' cannot be used: \(error.description)", at: location))
            return nil
        }
    }

    /// Whether the base, when not listed among the sources, joins the inputs.
    private func baseJoins(_ slice: PlannedSlice, base: Int?, method: any MergeMethod) -> Bool {
        guard let base, method.baseModel != .ignored else { return false }
        return !slice.sources.contains { $0.model == base }
    }

    private mutating func checkInputCount(_ slice: PlannedSlice, base: Int?, method: any MergeMethod) -> Bool {
        let count = slice.sources.count + (baseJoins(slice, base: base, method: method) ? 1 : 0)
        let (minimum, maximum) = method.inputCount
        guard count < minimum || maximum.map({ count > $0 }) ?? false else { return true }
        // With a required base, the counts read as "the base and N other models".
        let others = method.baseModel == .required ? 1 : 0
        let needed: String
        if let maximum, maximum == minimum {
            needed = "exactly \(Self.models(minimum - others, other: others > 0))"
        } else if count < minimum {
            needed = "at least \(Self.models(minimum - others, other: others > 0))"
        } else {
            needed = "at most \(Self.models((maximum ?? count) - others, other: others > 0))"
        }
        let given = others > 0 ? "\(count - 1) besides the base" : "\(count)"
        diagnostics.append(.error(
            "\(method.name) needs \(others > 0 ? "the base and " : "")\(needed) per tensor; this \(sliceWord) gives \(given)",
            at: slice.location))
        return false
    }

    private static func models(_ count: Int, other: Bool) -> String {
        "\(count) \(other ? "other " : "")model\(count == 1 ? "" : "s")"
    }

    private var sliceWord: String {
        if case .models = recipe.layout { return "recipe" }
        return "slice"
    }

    // MARK: - Tensors

    /// An input of one tensor before its tensor name is known.
    private struct InputSlot {
        var model: Int
        var written: Located<String>
        var firstLayer: Int
        var tables: [ParameterSettings]
        var position: Int?
        var isBase: Bool
    }

    private func inputSlots(_ slice: PlannedSlice, top: ParameterSettings, base: Int?, method: any MergeMethod) -> [InputSlot] {
        var slots = slice.sources.map {
            InputSlot(model: $0.model, written: $0.written, firstLayer: $0.layers.start,
                      tables: [$0.parameters, slice.parameters, top], position: $0.position,
                      isBase: method.baseModel != .plainInput && method.baseModel != .ignored && $0.model == base)
        }
        if baseJoins(slice, base: base, method: method), let base, let written = recipe.baseModel {
            slots.append(InputSlot(model: base, written: written, firstLayer: slice.sources[0].layers.start,
                                   tables: [slice.parameters, top], position: nil,
                                   isBase: method.baseModel != .plainInput))
        }
        return slots
    }

    /// The model whose tensor names define the output: the base when it is an input, else the
    /// first source.
    private func referenceSlot(_ slots: [InputSlot]) -> InputSlot {
        slots.first(where: \.isBase) ?? slots[0]
    }

    private mutating func layerJobs(
        _ slice: PlannedSlice, offset: Int, top: ParameterSettings, base: Int?, method: any MergeMethod, readDType: DType?, outDType: DType?
    ) -> [TensorJob] {
        let slots = inputSlots(slice, top: top, base: base, method: method)
        let reference = referenceSlot(slots)
        let referenceLayer = reference.firstLayer + offset
        let t = ParameterResolver.layerPosition(offset: offset, count: slice.layerCount)
        let names = catalog.models[reference.model].tensorNames.filter { TensorNaming.layerIndex(in: $0)?.index == referenceLayer }
        return names.compactMap { name in
            makeJob(
                outputName: TensorNaming.renumbered(name, to: slice.outputStart + offset),
                placement: .layer(slice.outputStart + offset),
                inputNames: slots.map { TensorNaming.renumbered(name, to: $0.firstLayer + offset) },
                slots: slots, globalTables: [slice.parameters, top], t: t,
                method: method, readDType: readDType, outDType: outDType)
        }
    }

    private mutating func nonLayerJobs(
        _ placement: TensorPlacement, slice: PlannedSlice, top: ParameterSettings, base: Int?, method: any MergeMethod,
        readDType: DType?, outDType: DType?
    ) -> [TensorJob] {
        let slots = inputSlots(slice, top: top, base: base, method: method)
        let reference = referenceSlot(slots)
        let names = catalog.models[reference.model].tensorNames.filter { TensorNaming.placement(of: $0) == placement }
        return names.compactMap { name in
            makeJob(outputName: name, placement: placement, inputNames: slots.map { _ in name }, slots: slots,
                    globalTables: [slice.parameters, top], t: 0,
                    method: method, readDType: readDType, outDType: outDType)
        }
    }

    private mutating func makeJob(
        outputName: String, placement: TensorPlacement, inputNames: [String], slots: [InputSlot],
        globalTables: [ParameterSettings], t: Double, method: any MergeMethod, readDType: DType?, outDType: DType?
    ) -> TensorJob? {
        var inputs: [TensorInput] = []
        for (slot, name) in zip(slots, inputNames) {
            let model = catalog.models[slot.model]
            guard let found = model.tensor(named: name) else {
                let files = model.files.map { ($0.path as NSString).lastPathComponent }.joined(separator: ", ")
                reportTensorProblem("missing", "tensor '\(name)' is missing from model '\(slot.written.value)' (searched \(files))", at: slot.written.location)
                return nil
            }
            inputs.append(TensorInput(modelIndex: slot.model, tensorName: name, info: found.info, file: found.file))
        }
        guard let shape = checkShapes(outputName: outputName, inputs: inputs, slots: slots) else { return nil }

        var mergeInputs: [MergeJob.Input] = []
        for (slot, input) in zip(slots, inputs) {
            var values: [(key: String, value: ResolvedValue)] = []
            // A base the method treats specially takes no per-model parameters (it is not
            // weighted or sparsified), so none are resolved for it.
            for key in method.parameters where key.scope == .perModel && !slot.isBase {
                if let value = ParameterResolver.resolve(key, tensorName: input.tensorName, t: t, tables: slot.tables) {
                    values.append((key.name, value))
                } else if key.isRequired {
                    reportMissing(key, slot: slot, method: method)
                    return nil
                }
            }
            mergeInputs.append(.init(
                model: slot.written.value, isBase: slot.isBase, sourcePosition: slot.position, parameters: ResolvedParameters(values)))
        }
        var globals: [(key: String, value: ResolvedValue)] = []
        for key in method.parameters where key.scope == .global {
            if let value = ParameterResolver.resolve(key, tensorName: outputName, t: t, tables: globalTables) {
                globals.append((key.name, value))
            } else if key.isRequired {
                reportMissing(key, slot: nil, method: method)
                return nil
            }
        }
        let merge = MergeJob(tensorName: outputName, shape: shape, inputs: mergeInputs,
                             parameters: ResolvedParameters(globals), seed: recipe.seed?.value ?? 0)
        let prepared: any PreparedMerge
        do {
            prepared = try method.prepared(for: merge)
        } catch {
            reportTensorProblem("method", "\(method.name) cannot merge '\(outputName)': \(error.message)", at: recipe.mergeMethod.location)
            return nil
        }

        let baseInput = mergeInputs.firstIndex(where: \.isBase) ?? 0
        let storedDType = inputs[baseInput].info.dtype
        let outputDType = outDType ?? readDType ?? storedDType
        var verbatim = prepared.verbatimInput
        if let index = verbatim,
           inputs[index].info.dtype != outputDType || (readDType ?? outputDType) != outputDType || inputs[index].info.shape != shape {
            verbatim = nil
        }
        if verbatim == nil, let bad = inputs.first(where: { !$0.info.dtype.isMergeable }) ?? (outputDType.isMergeable ? nil : inputs[0]) {
            reportTensorProblem("dtype", "tensor '\(bad.tensorName)' of model '\(catalog.writtenNames[bad.modelIndex])' has dtype \(bad.info.dtype.rawValue); only float tensors can be merged (passthrough copies others as they are)", at: recipe.mergeMethod.location)
            return nil
        }
        return TensorJob(outputName: outputName, shape: merge.shape, outputDType: outputDType, placement: placement,
                         inputs: inputs, merge: merge, prepared: prepared, readDType: readDType, verbatimInput: verbatim)
    }

    /// The output shape, or nil after reporting a mismatch. With --unsafe-truncate-embeddings,
    /// vocabulary-sized tensors are cropped to the rows every input has (the chunk reader then
    /// reads only those leading rows: they are a prefix of each row-major tensor).
    private mutating func checkShapes(outputName: String, inputs: [TensorInput], slots: [InputSlot]) -> [Int]? {
        let shape = inputs[0].info.shape
        guard inputs.contains(where: { $0.info.shape != shape }) else { return shape }
        let shapes = zip(slots, inputs).map { "'\($0.written.value)' \($1.info.shape)" }.joined(separator: ", ")
        if TensorNaming.isVocabularySized(outputName), inputs.allSatisfy({ $0.info.shape.dropFirst() == shape.dropFirst() }) {
            if options.unsafeTruncateEmbeddings, let rows = inputs.compactMap(\.info.shape.first).min() {
                diagnostics.append(.warning(
                    "cropping '\(outputName)' to the \(rows) rows every model has (--unsafe-truncate-embeddings): \(shapes); the dropped rows' tokens lose their embeddings",
                    at: recipe.mergeMethod.location))
                croppedVocabularyRows = min(croppedVocabularyRows ?? rows, rows)
                return [rows] + shape.dropFirst()
            }
            vocabularyMismatch = true
            reportTensorProblem("vocab", "vocabulary sizes differ in '\(outputName)': \(shapes); align the vocabularies with tokenizer_source (base, union or a model), or crop them with --unsafe-truncate-embeddings", at: recipe.mergeMethod.location)
        } else {
            let location = slots[inputs.firstIndex { $0.info.shape != shape } ?? 0].written.location
            reportTensorProblem("shape", "shapes of '\(outputName)' differ between models: \(shapes)", at: location)
        }
        return nil
    }

    private var vocabularyMismatch = false
    /// The vocabulary size after --unsafe-truncate-embeddings cropped it (nil: not cropped).
    private var croppedVocabularyRows: Int?

    /// Vocabulary alignment by tokenizer is not implemented yet: say so rather than guess.
    private mutating func checkVocabularyPolicy() {
        guard vocabularyMismatch, let source = recipe.tokenizerSource else { return }
        diagnostics.append(.error("tokenizer_source cannot align different vocabularies yet (rows would have to be matched by token)", at: source.location))
    }

    private mutating func reportMissing(_ parameter: any ParameterDeclaration, slot: InputSlot?, method: any MergeMethod) {
        let location = slot?.written.location ?? recipe.mergeMethod.location
        let key = "missing \(parameter.name) \(location)"
        guard tensorProblemCounts[key] == nil,
              !diagnostics.contains(where: { $0.location == location && $0.message.hasPrefix("missing required parameter '\(parameter.name)'") })
        else { return }
        tensorProblemCounts[key] = 1
        guard let slot else {
            diagnostics.append(.error("\(method.name) needs parameter '\(parameter.name)'", at: location))
            return
        }
        diagnostics.append(RecipeChecker.missing(
            parameter, model: slot.written, writtenNames: slot.tables.flatMap(\.writtenNames), method: method))
    }

    private mutating func reportTensorProblem(_ kind: String, _ message: String, at location: SourceLocation) {
        let count = tensorProblemCounts[kind, default: 0] + 1
        tensorProblemCounts[kind] = count
        if count <= Self.tensorProblemLimit {
            diagnostics.append(.error(message, at: location))
        } else if count == Self.tensorProblemLimit + 1 {
            diagnostics.append(.note("further problems of this kind are not listed", at: location))
        }
    }

    // MARK: - Output config

    private func outputConfig(from config: JSONValue, layers: Int, jobs: [TensorJob]) -> JSONValue {
        var bytesByDType: [DType: Int] = [:]
        for job in jobs { bytesByDType[job.outputDType, default: 0] += job.outputBytes }
        var updated = config
        let layerKey = ModelDirectory.layerCountKeys.first { config[$0] != nil } ?? "num_hidden_layers"
        updated = updated.setting(layerKey, to: .number(String(layers)))
        if let rows = croppedVocabularyRows, config["vocab_size"] != nil {
            updated = updated.setting("vocab_size", to: .number(String(rows)))
        }
        if let dominant = bytesByDType.max(by: { $0.value < $1.value })?.key {
            updated = updated.setting("torch_dtype", to: .string(dominant.torchName))
        }
        return updated
    }
}

extension Diagnostic {
    static func note(_ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.note, at: location, message)
    }
}
