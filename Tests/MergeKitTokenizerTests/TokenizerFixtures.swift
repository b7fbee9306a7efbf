import Foundation

/// Paths of the tokenizer goldens (kept with the engine's fixtures, which will run the same
/// recipes end to end), found from this file's location.
enum TokenizerFixtures {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let root = testsDirectory.appendingPathComponent("MergeKitEngineTests/Fixtures/tokenizer").path
    static let conformance = testsDirectory.appendingPathComponent("MergeKitEngineTests/Fixtures/conformance").path

    static func model(_ name: String) -> String { root + "/models/" + name }
}
