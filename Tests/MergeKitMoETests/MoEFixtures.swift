import Foundation
import MergeKitEngine
import MergeKitMoE
import MergeKitTestSupport

/// The fixture model families and mergekit 0.1.5's MoE outputs (made by Fixtures/make_goldens.py).
enum MoEFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static func model(_ name: String) -> String { directory + "/models/" + name }
    static func golden(_ name: String) -> String { directory + "/cases/" + name }

    /// Builds case `name`'s configuration into a fresh directory with `seed`.
    static func build(_ name: String, seed: UInt64 = 42, in directory: TemporaryDirectory) throws -> (plan: MoEPlan, output: String) {
        let plan = try MoEPlanner.plan(configAt: golden(name) + "/config.yaml", options: MoEPlanOptions(seed: seed))
        let output = directory.path + "/" + name + "-\(seed)"
        _ = try MoEBuilder(plan: plan, output: OutputDirectory(path: output), force: false).run()
        return (plan, output)
    }
}
