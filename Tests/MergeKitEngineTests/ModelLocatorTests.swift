import Foundation
import MergeKitEngine
import MergeKitRecipe
import MergeKitTestSupport
import Testing

/// What a model reference names: a local path first (recipe folder, then working directory),
/// else `model+adapter` with each side resolved alone, else a Hub id; the one place this is
/// decided.
@Suite struct ModelLocatorTests {
    @Test func localDirectoriesWinInTheRecipeFolderThenTheWorkingDirectory() throws {
        let root = try TemporaryDirectory()
        let recipes = root.file("recipes")
        let work = root.file("work")
        for folder in [recipes + "/org/both", work + "/org/both", work + "/org/cwd-only"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let locator = ModelLocator(recipeFile: recipes + "/merge.yaml", workingDirectory: work)
        #expect(try locator.locate("org/both").model == .localDirectory(recipes + "/org/both"))
        #expect(try locator.locate("org/both").ambiguities.map(\.other) == [work + "/org/both"])
        #expect(try locator.locate("org/cwd-only") == ModelLocation(model: .localDirectory(work + "/org/cwd-only")))
        #expect(try locator.locate("org/elsewhere@v2") == ModelLocation(model: .hub(HubModelReference(repo: try #require(HubRepoID("org/elsewhere")), revision: "v2"))))
        #expect(try locator.locate(work + "/org/cwd-only").model == .localDirectory(work + "/org/cwd-only"))
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
    /// repository of the same name.
    @Test func anythingAtThePathIsLocal() throws {
        let root = try TemporaryDirectory()
        try Data("x".utf8).write(to: URL(fileURLWithPath: root.file("gpt2")))
        let locator = ModelLocator(recipeDirectory: root.path, workingDirectory: root.path)
        #expect(try locator.locate("gpt2").model == .localDirectory(root.file("gpt2")))
    }

    /// `model+adapter`: the whole text is a directory first (a folder named with a '+'), then
    /// each side is local or a Hub id on its own; a side that is neither is named with the whole.
    @Test func eachSideOfModelPlusAdapterIsLocalOrAHubID() throws {
        let root = try TemporaryDirectory()
        for folder in ["base", "lora", "odd+name"] {
            try FileManager.default.createDirectory(atPath: root.file(folder), withIntermediateDirectories: true)
        }
        let locator = ModelLocator(recipeDirectory: root.path, workingDirectory: root.path)
        let hubModel = HubModelReference(repo: try #require(HubRepoID("org/model")))
        let hubAdapter = HubModelReference(repo: try #require(HubRepoID("org/adapter")), revision: "v1")
        #expect(try locator.locate("odd+name") == ModelLocation(model: .localDirectory(root.file("odd+name"))))
        #expect(try locator.locate("org/model+org/adapter@v1") == ModelLocation(model: .hub(hubModel), adapter: .hub(hubAdapter)))
        #expect(try locator.locate("base+org/adapter@v1") == ModelLocation(model: .localDirectory(root.file("base")), adapter: .hub(hubAdapter)))
        #expect(try locator.locate("org/model+./lora") == ModelLocation(model: .hub(hubModel), adapter: .localDirectory(root.file("lora"))))
        #expect(try locator.locate("org/model+org/adapter@v1").hubReferences == [hubModel, hubAdapter])
        #expect {
            _ = try locator.locate("base+./missing")
        } throws: { error in
            (error as? ModelLocatorError)?.description
                == "LoRA adapter directory './missing' of 'base+./missing' does not exist (looked in '\(root.path)/missing')"
        }
        #expect {
            _ = try locator.locate("base+a+b")
        } throws: { error in
            (error as? ModelLocatorError)?.description.contains("has more than one '+'") == true
        }
    }
}
