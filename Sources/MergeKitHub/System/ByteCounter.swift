import Synchronization

/// A byte count that concurrent tasks add to.
final class ByteCounter: Sendable {
    private let count = Mutex(0)

    func add(_ bytes: Int) {
        count.withLock { $0 += bytes }
    }

    var value: Int { count.withLock { $0 } }
}
