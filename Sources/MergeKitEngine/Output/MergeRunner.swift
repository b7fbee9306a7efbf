import Foundation
import MergeKitSafetensors

/// Carries out a plan: output directory checks, the tensors, then the small files, then the
/// atomic rename. On failure `<out>.partial/` stays behind and `<out>` is untouched.
public struct MergeRunner: Sendable {
    public var plan: MergePlan
    public var output: OutputDirectory
    public var force: Bool
    public var threads: Int

    public init(plan: MergePlan, output: OutputDirectory, force: Bool, threads: Int) {
        self.plan = plan
        self.output = output
        self.force = force
        self.threads = threads
    }

    public struct Timings: Sendable {
        public var compute: Duration
        public var sync: Duration
        public var total: Duration
    }

    /// Validates the output path without touching anything.
    public func checkOutput() throws(OutputError) {
        try output.checkAllowed(inputs: plan.models.map(\.path), force: force)
    }

    @discardableResult
    public func run(progress: ProgressReporter?) throws -> Timings {
        let clock = ContinuousClock()
        let start = clock.now
        try checkOutput()
        try output.createPartial()
        let writers = try output.shardWriters(for: plan.layout)
        try Executor(threads: threads).run(plan, writers: writers, progress: progress)
        let computed = clock.now
        for writer in writers {
            do {
                try writer.finish()
            } catch {
                throw OutputError(.io, "\(error)")
            }
        }
        try writeSideFiles()
        let synced = clock.now
        try output.commit(force: force)
        return Timings(compute: computed - start, sync: synced - computed, total: clock.now - start)
    }

    private func writeSideFiles() throws(OutputError) {
        if plan.layout.shards.count > 1 {
            try output.writeFile(ModelDirectory.indexFileName, plan.layout.indexJSON())
        }
        try output.writeFile(ModelDirectory.configFileName, plan.outputConfig.serialized(pretty: true) + "\n")
        if let tokenizerModel = plan.tokenizerModelIndex {
            let directory = plan.models[tokenizerModel].path
            for name in OutputDirectory.tokenizerFiles {
                let source = ModelDirectory.join(directory, name)
                if FileManager.default.fileExists(atPath: source) {
                    try output.copyFile(from: source, as: name)
                }
            }
        }
        let title = (output.path as NSString).lastPathComponent
        try output.writeFile("README.md", ModelCard.text(for: plan, title: title))
        try output.writeFile("mergekit_config.yml", plan.recipe.source)
    }
}
