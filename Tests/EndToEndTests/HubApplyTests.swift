import Foundation
import MergeKitTestSupport
import Testing

/// `apply` on recipes naming models by Hub id, through the built binary against the Hub
/// stand-in: everything checked before downloading, only the files the plan reads downloaded,
/// into huggingface_hub's cache layout, and the same bytes as the merge from local folders.
@Suite struct HubApplyTests {
    @Test func mergeFromHubIDsEqualsMergeFromLocalFolders() async throws {
        let family = try HubFamily()
        try family.writeRecipe()
        try family.writeLocalRecipe()
        let hub = try family.run(["apply", "recipe.yaml", "-o", "from-hub"])
        #expect(hub.status == 0, "\(hub.stderr)")
        #expect(hub.stderr.contains("Hub: will download "), "\(hub.stderr)")
        #expect(hub.stderr.contains(" of 3 models into \(family.cache) ("))
        let local = try family.run(["apply", "local.yaml", "-o", "from-local"])
        #expect(local.status == 0, "\(local.stderr)")
        let merged = try family.mergedFiles("from-hub")
        #expect(merged == (try family.mergedFiles("from-local")))
        #expect(merged["tokenizer.json"] != nil, "the base's tokenizer files were downloaded and copied")

        // huggingface_hub's layout: refs, and snapshot files linking into blobs.
        for repo in HubFamily.repositories {
            let commit = try #require(family.commits[repo])
            let folder = family.cache + "/models--" + repo.replacingOccurrences(of: "/", with: "--")
            #expect(try String(contentsOfFile: folder + "/refs/main", encoding: .utf8) == commit)
            let expected = try #require(family.files[repo]).keys.sorted()
            #expect(family.cachedFiles(repo, commit: commit) == expected)
            let link = try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/snapshots/\(commit)/config.json")
            #expect(link.hasPrefix("../../blobs/"))
        }

        // Everything is cached now: a second run downloads nothing.
        try await family.standIn.reset()
        let again = try family.run(["apply", "recipe.yaml", "-o", "again"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("Hub: every file the merge reads is in the cache"))
        #expect(try await family.standIn.stats().cdnBytes == 0)
    }

    /// A mergekit-yaml command line over a Hub recipe works as it does with mergekit: the binary
    /// linked as `mergekit-yaml`, a positional output, and mergekit's `--transformers-cache`
    /// naming the cache the models are downloaded into.
    @Test func mergekitYAMLCommandLinesTakeHubIDs() throws {
        let family = try HubFamily()
        try family.writeRecipe()
        try family.writeLocalRecipe()
        let link = family.root.file("mergekit-yaml")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: CommandLineTool.executable)
        let hub = try family.run(["recipe.yaml", "from-hub", "--transformers-cache", "elsewhere", "--random-seed", "7"], tool: link)
        #expect(hub.status == 0, "\(hub.stderr)")
        #expect(hub.stderr.contains(" of 3 models into elsewhere ("), "\(hub.stderr)")
        #expect(!FileManager.default.fileExists(atPath: family.cache), "HF_HUB_CACHE is overridden")
        let local = try family.run(["apply", "local.yaml", "-o", "from-local"])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(try family.mergedFiles("from-hub") == (try family.mergedFiles("from-local")))
    }

    /// A recipe whose tokenizer is planned (here a chat template written into the base's
    /// tokenizer) reads the Hub base's tokenizer files while checking: they come with the
    /// headers, and the output carries them with the template.
    @Test func tokenizerSettingsReadTheHubModelsTokenizers() throws {
        let family = try HubFamily()
        try family.write("recipe.yaml", """
            merge_method: linear
            models:
              - model: org/base
                parameters: {weight: 0.5}
              - model: org/ft-a
                parameters: {weight: 0.5}
            chat_template: chatml
            """)
        let validate = try family.run(["validate", "recipe.yaml"])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(!validate.stdout.contains("warning"), "\(validate.stdout)")
        #expect(family.cachedFiles("org/base", commit: try #require(family.commits["org/base"])).contains("tokenizer.json"))
        let apply = try family.run(["apply", "recipe.yaml", "-o", "merged"])
        #expect(apply.status == 0, "\(apply.stderr)")
        let config = try String(contentsOfFile: family.root.file("merged/tokenizer_config.json"), encoding: .utf8)
        #expect(config.contains("im_start"), "\(config)")
    }

    /// A slice of the first two layers of one model and the last two of another downloads only
    /// the shards holding the tensors it reads.
    @Test func onlyTheShardsThePlanReadsAreDownloaded() async throws {
        let family = try HubFamily()
        let slices = { (first: String, second: String) in
            """
            merge_method: passthrough
            slices:
              - sources:
                  - model: \(first)
                    layer_range: [0, 2]
              - sources:
                  - model: \(second)
                    layer_range: [2, 4]
            """
        }
        try family.write("recipe.yaml", slices("org/ft-a", "org/ft-b"))
        try family.write("local.yaml", slices("./local/ft-a", "./local/ft-b"))
        let hub = try family.run(["apply", "recipe.yaml", "-o", "from-hub"])
        #expect(hub.status == 0, "\(hub.stderr)")
        #expect(try family.run(["apply", "local.yaml", "-o", "from-local"]).status == 0)
        #expect(try family.mergedFiles("from-hub") == (try family.mergedFiles("from-local")))

        var skipped = 0
        for repo in ["org/ft-a", "org/ft-b"] {
            let cached = family.cachedFiles(repo, commit: try #require(family.commits[repo]))
            let shards = try #require(family.files[repo]).keys.filter { $0.hasSuffix(".safetensors") }
            skipped += shards.filter { !cached.contains($0) }.count
        }
        #expect(skipped >= 2, "each model has shards holding only layers the slices do not take")
        let weights = ["org/ft-a", "org/ft-b"].compactMap { family.files[$0] }.flatMap { $0 }
            .filter { $0.key.hasSuffix(".safetensors") }.reduce(0) { $0 + $1.value.count }
        #expect(try await family.standIn.stats().cdnBytes < weights)
    }

    /// A revision as a tag or as a commit id merges that commit, not the branch's newer one.
    @Test func revisionsArePinned() async throws {
        let old = HubFamily.commit("org/ft-c@1")
        let new = HubFamily.commit("org/ft-c@2")
        let scratch = try TemporaryDirectory(prefix: "hub-revisions")
        try HubFamily.writeModel(seed: 11, to: scratch.file("v1"))
        try HubFamily.writeModel(seed: 12, to: scratch.file("v2"))
        let family = try HubFamily(extra: [StandInRepository(
            id: "org/ft-c",
            commits: [(old, try ExampleFamily.contents(of: scratch.file("v1"))), (new, try ExampleFamily.contents(of: scratch.file("v2")))],
            refs: ["main": new, "v1": old])])
        try FileManager.default.copyItem(atPath: scratch.file("v1"), toPath: family.root.file("local/ft-c-v1"))
        try family.writeRecipe("tag.yaml", names: ["org/ft-b": "org/ft-c@v1"])
        try family.writeRecipe("commit.yaml", names: ["org/ft-b": "org/ft-c@" + old])
        try family.writeRecipe("local.yaml", names: ["org/base": "./local/base", "org/ft-a": "./local/ft-a", "org/ft-b": "./local/ft-c-v1"])
        for recipe in ["tag", "commit", "local"] {
            let result = try family.run(["apply", recipe + ".yaml", "-o", "from-" + recipe])
            #expect(result.status == 0, "\(recipe): \(result.stderr)")
        }
        let expected = try family.mergedFiles("from-local")
        #expect(try family.mergedFiles("from-tag") == expected)
        #expect(try family.mergedFiles("from-commit") == expected)
        let folder = family.cache + "/models--org--ft-c"
        #expect(try String(contentsOfFile: folder + "/refs/v1", encoding: .utf8) == old)
        #expect(family.cachedFiles("org/ft-c", commit: new).isEmpty, "the branch's commit was never fetched")
    }

    /// A connection dropped in the middle of a shard is resumed with a range request, and the
    /// blob holds the file's exact bytes (its sha256 was checked against the announced one).
    @Test func aDroppedConnectionIsResumed() async throws {
        let family = try HubFamily()
        try family.writeRecipe()
        let files = try #require(family.files["org/ft-a"])
        let (shard, data) = try #require(files.filter { $0.key.hasSuffix(".safetensors") }.max { $0.value.count < $1.value.count })
        let blob = try #require(try Self.blobName(of: data, in: family))
        // The first two reads of the shard are its header's (checking before downloading); the
        // third is the download, which the stand-in cuts after 100 000 bytes.
        try await family.standIn.fault("drop", sha256: blob, after: 100_000, count: 3)
        let result = try family.run(["apply", "recipe.yaml", "-o", "merged"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("org/ft-a/\(shard): "), "\(result.stderr)")
        #expect(result.stderr.contains("retrying from byte 100000"))
        let requests = try await family.standIn.stats().requests.filter { $0.path == "/cdn/" + blob }
        #expect(requests.contains { $0.range == "bytes=100000-" }, "\(requests.map(\.range))")
        let cached = family.cache + "/models--org--ft-a/blobs/" + blob
        #expect(FileManager.default.contents(atPath: cached) == data)
        #expect(!FileManager.default.fileExists(atPath: cached + ".incomplete"))
    }

    /// An output that `apply` would refuse is found before anything is downloaded.
    @Test func aRefusedOutputCostsNoDownload() async throws {
        let family = try HubFamily()
        try family.writeRecipe()
        try FileManager.default.createDirectory(atPath: family.root.file("taken/notes"), withIntermediateDirectories: true)
        let result = try family.run(["apply", "recipe.yaml", "-o", "taken"])
        #expect(result.status == 64, "\(result.stderr)")
        let stats = try await family.standIn.stats()
        #expect(stats.requests.filter { $0.path.hasPrefix("/cdn/") }.allSatisfy { $0.range != nil }, "headers only")
    }

    /// The sha256 of `data` as the stand-in names its blob: the repository listing's LFS hash.
    static func blobName(of data: Data, in family: HubFamily) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let file = family.root.file("hash-me")
        try data.write(to: URL(fileURLWithPath: file))
        process.arguments = ["python3", "-c", "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())", file]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
