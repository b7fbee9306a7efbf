import Dispatch
public import MergeKitEngine
import MergeKitCheckpoint
import MergeKitLinearAlgebra
import MergeKitSafetensors
import MergeKitTensor
import Synchronization

/// Runs an `ExtractionPlan`: each module's delta is decomposed by one worker (one module's Gram
/// matrix and factors in memory per worker, BLAS single-threaded so the bytes do not depend on
/// the worker count), its factors spilled to a scratch file; then `adapter_model.safetensors`
/// is laid out with the final ranks and filled (factors from the spill, full-rank modules copied
/// byte for byte from the fine-tuned model), `adapter_config.json` and `README.md` are written,
/// and `<out>.partial/` is renamed to `<out>`. The output follows `apply`'s rules: the same path
/// checks, one run per output (its lock), side files through a temporary name and a rename.
public struct LoRAExtractor: Sendable {
    public static let adapterFileName = "adapter_model.safetensors"
    static let spillFileName = "factors.spill"

    public var plan: ExtractionPlan
    /// The command line, for the model card.
    public var invocation: String
    public var interrupt: InterruptFlag?

    public init(plan: ExtractionPlan, invocation: String, interrupt: InterruptFlag? = nil) {
        self.plan = plan
        self.invocation = invocation
        self.interrupt = interrupt
    }

    public struct Summary: Sendable {
        public var output: String
        public var decomposedModules: Int
        public var savedModules: Int
        /// Modules left out because `--sv-epsilon` removed every singular value.
        public var emptyModules: [String]
        public var maximumRank: Int
        /// The largest ‖ΔW − B·A‖_F / ‖ΔW‖_F over the decomposed modules.
        public var worstRelativeError: Double
        public var bytesWritten: Int
    }

    private struct Extracted: Sendable {
        var rank: Int
        var aOffset: Int
        var bOffset: Int
        var relativeError: Double
    }

    public var output: OutputDirectory { OutputDirectory(path: plan.options.outputPath) }

    /// Validates the output path without touching anything, as `apply` does: no existing output
    /// without `force` (with it, only a previous output of this tool), no overlap with either
    /// model, nor with the current directory; an interrupted extraction's `<out>.partial/` is
    /// replaced only with `force` (an extraction cannot resume); enough free space. `run`
    /// checks again once it holds the output's lock.
    public func checkOutput() throws(OutputError) {
        try output.checkBeforeWriting(
            inputDirectories: [plan.model.path, plan.base.path], inputFiles: plan.model.inputFiles + plan.base.inputFiles,
            recipe: nil, force: plan.options.force, resume: nil, bytesNeeded: estimatedBytes())
    }

    /// Extracts the adapter; `progress(done, total)` is called after each decomposed module.
    /// A failure or a signal after `<out>.partial/` is set up removes it (`ExtractionStopped`).
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Summary {
        let output = output
        try checkOutput()
        let lock = try OutputLock.acquire(output.lockPath, for: output.path)
        defer { lock.release() }
        try checkOutput()
        try output.createPartial()
        let summary: Summary
        do {
            // Not for resuming: the journal marks the work directory as this tool's from its
            // first moment, so a later --force may remove it if this run is killed.
            _ = try MergeJournal.create(in: output.partialPath, fingerprint: 0)
            summary = try extract(into: output, progress: progress)
            try output.removeTemporaryFiles()
            try output.removeFile(MergeJournal.fileName)
        } catch {
            _ = FileSystem.removeTree(output.partialPath)
            switch error {
            case is ExtractionStopped, is ExtractionError: throw error
            default: throw ExtractionStopped(partialPath: output.partialPath, underlying: error)
            }
        }
        try output.commit(force: plan.options.force)
        return summary
    }

    private func extract(into output: OutputDirectory, progress: (@Sendable (Int, Int) -> Void)?) throws -> Summary {
        let spill = try FactorSpill(path: output.partialFile(Self.spillFileName))
        let extracted = try decomposeAll(into: spill, progress: progress)

        var specs: [OutputTensorSpec] = []
        var sources: [FactorSource] = []
        var ranks: [(module: String, rank: Int)] = []
        var emptyModules: [String] = []
        var worst = 0.0
        var decompositionIndex = 0
        for action in plan.actions {
            switch action {
            case .decompose(let d):
                let result = extracted[decompositionIndex]
                decompositionIndex += 1
                guard result.rank > 0 else {
                    emptyModules.append(d.module.name)
                    continue
                }
                ranks.append((d.module.name, result.rank))
                worst = max(worst, result.relativeError)
                let prefix = "base_model.model." + d.module.name
                let (aName, bName) = d.transposed
                    ? (prefix + ".lora_embedding_A", prefix + ".lora_embedding_B")
                    : (prefix + ".lora_A.weight", prefix + ".lora_B.weight")
                specs.append(OutputTensorSpec(name: aName, dtype: d.dtype.dtype, shape: [result.rank, d.columns]))
                sources.append(.spill(offset: result.aOffset))
                specs.append(OutputTensorSpec(name: bName, dtype: d.dtype.dtype, shape: [d.rows, result.rank]))
                sources.append(.spill(offset: result.bOffset))
                // The fine-tuned bias replaces the base layer's (PEFT `bias: lora_only`): PEFT
                // ignores mergekit's `lora_B.bias` delta unless `lora_bias` is set, which in turn
                // makes every bias-free targeted layer unmergeable.
                if let bias = d.module.biasTensor, let found = plan.model.tensor(named: bias) {
                    specs.append(OutputTensorSpec(name: prefix + ".base_layer.bias", dtype: found.dtype, shape: found.shape))
                    sources.append(.checkpoint(found))
                }
            case .saveFullRank(let module):
                for (tensor, suffix) in [(module.weightTensor, ".weight"), (module.biasTensor, ".bias")] {
                    guard let tensor, let found = plan.model.tensor(named: tensor) else { continue }
                    specs.append(OutputTensorSpec(name: "base_model.model." + module.name + suffix, dtype: found.dtype, shape: found.shape))
                    sources.append(.checkpoint(found))
                }
            }
        }
        guard !ranks.isEmpty else {
            throw ExtractionError(.arguments, ["every singular value of every module is ≤ --sv-epsilon \(plan.options.singularValueEpsilon): nothing to write"])
        }

        let layout = try ShardLayout.plan(specs, maxShardBytes: Int.max)
        guard let shard = layout.shards.first else { throw OutputError(.io, "the adapter has no tensors") }
        let writer = try ShardFileWriter(path: output.partialFile(Self.adapterFileName), plan: shard)
        for (placed, source) in zip(shard.tensors, sources) {
            try copy(source, count: placed.byteCount, to: writer, at: placed.fileOffset, spill: spill)
        }
        try writer.finish()
        try output.removeFile(Self.spillFileName)

        let config = AdapterConfig.json(
            baseModel: plan.options.baseModel, ranks: ranks, modulesToSave: plan.modulesToSave,
            savesBiases: specs.contains { $0.name.hasSuffix(".base_layer.bias") })
        try output.writeFile(AdapterConfig.fileName, config.serialized(pretty: true) + "\n")
        try output.writeFile("README.md", AdapterCard.text(
            title: output.path.split(separator: "/").last.map(String.init) ?? output.path, baseModel: plan.options.baseModel,
            fineTunedModel: plan.options.model, baseVocabulary: plan.baseVocabularySize,
            fineTunedVocabulary: plan.fineTunedVocabularySize, invocation: invocation))
        return Summary(
            output: output.path, decomposedModules: ranks.count, savedModules: plan.savedModules.count,
            emptyModules: emptyModules, maximumRank: ranks.map(\.rank).max() ?? 0, worstRelativeError: worst,
            bytesWritten: layout.totalDataBytes)
    }

    /// Where an adapter tensor's bytes come from.
    private enum FactorSource {
        case spill(offset: Int)
        /// A tensor of the fine-tuned model, saved whole.
        case checkpoint(any TensorSource)
    }

    private static let copyBlock = 1 << 23

    private func copy(_ source: FactorSource, count: Int, to writer: ShardFileWriter, at fileOffset: Int, spill: FactorSpill) throws {
        switch source {
        case .spill(let offset):
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(count, Self.copyBlock), alignment: 16)
            defer { buffer.deallocate() }
            var done = 0
            while done < count {
                let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(Self.copyBlock, count - done)])
                try spill.read(offset: offset + done, into: piece)
                try writer.write(UnsafeRawBufferPointer(piece), at: fileOffset + done)
                done += piece.count
            }
        case .checkpoint(let tensor):
            // Stored bytes are copied as they are; a strided .bin view or an adapted weight is
            // decoded and encoded back to its dtype (exact for float dtypes).
            let size = tensor.dtype.byteSize
            let elementsPerBlock = max(1, Self.copyBlock / size)
            var scratch: (values: UnsafeMutableBufferPointer<Float>, bytes: UnsafeMutableRawBufferPointer)?
            defer {
                scratch?.values.deallocate()
                scratch?.bytes.deallocate()
            }
            var done = 0
            while done < tensor.elementCount {
                let elements = done..<min(tensor.elementCount, done + elementsPerBlock)
                let bytes = (elements.lowerBound * size)..<(elements.upperBound * size)
                let copied: Void?
                do {
                    copied = try tensor.withStoredBytes { stored throws(SafetensorsError) in
                        try writer.write(UnsafeRawBufferPointer(rebasing: stored[bytes]), at: fileOffset + bytes.lowerBound)
                    }
                } catch {
                    // Mapped bytes past the end of a shrunken input make pwrite fail with EFAULT
                    // (the kernel reads them, no SIGBUS): blame the input, not the output.
                    throw tensor.shrinkError() ?? error
                }
                if copied == nil {
                    guard let format = FloatDType(tensor.dtype) else {
                        throw CheckpointError(file: tensor.file, "tensor '\(tensor.name)' is a strided view of \(tensor.dtype.rawValue) elements, which cannot be saved as they are")
                    }
                    let buffers = scratch ?? (.allocate(capacity: elementsPerBlock), .allocate(byteCount: elementsPerBlock * size, alignment: 16))
                    scratch = buffers
                    let values = UnsafeMutableBufferPointer(rebasing: buffers.values[0..<elements.count])
                    tensor.decode(elements, into: values)
                    let encoded = UnsafeMutableRawBufferPointer(rebasing: buffers.bytes[0..<bytes.count])
                    ElementConversion.encode(UnsafeBufferPointer(values), as: format, into: encoded)
                    try writer.write(UnsafeRawBufferPointer(encoded), at: fileOffset + bytes.lowerBound)
                }
                if let truncated = MappedFile.truncationError { throw truncated }
                tensor.releasePages(elements)
                done = elements.upperBound
            }
        }
    }

    /// Every decomposition, by `options.threads` workers taking modules in plan order.
    private func decomposeAll(into spill: FactorSpill, progress: (@Sendable (Int, Int) -> Void)?) throws -> [Extracted] {
        let work = plan.decompositions
        let partialPath = output.partialPath
        let state = Mutex((next: 0, done: 0, results: [Extracted?](repeating: nil, count: work.count), failure: nil as (any Error)?))
        let previousThreads = BLASThreads.count
        BLASThreads.count = 1
        defer { BLASThreads.count = previousThreads }
        let workers = max(1, min(plan.options.threads, work.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let index: Int? = state.withLock { state in
                    guard state.failure == nil, state.next < work.count else { return nil }
                    if let interrupt, interrupt.isRaised {
                        state.failure = ExtractionStopped(signal: interrupt.signal, partialPath: partialPath, underlying: nil)
                        return nil
                    }
                    defer { state.next += 1 }
                    return state.next
                }
                guard let index else { return }
                do {
                    let result = try decompose(work[index], into: spill)
                    let done = state.withLock { state in
                        state.results[index] = result
                        state.done += 1
                        return state.done
                    }
                    progress?(done, work.count)
                } catch {
                    state.withLock { state in
                        if state.failure == nil { state.failure = error }
                    }
                    return
                }
            }
        }
        return try state.withLock { state in
            if let failure = state.failure { throw failure }
            return state.results.compactMap { $0 }
        }
    }

    private func decompose(_ d: ExtractionPlan.Decomposition, into spill: FactorSpill) throws -> Extracted {
        guard let fineTuned = plan.model.tensor(named: d.module.weightTensor),
              let base = plan.base.tensor(named: d.baseWeightTensor) else {
            throw CheckpointError(file: plan.model.path, "module '\(d.module.name)': its weight is no longer there")
        }
        let delta = DeltaMatrix(fineTuned: fineTuned, base: base, transposed: d.transposed)
        defer { delta.releaseAll() }
        let svd: TruncatedSVD
        do {
            svd = try TruncatedSVD.compute(of: delta, rank: d.rank)
        } catch let error as LinearAlgebraError {
            throw DecompositionError(module: d.module.name, underlying: error)
        }
        let factors = LoRAFactors(svd, distributeScale: plan.options.distributeScale, epsilon: plan.options.singularValueEpsilon)
        guard factors.rank > 0 else {
            return Extracted(rank: 0, aOffset: 0, bOffset: 0, relativeError: 1)
        }
        let aOffset = try spill.append(Self.encode(factors.a, as: d.dtype))
        let bOffset = try spill.append(Self.encode(factors.b, as: d.dtype))
        let keptEnergy = svd.singularValues.prefix(factors.rank).reduce(0) { $0 + $1 * $1 }
        let relative = svd.frobeniusNormSquared > 0
            ? (max(0, svd.frobeniusNormSquared - keptEnergy) / svd.frobeniusNormSquared).squareRoot() : 0
        return Extracted(rank: factors.rank, aOffset: aOffset, bOffset: bOffset, relativeError: relative)
    }

    private static func encode(_ values: [Float], as dtype: FloatDType) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: values.count * dtype.byteSize)
        bytes.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { ElementConversion.encode($0, as: dtype, into: raw) }
        }
        return bytes
    }

    /// The adapter's size at the planned ranks (an upper bound: `--sv-epsilon` can only shrink it).
    private func estimatedBytes() -> Int {
        var total = 0
        for action in plan.actions {
            switch action {
            case .decompose(let d):
                total += d.rank * (d.rows + d.columns) * d.dtype.byteSize + d.rows * 8
            case .saveFullRank(let module):
                for tensor in [module.weightTensor, module.biasTensor].compactMap({ $0 }) {
                    if let found = plan.model.tensor(named: tensor) {
                        total += found.storedByteCount
                    }
                }
            }
        }
        return total
    }
}
