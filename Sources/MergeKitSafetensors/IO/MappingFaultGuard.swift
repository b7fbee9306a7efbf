import Glibc
import Synchronization

/// Turns a read past the end of a mapped file that shrank after it was mapped (someone
/// truncated an input during the merge) from a SIGBUS crash into an error.
///
/// Swift cannot unwind out of a signal handler (no `siglongjmp`), so the handler makes the
/// faulting read succeed instead: it records the fault, maps an anonymous zero page over the
/// page that faulted (`mmap(MAP_FIXED)`) and returns; the read is retried and sees zeros. The
/// fault count is sticky, and readers check it after every chunk (`MappedFile.truncationError`),
/// so results computed from those zeros are never kept: the run stops with an error naming the
/// file. Only `BUS_ADRERR` (access beyond the end of a mapped file) is handled; any other SIGBUS
/// goes to the handler that was installed before (the runtime's crash reporter, or the default).
/// The record lasts for the process: a program that embeds the engine should not reuse mapped
/// files (or start another merge) after such an error.
package enum MappingFaultGuard {
    /// Installs the handler (once; every `MappedFile` calls this before mapping).
    package static func install() {
        _ = installation
    }

    /// How many pages were replaced by zeros since the process started (never reset).
    package static var faultCount: Int {
        busErrorCount.load(ordering: .sequentiallyConsistent)
    }

    /// The first faulting address (0 when none).
    package static var firstFaultAddress: UInt {
        busErrorFirstAddress.load(ordering: .sequentiallyConsistent)
    }

    private static let installation: Void = {
        busErrorPageMask = ~UInt(Syscall.pageSize - 1)
        _ = busErrorCount.load(ordering: .relaxed)
        _ = busErrorFirstAddress.load(ordering: .relaxed)
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = handleBusError
        action.sa_flags = SA_SIGINFO
        sigemptyset(&action.sa_mask)
        sigaction(SIGBUS, &action, &busErrorPreviousAction)
    }()
}

// Globals, not statics, so the handler reaches them without any lazy initialisation of its own;
// `MappingFaultGuard.install` touches each one before the handler is installed.
private let busErrorCount = Atomic<Int>(0)
private let busErrorFirstAddress = Atomic<UInt>(0)
nonisolated(unsafe) private var busErrorPageMask: UInt = ~UInt(4095)
nonisolated(unsafe) private var busErrorPreviousAction = sigaction()

/// Async-signal-safe: atomics and `mmap`/`sigaction` system calls only.
private func handleBusError(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
    guard let info, info.pointee.si_code == BUS_ADRERR else {
        // Not ours: restore the previous handler; the faulting access repeats and reaches it.
        sigaction(SIGBUS, &busErrorPreviousAction, nil)
        return
    }
    let address = UInt(bitPattern: info.pointee._sifields._sigfault.si_addr)
    busErrorCount.add(1, ordering: .sequentiallyConsistent)
    _ = busErrorFirstAddress.compareExchange(expected: 0, desired: address, ordering: .sequentiallyConsistent)
    let page = UnsafeMutableRawPointer(bitPattern: address & busErrorPageMask)
    let length = Int(~busErrorPageMask) + 1
    if mmap(page, length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED {
        sigaction(SIGBUS, &busErrorPreviousAction, nil)
    }
}
