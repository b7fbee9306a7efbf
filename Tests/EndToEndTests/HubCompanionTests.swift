import Foundation
import MergeKitTestSupport
import Testing

/// `moe` and `extract-lora` bring models named by Hub id in as `apply` does, through the built
/// binary against the Hub stand-in: headers first, then only the files the command reads, and
/// the result equals the same command on local folders, byte for byte.
@Suite struct HubCompanionTests {
    static let moeModels = CommandLineTool.repositoryRoot + "/Tests/MergeKitMoETests/Fixtures/models"
    /// The MoE fixture models (the base with its tokenizer), served under these ids.
    static let moeRepositories = [
        "org/moe-base": "llama_base", "org/moe-a": "llama_ft_a", "org/moe-b": "llama_ft_b", "org/moe-c": "llama_ft_c",
    ]

    let family: HubFamily

    init() throws {
        family = try HubFamily(extra: try Self.moeRepositories.map { repo, folder in
            StandInRepository(
                id: repo, commits: [(HubFamily.commit(repo), try ExampleFamily.contents(of: Self.moeModels + "/" + folder))],
                refs: ["main": HubFamily.commit(repo)])
        })
    }

    /// The fixtures' three-expert Mixtral configuration, naming each model as `name` maps its Hub id.
    @discardableResult
    func writeMoEConfig(_ file: String, gateMode: String, name: (String) -> String) throws -> String {
        try family.write(file, """
            base_model: \(name("org/moe-base"))
            gate_mode: \(gateMode)
            dtype: float32
            experts:
            - source_model: \(name("org/moe-a"))
              positive_prompts:
              - Write a Python function that returns the square of a number.
              - 'def square(x):'
            - source_model: \(name("org/moe-b"))
              positive_prompts:
              - 'Solve for x: 3x + 5 = 20.'
              negative_prompts:
              - SELECT name FROM users;
            - source_model: \(name("org/moe-c"))
              positive_prompts:
              - Once upon a time, in a land far away
              residual_scale: 0.5
            """)
    }

    /// The output files that do not quote the configuration (its card and copy do).
    func builtFiles(_ folder: String) throws -> [String: Data] {
        try ExampleFamily.contents(of: family.root.file(folder)).filter { $0.key != "README.md" && $0.key != "mergekit_moe_config.yml" }
    }

    @Test(arguments: ["hidden", "cheap_embed", "random"])
    func moeFromHubIdsEqualsMoEFromLocalFolders(gateMode: String) async throws {
        try writeMoEConfig("local.yaml", gateMode: gateMode) { Self.moeModels + "/" + (Self.moeRepositories[$0] ?? $0) }
        try writeMoEConfig("hub.yaml", gateMode: gateMode) { $0 }
        let local = try family.run(["moe", "local.yaml", "from-local"])
        #expect(local.status == 0, "\(local.stderr)")
        let hub = try family.run(["moe", "hub.yaml", "from-hub"])
        #expect(hub.status == 0, "\(hub.stderr)")
        #expect(hub.stderr.contains("Hub: will download "), "\(hub.stderr)")
        let built = try builtFiles("from-hub")
        #expect(built.keys.contains("tokenizer.json"), "the base's tokenizer is copied: \(built.keys.sorted())")
        #expect(built == (try builtFiles("from-local")))

        // Everything is in the cache now: nothing more is downloaded.
        try await family.standIn.reset()
        let again = try family.run(["moe", "hub.yaml", "from-hub", "--force"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("Hub: every file the MoE build reads is in the cache"), "\(again.stderr)")
        #expect(try await family.standIn.stats().cdnBytes == 0)
    }

    /// A local folder wins over a Hub id of the same spelling, as in recipes.
    @Test func aLocalFolderWinsOverAHubID() async throws {
        try FileManager.default.createDirectory(atPath: family.root.file("org"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.moeModels + "/llama_ft_c", toPath: family.root.file("org/moe-c"))
        try writeMoEConfig("hub.yaml", gateMode: "random") { $0 }
        let result = try family.run(["moe", "hub.yaml", "out"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: family.cache + "/models--org--moe-c"))
        #expect(FileManager.default.fileExists(atPath: family.cache + "/models--org--moe-b"))
    }

    @Test func moeOfflineWithAnEmptyCacheIsALocatedError() async throws {
        try writeMoEConfig("hub.yaml", gateMode: "cheap_embed") { $0 }
        let result = try family.run(["moe", "hub.yaml", "out"], offline: true)
        #expect(result.status == 65, "\(result.stderr)")
        let folder = family.cache + "/models--org--moe-base/refs/main"
        #expect(result.stderr.contains("hub.yaml:1:13: error: model 'org/moe-base': revision 'main' of 'org/moe-base' is not in the Hugging Face cache and HF_HUB_OFFLINE is set (looked in \(folder))"), "\(result.stderr)")
        #expect(result.stderr.contains("hub.yaml:5:17: error: model 'org/moe-a'"), "\(result.stderr)")
        #expect(try await family.standIn.stats().requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: family.root.file("out")))
    }

    /// The adapter of `org/ft-a` over `org/base`, from Hub ids, equals the one from the local
    /// folders (its config names the base as given); only the shards holding the modules it
    /// reads are downloaded.
    @Test func extractLoRAFromHubIdsEqualsExtractLoRAFromLocalFolders() async throws {
        let flags = ["--max-rank", "4", "-i", "layers\\.1\\.", "-e", "embed_tokens|lm_head", "--threads", "1"]
        let local = try family.run(["extract-lora", "--model", "./local/ft-a", "--base-model", "./local/base", "-o", "from-local"] + flags)
        #expect(local.status == 0, "\(local.stderr)")
        let hub = try family.run(["extract-lora", "--model", "org/ft-a", "--base-model", "org/base", "-o", "from-hub"] + flags)
        #expect(hub.status == 0, "\(hub.stderr)")
        #expect(hub.stderr.contains("Hub: will download "), "\(hub.stderr)")
        let fromHub = try ExampleFamily.contents(of: family.root.file("from-hub"))
        let fromLocal = try ExampleFamily.contents(of: family.root.file("from-local"))
        #expect(fromHub["adapter_model.safetensors"] == fromLocal["adapter_model.safetensors"])
        let config = String(decoding: try #require(fromHub["adapter_config.json"]), as: UTF8.self)
        #expect(config.contains("\"base_model_name_or_path\": \"org/base\""), "\(config)")
        #expect(config.replacingOccurrences(of: "\"org/base\"", with: "\"./local/base\"")
            == String(decoding: try #require(fromLocal["adapter_config.json"]), as: UTF8.self))

        for repo in ["org/ft-a", "org/base"] {
            let shards = family.cachedFiles(repo, commit: try #require(family.commits[repo])).filter { $0.hasSuffix(".safetensors") }
            #expect(!shards.isEmpty && shards.count < HubFamily.shards, "\(repo): only the shards holding layer 1: \(shards)")
        }
    }

    @Test func extractLoRAOfflineWithAnEmptyCacheNamesTheFlag() async throws {
        let result = try family.run(["extract-lora", "--model", "org/ft-a", "--base-model", "./local/base", "-o", "out"], offline: true)
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("error: --model org/ft-a: revision 'main' of 'org/ft-a' is not in the Hugging Face cache and HF_HUB_OFFLINE is set"), "\(result.stderr)")
        #expect(try await family.standIn.stats().requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: family.root.file("out")))
    }
}
