import Dispatch
import Glibc
import MergeKitSafetensors
import Synchronization

/// What `finalize` checks before it publishes a split merge: every part of the split has a
/// manifest, made for this plan, listing the shards and tensors this plan gives it, and every
/// shard on disk has its planned size and header and every tensor its recorded checksum. Each
/// problem names its part, so the user knows which part to run again.
enum PartCheck {
    /// The split's part count and every problem found (none: ready to publish).
    static func problems(of plan: MergePlan, in partial: String, threads: Int) -> (parts: Int?, problems: [PartProblem]) {
        let names: [String]
        switch FileSystem.entryNames(partial) {
        case .success(let listed): names = listed.sorted()
        case .failure(let error): return (nil, [PartProblem(part: nil, "cannot list '\(partial)' (\(error))")])
        }
        let fingerprint = PlanFingerprint.of(plan, scope: .cluster)
        var manifests: [MergePart: Result<PartManifest, ManifestProblem>] = [:]
        for name in names {
            guard let part = PartManifest.part(fromFileName: name) else { continue }
            manifests[part] = PartManifest.read(ModelDirectory.join(partial, name)).flatMap { manifest in
                manifest.part == part ? .success(manifest) : .failure(ManifestProblem("says it is part \(manifest.part)"))
            }
        }
        // The split's part count: the one every manifest has, else the one whose manifests
        // come from this plan (stale manifests of another split are left out, and removed).
        let counts = Set(manifests.keys.map(\.count))
        let matching = Set(manifests.filter { (try? $0.value.get().fingerprint) == fingerprint }.map(\.key.count))
        if matching.count > 1 {
            let listed = matching.sorted().map(String.init).joined(separator: " and ")
            return (nil, [PartProblem(part: nil, "'\(partial)' holds finished parts of this plan split into \(listed) parts; remove the manifests (.mergekit-part-I-of-K.json) of the split you do not want")])
        }
        guard let count = counts.count == 1 ? counts.first : matching.first else {
            let listed = counts.sorted().map(String.init).joined(separator: ", ")
            let problem = manifests.isEmpty
                ? "no part has finished: '\(partial)' holds no part manifest (.mergekit-part-I-of-K.json); run apply --part I/K for every part first"
                : "'\(partial)' holds manifests of splits into \(listed) parts, none of them made for this plan; run the parts again with --force"
            return (nil, [PartProblem(part: nil, problem)])
        }

        let assignment = PartAssignment.shards(of: plan, parts: count)
        var problems: [PartProblem] = []
        var shardsToVerify: [(part: MergePart, shard: Int, manifest: PartManifest.Shard)] = []
        for index in 0..<count {
            let part = MergePart(index: index, count: count)
            guard let result = manifests[part] else {
                problems.append(PartProblem(part: part, notFinished(part, in: partial)))
                continue
            }
            let manifest: PartManifest
            switch result {
            case .success(let read): manifest = read
            case .failure(let problem):
                problems.append(PartProblem(part: part, "its manifest \(PartManifest.fileName(part)) \(problem.reason); run it again with --force"))
                continue
            }
            guard manifest.fingerprint == fingerprint else {
                let hint = shardCountHint(manifestFiles: manifest.shards.map(\.fileName), planned: plan.layout.shards.count)
                problems.append(PartProblem(part: part, "it was computed for another plan (the recipe, its seed, an input file or the shard size differ from this finalize's)" + (hint ?? "; run it again with --force")))
                continue
            }
            let expected = assignment[index].map { plan.layout.shards[$0].fileName }
            guard manifest.shards.map(\.fileName).elementsEqual(expected, by: { $0.hasSameBytes(as: $1) }) else {
                problems.append(PartProblem(part: part, "its manifest lists the shards \(manifest.shards.map(\.fileName)), this plan gives it \(expected); run it again with --force"))
                continue
            }
            for (shard, entry) in zip(assignment[index], manifest.shards) {
                guard entry.tensors.map(\.name).elementsEqual(plan.layout.shards[shard].tensors.map(\.spec.name), by: { $0.hasSameBytes(as: $1) }) else {
                    problems.append(PartProblem(part: part, "its manifest does not list the planned tensors of '\(entry.fileName)'; run it again with --force"))
                    continue
                }
                shardsToVerify.append((part, shard, entry))
            }
        }
        // A shard file of another layout (an earlier split with another shard size) would be
        // published beside this one's.
        let planned = Set(plan.layout.shards.map { ByteString($0.fileName) })
        let strangers = names.filter { $0.hasSuffix(".safetensors") && !planned.contains(ByteString($0)) }
        if let first = strangers.first {
            let which = strangers.count == 1 ? "'\(first)' is" : "\(strangers.count) files ('\(first)', …) are"
            problems.append(PartProblem(part: nil, "\(which) in '\(partial)' but not shards of this plan (left from a split with another shard size?); remove \(strangers.count == 1 ? "it" : "them")"))
        }
        problems += verify(shardsToVerify, of: plan, in: partial, threads: threads)
        return (count, problems)
    }

    /// When the part wrote another number of shards: most likely finalize's --out-shard-size
    /// is not the parts'.
    private static func shardCountHint(manifestFiles: [String], planned: Int) -> String? {
        // Shard names say their count: "model-00002-of-00005.safetensors".
        guard let name = manifestFiles.first else { return nil }
        let count = name == "model.safetensors" ? 1 : name.split(separator: "-").last.flatMap { Int($0.prefix { $0.isNumber }) }
        guard let count, count != planned else { return nil }
        return ": it wrote a \(count)-shard layout, this plan has \(planned) shard\(planned == 1 ? "" : "s"); give finalize the --out-shard-size the parts had"
    }

    /// Why a part has no manifest: stopped or running (its journal counts its tensors), or never started.
    private static func notFinished(_ part: MergePart, in partial: String) -> String {
        if let journal = MergeJournal.load(from: partial, name: MergeJournal.partFileName(part)) {
            return "it has not finished (no manifest; its journal lists \(journal.finished.count) finished tensors): run apply --part \(part) --resume"
        }
        return "it has not run (no manifest, no journal): run apply --part \(part)"
    }

    /// Each shard's size and header against the plan, and each tensor's bytes against its
    /// checksum, shards spread over `threads` threads.
    private static func verify(
        _ shards: [(part: MergePart, shard: Int, manifest: PartManifest.Shard)], of plan: MergePlan, in partial: String, threads: Int
    ) -> [PartProblem] {
        let found = Mutex<[Int: [PartProblem]]>([:])
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, shards.count))) { _ in
            while true {
                let item = next.add(1, ordering: .relaxed).oldValue
                guard item < shards.count else { return }
                let (part, index, entry) = shards[item]
                let problems = verify(shard: plan.layout.shards[index], of: part, recorded: entry, in: partial).map { PartProblem(part: part, $0) }
                found.withLock { $0[item] = problems }
            }
        }
        let all = found.withLock { $0 }
        return shards.indices.flatMap { all[$0] ?? [] }
    }

    /// Problems of one shard file; at most a few damaged tensors are named.
    private static func verify(shard: ShardPlan, of part: MergePart, recorded: PartManifest.Shard, in partial: String) -> [String] {
        let path = ModelDirectory.join(partial, shard.fileName)
        let again = "run apply --part \(part) --resume to compute it again"
        switch FileStatus.of(path, followingLinks: false) {
        case .failure:
            return ["its shard '\(shard.fileName)' is missing; \(again)"]
        case .success(let status) where status.kind != .regular:
            return ["its shard '\(shard.fileName)' is \(status.kind.description), not a regular file"]
        case .success(let status) where status.size != shard.fileSize:
            return ["its shard '\(shard.fileName)' holds \(status.size) bytes, the plan \(shard.fileSize); \(again)"]
        case .success:
            break
        }
        if case .success(let header) = headerBytes(of: path, count: shard.headerBytes.count), header != shard.headerBytes {
            return ["the header of its shard '\(shard.fileName)' differs from the planned one (the file was changed after the part finished); \(again)"]
        }
        var damaged: [String] = []
        for (placed, entry) in zip(shard.tensors, recorded.tensors) {
            switch ResumeVerifier.checksum(of: path, offset: placed.fileOffset, count: placed.byteCount) {
            case .success(entry.checksum?): continue
            case .success: damaged.append(placed.spec.name)
            case .failure(let error): return ["cannot read its shard '\(shard.fileName)' (\(error))"]
            }
        }
        guard !damaged.isEmpty else { return [] }
        let named = damaged.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (damaged.count > 3 ? " and \(damaged.count - 3) more" : "")
        return ["in its shard '\(shard.fileName)', \(named) no longer match\(damaged.count == 1 ? "es" : "") the checksum\(damaged.count == 1 ? "" : "s") the part recorded (changed or damaged after it finished); \(again)"]
    }

    private static func headerBytes(of path: String, count: Int) -> Result<[UInt8], SystemError> {
        FileDescriptor.open(path, flags: O_RDONLY | O_NOFOLLOW).flatMap { descriptor in
            defer { _ = descriptor.close() }
            var bytes = [UInt8](repeating: 0, count: count)
            return bytes.withUnsafeMutableBytes { descriptor.read(into: $0, at: 0) }.map { read in Array(bytes.prefix(read)) }
        }
    }
}

/// One reason a split merge cannot be published, with the part it concerns (nil: the split as
/// a whole).
public struct PartProblem: Sendable, Equatable, CustomStringConvertible {
    public var part: MergePart?
    public var reason: String

    init(part: MergePart?, _ reason: String) {
        self.part = part
        self.reason = reason
    }

    public var description: String {
        part.map { "part \($0): \(reason)" } ?? reason
    }
}
