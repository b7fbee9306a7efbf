import MergeKitSafetensors
import Synchronization

/// One job whose reduction passes are done: its map chunks can be taken by any worker.
final class ActiveJob: Sendable {
    enum Work: Sendable {
        /// The kernel, and the float types of the inputs and the output.
        case merge(any MergeKernel, MergeFormats)
        /// The output is this input's bytes.
        case copy(input: Int)
    }

    let job: TensorJob
    /// The job's position in the queue's order.
    let order: Int
    let work: Work
    /// The inputs' alignment to the output vocabulary, for a token-indexed tensor.
    let aligned: AlignedEmbedding?
    let writer: ShardFileWriter
    let fileOffset: Int
    let chunks: [Range<Int>]
    private let unfinished: Atomic<Int>

    init(job: TensorJob, order: Int, work: Work, aligned: AlignedEmbedding?, writer: ShardFileWriter, fileOffset: Int, chunks: [Range<Int>]) {
        self.job = job
        self.order = order
        self.work = work
        self.aligned = aligned
        self.writer = writer
        self.fileOffset = fileOffset
        self.chunks = chunks
        unfinished = Atomic(chunks.count)
    }

    /// Records one finished chunk; true for the last one.
    func finishChunk() -> Bool {
        unfinished.subtract(1, ordering: .acquiringAndReleasing).newValue == 0
    }
}

/// What a worker does next: map chunks of started jobs first (so few jobs are open at once and
/// their pages are released early), else start the next job (largest first, so the big
/// embeddings do not end up alone at the tail).
final class WorkQueue: Sendable {
    enum Task {
        /// Start the job at this position of `jobs`.
        case start(TensorJob, order: Int)
        case chunk(ActiveJob, Int)
    }

    private struct State {
        var nextJob = 0
        var open: [(job: ActiveJob, nextChunk: Int)] = []
    }

    /// Every job, in the order they are started.
    let jobs: [TensorJob]
    private let state = Mutex(State())

    init(jobs: [TensorJob]) {
        self.jobs = jobs.sorted { $0.merge.elementCount * $0.inputs.count > $1.merge.elementCount * $1.inputs.count }
    }

    func next() -> Task? {
        state.withLock { state in
            while let first = state.open.first {
                if first.nextChunk < first.job.chunks.count {
                    state.open[0].nextChunk += 1
                    return .chunk(first.job, first.nextChunk)
                }
                state.open.removeFirst()
            }
            guard state.nextJob < jobs.count else { return nil }
            state.nextJob += 1
            return .start(jobs[state.nextJob - 1], order: state.nextJob - 1)
        }
    }

    func open(_ job: ActiveJob) {
        state.withLock { $0.open.append((job, 0)) }
    }
}
