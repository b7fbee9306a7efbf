import Foundation
import MergeKitRecipe
import MergeKitTensor
import MergeKitTokenizer

/// Makes the `TensorJob`s of a plan, one output tensor at a time: finds each input's tensor,
/// settles the output shape (token-indexed tensors aligned to the output vocabulary when the
/// recipe has tokenizer settings, `VocabularyAlignment`; otherwise `ShapePolicy`), resolves the
/// parameters, lets the method prepare its configuration and picks the output dtype (or a byte
/// copy). Problems go to the sink with their `DiagnosticCode`; a tensor with a problem is left out.
struct TensorJobFactory {
    let context: PlanContext

    enum Outcome {
        /// `croppedRows`: the rows a vocabulary-sized tensor was cropped to.
        case planned(TensorJob, croppedRows: Int?)
        /// A problem (reported).
        case rejected
    }

    /// The tensors of output layer `offset` of the slice, named as its reference input names
    /// them and renumbered to the output layer.
    func layerJobs(_ inputs: SliceInputs, offset: Int, into sink: inout DiagnosticSink) -> [Outcome] {
        guard let reference = inputs.reference else { return [] }
        let slice = inputs.slice
        let referenceLayer = reference.firstLayer + offset
        let outputLayer = slice.outputStart + offset
        let t = ParameterResolver.layerPosition(offset: offset, count: slice.layerCount)
        let names = context.catalog.models[reference.model].tensorNames.filter {
            TensorNaming.layerIndex(in: $0)?.index == referenceLayer
        }
        return names.map { name in
            job(named: TensorNaming.renumbered(name, to: outputLayer), at: .layer(outputLayer),
                reading: inputs.slots.map { TensorNaming.renumbered(name, to: $0.firstLayer + offset) }, from: inputs, t: t,
                into: &sink)
        }
    }

    /// The tensors before or after the layers (embeddings; final norm, lm_head), from the slice's
    /// reference input, at layer position t = 0.
    /// After the layers, an output head another input has is planned too when the reference has
    /// none (a tied reference reads its input embedding instead, as in mergekit).
    func nonLayerJobs(_ placement: TensorPlacement, _ inputs: SliceInputs, into sink: inout DiagnosticSink) -> [Outcome] {
        guard let reference = inputs.reference else { return [] }
        var names = context.catalog.models[reference.model].tensorNames.filter { TensorNaming.placement(of: $0) == placement }
        if placement == .afterLayers {
            for slot in inputs.slots {
                let model = context.catalog.models[slot.model]
                let known = Set(names)
                let heads = model.tensorNames.filter { name in
                    guard !known.contains(name), TensorNaming.placement(of: name) == .afterLayers,
                          let info = model.tensor(named: name)?.info else { return false }
                    return TokenIndexedTensors.isTokenIndexed(name, shape: info.shape, in: model)
                }
                names += heads
            }
        }
        return names.map { name in
            job(named: name, at: placement, reading: inputs.slots.map { _ in name }, from: inputs, t: 0, into: &sink)
        }
    }

    private func job(
        named outputName: String, at placement: TensorPlacement, reading inputNames: [String], from inputs: SliceInputs,
        t: Double, into sink: inout DiagnosticSink
    ) -> Outcome {
        guard let tensors = locate(inputNames, in: inputs.slots, at: placement, into: &sink) else { return .rejected }
        let tokenIndexed = tensors.contains {
            TokenIndexedTensors.isTokenIndexed($0.tensorName, shape: $0.info.shape, in: context.catalog.models[$0.modelIndex])
        }
        let shape: [Int]
        var croppedRows: Int?
        var alignedRows: EmbeddingRowPlan?
        if tokenIndexed, let vocabulary = context.vocabulary {
            guard let aligned = align(outputName, tensors: tensors, slots: inputs.slots, to: vocabulary, into: &sink) else {
                return .rejected
            }
            (shape, alignedRows) = (aligned.shape, aligned.rows)
        } else {
            let policy = ShapePolicy(cropsVocabulary: context.options.unsafeTruncateEmbeddings)
            switch policy.decide(outputName: outputName, shapes: tensors.map(\.info.shape), models: inputs.slots.map(\.written.value),
                                 tokenIndexed: tokenIndexed) {
            case .uniform(let uniform):
                shape = uniform
            case .cropped(let cropped, let warning):
                sink.add(.warning(warning, at: context.methodLocation))
                shape = cropped
                croppedRows = cropped.first
            case .vocabularyMismatch(let message):
                sink.report(.error(message, at: context.methodLocation), code: .vocabularyMismatch)
                return .rejected
            case .mismatch(let message, let input):
                sink.report(.error(message, at: inputs.slots[input].written.location), code: .shapeMismatch)
                return .rejected
            }
        }
        guard let merge = mergeJob(outputName, shape: shape, tensors: tensors, inputs: inputs, t: t, into: &sink) else {
            return .rejected
        }
        let method = context.method
        let prepared: any PreparedMerge
        do {
            prepared = try method.prepared(for: merge)
        } catch {
            sink.report(.error("\(method.name) cannot merge '\(outputName)': \(error.message)", at: context.methodLocation), code: .methodProblem)
            return .rejected
        }
        // Aligned rows are gathered, never copied as stored.
        let verbatim = alignedRows == nil ? prepared.verbatimInput : nil
        guard let storage = storage(of: tensors, shape: shape, merge: merge, verbatimInput: verbatim, into: &sink) else {
            return .rejected
        }
        let job = TensorJob(
            outputName: outputName, shape: shape, outputDType: storage.dtype, placement: placement, inputs: tensors,
            merge: merge, prepared: prepared, readDType: context.readDType, verbatimInput: storage.verbatimInput,
            alignedRows: alignedRows)
        return .planned(job, croppedRows: croppedRows)
    }

    /// The output shape (`[output rows, hidden]`) and row plan of a token-indexed tensor, or nil
    /// after reporting why its inputs cannot be aligned.
    private func align(
        _ outputName: String, tensors: [TensorInput], slots: [SliceInputs.Slot], to vocabulary: VocabularyAlignment,
        into sink: inout DiagnosticSink
    ) -> (shape: [Int], rows: EmbeddingRowPlan)? {
        let width = Array(tensors[0].info.shape.dropFirst())
        if let differing = tensors.firstIndex(where: { Array($0.info.shape.dropFirst()) != width }) {
            let listed = zip(slots, tensors).map { "'\($0.written.value)' \($1.info.shape)" }.joined(separator: ", ")
            sink.report(.error("shapes of '\(outputName)' differ beyond the vocabulary rows: \(listed)", at: slots[differing].written.location),
                        code: .shapeMismatch)
            return nil
        }
        let rows: EmbeddingRowPlan
        do {
            rows = try vocabulary.rows(for: outputName, tensors: tensors)
        } catch {
            for problem in error.problems {
                sink.addOnce(problem.diagnostic ?? .error(problem.description, at: vocabulary.plan.location))
            }
            return nil
        }
        if !rows.tokensInNoModel.isEmpty {
            let shown = rows.tokensInNoModel.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            let more = rows.tokensInNoModel.count > 5 ? " and \(rows.tokensInNoModel.count - 5) more" : ""
            sink.report(.warning("no model has the token\(rows.tokensInNoModel.count == 1 ? "" : "s") \(shown)\(more) in '\(outputName)': \(rows.tokensInNoModel.count == 1 ? "its row is" : "their rows are") zeros",
                                 at: vocabulary.plan.location), code: .tokenInNoModel)
        }
        return ([vocabulary.plan.rowCount] + width, rows)
    }

    /// Each input's tensor, or nil after reporting the first one missing. An output head that an
    /// input lacks is read from that input's embedding (a tied model: mergekit's `tied_names`).
    private func locate(
        _ names: [String], in slots: [SliceInputs.Slot], at placement: TensorPlacement, into sink: inout DiagnosticSink
    ) -> [TensorInput]? {
        var tensors: [TensorInput] = []
        for (slot, name) in zip(slots, names) {
            let model = context.catalog.models[slot.model]
            if placement == .afterLayers, model.tensor(named: name) == nil, isOutputHead(name, slots: slots),
               let tied = TokenIndexedTensors.inputEmbedding(of: model), let found = model.tensor(named: tied) {
                tensors.append(TensorInput(modelIndex: slot.model, tensorName: tied, info: found.info, file: found.file))
                continue
            }
            guard let found = model.tensor(named: name) else {
                let files = model.files.map { ($0.path as NSString).lastPathComponent }.joined(separator: ", ")
                sink.report(
                    .error("tensor '\(name)' is missing from model '\(slot.written.value)' (searched \(files))", at: slot.written.location),
                    code: .missingTensor)
                return nil
            }
            tensors.append(TensorInput(modelIndex: slot.model, tensorName: name, info: found.info, file: found.file))
        }
        return tensors
    }

    /// What the method sees: the inputs with their per-model parameters (resolved against each
    /// input's own tensor name) and the global parameters (against the output name). nil after
    /// reporting a required parameter that nothing sets.
    private func mergeJob(
        _ outputName: String, shape: [Int], tensors: [TensorInput], inputs: SliceInputs, t: Double, into sink: inout DiagnosticSink
    ) -> MergeJob? {
        let keys = context.method.parameters
        var mergeInputs: [MergeJob.Input] = []
        for (slot, tensor) in zip(inputs.slots, tensors) {
            var values: [(key: String, value: ResolvedValue)] = []
            // A base the method treats specially takes no per-model parameters (it is not
            // weighted or sparsified), so none are resolved for it.
            for key in keys where key.scope == .perModel && !slot.isBase {
                guard let value = ParameterResolver.resolve(key, tensorName: tensor.tensorName, t: t, tables: slot.tables) else {
                    guard !key.isRequired else {
                        reportMissing(key, for: slot, into: &sink)
                        return nil
                    }
                    continue
                }
                values.append((key.name, value))
            }
            mergeInputs.append(.init(
                model: slot.written.value, isBase: slot.isBase, sourcePosition: slot.position, parameters: ResolvedParameters(values)))
        }
        var globals: [(key: String, value: ResolvedValue)] = []
        for key in keys where key.scope == .global {
            guard let value = ParameterResolver.resolve(key, tensorName: outputName, t: t, tables: inputs.globalTables) else {
                guard !key.isRequired else {
                    reportMissing(key, for: nil, into: &sink)
                    return nil
                }
                continue
            }
            globals.append((key.name, value))
        }
        return MergeJob(tensorName: outputName, shape: shape, inputs: mergeInputs, parameters: ResolvedParameters(globals), seed: context.seed)
    }

    /// The output dtype, and the input copied byte for byte when the method's merge is the
    /// identity and nothing needs converting; nil after reporting an input that cannot be merged.
    private func storage(
        of tensors: [TensorInput], shape: [Int], merge: MergeJob, verbatimInput: Int?, into sink: inout DiagnosticSink
    ) -> (dtype: DType, verbatimInput: Int?)? {
        let readDType = context.readDType
        let storedDType = tensors[merge.baseIndex ?? 0].info.dtype
        let outputDType = context.outDType ?? readDType ?? storedDType
        var verbatim = verbatimInput
        if let index = verbatim,
           tensors[index].info.dtype != outputDType || (readDType ?? outputDType) != outputDType || tensors[index].info.shape != shape {
            verbatim = nil
        }
        if verbatim == nil, let bad = tensors.first(where: { !$0.info.dtype.isMergeable }) ?? (outputDType.isMergeable ? nil : tensors.first) {
            sink.report(.error(
                "tensor '\(bad.tensorName)' of model '\(context.catalog.writtenNames[bad.modelIndex])' has dtype \(bad.info.dtype.rawValue); only float tensors can be merged (passthrough copies others as they are)",
                at: context.methodLocation), code: .unmergeableDType)
            return nil
        }
        return (outputDType, verbatim)
    }

    /// A required parameter nothing sets for this tensor (a filter list that matches no
    /// tensor of it, or a global one): reported once per parameter and place.
    private func reportMissing(_ key: any ParameterDeclaration, for slot: SliceInputs.Slot?, into sink: inout DiagnosticSink) {
        let method = context.method
        guard let slot else {
            sink.report(.error("\(method.name) needs parameter '\(key.name)'", at: context.methodLocation),
                        code: .missingParameter(name: key.name, location: context.methodLocation))
            return
        }
        sink.report(RecipeChecker.missing(key, model: slot.written, writtenNames: slot.tables.flatMap(\.writtenNames), method: method),
                    code: .missingParameter(name: key.name, location: slot.written.location))
    }

    /// Whether `name` is a token-indexed tensor after the layers in some input (an output head).
    private func isOutputHead(_ name: String, slots: [SliceInputs.Slot]) -> Bool {
        slots.contains { slot in
            let model = context.catalog.models[slot.model]
            guard let info = model.tensor(named: name)?.info else { return false }
            return TokenIndexedTensors.isTokenIndexed(name, shape: info.shape, in: model)
        }
    }
}
