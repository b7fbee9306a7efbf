import Foundation
public import MergeKitEngine
import MergeKitSafetensors
import MergeKitTensor

/// Builds the MoE model a plan describes: the gates first (from the seed, the embeddings or a
/// forward pass), then every tensor in order into its planned place, in `<out>.partial/` with a
/// journal of finished tensors, then config.json, the base's tokenizer files, README.md and
/// `mergekit_moe_config.yml`, and the rename to `<out>`. Tensors are streamed in blocks from the
/// memory maps; when dtypes agree and nothing is added, bytes are copied as they are.
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

    /// Refuses an existing output (without `force`), an overlap with an input, an interrupted
    /// build that would be thrown away silently, or a disk too small; writes nothing.
    public func checkOutput() throws(OutputError) {
        try output.checkAllowed(inputs: plan.models.map(\.path), force: force)
        let partialExists = FileManager.default.fileExists(atPath: output.partialPath)
        if !resume, !force, partialExists {
            throw OutputError(.refused, "'\(output.partialPath)' holds an interrupted build; pass --resume to continue it, or --force to start over")
        }
        if !resume || !partialExists {
            try output.checkFreeSpace(needed: plan.layout.totalDataBytes)
        }
    }

    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Summary {
        try checkOutput()
        let gates = try computeGates()
        let fingerprint = MoEFingerprint.of(plan)
        var kept = Set<String>()
        let writers: [ShardFileWriter]
        let journal: MergeJournal
        if resume, FileManager.default.fileExists(atPath: output.partialPath),
           let recorded = MergeJournal.load(from: output.partialPath), recorded.fingerprint == fingerprint {
            kept = verified(recorded.finished)
            writers = try output.resumedShardWriters(for: plan.layout)
            journal = try MergeJournal.reopen(in: output.partialPath)
        } else {
            try output.createPartial()
            writers = try output.shardWriters(for: plan.layout)
            journal = try MergeJournal.create(in: output.partialPath, fingerprint: fingerprint)
        }

        var done = kept.count
        for tensor in plan.tensors where !kept.contains(tensor.spec.name) {
            if let interrupt, interrupt.isRaised {
                throw MoERunError.interrupted(signal: interrupt.signal, finished: done, total: plan.tensors.count, partialPath: output.partialPath)
            }
            guard let placed = plan.layout.location(of: tensor.spec.name) else { continue }
            var sink = TensorSink(writer: writers[placed.shardIndex], offset: placed.fileOffset)
            try write(tensor, gates: gates, into: &sink)
            guard sink.written == placed.byteCount else {
                throw MoERunError.io("tensor '\(tensor.spec.name)': wrote \(sink.written) bytes, the layout has \(placed.byteCount)")
            }
            try journal.record(tensor: tensor.spec.name, checksum: sink.checksum.value)
            done += 1
            progress?(done, plan.tensors.count)
        }
        for writer in writers {
            do {
                try writer.finish()
            } catch {
                throw OutputError(.io, "\(error)")
            }
        }
        try writeSideFiles()
        do {
            try FileManager.default.removeItem(atPath: output.partialFile(MergeJournal.fileName))
        } catch {
            throw OutputError(.io, "cannot remove the journal in '\(output.partialPath)': \(error.localizedDescription)")
        }
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
    private func verified(_ finished: [String: UInt64]) -> Set<String> {
        var kept = Set<String>()
        for tensor in plan.tensors {
            guard let recorded = finished[tensor.spec.name], let placed = plan.layout.location(of: tensor.spec.name) else { continue }
            let path = output.partialFile(plan.layout.shards[placed.shardIndex].fileName)
            if Self.checksum(of: path, offset: placed.fileOffset, count: placed.byteCount) == recorded {
                kept.insert(tensor.spec.name)
            }
        }
        return kept
    }

    private static func checksum(of path: String, offset: Int, count: Int) -> UInt64? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var checksum = OutputChecksum()
        do {
            try handle.seek(toOffset: UInt64(offset))
            var remaining = count
            while remaining > 0 {
                guard let data = try handle.read(upToCount: min(remaining, blockBytes)), !data.isEmpty else { return nil }
                data.withUnsafeBytes { checksum.update($0) }
                remaining -= data.count
            }
        } catch {
            return nil
        }
        return checksum.value
    }

    /// Writes one tensor's bytes in order.
    private func write(_ tensor: MoEPlan.OutputTensor, gates: GateMatrix, into sink: inout TensorSink) throws {
        let dtype = tensor.spec.dtype
        switch tensor.source {
        case .zeros:
            let count = tensor.spec.shape.reduce(1, *)
            try sink.append([UInt8](repeating: 0, count: count * dtype.byteSize))
        case .gate(let layer, let rows):
            try sink.append(Self.encode(Array(gates.slice(layer: layer, rows: rows)), as: dtype))
        case .slices(let slices):
            for slice in slices { try write(slice, as: dtype, into: &sink) }
        }
    }

    private func write(_ slice: MoEPlan.SourceSlice, as dtype: DType, into sink: inout TensorSink) throws {
        guard let (file, info) = plan.models[slice.model].tensor(named: slice.tensor) else {
            throw MoERunError.io("\(plan.models[slice.model].path): tensor '\(slice.tensor)' vanished after planning")
        }
        let totalBytes = info.elementCount * info.dtype.byteSize
        if slice.isPlainCopy, info.dtype == dtype {
            var start = 0
            while start < totalBytes {
                let range = start..<min(totalBytes, start + Self.blockBytes)
                try file.withData(of: info) { bytes in try sink.append(UnsafeRawBufferPointer(rebasing: bytes[range])) }
                file.releasePages(of: info, bytes: range)
                start = range.upperBound
            }
            return
        }
        let noise = slice.noiseScale.map { ($0, RandomStreams.noise(seed: plan.seed, tensor: slice.tensor, expertPosition: slice.expertPosition)) }
        let blockElements = Self.blockBytes / 4
        var values = [Float](repeating: 0, count: min(blockElements, info.elementCount))
        var start = 0
        while start < info.elementCount {
            let count = min(blockElements, info.elementCount - start)
            let size = info.dtype.byteSize
            file.withData(of: info) { bytes in
                values.withUnsafeMutableBufferPointer { buffer in
                    ElementConversion.decode(
                        UnsafeRawBufferPointer(rebasing: bytes[(start * size)..<((start + count) * size)]), as: info.dtype,
                        into: UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
                }
            }
            file.releasePages(of: info, bytes: (start * size)..<((start + count) * size))
            // mergekit's noise_and_scale: noise first, then the residual scale.
            if let (scale, stream) = noise {
                for i in 0..<count { values[i] += Float(RandomStreams.normal(stream, at: start + i) * scale) }
            }
            if let residual = slice.residualScale {
                let factor = Float(residual)
                for i in 0..<count { values[i] *= factor }
            }
            try sink.append(Self.encode(Array(values[0..<count]), as: dtype))
            start += count
        }
    }

    private static func encode(_ values: [Float], as dtype: DType) -> [UInt8] {
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
        for name in OutputDirectory.tokenizerFiles {
            let source = (plan.base.path as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: source) {
                try output.copyFile(from: source, as: name)
            }
        }
        try output.writeFile("README.md", MoEModelCard.text(for: plan, title: (output.path as NSString).lastPathComponent))
        try output.writeFile(Self.configCopyName, plan.config.source)
    }
}
