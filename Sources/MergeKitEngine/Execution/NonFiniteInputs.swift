import MergeKitCheckpoint
import MergeKitSafetensors
import Synchronization

/// NaN and ±Inf found in input tensors while merging. By default they are reported as warnings
/// once the run is done (mergekit passes them through silently); under `--strict` the first one
/// stops the run.
public final class NonFiniteInputs: Sendable {
    public struct Finding: Sendable, Equatable {
        public var file: String
        public var tensor: String
        public var count: Int
    }

    /// By file and tensor name bytes.
    private let findings = Mutex<[ByteString: Finding]>([:])
    let strict: Bool

    init(strict: Bool) {
        self.strict = strict
    }

    /// Every input tensor that held non-finite values, with how many (sorted by file, tensor).
    public var all: [Finding] {
        findings.withLock { Array($0.values) }.sorted { ($0.file, $0.tensor) < ($1.file, $1.tensor) }
    }

    /// Records what decoding one chunk of every input of `job` found (`counts` parallel to its inputs).
    func check(counts: [Int], of job: TensorJob) throws {
        for (input, count) in zip(job.inputs, counts) {
            guard count > 0 else { continue }
            let finding = Finding(file: input.source.file, tensor: input.tensorName, count: count)
            if strict { throw NonFiniteInputError(finding: finding) }
            findings.withLock { all in
                all[ByteString("\(finding.file)\u{0}\(finding.tensor)"), default: Finding(file: finding.file, tensor: finding.tensor, count: 0)].count += count
            }
        }
    }
}

/// An input holds NaN or ±Inf and `--strict` is on.
public struct NonFiniteInputError: Error, Sendable, CustomStringConvertible {
    public var finding: NonFiniteInputs.Finding

    public var description: String {
        "\(finding.file): tensor '\(finding.tensor)' holds NaN or infinite values (\(finding.count) in one chunk); without --strict they are merged as they are, with a warning"
    }
}
