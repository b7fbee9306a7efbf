import MergeKitSafetensors

/// Which output shards each part of a split merge computes. Shards are the unit: a part writes
/// whole shards, each complete with its planned header, so parts never share a file. They are
/// balanced by the input bytes their tensors read (the merge's dominant cost at disk speed):
/// largest first, each to the part with the fewest bytes so far (ties: lower shard index, lower
/// part). Derived from the plan alone, so every machine computes the same assignment.
public enum PartAssignment {
    /// The shard indices of every part, each list ascending.
    public static func shards(of plan: MergePlan, parts: Int) -> [[Int]] {
        let cost = bytesRead(byShardOf: plan)
        let order = cost.indices.sorted { cost[$0] != cost[$1] ? cost[$0] > cost[$1] : $0 < $1 }
        var assigned = Array(repeating: [Int](), count: max(parts, 1))
        var load = Array(repeating: 0, count: max(parts, 1))
        for shard in order {
            var lightest = 0
            for part in load.indices where load[part] < load[lightest] { lightest = part }
            assigned[lightest].append(shard)
            load[lightest] += cost[shard]
        }
        return assigned.map { $0.sorted() }
    }

    /// The shard indices `part` computes.
    public static func shards(of plan: MergePlan, for part: MergePart) -> [Int] {
        shards(of: plan, parts: part.count)[part.index]
    }

    /// Input bytes read for each shard: every input of every tensor it holds (one input for a
    /// tensor copied byte for byte). At least 1 per shard, so empty tensors still spread.
    static func bytesRead(byShardOf plan: MergePlan) -> [Int] {
        var cost = Array(repeating: 1, count: plan.layout.shards.count)
        for job in plan.jobs {
            guard let placed = plan.layout.location(of: job.outputName) else { continue }
            let read = job.verbatimInput.map { job.inputs[$0].source.storedByteCount }
                ?? job.inputs.reduce(0) { $0 + $1.source.storedByteCount }
            cost[placed.shardIndex] += read
        }
        return cost
    }

    /// The jobs of `plan` whose tensors lie in `shards`, in plan order.
    static func jobs(of plan: MergePlan, in shards: Set<Int>) -> [TensorJob] {
        plan.jobs.filter { job in plan.layout.location(of: job.outputName).map { shards.contains($0.shardIndex) } ?? false }
    }
}
