import Foundation
import MergeKitTestSupport
import Testing

/// HF_HUB_OFFLINE=1 never touches the network: a filled cache is enough to validate and merge,
/// and what the cache lacks is an error at the model's place saying where it looked.
@Suite struct HubOfflineTests {
    @Test func offlineFromAFilledCache() async throws {
        let family = try HubFamily()
        try family.writeRecipe()
        let online = try family.run(["apply", "recipe.yaml", "-o", "online"])
        #expect(online.status == 0, "\(online.stderr)")
        try await family.standIn.reset()

        let validate = try family.run(["validate", "recipe.yaml"], offline: true)
        #expect(validate.status == 0, "\(validate.stderr)")
        let offline = try family.run(["apply", "recipe.yaml", "-o", "offline"], offline: true)
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(try family.mergedFiles("offline") == (try family.mergedFiles("online")))
        #expect(try await family.standIn.stats().requests.isEmpty, "offline means no request at all")
    }

    @Test func whatTheCacheLacksIsNamedWithWhereItLooked() async throws {
        let family = try HubFamily()
        try family.writeRecipe()
        let result = try family.run(["validate", "recipe.yaml"], offline: true)
        #expect(result.status == 65, "\(result.stderr)")
        let folder = family.cache + "/models--org--base/refs/main"
        #expect(result.stderr.contains("recipe.yaml:2:13: error: model 'org/base': revision 'main' of 'org/base' is not in the Hugging Face cache and HF_HUB_OFFLINE is set (looked in \(folder))"), "\(result.stderr)")
        #expect(result.stderr.contains("recipe.yaml:4:12: error: model 'org/ft-a'"))
        #expect(try await family.standIn.stats().requests.isEmpty)
    }

    /// `--transformers-cache DIR` wins over HF_HUB_CACHE.
    @Test func theCacheFolderFromTheCommandLine() throws {
        let family = try HubFamily()
        try family.writeRecipe()
        let result = try family.run(["validate", "recipe.yaml", "--transformers-cache", "elsewhere"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: family.root.file("elsewhere/models--org--base/refs/main")))
        #expect(!FileManager.default.fileExists(atPath: family.cache + "/models--org--base"))
    }
}
