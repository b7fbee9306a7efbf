import MergeKitCheckpoint
public import MergeKitEngine
import MergeKitSafetensors
import MergeKitTensor

/// Builds the MoE model a plan describes, under the same rules as `apply` (one run per output,
/// nothing lost): the gates first (from the seed, the embeddings or a forward pass; nothing is
/// written if that fails), then every tensor in order into its planned place, in `<out>.partial/`
/// with a journal of finished tensors, then config.json, the base's tokenizer files, README.md
/// and `mergekit_moe_config.yml`, and the rename to `<out>`. Tensors are streamed in blocks from
/// the memory maps; when dtypes agree and nothing is added, bytes are copied as they are.
public struct MoEBuilder: Sendable {
    public var plan: MoEPlan
    public var output: OutputDirectory
    public var force: Bool
    /// Continue an interrupted build's `<out>.partial/`.
    public var resume: Bool
    public var interrupt: InterruptFlag?

    public init(plan: MoEPlan, output: OutputDirectory, force: Bool, resume: Bool = false, interrupt: InterruptFlag? = nil) {
        self.plan = plan
        self.output = output
        self.force = force
        self.resume = resume
        self.interrupt = interrupt
    }

    public struct Summary: Sendable {
        public var output: String
        public var tensors: Int
        public var resumedTensors: Int
        public var bytes: Int
    }

    static let configCopyName = "mergekit_moe_config.yml"
    private static let blockBytes = 1 << 23

    /// Validates the output path without touching anything, as `apply` does: no existing output
    /// without `force` (with it, only a previous output of this tool), no overlap with an input,
    /// the configuration or the current directory, no interrupted build thrown away silently,
    /// enough free space. `run` checks again once it holds the output's lock.
    public func checkOutput() throws(OutputError) {
        try output.checkBeforeWriting(
            inputDirectories: plan.models.map(\.path), inputFiles: plan.models.flatMap(\.inputFiles),
            recipe: plan.config.file, force: force, resume: resume, bytesNeeded: plan.layout.totalDataBytes)
    }

    /// Builds the output; `progress(done, total)` is called after each tensor. On a failure after
    /// `<out>.partial/` is set up (`MergeStopped`) or an interruption (`MergeInterrupted`), the
    /// finished tensors stay there, journaled, for `resume`.
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Summary {
        try checkOutput()
        let lock = try OutputLock.acquire(output.lockPath, for: output.path)
        defer { lock.release() }
        try checkOutput()
        let gates = try computeGates()
        if let truncated = MappedFile.truncationError { throw truncated }
        let fingerprint = MoEFingerprint.of(plan)
        var kept = Set<ByteString>()
        if resume, output.partialExists, let recorded = MergeJournal.load(from: output.partialPath), recorded.fingerprint == fingerprint {
            kept = verified(recorded.finished)
        }
        let writers: [ShardFileWriter]
        let journal: MergeJournal
        if kept.isEmpty {
            try output.createPartial()
            // The journal first: from its first moment the work directory is recognisably ours.
            journal = try MergeJournal.create(in: output.partialPath, fingerprint: fingerprint)
            writers = try output.shardWriters(for: plan.layout)
        } else {
            writers = try output.resumedShardWriters(for: plan.layout)
            journal = try MergeJournal.reopen(in: output.partialPath)
        }

        var done = kept.count
        do {
            for tensor in plan.tensors where !kept.contains(ByteString(tensor.spec.name)) {
                if let interrupt, interrupt.isRaised {
                    throw MergeInterrupted(signal: interrupt.signal, finishedTensors: done, totalTensors: plan.tensors.count, partialPath: output.partialPath)
                }
                guard let placed = plan.layout.location(of: tensor.spec.name) else { continue }
                var sink = TensorSink(writer: writers[placed.shardIndex], offset: placed.fileOffset)
                try write(tensor, gates: gates, into: &sink)
                guard sink.written == placed.byteCount else {
                    throw OutputError(.io, "tensor '\(tensor.spec.name)': wrote \(sink.written) bytes, the layout has \(placed.byteCount)")
                }
                try journal.record(tensor: tensor.spec.name, checksum: sink.checksum.value)
                done += 1
                progress?(done, plan.tensors.count)
            }
            for writer in writers {
                try writer.finish()
            }
            try writeSideFiles()
            try output.removeTemporaryFiles()
        } catch let error as MergeInterrupted {
            throw error
        } catch {
            throw MergeStopped(partialPath: output.partialPath, underlying: error, activity: "build")
        }
        try output.removeFile(MergeJournal.fileName)
        try output.commit(force: force)
        return Summary(output: output.path, tensors: plan.tensors.count, resumedTensors: kept.count, bytes: plan.layout.totalDataBytes)
    }

    private func computeGates() throws -> GateMatrix {
        switch plan.config.gateMode.value {
        case .random, .uniformRandom:
            return RandomStreams.gates(
                layers: plan.layerCount, rows: plan.gatedExperts, hidden: plan.hiddenSize, seed: plan.seed,
                uniform: plan.config.gateMode.value == .uniformRandom)
        case .cheapEmbed:
            return try CheapEmbedGates.gates(plan)
        case .hidden, .hiddenLast, .hiddenAverage:
            return try HiddenStateGates.gates(plan)
        }
    }

    /// Tensors the journal lists whose bytes in the shard still have the recorded checksum.
    private func verified(_ finished: [ByteString: UInt64]) -> Set<ByteString> {
        var kept = Set<ByteString>()
        for tensor in plan.tensors {
            guard let recorded = finished[ByteString(tensor.spec.name)], let placed = plan.layout.location(of: tensor.spec.name) else { continue }
            let path = output.partialFile(plan.layout.shards[placed.shardIndex].fileName)
            if case .success(recorded?) = ResumeVerifier.checksum(of: path, offset: placed.fileOffset, count: placed.byteCount) {
                kept.insert(ByteString(tensor.spec.name))
            }
        }
        return kept
    }

    /// Writes one tensor's bytes in order.
    private func write(_ tensor: MoEPlan.OutputTensor, gates: GateMatrix, into sink: inout TensorSink) throws {
        let dtype = tensor.spec.dtype
        switch tensor.source {
        case .zeros:
            let count = tensor.spec.shape.reduce(1, *)
            try sink.append([UInt8](repeating: 0, count: count * dtype.byteSize))
        case .gate(let layer, let rows):
            try sink.append(Self.encode(Array(gates.slice(layer: layer, rows: rows)), as: try Self.floatType(dtype, of: tensor.spec.name)))
        case .slices(let slices):
            for slice in slices { try write(slice, as: dtype, into: &sink) }
        }
    }

    private func write(_ slice: MoEPlan.SourceSlice, as dtype: DType, into sink: inout TensorSink) throws {
        let model = plan.models[slice.model]
        guard let tensor = model.tensor(named: slice.tensor) else {
            throw CheckpointError(file: model.path, "tensor '\(slice.tensor)' is no longer there")
        }
        let totalBytes = tensor.storedByteCount
        // Stored bytes are copied as they are; a strided .bin view or an adapted weight has none,
        // and is decoded and encoded like a converted tensor.
        if slice.isPlainCopy, tensor.dtype == dtype, tensor.withStoredBytes({ _ in () }) != nil {
            var start = 0
            while start < totalBytes {
                let range = start..<min(totalBytes, start + Self.blockBytes)
                do {
                    _ = try tensor.withStoredBytes { bytes in try sink.append(UnsafeRawBufferPointer(rebasing: bytes[range])) }
                } catch {
                    // Mapped bytes past the end of a shrunken input make pwrite fail with EFAULT
                    // (the kernel reads them, no SIGBUS): blame the input, not the output.
                    throw tensor.shrinkError() ?? error
                }
                if let truncated = MappedFile.truncationError { throw truncated }
                let size = tensor.dtype.byteSize
                tensor.releasePages((range.lowerBound / size)..<(range.upperBound / size))
                start = range.upperBound
            }
            return
        }
        guard tensor.dtype.isMergeable else {
            throw CheckpointError(file: tensor.file, "tensor '\(tensor.name)' is a strided view of \(tensor.dtype.rawValue) elements, which cannot be copied as they are")
        }
        let outputFormat = try Self.floatType(dtype, of: slice.tensor)
        let noise = slice.noiseScale.map { ($0, RandomStreams.noise(seed: plan.seed, tensor: slice.tensor, expertPosition: slice.expertPosition)) }
        let blockElements = Self.blockBytes / 4
        var values = [Float](repeating: 0, count: min(blockElements, tensor.elementCount))
        var start = 0
        while start < tensor.elementCount {
            let count = min(blockElements, tensor.elementCount - start)
            values.withUnsafeMutableBufferPointer { buffer in
                tensor.decode(start..<(start + count), into: UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
            }
            if let truncated = MappedFile.truncationError { throw truncated }
            tensor.releasePages(start..<(start + count))
            // mergekit's noise_and_scale: noise first, then the residual scale.
            if let (scale, stream) = noise {
                for i in 0..<count { values[i] += Float(RandomStreams.normal(stream, at: start + i) * scale) }
            }
            if let residual = slice.residualScale {
                let factor = Float(residual)
                for i in 0..<count { values[i] *= factor }
            }
            try sink.append(Self.encode(Array(values[0..<count]), as: outputFormat))
            start += count
        }
    }

    /// The float type of a tensor whose values are computed (the planner gives those float
    /// dtypes only, and copies the others byte for byte).
    private static func floatType(_ dtype: DType, of tensor: String) throws -> FloatDType {
        guard let format = FloatDType(dtype) else {
            throw OutputError(.io, "tensor '\(tensor)': \(dtype.rawValue) cannot be decoded or encoded as floats")
        }
        return format
    }

    private static func encode(_ values: [Float], as dtype: FloatDType) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: values.count * dtype.byteSize)
        bytes.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { ElementConversion.encode($0, as: dtype, into: raw) }
        }
        return bytes
    }

    private func writeSideFiles() throws(OutputError) {
        if plan.layout.shards.count > 1 {
            try output.writeFile(ModelDirectory.indexFileName, plan.layout.indexJSON())
        }
        try output.writeFile(ModelDirectory.configFileName, plan.outputConfig.serialized(pretty: true) + "\n")
        // Checked when the base was opened (regular files, links only within its folder or cache repository).
        for file in plan.base.sideFiles {
            try output.copyFile(from: file.source, as: file.name)
        }
        let title = output.path.split(separator: "/").last.map(String.init) ?? output.path
        try output.writeFile("README.md", MoEModelCard.text(for: plan, title: title))
        try output.writeFile(Self.configCopyName, plan.config.source)
    }
}
