import Foundation
import MergeKitTestSupport
import Testing
@testable import mergekit_bench

/// `mergekit-bench --formats bin` measures fine-tunes read from PyTorch .bin twins: the twins it
/// writes are read by mergekit-swift as pytorch_model.bin and merge to the same bytes as their
/// safetensors originals.
@Suite struct BenchTwinTests {
    @Test func binRowsMergeTheSameTensorsAsSafetensorsRows() throws {
        let directory = try TemporaryDirectory()
        let bench = try CommandLineTool.run(
            ["--shape", "tiny", "--formats", "safetensors,bin", "--methods", "linear", "--threads", "1", "--dir", directory.path],
            tool: CommandLineTool.tool(named: "mergekit-bench"))
        #expect(bench.status == 0, "\(bench.stderr)")
        let rows = bench.stdout.split(separator: "\n").filter { $0.hasPrefix("| linear") }
        #expect(rows.count == 2, "\(bench.stdout)")
        #expect(rows.last?.hasPrefix("| linear (.bin) | 1 | ") == true, "\(bench.stdout)")
        #expect(!bench.stdout.contains("failed"), "\(bench.stdout)")

        let twin = directory.path + "/tiny-ft2/ft1-bin"
        #expect(FileManager.default.fileExists(atPath: twin + "/pytorch_model.bin"))
        #expect(!FileManager.default.fileExists(atPath: twin + "/model.safetensors"))
        let validate = try CommandLineTool.run(["validate", directory.path + "/linear-bin.yaml"])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("ft1-bin': pytorch_model.bin"), "\(validate.stdout)")
        for name in ["linear", "linear-bin"] {
            let apply = try CommandLineTool.run(["apply", directory.path + "/\(name).yaml", "-o", directory.path + "/out-\(name)", "-q"])
            #expect(apply.status == 0, "\(name): \(apply.stderr)")
        }
        #expect(try ResumeTests.shardBytes(directory.path + "/out-linear") == ResumeTests.shardBytes(directory.path + "/out-linear-bin"))
    }

    /// The standard check value of CRC-32 (zip's), fed in two pieces as the twin writer feeds it.
    @Test func zipChecksumMatchesTheCheckValue() {
        var checksum = CRC32()
        let text = Array("123456789".utf8)
        text[..<4].withUnsafeBytes { checksum.update($0) }
        text[4...].withUnsafeBytes { checksum.update($0) }
        #expect(checksum.value == 0xCBF4_3926)
    }

    @Test func anUnknownFormatIsRefused() throws {
        let directory = try TemporaryDirectory()
        let bench = try CommandLineTool.run(
            ["--shape", "tiny", "--formats", "gguf", "--dir", directory.path], tool: CommandLineTool.tool(named: "mergekit-bench"))
        #expect(bench.status != 0)
        #expect(bench.stderr.contains("unknown format 'gguf'; one of safetensors, bin"), "\(bench.stderr)")
    }
}
