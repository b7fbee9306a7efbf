import Foundation
import MergeKitTestSupport
import Testing

/// `lock` pins the LoRA adapters of `model+adapter` as it pins models (a Hub adapter's commit and
/// its files' sizes and sha256s, a local adapter's folder and, with --hash-local, its files'
/// hashes), and `apply --locked` holds them to it, through the built binary against the Hub
/// stand-in.
@Suite struct HubLockAdapterTests {
    let family: HubFamily
    static let adapterCommit = HubFamily.commit("org/lora")
    static let newerAdapterCommit = HubFamily.commit("org/lora@2")

    /// The conformance fixtures served as `org/conf-base` and `org/lora` (a PEFT adapter of it,
    /// with a second commit whose adapter_config.json differs, which no branch points at yet),
    /// and copied to local folders.
    init() throws {
        let scratch = try TemporaryDirectory(prefix: "hub-lock-adapters")
        try SourceFamily.copy(into: scratch.path)
        let adapter = try ExampleFamily.contents(of: scratch.file("lora_modules_to_save"))
        var changed = adapter
        let config = String(decoding: try #require(adapter["adapter_config.json"]), as: UTF8.self)
        changed["adapter_config.json"] = Data((config + "\n").utf8)
        family = try HubFamily(extra: [
            StandInRepository(
                id: "org/conf-base", commits: [(HubFamily.commit("org/conf-base"), try ExampleFamily.contents(of: scratch.file("base")))],
                refs: ["main": HubFamily.commit("org/conf-base")]),
            StandInRepository(
                id: "org/lora", commits: [(Self.adapterCommit, adapter), (Self.newerAdapterCommit, changed)], refs: ["main": Self.adapterCommit]),
        ])
        try SourceFamily.copy(into: family.root.path)
        try family.write("recipe.yaml", """
            merge_method: linear
            models:
              - model: ./ft_a
                parameters: {weight: 1.0}
              - model: org/conf-base+org/lora
                parameters: {weight: 0.5}
              - model: ./base+./lora_modules_to_save
                parameters: {weight: 0.25}
            """)
    }

    @Test func lockPinsHubAndLocalAdaptersAndApplyLockedHoldsThem() async throws {
        let lock = try family.run(["lock", "recipe.yaml", "--hash-local"])
        #expect(lock.status == 0, "\(lock.stderr)")
        #expect(lock.stdout.contains("wrote recipe.yaml.lock: 3 models (1 from the Hub, 2 local), 2 LoRA adapters, "), "\(lock.stdout)")
        let text = try String(contentsOfFile: family.root.file("recipe.yaml.lock"), encoding: .utf8)
        #expect(text.contains("    adapter:\n      hub: \"org/lora\"\n      commit: \"\(Self.adapterCommit)\"\n      files:\n        - path: \"adapter_config.json\""), "\(text)")
        #expect(text.contains("    adapter:\n      local: \"/") && text.contains("/lora_modules_to_save\"\n      files:\n"), "\(text)")
        #expect(text.components(separatedBy: "path: \"adapter_model.safetensors\"\n          size: ").count == 3, "both adapters' weights: \(text)")

        // The branch moves to a commit whose adapter differs: the locked one is merged.
        try await family.standIn.move("main", of: "org/lora", to: Self.newerAdapterCommit)
        let applied = try family.run(["apply", "recipe.yaml", "--locked", "-o", "locked"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stderr.contains("'org/lora' now points at commit \(Self.newerAdapterCommit); the lock file pins \(Self.adapterCommit), which is merged"), "\(applied.stderr)")
        #expect(family.cachedFiles("org/lora", commit: Self.newerAdapterCommit).isEmpty, "the moved branch's commit is never downloaded")
        try family.write("pinned.yaml", try String(contentsOfFile: family.root.file("recipe.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "org/lora", with: "org/lora@\(Self.adapterCommit)"))
        let unlocked = try family.run(["apply", "pinned.yaml", "-o", "unlocked"])
        #expect(unlocked.status == 0, "\(unlocked.stderr)")
        #expect(try family.mergedFiles("locked") == (try family.mergedFiles("unlocked")))
    }

    @Test func aChangedLocalAdapterFileIsRefused() async throws {
        #expect(try family.run(["lock", "recipe.yaml", "--hash-local"]).status == 0)
        let config = family.root.file("lora_modules_to_save/adapter_config.json")
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.replacingOccurrences(of: "\"r\"", with: "\"r\" ").write(toFile: config, atomically: true, encoding: .utf8)
        try await family.standIn.reset()
        let result = try family.run(["apply", "recipe.yaml", "--locked", "-o", "merged"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("recipe.yaml:7:12: error: file 'adapter_config.json' of LoRA adapter '/"), "\(result.stderr)")
        #expect(result.stderr.contains("/lora_modules_to_save' of './base+./lora_modules_to_save' does not match the lock file: locked "), "\(result.stderr)")
        #expect(try await family.standIn.stats().requests.isEmpty, "refused before the Hub is asked anything")
        #expect(!FileManager.default.fileExists(atPath: family.root.file("merged")))
    }

    /// A Hub adapter's file in the cache that differs from the lock (a git file: hashed) is
    /// refused before the base's weights are downloaded.
    @Test func aChangedHubAdapterFileIsRefused() async throws {
        #expect(try family.run(["lock", "recipe.yaml"]).status == 0)
        let cached = family.cache + "/models--org--lora/snapshots/\(Self.adapterCommit)/adapter_config.json"
        let text = try String(contentsOfFile: cached, encoding: .utf8)
        try text.replacingOccurrences(of: "\"r\"", with: "\"R\"").write(toFile: cached, atomically: false, encoding: .utf8)
        try await family.standIn.reset()
        let result = try family.run(["apply", "recipe.yaml", "--locked", "-o", "merged"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("recipe.yaml:5:12: error: file 'adapter_config.json' of LoRA adapter 'org/lora' of 'org/conf-base+org/lora' does not match the lock file: locked sha256 "), "\(result.stderr)")
        let base = family.cachedFiles("org/conf-base", commit: HubFamily.commit("org/conf-base"))
        #expect(!base.contains("model.safetensors"), "refused before downloading the base's weights: \(base)")
    }

    /// A lock written before adapters were pinned (no `adapter:` entry) still reads; a
    /// `model+adapter` reference in it is refused, saying to lock again.
    @Test func aLockWithoutTheAdapterEntryIsRefusedForModelPlusAdapter() throws {
        #expect(try family.run(["lock", "recipe.yaml", "-o", "recipe.lock.json"]).status == 0)
        let path = family.root.file("recipe.lock.json")
        var root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var inputs = try #require(root["inputs"] as? [[String: Any]])
        for index in inputs.indices { inputs[index]["adapter"] = nil }
        root["inputs"] = inputs
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: path))
        let result = try family.run(["apply", "recipe.yaml", "--locked", "--lock-file", "recipe.lock.json", "-o", "merged"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("recipe.yaml:5:12: error: model 'org/conf-base+org/lora': the lock file recipe.lock.json pins no LoRA adapter for it"), "\(result.stderr)")
        #expect(result.stderr.contains("recipe.yaml:7:12: error: model './base+./lora_modules_to_save': the lock file recipe.lock.json pins no LoRA adapter for it"), "\(result.stderr)")
    }
}
