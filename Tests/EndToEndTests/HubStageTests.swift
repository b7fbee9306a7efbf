import Foundation
import MergeKitTestSupport
import Testing

/// Multi-stage recipes over Hub models, through the built binary against the Hub stand-in: a
/// stage name wins over a Hub id of the same spelling (mergekit-multi replaces stage names
/// before it resolves any model), so the Hub fetch, `lock` and `apply --locked` see the stage's
/// own models and never the stage.
@Suite struct HubStageTests {
    /// A stage of `org/ft-a` (Hub) and `./local/ft-b` SLERPed with `org/base`, the stage named `name`.
    static func recipe(stage name: String) -> String {
        """
        name: \(name)
        merge_method: linear
        models:
          - model: org/ft-a
            parameters: {weight: 0.5}
          - model: ./local/ft-b
            parameters: {weight: 0.5}
        ---
        merge_method: slerp
        base_model: org/base
        models:
          - model: org/base
          - model: \(name)
        parameters: {t: 0.4}
        """
    }

    /// `org/ft-b` is a repository the stand-in serves; as a stage name it is the stage, as
    /// `soup` would be: same output, the repository never asked for, and the lock file pins the
    /// stage's models only.
    @Test func aStageNamedLikeAHubModelIsTheStage() async throws {
        let family = try HubFamily()
        try family.write("hubnamed.yaml", Self.recipe(stage: "org/ft-b"))
        try family.write("plain.yaml", Self.recipe(stage: "soup"))
        let plain = try family.run(["apply", "plain.yaml", "-o", "plain", "-q"])
        #expect(plain.status == 0, "\(plain.stderr)")
        try await family.standIn.reset()

        let hubNamed = try family.run(["apply", "hubnamed.yaml", "-o", "hubnamed", "-q"])
        #expect(hubNamed.status == 0, "\(hubNamed.stderr)")
        #expect(try family.mergedFiles("hubnamed") == (try family.mergedFiles("plain")))
        let lock = try family.run(["lock", "hubnamed.yaml"])
        #expect(lock.status == 0, "\(lock.stderr)")
        #expect(lock.stdout.contains("wrote hubnamed.yaml.lock: 3 models (2 from the Hub, 1 local)"), "\(lock.stdout)")
        let text = try String(contentsOfFile: family.root.file("hubnamed.yaml.lock"), encoding: .utf8)
        #expect(text.contains("reference: \"org/ft-a\"") && text.contains("reference: \"./local/ft-b\"") && text.contains("reference: \"org/base\""))
        #expect(!text.contains("\"org/ft-b\""), "\(text)")
        let requests = try await family.standIn.stats().requests
        #expect(!requests.isEmpty && !requests.contains { $0.path.contains("org/ft-b") || $0.path.contains("org--ft-b") }, "\(requests.map(\.path))")

        let locked = try family.run(["apply", "hubnamed.yaml", "--locked", "-o", "locked", "-q"])
        #expect(locked.status == 0, "\(locked.stderr)")
        #expect(try family.mergedFiles("locked") == (try family.mergedFiles("plain")))
    }

    /// mergekit-multi writes a stage to `-I DIR/<name>`: a name with a slash is a folder inside DIR.
    @Test func mergekitMultiWritesASlashedStageInsideTheIntermediateDirectory() throws {
        let family = try HubFamily()
        try family.write("stages.yaml", Self.recipe(stage: "my/soup"))
        let link = family.root.file("mergekit-multi")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: CommandLineTool.executable)
        let run = try family.run(["stages.yaml", "-I", "inter", "--out-path", "out", "-q"], tool: link)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: family.root.file("inter/my/soup/model.safetensors")))
        #expect(FileManager.default.fileExists(atPath: family.root.file("out/model.safetensors")))
    }
}
