import MergeKitCheckpoint
import MergeKitRandom
import MergeKitSafetensors
import MergeKitTokenizer

/// Identifies what a plan would write, so a journal from an earlier run is trusted only for the
/// same merge: the recipe text and seed, the output layout (files, headers, offsets) and every input file
/// by content. An input file counts as unchanged when its real path (symbolic links resolved),
/// device, inode, size, modification and status-change times (nanoseconds, as `fstat` gave them
/// when the file was mapped) and the bytes that describe its tensors (a safetensors header, a
/// PyTorch checkpoint's `data.pkl`, an adapter's whole `adapter_config.json`) are all the same.
/// The status-change time moves on every write, rename or `touch` and cannot be set back without
/// privileges, so content rewritten in place with its mtime restored (`touch -r`), a file
/// replaced by another of the same size, and a re-pointed symbolic link are all detected. A
/// tensor aligned to the output vocabulary counts its row plan too: a changed tokenizer that
/// moves a row changes the fingerprint.
///
/// The parts of a split merge (`apply --part`) run on several machines that see the inputs on
/// a shared file system, where device numbers (and, on some network file systems, inode
/// numbers) differ between clients; their fingerprint (`Scope.cluster`) leaves those out and
/// keeps the real path, size, both times and the describing bytes.
///
/// Files are taken in the order the jobs first read them; then every adapter's files (its
/// config and factors are read through the base tensor's source, which names the base file).
enum PlanFingerprint {
    enum Scope {
        /// One machine: every field above (the resume journal of a whole run).
        case machine
        /// Any machine sharing the files: without device and inode (the parts' journals and manifests).
        case cluster
    }

    static func of(_ plan: MergePlan, scope: Scope = .machine) -> UInt64 {
        var hasher = FNVHasher()
        hasher.add(plan.recipe.source)
        // The seed may come from --random-seed, outside the recipe text.
        hasher.add("seed \(plan.seed)")
        for shard in plan.layout.shards {
            hasher.add(shard.fileName)
            shard.headerBytes.withUnsafeBytes { hasher.add($0) }
        }
        let files = Dictionary(
            plan.models.flatMap(\.weights.weightFiles).map { (ByteString($0.path), $0) }, uniquingKeysWith: { first, _ in first })
        var seen = Set<ByteString>()
        func addFile(_ file: WeightFile) {
            guard seen.insert(ByteString(file.path)).inserted else { return }
            hasher.add(identityOf: file, withDeviceAndInode: scope == .machine)
        }
        for stage in plan.stages { hasher.add("stage \(stage.name) seed \(stage.plan.seed)") }
        // A stage tensor's inputs count as the job's: every stage is computed in this run.
        func addInputs(of job: TensorJob) {
            hasher.add(job.outputName)
            hasher.add(job.verbatimInput.map(String.init) ?? "-")
            if let rows = job.alignedRows { add(rows, to: &hasher) }
            for input in job.inputs {
                if let stageTensor = input.source as? StageTensor {
                    hasher.add(stageTensor.file)
                    addInputs(of: stageTensor.job)
                } else if let file = files[ByteString(input.source.file)] {
                    addFile(file)
                }
            }
        }
        for job in plan.jobs { addInputs(of: job) }
        for model in plan.models + plan.stages.flatMap(\.plan.models) where model.adapter != nil {
            model.adapter?.weightFiles.forEach(addFile)
        }
        return hasher.value
    }

    /// Every participant's row sources, as numbers.
    private static func add(_ rows: EmbeddingRowPlan, to hasher: inout FNVHasher) {
        hasher.add("rows \(rows.participants) \(rows.tokenCount) \(rows.rowCount)")
        for participant in rows.participants.indices {
            var numbers: [Int] = []
            for segment in rows.segments(participant: participant, rows: 0 ..< rows.rowCount) {
                switch segment {
                case .input(let output, let first): numbers += [0, output.lowerBound, output.count, first]
                case .paddingMean(let output): numbers += [1, output.lowerBound, output.count]
                case .computed(let row, .zero): numbers += [2, row]
                case .computed(let row, .copy(let source)): numbers += [3, row, source.participant, source.row]
                case .computed(let row, .mean(let sources)):
                    numbers += [4, row, sources.count] + sources.flatMap { [$0.participant, $0.row] }
                }
            }
            numbers.withUnsafeBytes { hasher.add($0) }
        }
    }
}

/// FNV-1a over a sequence of fields, each terminated so "ab"+"c" differs from "a"+"bc". `moe`'s
/// resume fingerprint is made with it too.
package struct FNVHasher {
    private var hash = FNV1a64()

    package init() {}

    package var value: UInt64 { hash.value }

    package mutating func add(_ text: String) {
        hash.combine(contentsOf: text.utf8)
        hash.combine(0xFF)
    }

    package mutating func add(_ bytes: UnsafeRawBufferPointer) {
        hash.combine(contentsOf: bytes)
        hash.combine(0xFF)
    }

    /// An input file as the fingerprint knows it (see `PlanFingerprint`): its real path, device,
    /// inode, size, modification and status-change times when it was mapped, and the bytes that
    /// describe its tensors (a safetensors header, a .bin's data.pkl, an adapter config).
    /// Without device and inode for a fingerprint other machines must reproduce (`Scope.cluster`).
    package mutating func add(identityOf file: WeightFile, withDeviceAndInode: Bool = true) {
        add(FileSystem.resolved(file.path))
        // A file known by its header only (a Hub model's shard not downloaded) is never in a
        // plan that runs, so it never reaches a fingerprint.
        guard let status = file.status else { return }
        let identity = withDeviceAndInode ? "\(status.device) \(status.inode) " : ""
        add(identity + "\(status.size) \(status.modificationNanoseconds) \(status.changeNanoseconds)")
        file.withDescriptionBytes { add($0) }
    }
}
