import Foundation
import MergeKitCheckpoint
import MergeKitRecipe
import MergeKitTensor

/// Makes the `TensorJob`s of a plan, one output tensor at a time: finds each input's tensor (a
/// missing output head read from a tied model's embedding, `TiedEmbeddings`), settles the output
/// shape (`OutputShapeResolver`), resolves the parameters, lets the method prepare its
/// configuration and picks the output dtype (or a byte copy). Problems go to the sink with their
/// `DiagnosticCode`; a tensor with a problem is left out.
struct TensorJobFactory {
    let context: PlanContext
    /// The head the output stores (`HeadPlan`): planned after the stack even when the last
    /// slice's reference input does not store it (a tied model reads its embedding instead).
    var head: String?
    /// Leave out the layers stored past the text stack's count (the stack changed).
    var dropsExtraLayers = false

    enum Outcome {
        /// `croppedRows`: the rows a vocabulary-sized tensor was cropped to.
        case planned(TensorJob, croppedRows: Int?)
        /// A problem (reported).
        case rejected
    }

    /// The tensors of output layer `offset` of the slice: the reference input's text-stack
    /// layer, renumbered to the output layer.
    func layerJobs(_ inputs: SliceInputs, offset: Int, into sink: inout DiagnosticSink) -> [Outcome] {
        guard let reference = inputs.reference else { return [] }
        let description = context.catalog.models[reference.model].modelDescription
        guard let stack = description.textStack else { return [] }
        let slice = inputs.slice
        let outputLayer = slice.outputStart + offset
        let t = ParameterResolver.layerPosition(offset: offset, count: slice.layerCount)
        return description.names(at: .layer(reference.firstLayer + offset)).map { name in
            job(named: stack.renumbered(name, to: outputLayer), at: .layer(outputLayer),
                reading: inputs.slots.map { stack.renumbered(name, to: $0.firstLayer + offset) }, from: inputs, t: t,
                into: &sink)
        }
    }

    /// The tensors before the text stack (embeddings, other stacks, projectors) or after it
    /// (final norm, head), from the slice's reference input. They sit at layer position t = 0,
    /// except the layers of another stack, at their position in that stack.
    func nonLayerJobs(_ placement: TensorPlacement, _ inputs: SliceInputs, into sink: inout DiagnosticSink) -> [Outcome] {
        guard let reference = inputs.reference else { return [] }
        let description = context.catalog.models[reference.model].modelDescription
        var names = description.names(at: placement)
        if placement == .afterLayers {
            if dropsExtraLayers { names.removeAll { description.extraLayerNames.contains($0) } }
            if let head, !names.contains(head) { names.append(head) }
        }
        return names.map { name in
            let t = description.otherStackLayer(of: name).map { ParameterResolver.layerPosition(offset: $0.layer, count: $0.stack.count) } ?? 0
            return job(named: name, at: placement, reading: inputs.slots.map { _ in name }, from: inputs, t: t, into: &sink)
        }
    }

    private func job(
        named outputName: String, at placement: TensorPlacement, reading inputNames: [String], from inputs: SliceInputs,
        t: Double, into sink: inout DiagnosticSink
    ) -> Outcome {
        guard let tensors = locate(inputNames, in: inputs.slots, into: &sink) else { return .rejected }
        guard let resolved = OutputShapeResolver(context: context).resolve(outputName, tensors: tensors, slots: inputs.slots, into: &sink)
        else { return .rejected }
        let shape = resolved.shape
        guard let merge = mergeJob(outputName, shape: shape, names: inputNames, inputs: inputs, t: t, into: &sink) else {
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
        let verbatim = resolved.alignedRows == nil ? prepared.verbatimInput : nil
        guard let storage = storage(of: tensors, shape: shape, merge: merge, verbatimInput: verbatim, into: &sink) else {
            return .rejected
        }
        let job = TensorJob(
            outputName: outputName, shape: shape, outputDType: storage.dtype, placement: placement, inputs: tensors,
            merge: merge, prepared: prepared, readDType: context.readDType, verbatimInput: storage.verbatimInput,
            alignedRows: resolved.alignedRows)
        return .planned(job, croppedRows: resolved.croppedRows)
    }

    /// Each input's tensor, or nil after reporting the first one missing. A tied model that does
    /// not store the head reads its input embedding (`TiedEmbeddings.tiedSource`).
    private func locate(_ names: [String], in slots: [SliceInputs.Slot], into sink: inout DiagnosticSink) -> [TensorInput]? {
        var tensors: [TensorInput] = []
        for (slot, name) in zip(slots, names) {
            let model = context.catalog.models[slot.model]
            let stored = model.tensor(named: name) == nil ? model.modelDescription.tiedEmbeddings?.tiedSource(for: name) ?? name : name
            guard let found = model.tensor(named: stored) else {
                let files = model.weights.files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
                sink.report(
                    .error("tensor '\(name)' is missing from model '\(slot.written.value)' (searched \(files))", at: slot.written.location),
                    code: .missingTensor)
                return nil
            }
            tensors.append(TensorInput(modelIndex: slot.model, tensorName: stored, source: found))
        }
        return tensors
    }

    /// What the method sees: the inputs with their per-model parameters (resolved against the
    /// name each input is asked for: `lm_head.weight` also for a tied model read through its
    /// embedding, as mergekit does) and the global parameters (against the output name). nil
    /// after reporting a required parameter that nothing sets.
    private func mergeJob(
        _ outputName: String, shape: [Int], names: [String], inputs: SliceInputs, t: Double, into sink: inout DiagnosticSink
    ) -> MergeJob? {
        let keys = context.method.parameters
        var mergeInputs: [MergeJob.Input] = []
        for (slot, name) in zip(inputs.slots, names) {
            var values: [(key: String, value: ResolvedValue)] = []
            // A base the method treats specially takes no per-model parameters (it is not
            // weighted or sparsified), so none are resolved for it.
            for key in keys where key.scope == .perModel && !slot.isBase {
                guard let value = ParameterResolver.resolve(key, tensorName: name, t: t, tables: slot.tables) else {
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
        let storedDType = tensors[merge.baseIndex ?? 0].source.dtype
        let outputDType = context.outDType ?? readDType ?? storedDType
        var verbatim = verbatimInput
        if let index = verbatim,
           tensors[index].source.dtype != outputDType || (readDType ?? outputDType) != outputDType || tensors[index].source.shape != shape
            || !tensors[index].source.hasStoredBytes {
            verbatim = nil
        }
        if verbatim == nil, let bad = tensors.first(where: { !$0.source.dtype.isMergeable }) ?? (outputDType.isMergeable ? nil : tensors.first) {
            sink.report(.error(
                "tensor '\(bad.tensorName)' of model '\(context.catalog.writtenNames[bad.modelIndex])' has dtype \(bad.source.dtype.rawValue); only float tensors can be merged (passthrough copies others as they are)",
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
}
