/// One part of a merge split over `count` machines (`apply --part index/count`): it computes the
/// output shards `PartAssignment` gives it. Written `I/K` with 0 ≤ I < K, so Slurm's
/// `$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT` (with `--array=0-(K-1)`) and Kubernetes'
/// `$JOB_COMPLETION_INDEX` work as they are.
public struct MergePart: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// - Precondition: 0 ≤ index < count.
    public init(index: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(index), "MergePart: \(index)/\(count) is not a part")
        self.index = index
        self.count = count
    }

    /// Reads "I/K"; nil unless both are decimal integers with 0 ≤ I < K.
    public init?(parsing text: String) {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let index = Int(pieces[0]), let count = Int(pieces[1]), count >= 1, index < count else { return nil }
        self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }
}
