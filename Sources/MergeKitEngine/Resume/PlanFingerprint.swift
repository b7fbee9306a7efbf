import Foundation
import MergeKitRandom

/// Identifies what a plan would write, so a journal from an earlier run is trusted only for the
/// same merge: the recipe text, the output layout (files, headers, offsets) and every input
/// file's path, size and modification time (a replaced fine-tune of the same shape changes it).
enum PlanFingerprint {
    static func of(_ plan: MergePlan) -> UInt64 {
        var hasher = FNVHasher()
        hasher.add(plan.recipe.source)
        for shard in plan.layout.shards {
            hasher.add(shard.fileName)
            shard.headerBytes.withUnsafeBytes { hasher.add($0) }
        }
        var seen = Set<String>()
        for job in plan.jobs {
            hasher.add(job.outputName)
            hasher.add(job.verbatimInput.map(String.init) ?? "-")
            for input in job.inputs where seen.insert(input.file.path).inserted {
                hasher.add(input.file.path)
                let attributes = try? FileManager.default.attributesOfItem(atPath: input.file.path)
                hasher.add("\((attributes?[.size] as? NSNumber)?.int64Value ?? -1)")
                hasher.add("\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)")
            }
        }
        return hasher.value
    }
}

/// FNV-1a over a sequence of fields, each terminated so "ab"+"c" differs from "a"+"bc".
struct FNVHasher {
    private var hash = FNV1a64()

    var value: UInt64 { hash.value }

    mutating func add(_ text: String) {
        hash.combine(contentsOf: text.utf8)
        hash.combine(0xFF)
    }

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        hash.combine(contentsOf: bytes)
        hash.combine(0xFF)
    }
}
