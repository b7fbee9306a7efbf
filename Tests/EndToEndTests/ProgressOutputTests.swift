import Foundation
import MergeKitTestSupport
import Testing

/// Progress for logs: with stderr a pipe (as in CI, Slurm or nohup) `apply` prints a plain line
/// every --progress-interval seconds and one when done; --quiet prints none; -v adds a line per
/// tensor. The tests' stderr is a pipe, so this is the log style.
@Suite struct ProgressOutputTests {
    static func progressLines(_ stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter { $0.hasPrefix("progress: ") }
    }

    /// "progress: [k/39 tensors] A / B, R/s, S elapsed, ETA E | syncing | done".
    static func isWellFormed(_ line: Substring) -> Bool {
        let pattern = #/^progress: \[\d+/39 tensors\] [\d.]+ k?B / 328\.8 kB, [\d.]+ [kMG]?B/s, [\d.]+ s elapsed, (ETA (\d+ s|\?)|syncing|done)$/#
        return line.wholeMatch(of: pattern) != nil
    }

    @Test func aLogGetsPlainLinesAndALastOne() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandLineTool.run(["apply", "Recipes/quickstart.yaml", directory.path + "/out"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = Self.progressLines(result.stderr)
        // The tiny merge takes well under the default 10 s: only the closing line.
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.hasPrefix("progress: [39/39 tensors] 328.8 kB / 328.8 kB, ") == true)
        #expect(lines.first?.hasSuffix(" elapsed, done") == true)
        #expect(lines.allSatisfy(Self.isWellFormed), "\(lines)")
        #expect(!result.stderr.contains("\r") && !result.stderr.contains("\u{1B}"))
    }

    @Test func linesComeEveryInterval() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandLineTool.run(["apply", "Recipes/dare_ties_per_layer.yaml", directory.path + "/out", "--progress-interval", "0.001", "-j", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = Self.progressLines(result.stderr)
        #expect(lines.count >= 3, "\(result.stderr)")
        #expect(lines.allSatisfy(Self.isWellFormed), "\(lines)")
        #expect(lines.last?.hasSuffix("done") == true)
        let counts = lines.compactMap { Int($0.dropFirst("progress: [".count).prefix { $0.isNumber }) }
        #expect(counts == counts.sorted(), "tensor counts only grow: \(counts)")
        for bad in ["0", "-1", "nan"] {
            #expect(try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/bad", "--progress-interval", bad]).status == 64)
        }
    }

    /// Any finite interval is accepted; one longer than the run prints only the final line
    /// (1e300 s once overflowed the timer's nanoseconds and killed the process).
    @Test func aHugeIntervalPrintsOnlyTheLastLine() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandLineTool.run(["apply", "Recipes/linear.yaml", directory.path + "/out", "--progress-interval", "1e300"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.progressLines(result.stderr).count == 1, "\(result.stderr)")
    }

    @Test func quietPrintsNothing() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandLineTool.run(["apply", "Recipes/quickstart.yaml", directory.path + "/out", "--quiet", "-v", "--progress-interval", "0.001"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty && result.stdout.isEmpty, "\(result.stderr)")
    }

    @Test func verboseAddsALinePerTensor() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandLineTool.run(["apply", "Recipes/quickstart.yaml", directory.path + "/out", "-v"])
        #expect(result.status == 0, "\(result.stderr)")
        let tensorLines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("tensor ") }
        #expect(tensorLines.count == 39)
        let plan = try CommandLineTool.run(["plan", "Recipes/quickstart.yaml", "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let names = try #require(json["tensors"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        for name in names {
            #expect(tensorLines.filter { $0.contains(" \(name): ") }.count == 1, "\(name)")
        }
        #expect(tensorLines.contains { $0.wholeMatch(of: #/tensor \d+/39 model\.embed_tokens\.weight: 16\.4 kB/#) != nil })
        #expect(Self.progressLines(result.stderr).count == 1)
    }
}
