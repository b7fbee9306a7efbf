import Foundation

/// Paths inside the repository, found from this file's location (tests never read ../shared).
enum FixturePaths {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let conformance = testsDirectory.appendingPathComponent("Fixtures/conformance").path
    static let tokenizer = testsDirectory.appendingPathComponent("Fixtures/tokenizer").path
    /// Checkpoints saved by transformers (Fixtures/architectures/tiny_models.py), one directory per architecture.
    static let architectures = testsDirectory.appendingPathComponent("Fixtures/architectures/models").path
    static let repositoryRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent().path

    static func conformanceCase(_ name: String) -> String { conformance + "/" + name }
    static func recipe(_ name: String) -> String { conformanceCase(name) + "/recipe.yaml" }
    static func golden(_ name: String) -> String { conformanceCase(name) + "/out" }
    static func model(_ name: String) -> String { conformance + "/models/" + name }
    static func architectureModel(_ architecture: String, _ model: String = "base") -> String {
        architectures + "/" + architecture + "/" + model
    }
}
