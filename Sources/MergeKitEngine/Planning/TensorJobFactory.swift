import MergeKitCheckpoint
import MergeKitRecipe
import MergeKitSafetensors
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
    /// The module whose tensors the jobs are (`modules:` on a model with several); nil: the
    /// whole model around its text stack.
    var module: String? = nil

    enum Outcome {
        /// `croppedRows`: the rows a vocabulary-sized tensor was cropped to.
        case planned(TensorJob, croppedRows: Int?)
        /// A problem (reported).
        case rejected
    }

    /// The tensors of output layer `offset` of the slice, in the reference input's stack (its
    /// names renumbered to the output layer): every tensor any input has in the layer it reads,
    /// told apart by bytes, the reference's first. One an input lacks is not dropped: `locate`
    /// reports it, naming the model.
    func layerJobs(_ inputs: SliceInputs, offset: Int, into sink: inout DiagnosticSink) -> [Outcome] {
        guard let reference = inputs.reference, let stack = stack(of: reference.model) else { return [] }
        let slice = inputs.slice
        let outputLayer = slice.outputStart + offset
        let t = ParameterResolver.layerPosition(offset: offset, count: slice.layerCount)
        var seen = Set<ByteString>()
        var suffixes: [String] = []
        for slot in inputs.slotsReferenceFirst {
            for suffix in layerSuffixes(of: slot.model, layer: slot.firstLayer + offset) where seen.insert(ByteString(suffix)).inserted {
                suffixes.append(suffix)
            }
        }
        return suffixes.map { suffix in
            job(named: stack.name(layer: outputLayer, suffix: suffix), at: .layer(outputLayer),
                reading: inputs.slots.map { stack.name(layer: $0.firstLayer + offset, suffix: suffix) }, from: inputs, t: t,
                into: &sink)
        }
    }

    /// The tensors before the stack (embeddings; without a module, the other stacks and
    /// projectors too) or after it (final norm, head): every one any input of the slice has
    /// there, told apart by bytes, the reference input's first; and the head the output stores
    /// (`HeadPlan`), which a tied input reads from its embedding. They sit at layer position
    /// t = 0, except, without a module, the layers of another stack, at their position in it.
    func nonLayerJobs(_ placement: TensorPlacement, _ inputs: SliceInputs, into sink: inout DiagnosticSink) -> [Outcome] {
        var seen = Set<ByteString>()
        var named: [(name: String, t: Double)] = []
        for slot in inputs.slotsReferenceFirst {
            let description = context.catalog.models[slot.model].modelDescription
            var names: [String]
            if let module {
                let found = description.modules.module(named: module)
                names = (placement == .afterLayers ? found?.after : found?.before) ?? []
            } else {
                names = description.names(at: placement)
            }
            if placement == .afterLayers, dropsExtraLayers {
                let extra = Set(description.extraLayerNames.map { ByteString($0) })
                names.removeAll { extra.contains(ByteString($0)) }
            }
            for name in names where seen.insert(ByteString(name)).inserted {
                let other = module == nil ? description.otherStackLayer(of: name) : nil
                named.append((name, other.map { ParameterResolver.layerPosition(offset: $0.layer, count: $0.stack.count) } ?? 0))
            }
        }
        if placement == .afterLayers, let head, seen.insert(ByteString(head)).inserted { named.append((head, 0)) }
        return named.map { name, t in
            job(named: name, at: placement, reading: inputs.slots.map { _ in name }, from: inputs, t: t, into: &sink)
        }
    }

    /// `model`'s stack the layers are read from: the text stack, or the module's.
    private func stack(of model: Int) -> LayerStack? {
        let description = context.catalog.models[model].modelDescription
        guard let module else { return description.textStack }
        return description.modules.module(named: module)?.stack
    }

    /// The names after the layer number of `model`'s tensors in `layer` of that stack, in file
    /// order for the text stack (as before modules), else sorted.
    private func layerSuffixes(of model: Int, layer: Int) -> [String] {
        let description = context.catalog.models[model].modelDescription
        guard let module else {
            guard let own = description.textStack else { return [] }
            return description.names(at: .layer(layer)).compactMap { own.layer(of: $0)?.suffix }
        }
        guard let stack = description.modules.module(named: module)?.stack, layer < stack.signatures.count else { return [] }
        return stack.signatures[layer]
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
            merge: merge, prepared: prepared, storage: storage.storage, alignedRows: resolved.alignedRows)
        return .planned(job, croppedRows: resolved.croppedRows)
    }

    /// Each input's tensor, or nil after reporting the first one missing. A model that does not
    /// store an output head reads its input embedding when its config.json says the embeddings
    /// are tied (`TiedEmbeddings.tiedSource`, mergekit's `tied_names`).
    private func locate(_ names: [String], in slots: [SliceInputs.Slot], into sink: inout DiagnosticSink) -> [TensorInput]? {
        var tensors: [TensorInput] = []
        for (slot, name) in zip(slots, names) {
            let model = context.catalog.models[slot.model]
            let stored = model.tensor(named: name) == nil ? model.modelDescription.tiedEmbeddings?.tiedSource(for: name) ?? name : name
            guard let found = model.tensor(named: stored) else {
                reportMissing(name, in: slot, names: names, slots: slots, into: &sink)
                return nil
            }
            tensors.append(TensorInput(modelIndex: slot.model, tensorName: stored, source: found))
        }
        return tensors
    }

    /// A tensor the output needs (another input has it) that the model of `slot` lacks.
    private func reportMissing(
        _ name: String, in slot: SliceInputs.Slot, names: [String], slots: [SliceInputs.Slot], into sink: inout DiagnosticSink
    ) {
        let model = context.catalog.models[slot.model]
        let files = model.weights.files.map { $0.split(separator: "/").last.map(String.init) ?? $0 }.joined(separator: ", ")
        let holder = zip(slots, names).first { context.catalog.models[$0.0.model].tensor(named: $0.1) != nil }
        var message = "tensor '\(name)' is missing from model '\(slot.written.value)' (searched \(files))"
        if let holder {
            message += "; the output needs it because model '\(holder.0.written.value)' has it"
            if !holder.1.hasSameBytes(as: name) { message += " (as '\(holder.1)')" }
        }
        if let tied = model.modelDescription.tiedEmbeddings, tied.isHead(name), !tied.declaresTied {
            message += "; its config.json does not say tie_word_embeddings: true, so its input embedding cannot stand in for it"
        }
        sink.report(.error(message, at: slot.written.location), code: .missingTensor)
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

    /// The output dtype and how the bytes are made: the input copied byte for byte when the
    /// method's merge is the identity and nothing needs converting, else every input decoded
    /// and the result encoded, which needs float types throughout. nil after reporting an input
    /// (or an output dtype) that cannot be merged.
    private func storage(
        of tensors: [TensorInput], shape: [Int], merge: MergeJob, verbatimInput: Int?, into sink: inout DiagnosticSink
    ) -> (dtype: DType, storage: TensorStorage)? {
        let readDType = context.readDType
        let storedDType = tensors[merge.baseIndex ?? 0].source.dtype
        let outputDType = context.outDType?.dtype ?? readDType?.dtype ?? storedDType
        if let index = verbatimInput, tensors[index].source.dtype == outputDType,
           (readDType?.dtype ?? outputDType) == outputDType, tensors[index].source.shape == shape,
           tensors[index].source.hasStoredBytes {
            return (outputDType, .copy(input: index))
        }
        let inputFormats = tensors.compactMap { FloatDType($0.source.dtype) }
        guard inputFormats.count == tensors.count, let output = FloatDType(outputDType) else {
            let bad = tensors.first { FloatDType($0.source.dtype) == nil } ?? tensors[0]
            sink.report(.error(
                "tensor '\(bad.tensorName)' of model '\(context.catalog.writtenNames[bad.modelIndex])' has dtype \(bad.source.dtype.rawValue); only float tensors can be merged (passthrough copies others as they are)",
                at: context.methodLocation), code: .unmergeableDType)
            return nil
        }
        return (outputDType, .merge(MergeFormats(inputs: inputFormats, read: readDType, output: output)))
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
