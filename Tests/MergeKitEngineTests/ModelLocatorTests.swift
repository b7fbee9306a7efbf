import Foundation
import MergeKitEngine
import MergeKitRecipe
import MergeKitTestSupport
import Testing

/// What a model reference names: a local path first (recipe folder, then working directory),
/// else a Hub id; the one place this is decided.
@Suite struct ModelLocatorTests {
    @Test func localDirectoriesWinInTheRecipeFolderThenTheWorkingDirectory() throws {
        let root = try TemporaryDirectory()
        let recipes = root.file("recipes")
        let work = root.file("work")
        for folder in [recipes + "/org/both", work + "/org/both", work + "/org/cwd-only"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let locator = ModelLocator(recipeFile: recipes + "/merge.yaml", workingDirectory: work)
        #expect(try locator.locate("org/both") == .localDirectory(recipes + "/org/both"))
        #expect(try locator.locate("org/cwd-only") == .localDirectory(work + "/org/cwd-only"))
        #expect(try locator.locate("org/elsewhere@v2") == .hub(HubModelReference(repo: try #require(HubRepoID("org/elsewhere")), revision: "v2")))
        #expect(try locator.locate(work + "/org/cwd-only") == .localDirectory(work + "/org/cwd-only"))
    }

    @Test func explicitPathsNeverBecomeHubIDs() throws {
        let root = try TemporaryDirectory()
        let locator = ModelLocator(recipeDirectory: root.path, workingDirectory: root.path)
        #expect {
            _ = try locator.locate("./models/missing")
        } throws: { error in
            (error as? ModelLocatorError)?.description == "model directory './models/missing' does not exist (looked in '\(root.path)/models/missing')"
        }
        #expect {
            _ = try locator.locate("models/a/b")
        } throws: { error in
            let text = (error as? ModelLocatorError)?.description ?? ""
            return text.contains("is not a local directory (looked in '\(root.path)/models/a/b') and not a Hub id")
        }
    }

    /// A file where a model is expected is local (opening it says what is wrong), not the Hub
    /// repository of the same name; `model+adapter` is named as not supported yet.
    @Test func anythingAtThePathIsLocalAndAdaptersAreNamed() throws {
        let root = try TemporaryDirectory()
        try Data("x".utf8).write(to: URL(fileURLWithPath: root.file("gpt2")))
        let locator = ModelLocator(recipeDirectory: root.path, workingDirectory: root.path)
        #expect(try locator.locate("gpt2") == .localDirectory(root.file("gpt2")))
        #expect {
            _ = try locator.locate("org/base+org/adapter")
        } throws: { error in
            (error as? ModelLocatorError)?.reason == .adapterNotSupported
        }
    }
}
