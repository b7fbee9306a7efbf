import Synchronization

/// Hands out 0, 1, 2, … to any number of threads.
final class NextIndex: Sendable {
    private let counter = Atomic<Int>(0)

    func take(below limit: Int) -> Int? {
        let index = counter.add(1, ordering: .relaxed).oldValue
        return index < limit ? index : nil
    }
}

/// Keeps the first error any thread reports.
final class FirstError: Sendable {
    private let stored = Mutex<(any Error)?>(nil)

    var isSet: Bool { stored.withLock { $0 != nil } }
    var error: (any Error)? { stored.withLock { $0 } }

    func set(_ error: any Error) {
        stored.withLock { if $0 == nil { $0 = error } }
    }
}
