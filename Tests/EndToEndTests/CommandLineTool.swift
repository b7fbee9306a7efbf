import Foundation

/// Runs the built `mergekit-swift` binary (it sits next to the test bundle in the build folder).
struct CommandLineTool {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
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

    static func run(_ arguments: [String], in directory: String = repositoryRoot, tool: String = executable) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
