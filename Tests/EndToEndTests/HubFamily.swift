import Foundation
import MergeKitTestSupport

/// A tiny model family served by the Hub stand-in as `org/base` (with tokenizer files),
/// `org/ft-a` and `org/ft-b` (4 layers, 4 shards each), and also written to local folders
/// (`local/base`, ...), so a merge from Hub ids can be compared with the same merge from local
/// paths. Commands run through the built binary in a scratch folder, with an environment that
/// points the Hub at the stand-in and the cache at `cache/`, and nothing else from the caller's.
final class HubFamily: @unchecked Sendable {
    // @unchecked: set up once in init, then only read.
    let root: TemporaryDirectory
    let standIn: HubStandIn
    /// Each repository's files by path, at its `main` commit.
    let files: [String: [String: Data]]
    let commits: [String: String]

    static let repositories = ["org/base", "org/ft-a", "org/ft-b"]
    static let layers = 4
    static let shards = 4

    /// `extra` repositories are served too (gated ones, ones with several commits), and
    /// `laterCommits` as one more commit of a family repository, which no branch points at yet.
    init(extra: [StandInRepository] = [], laterCommits: [String: (commit: String, files: [String: Data])] = [:]) throws {
        root = try TemporaryDirectory(prefix: "hub-e2e")
        var files: [String: [String: Data]] = [:]
        var commits: [String: String] = [:]
        var served: [StandInRepository] = []
        for (position, repo) in Self.repositories.enumerated() {
            let folder = root.file(Self.localPath(repo))
            try Self.writeModel(seed: UInt64(position + 1), to: folder, tokenizer: repo == "org/base")
            files[repo] = try ExampleFamily.contents(of: folder)
            commits[repo] = Self.commit(repo + "@1")
            let later = laterCommits[repo].map { [$0] } ?? []
            served.append(StandInRepository(
                id: repo, commits: [(commits[repo] ?? "", files[repo] ?? [:])] + later, refs: ["main": commits[repo] ?? ""]))
        }
        self.files = files
        self.commits = commits
        standIn = try HubStandIn(served + extra)
    }

    /// `local/<name>` for `org/<name>`, relative to the scratch folder.
    static func localPath(_ repo: String) -> String {
        "local/" + (repo.split(separator: "/").last.map(String.init) ?? repo)
    }

    var cache: String { root.file("cache") }

    /// A model of the family's shape, written to `folder` (with tokenizer files when asked).
    static func writeModel(seed: UInt64, to folder: String, tokenizer: Bool = false) throws {
        let tensors = TinyCheckpoint.llama(layers: layers, hidden: 128, intermediate: 256, vocab: 2048, dtype: .f32, seed: seed)
        try TinyCheckpoint.write(
            tensors, to: folder,
            config: TinyCheckpoint.llamaConfig(layers: layers, hidden: 128, intermediate: 256, vocab: 2048, dtype: .f32),
            shards: shards)
        if tokenizer {
            for name in ["tokenizer.json", "tokenizer_config.json"] {
                try FileManager.default.copyItem(
                    atPath: CommandLineTool.repositoryRoot + "/Examples/tiny-llama/base/" + name, toPath: folder + "/" + name)
            }
        }
    }

    /// A commit id made from `text` (at most 20 characters): its bytes in hex, padded to 40
    /// hex digits.
    static func commit(_ text: String) -> String {
        let hex = text.utf8.map { byte in String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16) }.joined()
        return String((hex + String(repeating: "c", count: 40)).prefix(40))
    }

    /// The dare_ties recipe of the family, naming each model as `names` maps it (default: its
    /// Hub id).
    @discardableResult
    func writeRecipe(_ file: String = "recipe.yaml", names: [String: String] = [:]) throws -> String {
        try write(file, """
            merge_method: dare_ties
            base_model: \(names["org/base"] ?? "org/base")
            models:
              - model: \(names["org/ft-a"] ?? "org/ft-a")
                parameters: {weight: 1.0, drop_rate: 0.5}
              - model: \(names["org/ft-b"] ?? "org/ft-b")
                parameters: {weight: 0.8, drop_rate: 0.5}
            seed: 7
            """)
    }

    /// The same recipe over the local folders.
    @discardableResult
    func writeLocalRecipe(_ file: String = "local.yaml") throws -> String {
        try writeRecipe(file, names: Dictionary(uniqueKeysWithValues: Self.repositories.map { ($0, "./" + Self.localPath($0)) }))
    }

    @discardableResult
    func write(_ file: String, _ text: String) throws -> String {
        try text.write(toFile: root.file(file), atomically: true, encoding: .utf8)
        return root.file(file)
    }

    /// The caller's environment without its Hugging Face settings, pointed at the stand-in.
    func environment(token: Bool = false, offline: Bool = false) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("HF_") && !key.hasPrefix("HUGGING") && key != "TRANSFORMERS_OFFLINE"
        }
        environment["HF_HOME"] = root.file("hf-home")
        environment["HF_HUB_CACHE"] = cache
        environment["HF_ENDPOINT"] = standIn.endpoint.absoluteString
        if token { environment["HF_TOKEN"] = standIn.token }
        if offline { environment["HF_HUB_OFFLINE"] = "1" }
        return environment
    }

    /// Runs the binary in the scratch folder.
    func run(
        _ arguments: [String], token: Bool = false, offline: Bool = false, tool: String = CommandLineTool.executable
    ) throws -> CommandLineTool.Result {
        try CommandLineTool.run(
            arguments, in: root.path, tool: tool, environment: environment(token: token, offline: offline), timeLimit: .seconds(240))
    }

    /// The files of a merged model that do not quote the recipe (its card and copy do).
    func mergedFiles(_ folder: String) throws -> [String: Data] {
        try ExampleFamily.contents(of: root.file(folder)).filter { $0.key != "README.md" && $0.key != "mergekit_config.yml" }
    }

    /// Bytes of every safetensors file of the family's three repositories.
    var weightBytes: Int {
        files.values.flatMap { $0 }.filter { $0.key.hasSuffix(".safetensors") }.reduce(0) { $0 + $1.value.count }
    }

    /// The files of `repo`'s snapshot at `commit` in the cache.
    func cachedFiles(_ repo: String, commit: String) -> [String] {
        let folder = cache + "/models--" + repo.replacingOccurrences(of: "/", with: "--") + "/snapshots/" + commit
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}
