import Foundation
import MergeKitTestSupport
import Testing

/// `validate` and `plan` on recipes naming models by Hub id, through the built binary against
/// the Hub stand-in: headers only, and every problem at its place in the recipe.
@Suite struct HubCheckingTests {
    /// A 3-model recipe is checked from config.json, the index and the safetensors headers:
    /// every weight read is a range read of a header, and all of it is under 1% of the weights.
    @Test func validateAndPlanReadHeadersOnly() async throws {
        let family = try HubFamily()
        try family.writeRecipe()
        let validate = try family.run(["validate", "recipe.yaml"])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("recipe.yaml: ok — dare_ties, 3 models"))
        #expect(validate.stderr.contains("Hub: checked 3 models from their headers: "), "\(validate.stderr)")
        let stats = try await family.standIn.stats()
        let weightReads = stats.requests.filter { $0.path.hasPrefix("/cdn/") }
        #expect(weightReads.count == 2 * 3 * HubFamily.shards, "the 8-byte length, then the header, of every shard")
        #expect(weightReads.allSatisfy { $0.method == "GET" && $0.range != nil })
        #expect(Double(stats.totalBytes) < 0.01 * Double(family.weightBytes),
                "served \(stats.totalBytes) bytes for \(family.weightBytes) bytes of weights")

        try await family.standIn.reset()
        let plan = try family.run(["plan", "recipe.yaml", "--json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("\"method\""))
        let planStats = try await family.standIn.stats()
        #expect(planStats.requests.filter { $0.path.hasPrefix("/cdn/") && $0.range == nil }.isEmpty)
        #expect(Double(planStats.totalBytes) < 0.01 * Double(family.weightBytes))
    }

    /// A missing repository, revision and file, a bad layer range and a typo in a local path are
    /// all reported at once, each at its recipe position, before any weight is downloaded.
    @Test func everyProblemAtItsPlace() async throws {
        let family = try HubFamily()
        try family.write("recipe.yaml", """
            merge_method: passthrough
            slices:
              - sources:
                  - model: org/ft-a
                    layer_range: [0, 9]
              - sources:
                  - model: org/nowhere
                    layer_range: [0, 1]
              - sources:
                  - model: org/ft-b@v9
                    layer_range: [1, 2]
              - sources:
                  - model: ./local/bsae
                    layer_range: [2, 3]
            """)
        let result = try family.run(["validate", "recipe.yaml"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("error: layer_range [0, 9] is outside model 'org/ft-a', which has 4 layers"), "\(result.stderr)")
        #expect(result.stderr.contains("recipe.yaml:7:16: error: model 'org/nowhere': repository 'org/nowhere' was not found on the Hub"))
        #expect(result.stderr.contains("recipe.yaml:10:16: error: model 'org/ft-b@v9': repository 'org/ft-b' has no revision 'v9'"))
        #expect(result.stderr.contains("recipe.yaml:13:16: error: model directory './local/bsae' does not exist (looked in '\(family.root.path)/local/bsae')"))
        #expect(try await family.standIn.stats().cdnBytes < 10_000, "headers at most")
    }

    /// A gated repository without a token is refused with the repository's name and how to pass
    /// a token; with HF_TOKEN it is read.
    @Test func gatedRepositoryNeedsAToken() throws {
        let files = try HubFamily.gatedFiles()
        let commit = HubFamily.commit("gated")
        let family = try HubFamily(extra: [StandInRepository(id: "org/gated", gated: true, commits: [(commit, files)], refs: ["main": commit])])
        try family.writeRecipe(names: ["org/ft-b": "org/gated"])
        let refused = try family.run(["validate", "recipe.yaml"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("recipe.yaml:6:12: error: model 'org/gated': access to gated repository 'org/gated' was refused (HTTP 401"), "\(refused.stderr)")
        #expect(refused.stderr.contains("pass a token: set HF_TOKEN=hf_..., or log in with `hf auth login`"))
        let allowed = try family.run(["validate", "recipe.yaml"], token: true)
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }

    /// Local folders win over Hub ids of the same name, and a recipe of local folders never
    /// configures or contacts the Hub.
    @Test func localFoldersComeFirst() async throws {
        let family = try HubFamily()
        try family.writeRecipe(names: ["org/base": "local/base"])
        try FileManager.default.createDirectory(atPath: family.root.file("org"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: family.root.file("local/ft-a"), toPath: family.root.file("org/ft-a"))
        try FileManager.default.copyItem(atPath: family.root.file("local/ft-b"), toPath: family.root.file("org/ft-b"))
        var environment = family.environment()
        environment["HF_ENDPOINT"] = "not a url"
        let result = try CommandLineTool.run(["validate", "recipe.yaml"], in: family.root.path, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try await family.standIn.stats().requests.isEmpty)
    }
}

extension HubFamily {
    /// A model of the family's shape with other weights, for a repository of its own.
    static func gatedFiles() throws -> [String: Data] {
        let folder = try TemporaryDirectory(prefix: "hub-gated")
        try writeModel(seed: 9, to: folder.path)
        return try ExampleFamily.contents(of: folder.path)
    }
}
