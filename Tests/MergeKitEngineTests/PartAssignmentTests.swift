import Foundation
import MergeKitEngine
import Testing

/// How a split merge is cut: every shard in exactly one part, balanced by input bytes, the
/// same on every machine; and how parts are written and read back.
@Suite struct PartAssignmentTests {
    static func plan(shardSize: Int) throws -> MergePlan {
        try Planner.plan(
            recipeAt: FixturePaths.repositoryRoot + "/Recipes/ties.yaml", options: PlanOptions(outShardSize: shardSize))
    }

    @Test(arguments: [1, 2, 3, 7, 40])
    func everyShardBelongsToExactlyOnePart(_ parts: Int) throws {
        let plan = try Self.plan(shardSize: 20_000)
        let assignment = PartAssignment.shards(of: plan, parts: parts)
        #expect(assignment.count == parts)
        #expect(assignment.flatMap { $0 }.sorted() == Array(plan.layout.shards.indices))
        for shards in assignment { #expect(shards == shards.sorted()) }
        #expect(assignment == PartAssignment.shards(of: try Self.plan(shardSize: 20_000), parts: parts), "the same plan must split the same way")
    }

    /// Greedy largest-first: no part holds more than the even share plus the largest shard.
    @Test(arguments: [2, 3, 5])
    func partsAreBalancedByBytesRead(_ parts: Int) throws {
        let plan = try Self.plan(shardSize: 20_000)
        var cost = Array(repeating: 0, count: plan.layout.shards.count)
        for job in plan.jobs {
            let shard = try #require(plan.layout.location(of: job.outputName)).shardIndex
            cost[shard] += job.inputs.reduce(0) { $0 + $1.source.storedByteCount }
        }
        let loads = PartAssignment.shards(of: plan, parts: parts).map { $0.reduce(0) { $0 + cost[$1] } }
        let total = cost.reduce(0, +)
        let largest = try #require(cost.max())
        for load in loads { #expect(load <= total / parts + largest + parts) }
        #expect(try #require(loads.min()) > 0)
    }

    @Test func moreShardsThanPartsLeavesSomePartsEmpty() throws {
        let plan = try Self.plan(shardSize: 5_000_000_000)
        #expect(plan.layout.shards.count == 1)
        #expect(PartAssignment.shards(of: plan, parts: 3) == [[0], [], []])
    }

    @Test(arguments: [("0/1", 0, 1), ("3/4", 3, 4), ("12/100", 12, 100)])
    func partsParse(_ text: String, _ index: Int, _ count: Int) {
        #expect(MergePart(parsing: text) == MergePart(index: index, count: count))
        #expect(MergePart(index: index, count: count).description == text)
    }

    @Test(arguments: ["", "1", "4/4", "5/4", "-1/4", "+1/4", "1/0", "1/-2", "a/4", "1 /4", "1/4/5", "/4", "1/", "1.0/4"])
    func malformedPartsDoNotParse(_ text: String) {
        #expect(MergePart(parsing: text) == nil)
    }
}
