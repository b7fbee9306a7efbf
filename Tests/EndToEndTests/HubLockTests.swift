import Foundation
import MergeKitTestSupport
import Testing

/// `lock` pins a recipe's inputs (RECIPE.lock) and `apply --locked` holds the merge to them:
/// the locked commits, whatever the branches say now, and nothing that differs.
@Suite struct HubLockTests {
    /// A family whose `org/ft-a` has a second commit (other weights) that `main` can move to.
    static func family() throws -> (HubFamily, newer: String) {
        let newer = HubFamily.commit("org/ft-a@2")
        let scratch = try TemporaryDirectory(prefix: "hub-lock")
        try HubFamily.writeModel(seed: 21, to: scratch.path)
        let family = try HubFamily(laterCommits: ["org/ft-a": (newer, try ExampleFamily.contents(of: scratch.path))])
        return (family, newer)
    }

    @Test func lockThenApplyLockedTakesTheLockedCommitsWhateverTheBranchSays() async throws {
        let (family, newer) = try Self.family()
        try family.writeRecipe(names: ["org/base": "./local/base"])
        let lock = try family.run(["lock", "recipe.yaml"])
        #expect(lock.status == 0, "\(lock.stderr)")
        #expect(lock.stdout.contains("wrote recipe.yaml.lock: 3 models (2 from the Hub, 1 local)"), "\(lock.stdout)")
        let text = try String(contentsOfFile: family.root.file("recipe.yaml.lock"), encoding: .utf8)
        let locked = try #require(family.commits["org/ft-a"])
        #expect(text.contains("reference: \"org/ft-a\"\n    hub: \"org/ft-a\"\n    commit: \"\(locked)\""), "\(text)")
        #expect(text.contains("reference: \"./local/base\""))
        #expect(text.contains("path: \"model-00001-of-00004.safetensors\"") && text.contains("sha256: "))
        let stats = try await family.standIn.stats()
        #expect(stats.requests.filter { $0.path.hasPrefix("/cdn/") }.allSatisfy { $0.range != nil }, "no weights downloaded to lock")

        try await family.standIn.move("main", of: "org/ft-a", to: newer)
        let applied = try family.run(["apply", "recipe.yaml", "--locked", "-o", "locked"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stderr.contains("'org/ft-a' now points at commit \(newer); the lock file pins \(locked), which is merged"), "\(applied.stderr)")
        #expect(family.cachedFiles("org/ft-a", commit: newer).isEmpty, "the moved branch's commit is never downloaded")
        try family.writeLocalRecipe()
        #expect(try family.run(["apply", "local.yaml", "-o", "from-local"]).status == 0)
        #expect(try family.mergedFiles("locked") == (try family.mergedFiles("from-local")))
    }

    /// A branch moved by a history rewrite, so that the locked commit is gone, is refused.
    @Test func aLockedCommitTheHubNoLongerHasIsRefused() async throws {
        let (family, newer) = try Self.family()
        try family.writeRecipe()
        #expect(try family.run(["lock", "recipe.yaml"]).status == 0)
        let locked = try #require(family.commits["org/ft-a"])
        try await family.standIn.move("main", of: "org/ft-a", to: newer)
        try await family.standIn.forget(locked, of: "org/ft-a")
        try await family.standIn.reset()
        let result = try family.run(["apply", "recipe.yaml", "--locked", "-o", "merged"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("recipe.yaml:4:12: error: model 'org/ft-a': the lock file pins commit \(locked), which repository 'org/ft-a' no longer has"), "\(result.stderr)")
        #expect(try await family.standIn.stats().cdnBytes < 100_000, "refused before downloading weights")
        #expect(!FileManager.default.fileExists(atPath: family.root.file("merged")))
    }

    /// A local model changed since the lock, a model the lock does not know, and a lock file
    /// that does not exist are refused before anything is downloaded.
    @Test func inputsThatNoLongerMatchAreRefused() async throws {
        let family = try HubFamily()
        try family.writeRecipe(names: ["org/base": "./local/base"])
        #expect(try family.run(["lock", "recipe.yaml", "--hash-local"]).status == 0)
        let config = family.root.file("local/base/config.json")
        let text = try String(contentsOfFile: config, encoding: .utf8)
        #expect(text.contains("LlamaForCausalLM"))
        try text.replacingOccurrences(of: "LlamaForCausalLM", with: "LlamaForCausalLm").write(toFile: config, atomically: true, encoding: .utf8)
        try await family.standIn.reset()
        let changed = try family.run(["apply", "recipe.yaml", "--locked", "-o", "merged"])
        #expect(changed.status == 65, "\(changed.stderr)")
        #expect(changed.stderr.contains("recipe.yaml:2:13: error: file 'config.json' of model './local/base' does not match the lock file: locked sha256 "), "\(changed.stderr)")
        #expect(try await family.standIn.stats().requests.isEmpty)

        try family.writeRecipe(names: ["org/ft-b": "org/ft-b@main"])
        let unknown = try family.run(["apply", "recipe.yaml", "--locked", "-o", "merged"])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("error: model 'org/ft-b@main' is not in the lock file recipe.yaml.lock; run `mergekit-swift lock recipe.yaml` to pin it"), "\(unknown.stderr)")

        let missing = try family.run(["apply", "recipe.yaml", "--locked", "--lock-file", "none.lock"])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("none.lock: cannot be read; write it with `mergekit-swift lock recipe.yaml`"), "\(missing.stderr)")
    }
}
