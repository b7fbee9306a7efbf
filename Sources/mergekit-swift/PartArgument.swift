import ArgumentParser
import MergeKitEngine

/// `--part I/K`: one part of a split merge, 0 ≤ I < K.
struct PartArgument: ExpressibleByArgument {
    var value: MergePart

    init?(argument: String) {
        guard let part = MergePart(parsing: argument) else { return nil }
        value = part
    }
}
