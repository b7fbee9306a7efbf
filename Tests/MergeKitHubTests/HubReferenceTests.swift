import Foundation
@testable import MergeKitHub
import MergeKitTestSupport
import Testing

@Suite struct HubReferenceTests {
    @Test(arguments: [
        ("meta-llama/Llama-3.1-8B", true), ("gpt2", true), ("org/name.v2_x", true), ("a/b/c", false),
        ("org--x/name", false), ("org/na..me", false), ("-org/name", false), ("org/name-", false),
        ("org/name.git", false), ("org/", false), ("/name", false), ("org/na me", false), ("org/caf\u{E9}", false),
        (String(repeating: "a", count: 97), false),
    ])
    func repositoryIDs(text: String, valid: Bool) {
        #expect((HubRepoID(text) != nil) == valid, "\(text)")
    }

    @Test func cacheFolderNames() throws {
        #expect(try #require(HubRepoID("org/name")).cacheFolderName == "models--org--name")
        #expect(try #require(HubRepoID("gpt2")).cacheFolderName == "models--gpt2")
    }

    @Test func referencesWithRevisions() throws {
        let plain = try HubModelReference.parse("org/name")
        #expect(plain.revision == nil && plain.effectiveRevision == "main" && plain.description == "org/name")
        let tagged = try HubModelReference.parse("org/name@v1.0")
        #expect(tagged.repo.description == "org/name" && tagged.revision == "v1.0")
        #expect(try HubModelReference.parse("org/name@refs/pr/1").revision == "refs/pr/1")
    }

    @Test(arguments: [
        ("org/name@a@b", "it has more than one '@'"),
        ("org/name@", "'' is not a revision"),
        ("org/name@../x", "'../x' is not a revision"),
        ("org/x y", "'org/x y' is not a repository id"),
    ])
    func badReferences(text: String, reason: String) {
        #expect {
            _ = try HubModelReference.parse(text)
        } throws: { error in
            (error as? HubReferenceError)?.description.contains(reason) == true
        }
    }

    @Test func commitHashes() {
        #expect(HubModelReference.isCommitHash(String(repeating: "a1", count: 20)))
        #expect(!HubModelReference.isCommitHash(String(repeating: "A1", count: 20)))
        #expect(!HubModelReference.isCommitHash("main"))
    }

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
}
