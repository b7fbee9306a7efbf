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
    }

    static var executable: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the test runner is `<build>/debug/…PackageTests.xctest`; elsewhere a bundle.
        if directory.lastPathComponent == "MacOS" || directory.path.contains(".xctest/") {
            directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        return directory.appendingPathComponent("mergekit-swift").path
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs the tool to completion. A run still going after `timeout` seconds is killed and
    /// reported as `timedOut`, so a hang fails its test instead of the whole suite.
    static func run(_ arguments: [String], in directory: String = repositoryRoot, timeout: Double = 300) throws -> Result {
        try start(arguments, in: directory).wait(timeout: timeout)
    }

    /// Starts the tool in the background.
    static func start(_ arguments: [String], in directory: String = repositoryRoot) throws -> RunningCommand {
        try RunningCommand(executable: executable, arguments: arguments, directory: directory)
    }
}

/// A started `mergekit-swift` process whose output is collected while it runs.
final class RunningCommand: @unchecked Sendable {
    // @unchecked: the pipes are drained on their own threads and read only after both finished.
    let process = Process()
    private let out = Pipe()
    private let err = Pipe()
    private var outData = Data()
    private var errData = Data()
    private let drained = DispatchGroup()

    init(executable: String, arguments: [String], directory: String) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = out
        process.standardError = err
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

    /// Waits for the process to end (killing it after `timeout` seconds) and returns its result.
    func wait(timeout: Double = 300) -> CommandLineTool.Result {
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                timedOut = true
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        drained.wait()
        return CommandLineTool.Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            signaled: process.terminationReason == .uncaughtSignal, timedOut: timedOut)
    }
}
