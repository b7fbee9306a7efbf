import ArgumentParser
import Foundation
import Glibc
import MergeKitEngine

/// `mergekit-bench`: generates a synthetic model family once, then times `mergekit-swift apply`
/// (the release binary, as a child process so each run's peak RSS is its own) for each method
/// and prints a Markdown table next to the I/O floor measured in the same run.
///
/// A developer tool, not a product: it runs the `mergekit-swift` binary that `swift build`
/// put next to it (or the one `--mergekit-swift` names) and links none of the CLI's code.
@main
struct MergeKitBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mergekit-bench",
        abstract: "Benchmark mergekit-swift apply on a synthetic model family.",
        discussion: """
            Build both tools first (`swift build -c release`): the bench measures the \
            mergekit-swift binary in its own build folder and prints which one it ran.
            """)

    @Option(help: "Model shape: \(BenchShape.all.map(\.name).joined(separator: ", ")).")
    var shape = "qwen2.5-0.5b"

    @Option(help: "Fine-tunes in the family (besides the base).")
    var fineTunes = 2

    @Option(help: "Comma-separated methods.")
    var methods = BenchRecipes.methods.joined(separator: ",")

    @Option(help: ArgumentHelp(
        "Comma-separated formats the fine-tunes are read in: safetensors, bin.",
        discussion: "bin: each fine-tune's tensors as a PyTorch pytorch_model.bin (torch.save's zip layout), written once beside it in <model>-bin/; the base stays safetensors. Its rows are marked (.bin)."))
    var formats = "safetensors"

    @Option(help: "Comma-separated thread counts; every method runs once per count (default: all cores).")
    var threads: String?

    @Option(help: "Passed to apply as --memory-budget.")
    var memoryBudget: String?

    @Option(help: ArgumentHelp(
        "Where families are generated and merged: $TMPDIR/mergekit-bench unless given.",
        discussion: "A family takes several GB and the I/O floor is measured there: on a machine whose temporary directory is in memory (tmpfs), pass a folder on the disk you want to measure."))
    var dir = FileManager.default.temporaryDirectory.appendingPathComponent("mergekit-bench").path

    @Option(help: "The mergekit-swift binary (default: the one next to this executable, built by `swift build -c release`).")
    var mergekitSwift: String?

    @Option(help: "Another mergekit-swift binary run back to back with the measured one, for every row (e.g. the previous release).")
    var baseline: String?

    @Flag(help: ArgumentHelp(
        "Cold page cache: evict every input before each run (posix_fadvise DONTNEED) and measure the cold floor (each input read from the disk, one after the other, + write and fsync of the output).",
        discussion: "Rows then show the bytes each run read from the disk (ru_inblock) against the input bytes."))
    var cold = false

    @Flag(help: "With --cold, also drop the whole page cache before each run (/proc/sys/vm/drop_caches; root only, slows every process on the machine).")
    var dropCaches = false

    func run() throws {
        guard let shape = BenchShape.named(self.shape) else {
            throw ValidationError("unknown shape '\(self.shape)'; one of \(BenchShape.all.map(\.name).joined(separator: ", "))")
        }
        guard fineTunes >= 2 else { throw ValidationError("--fine-tunes must be at least 2") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threadCounts = try (threads ?? "\(cores)").split(separator: ",").map { text -> Int in
            guard let count = Int(text), count >= 1 else { throw ValidationError("bad thread count '\(text)'") }
            return count
        }
        let formatList = formats.split(separator: ",").map(String.init)
        if let unknown = formatList.first(where: { !Self.formats.contains($0) }) {
            throw ValidationError("unknown format '\(unknown)'; one of \(Self.formats.joined(separator: ", "))")
        }
        let binary = mergekitSwift ?? (Self.executableDirectory() + "/mergekit-swift")
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError("\(binary) not found; run `swift build -c release` first (it builds mergekit-swift next to mergekit-bench) or pass --mergekit-swift")
        }
        log("measuring \(binary), built \(Self.modificationDate(of: binary))")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let family = FamilyGenerator(shape: shape, fineTunes: fineTunes, root: dir, threads: cores)
        let modelBytes = shape.parameterCount * 2
        if !family.isComplete {
            let needed = Double(modelBytes) * Double(fineTunes + 2) * 1.05
            let free = Self.freeBytes(at: dir)
            guard Double(free) > needed else {
                throw ValidationError("\(dir) has \(Self.gigabytes(free)) GB free; the \(shape.name) family needs \(Self.gigabytes(Int(needed))) GB")
            }
            log("generating \(family.directory) (\(fineTunes + 1) × \(Self.gigabytes(modelBytes)) GB)…")
            let start = Date()
            try family.generate()
            log(String(format: "generated in %.1f s", Date().timeIntervalSince(start)))
        }

        var binaries = [(label: "", path: binary)]
        if let baseline {
            guard FileManager.default.isExecutableFile(atPath: baseline) else { throw ValidationError("\(baseline) is not an executable") }
            log("baseline \(baseline), built \(Self.modificationDate(of: baseline))")
            binaries.insert((label: " (baseline)", path: baseline), at: 0)
        }
        let fineTunePaths = family.modelNames.dropFirst().map { family.path(of: $0) }
        var fineTunesByFormat = ["safetensors": fineTunePaths]
        if formatList.contains("bin") {
            let twins = fineTunePaths.map { PyTorchTwin(model: $0) }
            for twin in twins where !twin.isComplete {
                log("writing \(twin.directory)/\(PyTorchTwin.fileName)…")
                try twin.write()
            }
            fineTunesByFormat["bin"] = twins.map(\.directory)
        }
        let modelDirectories = family.modelNames.map(family.path(of:)) + (fineTunesByFormat["bin"] ?? [])
        let familyFiles = try modelDirectories.flatMap { try IOFloor.files(in: $0) }
        Self.emit("load average at start: \(Self.loadAverage())")
        var readSeconds: [String: Double] = [:]
        for directory in modelDirectories {
            readSeconds[directory] = cold
                ? try IOFloor.coldReadSeconds(of: try IOFloor.files(in: directory))
                : try IOFloor.readSeconds(ofFilesIn: directory)
        }
        let write = try IOFloor.writeSeconds(bytes: modelBytes, at: "\(dir)/io-floor.tmp")

        let cache = cold ? "from the disk (cold)" : "from page cache"
        Self.emit("shape \(shape.name): \(String(format: "%.2f", Double(shape.parameterCount) / 1e9))B parameters, bf16, \(Self.gigabytes(modelBytes)) GB per model, base + \(fineTunes) fine-tunes, \(shape.tiedEmbeddings ? "tied" : "untied") embeddings")
        Self.emit(String(format: "I/O floor parts: read one model %@ %.2f s (%.2f GB/s); write + fsync %.2f GB %.2f s (fsync %.2f s)",
                     cache, readSeconds[family.path(of: "base")] ?? 0, Double(modelBytes) / 1e9 / (readSeconds[family.path(of: "base")] ?? 1),
                     Double(modelBytes) / 1e9, write.total, write.sync))
        if cold {
            let each = family.modelNames.map { String(format: "%@ %.2f s", $0, readSeconds[family.path(of: $0)] ?? 0) }
            Self.emit("cold reads, one model after the other: \(each.joined(separator: ", "))")
            Self.emit("cold runs: inputs evicted with posix_fadvise(DONTNEED) before each run\(dropCaches ? ", and the page cache dropped" : "")")
        }
        Self.emit("")
        Self.emit("| method | threads | wall s | CPU s | peak RSS MiB | fsync s | input GB/s | disk read GB | read × input | I/O floor s | × floor |")
        Self.emit("|---|---|---|---|---|---|---|---|---|---|---|")
        let registered = Set(MergeMethodRegistry.names)
        for method in methods.split(separator: ",").map(String.init) {
            guard registered.contains(method) else {
                Self.emit("| \(method) | – | not registered in this build | | | | | | | | |")
                continue
            }
            for format in formatList {
                let name = format == "bin" ? "\(method)-bin" : method
                let (text, models) = BenchRecipes.recipe(
                    for: method, base: family.path(of: "base"), fineTunes: fineTunesByFormat[format] ?? fineTunePaths)
                let recipePath = "\(dir)/\(name).yaml"
                try text.write(toFile: recipePath, atomically: true, encoding: .utf8)
                let inputBytes = models.reduce(0) { $0 + Self.fileBytes(in: $1) }
                var floor = models.reduce(0) { $0 + (readSeconds[$1] ?? 0) } + write.total
                if cold {
                    // The disk's speed drifts by minutes (other work on the machine): measure this
                    // method's cold floor right before its runs.
                    let reads = try models.map { try IOFloor.coldReadSeconds(of: try IOFloor.files(in: $0)) }
                    let writeNow = try IOFloor.writeSeconds(bytes: modelBytes, at: "\(dir)/io-floor.tmp")
                    floor = reads.reduce(0, +) + writeNow.total
                    log(String(format: "%@: cold floor %.2f s (reads %@ s, write + fsync %.2f s)", name, floor,
                               reads.map { String(format: "%.2f", $0) }.joined(separator: " + "), writeNow.total))
                }
                for count in threadCounts {
                    for (suffix, path) in binaries {
                        let label = (format == "bin" ? "\(method) (.bin)" : method) + suffix
                        let output = "\(dir)/out-\(method)"
                        try? FileManager.default.removeItem(atPath: output)
                        if cold {
                            try PageCache.evict(familyFiles)
                            if dropCaches, let why = PageCache.dropAll() { log("cannot drop the page cache (\(why)); inputs evicted with fadvise only") }
                            let resident = PageCache.residentFraction(familyFiles)
                            if resident > 0.01 { log(String(format: "warning: %.1f%% of the inputs still cached before a cold run", resident * 100)) }
                        }
                        var arguments = [path, "apply", recipePath, "-o", output, "--threads", "\(count)"]
                        if let memoryBudget { arguments += ["--memory-budget", memoryBudget] }
                        let logPath = "\(dir)/\(name).log"
                        let usage = try ChildProcess.run(arguments, logPath: logPath)
                        let logText = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                        try? FileManager.default.removeItem(atPath: output)
                        guard usage.status == 0 else {
                            Self.emit("| \(label) | \(count) | failed (exit status \(usage.status)): \(logText.split(separator: "\n").last ?? "") | | | | | | | | |")
                            continue
                        }
                        let sync = Self.syncSeconds(in: logText).map { String(format: "%.2f", $0) } ?? "?"
                        Self.emit(String(format: "| %@ | %d | %.2f | %.2f | %.0f | %@ | %.2f | %.2f | %.2f | %.2f | %.2f |",
                                     label, count, usage.wall, usage.cpu, Double(usage.peakRSSBytes) / 1_048_576, sync,
                                     Double(inputBytes) / 1e9 / usage.wall, Double(usage.diskReadBytes) / 1e9,
                                     Double(usage.diskReadBytes) / Double(max(inputBytes, 1)), floor, usage.wall / floor))
                    }
                }
            }
        }
        Self.emit("")
        if cold {
            // The disk is shared: say how much its speed moved while the runs went on.
            let base = family.path(of: "base")
            let again = try IOFloor.coldReadSeconds(of: try IOFloor.files(in: base))
            let writeAgain = try IOFloor.writeSeconds(bytes: modelBytes, at: "\(dir)/io-floor.tmp")
            Self.emit(String(format: "I/O floor parts again at the end: read one model cold %.2f s (was %.2f s); write + fsync %.2f s (was %.2f s)",
                             again, readSeconds[base] ?? 0, writeAgain.total, write.total))
        }
        Self.emit("load average at end: \(Self.loadAverage())")
    }

    /// The 1, 5 and 15 minute load averages: other work on the machine skews the timings.
    private static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }

    static let formats = ["safetensors", "bin"]

    /// Prints a table row at once, so a long run can be watched through a pipe.
    private static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// apply prints "… in 3.21 s (sync 1.02 s)".
    private static func syncSeconds(in log: String) -> Double? {
        guard let range = log.range(of: "(sync ") else { return nil }
        return Double(log[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    private static func executableDirectory() -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent
    }

    /// When `path` was written (ISO 8601), so a stale binary is visible in the report.
    private static func modificationDate(of path: String) -> String {
        guard let date = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else {
            return "at an unknown time"
        }
        return ISO8601DateFormatter().string(from: date)
    }

    private static func freeBytes(at path: String) -> Int {
        var status = statvfs()
        guard statvfs(path, &status) == 0 else { return 0 }
        return Int(status.f_bavail) * Int(status.f_frsize)
    }

    private static func fileBytes(in directory: String) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter(IOFloor.isWeightFile).reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")[.size] as? Int) ?? 0
            return total + size
        }
    }

    private static func gigabytes(_ bytes: Int) -> String { String(format: "%.2f", Double(bytes) / 1e9) }
}
