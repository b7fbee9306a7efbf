import Foundation
import MergeKitTestSupport
import Testing

/// Hub references on every kind of source, through the built binary against the Hub stand-in:
/// `org/model+org/adapter` and `./local+org/adapter` (the adapter fetched whole before planning,
/// the base model still checked from its headers), and a Hub model with PyTorch `.bin` weights
/// only (downloaded before planning, saying so). Each merge equals the same one from local
/// folders, byte for byte.
@Suite struct HubSourceTests {
    let family: HubFamily

    /// The conformance fixtures served as `org/base` (safetensors), `org/lora` (a PEFT adapter
    /// with modules_to_save) and `org/ft-b-bin` (pytorch_model.bin), and copied to local folders.
    init() throws {
        let served = [("org/conf-base", "base"), ("org/lora", "lora_modules_to_save"), ("org/ft-b-bin", "ft_b_bin")]
        let scratch = try TemporaryDirectory(prefix: "hub-sources")
        try SourceFamily.copy(into: scratch.path)
        family = try HubFamily(extra: try served.map { repo, folder in
            StandInRepository(
                id: repo, commits: [(HubFamily.commit(repo), try ExampleFamily.contents(of: scratch.file(folder)))],
                refs: ["main": HubFamily.commit(repo)])
        })
        try SourceFamily.copy(into: family.root.path)
    }

    /// A linear merge of the local `ft_a` and `reference`.
    @discardableResult
    func writeRecipe(_ file: String, _ reference: String) throws -> String {
        try family.write(file, """
            merge_method: linear
            models:
              - model: ./ft_a
                parameters: {weight: 1.0}
              - model: \(reference)
                parameters: {weight: 0.5}
            """)
    }

    @Test func hubAdaptersApplyToHubAndLocalModels() async throws {
        try writeRecipe("local.yaml", "./base+./lora_modules_to_save")
        let local = try family.run(["apply", "local.yaml", "-o", "from-local"])
        #expect(local.status == 0, "\(local.stderr)")
        let expected = try family.mergedFiles("from-local")

        for (name, reference) in [("hub-hub", "org/conf-base+org/lora"), ("local-hub", "./base+org/lora")] {
            try writeRecipe(name + ".yaml", reference)
            try await family.standIn.reset()
            let checked = try family.run(["validate", name + ".yaml"])
            #expect(checked.status == 0, "\(name): \(checked.stderr)")
            #expect(family.cachedFiles("org/lora", commit: HubFamily.commit("org/lora")) == ["adapter_config.json", "adapter_model.safetensors"])
            if reference.hasPrefix("org/conf-base") {
                let base = family.cachedFiles("org/conf-base", commit: HubFamily.commit("org/conf-base"))
                #expect(!base.contains("model.safetensors"), "validate read the base's header only: \(base)")
            }
            let applied = try family.run(["apply", name + ".yaml", "-o", name])
            #expect(applied.status == 0, "\(name): \(applied.stderr)")
            #expect(try family.mergedFiles(name) == expected, "\(name)")
        }
    }

    /// A missing Hub adapter is an error at the model's place in the recipe, naming the side.
    @Test func aMissingHubAdapterIsALocatedError() throws {
        try writeRecipe("recipe.yaml", "./base+org/no-such-adapter")
        let result = try family.run(["validate", "recipe.yaml"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("recipe.yaml:5:12: error: LoRA adapter 'org/no-such-adapter' of './base+org/no-such-adapter': "), "\(result.stderr)")
    }

    @Test func hubModelsWithBinWeightsAreDownloadedBeforePlanning() throws {
        try writeRecipe("local.yaml", "./ft_b_bin")
        try writeRecipe("hub.yaml", "org/ft-b-bin")
        let local = try family.run(["apply", "local.yaml", "-o", "from-local"])
        #expect(local.status == 0, "\(local.stderr)")
        let checked = try family.run(["validate", "hub.yaml"])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stderr.contains("Hub: 'org/ft-b-bin' has PyTorch .bin weights only, which cannot be checked from their headers; will download them ("), "\(checked.stderr)")
        #expect(family.cachedFiles("org/ft-b-bin", commit: HubFamily.commit("org/ft-b-bin")).contains("pytorch_model.bin"))
        let applied = try family.run(["apply", "hub.yaml", "-o", "from-hub"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(!applied.stderr.contains("will download them"), "already in the cache: \(applied.stderr)")
        #expect(try family.mergedFiles("from-hub") == (try family.mergedFiles("from-local")))
    }
}
