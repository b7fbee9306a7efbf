import Foundation

/// Runs the built `mergekit-swift` binary (it sits next to the test bundle in the build folder).
struct CommandLineTool {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Wall time from start to exit.
        var elapsed: Duration = .zero
    }

    static var executable: String { tool(named: "mergekit-swift") }

    /// An executable target of this package, built into the same folder as the tests.
    static func tool(named name: String) -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the test runner is `<build>/debug/…PackageTests.xctest`; elsewhere a bundle.
        if directory.lastPathComponent == "MacOS" || directory.path.contains(".xctest/") {
            directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        return directory.appendingPathComponent(name).path
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs `tool` with `arguments` in `directory`. A child still running after `timeLimit` is
    /// killed with SIGKILL (status 9; `Process.terminate()`'s SIGTERM did not stop children of
    /// the test runner), so a test of speed fails in bounded time instead of waiting for slow code.
    static func run(
        _ arguments: [String], in directory: String = repositoryRoot, tool: String = executable,
        timeLimit: Duration? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        if let timeLimit {
            let (seconds, attoseconds) = timeLimit.components
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
        }
        // Both pipes are drained at once: a child that fills one while the other is read to its
        // end would block forever.
        let errors = PipeDrain(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), elapsed: clock.now - start)
    }
}

/// Reads a file handle to its end on another thread.
private final class PipeDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
