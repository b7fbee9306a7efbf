import Foundation

/// Runs the built `mergekit-swift` binary (it sits next to the test bundle in the build folder).
struct CommandLineTool {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The process was killed by a signal (`status` is then the signal number).
        var signaled = false
        /// The process was still running at its deadline and was killed (a hang).
        var timedOut = false
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

    /// Runs `tool` to completion. A run still going after `timeLimit` is killed (SIGKILL) and
    /// reported as `timedOut`, so a hang or slow code fails its test in bounded time instead of
    /// stalling the whole suite.
    ///
    /// - Parameter environment: the child's whole environment (default: this process's).
    static func run(
        _ arguments: [String], in directory: String = repositoryRoot, tool: String = executable,
        environment: [String: String]? = nil, timeLimit: Duration = .seconds(300)
    ) throws -> Result {
        try start(arguments, in: directory, tool: tool, environment: environment).wait(timeLimit: timeLimit)
    }

    /// Starts the tool in the background.
    static func start(
        _ arguments: [String], in directory: String = repositoryRoot, tool: String = executable, environment: [String: String]? = nil
    ) throws -> RunningCommand {
        try RunningCommand(executable: tool, arguments: arguments, directory: directory, environment: environment)
    }
}

/// A started process whose output is collected while it runs. Both pipes are drained at once on
/// their own threads: a child that fills one while the other is read to its end would block.
final class RunningCommand: @unchecked Sendable {
    // @unchecked: the pipes are drained on their own threads and read only after both finished.
    let process = Process()
    private let out = Pipe()
    private let err = Pipe()
    private var outData = Data()
    private var errData = Data()
    private let drained = DispatchGroup()
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant

    init(executable: String, arguments: [String], directory: String, environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = out
        process.standardError = err
        started = clock.now
        try process.run()
        drain(out) { self.outData = $0 }
        drain(err) { self.errData = $0 }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    private func drain(_ pipe: Pipe, into store: @escaping @Sendable (Data) -> Void) {
        drained.enter()
        Thread.detachNewThread { [drained] in
            store(pipe.fileHandleForReading.readDataToEndOfFile())
            drained.leave()
        }
    }

    /// Waits for the process to end (killing it after `timeLimit`) and returns its result.
    func wait(timeLimit: Duration = .seconds(300)) -> CommandLineTool.Result {
        let deadline = started + timeLimit
        var timedOut = false
        while process.isRunning {
            if clock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                timedOut = true
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        let elapsed = clock.now - started
        drained.wait()
        return CommandLineTool.Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            signaled: process.terminationReason == .uncaughtSignal, timedOut: timedOut, elapsed: elapsed)
    }
}
