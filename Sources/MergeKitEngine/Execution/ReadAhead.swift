import Dispatch
import Foundation
import Synchronization

/// Reads the inputs ahead of the workers, in the order they will need them, so that on a cold
/// page cache the disk is always busy and the workers rarely wait for a page fault.
///
/// The jobs' input bytes, in the work queue's order, form one stream; workers report how far
/// into it they have read (`reached`), and a thread of its own asks the kernel to read the next
/// `window` bytes beyond that point (`madvise(MADV_WILLNEED)`, which starts the reads and returns),
/// in pieces of about `pieceBytes` per input so the disk sees long sequential runs even though a
/// tensor's inputs lie in different files. Pages read ahead sit in the page cache, not in the
/// process's memory, and a reduction pass that reads a tensor again finds them there: each input
/// byte comes from the disk once. On a warm cache the advice finds the pages present and costs
/// a page-cache lookup per page.
final class ReadAhead: Sendable {
    /// One job's share of the stream.
    private struct Span {
        var job: TensorJob
        /// Where the job's bytes start in the stream.
        var start: Int
        var bytesPerElement: Int
    }

    static let defaultWindow = 256 << 20
    static let pieceBytes = 8 << 20

    private let spans: [Span]
    private let window: Int
    private let frontier = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts reading ahead of `jobs`, which the workers take in this order.
    init(jobs: [TensorJob], window: Int = defaultWindow) {
        var spans: [Span] = []
        var position = 0
        for job in jobs {
            let perElement = Self.readInputs(of: job).reduce(0) { $0 + $1.info.dtype.byteSize }
            spans.append(Span(job: job, start: position, bytesPerElement: perElement))
            position += perElement * job.merge.elementCount
        }
        self.spans = spans
        self.window = max(window, Self.pieceBytes)
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "mergekit read-ahead"
        thread.start()
    }

    /// The inputs a job reads: the copied one for a byte copy, else all.
    private static func readInputs(of job: TensorJob) -> ArraySlice<TensorInput> {
        if let verbatim = job.verbatimInput { return job.inputs[verbatim...verbatim] }
        return job.inputs[...]
    }

    /// A worker has read job `order` (its position in the queue) up to element `element`.
    func reached(job order: Int, element: Int) {
        let span = spans[order]
        let position = span.start + element * span.bytesPerElement
        if frontier.max(position, ordering: .relaxed).oldValue < position {
            wake.signal()
        }
    }

    /// Stops reading ahead and waits for the thread (an advice in flight completes first).
    func stop() {
        stopped.store(true, ordering: .relaxed)
        wake.signal()
        finished.wait()
    }

    private func run() {
        var issued = 0
        for span in spans {
            let elements = span.job.merge.elementCount
            guard elements > 0, span.bytesPerElement > 0 else { continue }
            let inputs = Self.readInputs(of: span.job)
            // Pieces of whole elements, about `pieceBytes` of the widest input each.
            let widest = inputs.map(\.info.dtype.byteSize).max() ?? 1
            let step = max(1, Self.pieceBytes / widest)
            var element = 0
            while element < elements {
                let end = min(element + step, elements)
                while !stopped.load(ordering: .relaxed), issued >= frontier.load(ordering: .relaxed) + window {
                    _ = wake.wait(timeout: .now() + .milliseconds(100))
                }
                if stopped.load(ordering: .relaxed) { return }
                for input in inputs {
                    let size = input.info.dtype.byteSize
                    input.file.prefetch(of: input.info, bytes: (element * size)..<(end * size))
                }
                issued = span.start + end * span.bytesPerElement
                element = end
            }
        }
    }
}
