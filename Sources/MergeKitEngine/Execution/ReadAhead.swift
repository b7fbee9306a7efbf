import Dispatch
import Foundation
import Synchronization

/// Reads the inputs ahead of the workers, so that on a cold page cache the disk stays busy and
/// the workers rarely wait for a page fault.
///
/// A thread of its own asks the kernel to read (`madvise(MADV_WILLNEED)`, which starts the reads
/// and returns) two things: the next `jobAhead` bytes of every job a worker is reading, beyond
/// the furthest element read (reduction passes and map chunks report it, `reached`), and the
/// first bytes of the jobs not started yet, in the work queue's order, up to `upcoming` bytes, so
/// a worker that starts one finds it cached. Reads go in pieces of `pieceBytes` per input, so
/// the disk sees long sequential runs although a tensor's inputs lie in different files.
///
/// Pages read ahead sit in the page cache, not in the process's memory, and a reduction pass
/// that reads a tensor again finds them there: each input byte comes from the disk once. On a
/// warm cache the advice finds the pages present and costs a page-cache lookup per page.
final class ReadAhead: Sendable {
    /// Input bytes read ahead of each job being read.
    static let jobAhead = 64 << 20
    /// Input bytes of the next jobs read before they start.
    static let upcoming = 128 << 20
    /// Bytes per input and advice: the kernel caps one advice at the device's readahead size
    /// (`read_ahead_kb`, often 128 KiB), so larger pieces go as several advices.
    static let pieceBytes = 8 << 20
    static let adviceBytes = 128 << 10

    private struct Progress {
        /// Furthest element read, by job position in the queue, for jobs being read.
        var reached: [Int: Int] = [:]
        /// Jobs before this position have started.
        var started = 0
        var stopped = false
    }

    private let jobs: [TensorJob]
    private let progress = Mutex(Progress())
    /// Whether the thread waits for news (so a report wakes it; otherwise reports only update).
    private let idle = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts reading ahead of `jobs`, which the workers start in this order.
    init(jobs: [TensorJob]) {
        self.jobs = jobs
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "mergekit read-ahead"
        thread.start()
    }

    /// A worker has read job `order` (its position in the queue) up to element `element`.
    func reached(job order: Int, element: Int) {
        progress.withLock { state in
            state.reached[order] = max(state.reached[order] ?? 0, element)
            state.started = max(state.started, order + 1)
        }
        wakeIfIdle()
    }

    /// Job `order` is written: nothing more to read for it.
    func finished(job order: Int) {
        progress.withLock { state in
            state.reached[order] = nil
            state.started = max(state.started, order + 1)
        }
        wakeIfIdle()
    }

    private func wakeIfIdle() {
        if idle.exchange(false, ordering: .acquiringAndReleasing) { wake.signal() }
    }

    /// Stops reading ahead and waits for the thread (an advice in flight completes first).
    func stop() {
        progress.withLock { $0.stopped = true }
        idle.store(false, ordering: .releasing)
        wake.signal()
        finished.wait()
    }

    /// The inputs a job reads: the copied one for a byte copy, else all.
    private func readInputs(of order: Int) -> ArraySlice<TensorInput> {
        let job = jobs[order]
        if let verbatim = job.verbatimInput { return job.inputs[verbatim...verbatim] }
        return job.inputs[...]
    }

    private func bytesPerElement(_ order: Int) -> Int {
        readInputs(of: order).reduce(0) { $0 + $1.source.dtype.byteSize }
    }

    private func run() {
        // Elements of each job already advised.
        var issued = [Int](repeating: 0, count: jobs.count)
        var checkedIdle = false
        while true {
            let state = progress.withLock { $0 }
            if state.stopped { return }
            var work: (order: Int, end: Int)?
            // The jobs being read first, the one furthest behind its read-ahead first.
            var neediest = Int.max
            for (order, element) in state.reached where issued[order] < jobs[order].merge.elementCount {
                let ahead = (issued[order] - element) * bytesPerElement(order)
                if ahead < Self.jobAhead, ahead < neediest {
                    neediest = ahead
                    work = (order, element)
                }
            }
            if work == nil {
                // Then the beginnings of the jobs to come.
                var budget = Self.upcoming
                var order = state.started
                while order < jobs.count, budget > 0 {
                    let size = jobs[order].merge.elementCount * bytesPerElement(order)
                    if issued[order] < jobs[order].merge.elementCount, issued[order] * bytesPerElement(order) < min(size, budget) {
                        work = (order, 0)
                        break
                    }
                    budget -= size
                    order += 1
                }
            }
            guard let (order, _) = work else {
                // Announce the wait, look once more (a report may have come in between), then
                // wait for a report (or a while, should one slip past).
                if checkedIdle {
                    _ = wake.wait(timeout: .now() + .milliseconds(50))
                    idle.store(false, ordering: .releasing)
                    checkedIdle = false
                } else {
                    idle.store(true, ordering: .releasing)
                    checkedIdle = true
                }
                continue
            }
            if checkedIdle {
                idle.store(false, ordering: .releasing)
                checkedIdle = false
            }
            issued[order] = advise(order, from: issued[order])
        }
    }

    /// Advises the next piece of job `order` from element `start`; returns where it ends.
    private func advise(_ order: Int, from start: Int) -> Int {
        let inputs = readInputs(of: order)
        let elements = jobs[order].merge.elementCount
        let widest = inputs.map(\.source.dtype.byteSize).max() ?? 1
        let end = min(elements, start + max(1, Self.pieceBytes / widest))
        for input in inputs {
            // An input aligned to a larger output vocabulary holds fewer elements than the job.
            let stop = min(end, input.source.elementCount)
            let step = max(1, Self.adviceBytes / input.source.dtype.byteSize)
            var element = start
            while element < stop {
                let next = min(stop, element + step)
                input.source.prefetch(element..<next)
                element = next
            }
        }
        return end
    }
}
